#include "engine/policy_tools.h"

#include <algorithm>
#include <set>
#include <sstream>

#include "common/json_writer.h"
#include "engine/monitor.h"
#include "flow/flow_events.h"
#include "inventory/device_tracker.h"
#include "inventory/identify.h"
#include "policy/policy.h"

namespace ward::engine {
namespace {

// Runs every capture into one tracker and one flow matrix. Returns 0, 1 after an input error
// in a capture (what was read before it counts) or 2 for a configuration error.
int collect(const PolicyToolOptions& o, const char* who, FlowMatrix& matrix,
            std::vector<inventory::Device>& devices, ToolResult& r) {
  auto id = inventory::load_identification("", o.fingerprints_path, o.oui_path);
  if (!id.ok()) {
    r.err += std::string(who) + ": " + id.error().message() + "\n";
    return 2;
  }
  inventory::DeviceTracker tracker((*id)->tracker_options());
  int rc = 0;
  for (const std::string& path : o.reads) {
    MonitorOptions mo;
    mo.read_path = path;
    mo.policy_path = o.policy_path;
    mo.uid_seed = 1;
    mo.tracker = &tracker;
    mo.ephemeral_phi_key = true;
    mo.subscribers.push_back(&matrix);
    auto run = run_monitor(mo);
    if (!run.ok()) {
      r.err += std::string(who) + ": " + run.error().message() + "\n";
      return 2;
    }
    if (!run->input_error.ok()) {
      r.err += std::string(who) + ": " + run->input_error.message() + "\n";
      rc = 1;
    }
  }
  devices = tracker.snapshot();
  if (matrix.dropped > 0)
    r.err += std::string(who) + ": warning: " + std::to_string(matrix.dropped) + " flows beyond " +
             std::to_string(FlowMatrix::kMaxKeys) +
             " distinct (host, host, port) keys were not considered\n";
  return rc;
}

std::string port_text(bus::Transport proto, std::uint16_t port) {
  switch (proto) {
    case bus::Transport::kTcp:
    case bus::Transport::kUdp:
      return std::string(bus::transport_name(proto)) + "/" + std::to_string(port);
    case bus::Transport::kIcmp:
      return "icmp";
    case bus::Transport::kIcmp6:
      return "icmp6";
    case bus::Transport::kNone:
      break;
  }
  return "any";
}

// The zone of `ip` under `p`, with zones given by device class resolved by the inventory.
policy::ZoneId zone_with_classes(const policy::Policy& p, const IpAddr& ip,
                                 const std::map<IpAddr, std::string_view>& classes) {
  const policy::ZoneId z = p.zone_of(ip);
  if (z != policy::kUnzoned) return z;
  const auto it = classes.find(ip);
  return p.zone_for_class(it == classes.end() ? std::string_view("unknown") : it->second);
}

std::map<IpAddr, std::string_view> classes_of(const std::vector<inventory::Device>& devices) {
  std::map<IpAddr, std::string_view> out;
  for (const inventory::Device& d : devices)
    for (const IpAddr& ip : d.ips) out[ip] = inventory::device_class_name(d.device_class());
  return out;
}

// ---- learn ---------------------------------------------------------------------------------

// The subnet a learned zone is made of: the /24 of an IPv4 address, the /64 of an IPv6 one.
Cidr subnet_of(const IpAddr& ip) {
  Cidr c;
  c.base = ip;
  c.prefix_bits = ip.is_v4() ? 120 : 64;
  for (std::size_t i = static_cast<std::size_t>(c.prefix_bits / 8); i < 16; ++i)
    c.base.bytes[i] = 0;
  return c;
}

std::string cidr_text(const Cidr& c) {
  return c.base.to_string() + "/" +
         std::to_string(c.base.is_v4() ? c.prefix_bits - 96 : c.prefix_bits);
}

std::string_view zone_name_for(std::string_view cls) {
  if (cls == "infusion_pump") return "infusion_pumps";
  if (cls == "pump_server") return "clinical_servers";
  if (cls == "patient_monitor") return "patient_monitors";
  if (cls == "cognitive_monitor") return "cognitive_monitors";
  if (cls == "imaging_modality") return "imaging";
  if (cls == "pacs") return "pacs";
  if (cls == "camera") return "cameras";
  if (cls == "workstation") return "workstations";
  if (cls == "network_gear") return "network";
  return {};
}

bool medical_class(std::string_view cls) {
  return cls == "infusion_pump" || cls == "patient_monitor" || cls == "cognitive_monitor" ||
         cls == "imaging_modality";
}

std::string subnet_label(const Cidr& c) {
  std::string s = c.base.to_string();
  for (char& ch : s)
    if (ch == '.' || ch == ':') ch = '_';
  while (!s.empty() && s.back() == '_') s.pop_back();
  if (c.base.is_v4()) s = s.substr(0, s.rfind('_'));  // 10_10_2_0 -> 10_10_2
  return s;
}

struct ZoneDraft {
  Cidr cidr;
  std::map<IpAddr, std::string> hosts;  // -> "class vendor model"
  std::map<std::string, std::size_t> classes;
  std::string name;
  bool medical = false;
};

struct ConduitDraft {
  std::set<std::pair<bus::Transport, std::uint16_t>> ports;
  std::uint64_t flows = 0;
  std::string example;
};

}  // namespace

void FlowMatrix::on_event(const bus::EventContext& ctx, const bus::Event& e) {
  if (bus::event_cast<flow::FlowStart>(e) == nullptr) return;
  Key k{ctx.orig_h, ctx.resp_h, ctx.proto, 0};
  if (ctx.proto == bus::Transport::kTcp || ctx.proto == bus::Transport::kUdp) k.port = ctx.resp_p;
  auto it = flows.find(k);
  if (it == flows.end()) {
    if (flows.size() >= kMaxKeys) {
      ++dropped;
      return;
    }
    it = flows.emplace(k, Stats{0, ctx.ts, ctx.ts}).first;
  }
  ++it->second.flows;
  it->second.first_ts = std::min(it->second.first_ts, ctx.ts);
  it->second.last_ts = std::max(it->second.last_ts, ctx.ts);
}

ToolResult policy_learn(const PolicyToolOptions& o) {
  ToolResult r;
  FlowMatrix matrix;
  std::vector<inventory::Device> devices;
  r.exit_code = collect(o, "ward policy learn", matrix, devices, r);
  if (r.exit_code == 2) return r;

  // Zones: the local unicast hosts of the flows, by subnet.
  std::map<IpAddr, const inventory::Device*> device_of;
  for (const inventory::Device& d : devices)
    for (const IpAddr& ip : d.ips) device_of[ip] = &d;
  std::map<Cidr, ZoneDraft, bool (*)(const Cidr&, const Cidr&)> drafts(
      [](const Cidr& a, const Cidr& b) {
        return std::tie(a.base, a.prefix_bits) < std::tie(b.base, b.prefix_bits);
      });
  for (const auto& [k, st] : matrix.flows) {
    if (!policy::is_unicast(k.orig) || !policy::is_unicast(k.resp)) continue;
    for (const IpAddr& ip : {k.orig, k.resp}) {
      if (policy::is_public_unicast(ip)) continue;
      ZoneDraft& z = drafts[subnet_of(ip)];
      z.cidr = subnet_of(ip);
      if (z.hosts.count(ip) != 0) continue;
      const auto it = device_of.find(ip);
      std::string cls = "unknown";
      std::string label;
      if (it != device_of.end()) {
        cls = std::string(inventory::device_class_name(it->second->device_class()));
        for (std::string_view part : {it->second->vendor(), it->second->model()})
          if (!part.empty()) label += " " + std::string(part);
      }
      z.hosts[ip] = cls + label;
      ++z.classes[cls];
    }
  }
  std::set<std::string> taken;
  for (auto& [cidr, z] : drafts) {
    std::string best;
    std::size_t best_n = 0;
    for (const auto& [cls, n] : z.classes)
      if (cls != "unknown" && n > best_n) {
        best = cls;
        best_n = n;
      }
    std::string name(zone_name_for(best));
    if (name.empty()) name = "subnet";
    if (name == "subnet" || taken.count(name) != 0) name += "_" + subnet_label(cidr);
    taken.insert(name);
    z.name = name;
    z.medical = medical_class(best);
  }

  std::ostringstream y;
  y << "# Zones and conduits proposed by `ward policy learn` from:\n";
  for (const std::string& p : o.reads) y << "#   " << p << "\n";
  y << "# Review every zone and conduit before use: what the captures did is taken as allowed,\n"
       "# including anything that should not have happened. Merge these sections into ward.yaml;\n"
       "# docs/policy.md explains each key.\n"
       "version: 1\n\nzones:\n";
  for (const auto& [cidr, z] : drafts) {
    y << "  # " << z.hosts.size() << (z.hosts.size() == 1 ? " host" : " hosts") << ":";
    std::size_t shown = 0;
    for (const auto& [ip, label] : z.hosts) {
      if (shown++ == 8) {
        y << " ...";
        break;
      }
      y << (shown == 1 ? " " : ", ") << ip.to_string() << " (" << label << ")";
    }
    y << "\n  - name: " << z.name << "\n    cidrs: [\"" << cidr_text(cidr) << "\"]\n";
    y << "    device_classes: [";
    bool first = true;
    for (const auto& [cls, n] : z.classes) {
      y << (first ? "" : ", ") << cls;
      first = false;
    }
    y << "]";
    if (z.classes.count("unknown") != 0) y << "  # unknown: hosts the inventory could not identify";
    y << "\n    security_level: " << (z.medical ? 3 : 2) << "  # IEC 62443 SL-T: set your target\n";
    y << "    medical: " << (z.medical ? "true" : "false") << "\n";
  }
  if (drafts.empty()) {
    r.err +=
        "ward policy learn: warning: no local (private) unicast host in the captures: no "
        "zone to propose\n";
    r.out = y.str().substr(0, y.str().rfind("zones:\n")) +
            "# The captures show no local (private) unicast host: no zone to propose.\n";
    return r;
  }
  const std::string zones_yaml = y.str();
  auto zoned = policy::parse_policy(zones_yaml, "learned");
  if (!zoned.ok()) {  // our bug: the proposal must always load
    r.err += "ward policy learn: internal error: the proposed zones do not load: " +
             zoned.error().message() + "\n";
    r.exit_code = 2;
    return r;
  }

  // Conduits: every zone-to-zone (or zone-internet) service, from the originator's zone.
  std::map<std::pair<policy::ZoneId, policy::ZoneId>, ConduitDraft> conduits;
  for (const auto& [k, st] : matrix.flows) {
    if (!policy::is_unicast(k.orig) || !policy::is_unicast(k.resp)) continue;
    const policy::ZoneId zo = zoned->zone_of(k.orig);
    const policy::ZoneId zr = zoned->zone_of(k.resp);
    if (!zoned->needs_conduit(zo, zr)) continue;
    ConduitDraft& c = conduits[{zo, zr}];
    c.ports.insert({k.proto, k.port});
    c.flows += st.flows;
    if (c.example.empty())
      c.example =
          k.orig.to_string() + " -> " + k.resp.to_string() + " " + port_text(k.proto, k.port);
  }
  y << "\nconduits:\n";
  if (conduits.empty()) y << "  []\n";
  constexpr std::size_t kMaxPortsPerProto = 16;
  for (const auto& [zones, c] : conduits) {
    y << "  # " << c.flows << (c.flows == 1 ? " flow" : " flows") << ", e.g. " << c.example << "\n";
    y << "  - from: " << zoned->zone_name(zones.first)
      << "\n    to: " << zoned->zone_name(zones.second) << "\n    ports: [";
    bool first = true;
    std::vector<std::string> notes;
    for (bus::Transport proto : {bus::Transport::kTcp, bus::Transport::kUdp, bus::Transport::kIcmp,
                                 bus::Transport::kIcmp6, bus::Transport::kNone}) {
      std::vector<std::uint16_t> ports;
      for (const auto& [pp, port] : c.ports)
        if (pp == proto) ports.push_back(port);
      if (ports.empty()) continue;
      std::vector<std::string> entries;
      if (ports.size() > kMaxPortsPerProto) {
        entries.push_back(std::string(bus::transport_name(proto)) + "/" +
                          std::to_string(ports.front()) + "-" + std::to_string(ports.back()));
        notes.push_back(std::to_string(ports.size()) + " " +
                        std::string(bus::transport_name(proto)) +
                        " ports seen, given as one range: narrow it");
      } else if (proto == bus::Transport::kTcp || proto == bus::Transport::kUdp) {
        for (std::uint16_t port : ports) {
          entries.push_back(port_text(proto, port));
          const std::string_view app = policy::application_of(proto, port);
          if (!app.empty()) notes.push_back(entries.back() + " is " + std::string(app));
        }
      } else {
        entries.push_back(port_text(proto, 0));
        if (proto == bus::Transport::kNone)
          notes.push_back("any: an IP protocol other than TCP, UDP or ICMP");
      }
      for (const std::string& e : entries) {
        y << (first ? "" : ", ") << e;
        first = false;
      }
    }
    y << "]";
    if (!notes.empty()) {
      y << "  #";
      for (std::size_t i = 0; i < notes.size(); ++i) y << (i == 0 ? " " : "; ") << notes[i];
    }
    y << "\n";
  }
  r.out = y.str();
  auto check = policy::parse_policy(r.out, "learned");
  if (!check.ok()) {
    r.err += "ward policy learn: internal error: the proposal does not load: " +
             check.error().message() + "\n";
    r.exit_code = 2;
  }
  return r;
}

// ---- diff ----------------------------------------------------------------------------------

ToolResult policy_diff(const PolicyToolOptions& o) {
  ToolResult r;
  auto pol = policy::load_policy(o.policy_path);
  if (!pol.ok()) {
    r.err = "ward policy diff: " + pol.error().message() + "\n";
    r.exit_code = 2;
    return r;
  }
  if (pol->zones.empty()) {
    r.err = "ward policy diff: " + o.policy_path + " defines no zones: nothing to check\n";
    r.exit_code = 2;
    return r;
  }
  FlowMatrix matrix;
  std::vector<inventory::Device> devices;
  const int rc = collect(o, "ward policy diff", matrix, devices, r);
  if (rc != 0) {  // a partial capture would hide violations: not a clean answer either way
    r.exit_code = 2;
    return r;
  }
  const auto classes = classes_of(devices);
  struct Violation {
    const FlowMatrix::Key* key;
    const FlowMatrix::Stats* st;
    policy::ZoneId zo, zr;
    bool medical_internet;
  };
  std::vector<Violation> out;
  std::uint64_t checked = 0;
  for (const auto& [k, st] : matrix.flows) {
    if (!policy::is_unicast(k.orig) || !policy::is_unicast(k.resp)) continue;
    const policy::ZoneId zo = zone_with_classes(*pol, k.orig, classes);
    const policy::ZoneId zr = zone_with_classes(*pol, k.resp, classes);
    checked += st.flows;
    if (!pol->needs_conduit(zo, zr) || pol->conduit_allowing(zo, zr, k.proto, k.port) != nullptr)
      continue;
    const policy::Zone* a = pol->zone(zo);
    const policy::Zone* b = pol->zone(zr);
    const bool mi = (zo == policy::kInternet && b != nullptr && b->medical) ||
                    (zr == policy::kInternet && a != nullptr && a->medical);
    out.push_back({&k, &st, zo, zr, mi});
  }
  std::stable_sort(out.begin(), out.end(), [](const Violation& x, const Violation& y) {
    return x.st->first_ts < y.st->first_ts;
  });
  if (o.json) {
    std::string s;
    JsonWriter w(s);
    w.begin_object().kv("policy", o.policy_path).kv("flows_checked", checked);
    w.key("violations").begin_array();
    for (const Violation& v : out) {
      w.begin_object()
          .kv("rule", v.medical_internet ? "ward.segmentation.medical_internet"
                                         : "ward.segmentation.conduit_violation")
          .kv("src", v.key->orig.to_string())
          .kv("src_zone", pol->zone_name(v.zo))
          .kv("dst", v.key->resp.to_string())
          .kv("dst_zone", pol->zone_name(v.zr))
          .kv("proto", bus::transport_name(v.key->proto))
          .kv("port", static_cast<std::uint64_t>(v.key->port))
          .kv("service", port_text(v.key->proto, v.key->port))
          .kv("count", v.st->flows)
          .kv("first_ts", format_ts(v.st->first_ts))
          .kv("last_ts", format_ts(v.st->last_ts))
          .end_object();
    }
    w.end_array().end_object();
    r.out = s + "\n";
  } else {
    std::ostringstream t;
    t << out.size() << (out.size() == 1 ? " flow" : " flows") << " that the conduits of "
      << o.policy_path << " do not allow (" << checked << " flows checked)\n";
    if (!out.empty()) {
      std::vector<std::vector<std::string>> rows = {
          {"SRC", "SRC ZONE", "DST", "DST ZONE", "PORT", "COUNT", "FIRST", "LAST", "RULE"}};
      for (const Violation& v : out)
        rows.push_back({v.key->orig.to_string(), std::string(pol->zone_name(v.zo)),
                        v.key->resp.to_string(), std::string(pol->zone_name(v.zr)),
                        port_text(v.key->proto, v.key->port), std::to_string(v.st->flows),
                        format_ts(v.st->first_ts), format_ts(v.st->last_ts),
                        v.medical_internet ? "medical_internet" : "conduit_violation"});
      std::vector<std::size_t> width(rows[0].size(), 0);
      for (const auto& row : rows)
        for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
      for (const auto& row : rows) {
        std::string line;
        for (std::size_t i = 0; i < row.size(); ++i) {
          line += row[i];
          if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 2, ' ');
        }
        t << line << "\n";
      }
    }
    r.out = t.str();
  }
  r.exit_code = out.empty() ? 0 : 1;
  return r;
}

}  // namespace ward::engine
