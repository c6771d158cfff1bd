#include "policy/policy.h"

#include <gtest/gtest.h>

#include <array>

namespace ward::policy {
namespace {

constexpr std::string_view kGood = R"(version: 1
site: Test ward
drug_library:
  version: "2026.1"
  drugs:
    - name: Heparin
      ids: ["00409-2720-01", "HEP25K"]
      care_areas:
        ICU:
          dose_rate: {units: "units/h", soft_max: 1800, hard_max: 2500}
          vtbi: {hard_max: 500}
        default:
          rate: {soft_max: 100, hard_max: 250}
infusion:
  default_care_area: ICU
  authorized_programmers:
    - name: pump-server
      hosts: [10.10.1.5, "10.10.9.0/24"]
  mqtt_command_topics: ["ward/+/pump/+/program"]
phi:
  detect_cleartext: true
alerts:
  suppress:
    - rule: ward.protocol.malformed
      hosts: [10.10.3.0/24]
limits:
  mqtt.max_pdu_bytes: 65536
)";

TEST(Policy, AValidFileLoadsEverySection) {
  auto p = parse_policy(kGood, "ward.yaml");
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  EXPECT_EQ(p->site, "Test ward");
  EXPECT_EQ(p->drug_library_version, "2026.1");
  ASSERT_EQ(p->drugs.size(), 1u);
  const Drug* d = p->find_drug("", "heparin");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(p->find_drug("HEP25K", "something else"), d);
  EXPECT_EQ(p->find_drug("nope", "nope"), nullptr);
  const CareAreaLimits* icu = Policy::limits_for(*d, "icu", p->default_care_area);
  ASSERT_NE(icu, nullptr);
  ASSERT_TRUE(icu->dose_rate.has_value());
  EXPECT_EQ(icu->dose_rate->units, "units/h");
  EXPECT_EQ(icu->dose_rate->hard_max, 2500);
  EXPECT_EQ(icu->vtbi->units, "mL");
  EXPECT_EQ(icu->dose_rate->where, "ward.yaml:10:22");
  const CareAreaLimits* other = Policy::limits_for(*d, "NICU", "");
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(other->care_area, "default");
  IpAddr a, b;
  ASSERT_TRUE(IpAddr::parse("10.10.9.77", a));
  ASSERT_TRUE(IpAddr::parse("10.10.1.6", b));
  ASSERT_NE(p->find_programmer(a), nullptr);
  EXPECT_EQ(p->find_programmer(a)->name, "pump-server");
  EXPECT_EQ(p->find_programmer(b), nullptr);
  EXPECT_EQ(p->limits.get("mqtt.max_pdu_bytes", 0), 65536u);
  IpAddr s;
  ASSERT_TRUE(IpAddr::parse("10.10.3.4", s));
  EXPECT_TRUE(p->is_suppressed("ward.protocol.malformed", a, s));
  EXPECT_FALSE(p->is_suppressed("ward.protocol.malformed", a, b));
  EXPECT_FALSE(p->is_suppressed("ward.infusion.hard_limit", a, s));
}

TEST(Policy, ASuppressionCanNameDirectionAndService) {
  auto p = parse_policy(R"(alerts:
  suppress:
    - rule: ward.privacy.phi_cleartext
      src: [10.10.1.0/24, 10.10.2.0/24]
      dst: [10.10.1.0/24, 10.10.2.0/24]
      services: [hl7, dicom]
)",
                        "ward.yaml");
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  IpAddr server, pump, rogue;
  ASSERT_TRUE(IpAddr::parse("10.10.1.5", server));
  ASSERT_TRUE(IpAddr::parse("10.10.2.21", pump));
  ASSERT_TRUE(IpAddr::parse("10.10.9.66", rogue));
  const std::string_view rule = "ward.privacy.phi_cleartext";
  EXPECT_TRUE(p->is_suppressed(rule, pump, server, "hl7"));  // the ward's own HL7
  EXPECT_TRUE(p->is_suppressed(rule, server, pump, "dicom"));
  EXPECT_FALSE(p->is_suppressed(rule, rogue, server, "hl7"));  // an intruder's, to a server
  EXPECT_FALSE(p->is_suppressed(rule, server, rogue, "hl7"));  // and from one
  EXPECT_FALSE(p->is_suppressed(rule, pump, server, "mqtt"));  // another service
  EXPECT_FALSE(p->is_suppressed(rule, pump, server, ""));
}

struct BadCase {
  const char* name;
  const char* yaml;
  const char* expect;  // substring of the error, including file:line:column
};

TEST(Policy, ErrorsNameTheLineColumnAndWhatIsWrong) {
  const auto cases = std::to_array<BadCase>({
      {"syntax", "site: [unclosed\n", "ward.yaml:2:1: YAML syntax error"},
      {"suppression service", "alerts:\n  suppress:\n    - rule: x\n      services: [hl7, hl8]\n",
       "ward.yaml:4:23: alerts.suppress[0].services[1]: unknown service 'hl8'"},
      {"unknown top key", "sight: x\n", "ward.yaml:1:1: policy: unknown key 'sight'"},
      {"version", "version: 2\n", "ward.yaml:1:10: version: unsupported policy version '2'"},
      {"limit order",
       "drug_library:\n  drugs:\n    - name: x\n      care_areas:\n        ICU:\n          rate: "
       "{soft_max: 10, hard_max: 5}\n",
       "ward.yaml:6:17: drug_library.drugs[0].care_areas.ICU.rate: hard_max must be >= soft_max"},
      {"not a number",
       "drug_library:\n  drugs:\n    - name: x\n      care_areas:\n        ICU:\n          rate: "
       "{hard_max: lots}\n",
       "ward.yaml:6:28: drug_library.drugs[0].care_areas.ICU.rate.hard_max: 'lots' is not a "
       "number"},
      {"rate units",
       "drug_library:\n  drugs:\n    - name: x\n      care_areas:\n        ICU:\n          rate: "
       "{units: mg/h, hard_max: 5}\n",
       "rate is a volume rate: units must be mL/h"},
      {"no limits",
       "drug_library:\n  drugs:\n    - name: x\n      care_areas:\n        ICU:\n          vtbi: "
       "{units: mL}\n",
       "give at least one of soft_min"},
      {"duplicate drug",
       "drug_library:\n  drugs:\n    - name: x\n      care_areas: {}\n    - name: X\n      "
       "care_areas: {}\n",
       "ward.yaml:5:13: drug_library.drugs[1].name: drug 'X' is listed twice"},
      {"bad host",
       "infusion:\n  authorized_programmers:\n    - name: a\n      hosts: [10.0.0.300]\n",
       "ward.yaml:4:15: infusion.authorized_programmers[0].hosts[0]: '10.0.0.300' is not an IP "
       "address"},
      {"no hosts", "infusion:\n  authorized_programmers:\n    - name: a\n", "list the hosts"},
      {"bad topic", "infusion:\n  mqtt_command_topics: [\"a/#/b\"]\n",
       "is not a valid MQTT topic filter"},
      {"bad bool", "phi:\n  detect_cleartext: maybe\n",
       "ward.yaml:2:21: phi.detect_cleartext: expected true or false"},
      {"bad limit", "limits:\n  flow.max_flows: -1\n", "expected a whole number >= 0"},
      {"typo in limits",
       "drug_library:\n  drugs:\n    - name: x\n      care_areas:\n        ICU:\n          rate: "
       "{hardmax: 5}\n",
       "unknown key 'hardmax'"},
  });
  for (const BadCase& c : cases) {
    auto p = parse_policy(c.yaml, "ward.yaml");
    ASSERT_FALSE(p.ok()) << c.name;
    EXPECT_NE(p.error().message().find(c.expect), std::string::npos)
        << c.name << ": " << p.error().message();
  }
}

TEST(Policy, RolesAndMaintenanceWindowsLoadAndAnswer) {
  auto p = parse_policy(R"(roles:
  device_gateways:
    - name: pump-gateway
      hosts: [10.10.1.5]
  camera_viewers:
    - name: recorder
      hosts: [10.10.6.70, "10.10.4.0/28"]
  upload_destinations:
    - name: telemetry-broker
      device_classes: [cognitive_monitor]
      hosts: [10.10.3.5]
maintenance_windows:
  - name: weekly
    days: [Sun]
    start: "02:00"
    end: "04:00"
  - name: nightly-wrap
    days: [wed]
    start: "23:00"
    end: "01:00"
)",
                        "ward.yaml");
  ASSERT_TRUE(p.ok()) << p.error().message();
  const auto ip = [](std::string_view s) {
    IpAddr a;
    EXPECT_TRUE(IpAddr::parse(s, a)) << s;
    return a;
  };
  const IpAddr gw = ip("10.10.1.5");
  const IpAddr viewer = ip("10.10.4.9");
  const IpAddr rogue = ip("10.10.9.66");
  const IpAddr broker = ip("10.10.3.5");
  ASSERT_NE(Policy::find_host(p->roles.device_gateways, gw), nullptr);
  EXPECT_EQ(Policy::find_host(p->roles.device_gateways, gw)->name, "pump-gateway");
  EXPECT_EQ(Policy::find_host(p->roles.device_gateways, rogue), nullptr);
  ASSERT_NE(Policy::find_host(p->roles.camera_viewers, viewer), nullptr);
  EXPECT_EQ(Policy::find_host(p->roles.camera_viewers, rogue), nullptr);
  EXPECT_TRUE(p->uploads_restricted("cognitive_monitor"));
  EXPECT_FALSE(p->uploads_restricted("camera"));
  EXPECT_NE(p->upload_destination("cognitive_monitor", broker), nullptr);
  EXPECT_EQ(p->upload_destination("cognitive_monitor", rogue), nullptr);
  EXPECT_EQ(p->upload_destination("camera", broker), nullptr);

  // 2026-11-29 is a Sunday; 2026-11-25 a Wednesday (epoch seconds, UTC).
  const auto at = [](std::int64_t day_start, int h, int m) {
    return (day_start + h * 3600 + m * 60) * kNsPerSec;
  };
  constexpr std::int64_t kSun = 1795910400;  // 2026-11-29T00:00:00Z
  constexpr std::int64_t kWed = kSun - 4 * 86400;
  ASSERT_EQ(p->maintenance_windows.size(), 2u);
  EXPECT_EQ(p->maintenance_windows[0].where, "ward.yaml:13:5");
  ASSERT_NE(p->maintenance_window_at(at(kSun, 2, 30)), nullptr);
  EXPECT_EQ(p->maintenance_window_at(at(kSun, 2, 30))->name, "weekly");
  EXPECT_EQ(p->maintenance_window_at(at(kSun, 4, 0)), nullptr);           // end is exclusive
  EXPECT_EQ(p->maintenance_window_at(at(kSun - 86400, 2, 30)), nullptr);  // Saturday
  ASSERT_NE(p->maintenance_window_at(at(kWed, 23, 30)), nullptr);
  EXPECT_EQ(p->maintenance_window_at(at(kWed, 23, 30))->name, "nightly-wrap");
  ASSERT_NE(p->maintenance_window_at(at(kWed + 86400, 0, 30)), nullptr);  // Thursday morning
  EXPECT_EQ(p->maintenance_window_at(at(kWed, 0, 30)), nullptr);  // Wednesday morning: Tuesday's
  EXPECT_EQ(p->maintenance_window_at(at(kWed, 12, 0)), nullptr);
}

TEST(Policy, RoleAndWindowErrorsNameLineAndColumn) {
  const auto cases = std::to_array<BadCase>({
      {"unknown role", "roles:\n  camera_watchers: []\n",
       "ward.yaml:2:3: roles: unknown key 'camera_watchers'"},
      {"role without hosts", "roles:\n  camera_viewers:\n    - name: a\n",
       "ward.yaml:3:7: roles.camera_viewers[0]: list the hosts"},
      {"upload without classes",
       "roles:\n  upload_destinations:\n    - name: a\n      hosts: [10.0.0.1]\n",
       "roles.upload_destinations[0]: list the device_classes"},
      {"unknown class",
       "roles:\n  upload_destinations:\n    - hosts: [10.0.0.1]\n      device_classes: [toaster]\n",
       "ward.yaml:4:24: roles.upload_destinations[0].device_classes[0]: unknown device class "
       "'toaster'"},
      {"bad day",
       "maintenance_windows:\n  - days: [sunday]\n    start: \"02:00\"\n    end: \"03:00\"\n",
       "ward.yaml:2:12: maintenance_windows[0].days[0]: 'sunday' is not a day"},
      {"bad time", "maintenance_windows:\n  - start: \"2am\"\n    end: \"03:00\"\n",
       "ward.yaml:2:12: maintenance_windows[0].start: '2am' is not a time of day HH:MM"},
      {"no end", "maintenance_windows:\n  - start: \"02:00\"\n",
       "maintenance_windows[0]: a maintenance window needs end"},
      {"empty window", "maintenance_windows:\n  - start: \"02:00\"\n    end: \"02:00\"\n",
       "start and end are equal"},
      {"unknown threshold", "thresholds:\n  alarm.storm: 3\n", "unknown threshold 'alarm.storm'"},
  });
  for (const BadCase& c : cases) {
    auto p = parse_policy(c.yaml, "ward.yaml");
    ASSERT_FALSE(p.ok()) << c.name;
    EXPECT_NE(p.error().message().find(c.expect), std::string::npos)
        << c.name << ": " << p.error().message();
  }
}

TEST(Policy, DeviceProtocolsHaveDefaultsThatThePolicyReplacesPerClass) {
  auto d = parse_policy("", "ward.yaml");
  ASSERT_TRUE(d.ok());
  const ClassProtocols* cam = d->protocols_for("camera");
  ASSERT_NE(cam, nullptr);
  EXPECT_EQ(cam->where, "built-in default");
  EXPECT_EQ(cam->protocols, (std::vector<std::string>{"dhcp", "dns", "http", "ntp", "rtp", "rtsp",
                                                      "tls", "ws-discovery"}));
  EXPECT_NE(d->protocols_for("infusion_pump"), nullptr);
  EXPECT_EQ(d->protocols_for("workstation"), nullptr);  // general purpose: not checked
  EXPECT_EQ(d->thresholds.baseline_learn_s, 3600);

  auto p = parse_policy(
      "thresholds:\n  baseline.learn_s: 600\n  baseline.rate_floor: 30\n"
      "device_protocols:\n  camera: [rtsp, https, wsd]\n  infusion_pump: [any]\n"
      "  pacs: [dicom]\n",
      "ward.yaml");
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  EXPECT_EQ(p->thresholds.baseline_learn_s, 600);
  EXPECT_EQ(p->thresholds.baseline_rate_floor, 30);
  // Aliases are folded: https is TLS, wsd is WS-Discovery.
  EXPECT_EQ(p->protocols_for("camera")->protocols,
            (std::vector<std::string>{"rtsp", "tls", "ws-discovery"}));
  EXPECT_EQ(p->protocols_for("camera")->where, "ward.yaml:5:11");
  EXPECT_EQ(p->protocols_for("infusion_pump"), nullptr);  // `any`: off
  EXPECT_EQ(p->protocols_for("pacs")->protocols, std::vector<std::string>{"dicom"});
  EXPECT_NE(p->protocols_for("patient_monitor"), nullptr);  // untouched default
}

TEST(Policy, DeviceProtocolErrorsNameLineAndColumn) {
  const auto cases = std::to_array<BadCase>({
      {"unknown class", "device_protocols:\n  toaster: [http]\n",
       "ward.yaml:2:3: device_protocols: unknown device class 'toaster'"},
      {"unknown protocol", "device_protocols:\n  camera: [rtsp, gopher]\n",
       "ward.yaml:2:18: device_protocols.camera[1]: unknown protocol 'gopher'"},
      {"empty list", "device_protocols:\n  camera: []\n",
       "ward.yaml:2:11: device_protocols.camera: list the protocols"},
      {"not a list", "device_protocols:\n  camera: rtsp\n",
       "ward.yaml:2:11: device_protocols.camera: expected a list"},
      {"bad learn period", "thresholds:\n  baseline.learn_s: 0\n",
       "ward.yaml:2:21: thresholds.baseline.learn_s: expected a number > 0"},
  });
  for (const BadCase& c : cases) {
    auto p = parse_policy(c.yaml, "ward.yaml");
    ASSERT_FALSE(p.ok()) << c.name;
    EXPECT_NE(p.error().message().find(c.expect), std::string::npos)
        << c.name << ": " << p.error().message();
  }
}

TEST(Policy, AMissingFileIsNotFound) {
  auto p = load_policy("/nonexistent/ward.yaml");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code(), StatusCode::kNotFound);
}

TEST(Policy, AnEmptyFileIsAValidPolicyWithChecksOff) {
  auto p = parse_policy("", "ward.yaml");
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->drugs.empty());
  EXPECT_TRUE(p->programmers.empty());
}

TEST(TopicMatches, FollowsMqttWildcardRules) {
  EXPECT_TRUE(topic_matches("ward/+/pump/+/program", "ward/icu/pump/P7/program"));
  EXPECT_FALSE(topic_matches("ward/+/pump/+/program", "ward/icu/pump/P7/program/x"));
  EXPECT_FALSE(topic_matches("ward/+/pump/+/program", "ward/icu/pump/program"));
  EXPECT_TRUE(topic_matches("ward/#", "ward/icu/anything"));
  EXPECT_TRUE(topic_matches("ward/#", "ward"));
  EXPECT_TRUE(topic_matches("#", "a/b"));
  EXPECT_TRUE(topic_matches("a/b", "a/b"));
  EXPECT_FALSE(topic_matches("a/b", "a/c"));
  EXPECT_TRUE(topic_matches("+/+", "a/"));
  EXPECT_FALSE(topic_matches("+", "a/b"));
}

}  // namespace
}  // namespace ward::policy
