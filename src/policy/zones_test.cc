#include "policy/zones.h"

#include <gtest/gtest.h>

#include <string>

#include "policy/policy.h"

namespace ward::policy {
namespace {

IpAddr ip(const char* s) {
  IpAddr a;
  EXPECT_TRUE(IpAddr::parse(s, a)) << s;
  return a;
}

constexpr std::string_view kZones = R"(version: 1
zones:
  - name: clinical
    cidrs: [10.10.0.0/16, "fd00:10::/32", "fd00:20::/64"]
    security_level: 2
  - name: infusion_pumps
    cidrs: [10.10.2.0/24]
    device_classes: [infusion_pump]
    security_level: 3
    medical: true
  - name: pump_server
    cidrs: [10.10.1.5]
    medical: true
  - name: cameras
    device_classes: [camera]
conduits:
  - name: orders
    from: pump_server
    to: infusion_pumps
    ports: [tcp/3000]
  - from: infusion_pumps
    to: clinical
    protocols: [hl7]
  - from: clinical
    to: internet
    protocols: [https, dns]
    bidirectional: true
  - from: cameras
    to: clinical
    ports: [icmp, udp/5000-5010]
)";

TEST(Zones, TheLongestPrefixDecidesAHostsZone) {
  auto p = parse_policy(kZones, "ward.yaml");
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  ASSERT_EQ(p->zones.size(), 4u);
  EXPECT_EQ(p->zone_name(p->zone_of(ip("10.10.2.22"))), "infusion_pumps");
  EXPECT_EQ(p->zone_name(p->zone_of(ip("10.10.1.5"))), "pump_server");  // a /32 in the /16
  EXPECT_EQ(p->zone_name(p->zone_of(ip("10.10.1.6"))), "clinical");
  EXPECT_EQ(p->zone_name(p->zone_of(ip("10.10.9.66"))), "clinical");
  EXPECT_EQ(p->zone_name(p->zone_of(ip("fd00:10::7"))), "clinical");
  EXPECT_EQ(p->zone_name(p->zone_of(ip("fd00:11::7"))), "unzoned");
  EXPECT_EQ(p->zone_name(p->zone_of(ip("fd00:20::1:2"))), "clinical");  // a /64: 64 bits exactly
  EXPECT_EQ(p->zone_name(p->zone_of(ip("fd00:20:0:1::1"))), "unzoned");
  EXPECT_EQ(p->zone_name(p->zone_of(ip("fd00:10:0:1::7"))), "clinical");
  EXPECT_EQ(p->zone_name(p->zone_of(ip("192.168.1.1"))), "unzoned");
  EXPECT_EQ(p->zone_name(p->zone_of(ip("8.8.8.8"))), "internet");
  EXPECT_EQ(p->zone_name(p->zone_of(ip("2001:db8::1"))), "internet");
  // Not the internet: multicast, broadcast, loopback, link-local.
  for (const char* a : {"224.0.0.251", "255.255.255.255", "127.0.0.1", "169.254.1.1", "fe80::1",
                        "ff02::1", "::1", "0.0.0.0"})
    EXPECT_EQ(p->zone_of(ip(a)), kUnzoned) << a;
  EXPECT_EQ(p->zone_name(p->zone_for_class("camera")), "cameras");
  EXPECT_EQ(p->zone_for_class("infusion_pump"), kUnzoned);  // that zone is given by CIDR
  EXPECT_TRUE(p->zones[1].medical);
  EXPECT_FALSE(p->zones[1].require_encryption);  // off unless asked for
  EXPECT_EQ(p->zones[1].security_level, 3);
  EXPECT_EQ(p->zones[1].where, "ward.yaml:6:5");
}

TEST(Zones, RequireEncryptionIsReadPerZone) {
  auto p = parse_policy(
      "zones:\n  - name: pumps\n    cidrs: [10.10.2.0/24]\n"
      "    require_encryption: true\n  - name: servers\n"
      "    cidrs: [10.10.1.0/24]\n    require_encryption: no\n",
      "w.yaml");
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  EXPECT_TRUE(p->zones[0].require_encryption);
  EXPECT_FALSE(p->zones[1].require_encryption);
}

TEST(Zones, MedicalClassesAreThePumpsMonitorsAndModalities) {
  for (std::string_view c :
       {"infusion_pump", "patient_monitor", "cognitive_monitor", "imaging_modality"})
    EXPECT_TRUE(is_medical_class(c)) << c;
  for (std::string_view c :
       {"unknown", "pump_server", "pacs", "camera", "workstation", "network_gear", ""})
    EXPECT_FALSE(is_medical_class(c)) << c;
}

TEST(Zones, ConduitsAllowTheirDirectionAndPortsOnly) {
  auto p = parse_policy(kZones, "ward.yaml");
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  const ZoneId server = p->find_zone("pump_server");
  const ZoneId pumps = p->find_zone("infusion_pumps");
  const ZoneId clinical = p->find_zone("clinical");
  const ZoneId cameras = p->find_zone("cameras");
  const auto tcp = bus::Transport::kTcp;
  const Conduit* c = p->conduit_allowing(server, pumps, tcp, 3000);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->where, "ward.yaml:17:5");
  EXPECT_EQ(p->conduit_allowing(pumps, server, tcp, 3000), nullptr);  // one way
  EXPECT_EQ(p->conduit_allowing(server, pumps, tcp, 3001), nullptr);
  EXPECT_EQ(p->conduit_allowing(server, pumps, bus::Transport::kUdp, 3000), nullptr);
  EXPECT_NE(p->conduit_allowing(pumps, clinical, tcp, 2575), nullptr);  // hl7
  EXPECT_NE(p->conduit_allowing(clinical, kInternet, tcp, 443), nullptr);
  EXPECT_NE(p->conduit_allowing(kInternet, clinical, bus::Transport::kUdp, 53), nullptr);  // both
  EXPECT_EQ(p->conduit_allowing(clinical, kInternet, tcp, 80), nullptr);
  EXPECT_NE(p->conduit_allowing(cameras, clinical, bus::Transport::kIcmp, 8), nullptr);
  EXPECT_NE(p->conduit_allowing(cameras, clinical, bus::Transport::kUdp, 5010), nullptr);
  EXPECT_EQ(p->conduit_allowing(cameras, clinical, bus::Transport::kUdp, 5011), nullptr);
}

// The first error of a broken file, with its line and column.
std::string error_of(std::string_view yaml) {
  auto p = parse_policy(yaml, "w.yaml");
  return p.ok() ? "ok" : p.error().message();
}

TEST(Zones, MistakesAreReportedWithLineAndColumn) {
  EXPECT_EQ(error_of("zones:\n  - name: a\n    cidr: [10.0.0.0/8]\n"),
            "w.yaml:3:5: zones[0]: unknown key 'cidr' (expected one of: name, cidrs, "
            "device_classes, security_level, medical, require_encryption)");
  EXPECT_EQ(
      error_of("zones:\n  - name: a\n    cidrs: [10.0.0.0/8]\n    require_encryption: always\n"),
      "w.yaml:4:25: zones[0].require_encryption: expected true or false");
  EXPECT_EQ(error_of("zones:\n  - name: a\n    cidrs: [10.0.0.0/33]\n"),
            "w.yaml:3:13: zones[0].cidrs[0]: '10.0.0.0/33' is not an IP address or CIDR block");
  EXPECT_EQ(error_of("zones:\n  - name: a\n    cidrs: [10.1.0.0/16]\n  - name: b\n    cidrs: "
                     "[10.0.0.0/8, 10.1.2.3/16]\n"),
            "w.yaml:5:25: zones[1].cidrs[1]: '10.1.2.3/16' is already in zone 'a' (w.yaml:3:13); "
            "a block belongs to one zone");
  EXPECT_EQ(error_of("zones:\n  - name: a\n    device_classes: [pump]\n"),
            "w.yaml:3:22: zones[0].device_classes[0]: unknown device class 'pump' (expected one "
            "of: unknown, infusion_pump, pump_server, patient_monitor, cognitive_monitor, "
            "imaging_modality, pacs, camera, workstation, network_gear)");
  EXPECT_EQ(error_of("zones:\n  - name: a\n    cidrs: [10.0.0.0/8]\n    security_level: 5\n"),
            "w.yaml:4:21: zones[0].security_level: expected an IEC 62443 security level 1, 2, 3 "
            "or 4");
  EXPECT_EQ(error_of("zones:\n  - name: a\n"),
            "w.yaml:2:5: zones[0]: a zone needs cidrs, device_classes or both");
  EXPECT_EQ(error_of("zones:\n  - name: internet\n    cidrs: [1.0.0.0/8]\n"),
            "w.yaml:2:11: zones[0].name: 'internet' is a built-in zone name");
  EXPECT_EQ(error_of("zones:\n  - name: Pumps\n    cidrs: [1.0.0.0/8]\n"),
            "w.yaml:2:11: zones[0].name: 'Pumps' is not a valid zone name (lower-case letters, "
            "digits, '_' and '-', starting with a letter, at most 64)");
  EXPECT_EQ(error_of("zones:\n  - {name: a, cidrs: [10.0.0.0/8]}\n  - {name: a, cidrs: "
                     "[11.0.0.0/8]}\n"),
            "w.yaml:3:12: zones[1].name: zone 'a' is defined twice (first at w.yaml:2:5)");
  const std::string zones = "zones:\n  - {name: a, cidrs: [10.0.0.0/8]}\n";
  EXPECT_EQ(error_of(zones + "conduits:\n  - {from: a, to: b, ports: [tcp/1]}\n"),
            "w.yaml:4:19: conduits[0].to: no zone named 'b' (defined: a, internet)");
  EXPECT_EQ(error_of(zones + "conduits:\n  - {from: a, to: internet, ports: [tcp/0]}\n"),
            "w.yaml:4:37: conduits[0].ports[0]: 'tcp/0' is not a port (expected tcp/N, udp/N, "
            "tcp/N-M, tcp, udp, icmp, icmp6 or any)");
  EXPECT_EQ(error_of(zones + "conduits:\n  - {from: a, to: internet, protocols: [gopher]}\n")
                .substr(0, 60),
            "w.yaml:4:41: conduits[0].protocols[0]: unknown protocol 'gop");
  EXPECT_EQ(error_of(zones + "conduits:\n  - {from: a, to: internet}\n"),
            "w.yaml:4:5: conduits[0]: a conduit needs ports or protocols (use ports: [any] to "
            "allow everything)");
  EXPECT_EQ(error_of(zones + "conduits:\n  - {from: a, to: a, ports: [any]}\n"),
            "w.yaml:4:5: conduits[0]: a conduit joins two different zones (traffic inside 'a' is "
            "always allowed)");
  EXPECT_EQ(
      error_of(zones + "conduits:\n  - {from: a, to: internet, ports: [any], direction: in}\n"),
      "w.yaml:4:43: conduits[0]: unknown key 'direction' (expected one of: name, from, to, "
      "ports, protocols, bidirectional)");
  EXPECT_EQ(error_of("conduits:\n  - {from: a, to: b, ports: [any]}\n"),
            "w.yaml:2:3: conduits: conduits join zones: define zones first");
}

TEST(Zones, ServicePortsParseAsWritten) {
  ServicePort s;
  ASSERT_TRUE(parse_service_port("udp/5000-5010", s));
  EXPECT_EQ(s.proto, bus::Transport::kUdp);
  EXPECT_EQ(s.lo, 5000);
  EXPECT_EQ(s.hi, 5010);
  ASSERT_TRUE(parse_service_port("tcp", s));
  EXPECT_TRUE(s.matches(bus::Transport::kTcp, 1));
  EXPECT_FALSE(s.matches(bus::Transport::kUdp, 1));
  ASSERT_TRUE(parse_service_port("any", s));
  EXPECT_TRUE(s.matches(bus::Transport::kIcmp6, 0));
  for (const char* bad : {"tcp/", "tcp/65536", "tcp/10-5", "sctp/1", "icmp/8", "tcp/1-", "TCP/1"})
    EXPECT_FALSE(parse_service_port(bad, s)) << bad;
  EXPECT_EQ(application_of(bus::Transport::kTcp, 2575), "hl7");
  EXPECT_EQ(application_of(bus::Transport::kTcp, 11112), "dicom");
  EXPECT_EQ(application_of(bus::Transport::kUdp, 2575), "");
}

TEST(Zones, ALookupOverManyZonesFindsEachOnesHosts) {
  std::string yaml = "zones:\n";
  for (int i = 0; i < 200; ++i)
    yaml += "  - {name: z" + std::to_string(i) + ", cidrs: [10." + std::to_string(i) +
            ".0.0/16, 10." + std::to_string(i) + ".7.0/24]}\n";
  auto p = parse_policy(yaml, "w.yaml");
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  for (int i = 0; i < 200; i += 17) {
    const std::string a = "10." + std::to_string(i) + ".7.9";
    EXPECT_EQ(p->zone_name(p->zone_of(ip(a.c_str()))), "z" + std::to_string(i));
  }
  EXPECT_EQ(p->zone_of(ip("10.200.0.1")), kUnzoned);
}

}  // namespace
}  // namespace ward::policy
