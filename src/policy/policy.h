// The policy file (`ward.yaml`): what the monitor checks traffic against. This version holds
// the parts issue-by-issue work has built so far: the drug library with per care area limits,
// the hosts authorised to program pumps, MQTT topics that carry pump commands, PHI settings,
// alert suppressions, limit overrides, and the segmentation: zones and the conduits allowed
// between them (zones.h).
//
// load_policy() validates everything and reports the first problem with file, line and column
// ("ward.yaml:12:7: drug_library.drugs[0].care_areas.ICU.rate: hard_max must be >= soft_max").
// A Policy is immutable after loading and safe to share between threads.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "clinical/infusion.h"
#include "common/net.h"
#include "common/result.h"
#include "parsers/parser.h"
#include "policy/zones.h"

namespace ward::policy {

// Limits for one quantity (rate, dose rate, dose or VTBI) of one drug in one care area.
struct Limit {
  std::string units;  // canonical (clinical::canonical_units)
  std::optional<double> soft_min, soft_max, hard_min, hard_max;
  std::string where;  // "ward.yaml:14:11", for alert evidence
};

struct CareAreaLimits {
  std::string care_area;           // "ICU", or "default"
  std::optional<Limit> rate;       // volume rate, mL/h
  std::optional<Limit> dose_rate;  // e.g. mcg/kg/min, units/h
  std::optional<Limit> dose;       // bolus / amount
  std::optional<Limit> vtbi;       // mL
};

struct Drug {
  std::string name;              // generic name, matched case-insensitively to RXG-4.2
  std::vector<std::string> ids;  // codes matched to RXG-4.1 (NDC, local codes)
  std::vector<CareAreaLimits> care_areas;
};

struct Programmer {
  std::string name;
  std::vector<Cidr> hosts;
};

// An alert is suppressed when its rule matches and every condition given holds (an empty list
// is no condition).
struct Suppression {
  std::string rule;                   // alert rule id, or "*" for all
  std::vector<Cidr> hosts;            // either endpoint is in one of these
  std::vector<Cidr> src;              // the alert's source (sender) is in one of these
  std::vector<Cidr> dst;              // the alert's destination is in one of these
  std::vector<std::string> services;  // the flow's service ("hl7", "dicom", ...) is one of these
};

// Thresholds of the network-attack detectors (`thresholds:`, docs/policy.md). Counts are per
// source (scans, brute force) or per victim (floods) within the window.
struct Thresholds {
  double scan_distinct_ports = 20;  // failed probes to distinct ports of one host (vertical)
  double scan_distinct_hosts = 20;  // failed probes to one port on distinct hosts (horizontal)
  double scan_ping_hosts = 20;      // ICMP echo requests to distinct hosts (ping sweep)
  double scan_window_s = 60;
  double flood_window_s = 10;
  double flood_syn_per_s = 200;           // unanswered or refused SYNs to one host
  double flood_udp_per_s = 2000;          // UDP packets to one host in flows it does not answer
  double flood_icmp_per_s = 200;          // ICMP echo requests to one host
  double flood_mqtt_connect_per_s = 20;   // CONNECTs to one broker
  double flood_mqtt_publish_per_s = 500;  // PUBLISHes from one client to one broker
  double flood_mqtt_malformed = 20;       // malformed-MQTT anomalies from one source per window
  double arp_binding_window_s = 300;  // a new MAC for an IP whose old MAC was seen this recently
  double arp_gratuitous_count = 20;   // gratuitous ARPs from one MAC per window
  double arp_gratuitous_window_s = 10;
  double bruteforce_failures = 10;     // authentication failures per (source, service)
  double bruteforce_connections = 10;  // short sessions to SSH/FTP/Telnet per (source, server)
  double bruteforce_window_s = 60;
  // Clinical detectors (docs/detection.md).
  double alarm_inactivations = 5;  // alarm inactivations (PCD-04) from one sender per window
  double alarm_storm_count = 30;   // alarm reports (PCD-04) for one device per window
  double alarm_window_s = 60;
  double infusion_rejections = 5;  // 9018 "does not match drug library" errors per pump/window
  double infusion_rejection_window_s = 60;
  double infusion_order_window_s =
      300;                       // a reported rate change this soon after a PCD-03 is ordered
  double report_rebind_s = 600;  // a device identity may move to another host after this silence
  double exfiltration_bytes = 65536;  // bytes in one connection that count as an upload
  double dns_tunnel_names = 30;       // distinct query names under one domain from one client ...
  double dns_tunnel_window_s = 60;    // ... within this many seconds
  // Behaviour baseline (docs/detection.md): learned over the first learn_s of packet time; a
  // rate spike is a minute with more than max(rate_factor x the learned busiest minute,
  // rate_floor) flows or application messages of one device.
  double baseline_learn_s = 3600;
  double baseline_rate_factor = 5;
  double baseline_rate_floor = 120;
};

// The application protocols (zones.h canonical_protocol names) a device class uses
// (`device_protocols:`); ward.segmentation.unexpected_protocol flags the others.
struct ClassProtocols {
  std::string device_class;            // a kDeviceClassNames entry
  std::vector<std::string> protocols;  // canonical names, sorted
  std::string where;                   // "ward.yaml:60:3", or "built-in default"
};

// A named group of hosts with a role (`roles:`): device gateways, camera viewers, upload
// destinations. `device_classes` says which devices the group serves (upload destinations).
struct HostGroup {
  std::string name;
  std::vector<Cidr> hosts;
  std::vector<std::string> device_classes;
  [[nodiscard]] bool contains(const IpAddr& ip) const noexcept;
};

struct Roles {
  std::vector<HostGroup> device_gateways;      // may report observations in devices' names
  std::vector<HostGroup> camera_viewers;       // may open camera streams; empty: check off
  std::vector<HostGroup> upload_destinations;  // where devices of their classes may send data
};

// When maintenance (drug-library installs, firmware) is expected: days of the week and a time
// of day range in UTC; the range may wrap past midnight ("22:00"-"02:00").
struct MaintenanceWindow {
  std::string name;
  std::uint8_t days = 0x7f;  // bit 0 = Monday ... bit 6 = Sunday
  int start_min = 0;         // minutes after 00:00 UTC
  int end_min = 0;
  std::string where;  // "ward.yaml:40:5", for alert evidence
  [[nodiscard]] bool contains(TimeNs t) const noexcept;
};

struct Policy {
  std::string path;
  std::string site;
  std::string drug_library_version;
  std::vector<Drug> drugs;
  std::string default_care_area;
  std::vector<Programmer> programmers;           // empty: the authorisation check is off
  std::vector<std::string> mqtt_command_topics;  // MQTT topic filters (+ and # wildcards)
  bool phi_detect_cleartext = true;
  std::vector<std::string> phi_json_fields;  // JSON keys that carry PHI in MQTT payloads
  std::vector<Suppression> suppressions;
  parsers::LimitOverrides limits;
  Thresholds thresholds;
  std::vector<Zone> zones;  // empty: the segmentation checks are off
  std::vector<Conduit> conduits;
  ZoneIndex zone_index;
  Roles roles;
  std::vector<MaintenanceWindow> maintenance_windows;
  // Built-in lists for the medical device classes and cameras, each replaced by the policy's
  // entry for its class; a class without an entry (or with `any`) is not checked.
  std::vector<ClassProtocols> device_protocols = default_device_protocols();

  // The built-in device_protocols (docs/policy.md).
  static std::vector<ClassProtocols> default_device_protocols();
  // The protocols `device_class` uses, or nullptr if the class is not checked.
  [[nodiscard]] const ClassProtocols* protocols_for(std::string_view device_class) const noexcept;

  // The drug named by `id` (RXG-4.1) or `name` (RXG-4.2), or nullptr.
  [[nodiscard]] const Drug* find_drug(std::string_view id, std::string_view name) const;
  // The limits for `care_area` (falling back to the default care area, then "default").
  [[nodiscard]] static const CareAreaLimits* limits_for(const Drug& d, std::string_view care_area,
                                                        std::string_view default_area);
  // The programmer whose hosts contain `host`, or nullptr.
  [[nodiscard]] const Programmer* find_programmer(const IpAddr& host) const;
  // The group of `groups` that contains `host`, or nullptr.
  [[nodiscard]] static const HostGroup* find_host(const std::vector<HostGroup>& groups,
                                                  const IpAddr& host) noexcept;
  // True iff upload destinations are listed for `device_class` (the exfiltration check is on).
  [[nodiscard]] bool uploads_restricted(std::string_view device_class) const noexcept;
  // The upload destination listed for `device_class` that contains `host`, or nullptr.
  [[nodiscard]] const HostGroup* upload_destination(std::string_view device_class,
                                                    const IpAddr& host) const noexcept;
  // The maintenance window that contains packet time `t`, or nullptr (also when none is set).
  [[nodiscard]] const MaintenanceWindow* maintenance_window_at(TimeNs t) const noexcept;
  // `src` and `dst` are the alert's source and destination, `service` its flow's service.
  [[nodiscard]] bool is_suppressed(std::string_view rule, const IpAddr& src, const IpAddr& dst,
                                   std::string_view service = {}) const;

  // The zone of `ip` by address (zones.h: longest prefix; kInternet; kUnzoned).
  [[nodiscard]] ZoneId zone_of(const IpAddr& ip) const noexcept { return zone_index.lookup(ip); }
  // The first zone without CIDRs whose device_classes list `device_class`, else kUnzoned.
  [[nodiscard]] ZoneId zone_for_class(std::string_view device_class) const noexcept;
  // The zone's name, "internet" or "unzoned".
  [[nodiscard]] std::string_view zone_name(ZoneId z) const noexcept;
  // The zone named `name` (including "internet"), or kUnzoned.
  [[nodiscard]] ZoneId find_zone(std::string_view name) const noexcept;
  [[nodiscard]] const Zone* zone(ZoneId z) const noexcept {
    return z >= 0 && static_cast<std::size_t>(z) < zones.size()
               ? &zones[static_cast<std::size_t>(z)]
               : nullptr;
  }
  // True iff traffic between hosts of zones `a` and `b` must pass a conduit: different zones,
  // at least one of them defined (unzoned <-> internet and unzoned <-> unzoned are not checked).
  [[nodiscard]] bool needs_conduit(ZoneId a, ZoneId b) const noexcept {
    return a != b && (zone(a) != nullptr || zone(b) != nullptr);
  }
  // The conduit that allows a host in `from` to open a connection to a host in `to` on
  // (proto, responder port): a conduit from -> to, or a bidirectional one to -> from. nullptr
  // if none does. Traffic inside one zone needs no conduit (callers check from != to).
  [[nodiscard]] const Conduit* conduit_allowing(ZoneId from, ZoneId to, bus::Transport proto,
                                                std::uint16_t port) const noexcept;
};

Result<Policy> load_policy(const std::string& path);
Result<Policy> parse_policy(std::string_view yaml_text, const std::string& name);

// MQTT topic filter matching (MQTT 5.0 §4.7): '+' one level, '#' the rest.
bool topic_matches(std::string_view filter, std::string_view topic) noexcept;

}  // namespace ward::policy
