// Alerts: what detectors conclude, with the evidence behind it. An alert carries a stable id
// (the same input and policy give the same id), a severity, the MITRE ATT&CK technique, the
// hosts and devices involved, and key/value evidence (message type, field, value, limit).
// Detectors publish AlertEvent on the bus; the alert log, the database and the summary
// subscribe to it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bus/event.h"

namespace ward::detect {

enum class Severity : std::uint8_t { kInfo = 0, kLow, kMedium, kHigh, kCritical };
std::string_view severity_name(Severity s) noexcept;  // "info" ... "critical"
bool parse_severity(std::string_view text, Severity& out) noexcept;

// A MITRE ATT&CK (for ICS unless the id says otherwise) technique.
struct Technique {
  std::string_view id;      // "T0836"
  std::string_view name;    // "Modify Parameter"
  std::string_view tactic;  // "Impair Process Control"
};

// The techniques Ward's detectors use (DOMAIN.md section 7).
namespace techniques {
inline constexpr Technique kModifyParameter{"T0836", "Modify Parameter", "Impair Process Control"};
inline constexpr Technique kUnauthorizedCommand{"T0855", "Unauthorized Command Message",
                                                "Impair Process Control"};
inline constexpr Technique kNetworkSniffing{"T0842", "Network Sniffing", "Discovery"};
inline constexpr Technique kExploitRemoteServices{"T0866", "Exploitation of Remote Services",
                                                  "Initial Access"};
inline constexpr Technique kDenialOfService{"T0814", "Denial of Service",
                                            "Inhibit Response Function"};
// Network attacks (ATT&CK for ICS where it has the technique, else Enterprise).
inline constexpr Technique kRemoteSystemDiscovery{"T0846", "Remote System Discovery", "Discovery"};
inline constexpr Technique kNetworkServiceDiscovery{"T1046", "Network Service Discovery",
                                                    "Discovery"};
inline constexpr Technique kAdversaryInTheMiddle{"T0830", "Adversary-in-the-Middle", "Collection"};
inline constexpr Technique kArpCachePoisoning{"T1557.002", "ARP Cache Poisoning",
                                              "Credential Access"};
inline constexpr Technique kBruteForce{"T1110", "Brute Force", "Credential Access"};
inline constexpr Technique kRemoteServices{"T0886", "Remote Services", "Lateral Movement"};
inline constexpr Technique kInternetAccessibleDevice{"T0883", "Internet Accessible Device",
                                                     "Initial Access"};
inline constexpr Technique kRogueMaster{"T0848", "Rogue Master", "Initial Access"};
// Clinical, privacy and camera detectors.
inline constexpr Technique kAlarmSuppression{"T0878", "Alarm Suppression",
                                             "Inhibit Response Function"};
inline constexpr Technique kSpoofReportingMessage{"T0856", "Spoof Reporting Message", "Evasion"};
inline constexpr Technique kProgramDownload{"T0843", "Program Download", "Lateral Movement"};
inline constexpr Technique kTheftOfOperationalInformation{
    "T0882", "Theft of Operational Information", "Impact"};
inline constexpr Technique kExfiltrationOverAlternativeProtocol{
    "T1048", "Exfiltration Over Alternative Protocol", "Exfiltration"};
inline constexpr Technique kVideoCapture{"T1125", "Video Capture", "Collection"};
inline constexpr Technique kDefaultCredentials{"T0812", "Default Credentials", "Lateral Movement"};
inline constexpr Technique kValidAccounts{"T0859", "Valid Accounts", "Persistence"};
inline constexpr Technique kExploitPublicFacingApplication{
    "T0819", "Exploit Public-Facing Application", "Initial Access"};
}  // namespace techniques

struct AlertEvent : bus::Event {
  static constexpr bus::EventKind kKind = bus::EventKind::kAlert;
  AlertEvent() noexcept : bus::Event(kKind) {}

  std::string alert_id;   // "A" + 16 hex digits, stable for the same rule, flow and key
  std::string_view rule;  // "ward.infusion.hard_limit"
  Severity severity = Severity::kMedium;
  Technique technique;
  std::string summary;    // one line for humans
  std::string device_id;  // e.g. the pump named in the message (OBX-18), if any
  std::string src_role;   // what the sender is in this alert ("programmer")
  std::string dst_role;   // what the receiver is ("pump server")
  std::vector<std::pair<std::string_view, std::string>> evidence;
};

// Computes the stable alert id from the rule, the flow uid and a key naming the occurrence
// (a message control id, a field, an anomaly id).
std::string make_alert_id(std::string_view rule, std::string_view uid, std::string_view key);

}  // namespace ward::detect
