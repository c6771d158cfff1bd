#include "vuln/version.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace ward::vuln {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (std::isspace(static_cast<unsigned char>(s.front())) != 0))
    s.remove_prefix(1);
  while (!s.empty() && (std::isspace(static_cast<unsigned char>(s.back())) != 0))
    s.remove_suffix(1);
  return s;
}

bool starts_with_ci(std::string_view s, std::string_view p) {
  if (s.size() < p.size()) return false;
  for (std::size_t i = 0; i < p.size(); ++i)
    if (lower(s[i]) != lower(p[i])) return false;
  return true;
}

bool ends_with_ci(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && starts_with_ci(s.substr(s.size() - p.size()), p);
}

// Words that separate version segments rather than being part of the version.
bool is_keyword(std::string_view w) {
  static constexpr std::array<std::string_view, 11> kWords = {
      "build", "mr", "sp", "sr", "service", "pack", "rev", "release", "version", "versions", "v"};
  return std::find(kWords.begin(), kWords.end(), w) != kWords.end();
}

struct Segment {
  bool numeric = false;
  std::string text;  // digits without leading zeros ("" is zero), or lower-case letters
};

std::vector<Segment> segments(std::string_view s) {
  std::vector<Segment> out;
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (is_digit(c)) {
      std::size_t j = i;
      while (j < s.size() && is_digit(s[j])) ++j;
      std::string_view d = s.substr(i, j - i);
      while (!d.empty() && d.front() == '0') d.remove_prefix(1);
      out.push_back({true, std::string(d)});
      i = j;
    } else if (is_alpha(c)) {
      std::size_t j = i;
      while (j < s.size() && is_alpha(s[j])) ++j;
      std::string w = to_lower(s.substr(i, j - i));
      if (!is_keyword(w)) out.push_back({false, std::move(w)});
      i = j;
    } else {
      ++i;
    }
  }
  return out;
}

int compare_numeric(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  const int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

int compare_segment(const Segment& a, const Segment& b) {
  if (a.numeric && b.numeric) return compare_numeric(a.text, b.text);
  if (a.numeric != b.numeric) return a.numeric ? 1 : -1;
  const int c = a.text.compare(b.text);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

// "12.2.x.x" -> "12.2", "5.X" -> "5", "6.x" -> "6"; returns true iff a wildcard was removed.
bool strip_wildcard(std::string& v) {
  bool stripped = false;
  while (v.size() >= 2 && (v.back() == 'x' || v.back() == 'X') && v[v.size() - 2] == '.') {
    v.resize(v.size() - 2);
    stripped = true;
  }
  if (v == "x" || v == "X" || v == "*") {
    v.clear();
    stripped = true;
  }
  return stripped;
}

bool contains_date(std::string_view lower_text) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "january", "february", "march",     "april",   "may",      "june",
      "july",    "august",   "september", "october", "november", "december"};
  for (std::string_view m : kMonths) {
    const std::size_t p = lower_text.find(m.substr(0, 3));
    if (p == std::string_view::npos) continue;
    const bool word_start = p == 0 || !is_alpha(lower_text[p - 1]);
    std::size_t e = p + 3;
    while (e < lower_text.size() && is_alpha(lower_text[e])) ++e;
    const std::string_view word = lower_text.substr(p, e - p);
    if (word_start && (word.size() == 3 || m.starts_with(word))) return true;
  }
  // 8/30/2024
  int slashes = 0;
  bool digits_around = true;
  for (std::size_t i = 0; i < lower_text.size(); ++i) {
    if (lower_text[i] == '/') {
      ++slashes;
      digits_around = digits_around && i > 0 && i + 1 < lower_text.size() &&
                      is_digit(lower_text[i - 1]) && is_digit(lower_text[i + 1]);
    }
  }
  return slashes == 2 && digits_around;
}

struct Bound {
  BoundOp op = BoundOp::kNone;
  std::string version;
  bool prefix = false;
};

// One constraint: an interval, "any", or an error.
struct Alternative {
  bool any = false;
  Interval interval;
  std::string error;
};

bool is_lower_only(const Interval& i) {
  return i.lo_op != BoundOp::kNone && i.hi_op == BoundOp::kNone;
}
bool is_upper_only(const Interval& i) {
  return i.hi_op != BoundOp::kNone && i.lo_op == BoundOp::kNone;
}

// Validates and normalises one version: strips "version", "v" before a digit, wildcards.
bool take_version(std::string_view text, Bound& b, std::string& error) {
  std::string_view t = trim(text);
  if (starts_with_ci(t, "versions ")) t.remove_prefix(9);
  if (starts_with_ci(t, "version ")) t.remove_prefix(8);
  if (starts_with_ci(t, "release ")) t.remove_prefix(8);
  if (starts_with_ci(t, "rev ")) t.remove_prefix(4);
  t = trim(t);
  if (t.size() >= 2 && (t[0] == 'v' || t[0] == 'V') && is_digit(t[1])) t.remove_prefix(1);
  std::string v(t);
  b.prefix = strip_wildcard(v);
  if (v.empty() && b.prefix) {
    error = "a bare wildcard where a version is expected";
    return false;
  }
  if (!looks_like_version(v)) {
    error = "'" + std::string(trim(text)) + "' is not a version (it names a model, option or part)";
    return false;
  }
  b.version = std::move(v);
  return true;
}

Interval exact(const Bound& b) {
  Interval i;
  i.lo_op = BoundOp::kGe;
  i.lo = b.version;
  i.lo_prefix = b.prefix;
  i.hi_op = BoundOp::kLe;
  i.hi = b.version;
  i.hi_prefix = b.prefix;
  return i;
}

Alternative parse_alternative(std::string_view text) {
  Alternative a;
  std::string_view t = trim(text);
  // Stray parentheses left by the '|' split of "(16 | ... | <= v22D28)".
  while (!t.empty() && t.front() == '(') t = trim(t.substr(1));
  while (!t.empty() && t.back() == ')') t = trim(t.substr(0, t.size() - 1));
  const std::string l = to_lower(t);
  if (l.empty()) {
    a.error = "empty alternative";
    return a;
  }
  if (l == "*" || l == "all" || l == "all versions" || l == "any" || l == "vers:all/*") {
    a.any = true;
    return a;
  }
  Bound b;
  // "X and prior", "X and below", "X and earlier", "X or earlier"
  static constexpr std::array<std::string_view, 7> kAndPrior = {
      " and prior versions", " and prior",  " and below", " and earlier",
      " and older",          " or earlier", " or lower"};
  for (std::string_view suffix : kAndPrior) {
    if (ends_with_ci(t, suffix)) {
      if (!take_version(t.substr(0, t.size() - suffix.size()), b, a.error)) return a;
      a.interval.hi_op = BoundOp::kLe;
      a.interval.hi = b.version;
      a.interval.hi_prefix = b.prefix;
      return a;
    }
  }
  // "prior to X", "before X", "up to X"
  static constexpr std::array<std::pair<std::string_view, BoundOp>, 4> kPrefixes = {{
      {"versions prior to ", BoundOp::kLt},
      {"prior to ", BoundOp::kLt},
      {"before ", BoundOp::kLt},
      {"up to ", BoundOp::kLe},
  }};
  for (const auto& [p, op] : kPrefixes) {
    if (starts_with_ci(t, p)) {
      if (!take_version(t.substr(p.size()), b, a.error)) return a;
      a.interval.hi_op = op;
      a.interval.hi = b.version;
      a.interval.hi_prefix = b.prefix;
      return a;
    }
  }
  // "X through Y", "X to Y"
  for (std::string_view sep : {std::string_view(" through "), std::string_view(" to ")}) {
    const std::size_t p = l.find(sep);
    if (p == std::string::npos) continue;
    Bound hi;
    if (!take_version(t.substr(0, p), b, a.error)) return a;
    if (!take_version(t.substr(p + sep.size()), hi, a.error)) return a;
    a.interval = {BoundOp::kGe, b.version, b.prefix, BoundOp::kLe, hi.version, hi.prefix};
    return a;
  }
  // Leading comparison: "<= 9.33", "<9.33.1", ">= 2.0", "= 4.0"
  static constexpr std::array<std::pair<std::string_view, BoundOp>, 5> kOps = {{
      {"<=", BoundOp::kLe},
      {">=", BoundOp::kGe},
      {"<", BoundOp::kLt},
      {">", BoundOp::kGt},
      {"=", BoundOp::kNone},
  }};
  for (const auto& [p, op] : kOps) {
    if (!t.starts_with(p)) continue;
    const std::string_view rest = trim(t.substr(p.size()));
    if (!take_version(rest, b, a.error)) return a;
    if (op == BoundOp::kNone) {
      a.interval = exact(b);
    } else if (op == BoundOp::kLe || op == BoundOp::kLt) {
      a.interval.hi_op = op;
      a.interval.hi = b.version;
      a.interval.hi_prefix = b.prefix;
    } else {
      a.interval.lo_op = op;
      a.interval.lo = b.version;
      a.interval.lo_prefix = b.prefix;
    }
    return a;
  }
  // Infix comparison: "A10 < A11", "A.01 <= C.0x" (from the first up to the second).
  for (const auto& [p, op] : kOps) {
    if (op != BoundOp::kLe && op != BoundOp::kLt) continue;
    const std::size_t pos = t.find(p);
    if (pos == std::string_view::npos) continue;
    Bound hi;
    if (!take_version(t.substr(0, pos), b, a.error)) return a;
    if (!take_version(t.substr(pos + p.size()), hi, a.error)) return a;
    a.interval = {BoundOp::kGe, b.version, b.prefix, op, hi.version, hi.prefix};
    return a;
  }
  // "Rev J-M": a span of single-letter revisions.
  {
    std::string_view s = t;
    if (starts_with_ci(s, "rev ")) s = trim(s.substr(4));
    if (s.size() == 3 && is_alpha(s[0]) && s[1] == '-' && is_alpha(s[2])) {
      a.interval = {BoundOp::kGe, std::string(1, s[0]), false,
                    BoundOp::kLe, std::string(1, s[2]), false};
      return a;
    }
  }
  if (!take_version(t, b, a.error)) return a;
  a.interval = exact(b);
  return a;
}

// Splits "a | b | c" (and "2131 and 2141", "Release 1.3.2 1.4.0") into alternatives.
std::vector<std::string> split_alternatives(std::string_view head) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= head.size(); ++i) {
    if (i == head.size() || head[i] == '|') {
      const std::string_view p = trim(head.substr(start, i - start));
      if (!p.empty()) parts.emplace_back(p);
      start = i + 1;
    }
  }
  std::vector<std::string> out;
  for (const std::string& p : parts) {
    const std::string l = to_lower(p);
    const std::size_t a = l.find(" and ");
    if (a != std::string::npos && l.find(" and prior") == std::string::npos &&
        l.find(" and below") == std::string::npos && l.find(" and earlier") == std::string::npos &&
        l.find(" and older") == std::string::npos) {
      std::string left = p.substr(0, a);
      std::string right = p.substr(a + 5);
      if (looks_like_version(trim(left)) && looks_like_version(trim(right))) {
        out.push_back(std::move(left));
        out.push_back(std::move(right));
        continue;
      }
    }
    // "Release 1.3.2 1.4.0 1.4.1": several dotted versions separated by spaces.
    std::string_view rest = p;
    if (starts_with_ci(rest, "release ")) rest = trim(rest.substr(8));
    std::vector<std::string> words;
    bool all_dotted = true;
    std::size_t ws = 0;
    for (std::size_t i = 0; i <= rest.size(); ++i) {
      if (i == rest.size() || rest[i] == ' ') {
        const std::string_view w = rest.substr(ws, i - ws);
        if (!w.empty()) {
          words.emplace_back(w);
          all_dotted = all_dotted && w.find('.') != std::string_view::npos &&
                       std::any_of(w.begin(), w.end(), is_digit);
        }
        ws = i + 1;
      }
    }
    if (words.size() >= 2 && all_dotted) {
      for (std::string& w : words) out.push_back(std::move(w));
      continue;
    }
    out.push_back(p);
  }
  return out;
}

// Joins a lower-only bound followed by an upper-only bound into one interval
// (">= 2.0 | <= 3.0" is 2.0 to 3.0, as CISA and the VERS spec both write it).
std::vector<Interval> merge_pairs(std::vector<Interval> in) {
  std::vector<Interval> out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (i + 1 < in.size() && is_lower_only(in[i]) && is_upper_only(in[i + 1])) {
      Interval m = in[i];
      m.hi_op = in[i + 1].hi_op;
      m.hi = in[i + 1].hi;
      m.hi_prefix = in[i + 1].hi_prefix;
      out.push_back(std::move(m));
      ++i;
    } else {
      out.push_back(std::move(in[i]));
    }
  }
  return out;
}

VersionRange fail(VersionRange r, std::string reason) {
  r.ok = false;
  r.any = false;
  r.intervals.clear();
  r.reason = std::move(reason);
  return r;
}

// purl-spec VERS: "vers:<scheme>/<constraint>|<constraint>..." with constraints in any order.
VersionRange parse_vers(VersionRange r, std::string_view t) {
  const std::size_t slash = t.find('/');
  if (slash == std::string_view::npos) return fail(std::move(r), "vers: without '/<constraints>'");
  const std::string_view constraints = trim(t.substr(slash + 1));
  if (constraints == "*") {
    r.ok = true;
    r.any = true;
    return r;
  }
  std::vector<std::pair<Bound, bool>> bounds;  // bound, is_lower
  std::vector<Interval> exacts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= constraints.size(); ++i) {
    if (i != constraints.size() && constraints[i] != '|') continue;
    const std::string_view c = trim(constraints.substr(start, i - start));
    start = i + 1;
    if (bounds.size() + exacts.size() >= kMaxRangeAlternatives)
      return fail(std::move(r), "more than 64 vers constraints");
    if (c.starts_with("!=")) return fail(std::move(r), "vers '!=' constraints are not supported");
    Bound b;
    std::string err;
    std::size_t oplen = 0;
    if (c.starts_with(">=") || c.starts_with("<=")) {
      oplen = 2;
      b.op = c[0] == '>' ? BoundOp::kGe : BoundOp::kLe;
    } else if (c.starts_with('>') || c.starts_with('<')) {
      oplen = 1;
      b.op = c[0] == '>' ? BoundOp::kGt : BoundOp::kLt;
    } else if (c.starts_with('=')) {
      oplen = 1;
    }
    if (!take_version(c.substr(oplen), b, err)) return fail(std::move(r), "vers: " + err);
    if (b.op == BoundOp::kNone) {
      exacts.push_back(exact(b));
    } else {
      const bool is_lower = b.op == BoundOp::kGe || b.op == BoundOp::kGt;
      bounds.emplace_back(std::move(b), is_lower);
    }
  }
  std::stable_sort(bounds.begin(), bounds.end(), [](const auto& x, const auto& y) {
    return compare_versions(x.first.version, y.first.version) < 0;
  });
  std::vector<Interval> seq;
  for (const auto& [b, is_lower] : bounds) {
    Interval i;
    if (is_lower) {
      i.lo_op = b.op;
      i.lo = b.version;
      i.lo_prefix = b.prefix;
    } else {
      i.hi_op = b.op;
      i.hi = b.version;
      i.hi_prefix = b.prefix;
    }
    seq.push_back(std::move(i));
  }
  r.intervals = merge_pairs(std::move(seq));
  for (Interval& e : exacts) r.intervals.push_back(std::move(e));
  r.ok = true;
  return r;
}

// Splits "head (qualifier)" when the parenthesis runs to the end of the text (or is unclosed).
void split_qualifier(std::string_view t, std::string_view& head, std::string_view& qualifier) {
  head = t;
  qualifier = {};
  const std::size_t open = t.find('(');
  if (open == std::string_view::npos) return;
  int depth = 0;
  std::size_t close = std::string_view::npos;
  for (std::size_t i = open; i < t.size(); ++i) {
    if (t[i] == '(') ++depth;
    if (t[i] == ')' && --depth == 0) {
      close = i;
      break;
    }
  }
  if (close != std::string_view::npos && !trim(t.substr(close + 1)).empty()) return;
  head = trim(t.substr(0, open));
  qualifier = t.substr(open + 1,
                       close == std::string_view::npos ? std::string_view::npos : close - open - 1);
  qualifier = trim(qualifier);
}

}  // namespace

int compare_versions(std::string_view a, std::string_view b) {
  std::string_view ta = trim(a);
  std::string_view tb = trim(b);
  if (ta.size() >= 2 && (ta[0] == 'v' || ta[0] == 'V') && is_digit(ta[1])) ta.remove_prefix(1);
  if (tb.size() >= 2 && (tb[0] == 'v' || tb[0] == 'V') && is_digit(tb[1])) tb.remove_prefix(1);
  const std::vector<Segment> sa = segments(ta);
  const std::vector<Segment> sb = segments(tb);
  const std::size_t n = std::max(sa.size(), sb.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (i >= sa.size() || i >= sb.size()) {
      const Segment& rest = i < sa.size() ? sa[i] : sb[i];
      const int sign = i < sa.size() ? 1 : -1;
      if (rest.numeric && rest.text.empty()) continue;  // trailing zero
      return sign;
    }
    const int c = compare_segment(sa[i], sb[i]);
    if (c != 0) return c;
  }
  return 0;
}

bool version_has_prefix(std::string_view v, std::string_view prefix) {
  const std::vector<Segment> sv = segments(v);
  const std::vector<Segment> sp = segments(prefix);
  if (sp.size() > sv.size()) return false;
  for (std::size_t i = 0; i < sp.size(); ++i)
    if (compare_segment(sv[i], sp[i]) != 0) return false;
  return true;
}

bool looks_like_version(std::string_view v) {
  v = trim(v);
  if (v.empty() || v.size() > 64) return false;
  bool any_digit = false;
  std::size_t words = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= v.size(); ++i) {
    if (i != v.size() && v[i] != ' ' && v[i] != '_') continue;
    const std::string_view w = v.substr(start, i - start);
    start = i + 1;
    if (w.empty()) continue;
    ++words;
    bool digit = false;
    for (char c : w) {
      if (is_digit(c)) {
        digit = true;
      } else if (!is_alpha(c) && c != '.' && c != '-' && c != '+' && c != '~') {
        return false;
      }
    }
    any_digit = any_digit || digit;
    if (digit) continue;
    const std::string lw = to_lower(w);
    if (is_keyword(lw)) continue;
    // A revision letter or two ("K", "HD 16"); longer words name products, not versions.
    if (w.size() <= 2 && std::all_of(w.begin(), w.end(), is_alpha)) continue;
    return false;
  }
  return words > 0 && (any_digit || words == 1);
}

std::string next_version(std::string_view v) {
  std::string s(trim(v));
  std::size_t end = s.size();
  while (end > 0 && !is_digit(s[end - 1])) --end;
  if (end == 0) return s + ".1";
  std::size_t i = end;
  while (i > 0) {
    --i;
    if (s[i] == '9') {
      s[i] = '0';
      if (i == 0 || !is_digit(s[i - 1])) {
        s.insert(i, "1");
        break;
      }
    } else {
      ++s[i];
      break;
    }
  }
  return s;
}

namespace {
// Versions of different schemes ("L82" and "012U000061") are not ordered against each other:
// the first segment must be of the same kind (digits or letters).
bool same_scheme(std::string_view a, std::string_view b) {
  const std::vector<Segment> sa = segments(a);
  const std::vector<Segment> sb = segments(b);
  if (sa.empty() || sb.empty()) return true;
  return sa.front().numeric == sb.front().numeric;
}
}  // namespace

bool Interval::contains(std::string_view v) const {
  if (lo_op != BoundOp::kNone && !same_scheme(v, lo)) return false;
  if (hi_op != BoundOp::kNone && !same_scheme(v, hi)) return false;
  switch (lo_op) {
    case BoundOp::kNone:
      break;
    case BoundOp::kGe:
      if (compare_versions(v, lo) < 0) return false;
      break;
    case BoundOp::kGt:
      if (compare_versions(v, lo) <= 0 || (lo_prefix && version_has_prefix(v, lo))) return false;
      break;
    case BoundOp::kLt:
    case BoundOp::kLe:
      return false;  // not a lower bound; never built
  }
  switch (hi_op) {
    case BoundOp::kNone:
      return true;
    case BoundOp::kLe:
      return compare_versions(v, hi) <= 0 || (hi_prefix && version_has_prefix(v, hi));
    case BoundOp::kLt:
      return compare_versions(v, hi) < 0 && !(hi_prefix && version_has_prefix(v, hi));
    case BoundOp::kGe:
    case BoundOp::kGt:
      return false;
  }
  return false;
}

std::string Interval::describe() const {
  auto show = [](const std::string& v, bool prefix) { return prefix ? v + ".x" : v; };
  if (lo_op == BoundOp::kGe && hi_op == BoundOp::kLe && lo == hi && lo_prefix == hi_prefix)
    return "= " + show(lo, lo_prefix);
  std::string out;
  if (lo_op != BoundOp::kNone)
    out += std::string(lo_op == BoundOp::kGe ? ">= " : "> ") + show(lo, lo_prefix);
  if (hi_op != BoundOp::kNone) {
    if (!out.empty()) out += ", ";
    out += std::string(hi_op == BoundOp::kLe ? "<= " : "< ") + show(hi, hi_prefix);
  }
  return out;
}

bool VersionRange::contains(std::string_view v) const {
  if (!ok) return false;
  if (any) return true;
  return std::any_of(intervals.begin(), intervals.end(),
                     [&](const Interval& i) { return i.contains(v); });
}

std::string VersionRange::describe() const {
  if (!ok) return "uninterpretable: " + reason;
  std::string out;
  if (any) {
    out = "all versions";
  } else {
    for (const Interval& i : intervals) {
      if (!out.empty()) out += " | ";
      out += i.describe();
    }
  }
  if (!qualifier.empty()) out += " (" + qualifier + ")";
  if (!note.empty()) out += " (note: " + note + ")";
  return out;
}

std::optional<std::string> VersionRange::first_version_above() const {
  if (!ok || any || intervals.empty()) return std::nullopt;
  std::optional<std::string> best;
  for (const Interval& i : intervals) {
    if (i.hi_op == BoundOp::kNone) return std::nullopt;
    std::string cand = (i.hi_op == BoundOp::kLt && !i.hi_prefix) ? i.hi : next_version(i.hi);
    if (i.hi_op == BoundOp::kLt && i.hi_prefix) cand = i.hi;
    if (!best || compare_versions(cand, *best) > 0) best = std::move(cand);
  }
  if (best && contains(*best)) return std::nullopt;
  return best;
}

VersionRange parse_range(std::string_view text) {
  VersionRange r;
  r.raw = std::string(text.substr(0, std::min(text.size(), kMaxRangeTextBytes)));
  if (text.size() > kMaxRangeTextBytes) return fail(std::move(r), "longer than 512 bytes");
  std::string collapsed;  // runs of white space become one space
  for (char c : trim(text)) {
    const bool space = std::isspace(static_cast<unsigned char>(c)) != 0;
    if (space && !collapsed.empty() && collapsed.back() == ' ') continue;
    collapsed.push_back(space ? ' ' : c);
  }
  const std::string_view t = collapsed;
  if (t.empty()) return fail(std::move(r), "empty version text");
  if (starts_with_ci(t, "vers:")) return parse_vers(std::move(r), t);
  std::string_view head;
  std::string_view qual;
  split_qualifier(t, head, qual);
  if (head.empty()) {  // "(Release 1.3.2 1.4.0 1.4.1)": the whole text is parenthesised
    head = qual;
    qual = {};
  }
  if (starts_with_ci(qual, "end-of-life") || starts_with_ci(qual, "end of life")) {
    r.note = std::string(qual);
  } else {
    r.qualifier = std::string(qual);
  }
  // "v8.x model 35700BAX2": the version of one hardware model; the model is a qualifier.
  std::string head_text(head);
  if (const std::size_t m = to_lower(head_text).find(" model "); m != std::string::npos) {
    const std::string model = head_text.substr(m + 1);
    r.qualifier = r.qualifier.empty() ? model : model + "; " + r.qualifier;
    head_text.resize(m);
  }
  head = head_text;
  const std::string lower_head = to_lower(head);
  if (contains_date(lower_head))
    return fail(std::move(r), "scoped by a manufacture or distribution date ('" +
                                  std::string(head) + "'), not by a version Ward can observe");
  const std::vector<std::string> alts = split_alternatives(head);
  if (alts.empty()) return fail(std::move(r), "no version in the text");
  if (alts.size() > kMaxRangeAlternatives) return fail(std::move(r), "more than 64 alternatives");
  std::vector<Interval> seq;
  for (const std::string& a : alts) {
    Alternative alt = parse_alternative(a);
    if (!alt.error.empty()) {
      if (contains_date(to_lower(t)))
        return fail(std::move(r), "scoped by a date ('" + std::string(t) +
                                      "'), not by a version Ward can observe");
      return fail(std::move(r), alt.error);
    }
    if (alt.any) {
      r.ok = true;
      r.any = true;
      r.intervals.clear();
      return r;
    }
    seq.push_back(std::move(alt.interval));
  }
  r.intervals = merge_pairs(std::move(seq));
  r.ok = true;
  return r;
}

}  // namespace ward::vuln
