// The clinical, camera and privacy detectors, fed the HL7 the testbed's devices send (src/sim)
// through the real HL7 parser, and hand-built HTTP/RTSP/MQTT/RTP events.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "detect/alert.h"
#include "detect/detector.h"
#include "detect/segmentation_detector.h"
#include "flow/flow_events.h"
#include "parsers/hl7_mllp/hl7_parser.h"
#include "parsers/http/http_events.h"
#include "parsers/mqtt/mqtt_events.h"
#include "parsers/rtp/rtp_events.h"
#include "parsers/rtsp/rtsp_events.h"
#include "sim/hl7_messages.h"

namespace ward::detect {
namespace {

constexpr std::string_view kPolicy = R"(version: 1
drug_library:
  version: "2026.3"
  drugs:
    - name: heparin
      ids: ["0409-2720"]
      care_areas:
        ICU:
          dose_rate: {units: "units/h", soft_max: 1800, hard_max: 2500}
phi:
  detect_cleartext: false       # the sim's messages carry (invented) PID data
infusion:
  authorized_programmers:
    - name: pump-server
      hosts: [10.10.1.5]
zones:
  - name: servers
    cidrs: ["10.10.1.0/24"]
  - name: pumps
    cidrs: ["10.10.2.0/24"]
    medical: true
  - name: telemetry
    cidrs: ["10.10.3.0/24"]
    medical: true
  - name: cameras
    cidrs: ["10.10.6.0/24"]
roles:
  device_gateways:
    - name: pump-gateway
      hosts: [10.10.1.9]
  camera_viewers:
    - name: recorder
      hosts: [10.10.6.70]
    - name: nurse-station
      hosts: [10.10.1.40]
  upload_destinations:
    - name: telemetry-broker
      device_classes: [cognitive_monitor]
      hosts: [10.10.3.5]
)";

constexpr TimeNs kT0 = 1795910400LL * kNsPerSec;  // Sunday 2026-11-29 00:00 UTC
constexpr const char* kPump = "10.10.2.21";
constexpr const char* kServer = "10.10.1.5";
constexpr const char* kRogue = "10.10.9.66";
constexpr const char* kPumpEui = "0012AB0000000021";

IpAddr ip(const char* s) {
  IpAddr a;
  EXPECT_TRUE(IpAddr::parse(s, a)) << s;
  return a;
}

struct Classes final : DeviceClassSource {
  std::map<IpAddr, std::string> by_ip;
  void refresh(TimeNs, bool) override {}
  [[nodiscard]] std::string_view device_class(const IpAddr& a) const override {
    const auto it = by_ip.find(a);
    return it == by_ip.end() ? std::string_view("unknown") : std::string_view(it->second);
  }
};

struct Captured {
  std::string rule, severity, technique, summary, device;
  std::map<std::string, std::string> evidence;
  std::string src;  // the alert's sender (EventContext::src_h)
};

// Passes what the parser emits to the bus, in the context of one connection.
struct ForwardingSink final : parsers::EventSink {
  const bus::EventBus& bus;
  const bus::EventContext& ctx;
  ForwardingSink(const bus::EventBus& b, const bus::EventContext& c) : bus(b), ctx(c) {}
  void emit(const bus::Event& e) override { bus.publish(ctx, e); }
  void anomaly(std::string_view, std::string_view) override {}
  void confirm_protocol() override {}
  [[nodiscard]] TimeNs packet_time() const override { return ctx.ts; }
};

struct Ward : bus::Subscriber {
  policy::Policy policy;
  bus::EventBus bus;
  DetectorStats stats;
  Classes classes;
  std::vector<std::unique_ptr<bus::Subscriber>> detectors;
  std::vector<Captured> alerts;

  explicit Ward(std::string_view extra = "") {
    auto p = policy::parse_policy(std::string(kPolicy) + std::string(extra), "ward.yaml");
    EXPECT_TRUE(p.ok()) << p.error().to_string();
    policy = std::move(*p);
    detectors = make_detectors(policy, bus, stats, &classes);
    for (auto& d : detectors) bus.subscribe(*d);
    bus.subscribe(*this);
  }
  void on_event(const bus::EventContext& ctx, const bus::Event& e) override {
    const auto* a = bus::event_cast<AlertEvent>(e);
    if (a == nullptr) return;
    Captured c{std::string(a->rule),
               std::string(severity_name(a->severity)),
               std::string(a->technique.id),
               a->summary,
               a->device_id,
               {},
               ctx.src_h().to_string()};
    for (const auto& [k, v] : a->evidence) c.evidence[std::string(k)] = v;
    alerts.push_back(std::move(c));
  }
  static bus::EventContext ctx(const char* src, const char* dst, TimeNs ts, std::uint16_t port,
                               bus::Transport proto = bus::Transport::kTcp) {
    bus::EventContext c;
    c.ts = ts;
    c.uid = "CTEST1";
    c.orig_h = ip(src);
    c.resp_h = ip(dst);
    c.orig_p = 40000;
    c.resp_p = port;
    c.proto = proto;
    return c;
  }
  // Sends one HL7 message over MLLP from `src` to `dst` at `ts`, through the HL7 parser.
  void hl7(const char* src, const char* dst, TimeNs ts, const std::string& message) {
    const bus::EventContext c = ctx(src, dst, ts, 2575);
    ForwardingSink sink(bus, c);
    parsers::hl7::Hl7ParserFactory factory{parsers::hl7::Limits{}};
    auto parser = factory.make(sink);
    const std::string framed = "\x0b" + message + "\x1c\x0d";
    (void)parser->on_data(
        bus::Direction::kToServer,
        ByteView(reinterpret_cast<const std::uint8_t*>(framed.data()), framed.size()));
    parser->on_end(bus::Direction::kToServer);
    parser->on_end(bus::Direction::kToClient);
  }
  std::vector<std::string> rules() const {
    std::vector<std::string> out;
    for (const Captured& c : alerts) out.push_back(c.rule);
    return out;
  }
};

std::time_t secs(TimeNs t) { return static_cast<std::time_t>(t / kNsPerSec); }

std::string pcd01(TimeNs t, std::string_view control, std::string_view library = "2026.3",
                  double flow = 12) {
  sim::Infusion inf;
  inf.flow_ml_h = flow;
  return sim::pcd01_oru(secs(t), control, "PUMP0021", sim::DeviceIdentity{}, sim::Patient{}, inf,
                        library);
}

std::string pcd04(TimeNs t, std::string_view control, const char* phase, const char* state,
                  const char* inactivation) {
  sim::Alarm a;
  a.phase = phase;
  a.state = state;
  a.inactivation = inactivation;
  return sim::pcd04_alert(secs(t), control, "PUMP0021", sim::Patient{}, a);
}

TEST(ClinicalDetector, AReportInAPumpsNameFromAnotherHostIsSpoofed) {
  Ward w;
  w.hl7(kPump, kServer, kT0, pcd01(kT0, "P1"));
  w.hl7(kPump, kServer, kT0 + 60 * kNsPerSec, pcd01(kT0 + 60 * kNsPerSec, "P2"));
  EXPECT_TRUE(w.alerts.empty()) << w.alerts[0].summary;
  w.hl7(kRogue, kServer, kT0 + 70 * kNsPerSec, pcd01(kT0 + 70 * kNsPerSec, "X1"));
  w.hl7(kRogue, kServer, kT0 + 71 * kNsPerSec, pcd01(kT0 + 71 * kNsPerSec, "X2"));
  ASSERT_EQ(w.alerts.size(), 1u);  // one per impostor and device, not per message
  const Captured& a = w.alerts[0];
  EXPECT_EQ(a.rule, "ward.clinical.spoofed_observation");
  EXPECT_EQ(a.severity, "high");
  EXPECT_EQ(a.technique, "T0856");
  EXPECT_EQ(a.device, kPumpEui);
  EXPECT_EQ(a.evidence.at("sender"), kRogue);
  EXPECT_EQ(a.evidence.at("device_host"), kPump);
  EXPECT_EQ(a.evidence.at("profile"), "PCD-01");
  EXPECT_EQ(a.evidence.at("message_control_id"), "X1");
  // The impostor's values did not become the pump's: its next report raises nothing.
  w.hl7(kPump, kServer, kT0 + 120 * kNsPerSec, pcd01(kT0 + 120 * kNsPerSec, "P3"));
  EXPECT_EQ(w.alerts.size(), 1u);
}

TEST(ClinicalDetector, GatewaysAndDevicesThatMovedAfterASilenceAreNotSpoofs) {
  Ward w;
  w.hl7(kPump, kServer, kT0, pcd01(kT0, "P1"));
  w.hl7("10.10.1.9", kServer, kT0 + kNsPerSec, pcd01(kT0 + kNsPerSec, "G1"));  // pump-gateway
  EXPECT_TRUE(w.alerts.empty());
  // 601 s without a report (report.rebind_s is 600): a new lease, the binding moves.
  const TimeNs later = kT0 + 602 * kNsPerSec;
  w.hl7("10.10.2.77", kServer, later, pcd01(later, "P2"));
  EXPECT_TRUE(w.alerts.empty()) << w.alerts[0].summary;
  w.hl7(kPump, kServer, later + kNsPerSec, pcd01(later + kNsPerSec, "P3"));
  ASSERT_EQ(w.rules(), std::vector<std::string>{"ward.clinical.spoofed_observation"});
  EXPECT_EQ(w.alerts[0].evidence.at("device_host"), "10.10.2.77");
}

TEST(ClinicalDetector, AnAlarmEndedByAnotherHostIsAlarmSuppression) {
  Ward w;
  w.hl7(kPump, kServer, kT0, pcd04(kT0, "A1", "start", "active", "enabled"));
  w.hl7(kRogue, kServer, kT0 + 5 * kNsPerSec,
        pcd04(kT0 + 5 * kNsPerSec, "A9", "end", "inactive", "alarm-off"));
  ASSERT_EQ(w.rules(), std::vector<std::string>{"ward.infusion.alarm_suppression"});
  EXPECT_EQ(w.alerts[0].severity, "critical");
  EXPECT_EQ(w.alerts[0].technique, "T0878");
  EXPECT_EQ(w.alerts[0].evidence.at("inactivation"), "alarm-off");
  EXPECT_EQ(w.alerts[0].evidence.at("sender"), kRogue);
  EXPECT_EQ(w.alerts[0].evidence.at("profile"), "PCD-04");
  // The pump itself ending its alarm is the normal course of things.
  Ward own;
  own.hl7(kPump, kServer, kT0, pcd04(kT0, "A1", "start", "active", "enabled"));
  own.hl7(kPump, kServer, kT0 + kNsPerSec,
          pcd04(kT0 + kNsPerSec, "A2", "end", "inactive", "enabled"));
  EXPECT_TRUE(own.alerts.empty());
}

TEST(ClinicalDetector, AlarmsSwitchedOffInABurstAndAlarmStormsAreCounted) {
  Ward w;
  for (int i = 0; i < 4; ++i) {
    const TimeNs t = kT0 + i * 10 * kNsPerSec;
    w.hl7(kPump, kServer, t, pcd04(t, "A" + std::to_string(i), "continue", "active", "alarm-off"));
  }
  EXPECT_TRUE(w.alerts.empty());  // 4 in 40 s: under alarm.inactivations (5)
  w.hl7(kPump, kServer, kT0 + 41 * kNsPerSec,
        pcd04(kT0 + 41 * kNsPerSec, "A5", "continue", "active", "audio-paused"));
  ASSERT_EQ(w.rules(), std::vector<std::string>{"ward.infusion.alarm_inactivation_burst"});
  EXPECT_EQ(w.alerts[0].evidence.at("count"), "5");

  Ward storm("thresholds:\n  alarm.storm_count: 10\n");
  for (int i = 0; i < 9; ++i) {
    const TimeNs t = kT0 + i * kNsPerSec;
    storm.hl7(kPump, kServer, t, pcd04(t, "S" + std::to_string(i), "start", "active", "enabled"));
  }
  EXPECT_TRUE(storm.alerts.empty());
  storm.hl7(kPump, kServer, kT0 + 9 * kNsPerSec,
            pcd04(kT0 + 9 * kNsPerSec, "S9", "start", "active", "enabled"));
  ASSERT_EQ(storm.rules(), std::vector<std::string>{"ward.infusion.alarm_storm"});
  EXPECT_EQ(storm.alerts[0].device, kPumpEui);
}

TEST(ClinicalDetector, ANewDrugLibraryOutsideMaintenanceWindowsIsAChange) {
  Ward w;
  w.hl7(kPump, kServer, kT0, pcd01(kT0, "P1", "2026.3"));
  w.hl7(kPump, kServer, kT0 + 60 * kNsPerSec, pcd01(kT0 + 60 * kNsPerSec, "P2", "2026.3"));
  EXPECT_TRUE(w.alerts.empty());
  w.hl7(kPump, kServer, kT0 + 120 * kNsPerSec, pcd01(kT0 + 120 * kNsPerSec, "P3", "2026.3-m"));
  ASSERT_EQ(w.rules(), (std::vector<std::string>{"ward.infusion.drug_library_change",
                                                 "ward.infusion.drug_library_mismatch"}));
  EXPECT_EQ(w.alerts[0].technique, "T0843");
  EXPECT_EQ(w.alerts[0].evidence.at("previous_version"), "2026.3");
  EXPECT_EQ(w.alerts[0].evidence.at("version"), "2026.3-m");
  EXPECT_EQ(w.alerts[1].evidence.at("policy_version"), "2026.3");

  // The same change at 00:02 on a Sunday, inside the window: only the mismatch remains.
  Ward maint("maintenance_windows:\n  - days: [sun]\n    start: \"00:00\"\n    end: \"03:00\"\n");
  maint.hl7(kPump, kServer, kT0, pcd01(kT0, "P1", "2026.3"));
  maint.hl7(kPump, kServer, kT0 + 120 * kNsPerSec, pcd01(kT0 + 120 * kNsPerSec, "P3", "2026.4"));
  ASSERT_EQ(maint.rules(), std::vector<std::string>{"ward.infusion.drug_library_mismatch"});
  EXPECT_EQ(maint.alerts[0].evidence.at("maintenance_window"), "window 1");
}

TEST(ClinicalDetector, UploadsToAPumpFromHostsThatMayNotProgramItAreFileTransfers) {
  Ward w;
  w.hl7(kPump, kServer, kT0, pcd01(kT0, "P1"));  // now known as a pump
  parsers::http::HttpTransaction put;
  put.has_request = true;
  put.method = "PUT";
  put.uri = "/druglibrary";
  put.request_body_len = 1800;
  w.bus.publish(Ward::ctx(kServer, kPump, kT0 + kNsPerSec, 8080), put);  // the pump server
  parsers::http::HttpTransaction get = put;
  get.method = "GET";
  get.request_body_len = 0;
  w.bus.publish(Ward::ctx(kRogue, kPump, kT0 + kNsPerSec, 8080), get);
  w.bus.publish(Ward::ctx(kRogue, "10.10.1.10", kT0 + kNsPerSec, 8080), put);  // not a pump
  EXPECT_TRUE(w.alerts.empty());
  bus::EventContext answered = Ward::ctx(kRogue, kPump, kT0 + 2 * kNsPerSec, 8080);
  answered.dir = bus::Direction::kToClient;  // transactions are published with their response
  w.bus.publish(answered, put);
  ASSERT_EQ(w.rules(), std::vector<std::string>{"ward.infusion.file_transfer"});
  EXPECT_EQ(w.alerts[0].src, kRogue);
  EXPECT_EQ(w.alerts[0].severity, "high");
  EXPECT_EQ(w.alerts[0].technique, "T0843");
  EXPECT_EQ(w.alerts[0].evidence.at("transfer"), "HTTP PUT");
  EXPECT_EQ(w.alerts[0].evidence.at("uri"), "/druglibrary");
  // TFTP to a pump the inventory knows.
  w.classes.by_ip[ip("10.10.2.30")] = "infusion_pump";
  // A probe of the FTP port that the pump never answers (a scan) is not a transfer.
  flow::ConnRecord probe;
  probe.orig_bytes = 0;
  w.bus.publish(Ward::ctx(kRogue, kPump, kT0 + 3 * kNsPerSec, 21), probe);
  EXPECT_EQ(w.alerts.size(), 1u);
  flow::ConnRecord tftp;
  tftp.orig_bytes = 600;
  tftp.resp_bytes = 4;
  w.bus.publish(Ward::ctx(kRogue, "10.10.2.30", kT0 + 3 * kNsPerSec, 69, bus::Transport::kUdp),
                tftp);
  ASSERT_EQ(w.alerts.size(), 2u);
  EXPECT_EQ(w.alerts[1].rule, "ward.infusion.file_transfer");
  EXPECT_EQ(w.alerts[1].evidence.at("transfer"), "TFTP");
}

TEST(ClinicalDetector, ABurstOfDrugLibraryRejectionsIsRaisedOnce) {
  Ward w;
  const auto nak = [&](int i) {
    const TimeNs t = kT0 + i * 5 * kNsPerSec;
    w.hl7(kServer, "10.10.1.10", t,
          sim::ack(secs(t), "O" + std::to_string(i), "PUMPSRV", "BCMA", "O15", "AE",
                   "9018^Parameter does not match drug library"));
  };
  for (int i = 0; i < 4; ++i) nak(i);
  EXPECT_TRUE(w.alerts.empty());
  for (int i = 4; i < 8; ++i) nak(i);
  ASSERT_EQ(w.rules(), std::vector<std::string>{"ward.infusion.library_rejections"});
  EXPECT_EQ(w.alerts[0].evidence.at("error"), "9018");
}

TEST(ClinicalDetector, ARateChangeWithoutAnOrderIsUnordered) {
  Ward w;
  w.hl7(kPump, kServer, kT0, pcd01(kT0, "P1", "2026.3", 12));
  w.hl7(kPump, kServer, kT0 + 60 * kNsPerSec, pcd01(kT0 + 60 * kNsPerSec, "P2", "2026.3", 12));
  EXPECT_TRUE(w.alerts.empty());
  // An order for the pump (PCD-03 from the pump server), then the new rate: ordered.
  sim::Infusion inf;
  inf.flow_ml_h = 20;
  w.hl7(kServer, kPump, kT0 + 90 * kNsPerSec,
        sim::pcd03_rgv(secs(kT0 + 90 * kNsPerSec), "O1", "PUMPSRV", "PUMP0021", "PUMP0021",
                       sim::Patient{}, inf, "XO"));
  w.hl7(kPump, kServer, kT0 + 120 * kNsPerSec, pcd01(kT0 + 120 * kNsPerSec, "P3", "2026.3", 20));
  EXPECT_TRUE(w.alerts.empty()) << w.alerts[0].summary;
  // 400 s after the order (infusion.order_window_s is 300), the rate changes again.
  w.hl7(kPump, kServer, kT0 + 490 * kNsPerSec, pcd01(kT0 + 490 * kNsPerSec, "P4", "2026.3", 45));
  ASSERT_EQ(w.rules(), std::vector<std::string>{"ward.infusion.unordered_change"});
  EXPECT_EQ(w.alerts[0].evidence.at("value"), "45");
  EXPECT_EQ(w.alerts[0].evidence.at("previous_value"), "20");
}

parsers::rtsp::RtspTransaction rtsp(const parsers::rtsp::RtspRequest& req, int status) {
  parsers::rtsp::RtspTransaction t;
  t.request = &req;
  t.has_response = true;
  t.status = status;
  return t;
}

TEST(CameraDetector, RtspPlayFromAHostThatIsNotAViewerIsUnauthorized) {
  Ward w;
  parsers::rtsp::RtspRequest play;
  play.method = "PLAY";
  play.uri = "rtsp://10.10.6.61:554/test";
  play.url_user = "viewer";
  w.bus.publish(Ward::ctx("10.10.6.70", "10.10.6.61", kT0, 554), rtsp(play, 200));  // recorder
  parsers::rtsp::RtspRequest options = play;
  options.method = "OPTIONS";
  w.bus.publish(Ward::ctx(kRogue, "10.10.6.61", kT0, 554), rtsp(options, 200));
  EXPECT_TRUE(w.alerts.empty());
  w.bus.publish(Ward::ctx(kRogue, "10.10.6.61", kT0 + kNsPerSec, 554), rtsp(play, 401));
  w.bus.publish(Ward::ctx(kRogue, "10.10.6.61", kT0 + 2 * kNsPerSec, 554), rtsp(play, 200));
  w.bus.publish(Ward::ctx(kRogue, "10.10.6.61", kT0 + 3 * kNsPerSec, 554), rtsp(play, 200));
  ASSERT_EQ(w.alerts.size(), 2u);  // the refused attempt, then the stream served (once)
  EXPECT_EQ(w.alerts[0].severity, "medium");
  EXPECT_EQ(w.alerts[1].rule, "ward.camera.unauthorized_viewer");
  EXPECT_EQ(w.alerts[1].severity, "high");
  EXPECT_EQ(w.alerts[1].technique, "T1125");
  EXPECT_EQ(w.alerts[1].evidence.at("user"), "viewer");
  EXPECT_EQ(w.alerts[1].evidence.at("status"), "200");

  // Video from the camera to a host outside its zone that is not a viewer.
  parsers::rtp::RtpStream s;
  s.sender = bus::Direction::kToServer;
  s.packets = 300;
  s.transport = "udp";
  w.bus.publish(Ward::ctx("10.10.6.61", "10.10.6.70", kT0, 5000, bus::Transport::kUdp), s);
  EXPECT_EQ(w.alerts.size(), 2u);  // inside the camera zone
  w.bus.publish(Ward::ctx("10.10.6.61", kRogue, kT0, 5000, bus::Transport::kUdp), s);
  ASSERT_EQ(w.alerts.size(), 3u);
  EXPECT_EQ(w.alerts[2].rule, "ward.camera.stream_leaves_zone");
}

TEST(CameraDetector, PlainRtpToAListedViewerOutsideTheCameraZoneIsUnencrypted) {
  Ward w;
  parsers::rtsp::RtspRequest setup;
  setup.method = "SETUP";
  setup.uri = "rtsp://10.10.6.61:554/test/stream=0";
  setup.transport.raw = "RTP/AVP;unicast;client_port=5000-5001";
  setup.transport.profile = "RTP/AVP";
  parsers::rtp::RtpStream s;
  s.sender = bus::Direction::kToClient;  // the camera answers the viewer's first datagram
  s.packets = 300;
  s.transport = "udp";
  // The recorder, inside the camera zone: plain RTP is accepted there.
  w.bus.publish(Ward::ctx("10.10.6.70", "10.10.6.61", kT0, 554), rtsp(setup, 200));
  w.bus.publish(Ward::ctx("10.10.6.70", "10.10.6.61", kT0, 5000, bus::Transport::kUdp), s);
  EXPECT_TRUE(w.alerts.empty());
  // A listed viewer in the servers zone: SRTP (RTP/SAVP) is fine, plain RTP/AVP is not.
  parsers::rtsp::RtspRequest srtp = setup;
  srtp.transport.profile = "RTP/SAVP";
  w.bus.publish(Ward::ctx("10.10.1.40", "10.10.6.61", kT0, 554), rtsp(srtp, 200));
  w.bus.publish(Ward::ctx("10.10.1.40", "10.10.6.61", kT0, 5000, bus::Transport::kUdp), s);
  EXPECT_TRUE(w.alerts.empty());
  w.bus.publish(Ward::ctx("10.10.1.40", "10.10.6.61", kT0 + kNsPerSec, 554), rtsp(setup, 200));
  w.bus.publish(Ward::ctx("10.10.1.40", "10.10.6.61", kT0 + kNsPerSec, 5002, bus::Transport::kUdp),
                s);
  ASSERT_EQ(w.alerts.size(), 1u);
  EXPECT_EQ(w.alerts[0].rule, "ward.camera.unencrypted_stream");
  EXPECT_EQ(w.alerts[0].severity, "medium");
  EXPECT_EQ(w.alerts[0].technique, "T0842");
  EXPECT_EQ(w.alerts[0].evidence.at("profile"), "RTP/AVP");
}

TEST(ExfiltrationDetector, ACognitiveMonitorPublishingToAnUnlistedBrokerIsExfiltration) {
  Ward w;
  const char* cogmon = "10.10.3.31";
  w.classes.by_ip[ip(cogmon)] = "cognitive_monitor";
  w.classes.by_ip[ip("10.10.6.61")] = "camera";
  parsers::mqtt::MqttMessage pub;
  pub.type = parsers::mqtt::PacketType::kPublish;
  pub.topic = "ward/cogmon/COGMON-0031/telemetry";
  w.bus.publish(Ward::ctx(cogmon, "10.10.3.5", kT0, 1883), pub);   // its broker
  w.bus.publish(Ward::ctx("10.10.6.61", kRogue, kT0, 1883), pub);  // a class not restricted
  flow::ConnRecord small;
  small.orig_bytes = 4096;
  w.bus.publish(Ward::ctx(cogmon, "10.10.9.70", kT0, 443), small);
  EXPECT_TRUE(w.alerts.empty());
  w.bus.publish(Ward::ctx(cogmon, kRogue, kT0 + kNsPerSec, 1883), pub);
  w.bus.publish(Ward::ctx(cogmon, kRogue, kT0 + 2 * kNsPerSec, 1883), pub);
  ASSERT_EQ(w.rules(), std::vector<std::string>{"ward.privacy.exfiltration"});
  EXPECT_EQ(w.alerts[0].technique, "T0882");
  EXPECT_EQ(w.alerts[0].evidence.at("topic"), "ward/cogmon/COGMON-0031/telemetry");
  EXPECT_EQ(w.alerts[0].evidence.at("allowed_destinations"), "telemetry-broker");
  flow::ConnRecord bulk;
  bulk.orig_bytes = 200000;
  w.bus.publish(Ward::ctx(cogmon, "10.10.9.70", kT0 + 3 * kNsPerSec, 443), bulk);
  ASSERT_EQ(w.alerts.size(), 2u);
  EXPECT_EQ(w.alerts[1].evidence.at("bytes"), "200000");
}

}  // namespace
}  // namespace ward::detect
