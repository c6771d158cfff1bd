// Golden test against tcpdump's DNS and DHCP decodes (../shared/data/pcap/tcpdump/{dns_udp,
// dns_tcp,dnssec,dns-badlabel,dhcp-*}.out, tcpdump's own test expectations). What can be read
// from tcpdump's text is compared with Ward's logs of the same capture:
//   DNS: every query's (id, type, name) and every response's (id, answer count) — the
//        multisets must be equal; dns-badlabel (a label tcpdump prints as <BAD LABEL TYPE>)
//        must be a malformed-name anomaly in Ward.
//   DHCP: every message's xid, BOOTP op, client MAC, Your-IP, Client-IP, Server-IP,
//        Gateway-IP, DHCP message type, host name, requested address, server id, lease time,
//        client id, vendor class and parameter request list, one string per message.
// GCC 12's <regex> at -O1 with ASan reports -Wmaybe-uninitialized inside std::function (a
// libstdc++ false positive, GCC bug 105562); the warning is not about this file's code.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>

#include "golden/dns_dhcp_golden_util.h"

namespace ward::testing {
namespace {

using Json = nlohmann::json;

std::string tcpdump_dir() { return shared_data_dir() + "/pcap/tcpdump/"; }

// The packets of a tcpdump text output: each packet's lines joined with '\n'.
std::vector<std::string> packets(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  static const std::regex kStart(R"(^\s*\d+\s+\d{4}-\d\d-\d\d )");
  for (std::string line; std::getline(in, line);) {
    if (std::regex_search(line, kStart) || out.empty()) {
      out.push_back(line);
    } else {
      out.back() += "\n" + line;
    }
  }
  return out;
}

// ------------------------------------------------------------------ DNS

struct DnsView {
  std::multiset<std::string> queries;    // "id TYPE name"
  std::multiset<std::string> responses;  // "id answers"
};

DnsView tcpdump_dns(const std::string& out_file) {
  DnsView v;
  static const std::regex kResponse(
      R"((?:: (?:\[[^\]]*\] )?|length \d+ )(\d+)[*\-|$]*\s(?:[A-Za-z]+\S*\s)?(?:\[\d+[a-z]+\]\s)?(?:q: \S+\? \S+ )?(\d+)/(\d+)/(\d+))");
  static const std::regex kQuery(
      R"((?:: (?:\[[^\]]*\] )?|length \d+ )(\d+)\+?%?\s(?:\[\d+[a-z]+\]\s)?([A-Z0-9]+)\?\s(\S+?)\.?\s)");
  for (const std::string& p : packets(out_file)) {
    std::smatch m;
    if (std::regex_search(p, m, kResponse)) {
      v.responses.insert(m[1].str() + " " + m[2].str());
    } else if (std::regex_search(p, m, kQuery)) {
      v.queries.insert(m[1].str() + " " + m[2].str() + " " + m[3].str());
    }
  }
  return v;
}

DnsView ward_dns(const std::vector<Json>& records) {
  DnsView v;
  for (const Json& r : records) {
    const std::string id = std::to_string(r.value("trans_id", 0));
    if (r.value("saw_query", false))
      v.queries.insert(id + " " + r.value("qtype_name", "") + " " + r.value("query", ""));
    if (r.value("saw_reply", false))
      v.responses.insert(id + " " + std::to_string(r.value("answers", Json::array()).size()));
  }
  return v;
}

TEST(TcpdumpDns, QueriesAndAnswerCountsAgreeWithTcpdumpsDecodes) {
  if (!file_exists(tcpdump_dir() + "dns_udp.pcap")) GTEST_SKIP() << "shared data not present";
  int compared = 0;
  int agreeing = 0;
  for (const auto& [pcap, out] :
       std::vector<std::pair<std::string, std::string>>{{"dns_udp.pcap", "dns_udp.out"},
                                                        {"dns_tcp.pcap", "dns_tcp.out"},
                                                        {"dnssec.pcap", "dnssec-vv.out"}}) {
    TempDir tmp;
    run_with_limits(tcpdump_dir() + pcap, tmp);
    const DnsView ours = ward_dns(read_log(tmp.path() + "/logs", "dns"));
    const DnsView theirs = tcpdump_dns(tcpdump_dir() + out);
    ASSERT_FALSE(theirs.queries.empty() && theirs.responses.empty()) << out;
    ++compared;
    const bool agree = ours.queries == theirs.queries && ours.responses == theirs.responses;
    agreeing += agree ? 1 : 0;
    EXPECT_EQ(ours.queries, theirs.queries) << pcap;
    EXPECT_EQ(ours.responses, theirs.responses) << pcap;
  }
  // dns-badlabel: tcpdump prints <BAD LABEL TYPE> / <DOMAIN NAME TOO LONG>.
  {
    TempDir tmp;
    run_with_limits(tcpdump_dir() + "dns-badlabel.pcap", tmp);
    int malformed = 0;
    for (const Json& a : read_log(tmp.path() + "/logs", "anomaly")) {
      const std::string n = a.value("name", "");
      malformed += n == "dns.malformed_name" ? 1 : 0;
    }
    ++compared;
    agreeing += malformed > 0 ? 1 : 0;
    EXPECT_GT(malformed, 0);
    EXPECT_NE(read_file(tcpdump_dir() + "dns-badlabel.out").find("<BAD LABEL TYPE>"),
              std::string::npos);
  }
  std::printf("tcpdump dns: %d captures compared, %d agree\n", compared, agreeing);
}

// ------------------------------------------------------------------ DHCP

std::string field(const std::string& p, const std::string& re) {
  std::smatch m;
  return std::regex_search(p, m, std::regex(re)) ? m[1].str() : "-";
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::multiset<std::string> tcpdump_dhcp(const std::string& out_file) {
  std::multiset<std::string> out;
  for (const std::string& p : packets(out_file)) {
    if (p.find("BOOTP/DHCP") == std::string::npos) continue;
    std::string s;
    s += "xid=" + field(p, R"(xid 0x([0-9a-f]+))");
    s += " op=" +
         std::string(p.find("BOOTP/DHCP, Request") != std::string::npos ? "request" : "reply");
    s += " mac=" + field(p, R"(Client-Ethernet-Address ([0-9a-f:]+))");
    s += " ciaddr=" + field(p, R"(Client-IP ([0-9.]+))");
    s += " yiaddr=" + field(p, R"(Your-IP ([0-9.]+))");
    s += " siaddr=" + field(p, R"(Server-IP ([0-9.]+))");
    s += " giaddr=" + field(p, R"(Gateway-IP ([0-9.]+))");
    s += " type=" + upper(field(p, R"(DHCP-Message \(53\), length 1: (\S+))"));
    s += " host=" + field(p, R"re(Hostname \(12\), length \d+: "([^"]*)")re");
    s += " req=" + field(p, R"(Requested-IP \(50\), length 4: ([0-9.]+))");
    s += " sid=" + field(p, R"(Server-ID \(54\), length 4: ([0-9.]+))");
    s += " lease=" + field(p, R"(Lease-Time \(51\), length 4: (\d+))");
    s += " vendor=" + field(p, R"re(Vendor-Class \(60\), length \d+: "([^"]*)")re");
    std::string params = "-";
    const auto at = p.find("Parameter-Request (55)");
    if (at != std::string::npos) {
      // The codes are the "(n)" on the indented lines after the option's own line.
      params.clear();
      std::istringstream lines(p.substr(p.find('\n', at) + 1));
      static const std::regex kCode(R"(\((\d+)\))");
      for (std::string line; std::getline(lines, line);) {
        if (line.rfind("\t      ", 0) != 0) break;
        for (std::sregex_iterator it(line.begin(), line.end(), kCode), end; it != end; ++it)
          params += (params.empty() ? "" : ",") + (*it)[1].str();
      }
    }
    s += " params=" + params;
    out.insert(s);
  }
  return out;
}

std::string hex_xid(std::uint64_t xid) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(xid));
  return buf;
}

std::multiset<std::string> ward_dhcp(const std::vector<Json>& records) {
  std::multiset<std::string> out;
  auto nonzero = [](const Json& m, const char* k) {
    const std::string v = m.value(k, "0.0.0.0");
    return v == "0.0.0.0" ? std::string("-") : v;
  };
  for (const Json& r : records) {
    for (const Json& m : r.value("messages", Json::array())) {
      std::string s;
      s += "xid=" + hex_xid(m.value("xid", 0ULL));
      s += " op=" + m.value("op", "");
      s += " mac=" + m.value("chaddr", "-");
      s += " ciaddr=" + nonzero(m, "ciaddr");
      s += " yiaddr=" + nonzero(m, "yiaddr");
      s += " siaddr=" + nonzero(m, "siaddr");
      s += " giaddr=" + nonzero(m, "giaddr");
      s += " type=" + m.value("msg_type", "-");
      s += " host=" + m.value("host_name", "-");
      s += " req=" + m.value("requested_addr", "-");
      s += " sid=" + m.value("server_id", "-");
      s += " lease=" +
           (m.contains("lease_time") ? std::to_string(m["lease_time"].get<long>()) : "-");
      s += " vendor=" + m.value("vendor_class", "-");
      std::string params;
      for (const Json& c : m.value("params", Json::array()))
        params += (params.empty() ? "" : ",") + std::to_string(c.get<int>());
      s += " params=" + (params.empty() ? "-" : params);
      out.insert(s);
    }
  }
  return out;
}

TEST(TcpdumpDhcp, EveryMessageAgreesWithTcpdumpsDecode) {
  if (!file_exists(tcpdump_dir() + "dhcp-mud.pcap")) GTEST_SKIP() << "shared data not present";
  int compared = 0;
  int agreeing = 0;
  for (const auto& [pcap, out] : std::vector<std::pair<std::string, std::string>>{
           {"dhcp-mud.pcap", "dhcp-mud.out"},
           {"dhcp-option-108.pcapng", "dhcp-option-108.out"},
           {"dhcp-option-33.pcap", "dhcp-option-33.out"},
           {"dhcp-rfc3004.pcap", "dhcp-rfc3004-v.out"},
           {"dhcp-rfc5859.pcap", "dhcp-rfc5859-v.out"}}) {
    TempDir tmp;
    run_with_limits(tcpdump_dir() + pcap, tmp);
    const auto ours = ward_dhcp(read_log(tmp.path() + "/logs", "dhcp"));
    const auto theirs = tcpdump_dhcp(tcpdump_dir() + out);
    ASSERT_FALSE(theirs.empty()) << out;
    ++compared;
    agreeing += ours == theirs ? 1 : 0;
    EXPECT_EQ(ours, theirs) << pcap;
  }
  std::printf("tcpdump dhcp: %d captures compared, %d agree\n", compared, agreeing);
}

}  // namespace
}  // namespace ward::testing
