#include "policy/policy.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

namespace ward::policy {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

// Walks the YAML tree with a path for messages. Every accessor that fails records the first
// error (with file:line:column) and returns a neutral value, so loading reads linearly.
class Reader {
 public:
  explicit Reader(std::string name) : name_(std::move(name)) {}

  [[nodiscard]] bool failed() const { return !error_.empty(); }
  [[nodiscard]] const std::string& error() const { return error_; }

  std::string where(const YAML::Node& n) const {
    const YAML::Mark m = n.Mark();
    if (m.is_null()) return name_;
    return name_ + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
  }
  void fail(const YAML::Node& n, const std::string& path, const std::string& msg) {
    if (error_.empty()) error_ = where(n) + ": " + path + ": " + msg;
  }

  // Rejects keys not in `allowed`, to catch typos in a safety-relevant file.
  void check_keys(const YAML::Node& map, const std::string& path,
                  std::initializer_list<std::string_view> allowed) {
    if (!map.IsMap()) {
      fail(map, path, "expected a mapping");
      return;
    }
    for (const auto& kv : map) {
      const std::string key = kv.first.Scalar();
      bool ok = false;
      for (std::string_view a : allowed) ok = ok || a == key;
      if (!ok) {
        std::string msg = "unknown key '";
        msg += key;
        msg += "' (expected one of: ";
        bool first = true;
        for (std::string_view a : allowed) {
          if (!first) msg += ", ";
          msg += a;
          first = false;
        }
        msg += ')';
        fail(kv.first, path, msg);
      }
    }
  }

  std::string str(const YAML::Node& n, const std::string& path) {
    if (!n.IsScalar()) {
      fail(n, path, "expected a string");
      return {};
    }
    return n.Scalar();
  }

  std::optional<double> number(const YAML::Node& n, const std::string& path) {
    if (!n) return std::nullopt;
    if (!n.IsScalar()) {
      fail(n, path, "expected a number");
      return std::nullopt;
    }
    const std::string& s = n.Scalar();
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (s.empty() || end == nullptr || *end != '\0' || !std::isfinite(v)) {
      fail(n, path, "'" + s + "' is not a number");
      return std::nullopt;
    }
    return v;
  }

  bool boolean(const YAML::Node& n, const std::string& path, bool fallback) {
    if (!n) return fallback;
    const std::string& s = n.IsScalar() ? n.Scalar() : "";
    if (s == "true" || s == "yes" || s == "on") return true;
    if (s == "false" || s == "no" || s == "off") return false;
    fail(n, path, "expected true or false");
    return fallback;
  }

  std::vector<std::string> strings(const YAML::Node& n, const std::string& path) {
    std::vector<std::string> out;
    if (!n) return out;
    if (!n.IsSequence()) {
      fail(n, path, "expected a list");
      return out;
    }
    for (std::size_t i = 0; i < n.size(); ++i)
      out.push_back(str(n[i], path + "[" + std::to_string(i) + "]"));
    return out;
  }

  std::vector<Cidr> hosts(const YAML::Node& n, const std::string& path) {
    std::vector<Cidr> out;
    if (!n) return out;
    if (!n.IsSequence()) {
      fail(n, path, "expected a list of addresses or CIDR blocks");
      return out;
    }
    for (std::size_t i = 0; i < n.size(); ++i) {
      const std::string p = path + "[" + std::to_string(i) + "]";
      const std::string s = str(n[i], p);
      Cidr c;
      if (!s.empty() && !Cidr::parse(s, c))
        fail(n[i], p, "'" + s + "' is not an IP address or CIDR block");
      out.push_back(c);
    }
    return out;
  }

 private:
  std::string name_;
  std::string error_;
};

std::optional<Limit> read_limit(Reader& r, const YAML::Node& n, const std::string& path,
                                std::string_view default_units) {
  if (!n) return std::nullopt;
  r.check_keys(n, path, {"units", "soft_min", "soft_max", "hard_min", "hard_max"});
  if (r.failed()) return std::nullopt;
  Limit l;
  const std::string units =
      n["units"] ? r.str(n["units"], path + ".units") : std::string(default_units);
  if (units.empty()) {
    r.fail(n, path, "units are required (e.g. mL/h, mcg/kg/min, units/h)");
    return std::nullopt;
  }
  l.units = std::string(clinical::canonical_units(units));
  l.soft_min = r.number(n["soft_min"], path + ".soft_min");
  l.soft_max = r.number(n["soft_max"], path + ".soft_max");
  l.hard_min = r.number(n["hard_min"], path + ".hard_min");
  l.hard_max = r.number(n["hard_max"], path + ".hard_max");
  l.where = r.where(n);
  if (!l.soft_max && !l.hard_max && !l.soft_min && !l.hard_min)
    r.fail(n, path, "give at least one of soft_min, soft_max, hard_min, hard_max");
  if (l.soft_max && l.hard_max && *l.hard_max < *l.soft_max)
    r.fail(n, path, "hard_max must be >= soft_max");
  if (l.soft_min && l.hard_min && *l.hard_min > *l.soft_min)
    r.fail(n, path, "hard_min must be <= soft_min");
  for (const auto* v : {&l.soft_min, &l.soft_max, &l.hard_min, &l.hard_max})
    if (*v && **v < 0) r.fail(n, path, "limits cannot be negative");
  return l;
}

struct ThresholdKey {
  std::string_view key;
  double Thresholds::*field;
};
constexpr ThresholdKey kThresholdKeys[] = {
    {"scan.distinct_ports", &Thresholds::scan_distinct_ports},
    {"scan.distinct_hosts", &Thresholds::scan_distinct_hosts},
    {"scan.ping_hosts", &Thresholds::scan_ping_hosts},
    {"scan.window_s", &Thresholds::scan_window_s},
    {"flood.window_s", &Thresholds::flood_window_s},
    {"flood.syn_per_s", &Thresholds::flood_syn_per_s},
    {"flood.udp_per_s", &Thresholds::flood_udp_per_s},
    {"flood.icmp_per_s", &Thresholds::flood_icmp_per_s},
    {"flood.mqtt_connect_per_s", &Thresholds::flood_mqtt_connect_per_s},
    {"flood.mqtt_publish_per_s", &Thresholds::flood_mqtt_publish_per_s},
    {"flood.mqtt_malformed", &Thresholds::flood_mqtt_malformed},
    {"arp.binding_window_s", &Thresholds::arp_binding_window_s},
    {"arp.gratuitous_count", &Thresholds::arp_gratuitous_count},
    {"arp.gratuitous_window_s", &Thresholds::arp_gratuitous_window_s},
    {"bruteforce.failures", &Thresholds::bruteforce_failures},
    {"bruteforce.connections", &Thresholds::bruteforce_connections},
    {"bruteforce.window_s", &Thresholds::bruteforce_window_s},
    {"alarm.inactivations", &Thresholds::alarm_inactivations},
    {"alarm.storm_count", &Thresholds::alarm_storm_count},
    {"alarm.window_s", &Thresholds::alarm_window_s},
    {"infusion.rejections", &Thresholds::infusion_rejections},
    {"infusion.rejection_window_s", &Thresholds::infusion_rejection_window_s},
    {"infusion.order_window_s", &Thresholds::infusion_order_window_s},
    {"report.rebind_s", &Thresholds::report_rebind_s},
    {"exfiltration.bytes", &Thresholds::exfiltration_bytes},
    {"dns.tunnel_names", &Thresholds::dns_tunnel_names},
    {"dns.tunnel_window_s", &Thresholds::dns_tunnel_window_s},
    {"baseline.learn_s", &Thresholds::baseline_learn_s},
    {"baseline.rate_factor", &Thresholds::baseline_rate_factor},
    {"baseline.rate_floor", &Thresholds::baseline_rate_floor},
};

// `device_protocols:` a mapping of device class to a list of protocol names, or `any`.
void read_device_protocols(Reader& r, const YAML::Node& n, Policy& p) {
  if (!n.IsMap()) {
    r.fail(n, "device_protocols", "expected a mapping of device class to a list of protocols");
    return;
  }
  for (const auto& kv : n) {
    const std::string cls = kv.first.Scalar();
    const std::string path = "device_protocols." + cls;
    if (cls == "unknown" || std::find(kDeviceClassNames.begin(), kDeviceClassNames.end(), cls) ==
                                kDeviceClassNames.end()) {
      std::string msg = "unknown device class '" + cls + "' (expected one of: ";
      for (std::size_t i = 1; i < kDeviceClassNames.size(); ++i)
        msg += (i == 1 ? "" : ", ") + std::string(kDeviceClassNames[i]);
      r.fail(kv.first, "device_protocols", msg + ")");
      return;
    }
    const std::vector<std::string> names = r.strings(kv.second, path);
    if (r.failed()) return;
    if (!kv.second.IsSequence()) {
      r.fail(kv.second, path, "expected a list");
      return;
    }
    auto it = std::find_if(p.device_protocols.begin(), p.device_protocols.end(),
                           [&](const ClassProtocols& c) { return c.device_class == cls; });
    if (names.size() == 1 && names[0] == "any") {  // the check is off for this class
      if (it != p.device_protocols.end()) p.device_protocols.erase(it);
      continue;
    }
    if (names.empty()) {
      r.fail(kv.second, path, "list the protocols this class uses (or [any] to not check it)");
      return;
    }
    ClassProtocols c;
    c.device_class = cls;
    c.where = r.where(kv.second);
    for (std::size_t i = 0; i < names.size(); ++i) {
      const std::string_view canon = canonical_protocol(names[i]);
      if (canon.empty()) {
        std::string msg = "unknown protocol '" + names[i] + "' (expected one of: ";
        bool first = true;
        for (std::string_view k : protocol_names()) {
          msg += (first ? "" : ", ") + std::string(k);
          first = false;
        }
        r.fail(kv.second[i], path + "[" + std::to_string(i) + "]", msg + ", or any)");
        return;
      }
      c.protocols.emplace_back(canon);
    }
    std::sort(c.protocols.begin(), c.protocols.end());
    c.protocols.erase(std::unique(c.protocols.begin(), c.protocols.end()), c.protocols.end());
    if (it != p.device_protocols.end())
      *it = std::move(c);
    else
      p.device_protocols.push_back(std::move(c));
  }
}

void read_thresholds(Reader& r, const YAML::Node& n, Thresholds& t) {
  if (!n.IsMap()) {
    r.fail(n, "thresholds", "expected a mapping of threshold name to number");
    return;
  }
  for (const auto& kv : n) {
    const std::string key = kv.first.Scalar();
    const ThresholdKey* found = nullptr;
    for (const ThresholdKey& k : kThresholdKeys)
      if (k.key == key) found = &k;
    if (found == nullptr) {
      std::string msg = "unknown threshold '" + key + "' (expected one of: ";
      for (std::size_t i = 0; i < std::size(kThresholdKeys); ++i)
        msg += (i == 0 ? "" : ", ") + std::string(kThresholdKeys[i].key);
      r.fail(kv.first, "thresholds", msg + ")");
      return;
    }
    const auto v = r.number(kv.second, "thresholds." + key);
    if (!v) return;
    // Counts and windows beyond a day or a million make no sense and would overflow windows.
    if (*v <= 0 || *v > 1e6) {
      r.fail(kv.second, "thresholds." + key, "expected a number > 0 and <= 1000000");
      return;
    }
    t.*(found->field) = *v;
  }
}

// `roles:` (policy.h): lists of named host groups.
void read_host_groups(Reader& r, const YAML::Node& n, const std::string& path, bool with_classes,
                      std::vector<HostGroup>& out) {
  if (!n) return;
  if (!n.IsSequence()) {
    r.fail(n, path, "expected a list of {name, hosts}");
    return;
  }
  for (std::size_t i = 0; i < n.size() && !r.failed(); ++i) {
    const std::string ipath = path + "[" + std::to_string(i) + "]";
    if (with_classes)
      r.check_keys(n[i], ipath, {"name", "hosts", "device_classes"});
    else
      r.check_keys(n[i], ipath, {"name", "hosts"});
    if (r.failed()) return;
    HostGroup g;
    g.name =
        n[i]["name"] ? r.str(n[i]["name"], ipath + ".name") : path + " " + std::to_string(i + 1);
    g.hosts = r.hosts(n[i]["hosts"], ipath + ".hosts");
    if (g.hosts.empty() && !r.failed())
      r.fail(n[i], ipath, "list the hosts (addresses or CIDR blocks) of this group");
    if (with_classes) {
      g.device_classes = r.strings(n[i]["device_classes"], ipath + ".device_classes");
      if (g.device_classes.empty() && !r.failed())
        r.fail(n[i], ipath, "list the device_classes whose data may go to these hosts");
      for (std::size_t j = 0; j < g.device_classes.size() && !r.failed(); ++j)
        if (std::find(kDeviceClassNames.begin(), kDeviceClassNames.end(), g.device_classes[j]) ==
            kDeviceClassNames.end())
          r.fail(n[i]["device_classes"][j], ipath + ".device_classes[" + std::to_string(j) + "]",
                 "unknown device class '" + g.device_classes[j] + "'");
    }
    out.push_back(std::move(g));
  }
}

// "HH:MM" (00:00-24:00) to minutes after midnight, or -1.
int parse_clock(std::string_view s) {
  if (s.size() != 5 || s[2] != ':') return -1;
  for (std::size_t i : {0, 1, 3, 4})
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return -1;
  const int h = (s[0] - '0') * 10 + (s[1] - '0');
  const int m = (s[3] - '0') * 10 + (s[4] - '0');
  if (h > 24 || m > 59 || (h == 24 && m != 0)) return -1;
  return h * 60 + m;
}

void read_maintenance_windows(Reader& r, const YAML::Node& n, Policy& p) {
  if (!n.IsSequence()) {
    r.fail(n, "maintenance_windows", "expected a list of {days, start, end}");
    return;
  }
  static constexpr std::string_view kDays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  for (std::size_t i = 0; i < n.size() && !r.failed(); ++i) {
    const std::string path = "maintenance_windows[" + std::to_string(i) + "]";
    r.check_keys(n[i], path, {"name", "days", "start", "end"});
    if (r.failed()) return;
    MaintenanceWindow w;
    w.name = n[i]["name"] ? r.str(n[i]["name"], path + ".name") : "window " + std::to_string(i + 1);
    w.where = r.where(n[i]);
    if (n[i]["days"]) {
      w.days = 0;
      const std::vector<std::string> days = r.strings(n[i]["days"], path + ".days");
      for (std::size_t j = 0; j < days.size() && !r.failed(); ++j) {
        std::string d = days[j];
        for (char& c : d) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        bool found = false;
        for (std::size_t k = 0; k < std::size(kDays); ++k)
          if (d == kDays[k]) w.days |= static_cast<std::uint8_t>(1u << k), found = true;
        if (!found)
          r.fail(n[i]["days"][j], path + ".days[" + std::to_string(j) + "]",
                 "'" + days[j] + "' is not a day (mon, tue, wed, thu, fri, sat, sun)");
      }
      if (w.days == 0 && !r.failed()) r.fail(n[i]["days"], path + ".days", "list at least one day");
    }
    for (const char* key : {"start", "end"}) {
      if (!n[i][key]) {
        if (!r.failed()) r.fail(n[i], path, std::string("a maintenance window needs ") + key);
        return;
      }
      const std::string v = r.str(n[i][key], path + "." + key);
      const int m = parse_clock(v);
      if (m < 0 && !r.failed())
        r.fail(n[i][key], path + "." + key, "'" + v + "' is not a time of day HH:MM (UTC)");
      (std::string_view(key) == "start" ? w.start_min : w.end_min) = m;
    }
    if (w.start_min == w.end_min && !r.failed())
      r.fail(n[i], path, "start and end are equal: the window would be empty");
    p.maintenance_windows.push_back(std::move(w));
  }
}

bool valid_zone_name(std::string_view n) {
  if (n.empty() || n.size() > 64) return false;
  for (char c : n)
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '_' || c == '-'))
      return false;
  return std::islower(static_cast<unsigned char>(n[0])) != 0;
}

// IEC 62443 zones (policy.h, zones.h): names, CIDR blocks (masked), device classes.
void read_zones(Reader& r, const YAML::Node& zn, Policy& p) {
  if (!zn.IsSequence()) {
    r.fail(zn, "zones", "expected a list of zones");
    return;
  }
  // Every CIDR with its zone index and location, to reject one block listed by two zones.
  std::vector<std::pair<Cidr, std::pair<std::size_t, std::string>>> seen;
  for (std::size_t i = 0; i < zn.size() && !r.failed(); ++i) {
    const std::string path = "zones[" + std::to_string(i) + "]";
    const YAML::Node z = zn[i];
    r.check_keys(
        z, path,
        {"name", "cidrs", "device_classes", "security_level", "medical", "require_encryption"});
    if (r.failed()) return;
    Zone zone;
    zone.where = r.where(z);
    if (!z["name"]) {
      r.fail(z, path, "a zone needs a name");
      return;
    }
    zone.name = r.str(z["name"], path + ".name");
    if (!valid_zone_name(zone.name)) {
      r.fail(z["name"], path + ".name",
             "'" + zone.name +
                 "' is not a valid zone name (lower-case letters, digits, '_' and '-', starting "
                 "with a letter, at most 64)");
      return;
    }
    if (zone.name == "internet" || zone.name == "unzoned" || zone.name == "any") {
      r.fail(z["name"], path + ".name", "'" + zone.name + "' is a built-in zone name");
      return;
    }
    for (const Zone& other : p.zones)
      if (other.name == zone.name)
        r.fail(z["name"], path + ".name",
               "zone '" + zone.name + "' is defined twice (first at " + other.where + ")");
    zone.cidrs = r.hosts(z["cidrs"], path + ".cidrs");
    const YAML::Node cidrs = z["cidrs"];
    for (std::size_t c = 0; c < zone.cidrs.size() && !r.failed(); ++c) {
      Cidr& cidr = zone.cidrs[c];
      // The block's network address: "10.1.2.3/24" is 10.1.2.0/24.
      int bits = cidr.prefix_bits;
      for (auto& b : cidr.base.bytes) {
        if (bits >= 8) {
          bits -= 8;
          continue;
        }
        b = static_cast<std::uint8_t>(bits <= 0 ? 0 : b & (0xff << (8 - bits)));
        bits = 0;
      }
      for (const auto& [other, owner] : seen) {
        if (other.prefix_bits == cidr.prefix_bits && other.base == cidr.base) {
          r.fail(cidrs[c], path + ".cidrs[" + std::to_string(c) + "]",
                 "'" + cidrs[c].Scalar() + "' is already in zone '" + p.zones[owner.first].name +
                     "' (" + owner.second + "); a block belongs to one zone");
        }
      }
      seen.push_back({cidr, {p.zones.size(), r.where(cidrs[c])}});
    }
    zone.device_classes = r.strings(z["device_classes"], path + ".device_classes");
    for (std::size_t c = 0; c < zone.device_classes.size(); ++c) {
      const std::string& dc = zone.device_classes[c];
      if (std::find(kDeviceClassNames.begin(), kDeviceClassNames.end(), dc) ==
          kDeviceClassNames.end()) {
        std::string all;
        for (std::string_view n : kDeviceClassNames)
          all += (all.empty() ? "" : ", ") + std::string(n);
        r.fail(z["device_classes"][c], path + ".device_classes[" + std::to_string(c) + "]",
               "unknown device class '" + dc + "' (expected one of: " + all + ")");
      }
    }
    if (zone.cidrs.empty() && zone.device_classes.empty() && !r.failed())
      r.fail(z, path, "a zone needs cidrs, device_classes or both");
    if (const YAML::Node sl = z["security_level"]) {
      const auto v = r.number(sl, path + ".security_level");
      if (v && (*v != 1 && *v != 2 && *v != 3 && *v != 4))
        r.fail(sl, path + ".security_level", "expected an IEC 62443 security level 1, 2, 3 or 4");
      if (v) zone.security_level = static_cast<int>(*v);
    }
    zone.medical = r.boolean(z["medical"], path + ".medical", false);
    zone.require_encryption =
        r.boolean(z["require_encryption"], path + ".require_encryption", false);
    p.zones.push_back(std::move(zone));
  }
}

void read_conduits(Reader& r, const YAML::Node& cn, Policy& p) {
  if (!cn.IsSequence()) {
    r.fail(cn, "conduits", "expected a list of conduits");
    return;
  }
  for (std::size_t i = 0; i < cn.size() && !r.failed(); ++i) {
    const std::string path = "conduits[" + std::to_string(i) + "]";
    const YAML::Node c = cn[i];
    r.check_keys(c, path, {"name", "from", "to", "ports", "protocols", "bidirectional"});
    if (r.failed()) return;
    Conduit k;
    k.where = r.where(c);
    for (const char* end : {"from", "to"}) {
      const std::string epath = path + "." + end;
      if (!c[end]) {
        r.fail(c, path, std::string("a conduit needs '") + end + "' (a zone name or internet)");
        return;
      }
      const std::string name = r.str(c[end], epath);
      const ZoneId id = p.find_zone(name);
      if (id == kUnzoned && !r.failed()) {
        std::string all;
        for (const Zone& z : p.zones) all += z.name + ", ";
        r.fail(c[end], epath, "no zone named '" + name + "' (defined: " + all + "internet)");
        return;
      }
      (std::string_view(end) == "from" ? k.from : k.to) = name;
      (std::string_view(end) == "from" ? k.from_id : k.to_id) = id;
    }
    if (k.from_id == k.to_id && !r.failed()) {
      r.fail(c, path,
             "a conduit joins two different zones (traffic inside '" + k.from +
                 "' is always allowed)");
      return;
    }
    const std::vector<std::string> ports = r.strings(c["ports"], path + ".ports");
    for (std::size_t j = 0; j < ports.size() && !r.failed(); ++j) {
      ServicePort sp;
      if (!parse_service_port(ports[j], sp))
        r.fail(
            c["ports"][j], path + ".ports[" + std::to_string(j) + "]",
            "'" + ports[j] +
                "' is not a port (expected tcp/N, udp/N, tcp/N-M, tcp, udp, icmp, icmp6 or any)");
      k.ports.push_back(std::move(sp));
    }
    const std::vector<std::string> protos = r.strings(c["protocols"], path + ".protocols");
    for (std::size_t j = 0; j < protos.size() && !r.failed(); ++j) {
      if (!application_ports(protos[j], k.ports)) {
        std::string all;
        for (std::string_view n : application_names())
          all += (all.empty() ? "" : ", ") + std::string(n);
        r.fail(c["protocols"][j], path + ".protocols[" + std::to_string(j) + "]",
               "unknown protocol '" + protos[j] + "' (known: " + all +
                   "; use ports: [tcp/N] for others)");
      }
    }
    if (k.ports.empty() && !r.failed()) {
      r.fail(c, path, "a conduit needs ports or protocols (use ports: [any] to allow everything)");
      return;
    }
    k.bidirectional = r.boolean(c["bidirectional"], path + ".bidirectional", false);
    p.conduits.push_back(std::move(k));
  }
}

}  // namespace

ZoneId Policy::zone_for_class(std::string_view device_class) const noexcept {
  for (std::size_t i = 0; i < zones.size(); ++i) {
    if (!zones[i].cidrs.empty()) continue;
    for (const std::string& c : zones[i].device_classes)
      if (c == device_class) return static_cast<ZoneId>(i);
  }
  return kUnzoned;
}

std::string_view Policy::zone_name(ZoneId z) const noexcept {
  if (z == kInternet) return "internet";
  if (const Zone* zz = zone(z)) return zz->name;
  return "unzoned";
}

ZoneId Policy::find_zone(std::string_view name) const noexcept {
  if (name == "internet") return kInternet;
  for (std::size_t i = 0; i < zones.size(); ++i)
    if (zones[i].name == name) return static_cast<ZoneId>(i);
  return kUnzoned;
}

const Conduit* Policy::conduit_allowing(ZoneId from, ZoneId to, bus::Transport proto,
                                        std::uint16_t port) const noexcept {
  for (const Conduit& c : conduits) {
    const bool forward = c.from_id == from && c.to_id == to;
    const bool backward = c.bidirectional && c.from_id == to && c.to_id == from;
    if (!forward && !backward) continue;
    for (const ServicePort& sp : c.ports)
      if (sp.matches(proto, port)) return &c;
  }
  return nullptr;
}

bool topic_matches(std::string_view filter, std::string_view topic) noexcept {
  std::size_t f = 0;
  std::size_t t = 0;
  while (f <= filter.size()) {
    const std::size_t f_end = std::min(filter.find('/', f), filter.size());
    const std::string_view level = filter.substr(f, f_end - f);
    if (level == "#") return true;
    if (t > topic.size()) return false;
    const std::size_t t_end = std::min(topic.find('/', t), topic.size());
    if (level != "+" && level != topic.substr(t, t_end - t)) return false;
    f = f_end + 1;
    t = t_end + 1;
    if (f > filter.size()) return t > topic.size();
  }
  return false;
}

const Drug* Policy::find_drug(std::string_view id, std::string_view name) const {
  for (const Drug& d : drugs) {
    for (const std::string& i : d.ids)
      if (!id.empty() && iequals(i, id)) return &d;
  }
  for (const Drug& d : drugs)
    if (!name.empty() && iequals(d.name, name)) return &d;
  return nullptr;
}

const CareAreaLimits* Policy::limits_for(const Drug& d, std::string_view care_area,
                                         std::string_view default_area) {
  for (std::string_view want : {care_area, default_area, std::string_view("default")}) {
    if (want.empty()) continue;
    for (const CareAreaLimits& c : d.care_areas)
      if (iequals(c.care_area, want)) return &c;
  }
  return nullptr;
}

const Programmer* Policy::find_programmer(const IpAddr& host) const {
  for (const Programmer& p : programmers)
    for (const Cidr& c : p.hosts)
      if (c.contains(host)) return &p;
  return nullptr;
}

bool HostGroup::contains(const IpAddr& ip) const noexcept {
  for (const Cidr& c : hosts)
    if (c.contains(ip)) return true;
  return false;
}

const HostGroup* Policy::find_host(const std::vector<HostGroup>& groups,
                                   const IpAddr& host) noexcept {
  for (const HostGroup& g : groups)
    if (g.contains(host)) return &g;
  return nullptr;
}

bool Policy::uploads_restricted(std::string_view device_class) const noexcept {
  for (const HostGroup& g : roles.upload_destinations)
    for (const std::string& c : g.device_classes)
      if (c == device_class) return true;
  return false;
}

const HostGroup* Policy::upload_destination(std::string_view device_class,
                                            const IpAddr& host) const noexcept {
  for (const HostGroup& g : roles.upload_destinations) {
    if (!g.contains(host)) continue;
    for (const std::string& c : g.device_classes)
      if (c == device_class) return &g;
  }
  return nullptr;
}

bool MaintenanceWindow::contains(TimeNs t) const noexcept {
  const std::int64_t secs = t / kNsPerSec;
  const std::int64_t day = secs / 86400;  // days since 1970-01-01 (Thu)
  const int minute = static_cast<int>((secs % 86400) / 60);
  const auto weekday = [](std::int64_t d) { return static_cast<int>((d + 3) % 7); };  // 0 = Mon
  if (start_min < end_min)
    return ((days >> weekday(day)) & 1) != 0 && minute >= start_min && minute < end_min;
  // Wraps past midnight: the evening part belongs to its day, the morning part to the day before.
  if (minute >= start_min) return ((days >> weekday(day)) & 1) != 0;
  if (minute < end_min) return ((days >> weekday(day + 6)) & 1) != 0;
  return false;
}

const MaintenanceWindow* Policy::maintenance_window_at(TimeNs t) const noexcept {
  for (const MaintenanceWindow& w : maintenance_windows)
    if (w.contains(t)) return &w;
  return nullptr;
}

bool Policy::is_suppressed(std::string_view rule, const IpAddr& src, const IpAddr& dst,
                           std::string_view service) const {
  auto in = [](const std::vector<Cidr>& list, const IpAddr& ip) {
    if (list.empty()) return true;
    for (const Cidr& c : list)
      if (c.contains(ip)) return true;
    return false;
  };
  for (const Suppression& s : suppressions) {
    if (s.rule != "*" && s.rule != rule) continue;
    if (!s.hosts.empty() && !in(s.hosts, src) && !in(s.hosts, dst)) continue;
    if (!in(s.src, src) || !in(s.dst, dst)) continue;
    if (!s.services.empty() && std::find(s.services.begin(), s.services.end(),
                                         canonical_protocol(service)) == s.services.end())
      continue;
    return true;
  }
  return false;
}

Result<Policy> parse_policy(std::string_view yaml_text, const std::string& name) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {  // yaml-cpp reports syntax errors by exception
    return unexpected(invalid_argument(name + ":" + std::to_string(e.mark.line + 1) + ":" +
                                       std::to_string(e.mark.column + 1) +
                                       ": YAML syntax error: " + e.msg));
  }
  Reader r(name);
  Policy p;
  p.path = name;
  if (!root || root.IsNull()) return p;  // an empty policy: every check that needs data is off
  try {
    r.check_keys(
        root, "policy",
        {"version", "site", "drug_library", "infusion", "phi", "alerts", "limits", "thresholds",
         "zones", "conduits", "roles", "maintenance_windows", "device_protocols"});
    if (root["version"]) {
      const std::string v = r.str(root["version"], "version");
      if (v != "1")
        r.fail(root["version"], "version",
               "unsupported policy version '" + v + "' (this Ward reads 1)");
    }
    if (root["site"]) p.site = r.str(root["site"], "site");

    if (const YAML::Node lib = root["drug_library"]) {
      r.check_keys(lib, "drug_library", {"version", "drugs"});
      if (lib["version"]) p.drug_library_version = r.str(lib["version"], "drug_library.version");
      const YAML::Node drugs = lib["drugs"];
      if (drugs && !drugs.IsSequence()) r.fail(drugs, "drug_library.drugs", "expected a list");
      std::set<std::string> seen_names;
      for (std::size_t i = 0; drugs && drugs.IsSequence() && i < drugs.size() && !r.failed(); ++i) {
        const std::string path = "drug_library.drugs[" + std::to_string(i) + "]";
        const YAML::Node dn = drugs[i];
        r.check_keys(dn, path, {"name", "ids", "care_areas"});
        if (r.failed()) break;
        Drug d;
        if (!dn["name"])
          r.fail(dn, path, "a drug needs a name");
        else
          d.name = r.str(dn["name"], path + ".name");
        std::string lower = d.name;
        for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (!seen_names.insert(lower).second)
          r.fail(dn["name"], path + ".name", "drug '" + d.name + "' is listed twice");
        d.ids = r.strings(dn["ids"], path + ".ids");
        const YAML::Node areas = dn["care_areas"];
        if (!areas || !areas.IsMap()) {
          r.fail(areas ? areas : dn, path + ".care_areas",
                 "expected a mapping of care area to limits");
          break;
        }
        const std::string areas_path = path + ".care_areas.";
        for (const auto& kv : areas) {
          const std::string area = kv.first.Scalar();
          const std::string apath = areas_path + area;
          r.check_keys(kv.second, apath, {"rate", "dose_rate", "dose", "vtbi"});
          if (r.failed()) break;
          CareAreaLimits c;
          c.care_area = area;
          c.rate = read_limit(r, kv.second["rate"], apath + ".rate", "mL/h");
          c.dose_rate = read_limit(r, kv.second["dose_rate"], apath + ".dose_rate", "");
          c.dose = read_limit(r, kv.second["dose"], apath + ".dose", "");
          c.vtbi = read_limit(r, kv.second["vtbi"], apath + ".vtbi", "mL");
          if (c.rate && c.rate->units != "mL/h")
            r.fail(kv.second["rate"], apath + ".rate",
                   "rate is a volume rate: units must be mL/h (use dose_rate for " + c.rate->units +
                       ")");
          if (c.vtbi && c.vtbi->units != "mL")
            r.fail(kv.second["vtbi"], apath + ".vtbi", "vtbi units must be mL");
          d.care_areas.push_back(std::move(c));
        }
        p.drugs.push_back(std::move(d));
      }
    }

    if (const YAML::Node inf = root["infusion"]) {
      r.check_keys(inf, "infusion",
                   {"authorized_programmers", "mqtt_command_topics", "default_care_area"});
      if (inf["default_care_area"])
        p.default_care_area = r.str(inf["default_care_area"], "infusion.default_care_area");
      const YAML::Node progs = inf["authorized_programmers"];
      if (progs && !progs.IsSequence())
        r.fail(progs, "infusion.authorized_programmers", "expected a list");
      for (std::size_t i = 0; progs && progs.IsSequence() && i < progs.size() && !r.failed(); ++i) {
        const std::string path = "infusion.authorized_programmers[" + std::to_string(i) + "]";
        r.check_keys(progs[i], path, {"name", "hosts"});
        if (r.failed()) break;
        Programmer pr;
        pr.name = progs[i]["name"] ? r.str(progs[i]["name"], path + ".name")
                                   : "programmer " + std::to_string(i + 1);
        pr.hosts = r.hosts(progs[i]["hosts"], path + ".hosts");
        if (pr.hosts.empty())
          r.fail(progs[i], path, "list the hosts (addresses or CIDR blocks) of this programmer");
        p.programmers.push_back(std::move(pr));
      }
      p.mqtt_command_topics = r.strings(inf["mqtt_command_topics"], "infusion.mqtt_command_topics");
      for (std::size_t i = 0; i < p.mqtt_command_topics.size(); ++i) {
        const std::string& t = p.mqtt_command_topics[i];
        const auto hash = t.find('#');
        if (t.empty() || (hash != std::string::npos && hash != t.size() - 1))
          r.fail(inf["mqtt_command_topics"][i],
                 "infusion.mqtt_command_topics[" + std::to_string(i) + "]",
                 "'" + t + "' is not a valid MQTT topic filter");
      }
    }

    if (const YAML::Node phi = root["phi"]) {
      r.check_keys(phi, "phi", {"detect_cleartext", "mqtt_json_fields"});
      p.phi_detect_cleartext = r.boolean(phi["detect_cleartext"], "phi.detect_cleartext", true);
      p.phi_json_fields = r.strings(phi["mqtt_json_fields"], "phi.mqtt_json_fields");
    }
    if (p.phi_json_fields.empty()) {
      p.phi_json_fields = {"patient_name", "patient_id", "mrn",     "dob",  "birth_date",
                           "ssn",          "name",       "address", "phone"};
    }

    if (const YAML::Node al = root["alerts"]) {
      r.check_keys(al, "alerts", {"suppress"});
      const YAML::Node sup = al["suppress"];
      if (sup && !sup.IsSequence()) r.fail(sup, "alerts.suppress", "expected a list");
      for (std::size_t i = 0; sup && sup.IsSequence() && i < sup.size() && !r.failed(); ++i) {
        const std::string path = "alerts.suppress[" + std::to_string(i) + "]";
        r.check_keys(sup[i], path, {"rule", "hosts", "src", "dst", "services"});
        if (r.failed()) break;
        Suppression s;
        if (!sup[i]["rule"])
          r.fail(sup[i], path, "a suppression needs a rule (or \"*\")");
        else
          s.rule = r.str(sup[i]["rule"], path + ".rule");
        s.hosts = r.hosts(sup[i]["hosts"], path + ".hosts");
        s.src = r.hosts(sup[i]["src"], path + ".src");
        s.dst = r.hosts(sup[i]["dst"], path + ".dst");
        const std::vector<std::string> services = r.strings(sup[i]["services"], path + ".services");
        for (std::size_t k = 0; k < services.size() && !r.failed(); ++k) {
          const std::string_view canon = canonical_protocol(services[k]);
          if (canon.empty()) {
            std::string msg = "unknown service '" + services[k] + "' (expected one of: ";
            bool first = true;
            for (std::string_view n : protocol_names()) {
              msg += (first ? "" : ", ") + std::string(n);
              first = false;
            }
            r.fail(sup[i]["services"][k], path + ".services[" + std::to_string(k) + "]", msg + ")");
          }
          s.services.emplace_back(canon);
        }
        p.suppressions.push_back(std::move(s));
      }
    }

    if (const YAML::Node lim = root["limits"]) {
      if (!lim.IsMap()) r.fail(lim, "limits", "expected a mapping of limit name to number");
      for (const auto& kv : lim) {
        const std::string key = kv.first.Scalar();
        const auto v = r.number(kv.second, "limits." + key);
        if (v && (*v < 0 || *v != static_cast<double>(static_cast<std::uint64_t>(*v))))
          r.fail(kv.second, "limits." + key, "expected a whole number >= 0");
        if (v) p.limits.set(key, static_cast<std::uint64_t>(*v));
      }
    }
    if (const YAML::Node th = root["thresholds"]) read_thresholds(r, th, p.thresholds);

    if (const YAML::Node zn = root["zones"]; zn && !r.failed()) read_zones(r, zn, p);
    if (const YAML::Node cn = root["conduits"]; cn && !r.failed()) {
      if (p.zones.empty())
        r.fail(cn, "conduits", "conduits join zones: define zones first");
      else
        read_conduits(r, cn, p);
    }
    if (const YAML::Node ro = root["roles"]; ro && !r.failed()) {
      r.check_keys(ro, "roles", {"device_gateways", "camera_viewers", "upload_destinations"});
      read_host_groups(r, ro["device_gateways"], "roles.device_gateways", false,
                       p.roles.device_gateways);
      read_host_groups(r, ro["camera_viewers"], "roles.camera_viewers", false,
                       p.roles.camera_viewers);
      read_host_groups(r, ro["upload_destinations"], "roles.upload_destinations", true,
                       p.roles.upload_destinations);
    }
    if (const YAML::Node mw = root["maintenance_windows"]; mw && !r.failed())
      read_maintenance_windows(r, mw, p);
    if (const YAML::Node dp = root["device_protocols"]; dp && !r.failed())
      read_device_protocols(r, dp, p);
    if (!r.failed()) p.zone_index.build(p.zones);
  } catch (const YAML::Exception& e) {  // e.g. a scalar where a map was expected
    return unexpected(invalid_argument(name + ":" + std::to_string(e.mark.line + 1) + ":" +
                                       std::to_string(e.mark.column + 1) + ": " + e.msg));
  }
  if (r.failed()) return unexpected(invalid_argument(r.error()));
  return p;
}

std::vector<ClassProtocols> Policy::default_device_protocols() {
  // DOMAIN.md section 1: what each class speaks in normal operation, plus the address and time
  // services every networked device uses. Telnet and FTP are left to the crypto and infusion
  // rules (docs/detection.md); SSH is a protocol no class here uses by default.
  const std::vector<std::string> common = {"dhcp", "dns", "ntp", "tls", "http"};
  auto make = [&](std::string cls, std::vector<std::string> extra) {
    ClassProtocols c;
    c.device_class = std::move(cls);
    c.protocols = common;
    c.protocols.insert(c.protocols.end(), extra.begin(), extra.end());
    std::sort(c.protocols.begin(), c.protocols.end());
    c.where = "built-in default";
    return c;
  };
  return {
      make("infusion_pump", {"hl7", "mqtt", "ws-discovery"}),
      make("patient_monitor", {"hl7", "mqtt", "ws-discovery"}),
      make("cognitive_monitor", {"mqtt"}),
      make("imaging_modality", {"dicom", "hl7"}),
      make("camera", {"rtsp", "rtp", "ws-discovery"}),
  };
}

const ClassProtocols* Policy::protocols_for(std::string_view device_class) const noexcept {
  for (const ClassProtocols& c : device_protocols)
    if (c.device_class == device_class) return &c;
  return nullptr;
}

Result<Policy> load_policy(const std::string& path) {
  std::ifstream in(path);
  if (!in) return unexpected(not_found(path + ": cannot open policy file"));
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_policy(ss.str(), path);
}

}  // namespace ward::policy
