#include "eval/attack_classes.h"

#include <array>

namespace ward::eval {
namespace {

constexpr std::array<std::string_view, 23> kClasses = {
    "recon_scan",
    "ping_sweep",
    "syn_flood",
    "udp_flood",
    "icmp_flood",
    "mqtt_connect_flood",
    "mqtt_publish_flood",
    "mqtt_malformed",
    "arp_spoofing",
    "brute_force",
    "segmentation_violation",
    "unauthorized_programming",
    "dose_limit",
    "drug_library_tampering",
    "alarm_suppression",
    "spoofed_vitals",
    "exfiltration",
    "phi_cleartext",
    "camera_unauthorized",
    "default_credentials",
    "weak_crypto",
    "malformed_protocol",
    "exploitation",
};

struct RuleClass {
  std::string_view rule;  // exact rule id, or a prefix ending in '.'
  std::string_view cls;
};

// First match wins: exact ids before the prefixes that contain them. An entry without the
// trailing '.' also covers its sub-rules ("ward.flood.syn" covers "ward.flood.syn.x"). One line
// per rule family; a rule listed nowhere is "other" and counts against precision.
constexpr RuleClass kRuleClasses[] = {
    {"ward.scan.ping_sweep", "ping_sweep"},
    {"ward.scan.", "recon_scan"},
    {"ward.flood.syn", "syn_flood"},
    {"ward.flood.udp", "udp_flood"},
    {"ward.flood.icmp", "icmp_flood"},
    {"ward.flood.mqtt_connect", "mqtt_connect_flood"},
    {"ward.flood.mqtt_publish", "mqtt_publish_flood"},
    {"ward.flood.mqtt_malformed", "mqtt_malformed"},
    {"ward.arp.", "arp_spoofing"},
    {"ward.bruteforce.", "brute_force"},
    {"ward.segmentation.", "segmentation_violation"},
    {"ward.infusion.unauthorized_programmer", "unauthorized_programming"},
    {"ward.infusion.hard_limit", "dose_limit"},
    {"ward.infusion.soft_limit", "dose_limit"},
    {"ward.infusion.unknown_drug", "dose_limit"},
    {"ward.infusion.units_mismatch", "dose_limit"},
    {"ward.infusion.no_care_area_limits", "dose_limit"},
    {"ward.infusion.library_rejections", "dose_limit"},
    {"ward.infusion.drug_library_change", "drug_library_tampering"},
    {"ward.infusion.drug_library_mismatch", "drug_library_tampering"},
    {"ward.infusion.file_transfer", "drug_library_tampering"},
    {"ward.infusion.unordered_change", "dose_limit"},
    {"ward.infusion.alarm_suppression", "alarm_suppression"},
    {"ward.infusion.alarm_inactivation_burst", "alarm_suppression"},
    {"ward.infusion.alarm_storm", "alarm_suppression"},
    {"ward.clinical.spoofed_observation", "spoofed_vitals"},
    {"ward.privacy.exfiltration", "exfiltration"},
    {"ward.privacy.dns_tunnel", "exfiltration"},
    {"ward.privacy.phi_cleartext", "phi_cleartext"},
    {"ward.camera.", "camera_unauthorized"},
    {"ward.auth.", "default_credentials"},
    {"ward.crypto.", "weak_crypto"},
    {"ward.protocol.malformed", "malformed_protocol"},
    {"ward.protocol.evasion", "malformed_protocol"},
    {"ward.protocol.resource_limit", "malformed_protocol"},
    {"ward.protocol.cleartext_credentials", "weak_crypto"},
    {"ward.exploit.", "exploitation"},
};

}  // namespace

std::span<const std::string_view> attack_classes() { return kClasses; }

bool is_attack_class(std::string_view name) {
  for (std::string_view c : kClasses)
    if (c == name) return true;
  return false;
}

std::string_view class_of_rule(std::string_view rule) {
  for (const RuleClass& rc : kRuleClasses) {
    const bool prefix = !rc.rule.empty() && rc.rule.back() == '.';
    const bool sub_rule =
        rule.size() > rc.rule.size() && rule.starts_with(rc.rule) && rule[rc.rule.size()] == '.';
    if (prefix ? rule.starts_with(rc.rule) : (rule == rc.rule || sub_rule)) return rc.cls;
  }
  return {};
}

std::string_view class_of_alert(std::string_view rule, std::string_view service) {
  const std::string_view cls = class_of_rule(rule);
  if (cls == "malformed_protocol" && rule == "ward.protocol.malformed" && service == "mqtt")
    return "mqtt_malformed";
  return cls;
}

}  // namespace ward::eval
