#include "engine/monitor.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>

#include "bus/anomaly.h"
#include "bus/anomaly_log.h"
#include "bus/bus.h"
#include "common/phi_hash.h"
#include "decode/decode_events.h"
#include "detect/alert.h"
#include "detect/alert_log.h"
#include "detect/baseline.h"
#include "detect/detector.h"
#include "detect/eve_log.h"
#include "detect/segmentation_detector.h"
#include "engine/observed_device.h"
#include "flow/conn_log.h"
#include "flow/flow_events.h"
#include "inventory/device_tracker.h"
#include "inventory/identify.h"
#include "inventory/inventory_report.h"
#include "parsers/registry.h"
#include "policy/policy.h"
#include "storage/jsonl_sink.h"
#include "storage/sqlite_store.h"

namespace ward::engine {
namespace {

constexpr std::string_view kFlowKeys[] = {
    "flow.max_flows",
    "flow.tcp_idle_timeout_s",
    "flow.tcp_closed_timeout_s",
    "flow.udp_idle_timeout_s",
    "flow.other_idle_timeout_s",
    "flow.active_timeout_s",
    "flow.tcp_max_held_bytes",
    "flow.tcp_max_held_segments",
    "flow.probe_bytes",
    "flow.udp_probe_datagrams",
    "flow.max_expected_flows",
    "flow.expected_flow_timeout_s",
    "stream.max_pending_bytes",
    "decode.max_fragment_bytes",
    "decode.max_fragment_datagrams",
    "decode.fragment_timeout_s",
    "inventory.max_devices",
    "inventory.max_values_per_attribute",
    "inventory.max_evidence_per_value",
    "inventory.max_ips_per_device",
    "inventory.router_ip_threshold",
    "detect.max_tracked_sources",
};

// Counts what the summary shows: flows per service and alerts by severity.
class SummaryCollector final : public bus::Subscriber {
 public:
  void on_event(const bus::EventContext& ctx, const bus::Event& e) override {
    if (const auto* conn = bus::event_cast<flow::ConnRecord>(e); conn != nullptr) {
      if (!conn->partial) {
        // Flows of IP protocols other than TCP, UDP and ICMP (IGMP, GRE, ...): Zeek's
        // "unknown_transport".
        const std::string transport = ctx.proto == bus::Transport::kNone
                                          ? std::string("unknown_transport")
                                          : std::string(bus::transport_name(ctx.proto));
        ++services[ctx.service.empty() ? transport + " (other)" : std::string(ctx.service)];
      }
      return;
    }
    const auto* a = bus::event_cast<detect::AlertEvent>(e);
    if (a == nullptr) return;
    ++by_severity[static_cast<std::size_t>(a->severity)];
    // One line per rule: the first occurrence, with the count (rules are few: bounded).
    auto [it, fresh] = by_rule.try_emplace(std::string(a->rule));
    if (fresh) {
      it->second = AlertLine{std::string(detect::severity_name(a->severity)),
                             std::string(a->rule),
                             a->summary,
                             ctx.src_h().to_string(),
                             ctx.dst_h().to_string(),
                             std::string(ctx.uid),
                             std::string(a->technique.id),
                             static_cast<int>(a->severity),
                             ctx.ts,
                             0};
    }
    ++it->second.count;
  }
  [[nodiscard]] std::vector<AlertLine> top() const {
    std::vector<AlertLine> out;
    for (const auto& [rule, line] : by_rule) out.push_back(line);
    std::stable_sort(out.begin(), out.end(), [](const AlertLine& x, const AlertLine& y) {
      return x.rank != y.rank ? x.rank > y.rank : x.ts < y.ts;
    });
    if (out.size() > 10) out.resize(10);
    return out;
  }

  std::map<std::string, std::uint64_t> services;
  std::array<std::uint64_t, 5> by_severity{};
  std::map<std::string, AlertLine> by_rule;
};

// Hands every alert to MonitorOptions::on_alert with the capture clock.
class AlertTap final : public bus::Subscriber {
 public:
  AlertTap(const MonitorOptions& o, const TimeNs& clock) : o_(o), clock_(clock) {}
  void on_event(const bus::EventContext& ctx, const bus::Event& e) override {
    if (const auto* a = bus::event_cast<detect::AlertEvent>(e); a != nullptr)
      o_.on_alert(ctx, *a, std::max(clock_, ctx.ts));
  }

 private:
  const MonitorOptions& o_;
  const TimeNs& clock_;
};

// The inventory's device classes by address, for the segmentation, clinical, camera and privacy
// checks: a snapshot of the tracker taken at most every 5 s of packet time (and at the end of
// input), so a device identified by its first messages is known to the checks seconds later.
class InventoryClasses final : public detect::DeviceClassSource {
 public:
  explicit InventoryClasses(const inventory::DeviceTracker& t) : tracker_(t) {}
  void refresh(TimeNs now, bool force) override {
    if (!force && built_ && now - built_at_ < 5 * kNsPerSec) return;
    built_ = true;
    built_at_ = now;
    by_ip_.clear();
    for (const inventory::Device& d : tracker_.snapshot()) {
      const inventory::DeviceClass c = d.device_class();
      if (c == inventory::DeviceClass::kUnknown) continue;
      for (const IpAddr& ip : d.ips) by_ip_[ip] = inventory::device_class_name(c);
    }
  }
  [[nodiscard]] std::string_view device_class(const IpAddr& ip) const override {
    const auto it = by_ip_.find(ip);
    return it == by_ip_.end() ? std::string_view("unknown") : it->second;
  }

 private:
  const inventory::DeviceTracker& tracker_;
  std::map<IpAddr, std::string_view> by_ip_;  // names are static (device_class_name)
  TimeNs built_at_ = 0;
  bool built_ = false;
};

TimeNs seconds_limit(const parsers::LimitOverrides& l, std::string_view key, TimeNs fallback) {
  return static_cast<TimeNs>(l.get(key, static_cast<std::uint64_t>(fallback / kNsPerSec))) *
         kNsPerSec;
}

std::uint64_t peak_rss_kib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<std::uint64_t>(ru.ru_maxrss);
}

}  // namespace

bool is_known_limit_key(std::string_view key) {
  for (std::string_view k : kFlowKeys)
    if (k == key) return true;
  for (const parsers::ParserSpec* p : parsers::all_parsers()) {
    if (key.size() > p->name.size() + 1 && key.substr(0, p->name.size()) == p->name &&
        key[p->name.size()] == '.')
      return true;
  }
  return false;
}

Result<MonitorReport> run_monitor(const MonitorOptions& o,
                                  std::atomic<capture::PacketSource*>* active_source) {
  MonitorReport report;
  if (o.read_path.empty() == o.interface.empty())
    return unexpected(invalid_argument("give exactly one of --read FILE or --interface NAME"));

  // Policy and limits.
  policy::Policy policy;
  if (!o.policy_path.empty()) {
    auto p = policy::load_policy(o.policy_path);
    if (!p.ok()) return unexpected(p.error());
    policy = std::move(*p);
  }
  report.policy_path = o.policy_path;
  parsers::LimitOverrides limits = policy.limits;
  for (const auto& [k, v] : o.limits) limits.set(k, v);
  policy.limits = limits;  // detectors read their limits (detect.*) from the policy
  for (const auto& [k, v] : limits.all()) {
    if (!is_known_limit_key(k))
      return unexpected(invalid_argument("unknown limit '" + k + "' (see docs/limits.md)"));
  }

  // The advisory corpus, loaded before the first packet so a bad one fails early.
  std::optional<vuln::LoadedCorpus> corpus;
  if (o.vuln) {
    auto c = vuln::load_corpus(*o.vuln);
    if (!c.ok()) return unexpected(c.error());
    corpus = std::move(*c);
    for (const std::string& w : corpus->warnings) report.warnings.push_back("advisories: " + w);
  }

  // Input.
  std::unique_ptr<capture::PacketSource> source;
  if (!o.read_path.empty()) {
    auto s = capture::open_file(o.read_path, o.bpf_filter);
    if (!s.ok()) return unexpected(s.error());
    source = std::move(*s);
  } else {
    auto s = capture::open_live({.interface = o.interface, .bpf_filter = o.bpf_filter});
    if (!s.ok()) return unexpected(s.error());
    source = std::move(*s);
    if (o.on_listening) o.on_listening(o.interface);
  }
  report.source = source->describe();

  // Outputs.
  std::unique_ptr<storage::JsonlSink> logs;
  if (!o.out_dir.empty()) {
    auto s = storage::JsonlSink::open(o.out_dir);
    if (!s.ok()) return unexpected(s.error());
    logs = std::move(*s);
  }
  std::unique_ptr<storage::SqliteStore> store;
  if (!o.db_path.empty()) {
    auto s = storage::SqliteStore::open(o.db_path, report.source);
    if (!s.ok()) return unexpected(s.error());
    store = std::move(*s);
    report.db_path = o.db_path;
  }
  parsers::LogOptions log_options;
  log_options.payload_excerpt_bytes = o.payload_excerpt_bytes;
  log_options.phi_json_fields = policy.phi_json_fields;
  log_options.limits = limits;
  {
    std::string key_path = o.phi_key_path;
    if (key_path.empty()) {
      const std::string base = !o.db_path.empty()
                                   ? std::filesystem::path(o.db_path).parent_path().string()
                               : !o.out_dir.empty() ? o.out_dir
                                                    : std::string(".");
      key_path = (base.empty() ? std::string(".") : base) + "/ward-phi.key";
    }
    if (o.ephemeral_phi_key && o.out_dir.empty() && o.db_path.empty()) {
      // Nothing is written: the hashes never leave the process, so any fixed key will do.
      log_options.phi_key = std::string(32, '\x5a');
    } else {
      auto key = load_or_create_phi_key(key_path);
      if (!key.ok()) return unexpected(key.error());
      log_options.phi_key = std::move(*key);
    }
  }

  // The bus and its subscribers. Detectors come before the sinks so that the alerts they raise
  // while handling an event are written right after it.
  bus::EventBus bus;
  detect::DetectorStats detector_stats;
  std::unique_ptr<inventory::Identification> identification;
  std::unique_ptr<inventory::DeviceTracker> own_tracker;
  if (o.tracker == nullptr) {
    auto id = inventory::load_identification("", o.fingerprints_path, o.oui_path);
    if (!id.ok()) return unexpected(id.error());
    identification = std::move(*id);
    report.warnings = identification->warnings;
    inventory::TrackerOptions to = identification->tracker_options();
    auto size_limit = [&limits](std::string_view key, std::size_t fallback) {
      return static_cast<std::size_t>(
          std::min<std::uint64_t>(limits.get(key, fallback), std::uint64_t{1} << 24));
    };
    to.max_devices = size_limit("inventory.max_devices", to.max_devices);
    to.max_values_per_attribute =
        size_limit("inventory.max_values_per_attribute", to.max_values_per_attribute);
    to.max_evidence_per_value =
        size_limit("inventory.max_evidence_per_value", to.max_evidence_per_value);
    to.max_ips_per_device = size_limit("inventory.max_ips_per_device", to.max_ips_per_device);
    to.router_ip_threshold = size_limit("inventory.router_ip_threshold", to.router_ip_threshold);
    own_tracker = std::make_unique<inventory::DeviceTracker>(to);
  }
  inventory::DeviceTracker& devices = o.tracker != nullptr ? *o.tracker : *own_tracker;
  InventoryClasses classes(devices);
  std::vector<std::unique_ptr<bus::Subscriber>> detectors;
  detect::Baseline own_baseline;
  detect::Baseline& baseline = o.baseline != nullptr ? *o.baseline : own_baseline;
  const std::uint64_t baseline_dropped = baseline.dropped;
  if (o.detect)
    detectors = detect::make_detectors(policy, bus, detector_stats, &classes,
                                       {.baseline = &baseline, .learn_only = o.baseline_learn});
  for (auto& d : detectors) bus.subscribe(*d);
  bus.subscribe(devices);
  for (bus::Subscriber* extra : o.subscribers) bus.subscribe(*extra);
  SummaryCollector summary;
  bus.subscribe(summary);
  TimeNs packet_clock = 0;  // the capture time of the packet being processed
  std::optional<AlertTap> alert_tap;
  if (o.on_alert) bus.subscribe(alert_tap.emplace(o, packet_clock));
  std::vector<std::unique_ptr<bus::Subscriber>> writers;
  if (logs) {
    writers.push_back(std::make_unique<flow::ConnLog>(*logs));
    writers.push_back(std::make_unique<detect::AlertLog>(*logs));
    writers.push_back(std::make_unique<detect::EveAlertLog>(*logs));
    for (const parsers::ParserSpec* p : parsers::all_parsers())
      if (p->make_log != nullptr) writers.push_back(p->make_log(*logs, log_options));
  }
  // The anomaly log also keeps the counts for the summary, so it exists without logs too.
  struct NullSink : bus::LogSink {
    void write(std::string_view, std::string_view) override {}
  } null_sink;
  bus::AnomalyLog anomaly_log(logs ? static_cast<bus::LogSink&>(*logs) : null_sink);
  for (auto& w : writers) bus.subscribe(*w);
  bus.subscribe(anomaly_log);
  if (store) bus.subscribe(*store);

  // Parsers and the flow table.
  std::vector<flow::ParserBinding> bindings;
  for (const parsers::ParserSpec* p : parsers::all_parsers())
    bindings.push_back({p, p->configure(limits)});
  flow::Config fc;
  fc.max_flows = limits.get("flow.max_flows", fc.max_flows);
  fc.tcp_idle_timeout = seconds_limit(limits, "flow.tcp_idle_timeout_s", fc.tcp_idle_timeout);
  fc.tcp_closed_timeout = seconds_limit(limits, "flow.tcp_closed_timeout_s", fc.tcp_closed_timeout);
  fc.udp_idle_timeout = seconds_limit(limits, "flow.udp_idle_timeout_s", fc.udp_idle_timeout);
  fc.other_idle_timeout = seconds_limit(limits, "flow.other_idle_timeout_s", fc.other_idle_timeout);
  fc.active_timeout = seconds_limit(limits, "flow.active_timeout_s", fc.active_timeout);
  fc.tcp.max_held_bytes =
      static_cast<std::uint32_t>(limits.get("flow.tcp_max_held_bytes", fc.tcp.max_held_bytes));
  fc.tcp.max_held_segments = static_cast<std::uint32_t>(
      limits.get("flow.tcp_max_held_segments", fc.tcp.max_held_segments));
  fc.probe_bytes = static_cast<std::uint32_t>(limits.get("flow.probe_bytes", fc.probe_bytes));
  fc.udp_probe_datagrams = static_cast<std::uint32_t>(
      std::min<std::uint64_t>(limits.get("flow.udp_probe_datagrams", fc.udp_probe_datagrams), 255));
  fc.max_expected_flows = static_cast<std::uint32_t>(std::min<std::uint64_t>(
      limits.get("flow.max_expected_flows", fc.max_expected_flows), 1 << 20));
  fc.expected_flow_timeout =
      seconds_limit(limits, "flow.expected_flow_timeout_s", fc.expected_flow_timeout);
  fc.stream.max_pending_bytes = static_cast<std::uint32_t>(
      limits.get("stream.max_pending_bytes", fc.stream.max_pending_bytes));
  if (o.uid_seed) {
    fc.uid_seed = *o.uid_seed;
  } else {
    fc.uid_seed =
        static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
        (static_cast<std::uint64_t>(::getpid()) << 32);
  }
  flow::FlowTable table(fc, bus, bindings);

  decode::Limits dl;
  dl.max_fragment_bytes = limits.get("decode.max_fragment_bytes", dl.max_fragment_bytes);
  dl.max_fragment_datagrams = static_cast<std::uint32_t>(
      limits.get("decode.max_fragment_datagrams", dl.max_fragment_datagrams));
  dl.fragment_timeout = seconds_limit(limits, "decode.fragment_timeout_s", dl.fragment_timeout);
  decode::Decoder decoder(dl, [&bus](std::string_view id, const decode::Packet& p) {
    bus::EventContext ctx;
    ctx.ts = p.ts;
    ctx.orig_h = p.src;
    ctx.resp_h = p.dst;
    ctx.orig_p = p.src_port;
    ctx.resp_p = p.dst_port;
    bus.anomaly(ctx, id, "packet " + std::to_string(p.number));
  });

  // The packet loop.
  const auto started = std::chrono::steady_clock::now();
  if (active_source != nullptr) active_source->store(source.get());
  const int link = source->link_type();
  capture::RawPacket raw;
  decode::Packet pkt;
  for (;;) {
    if (o.max_packets != 0 && report.packets >= o.max_packets) break;
    auto r = source->next(raw);
    if (!r.ok()) {
      report.input_error = r.error();
      break;
    }
    if (!*r) break;
    ++report.packets;
    report.bytes += raw.caplen;
    if (report.first_ts == 0 || raw.ts < report.first_ts) report.first_ts = raw.ts;
    report.last_ts = std::max(report.last_ts, raw.ts);
    packet_clock = report.last_ts;
    const auto res = decoder.decode(link, raw.ts, raw.wirelen, raw.data, pkt);
    if (res != decode::DecodeResult::kOk) continue;
    pkt.number = raw.number;
    if (pkt.l3 == decode::L3::kIpv4 || pkt.l3 == decode::L3::kIpv6) {
      table.process(pkt);
    } else if (pkt.l3 == decode::L3::kArp) {
      decode::ArpEvent arp;
      arp.op = pkt.arp_op;
      arp.sha = pkt.arp_sha;
      arp.spa = pkt.arp_spa;
      arp.tha = pkt.arp_tha;
      arp.tpa = pkt.arp_tpa;
      bus::EventContext ctx;
      ctx.ts = pkt.ts;
      ctx.orig_h = pkt.arp_spa;
      ctx.resp_h = pkt.arp_tpa;
      ctx.orig_mac = pkt.src_mac;
      ctx.resp_mac = pkt.dst_mac;
      bus.publish(ctx, arp);
    }
  }
  if (active_source != nullptr) active_source->store(nullptr);

  // Drain: end every flow (parsers flush their transactions), then finish the sinks.
  table.flush_all();
  {
    // The inventory's limits: one anomaly each with the count (docs/limits.md).
    const inventory::TrackerStats& st = devices.stats();
    bus::EventContext ctx;
    ctx.ts = report.last_ts;
    if (st.devices_dropped > 0)
      bus.anomaly(ctx, "inventory.device_limit",
                  std::to_string(st.devices_dropped) +
                      " device records not created (inventory.max_devices)");
    if (st.values_dropped > 0)
      bus.anomaly(ctx, "inventory.value_limit",
                  std::to_string(st.values_dropped) +
                      " attribute values not kept (inventory.max_values_per_attribute)");
    if (st.evidence_dropped > 0)
      bus.anomaly(ctx, "inventory.evidence_limit",
                  std::to_string(st.evidence_dropped) +
                      " evidence entries not kept (inventory.max_evidence_per_value)");
  }
  bus.finish();

  report.capture = source->stats();
  report.decode = decoder.stats();
  report.flows = table.stats();
  report.services = summary.services;
  report.anomalies = anomaly_log.counts();
  report.alerts_by_severity = summary.by_severity;
  report.top_alerts = summary.top();
  report.alerts_suppressed = detector_stats.suppressed;
  if (baseline.dropped > baseline_dropped)
    report.warnings.push_back(
        "behaviour baseline: " + std::to_string(baseline.dropped - baseline_dropped) +
        " peers, ports, protocols or devices not kept (caps reached: " +
        std::to_string(detect::Baseline::kMaxItems) + " per set, " +
        std::to_string(detect::Baseline::kMaxDevices) + " devices)");
  if (own_tracker) report.inventory = devices.snapshot();
  report.devices = own_tracker ? report.inventory.size() : devices.snapshot().size();
  report.inventory_stats = devices.stats();
  if (logs) {
    // The device log: one record per device at the end of the run.
    for (const auto& d : report.inventory) logs->write("device", inventory::device_log_line(d));
  }
  if (corpus && own_tracker) {
    const std::vector<vuln::ObservedDevice> observed = observe_devices(report.inventory, &policy);
    const vuln::FleetAssessment fleet =
        vuln::assess_devices(observed, *corpus->matcher, corpus->sboms);
    report.vuln_assessed = true;
    report.vuln_unidentified = fleet.unidentified;
    std::string line;
    for (const vuln::DeviceAssessment& a : fleet.devices) {
      RiskLine r{a.device->id,
                 a.device->ip,
                 std::string(vuln::device_class_name(a.device->device_class)),
                 a.device->identity.vendor,
                 a.device->identity.model,
                 a.device->identity.version,
                 a.risk.score,
                 std::string(a.risk.level),
                 {}};
      for (const vuln::Finding& f : a.findings)
        if (f.scored()) r.advisories.push_back(f.match.advisory_id);
      report.risks.push_back(std::move(r));
      if (logs) {
        line.clear();
        JsonWriter w(line);
        vuln::write_assessment_json(w, a);
        logs->write("vuln", line);
      }
    }
    if (store) {
      if (Status s = store->write_assessment(fleet); !s.ok() && report.output_error.ok())
        report.output_error = s;
    }
  }

  if (store) {
    storage::RunInfo run{
        report.source,  report.packets,
        report.bytes,   report.first_ts,
        report.last_ts, report.input_error.ok() ? "ok" : report.input_error.message()};
    if (Status s = store->finish(report.inventory, run); !s.ok() && report.output_error.ok())
      report.output_error = s;
  }
  if (logs) {
    if (Status s = logs->close(); !s.ok() && report.output_error.ok()) report.output_error = s;
    for (const auto& [name, info] : logs->files()) report.logs[name] = {info.path, info.lines};
  }
  report.elapsed_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  report.peak_rss_kib = peak_rss_kib();
  return report;
}

}  // namespace ward::engine
