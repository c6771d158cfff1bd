#include "eval/labels.h"

#include <cmath>

#include "eval/attack_classes.h"
#include "vuln/json_input.h"

namespace ward::eval {
namespace {

using nlohmann::json;

Status error_at(std::string_view name, const std::string& pointer, const std::string& what) {
  return invalid_argument(std::string(name) + ": " + pointer + ": " + what);
}

Result<std::string> string_member(const json& obj, const char* key, std::string_view name,
                                  const std::string& at, bool required) {
  const auto it = obj.find(key);
  if (it == obj.end()) {
    if (required) return unexpected(error_at(name, at, std::string("missing \"") + key + "\""));
    return std::string();
  }
  if (!it->is_string()) return unexpected(error_at(name, at + "/" + key, "must be a string"));
  return it->get<std::string>();
}

Result<double> time_member(const json& obj, const char* key, std::string_view name,
                           const std::string& at) {
  const auto it = obj.find(key);
  if (it == obj.end())
    return unexpected(error_at(name, at, std::string("missing \"") + key + "\""));
  if (!it->is_number())
    return unexpected(error_at(name, at + "/" + key, "must be a number (epoch seconds)"));
  const double v = it->get<double>();
  if (!std::isfinite(v) || v < 0)
    return unexpected(error_at(name, at + "/" + key, "must be a non-negative time"));
  return v;
}

}  // namespace

Result<std::vector<Label>> parse_labels(std::string_view json_text, std::string_view name) {
  auto doc = vuln::parse_bounded_json(json_text, name, kMaxLabelFileBytes, 8);
  if (!doc.ok()) return unexpected(invalid_argument(doc.error().to_string()));
  if (!doc->is_array()) return unexpected(error_at(name, "", "must be a JSON list of labels"));
  if (doc->size() > kMaxLabels)
    return unexpected(error_at(name, "", "more than " + std::to_string(kMaxLabels) + " labels"));
  std::vector<Label> out;
  out.reserve(doc->size());
  for (std::size_t i = 0; i < doc->size(); ++i) {
    const json& o = (*doc)[i];
    const std::string at = "/" + std::to_string(i);
    if (!o.is_object()) return unexpected(error_at(name, at, "a label must be an object"));
    for (const auto& [k, v] : o.items()) {
      static constexpr std::string_view kKnown[] = {
          "class", "technique", "attacker_ip", "victim_ips", "start_ts", "end_ts", "description"};
      bool known = false;
      for (std::string_view kk : kKnown) known = known || kk == k;
      if (!known) return unexpected(error_at(name, at + "/" + k, "unknown member"));
    }
    Label l;
    auto cls = string_member(o, "class", name, at, true);
    if (!cls.ok()) return unexpected(cls.error());
    if (!is_attack_class(*cls))
      return unexpected(
          error_at(name, at + "/class", "unknown class \"" + *cls + "\" (see docs/eval.md)"));
    l.cls = std::move(*cls);
    auto tech = string_member(o, "technique", name, at, false);
    if (!tech.ok()) return unexpected(tech.error());
    l.technique = std::move(*tech);
    auto desc = string_member(o, "description", name, at, false);
    if (!desc.ok()) return unexpected(desc.error());
    l.description = std::move(*desc);
    auto attacker = string_member(o, "attacker_ip", name, at, true);
    if (!attacker.ok()) return unexpected(attacker.error());
    if (!IpAddr::parse(*attacker, l.attacker))
      return unexpected(error_at(name, at + "/attacker_ip", "not an IP address: " + *attacker));
    if (const auto v = o.find("victim_ips"); v != o.end()) {
      if (!v->is_array())
        return unexpected(error_at(name, at + "/victim_ips", "must be a list of IP addresses"));
      for (std::size_t j = 0; j < v->size(); ++j) {
        const json& e = (*v)[j];
        IpAddr ip;
        if (!e.is_string() || !IpAddr::parse(e.get<std::string>(), ip))
          return unexpected(
              error_at(name, at + "/victim_ips/" + std::to_string(j), "not an IP address"));
        l.victims.push_back(ip);
      }
    }
    auto start = time_member(o, "start_ts", name, at);
    if (!start.ok()) return unexpected(start.error());
    auto end = time_member(o, "end_ts", name, at);
    if (!end.ok()) return unexpected(end.error());
    if (*end < *start) return unexpected(error_at(name, at + "/end_ts", "before start_ts"));
    l.start_ts = *start;
    l.end_ts = *end;
    out.push_back(std::move(l));
  }
  return out;
}

Result<std::vector<Label>> load_labels(const std::string& path) {
  auto text = vuln::read_bounded_file(path, kMaxLabelFileBytes);
  if (!text.ok()) return unexpected(invalid_argument(text.error().to_string()));
  return parse_labels(*text, path);
}

}  // namespace ward::eval
