#include "policy/zones.h"

#include <algorithm>
#include <charconv>

namespace ward::policy {
namespace {

struct App {
  std::string_view name;
  bus::Transport proto;
  std::uint16_t lo, hi;
};

// Well-known ports of the applications a hospital network carries (DOMAIN.md section 1 and
// IANA). The first entry of a name is its canonical port (application_of).
constexpr App kApps[] = {
    {"hl7", bus::Transport::kTcp, 2575, 2575},
    {"dicom", bus::Transport::kTcp, 104, 104},
    {"dicom", bus::Transport::kTcp, 11112, 11112},
    {"dicom-tls", bus::Transport::kTcp, 2762, 2762},
    {"mqtt", bus::Transport::kTcp, 1883, 1883},
    {"mqtts", bus::Transport::kTcp, 8883, 8883},
    {"http", bus::Transport::kTcp, 80, 80},
    {"http", bus::Transport::kTcp, 8080, 8080},
    {"https", bus::Transport::kTcp, 443, 443},
    {"dns", bus::Transport::kUdp, 53, 53},
    {"dns", bus::Transport::kTcp, 53, 53},
    {"dhcp", bus::Transport::kUdp, 67, 68},
    {"ntp", bus::Transport::kUdp, 123, 123},
    {"rtsp", bus::Transport::kTcp, 554, 554},
    {"rtsp", bus::Transport::kTcp, 8554, 8554},
    {"ssh", bus::Transport::kTcp, 22, 22},
    {"ftp", bus::Transport::kTcp, 21, 21},
    {"telnet", bus::Transport::kTcp, 23, 23},
    {"smb", bus::Transport::kTcp, 445, 445},
    {"rdp", bus::Transport::kTcp, 3389, 3389},
    {"ldap", bus::Transport::kTcp, 389, 389},
    {"ldaps", bus::Transport::kTcp, 636, 636},
    {"syslog", bus::Transport::kUdp, 514, 514},
    {"snmp", bus::Transport::kUdp, 161, 161},
    {"ws-discovery", bus::Transport::kUdp, 3702, 3702},
};

bool parse_port(std::string_view s, std::uint16_t& out) {
  unsigned v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || v > 65535 || s.empty()) return false;
  out = static_cast<std::uint16_t>(v);
  return true;
}

void split128(const IpAddr& ip, int bits, std::uint64_t& hi, std::uint64_t& lo) {
  hi = lo = 0;
  for (int i = 0; i < 8; ++i) hi = (hi << 8) | ip.bytes[static_cast<std::size_t>(i)];
  for (int i = 8; i < 16; ++i) lo = (lo << 8) | ip.bytes[static_cast<std::size_t>(i)];
  if (bits <= 0) {
    hi = lo = 0;
  } else if (bits <= 64) {
    if (bits < 64) hi &= ~std::uint64_t{0} << (64 - bits);
    lo = 0;
  } else if (bits < 128) {
    lo &= ~std::uint64_t{0} << (128 - bits);
  }
}

}  // namespace

bool ServicePort::matches(bus::Transport p, std::uint16_t port) const noexcept {
  if (proto == bus::Transport::kNone) return true;
  if (proto != p) return false;
  if (p == bus::Transport::kIcmp || p == bus::Transport::kIcmp6) return true;
  return port >= lo && port <= hi;
}

bool parse_service_port(std::string_view text, ServicePort& out) {
  out = ServicePort{};
  out.text = std::string(text);
  const auto slash = text.find('/');
  const std::string_view proto = text.substr(0, slash);
  if (proto == "any" && slash == std::string_view::npos) return true;
  if (proto == "icmp" || proto == "icmp6") {
    out.proto = proto == "icmp" ? bus::Transport::kIcmp : bus::Transport::kIcmp6;
    return slash == std::string_view::npos;
  }
  if (proto == "tcp")
    out.proto = bus::Transport::kTcp;
  else if (proto == "udp")
    out.proto = bus::Transport::kUdp;
  else
    return false;
  if (slash == std::string_view::npos) return true;  // every port
  const std::string_view ports = text.substr(slash + 1);
  const auto dash = ports.find('-');
  if (!parse_port(ports.substr(0, dash), out.lo)) return false;
  out.hi = out.lo;
  if (dash != std::string_view::npos && !parse_port(ports.substr(dash + 1), out.hi)) return false;
  return out.lo <= out.hi && out.lo != 0;
}

bool application_ports(std::string_view name, std::vector<ServicePort>& out) {
  bool found = false;
  for (const App& a : kApps) {
    if (a.name != name) continue;
    ServicePort s;
    s.proto = a.proto;
    s.lo = a.lo;
    s.hi = a.hi;
    s.text = std::string(name);
    out.push_back(std::move(s));
    found = true;
  }
  return found;
}

std::vector<std::string_view> application_names() {
  std::vector<std::string_view> out;
  for (const App& a : kApps)
    if (out.empty() || out.back() != a.name) out.push_back(a.name);
  return out;
}

bool is_medical_class(std::string_view c) noexcept {
  return c == "infusion_pump" || c == "patient_monitor" || c == "cognitive_monitor" ||
         c == "imaging_modality";
}

std::string_view application_of(bus::Transport proto, std::uint16_t port) noexcept {
  for (const App& a : kApps)
    if (a.proto == proto && port >= a.lo && port <= a.hi) return a.name;
  return {};
}

std::string_view canonical_protocol(std::string_view name) noexcept {
  if (name == "https" || name == "mqtts" || name == "dicom-tls" || name == "ldaps") return "tls";
  if (name == "wsd") return "ws-discovery";
  static constexpr std::string_view kParsersOnly[] = {"tls", "rtp"};  // no well-known port here
  for (std::string_view p : kParsersOnly)
    if (p == name) return p;
  for (const App& a : kApps)
    if (a.name == name) return a.name;
  return {};
}

std::vector<std::string_view> protocol_names() {
  std::vector<std::string_view> out = {"tls", "rtp"};
  for (const App& a : kApps) out.push_back(canonical_protocol(a.name));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string_view flow_protocol(std::string_view service, bus::Transport proto,
                               std::uint16_t resp_port) noexcept {
  if (!service.empty()) return canonical_protocol(service);
  return canonical_protocol(application_of(proto, resp_port));
}

bool is_unicast(const IpAddr& ip) noexcept {
  if (ip.is_v4()) {
    const std::uint32_t a = ip.v4_host_order();
    return a != 0 && a != 0xffffffffU && (a >> 28) != 0xe;
  }
  bool zero = true;
  for (auto b : ip.bytes) zero = zero && b == 0;
  return !zero && ip.bytes[0] != 0xff;
}

bool is_public_unicast(const IpAddr& ip) noexcept {
  if (!is_unicast(ip)) return false;
  if (ip.is_v4()) {
    const std::uint32_t a = ip.v4_host_order();
    // RFC 1918, link-local, loopback, "this network"; the same private ranges as the inventory.
    return !((a >> 24) == 10 || (a >> 20) == 0xac1 || (a >> 16) == 0xc0a8 || (a >> 16) == 0xa9fe ||
             (a >> 24) == 127 || (a >> 24) == 0);
  }
  bool loopback = ip.bytes[15] == 1;
  for (std::size_t i = 0; i < 15; ++i) loopback = loopback && ip.bytes[i] == 0;
  return !loopback && (ip.bytes[0] & 0xfe) != 0xfc &&
         !(ip.bytes[0] == 0xfe && (ip.bytes[1] & 0xc0) == 0x80);
}

void ZoneIndex::build(const std::vector<Zone>& zones) {
  levels_.clear();
  for (std::size_t z = 0; z < zones.size(); ++z) {
    for (const Cidr& c : zones[z].cidrs) {
      auto it = std::find_if(levels_.begin(), levels_.end(),
                             [&c](const Level& l) { return l.bits == c.prefix_bits; });
      if (it == levels_.end()) {
        levels_.push_back(Level{c.prefix_bits, {}});
        it = levels_.end() - 1;
      }
      Entry e;
      split128(c.base, c.prefix_bits, e.hi, e.lo);
      e.zone = static_cast<ZoneId>(z);
      it->entries.push_back(e);
    }
  }
  for (Level& l : levels_)
    std::sort(l.entries.begin(), l.entries.end(), [](const Entry& x, const Entry& y) {
      return x.hi != y.hi ? x.hi < y.hi : x.lo < y.lo;
    });
  std::sort(levels_.begin(), levels_.end(),
            [](const Level& x, const Level& y) { return x.bits > y.bits; });
}

ZoneId ZoneIndex::lookup(const IpAddr& ip) const noexcept {
  for (const Level& l : levels_) {
    Entry key;
    split128(ip, l.bits, key.hi, key.lo);
    const auto it = std::lower_bound(
        l.entries.begin(), l.entries.end(), key,
        [](const Entry& x, const Entry& y) { return x.hi != y.hi ? x.hi < y.hi : x.lo < y.lo; });
    if (it != l.entries.end() && it->hi == key.hi && it->lo == key.lo) return it->zone;
  }
  return is_public_unicast(ip) ? kInternet : kUnzoned;
}

}  // namespace ward::policy
