#include <algorithm>
#include <optional>
#include <set>
#include <string>

#include "decode/decode_events.h"
#include "decode/packet.h"
#include "detect/netattack/netattack.h"
#include "flow/flow_events.h"

namespace ward::detect {
namespace {

using netattack::Episode;
using netattack::IpHash;
using netattack::LruMap;
using netattack::to_ns;

enum class ProbeKind : std::uint8_t { kSyn, kFin, kNull, kXmas, kUdp, kIcmpEcho, kArp };
constexpr std::string_view kProbeNames[] = {"SYN", "FIN",       "NULL", "XMAS",
                                            "UDP", "ICMP_ECHO", "ARP"};

struct Probe {
  TimeNs ts = 0;
  IpAddr dst;
  std::uint16_t port = 0;
  bus::Transport proto = bus::Transport::kNone;
  ProbeKind kind = ProbeKind::kSyn;
};

// The probes of one source within the window, unique per (dst, proto, port), at most
// kMaxProbes (the oldest go first).
struct Source {
  static constexpr std::size_t kMaxProbes = 4096;
  std::deque<Probe> probes;
  TimeNs newest = 0;
  Episode episode;
};

// Multicast, limited broadcast or (a guess) a subnet broadcast: no one is expected to answer.
bool is_group(const IpAddr& a) {
  if (a.is_v4()) {
    const std::uint32_t v = a.v4_host_order();
    return (v >> 28) == 0xE || (v & 0xFF) == 0xFF;
  }
  return a.bytes[0] == 0xFF;
}

// The first-packet flags of a stealth probe, or nothing (RFC 793 §3.9: a segment without
// SYN, ACK or RST opens no connection; nmap's -sF, -sN, -sX).
std::optional<ProbeKind> stealth_kind(std::uint8_t flags) {
  if ((flags & (decode::kTcpSyn | decode::kTcpAck | decode::kTcpRst)) != 0) return std::nullopt;
  const std::uint8_t rest = flags & (decode::kTcpFin | decode::kTcpPsh | decode::kTcpUrg);
  if (rest == 0) return ProbeKind::kNull;
  if (rest == decode::kTcpFin) return ProbeKind::kFin;
  if (rest == (decode::kTcpFin | decode::kTcpPsh | decode::kTcpUrg)) return ProbeKind::kXmas;
  return std::nullopt;
}

// A SYN that got no connection: refused, unanswered, or reset by the prober itself right
// after the SYN-ACK (a half-open scan of an open port); no data either way.
bool failed_syn(const flow::ConnRecord& r) {
  if (r.history.empty() || r.history[0] != 'S') return false;
  if (r.orig_bytes != 0 || r.resp_bytes != 0) return false;
  for (std::string_view s : {"S0", "REJ", "RSTOS0", "RSTO", "RSTR"})
    if (r.conn_state == s) return true;
  return false;
}

std::string join_sample(std::vector<std::string> v, std::size_t max) {
  std::string out;
  for (std::size_t i = 0; i < v.size() && i < max; ++i) out += (i == 0 ? "" : ",") + v[i];
  if (v.size() > max) out += ",...";
  return out;
}

}  // namespace

struct ScanDetector::State {
  explicit State(std::size_t cap) : port_scans(cap), ping_sweeps(cap) {}
  LruMap<IpAddr, Source, IpHash> port_scans;
  LruMap<IpAddr, Source, IpHash> ping_sweeps;
};

ScanDetector::ScanDetector(const policy::Policy& policy, const bus::EventBus& bus,
                           DetectorStats& stats)
    : Detector(policy, bus, stats),
      s_(std::make_unique<State>(
          policy.limits.get("detect.max_tracked_sources", netattack::kDefaultMaxTracked))) {}

ScanDetector::~ScanDetector() = default;

void ScanDetector::on_finish() {
  netattack::report_forgotten(bus_, "scan sources",
                              s_->port_scans.evicted() + s_->ping_sweeps.evicted());
}

void ScanDetector::on_event(const bus::EventContext& ctx, const bus::Event& e) {
  const policy::Thresholds& t = policy_.thresholds;
  const TimeNs window = to_ns(t.scan_window_s);
  std::optional<Probe> probe;
  std::optional<IpAddr> src_override;  // ARP: the sender protocol address
  bool ping = false;
  if (const auto* fs = bus::event_cast<flow::FlowStart>(e)) {
    if (ctx.dir != bus::Direction::kToServer) return;
    if (ctx.proto == bus::Transport::kTcp) {
      if (auto k = stealth_kind(fs->tcp_flags))
        probe = Probe{ctx.ts, ctx.resp_h, ctx.resp_p, ctx.proto, *k};
    } else if ((ctx.proto == bus::Transport::kIcmp && ctx.orig_p == 8) ||
               (ctx.proto == bus::Transport::kIcmp6 && ctx.orig_p == 128)) {
      if (!is_group(ctx.resp_h)) {
        probe = Probe{ctx.ts, ctx.resp_h, 0, ctx.proto, ProbeKind::kIcmpEcho};
        ping = true;
      }
    }
  } else if (const auto* arp = bus::event_cast<decode::ArpEvent>(e)) {
    // On its own segment a sweep is ARP (nmap -sn, arp-scan): who-has for many addresses.
    // Probes (sender 0.0.0.0) and gratuitous ARP (target = sender) are not sweeps.
    if (arp->op != 1 || !arp->spa.is_v4() || arp->spa.v4_host_order() == 0 || arp->spa == arp->tpa)
      return;
    probe = Probe{ctx.ts, arp->tpa, 0, bus::Transport::kNone, ProbeKind::kArp};
    ping = true;
    src_override = arp->spa;
  } else if (const auto* r = bus::event_cast<flow::ConnRecord>(e)) {
    if (r->partial) return;
    if (ctx.proto == bus::Transport::kTcp && failed_syn(*r)) {
      probe = Probe{ctx.ts, ctx.resp_h, ctx.resp_p, ctx.proto, ProbeKind::kSyn};
    } else if (ctx.proto == bus::Transport::kUdp && r->conn_state == "S0" && r->resp_pkts == 0 &&
               r->orig_pkts <= 3 && !is_group(ctx.resp_h) &&
               (r->history.empty() || r->history[0] != '^')) {
      probe = Probe{ctx.ts, ctx.resp_h, ctx.resp_p, ctx.proto, ProbeKind::kUdp};
    }
  }
  if (!probe) return;

  const IpAddr& src = src_override ? *src_override : ctx.orig_h;
  Source& s = ping ? s_->ping_sweeps.touch(src) : s_->port_scans.touch(src);
  if (s.episode.extend(probe->ts, 1, window)) return;
  s.newest = std::max(s.newest, probe->ts);
  while (!s.probes.empty() && s.probes.front().ts < s.newest - window) s.probes.pop_front();
  for (const Probe& p : s.probes)
    if (p.dst == probe->dst && p.port == probe->port && (ping || p.proto == probe->proto)) return;
  s.probes.push_back(*probe);
  if (s.probes.size() > Source::kMaxProbes) s.probes.pop_front();

  // Distinct ports of this host, distinct hosts on this port (probes are unique per pair).
  std::vector<const Probe*> same_host, same_port;
  for (const Probe& p : s.probes) {
    if (p.dst == probe->dst) same_host.push_back(&p);
    // A ping sweep counts hosts however they were probed (ICMP echo or ARP).
    if (p.port == probe->port && (ping || p.proto == probe->proto)) same_port.push_back(&p);
  }
  const auto hosts_on_port = static_cast<double>(same_port.size());
  const bool vertical = !ping && static_cast<double>(same_host.size()) >= t.scan_distinct_ports;
  const bool horizontal =
      !vertical && hosts_on_port >= (ping ? t.scan_ping_hosts : t.scan_distinct_hosts);
  if (!vertical && !horizontal) return;
  const std::vector<const Probe*>& set = vertical ? same_host : same_port;

  TimeNs first = probe->ts;
  std::set<std::string_view> kinds;
  std::set<std::uint16_t> ports;
  std::set<IpAddr> hosts;
  for (const Probe* p : set) {
    first = std::min(first, p->ts);
    kinds.insert(kProbeNames[static_cast<int>(p->kind)]);
    ports.insert(p->port);
    hosts.insert(p->dst);
  }
  AlertEvent a;
  a.rule = ping ? "ward.scan.ping_sweep" : "ward.scan.port";
  a.severity = ping ? Severity::kLow : Severity::kMedium;
  a.technique = ping ? techniques::kRemoteSystemDiscovery : techniques::kNetworkServiceDiscovery;
  a.alert_id = make_alert_id(a.rule, src.to_string(), format_ts(first));
  std::string flags;
  for (std::string_view k : kinds) flags += (flags.empty() ? "" : "|") + std::string(k);
  if (ping) {
    a.summary = src.to_string() + " pinged " + std::to_string(hosts.size()) + " hosts (" + flags +
                ") within " + netattack::format_number(t.scan_window_s) + " s";
  } else if (vertical) {
    a.summary = src.to_string() + " probed " + std::to_string(ports.size()) + " ports of " +
                probe->dst.to_string() + " (" + flags + ") within " +
                netattack::format_number(t.scan_window_s) + " s";
  } else {
    a.summary = src.to_string() + " probed port " + std::to_string(probe->port) + " on " +
                std::to_string(hosts.size()) + " hosts (" + flags + ") within " +
                netattack::format_number(t.scan_window_s) + " s";
  }
  std::vector<std::string> port_list, host_list;
  for (std::uint16_t p : ports) port_list.push_back(std::to_string(p));
  for (const IpAddr& h : hosts) host_list.push_back(h.to_string());
  a.evidence.emplace_back("kind", ping ? "horizontal" : vertical ? "vertical" : "horizontal");
  a.evidence.emplace_back("flags", flags);
  a.evidence.emplace_back("probes", std::to_string(set.size()));
  a.evidence.emplace_back("distinct_hosts", std::to_string(hosts.size()));
  if (!ping) a.evidence.emplace_back("distinct_ports", std::to_string(ports.size()));
  if (!ping) a.evidence.emplace_back("ports_sampled", join_sample(port_list, 20));
  a.evidence.emplace_back("hosts_sampled", join_sample(host_list, 10));
  a.evidence.emplace_back("window_s", netattack::format_number(t.scan_window_s));
  a.evidence.emplace_back("first_ts", format_ts(first));
  a.evidence.emplace_back("last_ts", format_ts(probe->ts));
  s.episode.start(first, probe->ts, static_cast<double>(set.size()));
  s.probes.clear();

  bus::EventContext actx = ctx;
  actx.ts = probe->ts;
  actx.dir = bus::Direction::kToServer;
  if (src_override) {  // ARP has no flow: name the sweeper and the last address it asked for
    actx.orig_h = src;
    actx.resp_h = probe->dst;
  }
  raise(actx, a);
}

}  // namespace ward::detect
