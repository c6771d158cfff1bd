// L2–L4 decoding of captured frames: Ethernet (+802.1Q/802.1ad QinQ), Linux cooked v1/v2,
// BSD loopback, raw IP; ARP; IPv4 with options and fragments; IPv6 with extension headers and
// fragments; TCP, UDP, ICMP, ICMPv6. Checksums are not verified (captures often carry
// offloaded, unfinished checksums).
//
// IP fragments are reassembled in bounded memory (Limits); what cannot be reassembled is
// reported as an anomaly and dropped. Malformed headers give an anomaly and the packet is
// decoded as far as it is valid (a truncated TCP header yields an IP-only packet).
// One Decoder per thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string_view>
#include <vector>

#include "decode/packet.h"

namespace ward::decode {

struct Limits {
  std::uint64_t max_fragment_bytes =
      std::uint64_t{8} * 1024 * 1024;  // "decode.max_fragment_bytes": all pending fragments
  std::uint32_t max_fragment_datagrams = 4096;  // "decode.max_fragment_datagrams"
  TimeNs fragment_timeout = 30 * kNsPerSec;     // "decode.fragment_timeout_s"
};

enum class DecodeResult : std::uint8_t {
  kOk,           // `out` holds a packet to process (possibly only up to L3)
  kHeld,         // an IP fragment was stored; nothing to process yet
  kUnsupported,  // a link or network type we do not decode (counted, not an anomaly)
  kMalformed,    // nothing usable (an anomaly was reported)
};

struct DecodeStats {
  std::uint64_t unsupported = 0;
  std::uint64_t malformed = 0;
  std::uint64_t fragments = 0;
  std::uint64_t reassembled = 0;
  std::uint64_t fragments_dropped = 0;
};

class Decoder {
 public:
  // Receives decode anomalies: a stable id ("decode.ipv4_truncated") and the packet as decoded
  // so far (addresses may be unset).
  using AnomalyFn = std::function<void(std::string_view id, const Packet& partial)>;

  Decoder(Limits limits, AnomalyFn on_anomaly);

  DecodeResult decode(int link_type, TimeNs ts, std::uint32_t wire_len, ByteView frame,
                      Packet& out);
  [[nodiscard]] const DecodeStats& stats() const noexcept { return stats_; }
  [[nodiscard]] std::uint64_t fragment_bytes_held() const noexcept { return frag_bytes_; }

 private:
  struct FragKey {
    IpAddr src, dst;
    std::uint32_t id = 0;
    std::uint8_t proto = 0;
    // NOLINTNEXTLINE(modernize-use-nullptr): false positive on defaulted <=> (llvm-project#53961).
    friend auto operator<=>(const FragKey&, const FragKey&) = default;
  };
  struct Fragment {
    std::uint32_t offset = 0;
    std::vector<std::uint8_t> bytes;
  };
  struct Datagram {
    TimeNs first_ts = 0;
    std::vector<Fragment> parts;  // sorted by offset, non-overlapping (first data wins)
    std::uint32_t total_len = 0;  // known once the last fragment (MF=0) arrived; 0 = unknown
    std::uint64_t held = 0;
  };

  DecodeResult decode_ethertype(std::uint16_t type, ByteView data, Packet& out);
  DecodeResult decode_ipv4(ByteView data, Packet& out);
  DecodeResult decode_ipv6(ByteView data, Packet& out);
  DecodeResult decode_arp(ByteView data, Packet& out);
  DecodeResult decode_l4(std::uint8_t proto, ByteView data, Packet& out);
  // Stores a fragment; returns kOk with the L4 decoded from the reassembled datagram when it
  // completes, kHeld otherwise.
  DecodeResult add_fragment(const FragKey& key, std::uint32_t offset, bool more, ByteView data,
                            Packet& out);
  void expire_fragments(TimeNs now);
  void drop_datagram(std::map<FragKey, Datagram>::iterator it);
  DecodeResult malformed(std::string_view id, const Packet& p);

  Limits limits_;
  AnomalyFn on_anomaly_;
  DecodeStats stats_;
  std::map<FragKey, Datagram> frags_;
  std::uint64_t frag_bytes_ = 0;
  std::vector<std::uint8_t> reassembly_buf_;
  TimeNs last_expiry_check_ = 0;
};

}  // namespace ward::decode
