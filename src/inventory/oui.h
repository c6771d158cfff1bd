// The IEEE MA-L (OUI) registry as a sorted table: the first three bytes of a universally
// administered MAC address name the organisation the block was assigned to. Loaded once from
// Debian's ieee-data (/usr/share/ieee-data/oui.csv: "Registry,Assignment,Organization Name,
// Organization Address", RFC 4180 quoting) and then read-only, so it may be shared by threads.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/net.h"
#include "common/result.h"

namespace ward::inventory {

inline constexpr std::string_view kDefaultOuiPath = "/usr/share/ieee-data/oui.csv";

class OuiTable {
 public:
  static constexpr std::size_t kMaxEntries = 200'000;  // the 2022 registry has ~32,500
  static constexpr std::size_t kMaxNameBytes = 128;    // longer organisation names are cut

  // Loads `path`. Lines that are not MA-L rows with a 6-hex-digit assignment are skipped and
  // counted. Errors: the file cannot be read, or holds no entry at all.
  static Result<OuiTable> load(const std::string& path);
  // Builds a table from (assignment, organisation) pairs, for tests.
  static OuiTable from_entries(const std::vector<std::pair<std::uint32_t, std::string>>& entries);

  // The organisation for `mac`, or "" when unknown, multicast or locally administered.
  [[nodiscard]] std::string_view lookup(const MacAddr& mac) const;
  [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }
  [[nodiscard]] std::size_t skipped_lines() const noexcept { return skipped_; }

 private:
  struct Entry {
    std::uint32_t oui = 0;
    std::uint32_t offset = 0;  // of the name in names_
    std::uint32_t size = 0;
  };
  void add(std::uint32_t oui, std::string_view name);
  void sort();
  std::vector<Entry> entries_;  // sorted by assignment
  std::string names_;           // every organisation name, back to back (one allocation)
  std::size_t skipped_ = 0;
};

// The 24-bit OUI of `mac` ("9CC8AE" form) for evidence.
std::string oui_prefix(const MacAddr& mac);
// True iff the MAC is unicast (I/G bit clear) and universally administered (U/L bit clear).
inline bool is_universal_unicast(const MacAddr& mac) noexcept {
  return (mac.bytes[0] & 0x03) == 0 && !mac.is_zero();
}

}  // namespace ward::inventory
