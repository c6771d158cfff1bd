#include "inventory/fingerprints.h"

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>

#include "inventory/device.h"

namespace ward::inventory {
namespace {

// Concatenates text pieces into one string (error messages).
std::string cat(std::initializer_list<std::string_view> parts) {
  std::string s;
  for (std::string_view p : parts) s += p;
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string where(const std::string& name, const YAML::Node& n) {
  const YAML::Mark m = n.Mark();
  if (m.line < 0) return name;
  return name + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
}

bool settable(std::string_view a) {
  return a == attr::kClass || a == attr::kVendor || a == attr::kModel || a == attr::kVersion ||
         a == attr::kOs || a == attr::kType;
}

// Expands $0..$9 in `tmpl` from the match groups (or the whole value for $0).
std::string expand(std::string_view tmpl, const std::smatch* m, std::string_view whole) {
  std::string out;
  for (std::size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] == '$' && i + 1 < tmpl.size() && tmpl[i + 1] >= '0' && tmpl[i + 1] <= '9') {
      const auto g = static_cast<std::size_t>(tmpl[i + 1] - '0');
      if (g == 0 && m == nullptr) {
        out += whole;
      } else if (m != nullptr && g < m->size() && (*m)[g].matched) {
        out += (*m)[g].str();
      }
      ++i;
    } else {
      out += tmpl[i];
    }
  }
  // Trim what captures may leave around.
  const auto b = out.find_first_not_of(" \t_-;,");
  const auto e = out.find_last_not_of(" \t_-;,");
  return b == std::string::npos ? std::string() : out.substr(b, e - b + 1);
}

// Parses one file into `rules` and `aliases`. Returns the first error.
Status parse(std::string_view text, const std::string& name, bool user,
             std::vector<std::unique_ptr<Rule>>& rules,
             std::vector<std::pair<std::string, std::string>>& aliases) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::ParserException& e) {  // yaml-cpp reports syntax errors by exception
    return invalid_argument(name + ":" + std::to_string(e.mark.line + 1) + ":" +
                            std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  if (!root.IsMap())
    return invalid_argument(where(name, root) + ": expected a mapping with `rules:`");
  for (const auto& kv : root) {
    const auto k = kv.first.as<std::string>("");
    if (k != "rules" && k != "vendors" && k != "doc" && k != "version")
      return invalid_argument(where(name, kv.first) + ": unknown key '" + k +
                              "' (expected rules, vendors, doc)");
  }
  if (const YAML::Node v = root["vendors"]; v) {
    if (!v.IsSequence()) return invalid_argument(where(name, v) + ": vendors must be a list");
    for (const YAML::Node& e : v) {
      if (!e.IsMap() || !e["name"] || !e["name"].IsScalar())
        return invalid_argument(where(name, e) + ": a vendor needs a `name`");
      const auto canonical = e["name"].as<std::string>();
      aliases.emplace_back(normalise_name(canonical), canonical);
      if (const YAML::Node al = e["aliases"]; al) {
        if (!al.IsSequence())
          return invalid_argument(where(name, al) + ": aliases must be a list of names");
        for (const YAML::Node& a : al) {
          if (!a.IsScalar()) return invalid_argument(where(name, a) + ": an alias is a name");
          const std::string n = normalise_name(a.as<std::string>());
          if (!n.empty()) aliases.emplace_back(n, canonical);
        }
      }
    }
  }
  const YAML::Node rs = root["rules"];
  if (!rs) return {};
  if (!rs.IsSequence()) return invalid_argument(where(name, rs) + ": rules must be a list");
  for (const YAML::Node& r : rs) {
    if (!r.IsMap()) return invalid_argument(where(name, r) + ": a rule is a mapping");
    auto rule = std::make_unique<Rule>();
    rule->user = user;
    rule->origin = where(name, r);
    int matchers = 0;
    for (const auto& kv : r) {
      const auto k = kv.first.as<std::string>("");
      const YAML::Node& v = kv.second;
      const std::string at = where(name, v);
      if (k == "id" || k == "signal" || k == "exact" || k == "prefix" || k == "contains" ||
          k == "regex" || k == "doc") {
        if (!v.IsScalar()) return invalid_argument(cat({at, ": '", k, "' must be a string"}));
        const auto s = v.as<std::string>();
        if (k == "id") rule->id = s;
        if (k == "signal") rule->signal = s;
        if (k == "exact" || k == "prefix" || k == "contains" || k == "regex") {
          ++matchers;
          if (s.empty() || s.size() > RuleSet::kMaxPatternBytes)
            return invalid_argument(cat({at, ": '", k, "' must be 1 to "}) +
                                    std::to_string(RuleSet::kMaxPatternBytes) + " characters");
          rule->pattern = s;
          rule->match = k == "exact"      ? Rule::Match::kExact
                        : k == "prefix"   ? Rule::Match::kPrefix
                        : k == "contains" ? Rule::Match::kContains
                                          : Rule::Match::kRegex;
        }
      } else if (k == "icase") {
        if (!v.IsScalar()) return invalid_argument(at + ": icase must be true or false");
        try {
          rule->icase = v.as<bool>();
        } catch (const YAML::Exception&) {  // yaml-cpp converts by exception
          return invalid_argument(at + ": icase must be true or false");
        }
      } else if (k == "confidence") {
        int c = -1;
        try {
          c = v.as<int>();
        } catch (const YAML::Exception&) {  // yaml-cpp converts by exception
          c = -1;
        }
        if (c < 0 || c > 100) return invalid_argument(at + ": confidence must be 0 to 100");
        rule->confidence = static_cast<std::uint8_t>(c);
      } else if (k == "set") {
        if (!v.IsMap() || v.size() == 0)
          return invalid_argument(at + ": set must map attributes to values");
        for (const auto& s : v) {
          const auto a = s.first.as<std::string>("");
          if (!settable(a))
            return invalid_argument(where(name, s.first) + ": cannot set '" + a +
                                    "' (class, vendor, model, version, os, type)");
          if (!s.second.IsScalar())
            return invalid_argument(where(name, s.second) + ": '" + a + "' must be a string");
          const auto val = s.second.as<std::string>();
          DeviceClass dc{};
          if (a == attr::kClass && !parse_device_class(val, dc))
            return invalid_argument(where(name, s.second) + ": unknown device class '" + val +
                                    "' (infusion_pump, pump_server, patient_monitor, "
                                    "cognitive_monitor, imaging_modality, pacs, camera, "
                                    "workstation, network_gear, unknown)");
          rule->set.emplace_back(a, val);
        }
      } else {
        return invalid_argument(where(name, kv.first) + ": unknown rule key '" + k + "'");
      }
    }
    if (rule->signal.empty()) return invalid_argument(rule->origin + ": a rule needs a `signal`");
    if (matchers != 1)
      return invalid_argument(rule->origin +
                              ": a rule needs exactly one of exact, prefix, contains, regex");
    if (rule->set.empty()) return invalid_argument(rule->origin + ": a rule needs `set`");
    if (rule->id.empty()) rule->id = rule->origin;
    if (rule->match == Rule::Match::kRegex) {
      try {
        auto flags = std::regex::ECMAScript | std::regex::optimize;
        if (rule->icase) flags |= std::regex::icase;
        rule->regex = std::make_shared<const std::regex>(rule->pattern, flags);
      } catch (const std::regex_error& e) {  // std::regex reports bad patterns by exception
        return invalid_argument(where(name, r["regex"]) + ": bad regex: " + e.what());
      }
    } else if (rule->icase) {
      rule->pattern = lower(rule->pattern);
    }
    rules.push_back(std::move(rule));
    if (rules.size() > RuleSet::kMaxRules)
      return invalid_argument(name + ": more than " + std::to_string(RuleSet::kMaxRules) +
                              " rules");
  }
  return {};
}

}  // namespace

std::string normalise_name(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c >= 'A' && c <= 'Z') out += static_cast<char>(c - 'A' + 'a');
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) out += c;
  }
  return out;
}

Status RuleSet::add_file(const std::string& path, bool user) {
  std::ifstream in(path);
  if (!in) return io_error(path + ": cannot read the fingerprint rules");
  std::ostringstream ss;
  ss << in.rdbuf();
  return add_text(ss.str(), path, user);
}

Status RuleSet::add_text(std::string_view yaml, const std::string& name, bool user) {
  std::vector<std::unique_ptr<Rule>> rules;
  std::vector<std::pair<std::string, std::string>> aliases;
  if (Status s = parse(yaml, name, user, rules, aliases); !s.ok()) return s;
  if (rules_.size() + rules.size() > kMaxRules)
    return invalid_argument(name + ": more than " + std::to_string(kMaxRules) + " rules in all");
  for (auto& r : rules) {
    if (user) {  // a user rule replaces the default rule with its id
      std::erase_if(rules_, [&](const std::unique_ptr<Rule>& x) { return x->id == r->id; });
    }
    rules_.push_back(std::move(r));
  }
  // User aliases are consulted first.
  if (user) {
    vendor_aliases_.insert(vendor_aliases_.begin(), aliases.begin(), aliases.end());
  } else {
    vendor_aliases_.insert(vendor_aliases_.end(), aliases.begin(), aliases.end());
  }
  reindex();
  return {};
}

void RuleSet::reindex() {
  by_signal_.clear();
  for (int pass = 0; pass < 2; ++pass)
    for (const auto& r : rules_)
      if (r->user == (pass == 0)) by_signal_[r->signal].push_back(r.get());
}

void RuleSet::match(std::string_view signal, std::string_view value,
                    std::vector<RuleOutcome>& out) const {
  auto it = by_signal_.find(signal);
  if (it == by_signal_.end()) return;
  if (value.size() > kMaxValueBytes) value = value.substr(0, kMaxValueBytes);
  const std::string v(value);
  std::string lv;
  bool user_matched = false;
  for (const Rule* r : it->second) {
    if (!r->user && user_matched) break;  // user rules come first and take precedence
    bool hit = false;
    std::smatch m;
    const std::smatch* groups = nullptr;
    if (r->match == Rule::Match::kRegex) {
      hit = std::regex_search(v, m, *r->regex);
      groups = &m;
    } else {
      if (r->icase && lv.empty()) lv = lower(v);
      const std::string& subject = r->icase ? lv : v;
      switch (r->match) {
        case Rule::Match::kExact:
          hit = subject == r->pattern;
          break;
        case Rule::Match::kPrefix:
          hit = subject.rfind(r->pattern, 0) == 0;
          break;
        case Rule::Match::kContains:
          hit = subject.find(r->pattern) != std::string::npos;
          break;
        case Rule::Match::kRegex:
          break;
      }
    }
    if (!hit) continue;
    if (r->user) user_matched = true;
    for (const auto& [a, tmpl] : r->set) {
      std::string val = expand(tmpl, groups, v);
      if (val.empty()) continue;
      if (a == attr::kVendor) val = canonical_vendor(val);
      out.push_back({a, std::move(val), r->confidence, r});
    }
  }
}

std::optional<std::string> RuleSet::known_vendor(std::string_view name, bool prefixes) const {
  const std::string n = normalise_name(name);
  if (n.empty()) return std::nullopt;
  const std::pair<std::string, std::string>* best = nullptr;
  for (const auto& a : vendor_aliases_) {
    const bool exact = a.first == n;
    // A long alias also names what starts with it ("philipsmedicalsystems..."); a short one
    // ("ge") only itself.
    const bool prefix = prefixes && a.first.size() >= 5 && n.rfind(a.first, 0) == 0;
    if (exact) return a.second;
    if (prefix && (best == nullptr || a.first.size() > best->first.size())) best = &a;
  }
  if (best != nullptr) return best->second;
  return std::nullopt;
}

std::string RuleSet::canonical_vendor(std::string_view name) const {
  auto v = known_vendor(name);
  return v ? std::move(*v) : std::string(name);
}

std::string default_fingerprints_path() {
  namespace fs = std::filesystem;
  std::vector<fs::path> candidates;
  if (const char* d = std::getenv("WARD_DATA_DIR"); d != nullptr && *d != '\0')
    candidates.emplace_back(fs::path(d) / "fingerprints.yaml");
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) candidates.push_back(exe.parent_path().parent_path() / "share/ward/fingerprints.yaml");
#ifdef WARD_SOURCE_DATA_DIR
  candidates.emplace_back(fs::path(WARD_SOURCE_DATA_DIR) / "fingerprints.yaml");
#endif
  for (const auto& c : candidates)
    if (fs::exists(c, ec)) return c.string();
  return {};
}

}  // namespace ward::inventory
