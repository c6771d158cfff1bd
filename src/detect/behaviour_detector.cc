#include "detect/behaviour_detector.h"

#include <algorithm>
#include <cmath>

#include "detect/segmentation_detector.h"
#include "flow/flow_events.h"

namespace ward::detect {
namespace {

enum Kind { kPeer = 0, kPort = 1, kProtocol = 2 };

constexpr TimeNs kMinute = 60 * kNsPerSec;
constexpr TimeNs kHour = 3600 * kNsPerSec;
constexpr std::uint16_t kEphemeralPorts = 32768;  // Linux's and RFC 6335's ranges start here
constexpr std::size_t kEvidenceItems = 20;

bool established(std::string_view conn_state) noexcept {
  return conn_state == "SF" || conn_state == "S1" || conn_state == "S2" || conn_state == "S3" ||
         conn_state == "RSTO" || conn_state == "RSTR";
}

// The device's learned set, for the evidence: at most kEvidenceItems, then how many in all.
std::string learned_text(const ItemSet& s) {
  if (s.items.empty()) return "(none)";
  std::string out;
  std::size_t n = 0;
  for (const std::string& item : s.items) {
    if (n == kEvidenceItems) {
      out += ", ... (" + std::to_string(s.items.size()) + " in all)";
      break;
    }
    out += (n++ == 0 ? "" : ", ") + item;
  }
  return out;
}

std::string_view kind_name(int kind) noexcept {
  return kind == kPeer ? "peer" : kind == kPort ? "port" : "protocol";
}

}  // namespace

BehaviourDetector::BehaviourDetector(const policy::Policy& policy, const bus::EventBus& bus,
                                     DetectorStats& stats, DeviceClassSource* classes,
                                     Baseline* baseline, bool learn_only)
    : Detector(policy, bus, stats),
      classes_(classes),
      baseline_(baseline != nullptr ? baseline : &own_),
      learn_only_(learn_only) {
  if (baseline_->loaded && !learn_only_) learning_ = false;
}

bool BehaviourDetector::tracked_host(const IpAddr& ip) const noexcept {
  return policy::is_unicast(ip) && !policy::is_public_unicast(ip);
}

bool BehaviourDetector::learnable(const IpAddr& ip, TimeNs now) {
  if (baseline_->devices.count(ip) != 0) return true;
  if (!tracked_host(ip)) return false;
  // Only hosts the inventory identified: spoofed sources of a flood are not devices.
  classes_->refresh(now, false);
  const std::string_view cls = classes_->device_class(ip);
  return !cls.empty() && cls != "unknown" && cls != "workstation" && cls != "network_gear";
}

void BehaviourDetector::on_event(const bus::EventContext& ctx, const bus::Event& e) {
  if (classes_ == nullptr || ctx.ts <= 0) return;
  last_ts_ = std::max(last_ts_, ctx.ts);
  if (first_ts_ == 0) {
    first_ts_ = ctx.ts;
    const double learn_s = std::min(policy_.thresholds.baseline_learn_s, 1e6);
    learn_end_ = ctx.ts + static_cast<TimeNs>(learn_s * static_cast<double>(kNsPerSec));
    if (!learning_) learn_end_ = ctx.ts;  // loaded: checking from the first packet
  }
  if (learning_ && !learn_only_ && ctx.ts >= learn_end_) end_learning(ctx.ts, false);
  switch (e.kind) {
    case bus::EventKind::kFlowStart:
      if (!policy::is_unicast(ctx.resp_h)) return;
      count(ctx, ctx.orig_h, false);
      count(ctx, ctx.resp_h, false);
      return;
    case bus::EventKind::kConnRecord:
      on_conn(ctx, e);
      return;
    case bus::EventKind::kHl7Message:
    case bus::EventKind::kMqttMessage:
    case bus::EventKind::kWsdMessage:
      count(ctx, ctx.src_h(), true);
      return;
    case bus::EventKind::kHttpTransaction:
    case bus::EventKind::kDicomCommand:
    case bus::EventKind::kRtspTransaction:
      count(ctx, ctx.orig_h, true);  // the requester
      return;
    default:
      return;
  }
}

void BehaviourDetector::on_finish() {
  if (classes_ == nullptr || !learning_) return;
  end_learning(last_ts_, true);
}

void BehaviourDetector::end_learning(TimeNs now, bool force_refresh) {
  learning_ = false;
  classes_->refresh(now, force_refresh);
  baseline_->learned_s += static_cast<double>(std::max<TimeNs>(now - first_ts_, 0)) / 1e9;
  for (auto it = baseline_->devices.begin(); it != baseline_->devices.end();) {
    if (it->second.device_class.empty()) {  // learned in this run: keep identified devices
      const std::string_view cls = classes_->device_class(it->first);
      // A device that completed no connection has nothing to compare with.
      if (cls.empty() || cls == "unknown" || cls == "workstation" || cls == "network_gear" ||
          it->second.peers.items.empty()) {
        it = baseline_->devices.erase(it);
        continue;
      }
      it->second.device_class = std::string(cls);
    }
    if (const auto m = minutes_.find(it->first); m != minutes_.end()) {
      it->second.max_flows_per_min = std::max(it->second.max_flows_per_min, m->second.flows);
      it->second.max_messages_per_min =
          std::max(it->second.max_messages_per_min, m->second.messages);
    }
    ++it;
  }
  for (auto it = minutes_.begin(); it != minutes_.end();)
    it = baseline_->devices.count(it->first) != 0 ? std::next(it) : minutes_.erase(it);
}

void BehaviourDetector::count(const bus::EventContext& ctx, const IpAddr& device, bool message) {
  if (!tracked_host(device)) return;
  auto dev = baseline_->devices.find(device);
  if (dev == baseline_->devices.end()) {
    if (!learning_ || !learnable(device, ctx.ts)) return;  // only baseline devices are checked
    if (baseline_->devices.size() >= Baseline::kMaxDevices) {
      ++baseline_->dropped;
      return;
    }
    dev = baseline_->devices.emplace(device, DeviceBaseline{}).first;
  }
  DeviceBaseline& d = dev->second;
  Minute& m = minutes_[device];
  const std::int64_t index = ctx.ts / kMinute;
  if (index > m.index) {
    if (learning_ && m.index >= 0) {
      d.max_flows_per_min = std::max(d.max_flows_per_min, m.flows);
      d.max_messages_per_min = std::max(d.max_messages_per_min, m.messages);
    }
    m = Minute{index, 0, 0};
  }
  std::uint64_t& n = message ? m.messages : m.flows;
  ++n;
  if (learning_ || ctx.ts < learn_end_) return;
  const std::uint64_t learned_max = message ? d.max_messages_per_min : d.max_flows_per_min;
  const double limit =
      std::max(policy_.thresholds.baseline_rate_factor * static_cast<double>(learned_max),
               policy_.thresholds.baseline_rate_floor);
  // Raised once, when the minute first goes over the limit.
  if (static_cast<double>(n) > limit && static_cast<double>(n - 1) <= limit)
    raise_spike(ctx, device, message, n, learned_max, limit);
}

void BehaviourDetector::on_conn(const bus::EventContext& ctx, const bus::Event& e) {
  const auto& conn = static_cast<const flow::ConnRecord&>(e);
  if (!policy::is_unicast(ctx.orig_h) || !policy::is_unicast(ctx.resp_h)) return;
  const bool answered = conn.resp_pkts > 0 && (ctx.proto != bus::Transport::kTcp ||
                                               established(conn.conn_state) || conn.resp_bytes > 0);
  const bool icmp = ctx.proto == bus::Transport::kIcmp || ctx.proto == bus::Transport::kIcmp6;
  const bool port_ok =
      ctx.parent_uid.empty() && ctx.service != "rtp" &&
      (icmp || (ctx.proto != bus::Transport::kNone && ctx.resp_p < kEphemeralPorts));
  std::string port(bus::transport_name(ctx.proto));
  if (ctx.proto == bus::Transport::kTcp || ctx.proto == bus::Transport::kUdp)
    port += "/" + std::to_string(ctx.resp_p);
  const std::string_view proto = policy::flow_protocol(ctx.service, ctx.proto, ctx.resp_p);
  for (const bool server : {false, true}) {
    if (server && !answered) continue;  // a probe the device never answered says nothing
    const IpAddr& device = server ? ctx.resp_h : ctx.orig_h;
    const IpAddr& peer = server ? ctx.orig_h : ctx.resp_h;
    if (!tracked_host(device)) continue;
    const std::string role = server ? "server " : "client ";
    observe(ctx, device, peer, kPeer, (server ? "in " : "out ") + peer.to_string());
    if (port_ok) observe(ctx, device, peer, kPort, role + port);
    if (!proto.empty()) observe(ctx, device, peer, kProtocol, role + std::string(proto));
  }
}

void BehaviourDetector::observe(const bus::EventContext& ctx, const IpAddr& device,
                                const IpAddr& peer, int kind, const std::string& item) {
  auto dev = baseline_->devices.find(device);
  if (learning_ || ctx.ts < learn_end_) {
    if (baseline_->loaded && !learn_only_) return;  // a loaded baseline is not extended
    if (dev == baseline_->devices.end()) {
      if (!learning_ || !learnable(device, ctx.ts)) return;
      if (baseline_->devices.size() >= Baseline::kMaxDevices) {
        ++baseline_->dropped;
        return;
      }
      dev = baseline_->devices.emplace(device, DeviceBaseline{}).first;
    }
    DeviceBaseline& d = dev->second;
    baseline_->add(kind == kPeer ? d.peers : kind == kPort ? d.ports : d.protocols, item);
    return;
  }
  if (dev == baseline_->devices.end()) return;
  const DeviceBaseline& d = dev->second;
  const ItemSet& set = kind == kPeer ? d.peers : kind == kPort ? d.ports : d.protocols;
  if (set.saturated || set.items.count(item) != 0) return;
  raise_new(ctx, device, peer, kind, item, d);
}

void BehaviourDetector::raise_new(const bus::EventContext& in, const IpAddr& device,
                                  const IpAddr& peer, int kind, const std::string& item,
                                  const DeviceBaseline& d) {
  AlertEvent a;
  a.rule = kind == kPeer ? "ward.behaviour.new_peer" : "ward.behaviour.new_service";
  a.technique = techniques::kRemoteServices;
  const bool server = item.starts_with("server ") || item.starts_with("in ");
  a.severity = kind != kPeer && server ? Severity::kMedium : Severity::kLow;
  const std::string dev = device.to_string();
  a.alert_id = make_alert_id(a.rule, "", dev + "|" + item);
  if (was_raised(a.alert_id)) return;

  // Bounded: per device (a device gone rogue is one story) and per new peer (a host sweeping
  // the network is one story, told by the scan detector).
  if (per_device_alerts_.size() >= Baseline::kMaxDevices) per_device_alerts_.clear();
  if (per_peer_alerts_.size() >= Baseline::kMaxDevices) per_peer_alerts_.clear();
  std::size_t& n_dev = per_device_alerts_[dev];
  std::size_t* n_peer = kind == kPeer ? &per_peer_alerts_[peer.to_string()] : nullptr;
  if (n_dev > kMaxAlertsPerDevice || (n_peer != nullptr && *n_peer > kMaxAlertsPerPeer)) return;
  const bool dev_full = n_dev == kMaxAlertsPerDevice;
  const bool peer_full = n_peer != nullptr && *n_peer == kMaxAlertsPerPeer;

  const std::string cls = d.device_class.empty() ? "device" : d.device_class;
  const ItemSet& set = kind == kPeer ? d.peers : kind == kPort ? d.ports : d.protocols;
  if (dev_full) {
    a.alert_id = make_alert_id(a.rule, "", "more|" + dev);
    a.summary = cls + " " + dev + " keeps departing from its baseline; after " +
                std::to_string(kMaxAlertsPerDevice) +
                " alerts, further ones for this device are not raised one by one";
  } else if (peer_full) {
    a.alert_id = make_alert_id(a.rule, "", "more-peer|" + peer.to_string());
    a.summary = peer.to_string() + " is a new peer of many devices; after " +
                std::to_string(kMaxAlertsPerPeer) +
                " alerts, further ones naming it are not raised one by one";
  } else if (kind == kPeer) {
    a.summary = cls + " " + dev + (server ? " was reached by " : " connected to ") +
                peer.to_string() + ", a peer not in its baseline (" +
                std::to_string(set.items.size()) + " learned)";
  } else {
    a.summary = cls + " " + dev + (server ? " serves " : " uses ") +
                item.substr(item.find(' ') + 1) + (server ? " to " : " with ") + peer.to_string() +
                ", a " + std::string(kind_name(kind)) + " not in its baseline";
  }
  bus::EventContext ctx = in;
  ctx.dir = bus::Direction::kToServer;
  a.src_role = server ? "peer" : "device";
  a.dst_role = server ? "device" : "peer";
  a.evidence.emplace_back("device_class", cls);
  a.evidence.emplace_back("new", item);
  a.evidence.emplace_back("learned", learned_text(set));
  a.evidence.emplace_back("learned_s", std::to_string(std::llround(baseline_->learned_s)));
  if (raise(ctx, a)) {
    ++n_dev;
    if (n_peer != nullptr) ++*n_peer;
  }
}

void BehaviourDetector::raise_spike(const bus::EventContext& in, const IpAddr& device, bool message,
                                    std::uint64_t n, std::uint64_t learned_max, double limit) {
  const std::string dev = device.to_string();
  std::size_t& n_dev = per_device_alerts_[dev];
  if (n_dev >= kMaxAlertsPerDevice) return;
  const DeviceBaseline& d = baseline_->devices.at(device);
  AlertEvent a;
  a.rule = "ward.behaviour.rate_spike";
  a.technique = techniques::kDenialOfService;
  a.severity = Severity::kMedium;
  const std::string what = message ? "application messages" : "flows";
  a.alert_id = make_alert_id(a.rule, "",
                             dev + "|" + what + "|" + std::to_string(in.ts / kHour));  // hourly
  const std::string cls = d.device_class.empty() ? "device" : d.device_class;
  a.summary =
      cls + " " + dev + " has " + std::to_string(n) + " " + what +
      " in a minute, over its baseline (busiest learned minute: " + std::to_string(learned_max) +
      ")";
  bus::EventContext ctx = in;
  a.src_role = "device";
  a.evidence.emplace_back("device_class", cls);
  a.evidence.emplace_back("rate", what + " per minute");
  a.evidence.emplace_back("count", std::to_string(n));
  a.evidence.emplace_back("learned_max", std::to_string(learned_max));
  a.evidence.emplace_back("limit", std::to_string(std::llround(std::floor(limit))));
  a.evidence.emplace_back("learned_s", std::to_string(std::llround(baseline_->learned_s)));
  if (raise(ctx, a)) ++n_dev;
}

}  // namespace ward::detect
