#include "inventory/oui.h"

#include <algorithm>
#include <fstream>

namespace ward::inventory {
namespace {

// Splits one CSV line (RFC 4180: quoted fields, "" inside quotes) into at most `max` fields.
std::vector<std::string> split_csv(std::string_view line, std::size_t max) {
  std::vector<std::string> out;
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
      out.push_back(std::move(cur));
      cur.clear();
      if (out.size() == max) return out;
    } else if (c != '\r') {
      cur += c;
    }
  }
  out.push_back(std::move(cur));
  return out;
}

bool parse_hex24(std::string_view s, std::uint32_t& out) {
  if (s.size() != 6) return false;
  std::uint32_t v = 0;
  for (char c : s) {
    int d = -1;
    if (c >= '0' && c <= '9') d = c - '0';
    if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    if (d < 0) return false;
    v = (v << 4) | static_cast<std::uint32_t>(d);
  }
  out = v;
  return true;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  const auto e = s.find_last_not_of(" \t");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

}  // namespace

Result<OuiTable> OuiTable::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return unexpected(io_error(path + ": cannot read the OUI table"));
  OuiTable t;
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (header) {
      header = false;
      if (line.rfind("Registry,", 0) == 0) continue;
    }
    auto f = split_csv(line, 3);
    std::uint32_t a = 0;
    if (f.size() < 3 || f[0] != "MA-L" || !parse_hex24(f[1], a) || trim(f[2]).empty()) {
      ++t.skipped_;
      continue;
    }
    if (t.entries_.size() >= kMaxEntries) {
      ++t.skipped_;
      continue;
    }
    t.add(a, std::string_view(trim(f[2])).substr(0, kMaxNameBytes));
  }
  if (t.entries_.empty()) return unexpected(invalid_argument(path + ": no OUI entries found"));
  t.sort();
  return t;
}

OuiTable OuiTable::from_entries(const std::vector<std::pair<std::uint32_t, std::string>>& entries) {
  OuiTable t;
  for (const auto& [oui, name] : entries) t.add(oui, name);
  t.sort();
  return t;
}

void OuiTable::add(std::uint32_t oui, std::string_view name) {
  entries_.push_back(
      {oui, static_cast<std::uint32_t>(names_.size()), static_cast<std::uint32_t>(name.size())});
  names_ += name;
}

void OuiTable::sort() {
  std::stable_sort(entries_.begin(), entries_.end(),
                   [](const Entry& x, const Entry& y) { return x.oui < y.oui; });
  names_.shrink_to_fit();
  entries_.shrink_to_fit();
}

std::string_view OuiTable::lookup(const MacAddr& mac) const {
  if (!is_universal_unicast(mac)) return {};
  const std::uint32_t key = (static_cast<std::uint32_t>(mac.bytes[0]) << 16) |
                            (static_cast<std::uint32_t>(mac.bytes[1]) << 8) | mac.bytes[2];
  auto it = std::lower_bound(entries_.begin(), entries_.end(), key,
                             [](const Entry& e, std::uint32_t k) { return e.oui < k; });
  if (it == entries_.end() || it->oui != key) return {};
  return std::string_view(names_).substr(it->offset, it->size);
}

std::string oui_prefix(const MacAddr& mac) {
  constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string out;
  for (std::size_t i = 0; i < 3; ++i) {
    out += kHex[mac.bytes[i] >> 4];
    out += kHex[mac.bytes[i] & 0xf];
  }
  return out;
}

}  // namespace ward::inventory
