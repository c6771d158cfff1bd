#include "storage/sqlite_store.h"

#include <sqlite3.h>

#include <array>
#include <ctime>

#include "common/json_writer.h"
#include "detect/alert.h"
#include "flow/flow_events.h"
#include "vuln/risk.h"

namespace ward::storage {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS runs (
  run_id INTEGER PRIMARY KEY AUTOINCREMENT, started_at TEXT NOT NULL, source TEXT NOT NULL,
  ward_version TEXT NOT NULL, packets INTEGER, bytes INTEGER, first_ts REAL, last_ts REAL, status TEXT);
CREATE TABLE IF NOT EXISTS devices (
  device_id TEXT PRIMARY KEY, ip TEXT, ips TEXT, mac TEXT, first_seen REAL NOT NULL,
  last_seen REAL NOT NULL, flows INTEGER NOT NULL, bytes INTEGER NOT NULL, class TEXT,
  class_confidence INTEGER, vendor TEXT, model TEXT, version TEXT, host_name TEXT, location TEXT,
  services_offered TEXT, services_used TEXT, roles TEXT, names TEXT, device_ids TEXT);
CREATE INDEX IF NOT EXISTS devices_by_ip ON devices(ip);
CREATE TABLE IF NOT EXISTS device_attributes (
  device_id TEXT NOT NULL, attribute TEXT NOT NULL, value TEXT NOT NULL, confidence INTEGER NOT NULL,
  source TEXT NOT NULL, rule TEXT NOT NULL, raw TEXT NOT NULL, first_seen REAL NOT NULL,
  last_seen REAL NOT NULL, count INTEGER NOT NULL,
  PRIMARY KEY(device_id, attribute, value, source, rule, raw));
CREATE TABLE IF NOT EXISTS alerts (
  alert_id TEXT PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES runs(run_id), ts REAL NOT NULL,
  rule TEXT NOT NULL, severity TEXT NOT NULL, technique TEXT, technique_name TEXT, uid TEXT,
  src_ip TEXT, dst_ip TEXT, device_id TEXT, summary TEXT NOT NULL, evidence TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS alerts_by_severity ON alerts(severity, ts);
CREATE TABLE IF NOT EXISTS flows (
  run_id INTEGER NOT NULL REFERENCES runs(run_id), orig_h TEXT NOT NULL, resp_h TEXT NOT NULL,
  resp_p INTEGER NOT NULL, proto TEXT NOT NULL, service TEXT NOT NULL, conns INTEGER NOT NULL,
  first_ts REAL NOT NULL, last_ts REAL NOT NULL, orig_bytes INTEGER NOT NULL, resp_bytes INTEGER NOT NULL,
  orig_pkts INTEGER NOT NULL, resp_pkts INTEGER NOT NULL,
  PRIMARY KEY (run_id, orig_h, resp_h, resp_p, proto, service));
CREATE TABLE IF NOT EXISTS device_risk (
  run_id INTEGER NOT NULL REFERENCES runs(run_id), device_id TEXT NOT NULL, ip TEXT, class TEXT,
  vendor TEXT, model TEXT, version TEXT, score INTEGER NOT NULL, level TEXT NOT NULL,
  factors TEXT NOT NULL, remediations TEXT NOT NULL, PRIMARY KEY (run_id, device_id));
CREATE TABLE IF NOT EXISTS vulnerabilities (
  run_id INTEGER NOT NULL REFERENCES runs(run_id), device_id TEXT NOT NULL,
  advisory_id TEXT NOT NULL, source TEXT NOT NULL, component TEXT NOT NULL, confidence TEXT NOT NULL,
  cves TEXT NOT NULL, max_cvss REAL, cvss_vector TEXT, affected TEXT, fixed_version TEXT,
  scored INTEGER NOT NULL, suppression TEXT, reason TEXT);
CREATE INDEX IF NOT EXISTS vulnerabilities_by_device ON vulnerabilities(device_id, run_id);
)sql";

double secs(TimeNs t) { return static_cast<double>(t) / 1e9; }

std::string join(const std::set<std::string>& s) {
  std::string out;
  for (const auto& v : s) out += (out.empty() ? "" : ",") + v;
  return out;
}

// RAII for a prepared statement.
class Stmt {
 public:
  // s_ is declared before rc_, so it is initialised (to null) before prepare writes it.
  Stmt(sqlite3* db, const char* sql) : rc_(sqlite3_prepare_v2(db, sql, -1, &s_, nullptr)) {}
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt(Stmt&&) = delete;
  Stmt& operator=(Stmt&&) = delete;
  [[nodiscard]] bool ok() const { return rc_ == SQLITE_OK; }
  sqlite3_stmt* get() { return s_; }
  void text(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void i64(int i, std::int64_t v) { sqlite3_bind_int64(s_, i, v); }
  void real(int i, double v) { sqlite3_bind_double(s_, i, v); }
  // Runs the statement and resets it for the next row. Returns true on success.
  bool step() {
    const int rc = sqlite3_step(s_);
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
    return rc == SQLITE_DONE || rc == SQLITE_ROW;
  }

 private:
  sqlite3_stmt* s_ = nullptr;
  int rc_ = SQLITE_ERROR;
};

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path,
                                                       const std::string& source) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    std::string msg = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return unexpected(io_error(path + ": cannot open database: " + msg));
  }
  sqlite3_busy_timeout(db, 5000);
  std::unique_ptr<SqliteStore> s(new SqliteStore(db));
  // Schema 1 keyed devices by IP; schema 2 keys them by device id (MAC or IP) and adds the
  // identification and device_attributes. An old table is kept as devices_v1 (docs/storage.md).
  const char* migrate = "SELECT 1 FROM pragma_table_info('devices') WHERE name='ip' AND pk=1";
  bool old_devices = false;
  {
    Stmt q(db, migrate);
    old_devices = q.ok() && sqlite3_step(q.get()) == SQLITE_ROW;
  }
  for (const char* sql :
       {"PRAGMA journal_mode=WAL;", "PRAGMA synchronous=NORMAL;", "PRAGMA foreign_keys=ON;",
        old_devices ? "ALTER TABLE devices RENAME TO devices_v1;" : "SELECT 1;", kSchema}) {
    if (Status st = s->exec(sql); !st.ok()) return unexpected(io_error(path + ": " + st.message()));
  }
  Stmt ins(
      db, "INSERT INTO runs(started_at, source, ward_version, status) VALUES (?, ?, ?, 'running')");
  std::array<char, 32> now{};
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(now.data(), now.size(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  ins.text(1, now.data());
  ins.text(2, source);
  ins.text(3, WARD_VERSION);
  if (!ins.ok() || !ins.step())
    return unexpected(io_error(path + ": cannot record the run: " + sqlite3_errmsg(db)));
  s->run_id_ = sqlite3_last_insert_rowid(db);
  return s;
}

SqliteStore::~SqliteStore() { sqlite3_close(db_); }

Status SqliteStore::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err != nullptr ? err : "unknown error";
    sqlite3_free(err);
    return io_error(msg);
  }
  return {};
}

void SqliteStore::on_event(const bus::EventContext& ctx, const bus::Event& e) {
  if (const auto* a = bus::event_cast<detect::AlertEvent>(e)) {
    AlertRow r;
    r.alert_id = a->alert_id;
    r.rule = a->rule;
    r.severity = detect::severity_name(a->severity);
    r.technique = a->technique.id;
    r.technique_name = a->technique.name;
    r.uid = ctx.uid;
    r.src = ctx.src_h().to_string();
    r.dst = ctx.dst_h().to_string();
    r.device_id = a->device_id;
    r.summary = a->summary;
    JsonWriter w(r.evidence);
    w.begin_object();
    for (const auto& [k, v] : a->evidence) w.kv(k, v);
    w.end_object();
    r.ts = secs(ctx.ts);
    alerts_.push_back(std::move(r));
    if (alerts_.size() >= kAlertBatch) note(flush_alerts());
    return;
  }
  if (const auto* c = bus::event_cast<flow::ConnRecord>(e)) {
    FlowKey k{ctx.orig_h.to_string(), ctx.resp_h.to_string(), ctx.resp_p,
              std::string(bus::transport_name(ctx.proto)), std::string(ctx.service)};
    FlowAgg& f = flows_[k];
    if (f.conns == 0 || ctx.ts < f.first_ts) f.first_ts = ctx.ts;
    f.last_ts = std::max(f.last_ts, ctx.ts + c->duration);
    ++f.conns;
    f.orig_bytes += c->orig_bytes;
    f.resp_bytes += c->resp_bytes;
    f.orig_pkts += c->orig_pkts;
    f.resp_pkts += c->resp_pkts;
    if (flows_.size() >= kFlowGroups) note(flush_flows());
  }
}

Status SqliteStore::flush_alerts() {
  if (alerts_.empty()) return {};
  if (Status s = exec("BEGIN"); !s.ok()) return s;
  Stmt st(db_,
          "INSERT INTO alerts(alert_id, run_id, ts, rule, severity, technique, technique_name, "
          "uid, src_ip, dst_ip, "
          "device_id, summary, evidence) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) "
          "ON CONFLICT(alert_id) DO UPDATE SET run_id=excluded.run_id, ts=excluded.ts, "
          "summary=excluded.summary, "
          "evidence=excluded.evidence");
  bool ok = st.ok();
  for (const AlertRow& r : alerts_) {
    if (!ok) break;
    st.text(1, r.alert_id);
    st.i64(2, run_id_);
    st.real(3, r.ts);
    st.text(4, r.rule);
    st.text(5, r.severity);
    st.text(6, r.technique);
    st.text(7, r.technique_name);
    st.text(8, r.uid);
    st.text(9, r.src);
    st.text(10, r.dst);
    st.text(11, r.device_id);
    st.text(12, r.summary);
    st.text(13, r.evidence);
    ok = st.step();
  }
  if (!ok) {
    Status err = io_error(std::string("writing alerts: ") + sqlite3_errmsg(db_));
    (void)exec("ROLLBACK");
    return err;
  }
  alerts_.clear();
  return exec("COMMIT");
}

Status SqliteStore::flush_flows() {
  if (flows_.empty()) return {};
  if (Status s = exec("BEGIN"); !s.ok()) return s;
  Stmt st(db_,
          "INSERT INTO flows(run_id, orig_h, resp_h, resp_p, proto, service, conns, first_ts, "
          "last_ts, orig_bytes, "
          "resp_bytes, orig_pkts, resp_pkts) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) "
          "ON CONFLICT(run_id, orig_h, resp_h, resp_p, proto, service) DO UPDATE SET "
          "conns=conns+excluded.conns, "
          "first_ts=min(first_ts, excluded.first_ts), last_ts=max(last_ts, excluded.last_ts), "
          "orig_bytes=orig_bytes+excluded.orig_bytes, resp_bytes=resp_bytes+excluded.resp_bytes, "
          "orig_pkts=orig_pkts+excluded.orig_pkts, resp_pkts=resp_pkts+excluded.resp_pkts");
  bool ok = st.ok();
  for (const auto& [k, f] : flows_) {
    if (!ok) break;
    st.i64(1, run_id_);
    st.text(2, std::get<0>(k));
    st.text(3, std::get<1>(k));
    st.i64(4, std::get<2>(k));
    st.text(5, std::get<3>(k));
    st.text(6, std::get<4>(k));
    st.i64(7, static_cast<std::int64_t>(f.conns));
    st.real(8, secs(f.first_ts));
    st.real(9, secs(f.last_ts));
    st.i64(10, static_cast<std::int64_t>(f.orig_bytes));
    st.i64(11, static_cast<std::int64_t>(f.resp_bytes));
    st.i64(12, static_cast<std::int64_t>(f.orig_pkts));
    st.i64(13, static_cast<std::int64_t>(f.resp_pkts));
    ok = st.step();
  }
  if (!ok) {
    Status err = io_error(std::string("writing flows: ") + sqlite3_errmsg(db_));
    (void)exec("ROLLBACK");
    return err;
  }
  flows_.clear();
  return exec("COMMIT");
}

Status SqliteStore::write_assessment(const vuln::FleetAssessment& fleet) {
  if (Status s = exec("BEGIN"); !s.ok()) return s;
  Stmt risk(db_,
            "INSERT OR REPLACE INTO device_risk(run_id, device_id, ip, class, vendor, model, "
            "version, score, level, factors, remediations) VALUES (?,?,?,?,?,?,?,?,?,?,?)");
  Stmt vul(db_,
           "INSERT INTO vulnerabilities(run_id, device_id, advisory_id, source, component, "
           "confidence, cves, max_cvss, cvss_vector, affected, fixed_version, scored, "
           "suppression, reason) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  bool ok = risk.ok() && vul.ok();
  for (const vuln::DeviceAssessment& a : fleet.devices) {
    if (!ok) break;
    const vuln::ObservedDevice& d = *a.device;
    std::string factors;
    {
      JsonWriter w(factors);
      w.begin_array();
      for (const vuln::RiskFactor& f : a.risk.factors)
        w.begin_object()
            .kv("name", f.name)
            .kv("points", static_cast<std::int64_t>(f.points))
            .kv("detail", f.detail)
            .end_object();
      w.end_array();
    }
    std::string remediations;
    {
      JsonWriter w(remediations);
      w.begin_array();
      for (const vuln::RemediationStep& step : a.risk.remediations)
        w.begin_object()
            .kv("kind", vuln::remediation_kind_name(step.kind))
            .kv("action", step.action)
            .kv("reason", step.reason)
            .kv("advisory", step.advisory_id)
            .end_object();
      w.end_array();
    }
    risk.i64(1, run_id_);
    risk.text(2, d.id);
    risk.text(3, d.ip);
    risk.text(4, vuln::device_class_name(d.device_class));
    risk.text(5, d.identity.vendor);
    risk.text(6, d.identity.model);
    risk.text(7, d.identity.version);
    risk.i64(8, a.risk.score);
    risk.text(9, a.risk.level);
    risk.text(10, factors);
    risk.text(11, remediations);
    ok = risk.step();
    for (const vuln::Finding& f : a.findings) {
      if (!ok) break;
      std::string cves;
      for (const std::string& c : f.cves) cves += (cves.empty() ? "" : ",") + c;
      vul.i64(1, run_id_);
      vul.text(2, d.id);
      vul.text(3, f.match.advisory_id);
      vul.text(4, vuln::finding_source_name(f.source));
      vul.text(5, f.component);
      vul.text(6, vuln::confidence_name(f.match.confidence));
      vul.text(7, cves);
      vul.real(8, f.match.max_cvss);
      vul.text(9, f.match.max_cvss_vector);
      vul.text(10, f.match.affected);
      vul.text(11, f.match.fixed_version.value_or(""));
      vul.i64(12, f.scored() ? 1 : 0);
      vul.text(13, f.suppression);
      vul.text(14, f.match.reason);
      ok = vul.step();
    }
  }
  if (!ok) {
    Status err = io_error(std::string("writing the assessment: ") + sqlite3_errmsg(db_));
    (void)exec("ROLLBACK");
    note(err);
    return err;
  }
  return exec("COMMIT");
}

Status SqliteStore::finish(const std::vector<inventory::Device>& devices, const RunInfo& run) {
  note(flush_alerts());
  note(flush_flows());
  if (Status s = exec("BEGIN"); !s.ok()) {
    note(s);
    return error_;
  }
  Stmt st(db_,
          "INSERT INTO devices(device_id, ip, ips, mac, first_seen, last_seen, flows, bytes, "
          "class, class_confidence, vendor, model, version, host_name, location, "
          "services_offered, services_used, roles, names, device_ids) "
          "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(device_id) DO UPDATE SET "
          "ip=coalesce(nullif(excluded.ip,''), ip), ips=excluded.ips, "
          "mac=coalesce(nullif(excluded.mac,''), mac), "
          "first_seen=min(first_seen, excluded.first_seen), "
          "last_seen=max(last_seen, excluded.last_seen), flows=flows+excluded.flows, "
          "bytes=bytes+excluded.bytes, class=excluded.class, "
          "class_confidence=excluded.class_confidence, "
          "vendor=coalesce(nullif(excluded.vendor,''), vendor), "
          "model=coalesce(nullif(excluded.model,''), model), "
          "version=coalesce(nullif(excluded.version,''), version), "
          "host_name=coalesce(nullif(excluded.host_name,''), host_name), "
          "location=coalesce(nullif(excluded.location,''), location), "
          "services_offered=excluded.services_offered, services_used=excluded.services_used, "
          "roles=excluded.roles, names=excluded.names, device_ids=excluded.device_ids");
  Stmt ev(db_,
          "INSERT INTO device_attributes(device_id, attribute, value, confidence, source, rule, "
          "raw, first_seen, last_seen, count) VALUES (?,?,?,?,?,?,?,?,?,?) "
          "ON CONFLICT(device_id, attribute, value, source, rule, raw) DO UPDATE SET "
          "confidence=max(confidence, excluded.confidence), "
          "first_seen=min(first_seen, excluded.first_seen), "
          "last_seen=max(last_seen, excluded.last_seen), count=count+excluded.count");
  bool ok = st.ok() && ev.ok();
  for (const inventory::Device& d : devices) {
    if (!ok) break;
    std::string ips;
    for (const auto& ip : d.ips) ips += (ips.empty() ? "" : ",") + ip.to_string();
    st.text(1, d.id);
    st.text(2, d.ips.empty() ? std::string() : d.ips.back().to_string());
    st.text(3, ips);
    st.text(4, d.mac.is_zero() ? std::string() : d.mac.to_string());
    st.real(5, secs(d.first_seen));
    st.real(6, secs(d.last_seen));
    st.i64(7, static_cast<std::int64_t>(d.flows));
    st.i64(8, static_cast<std::int64_t>(d.bytes));
    st.text(9, inventory::device_class_name(d.device_class()));
    st.i64(10, d.best_confidence(inventory::attr::kClass));
    st.text(11, d.vendor());
    st.text(12, d.model());
    st.text(13, d.version());
    st.text(14, d.best(inventory::attr::kHostName));
    st.text(15, d.best(inventory::attr::kLocation));
    st.text(16, join(d.services_offered));
    st.text(17, join(d.services_used));
    st.text(18, join(d.roles));
    st.text(19, join(d.names));
    st.text(20, join(d.device_ids));
    ok = st.step();
    for (const auto& [name, a] : d.attributes) {
      for (const auto& v : a.values) {
        for (const auto& e : v.evidence) {
          if (!ok) break;
          ev.text(1, d.id);
          ev.text(2, name);
          ev.text(3, v.value);
          ev.i64(4, e.confidence);
          ev.text(5, e.source);
          ev.text(6, e.rule);
          ev.text(7, e.raw);
          ev.real(8, secs(e.first_seen));
          ev.real(9, secs(e.last_seen));
          ev.i64(10, static_cast<std::int64_t>(e.count));
          ok = ev.step();
        }
      }
    }
  }
  Stmt upd(db_,
           "UPDATE runs SET packets=?, bytes=?, first_ts=?, last_ts=?, status=? WHERE run_id=?");
  if (ok && upd.ok()) {
    upd.i64(1, static_cast<std::int64_t>(run.packets));
    upd.i64(2, static_cast<std::int64_t>(run.bytes));
    upd.real(3, secs(run.first_ts));
    upd.real(4, secs(run.last_ts));
    upd.text(5, run.status);
    upd.i64(6, run_id_);
    ok = upd.step();
  }
  if (!ok) {
    note(io_error(std::string("writing devices and run: ") + sqlite3_errmsg(db_)));
    (void)exec("ROLLBACK");
    return error_;
  }
  note(exec("COMMIT"));
  return error_;
}

}  // namespace ward::storage
