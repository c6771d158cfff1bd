#include "detect/behaviour_detector.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "detect/class_protocol_detector.h"
#include "detect/segmentation_detector.h"
#include "flow/flow_events.h"
#include "parsers/mqtt/mqtt_events.h"

namespace ward::detect {
namespace {

IpAddr ip(const char* text) {
  IpAddr out;
  EXPECT_TRUE(IpAddr::parse(text, out)) << text;
  return out;
}

constexpr std::string_view kPolicy = R"(version: 1
thresholds:
  baseline.learn_s: 600
  baseline.rate_factor: 3
  baseline.rate_floor: 20
)";

struct Classes : DeviceClassSource {
  std::map<std::string, std::string> by_ip;
  void refresh(TimeNs, bool) override {}
  [[nodiscard]] std::string_view device_class(const IpAddr& ip) const override {
    const auto it = by_ip.find(ip.to_string());
    return it == by_ip.end() ? "unknown" : std::string_view(it->second);
  }
};

struct Alert {
  std::string rule, severity, technique, summary, src, dst;
  std::map<std::string, std::string> evidence;
};

struct Flow {
  const char* orig;
  const char* resp;
  std::uint16_t port;
  double sec;
  bus::Transport proto = bus::Transport::kTcp;
  std::string_view service = {};
  bool answered = true;
};

struct Harness : bus::Subscriber {
  policy::Policy policy;
  bus::EventBus bus;
  DetectorStats stats;
  Classes classes;
  std::unique_ptr<Detector> detector;
  std::vector<Alert> alerts;
  int counter = 0;

  // `protocols`: the class-protocol detector instead of the behaviour detector.
  explicit Harness(std::string_view yaml = kPolicy, Baseline* baseline = nullptr,
                   bool learn_only = false, bool protocols = false) {
    auto p = policy::parse_policy(yaml, "ward.yaml");
    EXPECT_TRUE(p.ok()) << p.error().to_string();
    policy = std::move(*p);
    classes.by_ip = {{"10.10.2.21", "infusion_pump"},
                     {"10.10.2.22", "infusion_pump"},
                     {"10.10.6.61", "camera"},
                     {"10.10.4.50", "workstation"}};
    if (protocols)
      detector = std::make_unique<ClassProtocolDetector>(policy, bus, stats, &classes);
    else
      detector =
          std::make_unique<BehaviourDetector>(policy, bus, stats, &classes, baseline, learn_only);
    bus.subscribe(*detector);
    bus.subscribe(*this);
  }
  [[nodiscard]] BehaviourDetector& behaviour() {
    return static_cast<BehaviourDetector&>(*detector);
  }
  void on_event(const bus::EventContext& ctx, const bus::Event& e) override {
    if (const auto* a = bus::event_cast<AlertEvent>(e)) {
      Alert c{std::string(a->rule),
              std::string(severity_name(a->severity)),
              std::string(a->technique.id),
              a->summary,
              ctx.src_h().to_string(),
              ctx.dst_h().to_string(),
              {}};
      for (const auto& [k, v] : a->evidence) c.evidence[std::string(k)] = v;
      alerts.push_back(std::move(c));
    }
  }
  bus::EventContext context(const Flow& f) {
    bus::EventContext c;
    c.orig_p = 40000;
    EXPECT_TRUE(IpAddr::parse(f.orig, c.orig_h));
    EXPECT_TRUE(IpAddr::parse(f.resp, c.resp_h));
    c.resp_p = f.port;
    c.proto = f.proto;
    c.service = f.service;
    c.ts = static_cast<TimeNs>(f.sec * 1e9);
    return c;
  }
  // One connection: its first packet and its record.
  void flow(const Flow& f) {
    bus::EventContext c = context(f);
    const std::string uid = "CBEH" + std::to_string(++counter);
    c.uid = uid;
    flow::FlowStart s;
    bus.publish(c, s);
    flow::ConnRecord r;
    r.orig_pkts = 3;
    r.resp_pkts = f.answered ? 3 : 0;
    r.resp_bytes = f.answered ? 100 : 0;
    r.conn_state = f.answered ? "SF" : "S0";
    bus.publish(c, r);
  }
  // `n` MQTT PUBLISHes from `client` to `broker` at `sec`.
  void publishes(const char* client, const char* broker, double sec, int n) {
    bus::EventContext c = context({client, broker, 1883, sec});
    c.uid = "CMQTT";
    parsers::mqtt::MqttMessage m;
    m.type = parsers::mqtt::PacketType::kPublish;
    for (int i = 0; i < n; ++i) bus.publish(c, m);
  }
  // The pump's normal life for the first 10 minutes: it reports to the EHR over HL7, the pump
  // server programs it, it asks DNS; the camera streams to the recorder.
  void learn_normal() {
    for (int minute = 0; minute < 10; ++minute) {
      const double t = 1'800'000'000.0 + minute * 60;
      flow({"10.10.2.21", "10.10.1.10", 2575, t + 1, bus::Transport::kTcp, "hl7"});
      flow({"10.10.1.5", "10.10.2.21", 3000, t + 2, bus::Transport::kTcp, "hl7"});
      flow({"10.10.2.21", "10.10.0.53", 53, t + 3, bus::Transport::kUdp, "dns"});
      flow({"10.10.2.21", "10.10.3.2", 1883, t + 6, bus::Transport::kTcp, "mqtt"});
      flow({"10.10.6.5", "10.10.6.61", 554, t + 4, bus::Transport::kTcp, "rtsp"});
      flow({"10.10.4.50", "10.10.1.10", 443, t + 5, bus::Transport::kTcp, "tls"});
      publishes("10.10.2.21", "10.10.3.2", t + 6, 5);
    }
  }
  [[nodiscard]] std::size_t count(std::string_view rule) const {
    std::size_t n = 0;
    for (const Alert& a : alerts) n += a.rule == rule ? 1 : 0;
    return n;
  }
};

constexpr double kAfter = 1'800'000'000.0 + 700;  // after the 600 s learning period

TEST(BehaviourDetector, LearnedTrafficAfterThePeriodRaisesNothing) {
  Harness h;
  h.learn_normal();
  EXPECT_TRUE(h.behaviour().learning());
  // The same traffic again, after the period, including the same message rate.
  for (int minute = 0; minute < 5; ++minute) {
    const double t = kAfter + minute * 60;
    h.flow({"10.10.2.21", "10.10.1.10", 2575, t, bus::Transport::kTcp, "hl7"});
    h.flow({"10.10.1.5", "10.10.2.21", 3000, t + 1, bus::Transport::kTcp, "hl7"});
    h.flow({"10.10.6.5", "10.10.6.61", 554, t + 2, bus::Transport::kTcp, "rtsp"});
    h.publishes("10.10.2.21", "10.10.3.2", t + 3, 5);
  }
  EXPECT_FALSE(h.behaviour().learning());
  EXPECT_TRUE(h.alerts.empty()) << h.alerts[0].summary;
  // Only identified devices other than workstations are kept.
  const Baseline& b = h.behaviour().baseline();
  EXPECT_EQ(b.devices.size(), 2u);
  ASSERT_EQ(b.devices.count(ip("10.10.2.21")), 1u);
  const DeviceBaseline& pump = b.devices.at(ip("10.10.2.21"));
  EXPECT_EQ(pump.device_class, "infusion_pump");
  EXPECT_EQ(pump.peers.items, (std::set<std::string>{"in 10.10.1.5", "out 10.10.0.53",
                                                     "out 10.10.1.10", "out 10.10.3.2"}));
  EXPECT_EQ(pump.ports.items, (std::set<std::string>{"client tcp/1883", "client tcp/2575",
                                                     "client udp/53", "server tcp/3000"}));
  EXPECT_EQ(pump.protocols.items,
            (std::set<std::string>{"client dns", "client hl7", "client mqtt", "server hl7"}));
  EXPECT_EQ(pump.max_messages_per_min, 5u);
  EXPECT_EQ(pump.max_flows_per_min, 4u);
}

TEST(BehaviourDetector, NothingIsCheckedDuringTheLearningPeriod) {
  Harness h;
  h.learn_normal();
  h.flow({"10.10.9.66", "10.10.2.21", 22, 1'800'000'000.0 + 590});  // a new peer, in learning
  EXPECT_TRUE(h.alerts.empty());
  h.flow({"10.10.9.66", "10.10.2.21", 22, kAfter});  // now learned
  EXPECT_TRUE(h.alerts.empty()) << h.alerts[0].summary;
}

TEST(BehaviourDetector, ANewPeerIsRaisedOncePerDeviceAndPeer) {
  Harness h;
  h.learn_normal();
  h.flow({"10.10.9.66", "10.10.2.21", 3000, kAfter, bus::Transport::kTcp, "hl7"});
  h.flow({"10.10.9.66", "10.10.2.21", 3000, kAfter + 5, bus::Transport::kTcp, "hl7"});
  ASSERT_EQ(h.alerts.size(), 1u);
  const Alert& a = h.alerts[0];
  EXPECT_EQ(a.rule, "ward.behaviour.new_peer");
  EXPECT_EQ(a.severity, "low");
  EXPECT_EQ(a.technique, "T0886");
  EXPECT_EQ(a.src, "10.10.9.66");
  EXPECT_EQ(a.dst, "10.10.2.21");
  EXPECT_EQ(a.evidence.at("new"), "in 10.10.9.66");
  EXPECT_EQ(a.evidence.at("learned"),
            "in 10.10.1.5, out 10.10.0.53, out 10.10.1.10, out 10.10.3.2");
  EXPECT_EQ(a.evidence.at("device_class"), "infusion_pump");
  EXPECT_EQ(a.summary,
            "infusion_pump 10.10.2.21 was reached by 10.10.9.66, a peer not in its baseline (4 "
            "learned)");
  // An unanswered probe from yet another host is not the device talking to it.
  h.flow({"10.10.9.67", "10.10.2.21", 3000, kAfter + 6, bus::Transport::kTcp, {}, false});
  EXPECT_EQ(h.alerts.size(), 1u);
}

TEST(BehaviourDetector, ANewPortOrProtocolIsANewService) {
  Harness h;
  h.learn_normal();
  // The pump now serves SSH to the pump server, a learned peer.
  h.flow({"10.10.1.5", "10.10.2.21", 22, kAfter, bus::Transport::kTcp});
  ASSERT_EQ(h.count("ward.behaviour.new_service"), 2u);  // the port and the protocol
  EXPECT_EQ(h.count("ward.behaviour.new_peer"), 0u);
  EXPECT_EQ(h.alerts[0].evidence.at("new"), "server tcp/22");
  EXPECT_EQ(h.alerts[0].severity, "medium");
  EXPECT_EQ(h.alerts[0].evidence.at("learned"),
            "client tcp/1883, client tcp/2575, client "
            "udp/53, server tcp/3000");
  EXPECT_EQ(h.alerts[1].evidence.at("new"), "server ssh");
  // HL7 to the EHR on another port: a new port, the protocol is known.
  h.flow({"10.10.2.21", "10.10.1.10", 6661, kAfter + 1, bus::Transport::kTcp, "hl7"});
  ASSERT_EQ(h.alerts.size(), 3u);
  EXPECT_EQ(h.alerts[2].evidence.at("new"), "client tcp/6661");
  EXPECT_EQ(h.alerts[2].severity, "low");
  // Ephemeral ports and RTP are not services.
  h.flow({"10.10.2.21", "10.10.1.10", 40001, kAfter + 2, bus::Transport::kUdp});
  EXPECT_EQ(h.alerts.size(), 3u);
}

TEST(BehaviourDetector, ARateSpikeNeedsTheFactorAndTheFloor) {
  Harness h;
  h.learn_normal();  // 5 messages in its busiest minute: limit max(3 x 5, 20) = 20
  h.publishes("10.10.2.21", "10.10.3.2", kAfter, 20);
  EXPECT_TRUE(h.alerts.empty()) << h.alerts[0].summary;
  h.publishes("10.10.2.21", "10.10.3.2", kAfter + 120, 200);
  ASSERT_EQ(h.alerts.size(), 1u);  // once, when the minute crosses the limit
  const Alert& a = h.alerts[0];
  EXPECT_EQ(a.rule, "ward.behaviour.rate_spike");
  EXPECT_EQ(a.technique, "T0814");
  EXPECT_EQ(a.evidence.at("count"), "21");
  EXPECT_EQ(a.evidence.at("learned_max"), "5");
  EXPECT_EQ(a.evidence.at("limit"), "20");
  EXPECT_EQ(a.evidence.at("rate"), "application messages per minute");
  // Within the same hour, the next busy minute is the same story.
  h.publishes("10.10.2.21", "10.10.3.2", kAfter + 300, 200);
  EXPECT_EQ(h.alerts.size(), 1u);
}

TEST(BehaviourDetector, AFloorKeepsQuietDevicesQuiet) {
  Harness h;
  h.learn_normal();
  // The camera had one flow a minute; 10 in a minute is 10x its rate, but under the floor.
  for (int i = 0; i < 10; ++i)
    h.flow({"10.10.6.5", "10.10.6.61", 554, kAfter + i, bus::Transport::kTcp, "rtsp"});
  EXPECT_TRUE(h.alerts.empty()) << h.alerts[0].summary;
}

TEST(BehaviourDetector, UnidentifiedAndWorkstationHostsAreNotChecked) {
  Harness h;
  h.learn_normal();
  h.flow({"10.10.4.50", "10.10.9.9", 22, kAfter});  // workstation: new peer and service
  h.flow({"10.10.0.53", "10.10.9.9", 22, kAfter});  // unidentified DNS server
  EXPECT_TRUE(h.alerts.empty()) << h.alerts[0].summary;
}

TEST(BehaviourDetector, AlertsNamingOnePeerAreBounded) {
  Harness h("thresholds:\n  baseline.learn_s: 10\n");
  for (int i = 0; i < 30; ++i) h.classes.by_ip["10.10.7." + std::to_string(i)] = "camera";
  for (int i = 0; i < 30; ++i) {
    const std::string cam = "10.10.7." + std::to_string(i);
    h.flow({"10.10.6.5", cam.c_str(), 554, 1'800'000'000.0, bus::Transport::kTcp, "rtsp"});
  }
  for (int i = 0; i < 30; ++i) {
    const std::string cam = "10.10.7." + std::to_string(i);
    h.flow({"10.10.9.66", cam.c_str(), 554, 1'800'000'100.0, bus::Transport::kTcp, "rtsp"});
  }
  EXPECT_EQ(h.count("ward.behaviour.new_peer"), BehaviourDetector::kMaxAlertsPerPeer + 1);
  EXPECT_NE(h.alerts.back().summary.find("is a new peer of many devices"), std::string::npos);
}

TEST(BehaviourDetector, SetsAreCappedAndASaturatedSetIsNotChecked) {
  Harness h("thresholds:\n  baseline.learn_s: 100\n");
  h.classes.by_ip["10.10.8.1"] = "pacs";
  for (int i = 0; i < 300; ++i) {
    const std::string peer = "10.20." + std::to_string(i / 200) + "." + std::to_string(i % 200);
    h.flow({peer.c_str(), "10.10.8.1", 104, 1'800'000'000.0, bus::Transport::kTcp, "dicom"});
  }
  h.flow({"10.30.0.1", "10.10.8.1", 104, 1'800'000'200.0, bus::Transport::kTcp, "dicom"});
  EXPECT_TRUE(h.alerts.empty()) << h.alerts[0].summary;
  const DeviceBaseline& d = h.behaviour().baseline().devices.at(ip("10.10.8.1"));
  EXPECT_TRUE(d.peers.saturated);
  EXPECT_EQ(d.peers.items.size(), Baseline::kMaxItems);
  EXPECT_EQ(h.behaviour().baseline().dropped, 0u);         // only devices past the cap are counted
  EXPECT_EQ(h.behaviour().baseline().devices.size(), 1u);  // unidentified peers are not devices
}

TEST(BehaviourDetector, ALearnOnlyRunLearnsEverythingAndRaisesNothing) {
  Baseline b;
  {
    Harness h(kPolicy, &b, true);
    h.learn_normal();
    h.flow({"10.10.9.66", "10.10.2.21", 22, kAfter + 3600});
    h.detector->on_finish();
    EXPECT_TRUE(h.alerts.empty());
  }
  ASSERT_EQ(b.devices.size(), 2u);
  EXPECT_EQ(b.devices.at(ip("10.10.2.21")).peers.items.count("in 10.10.9.66"), 1u);
  // Round trip through the file format, then a run that starts checking at once.
  const auto path = std::filesystem::temp_directory_path() / "ward-baseline-test.json";
  ASSERT_TRUE(save_baseline(b, path.string()).ok());
  auto loaded = load_baseline(path.string());
  std::filesystem::remove(path);
  ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
  EXPECT_TRUE(loaded->loaded);
  EXPECT_EQ(format_baseline_json(*loaded), format_baseline_json(b));
  Harness h(kPolicy, &*loaded);
  EXPECT_FALSE(h.behaviour().learning());
  h.flow({"10.10.9.66", "10.10.2.21", 22, 1'900'000'000.0});  // learned in the file
  h.flow({"10.10.1.5", "10.10.2.21", 3000, 1'900'000'001.0, bus::Transport::kTcp, "hl7"});
  EXPECT_TRUE(h.alerts.empty()) << h.alerts[0].summary;
  h.flow({"10.10.9.70", "10.10.2.21", 3000, 1'900'000'002.0, bus::Transport::kTcp, "hl7"});
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].evidence.at("new"), "in 10.10.9.70");
  // A loaded baseline is not extended by the run.
  EXPECT_EQ(
      h.behaviour().baseline().devices.at(ip("10.10.2.21")).peers.items.count("in 10.10.9.70"), 0u);
}

TEST(Baseline, BrokenFilesGiveErrorsNamingFileAndPointer) {
  struct Case {
    const char* text;
    const char* expect;
  };
  const Case cases[] = {
      {"", "b.json"},
      {"[]", "b.json: /: must be a JSON object"},
      {R"({"devices": []})", "missing \"ward_baseline\""},
      {R"({"ward_baseline": 2, "devices": []})", "/ward_baseline: unsupported format version"},
      {R"({"ward_baseline": 1})", "b.json: /devices: must be a list"},
      {R"({"ward_baseline": 1, "devices": [], "extra": 1})", "b.json: /extra: unknown member"},
      {R"({"ward_baseline": 1, "devices": [{"ip": "10.0.0.300"}]})",
       "b.json: /devices/0/ip: must be an IP address"},
      {R"({"ward_baseline": 1, "devices": [{"ip": "10.0.0.1"}]})",
       "b.json: /devices/0: missing \"peers\""},
      {R"({"ward_baseline": 1, "devices": [{"ip": "10.0.0.1", "peers": {"items": [1]}}]})",
       "b.json: /devices/0/peers/items/0: must be a non-empty string"},
      {R"({"ward_baseline": 1, "devices": [{"ip": "10.0.0.1",
          "peers": {"items": []}, "ports": {"items": []}, "protocols": {"items": []},
          "max_flows_per_min": -1, "max_messages_per_min": 0}]})",
       "b.json: /devices/0/max_flows_per_min: must be a whole number"},
  };
  for (const Case& c : cases) {
    auto b = parse_baseline(c.text, "b.json");
    ASSERT_FALSE(b.ok()) << c.text;
    EXPECT_NE(b.error().message().find(c.expect), std::string::npos)
        << c.text << " -> " << b.error().message();
  }
  auto missing = load_baseline("/nonexistent/baseline.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("/nonexistent/baseline.json"), std::string::npos);
}

// ward.segmentation.unexpected_protocol

TEST(ClassProtocolDetector, ProtocolsOfTheClassRaiseNothing) {
  Harness h(kPolicy, nullptr, false, true);
  h.flow({"10.10.6.5", "10.10.6.61", 554, 1, bus::Transport::kTcp, "rtsp"});
  h.flow({"10.10.6.61", "10.10.0.53", 53, 2, bus::Transport::kUdp, "dns"});
  h.flow({"10.10.6.61", "10.10.0.1", 123, 3, bus::Transport::kUdp});  // NTP by port
  h.flow({"10.10.2.21", "10.10.1.10", 6661, 4, bus::Transport::kTcp, "hl7"});
  h.flow({"10.10.4.50", "10.10.9.9", 22, 5});  // workstations are not checked
  h.flow({"10.10.9.9", "10.10.2.21", 22, 6, bus::Transport::kTcp, {}, false});  // closed port
  h.flow({"10.10.2.21", "10.10.9.9", 9999, 7});  // no protocol named: not judged
  h.flow({"10.10.6.61", "10.10.9.9", 445, 8, bus::Transport::kTcp, {}, false});  // unanswered
  EXPECT_TRUE(h.alerts.empty()) << h.alerts[0].summary;
}

TEST(ClassProtocolDetector, ACameraSpeakingSshOrAPumpServingSmbIsFlaggedOnce) {
  Harness h(kPolicy, nullptr, false, true);
  h.flow({"10.10.6.61", "10.10.9.66", 22, 1});
  h.flow({"10.10.6.61", "10.10.9.66", 22, 2});
  ASSERT_EQ(h.alerts.size(), 1u);
  const Alert& a = h.alerts[0];
  EXPECT_EQ(a.rule, "ward.segmentation.unexpected_protocol");
  EXPECT_EQ(a.severity, "medium");  // a camera is not a medical device
  EXPECT_EQ(a.technique, "T0886");
  EXPECT_EQ(a.summary,
            "camera 10.10.6.61 uses ssh with 10.10.9.66 (tcp/22), a protocol its class does not "
            "use");
  EXPECT_EQ(a.evidence.at("class_protocols"), "dhcp, dns, http, ntp, rtp, rtsp, tls, ws-discovery");
  EXPECT_EQ(a.evidence.at("class_protocols_where"), "built-in default");
  h.flow({"10.10.9.66", "10.10.2.22", 445, 3});
  ASSERT_EQ(h.alerts.size(), 2u);
  EXPECT_EQ(h.alerts[1].severity, "high");
  EXPECT_EQ(h.alerts[1].evidence.at("role"), "server");
  EXPECT_EQ(h.alerts[1].evidence.at("protocol"), "smb");
}

TEST(ClassProtocolDetector, TelnetAndFtpAreLeftToTheCryptoDetector) {
  Harness h(kPolicy, nullptr, false, true);
  h.flow({"10.10.9.66", "10.10.2.21", 23, 1});
  h.flow({"10.10.9.66", "10.10.2.21", 21, 2});
  EXPECT_TRUE(h.alerts.empty()) << h.alerts[0].summary;
}

TEST(ClassProtocolDetector, ThePolicyReplacesAClassList) {
  Harness h("device_protocols:\n  camera: [rtsp, ssh]\n  infusion_pump: [any]\n", nullptr, false,
            true);
  h.flow({"10.10.6.61", "10.10.9.66", 22, 1});                               // now allowed
  h.flow({"10.10.9.66", "10.10.2.21", 445, 2});                              // pumps: not checked
  h.flow({"10.10.6.61", "10.10.0.53", 53, 3, bus::Transport::kUdp, "dns"});  // not listed
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].evidence.at("protocol"), "dns");
  EXPECT_EQ(h.alerts[0].evidence.at("class_protocols_where"), "ward.yaml:2:11");
}

}  // namespace
}  // namespace ward::detect
