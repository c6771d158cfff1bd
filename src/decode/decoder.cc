#include "decode/decoder.h"

#include <algorithm>

namespace ward::decode {
namespace {

// libpcap DLT_* values (pcap/dlt.h); kept here so decoding does not depend on libpcap.
constexpr int kDltNull = 0;
constexpr int kDltEn10mb = 1;
constexpr int kDltRaw = 12;
constexpr int kDltRawOpenBsd = 14;
constexpr int kDltLoop = 108;
constexpr int kDltLinuxSll = 113;
constexpr int kLinktypeRaw = 101;
constexpr int kDltIpv4 = 228;
constexpr int kDltIpv6 = 229;
constexpr int kDltLinuxSll2 = 276;

constexpr std::uint16_t kEtherIpv4 = 0x0800;
constexpr std::uint16_t kEtherArp = 0x0806;
constexpr std::uint16_t kEtherIpv6 = 0x86dd;
constexpr std::uint16_t kEtherVlan = 0x8100;
constexpr std::uint16_t kEtherQinq = 0x88a8;
constexpr std::uint16_t kEtherQinqOld = 0x9100;

constexpr std::uint8_t kProtoIcmp = 1;
constexpr std::uint8_t kProtoTcp = 6;
constexpr std::uint8_t kProtoUdp = 17;
constexpr std::uint8_t kProtoIcmp6 = 58;

std::uint16_t icmp_counterpart(bool v6, std::uint8_t type, std::uint8_t code) {
  if (!v6) {
    switch (type) {
      case 8:
        return 0;  // echo request -> reply
      case 0:
        return 8;
      case 13:
        return 14;  // timestamp
      case 14:
        return 13;
      case 15:
        return 16;  // information
      case 16:
        return 15;
      case 17:
        return 18;  // address mask
      case 18:
        return 17;
      case 10:
        return 9;  // router solicitation -> advertisement
      case 9:
        return 10;
      default:
        return code;
    }
  }
  switch (type) {
    case 128:
      return 129;  // echo request -> reply
    case 129:
      return 128;
    case 133:
      return 134;  // router solicitation -> advertisement
    case 134:
      return 133;
    case 135:
      return 136;  // neighbour solicitation -> advertisement
    case 136:
      return 135;
    default:
      return code;
  }
}

MacAddr read_mac(ByteView six) {
  MacAddr m;
  std::copy(six.begin(), six.begin() + 6, m.bytes.begin());
  return m;
}

}  // namespace

Decoder::Decoder(Limits limits, AnomalyFn on_anomaly)
    : limits_(limits), on_anomaly_(std::move(on_anomaly)) {}

DecodeResult Decoder::malformed(std::string_view id, const Packet& p) {
  ++stats_.malformed;
  if (on_anomaly_) on_anomaly_(id, p);
  return DecodeResult::kMalformed;
}

DecodeResult Decoder::decode(int link_type, TimeNs ts, std::uint32_t wire_len, ByteView frame,
                             Packet& out) {
  out = Packet{};
  out.ts = ts;
  out.wire_len = wire_len;
  if (ts - last_expiry_check_ >= kNsPerSec || ts < last_expiry_check_) {
    expire_fragments(ts);
    last_expiry_check_ = ts;
  }
  ByteReader r(frame);
  switch (link_type) {
    case kDltEn10mb: {
      // A failed read does not advance the reader, so fixed headers are length-checked first.
      if (frame.size() < 14) return malformed("decode.ethernet_truncated", out);
      auto dst = r.bytes(6);
      auto src = r.bytes(6);
      auto type = r.u16be();
      if (!type) return malformed("decode.ethernet_truncated", out);
      out.has_ethernet = true;
      out.dst_mac = read_mac(*dst);
      out.src_mac = read_mac(*src);
      std::uint16_t t = *type;
      // IEEE 802.1Q / 802.1ad: up to two tags are recorded, deeper stacks are skipped.
      for (int depth = 0; t == kEtherVlan || t == kEtherQinq || t == kEtherQinqOld; ++depth) {
        if (r.remaining() < 4) return malformed("decode.vlan_truncated", out);
        auto tci = r.u16be();
        auto inner = r.u16be();
        if (depth < 2) out.vlan[out.vlan_count++] = static_cast<std::uint16_t>(*tci & 0x0fff);
        if (depth >= 8) return malformed("decode.vlan_too_deep", out);
        t = *inner;
      }
      if (t < 0x0600) {  // 802.3 length field: LLC frames (STP, CDP ...) are not decoded
        ++stats_.unsupported;
        return DecodeResult::kUnsupported;
      }
      return decode_ethertype(t, r.rest(), out);
    }
    case kDltLinuxSll: {
      // pkttype(2) hatype(2) halen(2) addr(8) protocol(2)
      if (frame.size() < 16) return malformed("decode.sll_truncated", out);
      auto pkttype = r.u16be();
      auto hatype = r.u16be();
      auto halen = r.u16be();
      auto addr = r.bytes(8);
      auto proto = r.u16be();
      (void)pkttype;
      (void)hatype;
      if (*halen == 6) out.src_mac = read_mac(*addr);
      return decode_ethertype(*proto, r.rest(), out);
    }
    case kDltLinuxSll2: {
      // protocol(2) reserved(2) ifindex(4) hatype(2) pkttype(1) halen(1) addr(8)
      if (frame.size() < 20) return malformed("decode.sll2_truncated", out);
      auto proto = r.u16be();
      r.skip(9);  // reserved, ifindex, hatype, pkttype
      auto halen = r.u8();
      auto addr = r.bytes(8);
      if (*halen == 6) out.src_mac = read_mac(*addr);
      return decode_ethertype(*proto, r.rest(), out);
    }
    case kDltNull:
    case kDltLoop: {
      // 4-byte address family: host order for DLT_NULL, network order for DLT_LOOP.
      auto fam = link_type == kDltLoop ? r.u32be() : r.u32le();
      if (!fam) return malformed("decode.loopback_truncated", out);
      if (*fam == 2) return decode_ipv4(r.rest(), out);
      if (*fam == 10 || *fam == 24 || *fam == 28 || *fam == 30) return decode_ipv6(r.rest(), out);
      ++stats_.unsupported;
      return DecodeResult::kUnsupported;
    }
    case kDltRaw:
    case kDltRawOpenBsd:
    case kLinktypeRaw:
    case kDltIpv4:
    case kDltIpv6: {
      auto first = r.peek_u8();
      if (!first) return malformed("decode.ip_truncated", out);
      if ((*first >> 4) == 4) return decode_ipv4(frame, out);
      if ((*first >> 4) == 6) return decode_ipv6(frame, out);
      return malformed("decode.ip_bad_version", out);
    }
    default:
      ++stats_.unsupported;
      return DecodeResult::kUnsupported;
  }
}

DecodeResult Decoder::decode_ethertype(std::uint16_t type, ByteView data, Packet& out) {
  switch (type) {
    case kEtherIpv4:
      return decode_ipv4(data, out);
    case kEtherIpv6:
      return decode_ipv6(data, out);
    case kEtherArp:
      return decode_arp(data, out);
    default:
      ++stats_.unsupported;
      return DecodeResult::kUnsupported;
  }
}

// RFC 826.
DecodeResult Decoder::decode_arp(ByteView data, Packet& out) {
  if (data.size() < 8) return malformed("decode.arp_truncated", out);
  ByteReader r(data);
  auto htype = r.u16be();
  auto ptype = r.u16be();
  auto hlen = r.u8();
  auto plen = r.u8();
  auto op = r.u16be();
  if (!op) return malformed("decode.arp_truncated", out);
  if (*htype != 1 || *ptype != kEtherIpv4 || *hlen != 6 || *plen != 4) {
    ++stats_.unsupported;
    return DecodeResult::kUnsupported;
  }
  if (r.remaining() < 20) return malformed("decode.arp_truncated", out);
  auto sha = r.bytes(6);
  auto spa = r.bytes(4);
  auto tha = r.bytes(6);
  auto tpa = r.bytes(4);
  out.l3 = L3::kArp;
  out.arp_op = *op;
  out.arp_sha = read_mac(*sha);
  out.arp_tha = read_mac(*tha);
  out.arp_spa = IpAddr::v4(*spa);
  out.arp_tpa = IpAddr::v4(*tpa);
  return DecodeResult::kOk;
}

// RFC 791.
DecodeResult Decoder::decode_ipv4(ByteView data, Packet& out) {
  if (data.size() < 20) return malformed("decode.ipv4_truncated", out);
  ByteReader r(data);
  auto vihl = r.u8();
  auto tos = r.u8();
  auto total_len = r.u16be();
  auto id = r.u16be();
  auto frag = r.u16be();
  auto ttl = r.u8();
  auto proto = r.u8();
  auto csum = r.u16be();
  auto src = r.bytes(4);
  auto dst = r.bytes(4);
  (void)tos;
  (void)csum;
  out.l3 = L3::kIpv4;
  out.src = IpAddr::v4(*src);
  out.dst = IpAddr::v4(*dst);
  out.ttl = *ttl;
  if ((*vihl >> 4) != 4) return malformed("decode.ipv4_bad_version", out);
  const std::size_t header_len = static_cast<std::size_t>(*vihl & 0x0f) * 4;
  if (header_len < 20) return malformed("decode.ipv4_bad_header_length", out);
  if (header_len > data.size()) return malformed("decode.ipv4_truncated", out);
  if (*total_len < header_len) return malformed("decode.ipv4_bad_total_length", out);
  // Ethernet padding follows short packets: trust total length; a shorter capture (snaplen)
  // decodes what is there.
  const std::size_t end = std::min<std::size_t>(*total_len, data.size());
  out.ip_bytes = *total_len;
  const ByteView body = data.subspan(header_len, end - header_len);

  const bool more_fragments = (*frag & 0x2000) != 0;
  const std::uint32_t frag_offset = static_cast<std::uint32_t>(*frag & 0x1fff) * 8;
  if (more_fragments || frag_offset != 0) {
    if (end < *total_len) return malformed("decode.ipv4_fragment_truncated", out);
    FragKey key{out.src, out.dst, *id, *proto};
    return add_fragment(key, frag_offset, more_fragments, body, out);
  }
  return decode_l4(*proto, body, out);
}

// RFC 8200: the header chain is followed through hop-by-hop, routing, destination options,
// fragment, mobility and AH headers, at most 16 of them.
DecodeResult Decoder::decode_ipv6(ByteView data, Packet& out) {
  if (data.size() < 40) return malformed("decode.ipv6_truncated", out);
  ByteReader r(data);
  auto vtf = r.u32be();
  auto payload_len = r.u16be();
  auto next = r.u8();
  auto hop = r.u8();
  auto src = r.bytes(16);
  auto dst = r.bytes(16);
  out.l3 = L3::kIpv6;
  out.src = IpAddr::v6(*src);
  out.dst = IpAddr::v6(*dst);
  out.ttl = *hop;
  if ((*vtf >> 28) != 6) return malformed("decode.ipv6_bad_version", out);
  out.ip_bytes = 40u + *payload_len;
  const std::size_t avail = std::min<std::size_t>(*payload_len, r.remaining());
  ByteReader body(r.rest().subspan(0, avail));
  std::uint8_t nh = *next;
  for (int i = 0; i < 16; ++i) {
    switch (nh) {
      case 0:      // hop-by-hop options
      case 43:     // routing
      case 60:     // destination options
      case 135: {  // mobility
        auto n = body.u8();
        auto len8 = body.u8();
        if (!len8 || !body.skip(static_cast<std::size_t>(*len8) * 8 + 6))
          return malformed("decode.ipv6_ext_truncated", out);
        nh = *n;
        continue;
      }
      case 51: {  // AH: length in 4-octet units minus 2
        auto n = body.u8();
        auto len4 = body.u8();
        if (!len4 || !body.skip((static_cast<std::size_t>(*len4) + 2) * 4 - 2))
          return malformed("decode.ipv6_ext_truncated", out);
        nh = *n;
        continue;
      }
      case 44: {  // fragment
        auto n = body.u8();
        auto reserved = body.u8();
        auto off_flags = body.u16be();
        auto ident = body.u32be();
        (void)reserved;
        if (!ident) return malformed("decode.ipv6_ext_truncated", out);
        const std::uint32_t offset = static_cast<std::uint32_t>(*off_flags & 0xfff8);
        const bool more = (*off_flags & 1) != 0;
        if (offset == 0 && !more) {  // atomic fragment (RFC 6946)
          nh = *n;
          continue;
        }
        if (avail < *payload_len) return malformed("decode.ipv6_fragment_truncated", out);
        FragKey key{out.src, out.dst, *ident, *n};
        return add_fragment(key, offset, more, body.rest(), out);
      }
      case 59:  // no next header
        return DecodeResult::kOk;
      default:
        return decode_l4(nh, body.rest(), out);
    }
  }
  return malformed("decode.ipv6_too_many_ext_headers", out);
}

DecodeResult Decoder::decode_l4(std::uint8_t proto, ByteView data, Packet& out) {
  ByteReader r(data);
  switch (proto) {
    case kProtoTcp: {  // RFC 793
      if (data.size() < 20) return malformed("decode.tcp_truncated", out);
      auto sport = r.u16be();
      auto dport = r.u16be();
      auto seq = r.u32be();
      auto ack = r.u32be();
      auto off = r.u8();
      auto flags = r.u8();
      auto win = r.u16be();
      const std::size_t header_len = static_cast<std::size_t>(*off >> 4) * 4;
      if (header_len < 20 || header_len > data.size())
        return malformed("decode.tcp_bad_offset", out);
      out.proto = bus::Transport::kTcp;
      out.src_port = *sport;
      out.dst_port = *dport;
      out.seq = *seq;
      out.ack = *ack;
      out.tcp_flags = *flags;
      out.window = *win;
      out.payload = data.subspan(header_len);
      return DecodeResult::kOk;
    }
    case kProtoUdp: {  // RFC 768
      if (data.size() < 8) return malformed("decode.udp_truncated", out);
      auto sport = r.u16be();
      auto dport = r.u16be();
      auto len = r.u16be();
      if (*len < 8) return malformed("decode.udp_bad_length", out);
      out.proto = bus::Transport::kUdp;
      out.src_port = *sport;
      out.dst_port = *dport;
      out.payload = data.subspan(8, std::min<std::size_t>(*len - 8u, data.size() - 8));
      return DecodeResult::kOk;
    }
    case kProtoIcmp:
    case kProtoIcmp6: {
      auto type = r.u8();
      auto code = r.u8();
      if (!code || !r.skip(2)) return malformed("decode.icmp_truncated", out);
      out.proto = proto == kProtoIcmp ? bus::Transport::kIcmp : bus::Transport::kIcmp6;
      out.icmp_type = *type;
      out.icmp_code = *code;
      // Zeek's convention: the type stands in for the source port and the counterpart type
      // (echo request <-> reply, ...) or else the code for the destination port, so that a
      // request and its reply fall into the same flow.
      out.src_port = *type;
      out.dst_port = icmp_counterpart(proto == kProtoIcmp6, *type, *code);
      out.payload = r.rest();
      return DecodeResult::kOk;
    }
    default:
      return DecodeResult::kOk;  // other IP protocols: L3 only
  }
}

DecodeResult Decoder::add_fragment(const FragKey& key, std::uint32_t offset, bool more,
                                   ByteView data, Packet& out) {
  ++stats_.fragments;
  const std::uint64_t end = std::uint64_t{offset} + data.size();
  if (end > 65535) {
    ++stats_.fragments_dropped;
    return malformed("decode.ip_fragment_too_large", out);
  }
  auto it = frags_.find(key);
  if (it == frags_.end()) {
    if (frags_.size() >= limits_.max_fragment_datagrams) {
      ++stats_.fragments_dropped;
      if (on_anomaly_) on_anomaly_("decode.fragment_limit", out);
      return DecodeResult::kHeld;
    }
    it = frags_.emplace(key, Datagram{}).first;
    it->second.first_ts = out.ts;
  }
  Datagram& d = it->second;
  if (!more) {
    if (d.total_len != 0 && d.total_len != end) {
      if (on_anomaly_) on_anomaly_("decode.ip_fragment_inconsistent", out);
    }
    d.total_len = static_cast<std::uint32_t>(end);
  }

  // Insert only the bytes no earlier fragment covers (first data wins; overlaps are reported).
  std::vector<Fragment> pieces;
  std::uint64_t cur = offset;
  for (const Fragment& f : d.parts) {
    const std::uint64_t f_end = f.offset + f.bytes.size();
    if (f_end <= cur || f.offset >= end) continue;
    if (f.offset > cur)
      pieces.push_back({static_cast<std::uint32_t>(cur),
                        {data.begin() + static_cast<std::ptrdiff_t>(cur - offset),
                         data.begin() + static_cast<std::ptrdiff_t>(f.offset - offset)}});
    cur = std::max(cur, f_end);
  }
  if (cur < end)
    pieces.push_back({static_cast<std::uint32_t>(cur),
                      {data.begin() + static_cast<std::ptrdiff_t>(cur - offset), data.end()}});
  std::uint64_t added = 0;
  for (const Fragment& p : pieces) added += p.bytes.size();
  if (added < data.size() && on_anomaly_) on_anomaly_("decode.ip_fragment_overlap", out);

  if (frag_bytes_ + added > limits_.max_fragment_bytes) {
    ++stats_.fragments_dropped;
    if (on_anomaly_) on_anomaly_("decode.fragment_limit", out);
    drop_datagram(it);
    return DecodeResult::kHeld;
  }
  for (Fragment& p : pieces) {
    auto pos = std::lower_bound(d.parts.begin(), d.parts.end(), p.offset,
                                [](const Fragment& f, std::uint32_t o) { return f.offset < o; });
    d.parts.insert(pos, std::move(p));
  }
  d.held += added;
  frag_bytes_ += added;

  if (d.total_len == 0) return DecodeResult::kHeld;
  std::uint64_t contiguous = 0;
  for (const Fragment& f : d.parts) {
    if (f.offset != contiguous) return DecodeResult::kHeld;
    contiguous += f.bytes.size();
  }
  if (contiguous < d.total_len) return DecodeResult::kHeld;

  reassembly_buf_.clear();
  for (const Fragment& f : d.parts)
    reassembly_buf_.insert(reassembly_buf_.end(), f.bytes.begin(), f.bytes.end());
  reassembly_buf_.resize(d.total_len);
  const std::uint8_t proto = key.proto;
  drop_datagram(it);
  ++stats_.reassembled;
  out.reassembled = true;
  out.ip_bytes =
      static_cast<std::uint32_t>(reassembly_buf_.size()) + (out.l3 == L3::kIpv6 ? 40 : 20);
  return decode_l4(proto, ByteView(reassembly_buf_), out);
}

void Decoder::drop_datagram(std::map<FragKey, Datagram>::iterator it) {
  frag_bytes_ -= it->second.held;
  frags_.erase(it);
}

void Decoder::expire_fragments(TimeNs now) {
  for (auto it = frags_.begin(); it != frags_.end();) {
    if (now - it->second.first_ts > limits_.fragment_timeout) {
      ++stats_.fragments_dropped;
      Packet p;
      p.ts = now;
      p.src = it->first.src;
      p.dst = it->first.dst;
      if (on_anomaly_) on_anomaly_("decode.ip_fragment_timeout", p);
      auto next = std::next(it);
      drop_datagram(it);
      it = next;
    } else {
      ++it;
    }
  }
}

}  // namespace ward::decode
