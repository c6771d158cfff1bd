#include "common/net.h"

#include <arpa/inet.h>

#include <array>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <string>

namespace ward {

IpAddr IpAddr::v4(ByteView four) noexcept {
  IpAddr a;
  a.bytes[10] = 0xff;
  a.bytes[11] = 0xff;
  for (std::size_t i = 0; i < 4; ++i) a.bytes[12 + i] = four[i];
  return a;
}

IpAddr IpAddr::v4(std::uint32_t host_order) noexcept {
  const std::array<std::uint8_t, 4> b{
      static_cast<std::uint8_t>(host_order >> 24), static_cast<std::uint8_t>(host_order >> 16),
      static_cast<std::uint8_t>(host_order >> 8), static_cast<std::uint8_t>(host_order)};
  return v4(ByteView(b));
}

IpAddr IpAddr::v6(ByteView sixteen) noexcept {
  IpAddr a;
  for (std::size_t i = 0; i < 16; ++i) a.bytes[i] = sixteen[i];
  return a;
}

bool IpAddr::is_v4() const noexcept {
  for (std::size_t i = 0; i < 10; ++i)
    if (bytes[i] != 0) return false;
  return bytes[10] == 0xff && bytes[11] == 0xff;
}

std::uint32_t IpAddr::v4_host_order() const noexcept { return load_u32be(ByteView(bytes), 12); }

std::string IpAddr::to_string() const {
  std::array<char, INET6_ADDRSTRLEN> buf{};
  if (is_v4()) {
    char* p = buf.data();
    for (int i = 12; i < 16; ++i) {
      p = std::to_chars(p, buf.data() + buf.size(), bytes[i]).ptr;
      if (i < 15) *p++ = '.';
    }
    return std::string(buf.data(), static_cast<std::size_t>(p - buf.data()));
  } else {
    inet_ntop(AF_INET6, bytes.data(), buf.data(), buf.size());
  }
  return buf.data();
}

bool IpAddr::parse(std::string_view text, IpAddr& out) noexcept {
  if (text.size() >= INET6_ADDRSTRLEN) return false;
  std::array<char, INET6_ADDRSTRLEN> buf{};
  std::memcpy(buf.data(), text.data(), text.size());
  std::array<std::uint8_t, 16> raw{};
  if (inet_pton(AF_INET, buf.data(), raw.data()) == 1) {
    out = v4(ByteView(raw.data(), 4));
    return true;
  }
  if (inet_pton(AF_INET6, buf.data(), raw.data()) == 1) {
    out = v6(ByteView(raw));
    return true;
  }
  return false;
}

std::string MacAddr::to_string() const {
  std::array<char, 18> buf{};
  std::snprintf(buf.data(), buf.size(), "%02x:%02x:%02x:%02x:%02x:%02x", bytes[0], bytes[1],
                bytes[2], bytes[3], bytes[4], bytes[5]);
  return buf.data();
}

bool MacAddr::is_zero() const noexcept {
  for (auto b : bytes)
    if (b != 0) return false;
  return true;
}

bool Cidr::parse(std::string_view text, Cidr& out) noexcept {
  const auto slash = text.find('/');
  const std::string_view addr = text.substr(0, slash);
  if (!IpAddr::parse(addr, out.base)) return false;
  const int max_bits = out.base.is_v4() ? 32 : 128;
  int bits = max_bits;
  if (slash != std::string_view::npos) {
    const std::string_view num = text.substr(slash + 1);
    if (num.empty() || num.size() > 3) return false;
    bits = 0;
    for (char c : num) {
      if (c < '0' || c > '9') return false;
      bits = bits * 10 + (c - '0');
    }
    if (bits > max_bits) return false;
  }
  out.prefix_bits = out.base.is_v4() ? bits + 96 : bits;
  return true;
}

bool Cidr::contains(const IpAddr& a) const noexcept {
  int bits = prefix_bits;
  for (std::size_t i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
    const std::uint8_t mask = bits >= 8 ? 0xff : static_cast<std::uint8_t>(0xff << (8 - bits));
    if ((a.bytes[i] & mask) != (base.bytes[i] & mask)) return false;
  }
  return true;
}

std::string format_ts(TimeNs ts) {
  const bool neg = ts < 0;
  const std::uint64_t abs_ns =
      neg ? static_cast<std::uint64_t>(-ts) : static_cast<std::uint64_t>(ts);
  const std::uint64_t us = abs_ns / 1000;
  std::array<char, 40> buf{};
  char* p = buf.data();
  if (neg) *p++ = '-';
  p = std::to_chars(p, buf.data() + buf.size(), us / 1'000'000).ptr;
  *p++ = '.';
  std::uint64_t frac = us % 1'000'000;
  for (int i = 5; i >= 0; --i) {
    p[i] = static_cast<char>('0' + frac % 10);
    frac /= 10;
  }
  return std::string(buf.data(), static_cast<std::size_t>(p + 6 - buf.data()));
}

}  // namespace ward
