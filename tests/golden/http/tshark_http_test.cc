// tshark as a differential oracle for HTTP: for every capture the HTTP golden tests use, the
// requests (connection and method), URIs, Host and User-Agent values and response status codes
// Ward logs agree with `tshark -T fields` (http.request.method, http.request.uri, http.host,
// http.user_agent, http.response.code) on the same file.
// Only HTTP over TCP is compared (tshark also reads SSDP's HTTP-over-UDP M-SEARCH).
// Intended differences (named per capture below, with the reason):
//  - tshark does not dissect HTTP/0.9 (no version on the request line, no status line), so
//    Ward's 0.9 transactions are not in tshark's output.
//  - 261/variant-01: after the overflowing chunk size tshark reads no further request; Ward
//    (like Zeek, whose baseline lists it) ends the body there and parses the smuggled GET.
//  - http-uri-spaces: tshark ends the URI at the first space ("/uri"); Ward keeps the target up
//    to the version, as Suricata does (its test matches " afterspace" in the URI).
//  - http-manipulated: tshark reads an empty URI after the run of spaces following the method
//    (Ward and nDPI skip the run), and shows no response code for the response the capture
//    cuts off (Ward logs its status line and tags the record response_truncated).
#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "e2e/tshark.h"
#include "golden/http/golden_http_util.h"

namespace ward::testing::http_golden {
namespace {

struct Capture {
  std::string path;
  std::vector<std::string> decode_as;
  bool http09 = false;  // Ward's 0.9 transactions are left out of the comparison
  // Named differences: values Ward reports that tshark does not, and tshark URIs Ward does not.
  std::vector<std::string> ward_only_methods;
  std::vector<std::string> ward_only_codes;
  std::vector<std::string> tshark_only_uris;
};

std::vector<Capture> captures() {
  const std::string z = shared_data_dir() + "/pcap/zeek/traces/http/";
  const std::string s = shared_data_dir() + "/pcap/suricata-verify/";
  const std::string n = shared_data_dir() + "/pcap/ndpi/";
  std::vector<Capture> out;
  out.push_back({z + "261/variant-01-chunk_2pow64_overflow.pcap", {}, false, {"GET"}});
  for (const char* t :
       {"100-continue.pcap", "261/variant-02-cl_uint64max.pcap", "261/variant-03-cl_negative.pcap",
        "261/variant-04-te_cl_desync.pcap", "content-length-overflow.pcap",
        "fake-content-length.pcap", "basic-auth-with-colon.pcap", "pipelined-requests.pcap",
        "multipart-form-data.pcap", "smuggle-http-request.pcap", "cooper-grill-dvwa.pcapng",
        "get.pcap"})
    out.push_back({z + t, {}});
  out.push_back({z + "http_09.pcap", {}, true});
  out.push_back({z + "no-version.pcap", {}, true});
  for (const char* t :
       {"http-all-headers", "http-options-method", "http-auth-bearer", "http-auth-unrecognized",
        "http-multiple-cl", "http-request-invalid", "http-chunked", "http-request-header"})
    out.push_back({s + t + "/input.pcap", {}});
  out.push_back({s + "http-uri-spaces/input.pcap", {}, false, {}, {}, {"/uri"}});
  out.push_back({s + "http-post-file/input.pcap", {"tcp.port==8065,http"}});
  out.push_back({n + "http-manipulated.pcap", {}, false, {}, {"200"}, {""}});
  for (const char* t :
       {"http.pcapng", "http_auth.pcap", "WebattackSQLinj.pcap", "sql_injection.pcap", "xss.pcap",
        "jsonrpc.pcap", "log4j-webapp-exploit.pcap", "iphone.pcap"})
    out.push_back({n + t, {}});
  return out;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string x; std::getline(ss, x, ',');) out.push_back(x);
  return out;
}

TEST(TsharkHttp, MethodsUrisHostsUserAgentsAndStatusCodesAgree) {
  if (!tshark_available()) GTEST_SKIP() << "tshark not installed";
  int compared = 0;
  for (const Capture& c : captures()) {
    if (!file_exists(c.path)) continue;
    SCOPED_TRACE(c.path);
    ++compared;
    std::multiset<std::string> their_methods, their_codes;
    std::set<std::string> their_uris, their_hosts, their_uas;
    for (const auto& r :
         tshark_fields(c.path, "http.request && tcp",
                       {"http.request.method", "http.request.uri", "http.host", "http.user_agent"},
                       c.decode_as)) {
      const auto methods = split(r[0]);
      for (const auto& m : methods) their_methods.insert(m);
      if (methods.size() == 1) {  // several requests in a packet: URIs may contain commas
        their_uris.insert(r[1]);
        if (!r[2].empty()) their_hosts.insert(r[2]);
        if (!r[3].empty()) their_uas.insert(r[3]);
      }
    }
    for (const auto& r :
         tshark_fields(c.path, "http.response && tcp", {"http.response.code"}, c.decode_as))
      for (const auto& code : split(r[0])) their_codes.insert(code);

    std::multiset<std::string> our_methods, our_codes;
    std::set<std::string> our_uris, our_hosts, our_uas;
    for (const auto& r : http_records(c.path)) {
      if (c.http09 && r.value("request_version", "") == "0.9") continue;
      if (r.contains("method")) our_methods.insert(r["method"].get<std::string>());
      if (r.contains("uri")) our_uris.insert(r["uri"].get<std::string>());
      if (r.contains("host")) our_hosts.insert(r["host"].get<std::string>());
      if (r.contains("user_agent")) our_uas.insert(r["user_agent"].get<std::string>());
      if (r.contains("status_code")) our_codes.insert(r["status_code"].dump());
      if (r.contains("info_code")) our_codes.insert(r["info_code"].dump());
    }
    for (const auto& m : c.ward_only_methods) their_methods.insert(m);
    for (const auto& code : c.ward_only_codes) their_codes.insert(code);
    for (const auto& u : c.tshark_only_uris) EXPECT_EQ(their_uris.erase(u), 1U) << u;
    EXPECT_EQ(our_methods, their_methods);
    EXPECT_EQ(our_codes, their_codes);
    for (const auto& u : their_uris) EXPECT_EQ(our_uris.count(u), 1U) << u;
    for (const auto& h : their_hosts) EXPECT_EQ(our_hosts.count(h), 1U) << h;
    for (const auto& a : their_uas) EXPECT_EQ(our_uas.count(a), 1U) << a;
  }
  EXPECT_GT(compared, 0);
}

}  // namespace
}  // namespace ward::testing::http_golden
