#include "inventory/inventory_report.h"

#include <algorithm>
#include <map>

namespace ward::inventory {
namespace {

// Identification attributes printed as top-level fields (best value), in this order.
constexpr std::string_view kTopLevel[] = {
    attr::kClass,  attr::kVendor,   attr::kModel,    attr::kVersion, attr::kOs,
    attr::kType,   attr::kHostName, attr::kLocation, attr::kUdiDi,   attr::kUdi,
    attr::kSerial, attr::kEui64,    attr::kAeTitle,
};

std::string join(const std::vector<IpAddr>& ips) {
  std::string out;
  for (const auto& ip : ips) {
    if (!out.empty()) out += ' ';
    out += ip.to_string();
  }
  return out;
}

std::string csv(std::string_view s) {
  if (s.find_first_of(",\"\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string cell(std::string_view s, std::size_t width) {
  std::string out(s.substr(0, width));
  if (s.size() > width && width > 1) out.back() = '~';
  out.resize(width, ' ');
  return out;
}

void write_evidence(JsonWriter& w, const Evidence& e) {
  w.begin_object().kv("source", e.source);
  if (!e.rule.empty()) w.kv("rule", e.rule);
  w.kv("raw", e.raw)
      .kv("confidence", static_cast<std::uint64_t>(e.confidence))
      .kv("first_seen", format_ts(e.first_seen))
      .kv("last_seen", format_ts(e.last_seen))
      .kv("count", e.count)
      .end_object();
}

// Names a person recognises a device by: host name, else mDNS/HL7/MQTT/AE names.
std::string display_names(const Device& d) {
  std::string out;
  auto add = [&](std::string_view s) {
    if (s.empty() || out.find(s) != std::string::npos) return;
    if (!out.empty()) out += ' ';
    out += s;
  };
  add(d.best(attr::kHostName));
  add(d.best("hl7_application"));
  add(d.best("mqtt_client_id"));
  add(d.best(attr::kAeTitle));
  add(d.best("tls_subject"));
  return out;
}

std::string status_of(const InventoryView& v, std::size_t di, std::string& asset_id) {
  if (v.reconciliation == nullptr) return {};
  for (const auto& m : v.reconciliation->matched) {
    if (m.device != di) continue;
    asset_id = (*v.intended)[m.asset].asset_id;
    if (m.mismatches.empty()) return "matched";
    std::string s = "mismatch:";
    for (std::size_t i = 0; i < m.mismatches.size(); ++i)
      s += (i ? "+" : "") + m.mismatches[i].field;
    return s;
  }
  if (std::find(v.reconciliation->unknown.begin(), v.reconciliation->unknown.end(), di) !=
      v.reconciliation->unknown.end())
    return "unknown";
  return "external";
}

}  // namespace

void write_device_json(JsonWriter& w, const Device& d, bool evidence) {
  w.begin_object()
      .kv("ts", format_ts(d.last_seen))
      .kv("device_id", d.id)
      .kv("first_seen", format_ts(d.first_seen))
      .kv("last_seen", format_ts(d.last_seen));
  if (d.has_mac()) w.kv("mac", d.mac.to_string());
  w.key("ips").begin_array();
  for (const auto& ip : d.ips) w.value(ip.to_string());
  w.end_array();
  for (std::string_view a : kTopLevel) {
    if (a == attr::kClass) {
      w.kv("class", device_class_name(d.device_class()));
      w.kv("class_confidence", static_cast<std::uint64_t>(d.best_confidence(a)));
      continue;
    }
    const std::string_view v = d.best(a);
    if (v.empty()) continue;
    w.kv(a, v);
    if (a == attr::kVendor || a == attr::kModel || a == attr::kVersion)
      w.kv(std::string(a) + "_confidence", static_cast<std::uint64_t>(d.best_confidence(a)));
  }
  w.kv("flows", d.flows).kv("bytes", d.bytes);
  auto set = [&](std::string_view k, const std::set<std::string>& s) {
    if (s.empty()) return;
    w.key(k).begin_array();
    for (const auto& x : s) w.value(x);
    w.end_array();
  };
  set("services_offered", d.services_offered);
  set("services_used", d.services_used);
  set("roles", d.roles);
  set("names", d.names);
  set("device_ids", d.device_ids);
  if (evidence) {
    w.key("attributes").begin_object();
    for (const auto& [name, a] : d.attributes) {
      if (a.values.empty()) continue;
      w.key(name).begin_array();
      for (const auto& v : a.values) {
        w.begin_object()
            .kv("value", v.value)
            .kv("confidence", static_cast<std::uint64_t>(v.confidence()));
        w.key("evidence").begin_array();
        for (const auto& e : v.evidence) write_evidence(w, e);
        w.end_array().end_object();
      }
      w.end_array();
    }
    w.end_object();
  }
  w.end_object();
}

std::string device_log_line(const Device& d) {
  std::string out;
  JsonWriter w(out);
  write_device_json(w, d, true);
  return out;
}

std::string top_evidence(const Device& d, std::size_t max_items) {
  std::string out;
  std::size_t n = 0;
  for (std::string_view a : {attr::kClass, attr::kModel, attr::kVendor, attr::kVersion}) {
    if (n >= max_items) break;
    auto it = d.attributes.find(a);
    if (it == d.attributes.end() || it->second.best() == nullptr) continue;
    const AttributeValue& v = *it->second.best();
    if (v.evidence.empty()) continue;
    const Evidence& e = v.evidence.front();
    if (!out.empty()) out += "; ";
    out += std::string(a) + "<-" + e.source;
    if (!e.rule.empty()) out += "[" + e.rule + "]";
    out += " " + std::to_string(e.confidence);
    ++n;
  }
  return out;
}

std::string format_inventory_table(const InventoryView& v) {
  const auto& devices = *v.devices;
  std::string out = std::to_string(devices.size()) + " devices\n\n";
  out += cell("CLASS", 17) + " " + cell("VENDOR", 20) + " " + cell("MODEL", 24) + " " +
         cell("VERSION", 10) + " " + cell("MAC", 17) + " " + cell("IPS", 15) + " " +
         cell("NAMES", 22) + " " + "EVIDENCE\n";
  for (const Device& d : devices) {
    out += cell(device_class_name(d.device_class()), 17) + " " + cell(d.vendor(), 20) + " " +
           cell(d.model(), 24) + " " + cell(d.version(), 10) + " " +
           cell(d.has_mac() ? d.mac.to_string() : "-", 17) + " " + cell(join(d.ips), 15) + " " +
           cell(display_names(d), 22) + " " + top_evidence(d) + "\n";
  }
  if (v.reconciliation == nullptr) return out;
  const Reconciliation& r = *v.reconciliation;
  const auto& assets = *v.intended;
  out += "\nReconciliation with " + std::to_string(assets.size()) + " intended assets:\n";
  out += "  matched " + std::to_string(r.matched.size()) + ", mismatches " +
         std::to_string(r.mismatch_count()) + ", unknown " + std::to_string(r.unknown.size()) +
         ", missing " + std::to_string(r.missing.size()) + "\n";
  for (const auto& m : r.matched) {
    for (const auto& mm : m.mismatches) {
      out += "  MISMATCH " + assets[m.asset].asset_id + " (" + devices[m.device].id + ", by " +
             m.matched_by + "): " + mm.field + " intended '" + mm.intended + "', observed '" +
             mm.observed + "'";
      if (!mm.evidence.empty())
        out += " from " + mm.evidence.front().source + " '" + mm.evidence.front().raw + "'";
      out += "\n";
    }
  }
  for (std::size_t di : r.unknown) {
    const Device& d = devices[di];
    out += "  UNKNOWN  " + d.id + " " + join(d.ips) + " " +
           std::string(device_class_name(d.device_class()));
    if (!d.vendor().empty()) out += " " + std::string(d.vendor());
    if (!d.model().empty()) out += " " + std::string(d.model());
    out += "\n";
  }
  for (std::size_t ai : r.missing) {
    const IntendedAsset& a = assets[ai];
    out += "  MISSING  " + a.asset_id;
    if (!a.mac.is_zero()) out += " " + a.mac.to_string();
    if (a.has_ip) out += " " + a.ip.to_string();
    if (!a.model.empty()) out += " " + a.model;
    if (!a.location.empty()) out += " @" + a.location;
    out += "\n";
  }
  return out;
}

std::string format_inventory_json(const InventoryView& v) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().key("devices").begin_array();
  for (const Device& d : *v.devices) write_device_json(w, d, true);
  w.end_array();
  if (v.reconciliation != nullptr) {
    const auto& assets = *v.intended;
    const auto& devices = *v.devices;
    const Reconciliation& r = *v.reconciliation;
    w.key("reconciliation").begin_object();
    w.key("matched").begin_array();
    for (const auto& m : r.matched) {
      w.begin_object()
          .kv("asset_id", assets[m.asset].asset_id)
          .kv("device_id", devices[m.device].id)
          .kv("matched_by", m.matched_by);
      w.key("mismatches").begin_array();
      for (const auto& mm : m.mismatches) {
        w.begin_object()
            .kv("field", mm.field)
            .kv("intended", mm.intended)
            .kv("observed", mm.observed);
        w.key("evidence").begin_array();
        for (const auto& e : mm.evidence) write_evidence(w, e);
        w.end_array().end_object();
      }
      w.end_array().end_object();
    }
    w.end_array();
    w.key("unknown").begin_array();
    for (std::size_t di : r.unknown) w.value(devices[di].id);
    w.end_array();
    w.key("missing").begin_array();
    for (std::size_t ai : r.missing) {
      const IntendedAsset& a = assets[ai];
      w.begin_object().kv("asset_id", a.asset_id).kv("origin", a.origin);
      if (!a.mac.is_zero()) w.kv("mac", a.mac.to_string());
      if (a.has_ip) w.kv("ip", a.ip.to_string());
      if (!a.model.empty()) w.kv("model", a.model);
      if (!a.location.empty()) w.kv("location", a.location);
      w.end_object();
    }
    w.end_array().end_object();
  }
  w.end_object();
  return out;
}

std::string format_inventory_csv(const InventoryView& v) {
  std::string out =
      "device_id,mac,ips,class,vendor,model,version,host_name,location,names,evidence";
  if (v.reconciliation != nullptr) out += ",asset_id,reconciliation";
  out += "\n";
  const auto& devices = *v.devices;
  for (std::size_t di = 0; di < devices.size(); ++di) {
    const Device& d = devices[di];
    out += csv(d.id) + "," + (d.has_mac() ? d.mac.to_string() : "") + "," + csv(join(d.ips)) + "," +
           std::string(device_class_name(d.device_class())) + "," + csv(d.vendor()) + "," +
           csv(d.model()) + "," + csv(d.version()) + "," + csv(d.best(attr::kHostName)) + "," +
           csv(d.best(attr::kLocation)) + "," + csv(display_names(d)) + "," +
           csv(top_evidence(d, 4));
    if (v.reconciliation != nullptr) {
      std::string asset;
      const std::string status = status_of(v, di, asset);
      out += "," + csv(asset) + "," + status;
    }
    out += "\n";
  }
  if (v.reconciliation != nullptr) {
    for (std::size_t ai : v.reconciliation->missing) {
      const IntendedAsset& a = (*v.intended)[ai];
      out += ",";
      out += (a.mac.is_zero() ? "" : a.mac.to_string()) + "," + (a.has_ip ? a.ip.to_string() : "") +
             ",,," + csv(a.model) + "," + csv(a.firmware) + ",," + csv(a.location) + ",,," +
             csv(a.asset_id) + ",missing\n";
    }
  }
  return out;
}

}  // namespace ward::inventory
