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
  static FlowKey make(const IpAddr& src, std::uint16_t sport, const IpAddr& dst, std::uint16_t dport,
                      std::uint8_t proto, std::uint16_t vlan, bool& src_is_a) noexcept {
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
    // FNV-1a over the fields, then a final avalanche (splitmix64 finaliser).
    std::uint64_t h = 1469598103934665603ULL;
    auto mix = [&h](std::uint8_t byte) { h = (h ^ byte) * 1099511628211ULL; };
    for (auto x : k.a.bytes) mix(x);
    for (auto x : k.b.bytes) mix(x);
    mix(static_cast<std::uint8_t>(k.port_a)), mix(static_cast<std::uint8_t>(k.port_a >> 8));
    mix(static_cast<std::uint8_t>(k.port_b)), mix(static_cast<std::uint8_t>(k.port_b >> 8));
    mix(k.proto), mix(static_cast<std::uint8_t>(k.vlan)), mix(static_cast<std::uint8_t>(k.vlan >> 8));
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    h ^= h >> 31;
    return static_cast<std::size_t>(h);
  }
};

}  // namespace ward::flow
