// An explainable clinical risk score per device, 0 to 100, and the remediations to do first.
//
// The score is the sum of four named factors, each with its points and the evidence behind it,
// so a reader can check every point (docs/vuln.md "Risk score"):
//   vulnerability   0-40  the worst matched advisory: 4 x its CVSS v3 base score, weighted by the
//                         match confidence (high 1.0, medium 0.75, low 0.4); +1 per further
//                         advisory of medium or high confidence, within the 40
//   exploitability  0-20  a known-exploited advisory 20, a public exploit 10; a network attack
//                         vector (AV:N) on a device that serves on the network 5; traffic to or
//                         from the internet 10; credentials seen in clear 5
//   criticality     0-25  what the device does for the patient (infusion pump 25, patient
//                         monitor and pump server 20, ... unknown 10)
//   alerts          0-15  the most severe alert raised on it (critical 15, high 10, medium 5,
//                         low 2), +1 per further alert, within the 15
// Level: critical >= 70, high >= 50, medium >= 30, else low.
//
// Remediations are ordered: cut internet exposure, patch where the advisory names a fixed
// version, segment where a network-reachable weakness has no fix, then compensating controls.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vuln/matcher.h"

namespace ward::vuln {

enum class DeviceClass : std::uint8_t {
  kInfusionPump,
  kPumpServer,
  kPatientMonitor,
  kCognitiveMonitor,
  kImagingModality,
  kPacs,
  kCamera,
  kWorkstation,
  kNetworkGear,
  kUnknown,
};

// "infusion_pump", "pump_server", ... "unknown" (the inventory's class names).
[[nodiscard]] std::string_view device_class_name(DeviceClass c);
// The class named `name`; kUnknown for a name that is not one.
[[nodiscard]] DeviceClass parse_device_class(std::string_view name);
// Points the class contributes (0-25) and why.
[[nodiscard]] int criticality_points(DeviceClass c);

// What the traffic showed about the device.
struct Exposure {
  bool internet_exposed = false;      // it exchanged traffic with a public address
  std::string internet_peer;          // one such address, for the evidence
  bool serves_network = false;        // it answered connections (offers a service)
  std::vector<std::string> services;  // the services it offers ("hl7", "http", ...)
  bool cleartext_credentials = false;
  // Segmentation (the policy's zones and conduits; empty without zones): the device's zone and
  // the zones a conduit lets open connections into it ("internet" included).
  std::string zone;
  std::vector<std::string> reachable_from;
  std::uint32_t alerts_critical = 0;
  std::uint32_t alerts_high = 0;
  std::uint32_t alerts_medium = 0;
  std::uint32_t alerts_low = 0;
};

struct RiskFactor {
  std::string name;  // "vulnerability", "exploitability", "criticality", "alerts"
  int points = 0;
  std::string detail;  // the evidence, in words
};

enum class RemediationKind : std::uint8_t { kRemoveExposure, kPatch, kSegment, kCompensate };
[[nodiscard]] std::string_view remediation_kind_name(RemediationKind k);

struct RemediationStep {
  RemediationKind kind = RemediationKind::kCompensate;
  std::string action;       // what to do
  std::string reason;       // why, with the advisory or observation behind it
  std::string advisory_id;  // empty when it does not come from an advisory
};

struct RiskScore {
  int score = 0;                              // 0-100, the sum of the factors' points
  std::string_view level;                     // "critical", "high", "medium", "low"
  std::vector<RiskFactor> factors;            // always the four, in the order above
  std::vector<RemediationStep> remediations;  // most urgent first
};

// Scores one device from its class, the advisory matches that apply to it (already filtered:
// VEX-suppressed findings are not passed in) and what the traffic showed.
[[nodiscard]] RiskScore score_device(DeviceClass cls, const std::vector<Match>& matches,
                                     const Exposure& exposure);

// The attack vector of a CVSS v3 vector string ("N", "A", "L", "P"), or nullopt.
[[nodiscard]] std::optional<char> cvss_attack_vector(std::string_view vector);

}  // namespace ward::vuln
