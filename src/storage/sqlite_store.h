// The embedded store: one SQLite database (WAL mode) with the runs, the devices seen, the
// alerts and a flows summary. Alerts and flow summaries are buffered and written in batches,
// one transaction each, so a crash loses at most the last batch and never corrupts the file.
// Schema (see docs/storage.md):
//   runs(run_id, started_at, source, ward_version, packets, bytes, first_ts, last_ts, status)
//   devices(device_id PK, ip, ips, mac, first_seen, last_seen, flows, bytes, class,
//           class_confidence, vendor, model, version, host_name, location, services_offered,
//           services_used, roles, names, device_ids)
//   device_attributes(device_id, attribute, value, confidence, source, rule, raw, first_seen,
//           last_seen, count; PK device_id..raw): the evidence behind every attribute value
//   alerts(alert_id PK, run_id, ts, rule, severity, technique, technique_name, uid, src_ip,
//          dst_ip, device_id, summary, evidence JSON)
//   flows(run_id, orig_h, resp_h, resp_p, proto, service, conns, first_ts, last_ts,
//         orig_bytes, resp_bytes, orig_pkts, resp_pkts; PK run_id..service)
//   device_risk(run_id, device_id, ip, class, vendor, model, version, score, level,
//         factors JSON, remediations JSON; PK run_id, device_id)
//   vulnerabilities(run_id, device_id, advisory_id, source, component, confidence, cves,
//         max_cvss, cvss_vector, affected, fixed_version, scored, suppression, reason)
// Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "bus/bus.h"
#include "common/result.h"
#include "inventory/device.h"
#include "vuln/commands.h"

struct sqlite3;

namespace ward::storage {

struct RunInfo {
  std::string source;
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
  TimeNs first_ts = 0;
  TimeNs last_ts = 0;
  std::string status;  // "ok" or the input error
};

class SqliteStore final : public bus::Subscriber {
 public:
  static constexpr std::size_t kAlertBatch = 256;
  static constexpr std::size_t kFlowGroups = 50'000;  // flushed when this many groups are pending

  static Result<std::unique_ptr<SqliteStore>> open(const std::string& path,
                                                   const std::string& source);
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;
  SqliteStore(SqliteStore&&) = delete;
  SqliteStore& operator=(SqliteStore&&) = delete;

  void on_event(const bus::EventContext& ctx, const bus::Event& e) override;
  // Writes the run's vulnerability assessment (device_risk and vulnerabilities), in one
  // transaction. Call before finish().
  Status write_assessment(const vuln::FleetAssessment& fleet);
  // Writes what is pending, the devices and the run summary. Returns the first error met.
  Status finish(const std::vector<inventory::Device>& devices, const RunInfo& run);
  [[nodiscard]] std::int64_t run_id() const { return run_id_; }

 private:
  explicit SqliteStore(sqlite3* db) : db_(db) {}
  Status exec(const char* sql);
  Status flush_alerts();
  Status flush_flows();
  void note(Status s) {
    if (error_.ok() && !s.ok()) error_ = std::move(s);
  }

  struct AlertRow {
    std::string alert_id, rule, severity, technique, technique_name, uid, src, dst, device_id,
        summary, evidence;
    double ts = 0;
  };
  using FlowKey = std::tuple<std::string, std::string, unsigned, std::string, std::string>;
  struct FlowAgg {
    std::uint64_t conns = 0, orig_bytes = 0, resp_bytes = 0, orig_pkts = 0, resp_pkts = 0;
    TimeNs first_ts = 0, last_ts = 0;
  };

  sqlite3* db_;
  std::int64_t run_id_ = 0;
  std::vector<AlertRow> alerts_;
  std::map<FlowKey, FlowAgg> flows_;
  Status error_;
};

}  // namespace ward::storage
