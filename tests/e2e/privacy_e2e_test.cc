// The DNS-tunnel, clinical, camera and exfiltration detectors through the whole monitor on real
// captures (../shared/data): nDPI's DNS tunnel and DNS exfiltration captures, and no such alert
// on benign captures (clinical HL7, DNS, MQTT, RTSP, web). nDPI's verdicts are quoted.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "e2e/test_util.h"

namespace ward::testing {
namespace {

bool is_checked(const std::string& rule) {
  for (const char* p :
       {"ward.privacy.dns_tunnel", "ward.privacy.exfiltration", "ward.clinical.", "ward.camera.",
        "ward.infusion.alarm", "ward.infusion.drug_library", "ward.infusion.file_transfer",
        "ward.infusion.library_rejections", "ward.infusion.unordered_change"})
    if (rule.rfind(p, 0) == 0) return true;
  return false;
}

std::vector<nlohmann::json> alerts_of(const std::string& capture) {
  const std::string path = capture[0] == '/' ? capture : shared_data_dir() + "/pcap/" + capture;
  if (!file_exists(path)) {
    ADD_FAILURE() << "missing capture " << path;
    return {};
  }
  TempDir tmp;
  (void)run_on(path, tmp, "");
  std::vector<nlohmann::json> out;
  for (auto& a : read_log(tmp.path() + "/logs", "alert"))
    if (is_checked(a["rule"].get<std::string>())) out.push_back(a);
  return out;
}

std::string rules_of(const std::vector<nlohmann::json>& alerts) {
  std::string s;
  for (const auto& a : alerts) s += a["rule"].get<std::string>() + " ";
  return s;
}

// nDPI dns-tunnel-iodine.pcap: an iodine client (10.0.2.30) and its server (10.0.2.20), 434
// packets over 24.5 s under pirate.sea; nDPI: "Susp DNS Traffic". The first query that carries
// encoded data raises a medium alert; the 30th distinct name raises it to high. No more.
TEST(PrivacyCaptures, NdpiIodineTunnelIsFoundThenConfirmed) {
  const auto alerts = alerts_of("ndpi/dns-tunnel-iodine.pcap");
  ASSERT_EQ(alerts.size(), 2u) << rules_of(alerts);
  for (const auto& a : alerts) {
    EXPECT_EQ(a["rule"], "ward.privacy.dns_tunnel");
    EXPECT_EQ(a["technique"]["id"], "T1048");
    EXPECT_EQ(a["src"]["ip"], "10.0.2.30");
    EXPECT_EQ(a["dst"]["ip"], "10.0.2.20");
    EXPECT_EQ(a["evidence"]["domain"], "pirate.sea");
  }
  EXPECT_EQ(alerts[0]["severity"], "medium");
  EXPECT_EQ(alerts[0]["evidence"]["distinct_names"], "5");
  EXPECT_EQ(alerts[1]["severity"], "high");
  EXPECT_EQ(alerts[1]["evidence"]["distinct_names"], "30");
}

// nDPI dns-exf.pcap: one query for "4sicn03_2qaa3rlc3qudhh0aavjycxwakjehelu5klueow0zjxulgage-.
// 4s2fgaaaa__-.test.txt"; nDPI: "Susp DNS Traffic", "Susp Entropy" (5.224), "Long DNS host name".
TEST(PrivacyCaptures, NdpiDnsExfiltrationNameIsEncodedData) {
  const auto alerts = alerts_of("ndpi/dns-exf.pcap");
  ASSERT_EQ(alerts.size(), 1u) << rules_of(alerts);
  const auto& a = alerts[0];
  EXPECT_EQ(a["rule"], "ward.privacy.dns_tunnel");
  EXPECT_EQ(a["severity"], "medium");
  EXPECT_EQ(a["src"]["ip"], "192.168.2.225");
  EXPECT_EQ(a["evidence"]["domain"], "test.txt");
  EXPECT_EQ(a["evidence"]["longest_label"], "58");
}

// Benign captures, including ordinary DNS and clinical traffic: none of these alerts.
TEST(PrivacyCaptures, BenignCapturesRaiseNone) {
  for (const std::string& c :
       {source_dir() + "/tests/data/synthetic-ward/capture.pcap", std::string("ndpi/dns.pcap"),
        std::string("ndpi/hl7.pcap"), std::string("ndpi/mqtt.pcap"), std::string("ndpi/rtsp.pcap"),
        std::string("ndpi/rtsp_setup_http.pcapng"), std::string("zeek/traces/mqtt.pcap"),
        std::string("zeek/traces/http/get.pcap"), std::string("ndpi/http.pcapng"),
        source_dir() + "/tests/golden/http/fhir.pcap"}) {
    SCOPED_TRACE(c);
    const auto alerts = alerts_of(c);
    EXPECT_TRUE(alerts.empty()) << rules_of(alerts);
  }
}

}  // namespace
}  // namespace ward::testing
