// The monitor pipeline, wired end to end: capture -> decode -> flow table (reassembly,
// parsers) -> event bus -> detectors, device tracker, logs and database. `ward monitor` is a
// thin command-line layer over run_monitor().
//
// Errors before the first packet (bad policy, unreadable capture, unopenable database) are
// returned as a Status. An input error during the run (a truncated or corrupt capture) ends
// reading, but everything decoded before it is still processed and written; it is returned in
// MonitorReport::input_error. Single-threaded.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bus/bus.h"
#include "capture/packet_source.h"
#include "common/result.h"
#include "decode/decoder.h"
#include "flow/flow_table.h"
#include "inventory/device.h"
#include "inventory/device_tracker.h"
#include "vuln/commands.h"

namespace ward::detect {
struct AlertEvent;
struct Baseline;
}  // namespace ward::detect

namespace ward::engine {

struct MonitorOptions {
  std::string read_path;  // a pcap/pcapng file ("-" = stdin), or
  std::string interface;  // a live interface
  std::string bpf_filter;
  std::string policy_path;   // empty: built-in defaults, clinical checks off
  std::string out_dir;       // JSON Lines logs; empty: no logs
  std::string db_path;       // SQLite database; empty: no database
  std::string phi_key_path;  // HMAC key for patient identifiers; default: beside the db or logs
  std::optional<std::uint64_t> uid_seed;  // fixed seed: reproducible uids (tests, golden files)
  std::vector<std::pair<std::string, std::uint64_t>> limits;  // --set key=value, over the policy's
  std::uint64_t max_packets = 0;                              // 0 = no limit
  std::uint32_t payload_excerpt_bytes = 128;
  // Identification (docs/inventory.md): a user rule file over the default rules, and the OUI
  // table ("" = /usr/share/ieee-data/oui.csv). Ignored when `tracker` is given.
  std::string fingerprints_path;
  std::string oui_path;
  // An identification engine owned by the caller, fed by this run (`ward inventory` runs
  // several captures into one). Null: the run makes its own.
  inventory::DeviceTracker* tracker = nullptr;
  // No logs or database will be written (`ward inventory`): hash PHI with a throwaway key
  // instead of creating a key file.
  bool ephemeral_phi_key = false;
  // Run the detectors (docs/detection.md). Off: no alerts, for measuring what detection costs.
  bool detect = true;
  // Vulnerability assessment of the identified devices at the end of the run (docs/vuln.md):
  // the `vuln` log, the device_risk and vulnerabilities tables, and the summary. nullopt: off.
  // A corpus that cannot be loaded at all is a configuration error.
  std::optional<vuln::VulnPaths> vuln;
  // Called for every alert published, with the capture time at which it was raised (the
  // current packet's, or the last packet's while flows are drained at the end). `ward eval`.
  std::function<void(const bus::EventContext&, const detect::AlertEvent&, TimeNs raised_at)>
      on_alert;
  // The behaviour baseline (detect/baseline.h): one loaded from a file (checked from the first
  // packet), or where `ward baseline learn` collects one (with baseline_learn: learned from all
  // the input, the behaviour rules raise nothing). Null: the run learns its own for
  // thresholds.baseline.learn_s, then checks. Not owned.
  detect::Baseline* baseline = nullptr;
  bool baseline_learn = false;
  // More subscribers for this run (after the detectors and the inventory), e.g. the flow
  // matrix of `ward policy learn`. Not owned; they must outlive the call.
  std::vector<bus::Subscriber*> subscribers;
  // Called once a live capture is active, with the interface name: packets are seen from then
  // on (the CLI says so, as tcpdump does). Not called for files.
  std::function<void(const std::string& interface)> on_listening;
};

// One assessed device, for the summary.
struct RiskLine {
  std::string device;  // inventory device id
  std::string ip;
  std::string device_class;
  std::string vendor, model, version;
  int score = 0;
  std::string level;
  std::vector<std::string> advisories;  // scored findings' advisory ids
};

struct AlertLine {
  std::string severity;
  std::string rule;
  std::string summary;
  std::string src;
  std::string dst;
  std::string uid;
  std::string technique;
  int rank = 0;  // severity as a number, for sorting
  TimeNs ts = 0;
  std::uint64_t count = 0;  // alerts of this rule (the fields above are the first one's)
};

struct MonitorReport {
  std::string source;
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
  TimeNs first_ts = 0;
  TimeNs last_ts = 0;
  double elapsed_s = 0;
  std::uint64_t peak_rss_kib = 0;
  decode::DecodeStats decode;
  flow::FlowStats flows;
  capture::SourceStats capture;
  std::map<std::string, std::uint64_t> services;                // flows per detected protocol
  std::map<std::string, std::uint64_t, std::less<>> anomalies;  // count per anomaly id
  std::array<std::uint64_t, 5> alerts_by_severity{};            // info .. critical
  std::vector<AlertLine> top_alerts;  // one per rule, most severe first, at most 10
  std::uint64_t alerts_suppressed = 0;
  std::size_t devices = 0;
  std::vector<inventory::Device> inventory;  // identified devices (empty with an external tracker)
  inventory::TrackerStats inventory_stats;
  bool vuln_assessed = false;         // the assessment ran (MonitorOptions::vuln)
  std::vector<RiskLine> risks;        // assessed devices, highest risk first
  std::size_t vuln_unidentified = 0;  // devices without vendor or model: not assessed
  std::vector<std::string> warnings;  // degraded modes (no OUI table, no default rules)
  std::map<std::string, std::pair<std::string, std::uint64_t>> logs;  // name -> (path, lines)
  std::string db_path;
  std::string policy_path;
  Status input_error;
  Status output_error;
};

// Runs the monitor. `active_source`, if given, is set to the packet source while it runs, so a
// signal handler can call request_stop() on it.
Result<MonitorReport> run_monitor(const MonitorOptions& options,
                                  std::atomic<capture::PacketSource*>* active_source = nullptr);

// The limit keys the monitor understands (for validating policy `limits` and --set).
bool is_known_limit_key(std::string_view key);

}  // namespace ward::engine
