#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bus/anomaly.h"
#include "clinical/infusion.h"
#include "clinical/phi.h"
#include "detect/alert.h"
#include "detect/alert_log.h"
#include "detect/detector.h"
#include "parsers/http/http_events.h"
#include "parsers/mqtt/mqtt_events.h"
#include "parsers/rtsp/rtsp_events.h"

namespace ward::detect {
namespace {

constexpr std::string_view kPolicy = R"(version: 1
drug_library:
  version: "2026.1"
  drugs:
    - name: heparin
      ids: ["00409-2720"]
      care_areas:
        ICU:
          dose_rate: {units: units/h, soft_max: 1800, hard_max: 2500, hard_min: 100}
          vtbi: {hard_max: 500}
    - name: propofol
      care_areas:
        default:
          rate: {soft_max: 40, hard_max: 60}
infusion:
  default_care_area: ICU
  authorized_programmers:
    - name: pump-server
      hosts: [10.10.1.5]
  mqtt_command_topics: ["ward/+/pump/+/program"]
alerts:
  suppress:
    - rule: ward.infusion.soft_limit
      hosts: [10.10.9.9]
)";

struct Captured {
  std::string rule;
  std::string severity;
  std::string technique;
  std::string summary;
  std::map<std::string, std::string> evidence;
  std::string id;
  std::string src;  // the alert's sender (EventContext::src_h)
};

struct Harness : bus::Subscriber, bus::LogSink {
  policy::Policy policy;
  bus::EventBus bus;
  DetectorStats stats;
  std::vector<std::unique_ptr<bus::Subscriber>> detectors;
  std::vector<Captured> alerts;
  std::vector<std::string> anomalies;
  std::vector<std::string> log_lines;
  AlertLog log{*this};

  Harness() {
    auto p = policy::parse_policy(kPolicy, "ward.yaml");
    EXPECT_TRUE(p.ok()) << p.error().to_string();
    policy = std::move(*p);
    detectors = make_detectors(policy, bus, stats);
    for (auto& d : detectors) bus.subscribe(*d);
    bus.subscribe(*this);
    bus.subscribe(log);
  }
  void on_event(const bus::EventContext& ctx, const bus::Event& e) override {
    if (const auto* a = bus::event_cast<AlertEvent>(e)) {
      Captured c{std::string(a->rule),
                 std::string(severity_name(a->severity)),
                 std::string(a->technique.id),
                 a->summary,
                 {},
                 a->alert_id};
      for (const auto& [k, v] : a->evidence) c.evidence[std::string(k)] = v;
      c.src = ctx.src_h().to_string();
      alerts.push_back(std::move(c));
    } else if (const auto* an = bus::event_cast<bus::AnomalyEvent>(e)) {
      anomalies.emplace_back(an->id);
    }
  }
  void write(std::string_view name, std::string_view line) override {
    EXPECT_EQ(name, "alert");
    log_lines.emplace_back(line);
  }
  static bus::EventContext ctx(const char* src, const char* uid = "CTEST1") {
    bus::EventContext c;
    c.uid = uid;
    IpAddr::parse(src, c.orig_h);
    IpAddr::parse("10.10.2.20", c.resp_h);
    c.orig_p = 40000;
    c.resp_p = 3000;
    c.proto = bus::Transport::kTcp;
    return c;
  }
};

clinical::InfusionProgram program(const char* drug, double rate, const char* units,
                                  const char* control = "MSG1") {
  clinical::InfusionProgram p;
  p.drug_name = drug;
  p.rate = rate;
  p.rate_units = clinical::canonical_units(units);
  p.rate_kind = clinical::rate_kind_for_units(p.rate_units);
  p.message_control_id = control;
  p.pump_id = "PUMP-0007";
  p.care_area = "ICU";
  return p;
}

TEST(InfusionDetector, AProgramWithinLimitsFromTheAuthorisedServerRaisesNothing) {
  Harness h;
  h.bus.publish(Harness::ctx("10.10.1.5"), program("heparin", 1200, "units/h"));
  EXPECT_TRUE(h.alerts.empty());
}

TEST(InfusionDetector, AProgramFromAnotherHostIsAnUnauthorisedCommand) {
  Harness h;
  h.bus.publish(Harness::ctx("10.10.7.66"), program("heparin", 1200, "units/h"));
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].rule, "ward.infusion.unauthorized_programmer");
  EXPECT_EQ(h.alerts[0].severity, "critical");
  EXPECT_EQ(h.alerts[0].technique, "T0855");
  EXPECT_EQ(h.alerts[0].evidence["sender"], "10.10.7.66");
  EXPECT_EQ(h.alerts[0].evidence["pump_id"], "PUMP-0007");
  EXPECT_EQ(h.alerts[0].evidence["authorized_programmers"], "pump-server");
}

TEST(InfusionDetector, ADoseRateOverTheHardMaximumIsCriticalWithTheLimitAsEvidence) {
  Harness h;
  h.bus.publish(Harness::ctx("10.10.1.5"),
                program("Heparin", 4000, "265266^MDC_DIM_MILLI_L_PER_HR^MDC"));
  // mL/h is not how heparin is limited: the dose cannot be verified.
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].rule, "ward.infusion.units_mismatch");
  h.alerts.clear();
  h.bus.publish(Harness::ctx("10.10.1.5"), program("heparin", 4000, "units/h", "MSG2"));
  ASSERT_EQ(h.alerts.size(), 1u);
  const Captured& a = h.alerts[0];
  EXPECT_EQ(a.rule, "ward.infusion.hard_limit");
  EXPECT_EQ(a.severity, "critical");
  EXPECT_EQ(a.technique, "T0836");
  EXPECT_EQ(a.evidence.at("field"), "dose_rate");
  EXPECT_EQ(a.evidence.at("value"), "4000");
  EXPECT_EQ(a.evidence.at("limit"), "hard_max");
  EXPECT_EQ(a.evidence.at("limit_value"), "2500");
  EXPECT_EQ(a.evidence.at("limit_care_area"), "ICU");
  EXPECT_EQ(a.evidence.at("limit_defined_at"), "ward.yaml:9:22");  // the dose_rate line
  EXPECT_EQ(a.summary,
            "heparin dose_rate 4000 units/h exceeds the hard maximum 2500 for care area ICU");
}

TEST(InfusionDetector, SoftLimitsAndMinimumsAreChecked) {
  Harness h;
  h.bus.publish(Harness::ctx("10.10.1.5"), program("heparin", 2000, "units/h", "A"));
  h.bus.publish(Harness::ctx("10.10.1.5"), program("heparin", 50, "units/h", "B"));
  ASSERT_EQ(h.alerts.size(), 2u);
  EXPECT_EQ(h.alerts[0].rule, "ward.infusion.soft_limit");
  EXPECT_EQ(h.alerts[0].severity, "medium");
  EXPECT_EQ(h.alerts[1].rule, "ward.infusion.hard_limit");
  EXPECT_EQ(h.alerts[1].evidence["limit"], "hard_min");
}

TEST(InfusionDetector, VtbiAndTheDefaultCareAreaAreChecked) {
  Harness h;
  auto p = program("propofol", 30, "mL/h");
  p.care_area = "NICU";  // only "default" limits exist for propofol
  p.vtbi_ml = 50;
  h.bus.publish(Harness::ctx("10.10.1.5"), p);
  EXPECT_TRUE(h.alerts.empty());
  auto q = program("heparin", 1000, "units/h", "V");
  q.vtbi_ml = 900;
  h.bus.publish(Harness::ctx("10.10.1.5"), q);
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].evidence["field"], "vtbi");
}

TEST(InfusionDetector, ADrugOutsideTheLibraryIsReported) {
  Harness h;
  h.bus.publish(Harness::ctx("10.10.1.5"), program("insulin", 5, "units/h"));
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].rule, "ward.infusion.unknown_drug");
  EXPECT_EQ(h.alerts[0].evidence["drug_library_version"], "2026.1");
}

TEST(Detector, SuppressionsAndRepeatsAreCountedNotRaised) {
  Harness h;
  h.bus.publish(Harness::ctx("10.10.1.5"), program("heparin", 4000, "units/h", "R"));
  h.bus.publish(Harness::ctx("10.10.1.5"),
                program("heparin", 4000, "units/h", "R"));  // same message again
  auto c = Harness::ctx("10.10.1.5");
  IpAddr::parse("10.10.9.9", c.resp_h);
  h.bus.publish(c,
                program("heparin", 2000, "units/h", "S"));  // soft limit, suppressed for 10.10.9.9
  EXPECT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.stats.repeats, 1u);
  EXPECT_EQ(h.stats.suppressed, 1u);
}

TEST(Detector, AlertIdsAreStableAcrossRunsAndDistinctPerOccurrence) {
  Harness a;
  Harness b;
  a.bus.publish(Harness::ctx("10.10.1.5"), program("heparin", 4000, "units/h", "X"));
  b.bus.publish(Harness::ctx("10.10.1.5"), program("heparin", 4000, "units/h", "X"));
  b.bus.publish(Harness::ctx("10.10.1.5"), program("heparin", 4000, "units/h", "Y"));
  ASSERT_EQ(a.alerts.size(), 1u);
  ASSERT_EQ(b.alerts.size(), 2u);
  EXPECT_EQ(a.alerts[0].id, b.alerts[0].id);
  EXPECT_NE(b.alerts[0].id, b.alerts[1].id);
  EXPECT_EQ(a.alerts[0].id.size(), 17u);
}

parsers::mqtt::MqttMessage publish(std::string_view topic, std::string_view payload) {
  parsers::mqtt::MqttMessage m;
  m.type = parsers::mqtt::PacketType::kPublish;
  m.topic = topic;
  m.payload = as_bytes(payload);
  return m;
}

TEST(MqttClinical, AJsonCommandOnAPumpTopicIsCheckedLikeAnHl7Order) {
  Harness h;
  h.bus.publish(
      Harness::ctx("10.10.1.5"),
      publish(
          "ward/icu/pump/PUMP-0003/program",
          R"({"id":"c-1","pump_id":"PUMP-0003","drug":"heparin","dose_rate":3000,"dose_rate_units":"units/h","vtbi":250})"));
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].rule, "ward.infusion.hard_limit");
  EXPECT_EQ(h.alerts[0].evidence["source"], "mqtt_json");
  EXPECT_EQ(h.alerts[0].evidence["topic"], "ward/icu/pump/PUMP-0003/program");
  EXPECT_EQ(h.alerts[0].evidence["pump_id"], "PUMP-0003");
}

TEST(MqttClinical, GarbageOnACommandTopicIsAnAnomalyAndOtherTopicsAreIgnored) {
  Harness h;
  h.bus.publish(Harness::ctx("10.10.1.5"), publish("ward/icu/pump/P1/program", "{not json"));
  h.bus.publish(Harness::ctx("10.10.1.5"), publish("ward/icu/telemetry", R"({"dose_rate":99999})"));
  EXPECT_EQ(h.anomalies, std::vector<std::string>{"mqtt.command_not_json"});
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].rule, "ward.protocol.malformed");
}

TEST(MqttClinical, PatientFieldsInJsonRaiseOnePhiAlertWithoutTheirValues) {
  Harness h;
  h.bus.publish(Harness::ctx("10.10.4.4", "CPHI"),
                publish("cogmon/dev7/summary",
                        R"({"patient_name":"DOE^JANE","mrn":"MRN-555","steps":1200})"));
  h.bus.publish(Harness::ctx("10.10.4.4", "CPHI"),
                publish("cogmon/dev7/summary",
                        R"({"patient_name":"DOE^JANE","mrn":"MRN-555","steps":1300})"));
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].rule, "ward.privacy.phi_cleartext");
  EXPECT_EQ(h.alerts[0].technique, "T0842");
  EXPECT_EQ(h.alerts[0].evidence["fields"], "patient_name, mrn");
  ASSERT_EQ(h.log_lines.size(), 1u);
  EXPECT_EQ(h.log_lines[0].find("DOE"), std::string::npos);
  EXPECT_EQ(h.log_lines[0].find("MRN-555"), std::string::npos);
}

TEST(AnomalyDetector, MalformedProtocolUseBecomesOneAlertPerFlowAndId) {
  Harness h;
  for (int i = 0; i < 3; ++i)
    h.bus.anomaly(Harness::ctx("10.10.5.5"), "mqtt.malformed", "bad PUBLISH");
  h.bus.anomaly(Harness::ctx("10.10.5.5"), "mqtt.missing_connect", "");  // informational only
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].rule, "ward.protocol.malformed");
  EXPECT_EQ(h.alerts[0].technique, "T0866");
  EXPECT_EQ(h.stats.repeats, 2u);
}

TEST(AnomalyDetector, CameraCredentialsInClearAreAnAlert) {
  Harness h;
  h.bus.anomaly(Harness::ctx("10.10.5.6"), "rtsp.basic_auth_cleartext", "");
  h.bus.anomaly(Harness::ctx("10.10.5.6"), "rtsp.auth_failed", "");  // informational only
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].rule, "ward.protocol.cleartext_credentials");
  EXPECT_EQ(h.alerts[0].technique, "T0842");
}

// An RTSP DESCRIBE with checked credentials, answered `status`.
void rtsp_describe(Harness& h, const char* src, int status, parsers::auth::Weakness weakness,
                   std::string_view detail, const char* user = "root") {
  parsers::rtsp::RtspRequest r;
  r.method = "DESCRIBE";
  r.uri = "rtsp://10.10.2.20/test";
  r.auth_scheme = "Digest";
  r.auth_user = user;
  r.credential_weakness = weakness;
  r.credential_detail = detail;
  parsers::rtsp::RtspTransaction t;
  t.request = &r;
  t.has_response = true;
  t.status = status;
  bus::EventContext c = Harness::ctx(src);
  c.dir = bus::Direction::kToClient;  // published when the response arrives
  h.bus.publish(c, t);
}

TEST(CredentialDetector, AcceptedFactoryCredentialsAreOneHighAlertPerServerAndUser) {
  using parsers::auth::Weakness;
  Harness h;
  rtsp_describe(h, "10.10.9.66", 401, Weakness::kDefault, "Axis factory account");  // refused
  EXPECT_TRUE(h.alerts.empty());
  rtsp_describe(h, "10.10.9.66", 200, Weakness::kDefault, "Axis factory account");
  rtsp_describe(h, "10.10.9.67", 200, Weakness::kDefault, "Axis factory account");  // same
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].rule, "ward.auth.default_credentials");
  EXPECT_EQ(h.alerts[0].severity, "high");
  EXPECT_EQ(h.alerts[0].technique, "T0812");
  EXPECT_EQ(h.alerts[0].evidence["user"], "root");
  EXPECT_EQ(h.alerts[0].evidence["why"], "Axis factory account");
  EXPECT_EQ(h.alerts[0].evidence["protocol"], "rtsp");
  EXPECT_EQ(h.alerts[0].evidence["scheme"], "Digest");
  EXPECT_EQ(h.alerts[0].src, "10.10.9.66");  // the client, though raised on the response
  EXPECT_NE(h.alerts[0].summary.find("accepted the Axis factory account (root)"),
            std::string::npos);
  rtsp_describe(h, "10.10.9.66", 200, Weakness::kNone, "", "viewer");  // a strong password
  EXPECT_EQ(h.alerts.size(), 1u);
}

TEST(CredentialDetector, AnAcceptedWeakHttpPasswordIsMedium) {
  using parsers::auth::Weakness;
  Harness h;
  parsers::http::HttpTransaction t;
  t.has_request = t.has_response = true;
  t.method = "GET";
  t.uri = "/service";
  t.auth_scheme = parsers::http::AuthScheme::kBasic;
  t.username = "biomed";
  t.credential_weakness = Weakness::kWeak;
  t.credential_detail = "a common password";
  t.status_code = 403;  // refused: nothing
  h.bus.publish(Harness::ctx("10.10.4.4"), t);
  EXPECT_TRUE(h.alerts.empty());
  t.status_code = 200;
  h.bus.publish(Harness::ctx("10.10.4.4"), t);
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].rule, "ward.auth.weak_credentials");
  EXPECT_EQ(h.alerts[0].severity, "medium");
  EXPECT_EQ(h.alerts[0].technique, "T0859");
  EXPECT_EQ(h.alerts[0].evidence["scheme"], "basic");
  EXPECT_EQ(h.alerts[0].evidence["why"], "a common password");
}

TEST(CredentialDetector, AnMqttConnectAcceptedWithAFactoryPasswordIsReported) {
  Harness h;
  parsers::mqtt::MqttTransaction t;
  t.kind = parsers::mqtt::MqttTransaction::Kind::kConnect;
  t.client_id = "COGMON-0031";
  t.username = "admin";
  t.has_password = true;
  t.credentials = parsers::auth::check_password("admin", "admin");
  t.connack_code = 5;  // not authorised: nothing
  h.bus.publish(Harness::ctx("10.10.3.31"), t);
  EXPECT_TRUE(h.alerts.empty());
  t.connack_code = 0;
  h.bus.publish(Harness::ctx("10.10.3.31"), t);
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].rule, "ward.auth.default_credentials");
  EXPECT_EQ(h.alerts[0].evidence["protocol"], "mqtt");
  EXPECT_EQ(h.alerts[0].evidence["client_id"], "COGMON-0031");
}

TEST(AlertLog, WritesOneJsonObjectWithTechniqueHostsAndEvidence) {
  Harness h;
  h.bus.publish(Harness::ctx("10.10.7.66"), program("heparin", 1200, "units/h"));
  ASSERT_EQ(h.log_lines.size(), 1u);
  const auto j = nlohmann::json::parse(h.log_lines[0]);
  EXPECT_EQ(j["rule"], "ward.infusion.unauthorized_programmer");
  EXPECT_EQ(j["technique"]["id"], "T0855");
  EXPECT_EQ(j["technique"]["name"], "Unauthorized Command Message");
  EXPECT_EQ(j["src"]["ip"], "10.10.7.66");
  EXPECT_EQ(j["src"]["role"], "programmer");
  EXPECT_EQ(j["dst"]["ip"], "10.10.2.20");
  EXPECT_EQ(j["uid"], "CTEST1");
  EXPECT_EQ(j["device_id"], "PUMP-0007");
  EXPECT_EQ(j["evidence"]["drug"], "heparin");
}

}  // namespace
}  // namespace ward::detect
