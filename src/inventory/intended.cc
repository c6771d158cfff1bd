#include "inventory/intended.h"

#include <algorithm>
#include <fstream>
#include <initializer_list>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace ward::inventory {
namespace {

// Concatenates text pieces into one string (error messages).
std::string cat(std::initializer_list<std::string_view> parts) {
  std::string s;
  for (std::string_view p : parts) s += p;
  return s;
}

constexpr std::string_view kColumns[] = {"asset_id", "mac",      "ip",      "vendor",
                                         "model",    "firmware", "location"};

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r");
  const auto e = s.find_last_not_of(" \t\r");
  return b == std::string_view::npos ? std::string() : std::string(s.substr(b, e - b + 1));
}

std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

// RFC 4180 fields of one line; returns false on an unterminated quote.
bool split_csv(std::string_view line, std::vector<std::string>& out) {
  out.clear();
  std::string cur;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cur += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cur += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.push_back(trim(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(trim(cur));
  return !quoted;
}

bool parse_mac(std::string_view s, MacAddr& out) {
  std::string hex;
  for (char c : s) {
    if (c == ':' || c == '-' || c == '.') continue;
    hex += c;
  }
  if (hex.size() != 12) return false;
  for (std::size_t i = 0; i < 6; ++i) {
    unsigned v = 0;
    for (std::size_t j = 0; j < 2; ++j) {
      const char c = hex[i * 2 + j];
      int d = -1;
      if (c >= '0' && c <= '9') d = c - '0';
      if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
      if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
      if (d < 0) return false;
      v = v * 16 + static_cast<unsigned>(d);
    }
    out.bytes[i] = static_cast<std::uint8_t>(v);
  }
  return true;
}

// Fills one field of `a`; returns an error message or "".
std::string set_field(IntendedAsset& a, std::string_view column, const std::string& value) {
  if (column == "asset_id") a.asset_id = value;
  if (column == "vendor") a.vendor = value;
  if (column == "model") a.model = value;
  if (column == "firmware") a.firmware = value;
  if (column == "location") a.location = value;
  if (column == "mac" && !value.empty() && !parse_mac(value, a.mac))
    return "bad MAC address '" + value + "'";
  if (column == "ip" && !value.empty()) {
    if (!IpAddr::parse(value, a.ip)) return "bad IP address '" + value + "'";
    a.has_ip = true;
  }
  return {};
}

std::string check_asset(const IntendedAsset& a) {
  if (a.asset_id.empty()) return "asset_id is empty";
  if (a.mac.is_zero() && !a.has_ip) return "asset '" + a.asset_id + "' has neither mac nor ip";
  return {};
}

std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      cur += c;
    } else if (!cur.empty()) {
      out.push_back(std::move(cur));
      cur.clear();
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

Result<std::vector<IntendedAsset>> parse_csv(std::string_view text, const std::string& name) {
  std::vector<IntendedAsset> out;
  std::vector<std::string> fields;
  std::map<std::size_t, std::string_view> columns;  // field index -> known column
  std::size_t line_no = 0;
  bool header = true;
  std::size_t width = 0;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    const std::string at = name + ":" + std::to_string(line_no) + ": ";
    if (trim(line).empty() || line.front() == '#') continue;
    if (!split_csv(line, fields)) return unexpected(invalid_argument(at + "unterminated quote"));
    if (header) {
      header = false;
      width = fields.size();
      std::set<std::string> seen;
      for (std::size_t i = 0; i < fields.size(); ++i) {
        const std::string col = lower(fields[i]);
        for (std::string_view k : kColumns)
          if (k == col) {
            if (!seen.insert(col).second)
              return unexpected(invalid_argument(cat({at, "column '", col, "' appears twice"})));
            columns[i] = k;
          }
      }
      if (!seen.contains("asset_id") || (!seen.contains("mac") && !seen.contains("ip")))
        return unexpected(invalid_argument(
            at +
            "the header needs asset_id and mac or ip (columns: asset_id, mac, ip, vendor, "
            "model, firmware, location, in any order)"));
      continue;
    }
    if (fields.size() != width)
      return unexpected(invalid_argument(at + "expected " + std::to_string(width) +
                                         " fields, found " + std::to_string(fields.size())));
    IntendedAsset a;
    a.origin = name + ":" + std::to_string(line_no);
    for (const auto& [i, col] : columns) {
      if (std::string err = set_field(a, col, fields[i]); !err.empty())
        return unexpected(invalid_argument(cat({at, col, ": ", err})));
    }
    if (std::string err = check_asset(a); !err.empty())
      return unexpected(invalid_argument(at + err));
    if (out.size() >= kMaxIntendedAssets)
      return unexpected(
          invalid_argument(at + "more than " + std::to_string(kMaxIntendedAssets) + " assets"));
    out.push_back(std::move(a));
  }
  if (header) return unexpected(invalid_argument(name + ": empty file (no header)"));
  return out;
}

Result<std::vector<IntendedAsset>> parse_json(std::string_view text, const std::string& name) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {  // nlohmann reports errors by exception
    const std::size_t at = std::min<std::size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
    const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<long>(at), '\n');
    return unexpected(
        invalid_argument(name + ":" + std::to_string(line) + ": invalid JSON (" + e.what() + ")"));
  }
  if (!doc.is_array())
    return unexpected(invalid_argument(name + ": $: expected an array of assets"));
  if (doc.size() > kMaxIntendedAssets)
    return unexpected(invalid_argument(name + ": $: more than " +
                                       std::to_string(kMaxIntendedAssets) + " assets"));
  std::vector<IntendedAsset> out;
  for (std::size_t i = 0; i < doc.size(); ++i) {
    const std::string path = "$[" + std::to_string(i) + "]";
    const auto& o = doc[i];
    if (!o.is_object())
      return unexpected(invalid_argument(cat({name, ": ", path, ": expected an object"})));
    IntendedAsset a;
    a.origin = cat({name, ":", path});
    for (const auto& [k, v] : o.items()) {
      const auto col = std::find(std::begin(kColumns), std::end(kColumns), k);
      if (col == std::end(kColumns)) continue;  // other CMMS fields are ignored
      if (!v.is_string() && !v.is_null())
        return unexpected(invalid_argument(cat({name, ": ", path, ".", k, ": expected a string"})));
      const std::string value = v.is_string() ? trim(v.get<std::string>()) : std::string();
      if (std::string err = set_field(a, *col, value); !err.empty())
        return unexpected(invalid_argument(cat({name, ": ", path, ".", k, ": ", err})));
    }
    if (std::string err = check_asset(a); !err.empty())
      return unexpected(invalid_argument(cat({name, ": ", path, ": ", err})));
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace

Result<std::vector<IntendedAsset>> load_intended(const std::string& path) {
  std::ifstream in(path);
  if (!in) return unexpected(io_error(path + ": cannot read the intended inventory"));
  std::ostringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  const auto first = text.find_first_not_of(" \t\r\n");
  const bool json = first != std::string::npos && (text[first] == '[' || text[first] == '{');
  return parse_intended(text, path, json);
}

Result<std::vector<IntendedAsset>> parse_intended(std::string_view text, const std::string& name,
                                                  bool json) {
  return json ? parse_json(text, name) : parse_csv(text, name);
}

bool same_model(std::string_view intended, std::string_view observed) {
  const auto a = words(intended);
  const auto b = words(observed);
  auto subset = [](const std::vector<std::string>& x, const std::vector<std::string>& y) {
    return std::all_of(x.begin(), x.end(), [&](const std::string& w) {
      return std::find(y.begin(), y.end(), w) != y.end();
    });
  };
  return !a.empty() && !b.empty() && (subset(a, b) || subset(b, a));
}

bool same_firmware(std::string_view intended, std::string_view observed) {
  auto norm = [](std::string_view s) {
    std::string t = lower(trim(s));
    if (!t.empty() && t.front() == 'v') t.erase(0, 1);
    return t;
  };
  return norm(intended) == norm(observed);
}

bool is_local_address(const IpAddr& ip) {
  if (ip.is_v4()) {
    const std::uint32_t a = ip.v4_host_order();
    return (a >> 24) == 10 || (a >> 20) == 0xac1 || (a >> 16) == 0xc0a8 || (a >> 16) == 0xa9fe;
  }
  return (ip.bytes[0] & 0xfe) == 0xfc || (ip.bytes[0] == 0xfe && (ip.bytes[1] & 0xc0) == 0x80);
}

std::size_t Reconciliation::mismatch_count() const {
  std::size_t n = 0;
  for (const auto& m : matched) n += m.mismatches.size();
  return n;
}

Reconciliation reconcile(const std::vector<IntendedAsset>& assets,
                         const std::vector<Device>& devices) {
  Reconciliation r;
  std::vector<bool> used(devices.size(), false);
  for (std::size_t ai = 0; ai < assets.size(); ++ai) {
    const IntendedAsset& a = assets[ai];
    std::size_t found = devices.size();
    std::string by;
    if (!a.mac.is_zero()) {
      for (std::size_t di = 0; di < devices.size() && found == devices.size(); ++di)
        if (devices[di].mac == a.mac) {
          found = di;
          by = "mac";
        }
    }
    if (found == devices.size() && a.has_ip) {
      for (std::size_t di = 0; di < devices.size() && found == devices.size(); ++di)
        if (std::find(devices[di].ips.begin(), devices[di].ips.end(), a.ip) !=
            devices[di].ips.end()) {
          found = di;
          by = "ip";
        }
    }
    if (found == devices.size()) {
      r.missing.push_back(ai);
      continue;
    }
    used[found] = true;
    Matched m{ai, found, by, {}};
    const Device& d = devices[found];
    auto check = [&](std::string_view field, std::string_view attribute,
                     const std::string& intended,
                     bool (*same)(std::string_view, std::string_view)) {
      if (intended.empty()) return;
      auto it = d.attributes.find(attribute);
      if (it == d.attributes.end() || it->second.best() == nullptr) return;
      const AttributeValue& best = *it->second.best();
      if (same(intended, best.value)) return;
      m.mismatches.push_back({std::string(field), intended, best.value, best.evidence});
    };
    check("model", attr::kModel, a.model, same_model);
    check("firmware", attr::kVersion, a.firmware, same_firmware);
    r.matched.push_back(std::move(m));
  }
  for (std::size_t di = 0; di < devices.size(); ++di) {
    if (used[di]) continue;
    const Device& d = devices[di];
    const bool local = d.has_mac() || std::any_of(d.ips.begin(), d.ips.end(), is_local_address);
    if (local) r.unknown.push_back(di);
  }
  return r;
}

}  // namespace ward::inventory
