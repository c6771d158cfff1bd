#include <algorithm>
#include <array>
#include <cmath>
#include <string>

#include "bus/anomaly.h"
#include "detect/netattack/netattack.h"
#include "flow/flow_events.h"
#include "parsers/mqtt/mqtt_events.h"

namespace ward::detect {
namespace {

using netattack::Episode;
using netattack::IpHash;
using netattack::LruMap;
using netattack::RateWindow;
using netattack::to_ns;

enum Kind : std::uint8_t { kSyn, kUdp, kIcmp, kMqttConnect, kMqttPublish, kMqttMalformed, kKinds };

struct KindInfo {
  std::string_view rule;
  std::string_view unit;  // what is counted
  Severity severity;
};
constexpr KindInfo kInfo[kKinds] = {
    {"ward.flood.syn", "SYNs", Severity::kHigh},
    {"ward.flood.udp", "UDP packets", Severity::kHigh},
    {"ward.flood.icmp", "ICMP echo requests", Severity::kHigh},
    {"ward.flood.mqtt_connect", "MQTT CONNECTs", Severity::kHigh},
    {"ward.flood.mqtt_publish", "MQTT PUBLISHes", Severity::kHigh},
    {"ward.flood.mqtt_malformed", "malformed MQTT packets", Severity::kMedium},
};

// What a flood is counted for: the victim, with the client for PUBLISH floods, the sender
// for malformed MQTT, the port for SYN floods (a SYN scan of many ports is not a flood).
struct Key {
  IpAddr host;
  IpAddr other;
  std::uint16_t port = 0;
  friend bool operator==(const Key&, const Key&) = default;
};
struct KeyHash {
  std::size_t operator()(const Key& k) const noexcept {
    return IpHash{}(k.host) * 31 + IpHash{}(k.other) * 7 + k.port;
  }
};

struct Target {
  RateWindow window;
  Episode episode;
};

bool is_malformed_mqtt(std::string_view id) {
  return id == "mqtt.malformed" || id == "mqtt.unassigned_msg_type" ||
         id.substr(0, 13) == "mqtt.invalid_";
}

// A TCP connection whose originator sent SYNs and never acknowledged anything.
bool syn_only(const flow::ConnRecord& r) {
  if (r.orig_bytes != 0) return false;
  bool syn = false;
  for (char c : r.history) {
    if (c == 'S') syn = true;
    if (c == 'A' || c == 'D' || c == 'F') return false;
  }
  return syn;
}

}  // namespace

struct FloodDetector::State {
  explicit State(std::size_t cap) {
    for (auto& t : tables) t = std::make_unique<LruMap<Key, Target, KeyHash>>(cap);
  }
  std::array<std::unique_ptr<LruMap<Key, Target, KeyHash>>, kKinds> tables;
};

FloodDetector::FloodDetector(const policy::Policy& policy, const bus::EventBus& bus,
                             DetectorStats& stats)
    : Detector(policy, bus, stats),
      s_(std::make_unique<State>(
          policy.limits.get("detect.max_tracked_sources", netattack::kDefaultMaxTracked))) {}

FloodDetector::~FloodDetector() = default;

void FloodDetector::on_finish() {
  std::uint64_t n = 0;
  for (const auto& t : s_->tables) n += t->evicted();
  netattack::report_forgotten(bus_, "flood targets", n);
}

namespace {
// UDP to a host that never answered (parsed protocols such as RTP and DNS are not counted:
// streams are one-way) or ICMP echo requests; kKinds for anything else.
Kind one_way_kind(const bus::EventContext& ctx, std::uint64_t resp_pkts) {
  if (ctx.proto == bus::Transport::kUdp && resp_pkts == 0 && ctx.service.empty()) return kUdp;
  if ((ctx.proto == bus::Transport::kIcmp && ctx.orig_p == 8) ||
      (ctx.proto == bus::Transport::kIcmp6 && ctx.orig_p == 128))
    return kIcmp;
  return kKinds;
}
}  // namespace

void FloodDetector::on_event(const bus::EventContext& ctx, const bus::Event& e) {
  const policy::Thresholds& t = policy_.thresholds;
  const TimeNs window = to_ns(t.flood_window_s);
  Kind kind = kKinds;
  Key key;
  IpAddr attacker;
  double weight = 1;
  if (bus::event_cast<flow::FlowStart>(e) != nullptr) {
    // The datagram that opens a UDP flow counts when it is seen. A flood that sends each
    // datagram from a new source port (hping3 --flood) makes one-packet flows, which would
    // otherwise count only when they expire, a UDP timeout after the flood. Whether the flow
    // will be answered is not known yet, so an opening request (a DNS query) counts too.
    if (ctx.proto != bus::Transport::kUdp || ctx.dir != bus::Direction::kToServer) return;
    kind = kUdp;
    key = {ctx.resp_h, {}, 0};
    attacker = ctx.orig_h;
  } else if (const auto* pr = bus::event_cast<flow::FlowProgress>(e)) {
    // A one-way UDP or ICMP flow still going: count its packets now, at this packet's time.
    // Of a UDP flow's first kEveryPackets, the opening datagram was counted at its start.
    kind = one_way_kind(ctx, pr->resp_pkts);
    const bool first_udp = kind == kUdp && pr->orig_pkts == flow::FlowProgress::kEveryPackets;
    weight = static_cast<double>(flow::FlowProgress::kEveryPackets - (first_udp ? 1 : 0));
    key = {ctx.resp_h, {}, 0};
    attacker = ctx.orig_h;
  } else if (const auto* r = bus::event_cast<flow::ConnRecord>(e)) {
    // A long record counts with its average rate over one window. Of a UDP or ICMP flow, the
    // progress events already counted the multiples of kEveryPackets (and of a UDP flow the
    // start its first datagram): only the rest remains.
    const double share =
        r->duration > window ? static_cast<double>(window) / static_cast<double>(r->duration) : 1;
    std::uint64_t pkts = r->orig_pkts;
    if (ctx.proto != bus::Transport::kTcp) {
      pkts = r->orig_pkts % flow::FlowProgress::kEveryPackets;
      // Unanswered, so the originator sent the opening datagram, counted at the start.
      if (ctx.proto == bus::Transport::kUdp && r->resp_pkts == 0 && pkts > 0 &&
          r->orig_pkts < flow::FlowProgress::kEveryPackets)
        --pkts;
    }
    weight = static_cast<double>(pkts) * share;
    if (ctx.proto == bus::Transport::kTcp && syn_only(*r)) {
      kind = kSyn;
      key = {ctx.resp_h, {}, ctx.resp_p};
    } else {
      kind = one_way_kind(ctx, r->resp_pkts);
      key = {ctx.resp_h, {}, 0};
    }
    attacker = ctx.orig_h;
  } else if (const auto* m = bus::event_cast<parsers::mqtt::MqttMessage>(e)) {
    if (ctx.dir != bus::Direction::kToServer) return;
    if (m->type == parsers::mqtt::PacketType::kConnect) {
      kind = kMqttConnect;
      key = {ctx.resp_h, {}, ctx.resp_p};
    } else if (m->type == parsers::mqtt::PacketType::kPublish) {
      kind = kMqttPublish;
      key = {ctx.resp_h, ctx.orig_h, ctx.resp_p};
    }
    attacker = ctx.orig_h;
  } else if (const auto* an = bus::event_cast<bus::AnomalyEvent>(e)) {
    if (!is_malformed_mqtt(an->id)) return;
    kind = kMqttMalformed;
    attacker = ctx.src_h();
    key = {ctx.dst_h(), attacker, 0};
  }
  if (kind == kKinds || weight <= 0) return;

  const double per_s[kKinds] = {t.flood_syn_per_s,          t.flood_udp_per_s,
                                t.flood_icmp_per_s,         t.flood_mqtt_connect_per_s,
                                t.flood_mqtt_publish_per_s, 0};
  // Rates are per second over the window; malformed MQTT is a count per window.
  const double limit =
      kind == kMqttMalformed ? t.flood_mqtt_malformed : per_s[kind] * t.flood_window_s;

  Target& target = s_->tables[kind]->touch(key);
  if (target.episode.extend(ctx.ts, weight, window)) return;
  const double total = target.window.add(ctx.ts, weight, window);
  if (total < limit) return;

  const KindInfo& info = kInfo[kind];
  const TimeNs first = target.window.first_ts();
  target.episode.start(first, ctx.ts, total);
  target.window.clear();

  AlertEvent a;
  a.rule = info.rule;
  a.severity = info.severity;
  a.technique = techniques::kDenialOfService;
  const std::string victim = key.host.to_string();
  a.alert_id =
      make_alert_id(a.rule, victim + "/" + key.other.to_string() + "/" + std::to_string(key.port),
                    format_ts(first));
  const std::string count = netattack::format_number(std::floor(total));
  if (kind == kMqttMalformed) {
    a.summary = count + " " + std::string(info.unit) + " from " + attacker.to_string() +
                " within " + netattack::format_number(t.flood_window_s) + " s";
  } else {
    a.summary = count + " " + std::string(info.unit) + " to " + victim +
                (key.port != 0 && kind == kSyn ? " port " + std::to_string(key.port) : "") +
                " within " + netattack::format_number(t.flood_window_s) + " s (limit " +
                netattack::format_number(per_s[kind]) + "/s)";
    a.evidence.emplace_back("rate_per_s", netattack::format_number(total / t.flood_window_s));
    a.evidence.emplace_back("limit_per_s", netattack::format_number(per_s[kind]));
  }
  a.evidence.emplace_back("count", count);
  a.evidence.emplace_back("victim", victim);
  if (key.port != 0) a.evidence.emplace_back("port", std::to_string(key.port));
  a.evidence.emplace_back("source_sampled", attacker.to_string());
  a.evidence.emplace_back("window_s", netattack::format_number(t.flood_window_s));
  a.evidence.emplace_back("first_ts", format_ts(first));
  a.evidence.emplace_back("last_ts", format_ts(ctx.ts));

  bus::EventContext actx = ctx;
  actx.orig_h = attacker;
  actx.resp_h = key.host;
  actx.dir = bus::Direction::kToServer;
  raise(actx, a);
}

}  // namespace ward::detect
