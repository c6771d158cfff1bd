#include <algorithm>
#include <array>
#include <cmath>
#include <string>

#include "decode/decode_events.h"
#include "detect/netattack/netattack.h"

namespace ward::detect {
namespace {

using netattack::Episode;
using netattack::IpHash;
using netattack::LruMap;
using netattack::RateWindow;
using netattack::to_ns;

struct MacHash {
  std::size_t operator()(const MacAddr& m) const noexcept {
    std::uint64_t h = 1469598103934665603ULL;  // FNV-1a
    for (std::uint8_t b : m.bytes) h = (h ^ b) * 1099511628211ULL;
    return static_cast<std::size_t>(h);
  }
};

// The MAC an IP address was last claimed by.
struct Binding {
  MacAddr mac;
  TimeNs last_seen = 0;
  Episode spoofing;
  Episode duplicate;
};

// The IP addresses a MAC claimed, newest first (a few: hosts have one or two).
struct Claims {
  static constexpr std::size_t kMax = 4;
  std::array<IpAddr, kMax> ips{};
  std::size_t n = 0;
  RateWindow gratuitous;
  Episode storm;

  void add(const IpAddr& ip) {
    auto end = ips.begin() + static_cast<std::ptrdiff_t>(n);
    auto it = std::find(ips.begin(), end, ip);
    if (it == end) {
      if (n < kMax) ++n;
      it = ips.begin() + static_cast<std::ptrdiff_t>(n - 1);
    }
    std::rotate(ips.begin(), it, it + 1);  // move (or put) `ip` first
    ips[0] = ip;
  }
  // Another address this MAC claimed, if any.
  [[nodiscard]] const IpAddr* other_than(const IpAddr& ip) const {
    for (std::size_t i = 0; i < n; ++i)
      if (!(ips[i] == ip)) return &ips[i];
    return nullptr;
  }
};

bool is_unspecified(const IpAddr& a) { return a.is_v4() && a.v4_host_order() == 0; }

}  // namespace

struct ArpDetector::State {
  explicit State(std::size_t cap) : bindings(cap), claims(cap) {}
  LruMap<IpAddr, Binding, IpHash> bindings;
  LruMap<MacAddr, Claims, MacHash> claims;
};

ArpDetector::ArpDetector(const policy::Policy& policy, const bus::EventBus& bus,
                         DetectorStats& stats)
    : Detector(policy, bus, stats),
      s_(std::make_unique<State>(
          policy.limits.get("detect.max_tracked_sources", netattack::kDefaultMaxTracked))) {}

ArpDetector::~ArpDetector() = default;

void ArpDetector::on_finish() {
  netattack::report_forgotten(bus_, "ARP bindings and MACs",
                              s_->bindings.evicted() + s_->claims.evicted());
}

void ArpDetector::on_event(const bus::EventContext& ctx, const bus::Event& e) {
  const auto* arp = bus::event_cast<decode::ArpEvent>(e);
  if (arp == nullptr || arp->sha.is_zero() || is_unspecified(arp->spa)) return;  // RFC 5227 probe
  const policy::Thresholds& t = policy_.thresholds;
  const std::string sha = arp->sha.to_string();
  const std::string spa = arp->spa.to_string();
  bus::EventContext actx = ctx;
  actx.dir = bus::Direction::kToServer;

  Claims& claims = s_->claims.touch(arp->sha);
  // Gratuitous ARP (RFC 5227 §3 announcements): sender and target address are the same.
  if (arp->spa == arp->tpa) {
    const TimeNs window = to_ns(t.arp_gratuitous_window_s);
    if (!claims.storm.extend(ctx.ts, 1, window)) {
      const double n = claims.gratuitous.add(ctx.ts, 1, window);
      if (n >= t.arp_gratuitous_count) {
        const TimeNs first = claims.gratuitous.first_ts();
        claims.storm.start(first, ctx.ts, n);
        claims.gratuitous.clear();
        AlertEvent a;
        a.rule = "ward.arp.gratuitous_storm";
        a.severity = Severity::kMedium;
        a.technique = techniques::kArpCachePoisoning;
        a.alert_id = make_alert_id(a.rule, sha, format_ts(first));
        a.summary = sha + " sent " + netattack::format_number(n) + " gratuitous ARPs within " +
                    netattack::format_number(t.arp_gratuitous_window_s) + " s";
        a.evidence.emplace_back("mac", sha);
        a.evidence.emplace_back("ip", spa);
        a.evidence.emplace_back("count", netattack::format_number(n));
        a.evidence.emplace_back("window_s", netattack::format_number(t.arp_gratuitous_window_s));
        a.evidence.emplace_back("first_ts", format_ts(first));
        a.evidence.emplace_back("last_ts", format_ts(ctx.ts));
        raise(actx, a);
      }
    }
  }

  Binding& b = s_->bindings.touch(arp->spa);
  const MacAddr old = b.mac;
  const TimeNs old_seen = b.last_seen;
  b.mac = arp->sha;
  b.last_seen = ctx.ts;
  const IpAddr* other = claims.other_than(arp->spa);
  const IpAddr other_ip = other != nullptr ? *other : IpAddr{};
  const bool had_other = other != nullptr;
  claims.add(arp->spa);
  if (old.is_zero() || old == arp->sha) return;

  // The address moved to another MAC while the old one was still using it. A MAC that also
  // holds another address is taking this one over (cache poisoning, T1557.002); otherwise
  // two stations claim one address.
  const TimeNs window = to_ns(t.arp_binding_window_s);
  if (ctx.ts - old_seen > window) return;  // the old station went away: a re-lease
  Episode& ep = had_other ? b.spoofing : b.duplicate;
  if (ep.extend(ctx.ts, 1, window)) return;
  ep.start(old_seen, ctx.ts, 1);
  AlertEvent a;
  a.rule = had_other ? "ward.arp.spoofing" : "ward.arp.duplicate_ip";
  a.severity = had_other ? Severity::kHigh : Severity::kMedium;
  a.technique = had_other ? techniques::kArpCachePoisoning : techniques::kAdversaryInTheMiddle;
  a.alert_id = make_alert_id(a.rule, spa, format_ts(ctx.ts));
  const std::string old_mac = old.to_string();
  const std::string since = netattack::format_number(
      std::floor(static_cast<double>(ctx.ts - old_seen) / static_cast<double>(kNsPerSec)));
  if (had_other) {
    a.summary = sha + " (also " + other_ip.to_string() + ") now claims " + spa + ", held by " +
                old_mac + " " + since + " s earlier";
    a.evidence.emplace_back("claimant_other_ip", other_ip.to_string());
  } else {
    a.summary = spa + " is claimed by " + sha + " and by " + old_mac + " (" + since + " s earlier)";
  }
  a.evidence.emplace_back("ip", spa);
  a.evidence.emplace_back("old_mac", old_mac);
  a.evidence.emplace_back("new_mac", sha);
  a.evidence.emplace_back("op", arp->op == 2 ? "reply" : arp->op == 1 ? "request" : "other");
  a.evidence.emplace_back("old_seen_s_before", since);
  a.evidence.emplace_back("window_s", netattack::format_number(t.arp_binding_window_s));
  a.evidence.emplace_back("first_ts", format_ts(old_seen));
  a.evidence.emplace_back("last_ts", format_ts(ctx.ts));
  // The claimant's own address is the attacker's; the address taken over is the victim.
  if (had_other) {
    actx.orig_h = other_ip;
    actx.resp_h = arp->spa;
  }
  actx.orig_mac = arp->sha;
  raise(actx, a);
}

}  // namespace ward::detect
