// tshark (Debian's Wireshark dissectors) as a differential oracle: for every capture these
// tests use, the connections Ward logs and the key protocol fields it reports agree with
// `tshark -T fields` on the same file. Each protocol test adds its fields here.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <sstream>

#include "e2e/test_util.h"
#include "e2e/tshark.h"

namespace ward::testing {
namespace {

namespace fs = std::filesystem;

struct Capture {
  std::string path;
  std::vector<std::string> decode_as;  // tshark -d, for protocols on unregistered ports
};

std::vector<Capture> captures() {
  const std::string sv = shared_data_dir() + "/pcap/suricata-verify/";
  std::vector<Capture> out = {
      {source_dir() + "/tests/data/synthetic-ward/capture.pcap", {"tcp.port==3000,hl7"}},
      {shared_data_dir() + "/pcap/zeek/traces/mqtt.pcap", {}},
      {shared_data_dir() + "/pcap/ndpi/hl7.pcap", {"tcp.port==6661,hl7"}},
  };
  for (const char* t :
       {"mqtt5-pub-mosquittoprops", "mqtt31-pub-qos2", "mqtt311-sub-userpass", "mqtt5-unsub-qos1"})
    out.push_back({sv + t + "/input.pcap", {}});
  return out;
}

// "a:p <-> b:q" with the lower endpoint first, so both directions name one connection.
std::string conversation(const std::string& a, const std::string& pa, const std::string& b,
                         const std::string& pb) {
  std::string x = a + ":" + pa;
  std::string y = b + ":" + pb;
  return x < y ? x + " <-> " + y : y + " <-> " + x;
}

TEST(TsharkOracle, ConnectionsAgree) {
  if (!tshark_available()) GTEST_SKIP() << "tshark not installed";
  for (const Capture& c : captures()) {
    if (!fs::exists(c.path)) continue;
    std::set<std::string> theirs;
    for (const auto& r : tshark_fields(c.path, "tcp || udp",
                                       {"ip.src", "ipv6.src", "tcp.srcport", "udp.srcport",
                                        "ip.dst", "ipv6.dst", "tcp.dstport", "udp.dstport"})) {
      const std::string src = r[0].empty() ? r[1] : r[0];
      const std::string dst = r[4].empty() ? r[5] : r[4];
      theirs.insert(conversation(src, r[2].empty() ? r[3] : r[2], dst, r[6].empty() ? r[7] : r[6]));
    }
    TempDir tmp;
    (void)run_on(c.path, tmp);
    std::set<std::string> ours;
    for (const auto& r : read_log(tmp.path() + "/logs", "conn")) {
      if (r["proto"] == "icmp") continue;
      ours.insert(conversation(r["id.orig_h"], std::to_string(r["id.orig_p"].get<int>()),
                               r["id.resp_h"], std::to_string(r["id.resp_p"].get<int>())));
    }
    EXPECT_EQ(ours, theirs) << c.path;
  }
}

TEST(TsharkOracle, MqttClientIdsAndTopicsAgree) {
  if (!tshark_available()) GTEST_SKIP() << "tshark not installed";
  for (const Capture& c : captures()) {
    if (!fs::exists(c.path)) continue;
    std::multiset<std::string> their_clients;
    std::multiset<std::string> their_topics;
    for (const auto& r : tshark_fields(
             c.path, "mqtt", {"mqtt.msgtype", "mqtt.clientid", "mqtt.topic"}, c.decode_as)) {
      // Several MQTT messages in one segment come as comma-joined values, one per message.
      std::vector<std::string> types;
      std::stringstream ts(r[0]);
      for (std::string t; std::getline(ts, t, ',');) types.push_back(t);
      if (std::find(types.begin(), types.end(), "1") != types.end() && !r[1].empty())
        their_clients.insert(r[1]);
      std::stringstream tp(r[2]);
      for (std::string t; std::getline(tp, t, ',');) their_topics.insert(t);
    }
    TempDir tmp;
    (void)run_on(c.path, tmp);
    std::multiset<std::string> our_clients;
    std::multiset<std::string> our_topics;
    for (const auto& r : read_log(tmp.path() + "/logs", "mqtt")) {
      if (r["msg_type"] == "connect" && r.contains("client_id"))
        our_clients.insert(r["client_id"].get<std::string>());
      if (r["msg_type"] == "publish") our_topics.insert(r["topic"].get<std::string>());
    }
    // Topic names of PUBLISH packets: tshark also lists SUBSCRIBE topics under mqtt.topic.
    std::multiset<std::string> their_publish_topics;
    for (const auto& r : tshark_fields(c.path, "mqtt.msgtype == 3", {"mqtt.topic"}, c.decode_as)) {
      std::stringstream tp(r[0]);
      for (std::string t; std::getline(tp, t, ',');) their_publish_topics.insert(t);
    }
    EXPECT_EQ(our_clients, their_clients) << c.path;
    // Ward logs a PUBLISH with QoS 3 as an anomaly, not as a publish: tshark lists its topic.
    for (const std::string& t : our_topics)
      EXPECT_GT(their_publish_topics.count(t), 0u) << c.path << " " << t;
    EXPECT_LE(our_topics.size(), their_publish_topics.size()) << c.path;
    EXPECT_GE(our_topics.size() + 1, their_publish_topics.size()) << c.path;
  }
}

TEST(TsharkOracle, Hl7MessageTypesAgree) {
  if (!tshark_available()) GTEST_SKIP() << "tshark not installed";
  for (const Capture& c : captures()) {
    if (!fs::exists(c.path)) continue;
    std::multiset<std::string> theirs;
    for (const auto& r :
         tshark_fields(c.path, "hl7", {"hl7.message.type", "hl7.event.type"}, c.decode_as))
      theirs.insert(r[0] + "^" + r[1]);
    TempDir tmp;
    (void)run_on(c.path, tmp);
    std::multiset<std::string> ours;
    for (const auto& r : read_log(tmp.path() + "/logs", "hl7"))
      ours.insert(r.value("message_code", "") + "^" + r.value("trigger_event", ""));
    EXPECT_EQ(ours, theirs) << c.path;
  }
}

}  // namespace
}  // namespace ward::testing
