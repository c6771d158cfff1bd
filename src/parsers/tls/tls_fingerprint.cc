#include "parsers/tls/tls_fingerprint.h"

#include <algorithm>
#include <array>
#include <vector>

#include "parsers/tls/tls_events.h"
#include "parsers/tls/tls_names.h"
#include "parsers/tls/tls_x509.h"

namespace ward::parsers::tls::detail {
namespace {

constexpr std::string_view kHex = "0123456789abcdef";

template <typename T>
void append_decimal_list(std::string& out, std::span<const T> values, bool drop_grease) {
  bool first = true;
  for (const T v : values) {
    if (drop_grease && is_grease(static_cast<std::uint16_t>(v))) continue;
    if (!first) out.push_back('-');
    first = false;
    out += std::to_string(v);
  }
}

void append_hex4(std::string& out, std::uint16_t v) {
  out.push_back(kHex[(v >> 12) & 0xfU]);
  out.push_back(kHex[(v >> 8) & 0xfU]);
  out.push_back(kHex[(v >> 4) & 0xfU]);
  out.push_back(kHex[v & 0xfU]);
}

// "0a0b,..." of `values` in the given order.
std::string hex_list(const std::vector<std::uint16_t>& values) {
  std::string out;
  out.reserve(values.size() * 5);
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out.push_back(',');
    append_hex4(out, values[i]);
  }
  return out;
}

std::string two_digits(std::size_t n) {
  n = std::min<std::size_t>(n, 99);
  return std::string{static_cast<char>('0' + n / 10), static_cast<char>('0' + n % 10)};
}

std::string truncated_sha256(const std::string& s) {
  if (s.empty()) return "000000000000";
  return sha256_hex(as_bytes(s)).substr(0, 12);
}

bool alnum(std::uint8_t c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

// JA4.md "TLS and DTLS Version": the highest non-GREASE supported_versions value, else the
// hello's version. DTLS numbers count down (0xfeff is 1.0, 0xfefc is 1.3).
std::uint16_t highest_version(std::span<const std::uint16_t> versions, std::uint16_t fallback) {
  bool found = false;
  std::uint16_t best = 0;
  auto rank = [](std::uint16_t v) -> int {
    return (v >> 8) == 0xfe ? 0x10000 - v + 0x10000 : v;  // any DTLS above any TLS
  };
  for (const std::uint16_t v : versions) {
    if (is_grease(v)) continue;
    if (!found || rank(v) > rank(best)) best = v;
    found = true;
  }
  return found ? best : fallback;
}

}  // namespace

std::string ja4_version(std::uint16_t version) {
  switch (version) {
    case kTls13:
      return "13";
    case kTls12:
      return "12";
    case kTls11:
      return "11";
    case kTls10:
      return "10";
    case kSsl3:
      return "s3";
    case kSsl2:
      return "s2";
    case kDtls10:
      return "d1";
    case kDtls12:
      return "d2";
    case kDtls13:
      return "d3";
    default:
      return "00";
  }
}

std::string ja4_alpn(bool present, ByteView alpn) {
  if (!present || alpn.empty()) return "00";
  const std::uint8_t first = alpn.front();
  const std::uint8_t last = alpn.back();
  if (alnum(first) && alnum(last))
    return std::string{static_cast<char>(first), static_cast<char>(last)};
  // JA4.md "ALPN Extension Value": otherwise the first and last characters of the value's hex.
  return std::string{kHex[first >> 4], kHex[last & 0xfU]};
}

std::string ja3_string(const ClientHelloFields& h) {
  std::string s = std::to_string(h.version);
  s.push_back(',');
  append_decimal_list(s, h.ciphers, true);
  s.push_back(',');
  append_decimal_list(s, h.extensions, true);
  s.push_back(',');
  append_decimal_list(s, h.groups, true);
  s.push_back(',');
  append_decimal_list(s, h.point_formats, false);
  return s;
}

std::string ja3s_string(const ServerHelloFields& h) {
  std::string s = std::to_string(h.version);
  s.push_back(',');
  s += std::to_string(h.cipher);
  s.push_back(',');
  append_decimal_list(s, h.extensions, true);
  return s;
}

std::string ja4(const ClientHelloFields& h) {
  std::vector<std::uint16_t> ciphers;
  ciphers.reserve(h.ciphers.size());
  for (const std::uint16_t c : h.ciphers)
    if (!is_grease(c)) ciphers.push_back(c);
  std::vector<std::uint16_t> exts;
  exts.reserve(h.extensions.size());
  std::size_t ext_count = 0;
  for (const std::uint16_t e : h.extensions) {
    if (is_grease(e)) continue;
    ++ext_count;
    if (e != 0x0000 && e != 0x0010) exts.push_back(e);  // SNI and ALPN are in part a
  }
  std::string a;
  a.push_back(h.transport);
  a += ja4_version(highest_version(h.supported_versions, h.version));
  a.push_back(h.has_sni ? 'd' : 'i');
  a += two_digits(ciphers.size());
  a += two_digits(ext_count);
  a += ja4_alpn(h.has_alpn, h.first_alpn);

  std::sort(ciphers.begin(), ciphers.end());
  std::sort(exts.begin(), exts.end());
  const std::string b = ciphers.empty() ? "000000000000" : truncated_sha256(hex_list(ciphers));
  std::string c_in = hex_list(exts);
  std::vector<std::uint16_t> sigs;
  for (const std::uint16_t s : h.signature_algorithms)
    if (!is_grease(s)) sigs.push_back(s);
  if (!sigs.empty() && !exts.empty()) c_in += "_" + hex_list(sigs);
  const std::string c = exts.empty() ? "000000000000" : truncated_sha256(c_in);
  return a + "_" + b + "_" + c;
}

std::string ja4s(const ServerHelloFields& h) {
  std::vector<std::uint16_t> exts(h.extensions.begin(), h.extensions.end());
  std::string a;
  a.push_back(h.transport);
  a += ja4_version(h.selected_version.value_or(h.version));
  a += two_digits(exts.size());
  a += ja4_alpn(h.has_alpn, h.alpn);
  std::string b;
  append_hex4(b, h.cipher);
  const std::string c = exts.empty() ? "000000000000" : truncated_sha256(hex_list(exts));
  return a + "_" + b + "_" + c;
}

}  // namespace ward::parsers::tls::detail
