#include "detect/dns_tunnel_detector.h"

#include <array>
#include <cmath>
#include <cstdio>

#include "parsers/dns/dns_events.h"

namespace ward::detect {
namespace {

constexpr std::size_t kLongLabel = 48;
constexpr std::size_t kLongSubdomain = 64;
constexpr double kRandomBits = 4.0;

// Shannon entropy of the characters of `s`, in bits per character.
double entropy(std::string_view s) {
  std::array<unsigned, 256> counts{};
  for (char c : s) ++counts[static_cast<unsigned char>(c)];
  double h = 0;
  for (unsigned n : counts) {
    if (n == 0) continue;
    const double p = static_cast<double>(n) / static_cast<double>(s.size());
    h -= p * std::log2(p);
  }
  return h;
}

std::string fixed(double v) {
  std::array<char, 32> buf{};
  std::snprintf(buf.data(), buf.size(), "%.2f", v);
  return buf.data();
}

std::uint64_t max_tracked(const policy::Policy& p) {
  return p.limits.get("detect.max_tracked_sources", netattack::kDefaultMaxTracked);
}

}  // namespace

DnsTunnelDetector::DnsTunnelDetector(const policy::Policy& policy, const bus::EventBus& bus,
                                     DetectorStats& stats)
    : Detector(policy, bus, stats), pairs_(max_tracked(policy)) {}

void DnsTunnelDetector::on_event(const bus::EventContext& ctx, const bus::Event& e) {
  const auto* m = bus::event_cast<parsers::dns::DnsMessage>(e);
  if (m == nullptr || m->qr || m->opcode != 0) return;
  if (ctx.resp_p == 5353 || ctx.resp_p == 5355) return;  // mDNS, LLMNR: names of the link
  for (const parsers::dns::Question& q : m->questions) check_name(ctx, q.name, q.qtype);
}

void DnsTunnelDetector::check_name(const bus::EventContext& ctx, std::string_view name,
                                   std::uint16_t qtype) {
  // The domain: the last two labels. Names with fewer than three labels carry no subdomain.
  const std::size_t last = name.rfind('.');
  if (last == std::string_view::npos || last == 0) return;
  const std::size_t second = name.rfind('.', last - 1);
  if (second == std::string_view::npos) return;
  const std::string_view domain = name.substr(second + 1);
  const std::string_view sub = name.substr(0, second);
  if (domain.empty() || sub.empty()) return;
  if (domain == "in-addr.arpa" || domain == "ip6.arpa") return;  // reverse lookups are long

  std::size_t longest = 0;
  for (std::size_t b = 0; b <= sub.size();) {
    std::size_t dot = sub.find('.', b);
    if (dot == std::string_view::npos) dot = sub.size();
    longest = std::max(longest, dot - b);
    b = dot + 1;
  }
  const double bits = entropy(sub);
  const bool encoded =
      (longest >= kLongLabel || sub.size() >= kLongSubdomain) && bits >= kRandomBits;

  const policy::Thresholds& t = policy_.thresholds;
  const TimeNs window = netattack::to_ns(t.dns_tunnel_window_s);
  const auto cap = static_cast<std::size_t>(t.dns_tunnel_names);
  const IpAddr& client = ctx.orig_h;
  std::string key = client.to_string();
  key += '|';
  key += domain;
  Names& n = pairs_.touch(key);
  const std::size_t h = std::hash<std::string_view>{}(name);
  while (!n.seen.empty() && n.seen.front().first < ctx.ts - window) n.seen.pop_front();
  bool fresh = true;
  for (const auto& [ts, hash] : n.seen) fresh = fresh && hash != h;
  if (fresh) {
    n.seen.emplace_back(ctx.ts, h);
    if (n.seen.size() > cap) n.seen.pop_front();
  }
  const bool volume = n.seen.size() >= cap;
  if (n.episode.extend(ctx.ts, 1, window)) {
    if (n.confirmed || !volume) return;  // escalate an encoded-name episode once, at volume
  } else if (!volume && !encoded) {
    return;
  }

  AlertEvent a;
  a.rule = "ward.privacy.dns_tunnel";
  a.severity = volume ? Severity::kHigh : Severity::kMedium;
  a.technique = techniques::kExfiltrationOverAlternativeProtocol;
  a.alert_id = make_alert_id(a.rule, key, format_ts(n.seen.front().first) + (volume ? "|v" : ""));
  a.src_role = "dns client";
  a.dst_role = "resolver";
  if (volume)
    a.summary = client.to_string() + " queried " + std::to_string(n.seen.size()) +
                " distinct names under " + std::string(domain) + " within " +
                netattack::format_number(t.dns_tunnel_window_s) + " s: data in DNS queries";
  else
    a.summary = client.to_string() + " queried a name under " + std::string(domain) +
                " whose subdomain looks like encoded data (" + std::to_string(sub.size()) +
                " characters, entropy " + fixed(bits) + " bits)";
  a.evidence.emplace_back("domain", std::string(domain));
  a.evidence.emplace_back("query", std::string(name.substr(0, 255)));
  a.evidence.emplace_back("qtype", std::to_string(qtype));
  a.evidence.emplace_back("distinct_names", std::to_string(n.seen.size()));
  a.evidence.emplace_back("longest_label", std::to_string(longest));
  a.evidence.emplace_back("entropy", fixed(bits));
  if (!n.episode.open)
    n.episode.start(n.seen.front().first, ctx.ts, static_cast<double>(n.seen.size()));
  n.confirmed = volume;
  raise(ctx, a);
}

}  // namespace ward::detect
