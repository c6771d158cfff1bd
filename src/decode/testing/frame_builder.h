// Test helpers that build frames and capture files byte by byte, so decoder, flow and
// end-to-end tests can state exactly what is on the wire. Checksums are left zero (Ward does
// not verify them).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/net.h"

namespace ward::decode::testing {

using Bytes = std::vector<std::uint8_t>;

IpAddr ip(std::string_view text);  // REQUIRES: valid address text

struct TcpSpec {
  std::uint16_t sport = 40000;
  std::uint16_t dport = 1883;
  std::uint32_t seq = 1000;
  std::uint32_t ack = 0;
  std::uint8_t flags = 0x18;  // PSH|ACK
  std::uint16_t window = 65535;
  Bytes payload;
};

Bytes tcp_segment(const TcpSpec& t);
Bytes udp_datagram(std::uint16_t sport, std::uint16_t dport, const Bytes& payload);
Bytes icmp_message(std::uint8_t type, std::uint8_t code, const Bytes& body);
// IPv4 header (20 bytes, or more with `options`) + `l4`. `frag` is the flags/offset field.
Bytes ipv4(const IpAddr& src, const IpAddr& dst, std::uint8_t proto, const Bytes& l4,
           std::uint16_t id = 1, std::uint16_t frag = 0, const Bytes& options = {});
Bytes ipv6(const IpAddr& src, const IpAddr& dst, std::uint8_t next_header, const Bytes& payload);
// Ethernet II frame with optional VLAN tags (outer first; 802.1ad for the outer of two).
Bytes ethernet(const Bytes& l3, std::uint16_t ethertype = 0x0800,
               std::vector<std::uint16_t> vlans = {},
               std::string_view src_mac = "02:00:00:00:00:01",
               std::string_view dst_mac = "02:00:00:00:00:02");
Bytes arp(std::uint16_t op, std::string_view sha, const IpAddr& spa, std::string_view tha,
          const IpAddr& tpa);
Bytes bytes_of(std::string_view text);

// Writes a classic pcap file (microsecond timestamps).
struct PcapRecord {
  std::int64_t ts_us = 0;
  Bytes frame;
};
std::string write_pcap(const std::string& path, int link_type,
                       const std::vector<PcapRecord>& records);

// Builds a TCP conversation with a handshake, data in both directions and a FIN close, with
// correct sequence numbers. `exchanges` alternate client (even index) and server (odd index)
// payloads; each payload is cut into segments of at most `mss` bytes.
std::vector<PcapRecord> tcp_conversation(const IpAddr& client, std::uint16_t cport,
                                         const IpAddr& server, std::uint16_t sport,
                                         const std::vector<Bytes>& exchanges,
                                         std::int64_t start_us = 1'700'000'000'000'000,
                                         std::size_t mss = 1460);

}  // namespace ward::decode::testing
