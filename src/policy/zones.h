// Segmentation in the policy (IEC 62443 zones and conduits): what a zone is, what a conduit
// allows, and the lookups the segmentation detector, `ward policy diff` and the exporters use.
//
// A host's zone is decided by its address: the zone with the longest CIDR prefix containing it
// (a /28 inside a /16 of another zone belongs to the /28's zone). A public unicast address that
// no zone lists is in the built-in zone `internet`; any other address no zone lists is
// "unzoned". Zones given only by device classes (no CIDRs) hold the hosts the inventory puts in
// those classes; the caller resolves them (zone_for_class) since the class is known only to the
// inventory. Traffic inside one zone is always allowed; between zones only through a conduit.
//
// ZoneIndex is built once at load time and is immutable: lookups are safe from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bus/event.h"
#include "common/net.h"

namespace ward::policy {

// A zone's id: an index into Policy::zones, or one of these.
using ZoneId = std::int32_t;
inline constexpr ZoneId kUnzoned = -1;   // a non-public address no zone lists
inline constexpr ZoneId kInternet = -2;  // a public unicast address no zone lists

// The device classes of the inventory (inventory::DeviceClass, same names and order).
inline constexpr std::array<std::string_view, 10> kDeviceClassNames = {
    "unknown",          "infusion_pump", "pump_server", "patient_monitor", "cognitive_monitor",
    "imaging_modality", "pacs",          "camera",      "workstation",     "network_gear",
};

// True iff `device_class` (a kDeviceClassNames entry) is a medical device: an infusion pump,
// a patient or cognitive monitor, an imaging modality.
bool is_medical_class(std::string_view device_class) noexcept;

struct Zone {
  std::string name;
  std::vector<Cidr> cidrs;                  // base masked to the prefix
  std::vector<std::string> device_classes;  // kDeviceClassNames entries; empty = any class
  int security_level = 0;                   // IEC 62443 SL-T 1..4; 0 = not given
  bool medical = false;
  bool require_encryption = false;  // cleartext application protocols to or from it are alerted
  std::string where;                // "ward.yaml:40:5"
};

// One entry of a conduit: a transport and a port range (the responder's port). kNone = any
// transport; ICMP entries ignore ports.
struct ServicePort {
  bus::Transport proto = bus::Transport::kNone;
  std::uint16_t lo = 0;
  std::uint16_t hi = 65535;
  std::string text;  // as written: "tcp/2575", "hl7", "icmp"
  [[nodiscard]] bool matches(bus::Transport p, std::uint16_t port) const noexcept;
};

struct Conduit {
  std::string from, to;       // zone names (or "internet")
  ZoneId from_id = kUnzoned;  // resolved at load
  ZoneId to_id = kUnzoned;
  std::vector<ServicePort> ports;  // from `ports` and the expansion of `protocols`
  bool bidirectional = false;      // `to` may also open connections to `from` on these ports
  std::string where;
};

// Parses "tcp/2575", "udp/5000-5010", "tcp" (any port), "icmp", "icmp6" or "any" into `out`.
// Returns false on anything else.
bool parse_service_port(std::string_view text, ServicePort& out);
// The ports of a well-known application ("hl7" -> tcp/2575, "dicom" -> tcp/104, tcp/11112,
// tcp/2762 ...). Returns false iff `name` is not one Ward knows. Matching is by port only.
bool application_ports(std::string_view name, std::vector<ServicePort>& out);
// The application names application_ports() knows, for messages and docs.
std::vector<std::string_view> application_names();
// The application name of a transport and responder port ("hl7" for tcp/2575), or "".
std::string_view application_of(bus::Transport proto, std::uint16_t port) noexcept;

// Application protocol names for the per-class protocol check (policy `device_protocols`):
// the parsers' service names and the application names above, with the TLS-wrapped ones
// ("https", "mqtts", "dicom-tls", "ldaps") folded into "tls" and "wsd" spelled "ws-discovery".
// Returns the canonical name, or "" if `name` is none of them.
std::string_view canonical_protocol(std::string_view name) noexcept;
// The canonical names canonical_protocol() accepts, sorted, for messages and docs.
std::vector<std::string_view> protocol_names();
// The application protocol of a flow: the parser's service if one recognised it, else by the
// responder's port (application_of), canonical. "" when neither names one.
std::string_view flow_protocol(std::string_view service, bus::Transport proto,
                               std::uint16_t resp_port) noexcept;

// True iff `ip` is a public unicast address: not private (RFC 1918, fc00::/7), link-local,
// loopback, unspecified, multicast or broadcast. The inventory's notion of internet exposure.
bool is_public_unicast(const IpAddr& ip) noexcept;
// True iff `ip` can be a host at all (not unspecified, multicast or broadcast).
bool is_unicast(const IpAddr& ip) noexcept;

// Longest-prefix match of addresses to zones: one sorted array of masked prefixes per prefix
// length present, searched from the longest length down (a handful of lengths in practice, so
// a lookup is a few binary searches).
class ZoneIndex {
 public:
  // REQUIRES: no two zones list the same CIDR (checked by the loader).
  void build(const std::vector<Zone>& zones);
  // The zone of `ip` by CIDR, kInternet for a public unicast address no zone lists, else
  // kUnzoned.
  [[nodiscard]] ZoneId lookup(const IpAddr& ip) const noexcept;

 private:
  struct Entry {
    std::uint64_t hi = 0, lo = 0;  // the masked 128-bit prefix
    ZoneId zone = kUnzoned;
  };
  struct Level {
    int bits = 0;
    std::vector<Entry> entries;  // sorted by (hi, lo)
  };
  std::vector<Level> levels_;  // longest prefix first
};

}  // namespace ward::policy
