#include "policy/export.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace ward::policy {
namespace {

constexpr std::string_view kPolicy = R"(version: 1
zones:
  - name: servers
    cidrs: [10.20.1.0/24]
  - name: pumps
    cidrs: [10.20.0.0/16, "fd00:20::/64"]
    device_classes: [infusion_pump, unknown]
    medical: true
  - name: gateway
    cidrs: [10.20.2.8/29]
    device_classes: [pump_server]
  - name: cameras
    device_classes: [camera]
conduits:
  - from: servers
    to: pumps
    ports: [tcp/3000, icmp]
  - from: pumps
    to: servers
    protocols: [hl7]
  - from: gateway
    to: internet
    ports: [udp/5000-5010]
    bidirectional: true
  - from: cameras
    to: servers
    protocols: [rtsp]
)";

Policy load() {
  auto p = parse_policy(kPolicy, "ward.yaml");
  EXPECT_TRUE(p.ok()) << p.error().to_string();
  return std::move(*p);
}

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\t" + line + "\n") != std::string::npos;
}

TEST(ExportNft, EachConduitIsOneAcceptRuleBetweenTheZonesSetsThenCountLogAndDrop) {
  const std::string r = export_nft(load(), "ward.yaml");
  EXPECT_NE(r.find("table inet ward {"), std::string::npos);
  EXPECT_TRUE(has_line(r, "\ttype filter hook forward priority filter; policy drop;")) << r;
  EXPECT_TRUE(has_line(r, "\tct state established,related accept"));
  EXPECT_TRUE(
      has_line(r, "\tip saddr @zone_servers_v4 ip daddr @zone_pumps_v4 tcp dport 3000 accept"));
  EXPECT_TRUE(
      has_line(r, "\tip saddr @zone_servers_v4 ip daddr @zone_pumps_v4 meta l4proto icmp accept"));
  EXPECT_TRUE(
      has_line(r, "\tip saddr @zone_pumps_v4 ip daddr @zone_servers_v4 tcp dport 2575 accept"));
  // Bidirectional, with the internet: both ways, "internet" being outside every other range.
  EXPECT_TRUE(has_line(
      r, "\tip saddr @zone_gateway_v4 ip daddr != @not_internet_v4 udp dport 5000-5010 accept"));
  EXPECT_TRUE(has_line(
      r, "\tip saddr != @not_internet_v4 ip daddr @zone_gateway_v4 udp dport 5000-5010 accept"));
  EXPECT_TRUE(has_line(r,
                       "\tip6 saddr != @not_internet_v6 ip6 daddr @zone_gateway_v6 udp dport "
                       "5000-5010 accept") == false);
  // Longest prefix wins: the pumps' /16 does not hold the servers' /24 nor the gateway's /29.
  EXPECT_TRUE(has_line(r, "\telements = { 10.20.0.0/24, 10.20.2.0/29, 10.20.2.16-10.20.255.255 }"))
      << r;
  EXPECT_TRUE(has_line(r, "\telements = { fd00:20::/64 }"));
  // A zone given by classes only cannot be enforced by address: said, not silently dropped.
  EXPECT_NE(r.find("# zone cameras is given by device classes only"), std::string::npos);
  EXPECT_NE(r.find("# not enforceable by address"), std::string::npos);
  // The last rule counts and logs; the chain's policy drops.
  const auto last = r.rfind("\t\tcounter name \"drops\" log prefix \"ward-drop \"\n\t}\n}\n");
  EXPECT_NE(last, std::string::npos);
  EXPECT_EQ(r.find(" accept", last), std::string::npos);
}

TEST(ExportMud, OneFilePerZonedClassWithTheRfc8520MembersAndAcesFromTheConduits) {
  const auto files = export_mud(load(), "2026-11-29T00:00:00Z", "https://mud.example.org/");
  ASSERT_EQ(files.size(), 3u);  // camera, infusion_pump, pump_server ("unknown" is not a class)
  ASSERT_EQ(files.count("infusion_pump.json"), 1u);
  const auto j = nlohmann::json::parse(files.at("infusion_pump.json"));
  const auto& mud = j.at("ietf-mud:mud");
  EXPECT_EQ(mud.at("mud-version"), 1);
  EXPECT_EQ(mud.at("mud-url"), "https://mud.example.org/infusion_pump.json");
  EXPECT_EQ(mud.at("last-update"), "2026-11-29T00:00:00Z");
  EXPECT_EQ(mud.at("is-supported"), true);
  EXPECT_TRUE(mud.contains("systeminfo"));
  const auto& from = mud.at("from-device-policy").at("access-lists").at("access-list");
  const auto& to = mud.at("to-device-policy").at("access-lists").at("access-list");
  ASSERT_EQ(from.size(), 1u);  // no IPv6 peer: an IPv4 list only
  EXPECT_EQ(from[0].at("name"), "from-ipv4-infusion_pump");
  EXPECT_EQ(to[0].at("name"), "to-ipv4-infusion_pump");
  // Every list the policy names exists in the ACLs.
  const auto& acls = j.at("ietf-access-control-list:acls").at("acl");
  std::map<std::string, nlohmann::json> by_name;
  for (const auto& a : acls) by_name[a.at("name")] = a;
  ASSERT_EQ(by_name.count("from-ipv4-infusion_pump"), 1u);
  ASSERT_EQ(by_name.count("to-ipv4-infusion_pump"), 1u);
  EXPECT_EQ(by_name["from-ipv4-infusion_pump"].at("type"), "ipv4-acl-type");
  // servers -> pumps tcp/3000: towards the pump, from the servers' network, to port 3000,
  // initiated towards the device. pumps -> servers hl7: from the pump to port 2575.
  bool to_3000 = false, from_2575 = false, icmp_in = false;
  for (const auto& ace : by_name["to-ipv4-infusion_pump"].at("aces").at("ace")) {
    const auto& m = ace.at("matches");
    EXPECT_EQ(ace.at("actions").at("forwarding"), "accept");
    if (m.contains("tcp") && m.at("tcp").contains("destination-port") &&
        m.at("tcp").at("destination-port").at("port") == 3000) {
      to_3000 = true;
      EXPECT_EQ(m.at("ipv4").at("source-ipv4-network"), "10.20.1.0/24");
      EXPECT_EQ(m.at("ipv4").at("protocol"), 6);
      EXPECT_EQ(m.at("tcp").at("ietf-mud:direction-initiated"), "to-device");
    }
    if (m.at("ipv4").value("protocol", 0) == 1) icmp_in = true;
  }
  for (const auto& ace : by_name["from-ipv4-infusion_pump"].at("aces").at("ace")) {
    const auto& m = ace.at("matches");
    if (m.contains("tcp") && m.at("tcp").contains("destination-port") &&
        m.at("tcp").at("destination-port").at("port") == 2575) {
      from_2575 = true;
      EXPECT_EQ(m.at("ipv4").at("destination-ipv4-network"), "10.20.1.0/24");
      EXPECT_EQ(m.at("tcp").at("ietf-mud:direction-initiated"), "from-device");
    }
  }
  EXPECT_TRUE(to_3000);
  EXPECT_TRUE(from_2575);
  EXPECT_TRUE(icmp_in);
  // The gateway reaches the internet both ways on a UDP range.
  const auto g = nlohmann::json::parse(files.at("pump_server.json"));
  const std::string gs = g.dump();
  EXPECT_NE(gs.find(R"("destination-ipv4-network":"0.0.0.0/0")"), std::string::npos);
  EXPECT_NE(gs.find(R"("lower-port":5000,"upper-port":5010)"), std::string::npos);
}

}  // namespace
}  // namespace ward::policy
