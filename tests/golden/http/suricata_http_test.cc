// Golden test against suricata-verify's HTTP tests (../shared/data/pcap/suricata-verify/http-*).
// Each test.yaml states its expectation either on EVE `http` events (field by field) or as an
// alert count of a rule; each rule is restated here as the Ward record or anomaly that carries
// the same fact (the rule is quoted in the case). Captures and what is compared:
//   http-all-headers        1 http event; request_headers[0] Host www.ethereal.com;
//                           9 request and 9 response headers
//   http-options-method     http_method OPTIONS, hostname example.com, flow to port 80
//   http-auth-bearer        no request_auth_unrecognized event: Ward names the scheme bearer
//                           and reports no http.auth_unrecognized
//   http-auth-unrecognized  one request_auth_unrecognized: one http.auth_unrecognized
//   http-multiple-cl        one duplicate_content_length_field_in_request: one
//                           http.duplicate_content_length (the next requests still parse)
//   http-request-invalid    two request_body_unexpected (a body with neither Content-Length nor
//                           Transfer-Encoding): Ward sees those bytes where the next request
//                           line should be and reports http.invalid_request_line, once per
//                           connection (intended naming difference)
//   http-uri-spaces         http_uri contains " afterspace"
//   http-chunked            request header names Host, Cookie, X-Qlik-User, User-Agent,
//                           Content-Length, Transfer-Encoding on a HEAD: Ward counts the 6
//                           headers and flags Transfer-Encoding with Content-Length
//   http-request-header     Connection in request and response headers, Date in the response
//   http-post-file          the EICAR upload (file_data): Ward counts the request body
// Not compared: cond-log-http-testmyids (its capture lives in flowbit-oring/, which the shared
// data does not include, and it tests Suricata's conditional logging configuration).
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <set>

#include "e2e/tshark.h"
#include "golden/http/golden_http_util.h"

namespace ward::testing::http_golden {
namespace {

struct Outcome {
  std::vector<nlohmann::json> http;
  std::vector<nlohmann::json> anomalies;
  std::vector<nlohmann::json> conns;
  std::vector<nlohmann::json> alerts;
};

Outcome run_capture(const std::string& pcap) {
  TempDir tmp;
  (void)run_on(pcap, tmp);
  const std::string logs = tmp.path() + "/logs";
  return {read_log(logs, "http"), read_log(logs, "anomaly"), read_log(logs, "conn"),
          read_log(logs, "alert")};
}

int count_anomalies(const Outcome& r, const std::string& name) {
  return static_cast<int>(
      std::count_if(r.anomalies.begin(), r.anomalies.end(),
                    [&](const nlohmann::json& a) { return a["name"] == name; }));
}

// The `count` of the check in test.yaml whose match has `key` == `value`.
int yaml_count(const std::string& dir, const std::string& key, const std::string& value) {
  const YAML::Node y = YAML::LoadFile(dir + "/test.yaml");
  for (const auto& c : y["checks"]) {
    const auto m = c["filter"]["match"];
    if (m && m[key] && m[key].as<std::string>() == value) return c["filter"]["count"].as<int>();
  }
  return -1;
}

std::string sv(const std::string& test) {
  return shared_data_dir() + "/pcap/suricata-verify/" + test;
}

class SuricataHttp : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!file_exists(sv("http-all-headers/input.pcap")))
      GTEST_SKIP() << "shared test data not present";
  }
};

TEST_F(SuricataHttp, AllHeadersHostAndHeaderCounts) {
  const Outcome r = run_capture(sv("http-all-headers/input.pcap"));
  const YAML::Node y = YAML::LoadFile(sv("http-all-headers/test.yaml"));
  ASSERT_EQ(static_cast<int>(r.http.size()), y["checks"][0]["filter"]["count"].as<int>());
  const auto m1 = y["checks"][1]["filter"]["match"];
  EXPECT_EQ(m1["http.request_headers[0].name"].as<std::string>(), "Host");
  EXPECT_EQ(r.http[0]["host"], m1["http.request_headers[0].value"].as<std::string>());
  EXPECT_EQ(r.http[0]["response_header_count"],
            y["checks"][3]["filter"]["match"]["http.response_headers.__len"].as<int>());
  EXPECT_EQ(r.http[0]["request_header_count"],
            y["checks"][4]["filter"]["match"]["http.request_headers.__len"].as<int>());
}

TEST_F(SuricataHttp, OptionsMethodAndHostname) {
  const Outcome r = run_capture(sv("http-options-method/input.pcap"));
  const YAML::Node y = YAML::LoadFile(sv("http-options-method/test.yaml"));
  const auto m = y["checks"][1]["filter"]["match"];
  ASSERT_EQ(r.http.size(), 1U);
  EXPECT_EQ(r.http[0]["method"], m["http.http_method"].as<std::string>());
  EXPECT_EQ(r.http[0]["host"], m["http.hostname"].as<std::string>());
  const auto f = y["checks"][0]["filter"]["match"];
  EXPECT_EQ(r.http[0]["id.orig_p"], f["src_port"].as<int>());
  EXPECT_EQ(r.http[0]["id.resp_p"], f["dest_port"].as<int>());
  ASSERT_EQ(r.conns.size(), 1U);
  EXPECT_EQ(r.conns[0]["service"], "http");
}

TEST_F(SuricataHttp, BearerAuthIsRecognised) {
  const Outcome r = run_capture(sv("http-auth-bearer/input.pcap"));
  EXPECT_EQ(count_anomalies(r, "http.auth_unrecognized"),
            yaml_count(sv("http-auth-bearer"), "alert.signature_id", "1"));
  ASSERT_EQ(r.http.size(), 1U);
  EXPECT_EQ(r.http[0]["auth_scheme"], "bearer");
  EXPECT_FALSE(r.http[0].contains("username"));
  EXPECT_EQ(
      read_file(sv("http-auth-bearer/input.pcap")).find("mF_9.B5f-4.1JqM") != std::string::npos,
      true);
  EXPECT_EQ(r.http[0].dump().find("mF_9"), std::string::npos);  // the token is never logged
  // A bearer token in clear becomes a cleartext-credentials alert (detect/anomaly_detector.cc).
  ASSERT_EQ(r.alerts.size(), 1U);
  EXPECT_EQ(r.alerts[0]["rule"], "ward.protocol.cleartext_credentials");
  EXPECT_EQ(r.alerts[0].dump().find("mF_9"), std::string::npos);
}

TEST_F(SuricataHttp, UnrecognisedAuthIsReportedOnce) {
  const Outcome r = run_capture(sv("http-auth-unrecognized/input.pcap"));
  EXPECT_EQ(count_anomalies(r, "http.auth_unrecognized"),
            yaml_count(sv("http-auth-unrecognized"), "alert.signature_id", "1"));
  ASSERT_EQ(r.http.size(), 1U);
  EXPECT_EQ(r.http[0]["auth_scheme"], "other");
}

TEST_F(SuricataHttp, DuplicateContentLengthIsReported) {
  const Outcome r = run_capture(sv("http-multiple-cl/input.pcap"));
  EXPECT_EQ(count_anomalies(r, "http.duplicate_content_length"),
            yaml_count(sv("http-multiple-cl"), "alert.signature_id", "2221034"));
  ASSERT_FALSE(r.http.empty());
  EXPECT_EQ(r.http[0]["uri"], "/which.php");
  EXPECT_NE(r.http[0]["tags"].dump().find("duplicate_content_length"), std::string::npos);
  // A smuggling indicator becomes an evasion alert (detect/anomaly_detector.cc).
  ASSERT_FALSE(r.alerts.empty());
  EXPECT_EQ(r.alerts[0]["rule"], "ward.protocol.evasion");
}

TEST_F(SuricataHttp, RequestBodiesWithoutLengthAreInvalidRequestLines) {
  const Outcome r = run_capture(sv("http-request-invalid/input.pcap"));
  EXPECT_EQ(count_anomalies(r, "http.invalid_request_line"),
            yaml_count(sv("http-request-invalid"), "alert.signature_id", "1"));
  // The anomaly never repeats the offending bytes (they hold a password here).
  for (const auto& a : r.anomalies) EXPECT_EQ(a.dump().find("password"), std::string::npos);
}

TEST_F(SuricataHttp, SpacesInTheUriAreKept) {
  const Outcome r = run_capture(sv("http-uri-spaces/input.pcap"));
  ASSERT_FALSE(r.http.empty());
  const std::string uri = r.http[0]["uri"];
  EXPECT_NE(uri.find(" afterspace"), std::string::npos) << uri;
}

TEST_F(SuricataHttp, ChunkedTokenHeadersAreParsed) {
  const Outcome r = run_capture(sv("http-chunked/input.pcap"));
  ASSERT_EQ(r.http.size(), 1U);
  EXPECT_EQ(r.http[0]["method"], "HEAD");
  EXPECT_EQ(r.http[0]["host"], "localhost");
  EXPECT_EQ(r.http[0]["request_header_count"], 6);
  EXPECT_EQ(count_anomalies(r, "http.content_length_and_chunked"), 1);
}

TEST_F(SuricataHttp, RequestAndResponseHeadersArePresent) {
  const Outcome r = run_capture(sv("http-request-header/input.pcap"));
  ASSERT_FALSE(r.http.empty());
  EXPECT_GE(r.http[0]["request_header_count"].get<int>(), 2);   // Connection, User-Agent
  EXPECT_GE(r.http[0]["response_header_count"].get<int>(), 2);  // Connection, Date
  EXPECT_TRUE(r.http[0].contains("user_agent"));
}

TEST_F(SuricataHttp, PostedFileBodyIsCounted) {
  const std::string pcap = sv("http-post-file/input.pcap");
  const Outcome r = run_capture(pcap);
  std::multiset<std::string> ours;
  std::uint64_t largest = 0;
  for (const auto& j : r.http) {
    if (j["method"] != "POST") continue;
    ours.insert(j["request_body_len"].dump());
    largest = std::max(largest, j["request_body_len"].get<std::uint64_t>());
  }
  EXPECT_GE(largest, 68U);  // the upload holds the 68-byte EICAR string
  // tshark's Content-Length of each POST is the body Ward must have counted.
  if (!tshark_available()) return;
  std::multiset<std::string> theirs;
  for (const auto& row : tshark_fields(pcap, "http.request.method == \"POST\"",
                                       {"http.content_length"}, {"tcp.port==8065,http"}))
    theirs.insert(row[0]);
  EXPECT_EQ(ours, theirs);
}

}  // namespace
}  // namespace ward::testing::http_golden
