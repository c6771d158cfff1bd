#include "detect/baseline.h"

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "vuln/json_input.h"

namespace ward::detect {
namespace {

using nlohmann::json;

constexpr int kFormatVersion = 1;
constexpr std::size_t kMaxItemBytes = 128;

Status error_at(std::string_view name, const std::string& pointer, const std::string& what) {
  return invalid_argument(std::string(name) + ": " + (pointer.empty() ? "/" : pointer) + ": " +
                          what);
}

// The set's items and saturation as {"items": [...], "saturated": bool}.
json set_json(const ItemSet& s) {
  json o = json::object();
  o["items"] = s.items;
  o["saturated"] = s.saturated;
  return o;
}

Status read_set(const json& obj, const char* key, std::string_view name, const std::string& at,
                ItemSet& out) {
  const auto it = obj.find(key);
  const std::string here = at + "/" + key;
  if (it == obj.end()) return error_at(name, at, std::string("missing \"") + key + "\"");
  if (!it->is_object()) return error_at(name, here, "must be an object with items and saturated");
  for (const auto& [k, v] : it->items())
    if (k != "items" && k != "saturated") return error_at(name, here + "/" + k, "unknown member");
  const auto items = it->find("items");
  if (items == it->end() || !items->is_array())
    return error_at(name, here + "/items", "must be a list of strings");
  if (items->size() > Baseline::kMaxItems)
    return error_at(name, here + "/items",
                    "more than " + std::to_string(Baseline::kMaxItems) + " items");
  for (std::size_t i = 0; i < items->size(); ++i) {
    const json& e = (*items)[i];
    if (!e.is_string() || e.get_ref<const std::string&>().empty() ||
        e.get_ref<const std::string&>().size() > kMaxItemBytes)
      return error_at(
          name, here + "/items/" + std::to_string(i),
          "must be a non-empty string of at most " + std::to_string(kMaxItemBytes) + " bytes");
    out.items.insert(e.get<std::string>());
  }
  if (const auto sat = it->find("saturated"); sat != it->end()) {
    if (!sat->is_boolean()) return error_at(name, here + "/saturated", "must be true or false");
    out.saturated = sat->get<bool>();
  }
  return Status::ok_status();
}

Status read_rate(const json& obj, const char* key, std::string_view name, const std::string& at,
                 std::uint64_t& out) {
  const auto it = obj.find(key);
  if (it == obj.end()) return error_at(name, at, std::string("missing \"") + key + "\"");
  if (!it->is_number_unsigned() || it->get<std::uint64_t>() > 100'000'000)
    return error_at(name, at + "/" + key, "must be a whole number from 0 to 100000000");
  out = it->get<std::uint64_t>();
  return Status::ok_status();
}

}  // namespace

bool Baseline::add(ItemSet& set, const std::string& item) {
  if (set.items.count(item) != 0) return false;
  if (set.items.size() >= kMaxItems) {
    set.saturated = true;
    return false;
  }
  set.items.insert(item);
  return true;
}

std::string format_baseline_json(const Baseline& b) {
  json doc = json::object();
  doc["ward_baseline"] = kFormatVersion;
  doc["learned_s"] = std::round(b.learned_s * 1000) / 1000;
  json devices = json::array();
  for (const auto& [ip, d] : b.devices) {
    json o = json::object();
    o["ip"] = ip.to_string();
    o["device_class"] = d.device_class;
    o["peers"] = set_json(d.peers);
    o["ports"] = set_json(d.ports);
    o["protocols"] = set_json(d.protocols);
    o["max_flows_per_min"] = d.max_flows_per_min;
    o["max_messages_per_min"] = d.max_messages_per_min;
    devices.push_back(std::move(o));
  }
  doc["devices"] = std::move(devices);
  return doc.dump(1) + "\n";
}

Result<Baseline> parse_baseline(std::string_view json_text, std::string_view name) {
  auto doc = vuln::parse_bounded_json(json_text, name, Baseline::kMaxFileBytes, 8);
  if (!doc.ok()) return unexpected(invalid_argument(doc.error().to_string()));
  if (!doc->is_object()) return unexpected(error_at(name, "", "must be a JSON object"));
  for (const auto& [k, v] : doc->items())
    if (k != "ward_baseline" && k != "learned_s" && k != "devices")
      return unexpected(error_at(name, "/" + k, "unknown member"));
  const auto version = doc->find("ward_baseline");
  if (version == doc->end())
    return unexpected(error_at(name, "", "missing \"ward_baseline\": not a Ward baseline file"));
  if (!version->is_number_integer() || version->get<std::int64_t>() != kFormatVersion)
    return unexpected(
        error_at(name, "/ward_baseline", "unsupported format version (this Ward reads 1)"));
  Baseline b;
  b.loaded = true;
  if (const auto ls = doc->find("learned_s"); ls != doc->end()) {
    if (!ls->is_number() || !std::isfinite(ls->get<double>()) || ls->get<double>() < 0)
      return unexpected(error_at(name, "/learned_s", "must be a number of seconds >= 0"));
    b.learned_s = ls->get<double>();
  }
  const auto devices = doc->find("devices");
  if (devices == doc->end() || !devices->is_array())
    return unexpected(error_at(name, "/devices", "must be a list of devices"));
  if (devices->size() > Baseline::kMaxDevices)
    return unexpected(error_at(name, "/devices",
                               "more than " + std::to_string(Baseline::kMaxDevices) + " devices"));
  for (std::size_t i = 0; i < devices->size(); ++i) {
    const json& o = (*devices)[i];
    const std::string at = "/devices/" + std::to_string(i);
    if (!o.is_object()) return unexpected(error_at(name, at, "a device must be an object"));
    for (const auto& [k, v] : o.items()) {
      static constexpr std::string_view kKnown[] = {"ip",
                                                    "device_class",
                                                    "peers",
                                                    "ports",
                                                    "protocols",
                                                    "max_flows_per_min",
                                                    "max_messages_per_min"};
      bool known = false;
      for (std::string_view kk : kKnown) known = known || kk == k;
      if (!known) return unexpected(error_at(name, at + "/" + k, "unknown member"));
    }
    const auto ip_it = o.find("ip");
    IpAddr ip;
    if (ip_it == o.end() || !ip_it->is_string() ||
        !IpAddr::parse(ip_it->get_ref<const std::string&>(), ip))
      return unexpected(error_at(name, at + "/ip", "must be an IP address"));
    if (b.devices.count(ip) != 0)
      return unexpected(error_at(name, at + "/ip", ip.to_string() + " is listed twice"));
    DeviceBaseline d;
    if (const auto c = o.find("device_class"); c != o.end()) {
      if (!c->is_string() || c->get_ref<const std::string&>().size() > kMaxItemBytes)
        return unexpected(error_at(name, at + "/device_class", "must be a short string"));
      d.device_class = c->get<std::string>();
    }
    for (auto [key, set] : {std::pair{"peers", &d.peers}, std::pair{"ports", &d.ports},
                            std::pair{"protocols", &d.protocols}}) {
      if (Status s = read_set(o, key, name, at, *set); !s.ok()) return unexpected(std::move(s));
    }
    if (Status s = read_rate(o, "max_flows_per_min", name, at, d.max_flows_per_min); !s.ok())
      return unexpected(std::move(s));
    if (Status s = read_rate(o, "max_messages_per_min", name, at, d.max_messages_per_min); !s.ok())
      return unexpected(std::move(s));
    b.devices.emplace(ip, std::move(d));
  }
  return b;
}

Result<Baseline> load_baseline(const std::string& path) {
  auto text = vuln::read_bounded_file(path, Baseline::kMaxFileBytes);
  if (!text.ok()) return unexpected(invalid_argument(text.error().to_string()));
  return parse_baseline(*text, path);
}

Status save_baseline(const Baseline& b, const std::string& path) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return io_error(path + ": cannot write baseline file");
    out << format_baseline_json(b);
    out.flush();
    if (!out) return io_error(path + ": write failed");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    return io_error(path + ": cannot replace the baseline file");
  return Status::ok_status();
}

}  // namespace ward::detect
