// Fingerprint rules: what a signal value says about a device. A rule names one signal
// ("dhcp.vendor_class"), a match (exact, prefix, contains or regex; optionally case-insensitive)
// and the attributes it sets (class, vendor, model, version, os, type), with a confidence.
// Values may use the regex capture groups ($1..$9; $0 is the whole value). Rules live in YAML
// files users extend without rebuilding (data/fingerprints.yaml, `--fingerprints FILE`; format
// in docs/inventory.md). A `vendors:` section maps the names devices, OUIs and rules use to one
// canonical vendor name (the names the vulnerability matcher uses).
//
// Loaded once at start (regexes are compiled then), then read-only: safe to share.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace ward::inventory {

struct Rule {
  enum class Match : std::uint8_t { kExact, kPrefix, kContains, kRegex };
  std::string id;
  std::string signal;
  Match match = Match::kExact;
  std::string pattern;  // lower-cased when icase (not for regex)
  bool icase = false;
  std::shared_ptr<const std::regex> regex;               // kRegex only
  std::vector<std::pair<std::string, std::string>> set;  // attribute -> value template
  std::uint8_t confidence = 50;
  bool user = false;   // from a --fingerprints file: takes precedence
  std::string origin;  // "file:line"
};

// One conclusion of a rule for one value.
struct RuleOutcome {
  std::string attribute;
  std::string value;
  std::uint8_t confidence = 0;
  const Rule* rule = nullptr;
};

class RuleSet {
 public:
  static constexpr std::size_t kMaxRules = 10'000;
  static constexpr std::size_t kMaxValueBytes = 256;  // longer values are matched on a prefix
  static constexpr std::size_t kMaxPatternBytes = 512;

  // Adds the rules and vendor aliases of a YAML file. A user file's rules take precedence over
  // the defaults: a user rule with the id of a default rule replaces it, and when a user rule
  // matches a value the default rules are not consulted for it. Errors name file:line:column;
  // on error nothing of the file is added.
  Status add_file(const std::string& path, bool user);
  // The same, from text (`name` is used in messages).
  Status add_text(std::string_view yaml, const std::string& name, bool user);

  // Appends the conclusions of the rules for `signal` that match `value`.
  void match(std::string_view signal, std::string_view value, std::vector<RuleOutcome>& out) const;
  // The canonical vendor for `name` (alias table, case- and punctuation-insensitive), or
  // `name` itself.
  [[nodiscard]] std::string canonical_vendor(std::string_view name) const;
  // The canonical vendor when `name` is one of the `vendors:` names or aliases (or, with
  // `prefixes`, starts with one of 5 letters or more), else nullopt.
  [[nodiscard]] std::optional<std::string> known_vendor(std::string_view name,
                                                        bool prefixes = true) const;

  [[nodiscard]] std::size_t size() const noexcept { return rules_.size(); }
  [[nodiscard]] const std::vector<std::unique_ptr<Rule>>& rules() const { return rules_; }

 private:
  void reindex();
  std::vector<std::unique_ptr<Rule>> rules_;
  std::map<std::string, std::vector<const Rule*>, std::less<>> by_signal_;  // user rules first
  std::vector<std::pair<std::string, std::string>> vendor_aliases_;  // normalised alias, name
};

// The default rule file: $WARD_DATA_DIR/fingerprints.yaml, else <exe>/../share/ward/, else the
// source tree's data/. Returns "" when none exists.
std::string default_fingerprints_path();

// Lower-case, letters and digits only ("B. Braun Melsungen AG" -> "bbraunmelsungenag").
std::string normalise_name(std::string_view s);

}  // namespace ward::inventory
