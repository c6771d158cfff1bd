#include "detect/segmentation_detector.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "flow/flow_events.h"

namespace ward::detect {
namespace {

constexpr std::string_view kPolicy = R"(version: 1
zones:
  - name: clinical_servers
    cidrs: [10.10.1.0/24]
    security_level: 2
  - name: infusion_pumps
    cidrs: [10.10.2.0/24]
    device_classes: [infusion_pump]
    security_level: 3
    medical: true
  - name: monitors
    cidrs: [10.10.5.0/24]
    medical: true
  - name: cameras
    device_classes: [camera]
conduits:
  - name: orders
    from: clinical_servers
    to: infusion_pumps
    ports: [tcp/3000]
  - from: infusion_pumps
    to: clinical_servers
    protocols: [hl7]
  - from: clinical_servers
    to: internet
    protocols: [https]
alerts:
  suppress:
    - rule: ward.segmentation.conduit_violation
      hosts: [10.10.1.99]
)";

struct Classes : DeviceClassSource {
  std::map<std::string, std::string> by_ip;
  int refreshes = 0;
  int forced = 0;
  void refresh(TimeNs, bool force) override {
    ++refreshes;
    forced += force ? 1 : 0;
  }
  [[nodiscard]] std::string_view device_class(const IpAddr& ip) const override {
    const auto it = by_ip.find(ip.to_string());
    return it == by_ip.end() ? "unknown" : std::string_view(it->second);
  }
};

struct Alert {
  std::string rule, severity, technique, summary, id, src, dst;
  std::map<std::string, std::string> evidence;
};

struct Harness : bus::Subscriber {
  policy::Policy policy;
  bus::EventBus bus;
  DetectorStats stats;
  Classes classes;
  std::unique_ptr<SegmentationDetector> detector;
  std::vector<Alert> alerts;
  int counter = 0;

  explicit Harness(std::string_view yaml = kPolicy) {
    auto p = policy::parse_policy(yaml, "ward.yaml");
    EXPECT_TRUE(p.ok()) << p.error().to_string();
    policy = std::move(*p);
    detector = std::make_unique<SegmentationDetector>(policy, bus, stats, &classes);
    bus.subscribe(*detector);
    bus.subscribe(*this);
  }
  void on_event(const bus::EventContext& ctx, const bus::Event& e) override {
    if (const auto* a = bus::event_cast<AlertEvent>(e)) {
      Alert c{std::string(a->rule),
              std::string(severity_name(a->severity)),
              std::string(a->technique.id),
              a->summary,
              a->alert_id,
              ctx.src_h().to_string(),
              ctx.dst_h().to_string(),
              {}};
      for (const auto& [k, v] : a->evidence) c.evidence[std::string(k)] = v;
      alerts.push_back(std::move(c));
    }
  }
  // A new flow orig -> resp on (proto, port) at `sec` seconds, announced and ended.
  void flow(const char* orig, const char* resp, std::uint16_t port, double sec = 1,
            bus::Transport proto = bus::Transport::kTcp,
            bus::Direction first = bus::Direction::kToServer) {
    bus::EventContext c;
    const std::string uid = "CSEG" + std::to_string(++counter);
    c.uid = uid;
    EXPECT_TRUE(IpAddr::parse(orig, c.orig_h));
    EXPECT_TRUE(IpAddr::parse(resp, c.resp_h));
    c.orig_p = 40000;
    c.resp_p = port;
    c.proto = proto;
    c.dir = first;
    c.ts = static_cast<TimeNs>(sec * kNsPerSec);
    flow::FlowStart s;
    s.tcp_flags = 0x02;
    bus.publish(c, s);
    flow::ConnRecord r;
    bus.publish(c, r);
  }
};

TEST(SegmentationDetector, FlowsThroughConduitsAndInsideZonesRaiseNothing) {
  Harness h;
  h.classes.by_ip = {{"10.10.2.21", "infusion_pump"}, {"10.10.5.41", "patient_monitor"}};
  h.flow("10.10.1.5", "10.10.2.21", 3000);     // orders
  h.flow("10.10.2.21", "10.10.1.10", 2575);    // hl7 back
  h.flow("10.10.1.10", "93.184.216.34", 443);  // servers to the internet over https
  h.flow("10.10.1.5", "10.10.1.10", 22);       // inside one zone
  h.flow("10.10.9.66", "192.168.7.7", 80);     // unzoned to unzoned: not the policy's business
  h.flow("10.10.9.66", "8.8.8.8", 53, 1, bus::Transport::kUdp);          // unzoned to the internet
  h.flow("10.10.2.21", "255.255.255.255", 67, 1, bus::Transport::kUdp);  // broadcast
  h.flow("10.10.5.41", "239.255.255.250", 3702, 1, bus::Transport::kUdp);  // multicast
  h.detector->on_finish();
  EXPECT_TRUE(h.alerts.empty()) << h.alerts[0].summary;
}

TEST(SegmentationDetector, AFlowNoConduitAllowsIsAViolationAtItsFirstPacketOncePerPort) {
  Harness h;
  h.classes.by_ip = {{"10.10.2.22", "infusion_pump"}};
  h.flow("10.10.9.66", "10.10.2.22", 3000);  // the rogue laptop (unzoned) programs a pump
  ASSERT_EQ(h.alerts.size(), 1u);
  const Alert& a = h.alerts[0];
  EXPECT_EQ(a.rule, "ward.segmentation.conduit_violation");
  EXPECT_EQ(a.severity, "high");  // a medical zone is involved
  EXPECT_EQ(a.technique, "T0886");
  EXPECT_EQ(a.src, "10.10.9.66");
  EXPECT_EQ(a.dst, "10.10.2.22");
  EXPECT_EQ(a.summary,
            "no conduit allows unzoned -> infusion_pumps tcp/3000 (10.10.9.66 -> 10.10.2.22)");
  EXPECT_EQ(a.evidence.at("src_zone"), "unzoned");
  EXPECT_EQ(a.evidence.at("dst_zone"), "infusion_pumps");
  EXPECT_EQ(a.evidence.at("port"), "tcp/3000");
  EXPECT_EQ(a.evidence.at("conduits_searched"), "none between these zones");
  EXPECT_EQ(a.evidence.at("dst_zone_sl"), "SL3");
  EXPECT_EQ(a.evidence.at("dst_zone_where"), "ward.yaml:6:5");
  // The same hosts and port again: no second alert; another port: another alert.
  h.flow("10.10.9.66", "10.10.2.22", 3000, 2);
  EXPECT_EQ(h.alerts.size(), 1u);
  h.flow("10.10.9.66", "10.10.2.22", 23, 3);
  EXPECT_EQ(h.alerts.size(), 2u);
}

TEST(SegmentationDetector, TheEvidenceNamesTheConduitsThatWereSearched) {
  Harness h;
  h.flow("10.10.2.21", "10.10.1.5", 3000);  // the orders conduit runs the other way
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].evidence.at("conduits_searched"),
            "clinical_servers -> infusion_pumps [tcp/3000] at ward.yaml:17:5; infusion_pumps "
            "-> clinical_servers [hl7] at ward.yaml:21:5");
  // Between two non-medical zones the severity is medium; the application is named.
  Harness h2;
  h2.flow("10.10.1.10", "93.184.216.34", 80);
  ASSERT_EQ(h2.alerts.size(), 1u);
  EXPECT_EQ(h2.alerts[0].severity, "medium");
  EXPECT_EQ(h2.alerts[0].evidence.at("application"), "http");
  EXPECT_EQ(h2.alerts[0].evidence.at("dst_zone"), "internet");
}

TEST(SegmentationDetector, AMedicalZoneReachingTheInternetIsItsOwnAlertEitherWay) {
  Harness h;
  h.flow("10.10.5.41", "52.1.2.3", 443);
  h.flow("203.0.113.9", "10.10.2.21", 22);
  ASSERT_EQ(h.alerts.size(), 2u);
  EXPECT_EQ(h.alerts[0].rule, "ward.segmentation.medical_internet");
  EXPECT_EQ(h.alerts[0].technique, "T0883");
  EXPECT_EQ(h.alerts[0].summary,
            "medical zone monitors host 10.10.5.41 talks to the internet (52.1.2.3, tcp/443)");
  EXPECT_EQ(h.alerts[1].rule, "ward.segmentation.medical_internet");
  EXPECT_EQ(h.alerts[1].summary,
            "internet host 203.0.113.9 reached medical zone infusion_pumps (10.10.2.21, tcp/22)");
}

TEST(SegmentationDetector, AFlowFirstSeenFromTheResponderIsReportedFromItsOriginator) {
  Harness h;
  h.flow("10.10.9.66", "10.10.5.41", 80, 1, bus::Transport::kTcp, bus::Direction::kToClient);
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].src, "10.10.9.66");
  EXPECT_EQ(h.alerts[0].dst, "10.10.5.41");
}

TEST(SegmentationDetector, SuppressionsApply) {
  Harness h;
  h.flow("10.10.1.99", "10.10.2.21", 22);
  EXPECT_TRUE(h.alerts.empty());
  EXPECT_EQ(h.stats.suppressed, 1u);
}

TEST(SegmentationDetector, AScanAcrossAZoneBoundaryIsBoundedPerSource) {
  Harness h;
  for (std::uint16_t port = 1; port <= 1000; ++port) h.flow("10.10.9.66", "10.10.2.21", port);
  ASSERT_EQ(h.alerts.size(), SegmentationDetector::kMaxAlertsPerSource + 1);
  EXPECT_NE(h.alerts.back().summary.find("further ones from this host are not raised one by one"),
            std::string::npos);
  // Another source to another host still gets its own alerts (this target has had its share).
  h.flow("10.10.9.67", "10.10.2.21", 1);
  EXPECT_EQ(h.alerts.size(), SegmentationDetector::kMaxAlertsPerSource + 1);
  h.flow("10.10.9.67", "10.10.2.22", 1);
  EXPECT_EQ(h.alerts.size(), SegmentationDetector::kMaxAlertsPerSource + 2);
}

TEST(SegmentationDetector, AFloodFromManySourcesIsBoundedPerTarget) {
  Harness h;
  for (int i = 1; i <= 250; ++i) {
    const std::string src = "198.51.100." + std::to_string(i);
    h.flow(src.c_str(), "10.10.2.21", 3000);
  }
  ASSERT_EQ(h.alerts.size(), SegmentationDetector::kMaxAlertsPerSource + 1);
  EXPECT_EQ(h.alerts[0].rule, "ward.segmentation.medical_internet");
  EXPECT_EQ(h.alerts.back().summary,
            "10.10.2.21 (infusion_pumps) keeps receiving flows no conduit allows; after 16 alerts, "
            "further ones to this host are not raised one by one");
}

TEST(SegmentationDetector, ZonesGivenByClassHoldTheHostsTheInventoryPutsInThatClass) {
  Harness h;
  h.classes.by_ip = {{"192.168.50.7", "camera"}};
  h.flow("192.168.50.7", "10.10.1.10", 554);  // cameras -> clinical_servers: no conduit
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].evidence.at("src_zone"), "cameras");
}

TEST(SegmentationDetector, UnidentifiedAndUnlistedDevicesInMedicalZonesAreReportedOnce) {
  Harness h;
  h.classes.by_ip = {{"10.10.2.21", "infusion_pump"},
                     {"10.10.2.30", "workstation"},
                     {"10.10.5.41", "patient_monitor"}};
  h.flow("10.10.1.5", "10.10.2.21", 3000, 1);
  h.flow("10.10.1.5", "10.10.2.30", 3000, 2);    // a workstation in the pump zone
  h.flow("10.10.1.5", "10.10.2.31", 3000, 3);    // nobody knows what this is
  h.flow("10.10.5.42", "10.10.5.41", 80, 4);     // the monitors zone lists no classes
  EXPECT_TRUE(h.alerts.empty());                 // identification gets its grace period
  h.flow("10.10.1.5", "10.10.2.21", 3000, 400);  // 300 s later: decided
  ASSERT_EQ(h.alerts.size(), 3u);
  std::map<std::string, const Alert*> by_host;
  for (const Alert& a : h.alerts) {
    EXPECT_EQ(a.rule, "ward.segmentation.unknown_device");
    EXPECT_EQ(a.technique, "T0848");
    by_host[a.src] = &a;
  }
  ASSERT_EQ(by_host.count("10.10.2.30"), 1u);
  EXPECT_EQ(by_host["10.10.2.30"]->summary,
            "a workstation is in medical zone infusion_pumps, which does not list that class "
            "(10.10.2.30)");
  EXPECT_EQ(by_host["10.10.2.30"]->evidence.at("zone_device_classes"), "infusion_pump");
  ASSERT_EQ(by_host.count("10.10.2.31"), 1u);
  EXPECT_EQ(by_host["10.10.2.31"]->evidence.at("device_class"), "unknown");
  ASSERT_EQ(by_host.count("10.10.5.42"), 1u);  // unidentified in a zone without a class list
  EXPECT_EQ(by_host["10.10.5.42"]->summary,
            "a device the inventory cannot identify is in medical zone monitors (10.10.5.42)");
  h.detector->on_finish();
  EXPECT_EQ(h.alerts.size(), 3u);  // decided once
}

TEST(SegmentationDetector, AtTheEndOfInputEveryMedicalHostIsDecided) {
  Harness h;
  h.flow("10.10.1.5", "10.10.2.40", 3000, 1);
  EXPECT_TRUE(h.alerts.empty());
  h.classes.by_ip = {{"10.10.2.40", "infusion_pump"}};  // identified later in the run
  h.flow("10.10.1.5", "10.10.2.41", 3000, 2);
  h.detector->on_finish();
  EXPECT_EQ(h.classes.forced, 1);
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].src, "10.10.2.41");
}

TEST(SegmentationDetector, APolicyWithoutZonesChecksNothing) {
  Harness h("version: 1\n");
  h.flow("10.10.9.66", "8.8.8.8", 23);
  h.detector->on_finish();
  EXPECT_TRUE(h.alerts.empty());
  EXPECT_EQ(h.classes.refreshes, 0);
}

}  // namespace
}  // namespace ward::detect
