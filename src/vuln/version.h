// Version strings and version ranges as CSAF advisories write them.
//
// compare_versions() orders two version strings segment by segment, in the spirit of
// rpmvercmp/dpkg but our own rules (docs/vuln.md "Version grammar"):
//   - a string splits into runs of digits and runs of letters; anything else separates;
//   - digit runs compare as numbers (any length, leading zeros ignored), letter runs compare
//     case-insensitively; a digit run sorts after a letter run at the same position;
//   - the words build, mr, sp, sr, service, pack, rev, release, version and a leading "v"
//     before a digit are separators ("1.3.1 Build 13" == "1.3.1.13", "v2.1" == "2.1");
//   - missing trailing segments count as zero ("3.0" == "3.0.0.0"); a letter segment after
//     the common part makes a version newer ("9.1a" > "9.1").
// A range never contains a version of another scheme: "L82" is not in "<= 012U000061" (the
// first segments differ in kind, letters against digits).
//
// parse_range() turns the name of a `product_version` / `product_version_range` branch into a
// VersionRange: a union of intervals, or "any version", or not interpretable with the precise
// reason. Text in a trailing parenthesis ("(integrated into GE MobileLink)") is kept as a
// qualifier: the range still applies, but only under that condition.
//
// Everything here is a pure function of its arguments; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ward::vuln {

// <0, 0, >0 as a is older than, equal to or newer than b.
int compare_versions(std::string_view a, std::string_view b);

// True iff `v` starts with every segment of `prefix` ("12.2.5" has prefix "12.2").
bool version_has_prefix(std::string_view v, std::string_view prefix);

// True iff `v` looks like one version (digits, letters and separators, no free words).
bool looks_like_version(std::string_view v);

// A version one step above `v`: its last digit run plus one ("9.33" -> "9.34",
// "B.06.18" -> "B.06.19", "2.4A" -> "2.5A"); "<v>.1" if it has no digits. For tests and
// "the next patched version" when an advisory only gives an upper bound.
std::string next_version(std::string_view v);

enum class BoundOp { kNone, kLt, kLe, kGt, kGe };

// One interval. An exact version is lo == hi with kGe/kLe. A wildcard ("5.x") sets the
// `*_prefix` flag: `<= 5.x` includes every 5.*, `>= 5.x` starts at 5, `= 5.x` means 5.*.
struct Interval {
  BoundOp lo_op = BoundOp::kNone;
  std::string lo;
  bool lo_prefix = false;
  BoundOp hi_op = BoundOp::kNone;
  std::string hi;
  bool hi_prefix = false;

  [[nodiscard]] bool contains(std::string_view v) const;
  // "< 9.33.1", ">= 2.0, <= 3.0", "= 1.1", "= 5.x"
  [[nodiscard]] std::string describe() const;
};

struct VersionRange {
  std::string raw;        // the branch name as written
  bool any = false;       // "all versions", "vers:all/*", "*"
  bool ok = false;        // false: `reason` says why the text cannot be interpreted
  std::string reason;     // set iff !ok
  std::string qualifier;  // condition from a trailing parenthesis, may be empty
  std::string note;       // a trailing parenthesis that does not narrow ("end-of-life 2011")
  std::vector<Interval> intervals;  // union; empty when `any` or !ok

  // REQUIRES: ok. True iff the version `v` is in the range.
  [[nodiscard]] bool contains(std::string_view v) const;
  // Canonical text: "all versions", "< 9.33.1 | = 9.7", or "uninterpretable: <reason>".
  [[nodiscard]] std::string describe() const;
  // The lowest version above every interval of the range, if the range is bounded above
  // ("< 9.33.1" -> "9.33.1", "<= 9.33" -> "9.34", "= 1.5" -> "1.6"); none for open ranges.
  [[nodiscard]] std::optional<std::string> first_version_above() const;
};

// Limits on what is parsed (fuzzing and hostile advisories): longer text is not interpreted.
inline constexpr std::size_t kMaxRangeTextBytes = 512;
inline constexpr std::size_t kMaxRangeAlternatives = 64;

VersionRange parse_range(std::string_view text);

}  // namespace ward::vuln
