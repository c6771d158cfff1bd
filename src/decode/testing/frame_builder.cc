#include "decode/testing/frame_builder.h"

#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string_view>

#include "common/bytes.h"

namespace ward::decode::testing {
namespace {

void put16(Bytes& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}
void put32(Bytes& b, std::uint32_t v) {
  put16(b, static_cast<std::uint16_t>(v >> 16));
  put16(b, static_cast<std::uint16_t>(v));
}
void put32le(Bytes& b, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void put16le(Bytes& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v));
  b.push_back(static_cast<std::uint8_t>(v >> 8));
}
void put_mac(Bytes& b, std::string_view text) {
  unsigned m[6] = {};
  if (std::sscanf(std::string(text).c_str(), "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4],
                  &m[5]) != 6)
    throw std::invalid_argument("bad MAC in test");
  for (unsigned x : m) b.push_back(static_cast<std::uint8_t>(x));
}

}  // namespace

IpAddr ip(std::string_view text) {
  IpAddr a;
  if (!IpAddr::parse(text, a)) throw std::invalid_argument("bad address in test");
  return a;
}

Bytes bytes_of(std::string_view text) { return Bytes(text.begin(), text.end()); }

Bytes tcp_segment(const TcpSpec& t) {
  Bytes b;
  put16(b, t.sport);
  put16(b, t.dport);
  put32(b, t.seq);
  put32(b, t.ack);
  b.push_back(0x50);  // data offset 5
  b.push_back(t.flags);
  put16(b, t.window);
  put16(b, 0);  // checksum
  put16(b, 0);  // urgent
  b.insert(b.end(), t.payload.begin(), t.payload.end());
  return b;
}

Bytes udp_datagram(std::uint16_t sport, std::uint16_t dport, const Bytes& payload) {
  Bytes b;
  put16(b, sport);
  put16(b, dport);
  put16(b, static_cast<std::uint16_t>(8 + payload.size()));
  put16(b, 0);
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

Bytes icmp_message(std::uint8_t type, std::uint8_t code, const Bytes& body) {
  Bytes b{type, code, 0, 0};
  b.insert(b.end(), body.begin(), body.end());
  return b;
}

Bytes ipv4(const IpAddr& src, const IpAddr& dst, std::uint8_t proto, const Bytes& l4,
           std::uint16_t id, std::uint16_t frag, const Bytes& options) {
  Bytes b;
  const auto ihl = static_cast<std::uint8_t>(5 + options.size() / 4);
  b.push_back(static_cast<std::uint8_t>(0x40 | ihl));
  b.push_back(0);
  put16(b, static_cast<std::uint16_t>(std::size_t{ihl} * 4 + l4.size()));
  put16(b, id);
  put16(b, frag);
  b.push_back(64);
  b.push_back(proto);
  put16(b, 0);
  b.insert(b.end(), src.bytes.begin() + 12, src.bytes.end());
  b.insert(b.end(), dst.bytes.begin() + 12, dst.bytes.end());
  b.insert(b.end(), options.begin(), options.end());
  b.insert(b.end(), l4.begin(), l4.end());
  return b;
}

Bytes ipv6(const IpAddr& src, const IpAddr& dst, std::uint8_t next_header, const Bytes& payload) {
  Bytes b;
  put32(b, 0x60000000);
  put16(b, static_cast<std::uint16_t>(payload.size()));
  b.push_back(next_header);
  b.push_back(64);
  b.insert(b.end(), src.bytes.begin(), src.bytes.end());
  b.insert(b.end(), dst.bytes.begin(), dst.bytes.end());
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

Bytes ethernet(const Bytes& l3, std::uint16_t ethertype, std::vector<std::uint16_t> vlans,
               std::string_view src_mac, std::string_view dst_mac) {
  Bytes b;
  put_mac(b, dst_mac);
  put_mac(b, src_mac);
  for (std::size_t i = 0; i < vlans.size(); ++i) {
    put16(b, (vlans.size() > 1 && i == 0) ? 0x88a8 : 0x8100);
    put16(b, vlans[i]);
  }
  put16(b, ethertype);
  b.insert(b.end(), l3.begin(), l3.end());
  return b;
}

Bytes arp(std::uint16_t op, std::string_view sha, const IpAddr& spa, std::string_view tha,
          const IpAddr& tpa) {
  Bytes b;
  put16(b, 1);
  put16(b, 0x0800);
  b.push_back(6);
  b.push_back(4);
  put16(b, op);
  put_mac(b, sha);
  b.insert(b.end(), spa.bytes.begin() + 12, spa.bytes.end());
  put_mac(b, tha);
  b.insert(b.end(), tpa.bytes.begin() + 12, tpa.bytes.end());
  return b;
}

std::string write_pcap(const std::string& path, int link_type,
                       const std::vector<PcapRecord>& records) {
  Bytes b;
  put32le(b, 0xa1b2c3d4);
  put16le(b, 2);
  put16le(b, 4);
  put32le(b, 0);
  put32le(b, 0);
  put32le(b, 262144);
  put32le(b, static_cast<std::uint32_t>(link_type));
  for (const PcapRecord& r : records) {
    put32le(b, static_cast<std::uint32_t>(r.ts_us / 1'000'000));
    put32le(b, static_cast<std::uint32_t>(r.ts_us % 1'000'000));
    put32le(b, static_cast<std::uint32_t>(r.frame.size()));
    put32le(b, static_cast<std::uint32_t>(r.frame.size()));
    b.insert(b.end(), r.frame.begin(), r.frame.end());
  }
  std::ofstream f(path, std::ios::binary);
  const std::string_view chars = as_chars(b);
  f.write(chars.data(), static_cast<std::streamsize>(chars.size()));
  return path;
}

std::vector<PcapRecord> tcp_conversation(const IpAddr& client, std::uint16_t cport,
                                         const IpAddr& server, std::uint16_t sport,
                                         const std::vector<Bytes>& exchanges, std::int64_t start_us,
                                         std::size_t mss) {
  std::vector<PcapRecord> out;
  std::int64_t ts = start_us;
  std::uint32_t cseq = 1000;
  std::uint32_t sseq = 5000;
  auto frame = [&](bool from_client, std::uint8_t flags, const Bytes& payload) {
    TcpSpec t;
    t.sport = from_client ? cport : sport;
    t.dport = from_client ? sport : cport;
    t.seq = from_client ? cseq : sseq;
    t.ack = from_client ? sseq : cseq;
    t.flags = flags;
    t.payload = payload;
    const Bytes l3 =
        ipv4(from_client ? client : server, from_client ? server : client, 6, tcp_segment(t));
    out.push_back(
        {ts, ethernet(l3, 0x0800, {}, from_client ? "02:00:00:00:00:01" : "02:00:00:00:00:02",
                      from_client ? "02:00:00:00:00:02" : "02:00:00:00:00:01")});
    ts += 1000;
  };
  frame(true, 0x02, {});  // SYN
  ++cseq;
  frame(false, 0x12, {});  // SYN-ACK
  ++sseq;
  frame(true, 0x10, {});  // ACK
  for (std::size_t i = 0; i < exchanges.size(); ++i) {
    const bool from_client = i % 2 == 0;
    const Bytes& data = exchanges[i];
    for (std::size_t off = 0; off < data.size(); off += mss) {
      const Bytes piece(
          data.begin() + static_cast<std::ptrdiff_t>(off),
          data.begin() + static_cast<std::ptrdiff_t>(std::min(data.size(), off + mss)));
      frame(from_client, 0x18, piece);
      (from_client ? cseq : sseq) += static_cast<std::uint32_t>(piece.size());
    }
    if (!data.empty()) frame(!from_client, 0x10, {});  // ACK from the peer
  }
  frame(true, 0x11, {});  // FIN
  ++cseq;
  frame(false, 0x11, {});  // FIN
  ++sseq;
  frame(true, 0x10, {});
  return out;
}

}  // namespace ward::decode::testing
