// Golden test against nDPI's ndpiReader results (../shared/data/pcap/ndpi/*.pcap*.out) for the
// captures with HTTP flows. For each flow nDPI reports with a URL, Ward's first `http` record
// of the same connection must give the same Hostname (Host without port), URL (Host + uri),
// StatusCode, Content-Type (of the response), Server and User-Agent. nDPI's expectations are
// read from its output, not restated.
// Intended differences: none so far; a flow whose fields differ is listed in the printout and
// counts against the agreement figure.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <sstream>

#include "golden/http/golden_http_util.h"

namespace ward::testing::http_golden {
namespace {

struct NdpiFlow {
  std::string client, server;  // "a:p"
  std::map<std::string, std::string> fields;
};

std::vector<NdpiFlow> ndpi_http_flows(const std::string& out) {
  // "\t1\tTCP a:p <-> b:q [proto: 7/HTTP]...[URL: ...][StatusCode: 200]..." (std::regex is
  // avoided: GCC 12 warns inside it at -O1).
  std::vector<NdpiFlow> flows;
  std::stringstream ss(out);
  for (std::string line; std::getline(ss, line);) {
    const auto tcp = line.find("\tTCP ");
    if (line.empty() || line[0] != '\t' || tcp == std::string::npos ||
        line.find("[URL: ") == std::string::npos)
      continue;
    std::stringstream words(line.substr(tcp + 5));
    NdpiFlow f;
    std::string arrow;
    words >> f.client >> arrow >> f.server;
    for (const char* key :
         {"Hostname/SNI", "URL", "StatusCode", "Content-Type", "Server", "User-Agent"}) {
      const std::string open = std::string("[") + key + ": ";
      const auto at = line.find(open);
      if (at == std::string::npos) continue;
      const auto begin = at + open.size();
      f.fields[key] = line.substr(begin, line.find(']', begin) - begin);
    }
    flows.push_back(f);
  }
  return flows;
}

std::string host_without_port(std::string h) {
  const auto colon = h.rfind(':');
  if (colon != std::string::npos && h.find(']') == std::string::npos) h.resize(colon);
  return h;
}

TEST(NdpiHttp, HostUrlStatusContentTypeServerAndUserAgentAgreeWithNdpi) {
  const std::string dir = shared_data_dir() + "/pcap/ndpi/";
  if (!file_exists(dir + "http.pcapng")) GTEST_SKIP() << "shared test data not present";
  int captures = 0;
  int agreeing = 0;
  int fields = 0;
  for (const char* name : {"http.pcapng", "http_auth.pcap", "http-manipulated.pcap",
                           "WebattackSQLinj.pcap", "sql_injection.pcap", "xss.pcap", "jsonrpc.pcap",
                           "log4j-webapp-exploit.pcap", "iphone.pcap"}) {
    SCOPED_TRACE(name);
    const auto flows = ndpi_http_flows(read_file(dir + name + ".out"));
    ASSERT_FALSE(flows.empty());
    const auto ours = http_records(dir + name);
    bool all = true;
    for (const NdpiFlow& f : flows) {
      // The first transaction of the connection (either orientation of nDPI's endpoints).
      const nlohmann::json* first = nullptr;
      for (const auto& r : ours) {
        const std::string o = r["id.orig_h"].get<std::string>() + ":" + r["id.orig_p"].dump();
        const std::string s = r["id.resp_h"].get<std::string>() + ":" + r["id.resp_p"].dump();
        if (!((o == f.client && s == f.server) || (o == f.server && s == f.client))) continue;
        if (first == nullptr || r["trans_depth"] < (*first)["trans_depth"]) first = &r;
      }
      if (first == nullptr) {
        ADD_FAILURE() << "no http record for " << f.client << " <-> " << f.server;
        all = false;
        continue;
      }
      const auto& r = *first;
      std::map<std::string, std::string> mine = {
          {"Hostname/SNI", host_without_port(r.value("host", ""))},
          {"URL", r.value("host", "") + r.value("uri", "")},
          {"StatusCode", r.contains("status_code") ? r["status_code"].dump() : ""},
          {"Content-Type", r.value("response_content_type", "")},
          {"Server", r.value("server", "")},
          {"User-Agent", r.value("user_agent", "")},
      };
      for (const auto& [k, v] : f.fields) {
        ++fields;
        EXPECT_EQ(mine[k], v) << k << " of " << f.client << " <-> " << f.server;
        all = all && mine[k] == v;
      }
    }
    ++captures;
    if (all) ++agreeing;
  }
  std::printf("ndpi http: %d captures, %d agree on every field, %d fields compared\n", captures,
              agreeing, fields);
  EXPECT_GE(agreeing * 100, captures * 80);
}

}  // namespace
}  // namespace ward::testing::http_golden
