#include "parsers/http/jndi.h"

#include <array>
#include <cctype>

namespace ward::parsers::http {
namespace {

constexpr std::size_t kMaxDepth = 8;
constexpr std::size_t kMaxResolved = 512;  // bytes kept of one resolved lookup
constexpr std::size_t kClip = 160;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoded (RFC 3986 §2.1; '+' as in forms stays), lower-cased copy of `in`.
std::string normalise(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%' && i + 2 < in.size()) {
      const int hi = hex_value(in[i + 1]);
      const int lo = hex_value(in[i + 2]);
      if (hi >= 0 && lo >= 0) {
        c = static_cast<char>(hi * 16 + lo);
        i += 2;
      }
    }
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// Resolves the lookup whose "${" is at text[pos]: its body up to the matching '}', with nested
// lookups resolved first; lower:/upper: give their argument and "name:-default" its default
// (what Log4j does for an undefined name), anything else stays "${body}". `end` is set past the
// '}' (or to the end of the text when it is missing). A JNDI lookup found at any level (Log4j
// evaluates nested lookups first) is stored in `found`. Each byte is read once, at one level,
// so the work is linear in the text; memory is bounded by kMaxResolved bytes per level.
std::string resolve(std::string_view text, std::size_t pos, std::size_t depth, std::size_t& end,
                    std::string& found) {
  std::string body;
  std::size_t i = pos + 2;
  while (i < text.size() && text[i] != '}') {
    if (text[i] == '$' && i + 1 < text.size() && text[i + 1] == '{' && depth < kMaxDepth) {
      std::size_t inner_end = 0;
      const std::string inner = resolve(text, i, depth + 1, inner_end, found);
      if (body.size() < kMaxResolved) body.append(inner.substr(0, kMaxResolved - body.size()));
      i = inner_end;
      continue;
    }
    if (body.size() < kMaxResolved) body.push_back(text[i]);
    ++i;
  }
  end = i < text.size() ? i + 1 : i;
  const std::string_view b = body;
  if (starts_with(b, "jndi:")) {
    if (found.empty()) found = "${" + body + "}";
    return "${" + body + "}";
  }
  if (starts_with(b, "lower:") || starts_with(b, "upper:")) return std::string(b.substr(6));
  if (const std::size_t d = b.find(":-"); d != std::string_view::npos)
    return std::string(b.substr(d + 2));
  return "${" + body + "}";
}

constexpr std::array<std::string_view, 8> kSchemes = {"ldap://", "ldaps://", "rmi://", "dns://",
                                                      "iiop://", "corba:",   "nds://", "nis://"};

// Cheap first pass: a lookup needs a '$' (or its percent-encoding), a bare URL "jndi:".
bool may_hold_lookup(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '$' || c == '%') return true;
    if ((c | 0x20) == 'j' && i + 4 < s.size() && (s[i + 1] | 0x20) == 'n' &&
        (s[i + 2] | 0x20) == 'd' && (s[i + 3] | 0x20) == 'i' && s[i + 4] == ':')
      return true;
  }
  return false;
}

}  // namespace

std::optional<std::string> find_jndi_lookup(std::string_view raw) {
  raw = raw.substr(0, kJndiScanBytes);
  if (!may_hold_lookup(raw)) return std::nullopt;
  const std::string text = normalise(raw);
  const std::string_view t = text;
  // Lookups, resolved as Log4j would.
  std::string found;
  for (std::size_t pos = t.find("${"); pos != std::string_view::npos; pos = t.find("${", pos)) {
    std::size_t end = 0;
    resolve(t, pos, 0, end, found);
    if (!found.empty()) return found.substr(0, kClip);
    pos = end;
  }
  // A bare provider URL after "jndi:".
  for (std::size_t pos = t.find("jndi:"); pos != std::string_view::npos;
       pos = t.find("jndi:", pos + 5)) {
    const std::string_view rest = t.substr(pos + 5);
    for (std::string_view s : kSchemes)
      if (starts_with(rest, s)) {
        std::size_t stop = pos;
        while (stop < t.size() && std::isspace(static_cast<unsigned char>(t[stop])) == 0 &&
               t[stop] != '&' && t[stop] != '"')
          ++stop;
        return std::string(t.substr(pos, std::min(stop - pos, kClip)));
      }
  }
  return std::nullopt;
}

}  // namespace ward::parsers::http
