// Symmetric flow key: both directions of a connection map to the same key, with the lower
// (address, port) endpoint stored first.
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>

#include "common/net.h"

namespace ward::flow {

struct FlowKey {
  IpAddr a;
  IpAddr b;
  std::uint16_t port_a = 0;
  std::uint16_t port_b = 0;
  std::uint8_t proto = 0;
  std::uint16_t vlan = 0;  // outer VLAN id: the same addresses on two VLANs are two flows

  // Builds the key for a packet from (src, sport) to (dst, dport); `src_is_a` tells which
  // side the source ended up on.
  static FlowKey make(const IpAddr& src, std::uint16_t sport, const IpAddr& dst,
                      std::uint16_t dport, std::uint8_t proto, std::uint16_t vlan,
                      bool& src_is_a) noexcept {
    FlowKey k;
    k.proto = proto;
    k.vlan = vlan;
    const int c = std::memcmp(src.bytes.data(), dst.bytes.data(), 16);
    src_is_a = c < 0 || (c == 0 && sport <= dport);
    if (src_is_a) {
      k.a = src, k.port_a = sport, k.b = dst, k.port_b = dport;
    } else {
      k.a = dst, k.port_a = dport, k.b = src, k.port_b = sport;
    }
    return k;
  }
  friend bool operator==(const FlowKey&, const FlowKey&) = default;
};

struct FlowKeyHash {
  std::size_t operator()(const FlowKey& k) const noexcept {
    // The key as five 64-bit words, each mixed in with a multiply and a rotate, then a
    // splitmix64 finaliser. (Byte-at-a-time FNV cost 7% of the monitor's time.)
    std::uint64_t w[4];
    std::memcpy(&w[0], k.a.bytes.data(), 16);
    std::memcpy(&w[2], k.b.bytes.data(), 16);
    const std::uint64_t tail = (std::uint64_t{k.port_a} << 48) | (std::uint64_t{k.port_b} << 32) |
                               (std::uint64_t{k.vlan} << 16) | k.proto;
    std::uint64_t h = 0x9e3779b97f4a7c15ULL;
    for (std::uint64_t x : w) h = (h ^ x) * 0xbf58476d1ce4e5b9ULL, h = (h << 31) | (h >> 33);
    h = (h ^ tail) * 0x94d049bb133111ebULL;
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    h ^= h >> 31;
    return static_cast<std::size_t>(h);
  }
};

}  // namespace ward::flow
