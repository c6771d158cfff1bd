#include <gtest/gtest.h>

#include <map>

#include "eval/attack_classes.h"
#include "eval/labels.h"
#include "eval/scorecard.h"

namespace ward::eval {
namespace {

IpAddr ip(const char* s) {
  IpAddr a;
  EXPECT_TRUE(IpAddr::parse(s, a)) << s;
  return a;
}

TEST(AttackClasses, RulesMapToTheirClass) {
  EXPECT_EQ(class_of_rule("ward.scan.port"), "recon_scan");
  EXPECT_EQ(class_of_rule("ward.scan.ping_sweep"), "ping_sweep");
  EXPECT_EQ(class_of_rule("ward.flood.syn"), "syn_flood");
  EXPECT_EQ(class_of_rule("ward.flood.mqtt_malformed"), "mqtt_malformed");
  EXPECT_EQ(class_of_rule("ward.arp.duplicate_ip"), "arp_spoofing");
  EXPECT_EQ(class_of_rule("ward.bruteforce.mqtt"), "brute_force");
  EXPECT_EQ(class_of_rule("ward.infusion.unauthorized_programmer"), "unauthorized_programming");
  EXPECT_EQ(class_of_rule("ward.infusion.hard_limit"), "dose_limit");
  EXPECT_EQ(class_of_rule("ward.segmentation.conduit_violation"), "segmentation_violation");
  // A prefix entry without '.' must not swallow a longer name.
  EXPECT_EQ(class_of_rule("ward.flood.synthetic"), "");
  EXPECT_EQ(class_of_rule("ward.new.rule"), "");
  // A malformed PDU on an MQTT connection is the malformed-MQTT class; elsewhere it is not.
  EXPECT_EQ(class_of_alert("ward.protocol.malformed", "mqtt"), "mqtt_malformed");
  EXPECT_EQ(class_of_alert("ward.protocol.malformed", "hl7"), "malformed_protocol");
  EXPECT_EQ(class_of_alert("ward.protocol.resource_limit", "mqtt"), "malformed_protocol");
  EXPECT_EQ(class_of_alert("ward.flood.syn", "mqtt"), "syn_flood");
  for (std::string_view c : attack_classes()) EXPECT_TRUE(is_attack_class(c)) << c;
  EXPECT_FALSE(is_attack_class("other"));
}

TEST(Labels, ParsesTheTestbedFormat) {
  auto l = parse_labels(R"([{"class": "recon_scan", "technique": "T0846",
      "attacker_ip": "10.10.9.66", "victim_ips": ["10.10.2.21", "fd00::5"],
      "start_ts": 100.5, "end_ts": 110, "description": "nmap -sS"}])",
                        "l.json");
  ASSERT_TRUE(l.ok()) << l.error().message();
  ASSERT_EQ(l->size(), 1u);
  EXPECT_EQ((*l)[0].cls, "recon_scan");
  EXPECT_EQ((*l)[0].attacker, ip("10.10.9.66"));
  ASSERT_EQ((*l)[0].victims.size(), 2u);
  EXPECT_EQ((*l)[0].victims[1], ip("fd00::5"));
  EXPECT_DOUBLE_EQ((*l)[0].start_ts, 100.5);
  EXPECT_EQ((*l)[0].description, "nmap -sS");
}

TEST(Labels, ErrorsNameFileAndPointer) {
  const auto err = [](std::string_view text) {
    auto l = parse_labels(text, "labels.json");
    return l.ok() ? std::string("ok") : l.error().message();
  };
  EXPECT_EQ(err(R"({"class": 1})"), "labels.json: : must be a JSON list of labels");
  EXPECT_EQ(err(R"([{"class": "recon_scan", "attacker_ip": "10.0.0.1", "start_ts": 1,
                     "end_ts": 2}, {"class": "nope"}])"),
            "labels.json: /1/class: unknown class \"nope\" (see docs/eval.md)");
  EXPECT_EQ(err(R"([{"class": "syn_flood", "attacker_ip": "10.0.0.999", "start_ts": 1,
                     "end_ts": 2}])"),
            "labels.json: /0/attacker_ip: not an IP address: 10.0.0.999");
  EXPECT_EQ(err(R"([{"class": "syn_flood", "attacker_ip": "10.0.0.9", "start_ts": 3,
                     "end_ts": 2}])"),
            "labels.json: /0/end_ts: before start_ts");
  EXPECT_EQ(err(R"([{"class": "syn_flood", "attacker_ip": "10.0.0.9", "start_ts": "x",
                     "end_ts": 2}])"),
            "labels.json: /0/start_ts: must be a number (epoch seconds)");
  EXPECT_EQ(err(R"([{"class": "syn_flood", "attacker_ip": "10.0.0.9", "start_ts": 1,
                     "end_ts": 2, "victims": []}])"),
            "labels.json: /0/victims: unknown member");
  EXPECT_NE(err("[{"), "ok");
}

Label label(const char* cls, const char* attacker, double start, double end,
            std::vector<IpAddr> victims = {}) {
  Label l;
  l.cls = cls;
  l.attacker = ip(attacker);
  l.start_ts = start;
  l.end_ts = end;
  l.victims = std::move(victims);
  return l;
}

TEST(Scorecard, PrecisionRecallAndTimeToDetect) {
  const std::vector<Label> labels = {
      label("recon_scan", "10.0.9.66", 100, 110),
      label("syn_flood", "10.0.9.66", 200, 210, {ip("10.0.2.21")}),
      label("arp_spoofing", "10.0.9.70", 300, 320, {ip("10.0.0.1")}),
  };
  const std::vector<ObservedAlert> alerts = {
      {"ward.scan.port", 102.5, ip("10.0.9.66"), ip("10.0.2.21")},   // scan, 2.5 s late
      {"ward.scan.port", 104, ip("10.0.9.66"), ip("10.0.2.22")},     // same label again
      {"ward.flood.syn", 150, ip("10.0.9.66"), ip("10.0.2.21")},     // before the flood: false
      {"ward.flood.syn", 201, ip("198.51.100.7"), ip("10.0.2.21")},  // spoofed source, victim ok
      {"ward.infusion.hard_limit", 105, ip("10.0.1.5"), ip("10.0.2.21")},  // no dose label
      {"ward.something.new", 106, ip("10.0.9.66"), ip("10.0.2.21")},       // unclassified
      {"ward.segmentation.conduit_violation", 500, ip("10.0.9.66"), ip("10.0.2.21")},  // false
  };
  const Scorecard s = score(labels, alerts);
  EXPECT_EQ(s.overall.labels, 3u);
  EXPECT_EQ(s.overall.detected, 2u);
  EXPECT_EQ(s.overall.alerts, 7u);
  EXPECT_EQ(s.overall.true_alerts, 3u);
  // Related: the unclassified alert at 106 and the early SYN alert at 150 involve the scanner
  // within the scan's grace window. The dose alert involves neither the scanner nor a victim,
  // and the segmentation alert at 500 is past every window: both false.
  EXPECT_EQ(s.overall.related_alerts, 2u);
  ASSERT_TRUE(s.overall.precision && s.overall.recall && s.overall.time_to_detect_s);
  EXPECT_DOUBLE_EQ(*s.overall.precision, 5.0 / 7.0);
  EXPECT_DOUBLE_EQ(*s.overall.strict_precision, 3.0 / 7.0);
  EXPECT_DOUBLE_EQ(*s.overall.recall, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(*s.overall.time_to_detect_s, (2.5 + 1.0) / 2);

  std::map<std::string, ClassScore> by;
  for (const auto& c : s.classes) by[c.cls] = c;
  EXPECT_DOUBLE_EQ(*by["recon_scan"].precision, 1.0);
  EXPECT_DOUBLE_EQ(*by["syn_flood"].precision, 1.0);
  EXPECT_DOUBLE_EQ(*by["syn_flood"].strict_precision, 0.5);
  EXPECT_DOUBLE_EQ(*by["syn_flood"].recall, 1.0);
  EXPECT_FALSE(by["arp_spoofing"].precision.has_value());  // no alert at all
  EXPECT_DOUBLE_EQ(*by["arp_spoofing"].recall, 0.0);
  EXPECT_DOUBLE_EQ(*by["dose_limit"].precision, 0.0);
  EXPECT_EQ(by["other"].alerts, 1u);
  EXPECT_EQ(by["other"].related_alerts, 1u);
  EXPECT_DOUBLE_EQ(*by["segmentation_violation"].precision, 0.0);
  EXPECT_EQ(s.labels[0].alerts, 2u);
  EXPECT_EQ(s.labels[0].first_rule, "ward.scan.port");
  EXPECT_FALSE(s.labels[2].detect_delay_s.has_value());

  const std::string json = format_scorecard_json(s);
  EXPECT_NE(json.find(R"("strict_precision":0.42857)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("arp_spoofing":{"precision":null,"strict_precision":null,"recall":0)"),
            std::string::npos)
      << json;
  EXPECT_NE(format_scorecard_text(s).find("missed: arp_spoofing from 10.0.9.70"),
            std::string::npos);
}

TEST(Scorecard, AlertsAfterTheGraceWindowDoNotCount) {
  const std::vector<Label> labels = {label("recon_scan", "10.0.9.66", 100, 110)};
  MatchOptions o;
  o.grace_s = 5;
  Scorecard s = score(labels, {{"ward.scan.port", 116, ip("10.0.9.66"), ip("10.0.2.1")}}, o);
  EXPECT_EQ(s.overall.detected, 0u);
  s = score(labels, {{"ward.scan.port", 115, ip("10.0.9.66"), ip("10.0.2.1")}}, o);
  EXPECT_EQ(s.overall.detected, 1u);
  // An alert just before the start (clock skew within lead_s) counts, with delay 0.
  s = score(labels, {{"ward.scan.port", 99.5, ip("10.0.9.66"), ip("10.0.2.1")}}, o);
  ASSERT_TRUE(s.overall.time_to_detect_s.has_value());
  EXPECT_DOUBLE_EQ(*s.overall.time_to_detect_s, 0.0);
}

TEST(Scorecard, BenignCaptureWithoutAlertsHasNoRatios) {
  const Scorecard s = score({}, {});
  EXPECT_FALSE(s.overall.precision.has_value());
  EXPECT_FALSE(s.overall.recall.has_value());
  EXPECT_TRUE(s.classes.empty());
  // ... and any alert on it is a false positive.
  const Scorecard t = score({}, {{"ward.scan.port", 1, ip("10.0.0.1"), ip("10.0.0.2")}});
  EXPECT_DOUBLE_EQ(*t.overall.precision, 0.0);
}

}  // namespace
}  // namespace ward::eval
