// Addresses and time as the monitor passes them around: value types, no allocation.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/bytes.h"

namespace ward {

// Packet time in nanoseconds since the Unix epoch (from capture metadata, never the clock).
using TimeNs = std::int64_t;
inline constexpr TimeNs kNsPerSec = 1'000'000'000;
inline constexpr TimeNs kNsPerMs = 1'000'000;

// IPv4 or IPv6 address. IPv4 is stored as an IPv4-mapped IPv6 address (::ffff:a.b.c.d), so
// comparison and hashing treat both families alike.
struct IpAddr {
  std::array<std::uint8_t, 16> bytes{};

  static IpAddr v4(ByteView four) noexcept;     // REQUIRES: four.size() == 4
  static IpAddr v6(ByteView sixteen) noexcept;  // REQUIRES: sixteen.size() == 16
  static IpAddr v4(std::uint32_t host_order) noexcept;
  [[nodiscard]] bool is_v4() const noexcept;
  [[nodiscard]] std::uint32_t v4_host_order() const noexcept;  // REQUIRES: is_v4()
  [[nodiscard]] std::string to_string() const;
  // Parses dotted-quad or RFC 5952 text. Returns false on bad input.
  static bool parse(std::string_view text, IpAddr& out) noexcept;

  friend bool operator==(const IpAddr&, const IpAddr&) = default;
  // NOLINTNEXTLINE(modernize-use-nullptr): false positive on defaulted <=> (llvm-project#53961).
  friend auto operator<=>(const IpAddr&, const IpAddr&) = default;
};

struct MacAddr {
  std::array<std::uint8_t, 6> bytes{};
  [[nodiscard]] std::string to_string() const;  // "aa:bb:cc:dd:ee:ff"
  [[nodiscard]] bool is_zero() const noexcept;
  friend bool operator==(const MacAddr&, const MacAddr&) = default;
};

// An address block for policy matching: "10.1.0.0/16", "fd00::/8", or a single address.
struct Cidr {
  IpAddr base;
  int prefix_bits = 128;  // over the 128-bit (v4-mapped) form
  static bool parse(std::string_view text, Cidr& out) noexcept;
  [[nodiscard]] bool contains(const IpAddr& a) const noexcept;
};

// Formats packet time as Zeek does in JSON logs: seconds with six decimals.
std::string format_ts(TimeNs ts);

}  // namespace ward
