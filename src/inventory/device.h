// The device record the inventory builds: who a device is (class, vendor, model, version, names,
// location, medical identifiers) and, for every attribute value, the evidence behind it (which
// signal, which rule, the raw value, when it was seen, how confident we are). Plain data: built
// by DeviceTracker (device_tracker.h), read by the device log, the store, `ward inventory` and
// later the vulnerability matcher (vendor(), model(), version()). Not thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/net.h"

namespace ward::inventory {

// The device classes of issue 4, in this order. Names are the stable strings of the logs.
enum class DeviceClass : std::uint8_t {
  kUnknown,
  kInfusionPump,
  kPumpServer,
  kPatientMonitor,
  kCognitiveMonitor,
  kImagingModality,
  kPacs,
  kCamera,
  kWorkstation,
  kNetworkGear,
};
std::string_view device_class_name(DeviceClass c) noexcept;  // "infusion_pump", ...
// Returns true iff `name` is one of the names above; sets `out`.
bool parse_device_class(std::string_view name, DeviceClass& out) noexcept;

// Attribute names (stable: log fields, database rows, rule `set:` keys).
namespace attr {
inline constexpr std::string_view kClass = "class";
inline constexpr std::string_view kVendor = "vendor";
inline constexpr std::string_view kModel = "model";
inline constexpr std::string_view kVersion = "version";
inline constexpr std::string_view kOs = "os";
inline constexpr std::string_view kType = "type";  // free-form kind: "printer", "smartphone"
inline constexpr std::string_view kHostName = "host_name";
inline constexpr std::string_view kLocation = "location";
inline constexpr std::string_view kUdi = "udi";
inline constexpr std::string_view kUdiDi = "udi_di";
inline constexpr std::string_view kSerial = "serial";
inline constexpr std::string_view kEui64 = "eui64";
inline constexpr std::string_view kAeTitle = "ae_title";
}  // namespace attr

// Why we believe one value: one (source, rule, raw) triple, with when and how often it was seen.
struct Evidence {
  std::string source;  // the signal: "dhcp.vendor_class", "hl7.sft.product", "oui"
  std::string rule;    // fingerprint rule id; empty for a direct observation
  std::string raw;     // the observed value the conclusion came from
  TimeNs first_seen = 0;
  TimeNs last_seen = 0;
  std::uint8_t confidence = 0;  // 0..100
  std::uint64_t count = 0;      // observations
};

struct AttributeValue {
  std::string value;
  std::vector<Evidence> evidence;  // bounded (TrackerOptions::max_evidence_per_value)
  [[nodiscard]] std::uint8_t confidence() const noexcept;  // the highest of its evidence
  [[nodiscard]] TimeNs last_seen() const noexcept;
  [[nodiscard]] TimeNs first_seen() const noexcept;
};

// All values seen for one attribute; conflicting values are all kept. After
// DeviceTracker::snapshot() they are ordered best first: confidence, then recency.
struct Attribute {
  std::vector<AttributeValue> values;
  [[nodiscard]] const AttributeValue* best() const noexcept {
    return values.empty() ? nullptr : &values.front();
  }
};

struct Device {
  // "mac:aa:bb:cc:dd:ee:ff" for a device seen with its MAC, else "ip:10.1.2.3" (raw-IP
  // captures, or a host behind a router).
  std::string id;
  MacAddr mac;  // zero when keyed by IP
  // The addresses it used, in the order they were last used (the current one last), bounded.
  std::vector<IpAddr> ips;
  TimeNs first_seen = 0;
  TimeNs last_seen = 0;
  std::uint64_t flows = 0;
  std::uint64_t bytes = 0;
  std::set<std::string> services_offered;  // "hl7", "mqtt" (as responder)
  std::set<std::string> services_used;     // as originator
  std::set<std::string> roles;             // "pump programmer", "hl7 sender", "mqtt broker" ...
  std::set<std::string> names;             // "hl7:PUMPSRV@ICU", "mqtt-client:cogmon-7" ...
  std::set<std::string> device_ids;        // pump ids and OBX-18 equipment ids it talks about
  std::map<std::string, Attribute, std::less<>> attributes;
  // Alerts with this device at either end, by severity (detect::Severity: info .. critical).
  std::array<std::uint32_t, 5> alerts{};
  // A public address it exchanged traffic with (the first seen), or empty: internet exposure.
  std::string internet_peer;
  // Credentials for a service it offers crossed the network in clear (an alert
  // ward.protocol.cleartext_credentials with the device as responder).
  bool cleartext_credentials = false;

  [[nodiscard]] bool has_mac() const noexcept { return !mac.is_zero(); }
  // The best value of an attribute, or "" when unknown.
  [[nodiscard]] std::string_view best(std::string_view attribute) const;
  [[nodiscard]] std::uint8_t best_confidence(std::string_view attribute) const;
  [[nodiscard]] DeviceClass device_class() const;
  // What the vulnerability matcher needs (vuln::DeviceIdentity): best vendor, model, version.
  [[nodiscard]] std::string_view vendor() const { return best(attr::kVendor); }
  [[nodiscard]] std::string_view model() const { return best(attr::kModel); }
  [[nodiscard]] std::string_view version() const { return best(attr::kVersion); }
};

}  // namespace ward::inventory
