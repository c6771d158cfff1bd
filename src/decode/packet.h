// A decoded packet: link, network and transport headers of one captured frame. Views point
// into the frame (or into the decoder's reassembly buffer for reassembled IP fragments) and
// are valid until the next Decoder::decode() call.
#pragma once

#include <cstdint>

#include "bus/event.h"
#include "common/bytes.h"
#include "common/net.h"

namespace ward::decode {

enum class L3 : std::uint8_t { kNone, kIpv4, kIpv6, kArp };

// TCP flag bits (RFC 793, RFC 3168).
inline constexpr std::uint8_t kTcpFin = 0x01;
inline constexpr std::uint8_t kTcpSyn = 0x02;
inline constexpr std::uint8_t kTcpRst = 0x04;
inline constexpr std::uint8_t kTcpPsh = 0x08;
inline constexpr std::uint8_t kTcpAck = 0x10;
inline constexpr std::uint8_t kTcpUrg = 0x20;

struct Packet {
  TimeNs ts = 0;
  std::uint32_t wire_len = 0;
  std::uint64_t number = 0;

  bool has_ethernet = false;
  MacAddr src_mac;
  MacAddr dst_mac;
  std::uint8_t vlan_count = 0;
  std::uint16_t vlan[2] = {0, 0};  // outer first

  L3 l3 = L3::kNone;
  IpAddr src;
  IpAddr dst;
  std::uint8_t ttl = 0;
  std::uint32_t ip_bytes = 0;  // IP header + payload (as Zeek's *_ip_bytes)
  bool reassembled = false;    // the L4 data came from IP fragment reassembly

  bus::Transport proto = bus::Transport::kNone;
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  std::uint32_t seq = 0;
  std::uint32_t ack = 0;
  std::uint8_t tcp_flags = 0;
  std::uint16_t window = 0;
  std::uint8_t icmp_type = 0;
  std::uint8_t icmp_code = 0;
  ByteView payload;  // L4 payload (TCP/UDP data, ICMP body)

  // ARP (RFC 826), Ethernet/IPv4 only.
  std::uint16_t arp_op = 0;
  MacAddr arp_sha;
  MacAddr arp_tha;
  IpAddr arp_spa;
  IpAddr arp_tpa;
};

}  // namespace ward::decode
