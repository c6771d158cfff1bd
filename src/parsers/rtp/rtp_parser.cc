#include "parsers/rtp/rtp_parser.h"

#include <algorithm>
#include <array>

#include "parsers/rtp/rtp_log.h"

namespace ward::parsers::rtp {
namespace {

constexpr std::uint32_t kSeqMod = 1U << 16;
// RFC 3550 A.1: a jump of fewer than kMaxDropout ahead is accepted as loss; one within
// kMaxMisorder behind is a reordered or duplicated packet; anything else restarts the count
// once two consecutive packets agree on the new sequence.
constexpr std::uint16_t kMaxDropout = 3000;
constexpr std::uint16_t kMaxMisorder = 100;

// RFC 3550 A.2: the RTCP packet types (SR 200 .. XR 207; RFC 4585 205/206, RFC 3611 207).
constexpr std::uint8_t kRtcpSr = 200;
constexpr std::uint8_t kRtcpRr = 201;
constexpr std::uint8_t kRtcpBye = 203;

// Payload types assigned in RFC 3551 §6 Tables 4 and 5 (0..34), plus the dynamic range.
bool assigned_payload_type(std::uint8_t pt) noexcept {
  constexpr std::array<std::uint8_t, 24> kStatic = {0,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13,
                                                    14, 15, 16, 17, 18, 25, 26, 28, 31, 32, 33, 34};
  return (pt >= 96 && pt <= 127) || std::find(kStatic.begin(), kStatic.end(), pt) != kStatic.end();
}

// Length of the RTP header (fixed part, CSRCs, extension) if `p` is a valid RTP packet, else 0.
std::size_t rtp_header_length(ByteView p) noexcept {
  ByteReader r(p);
  const auto b0 = r.u8();
  if (!b0 || (*b0 >> 6) != 2 || p.size() < 12) return 0;
  const std::size_t csrc = *b0 & 0x0f;
  std::size_t header = 12 + 4 * csrc;
  if (header > p.size()) return 0;
  if ((*b0 & 0x10) != 0) {  // RFC 3550 §5.3.1 header extension: 16-bit id, 16-bit length (words)
    ByteReader ext(p.subspan(header));
    if (!ext.skip(2)) return 0;
    const auto words = ext.u16be();
    if (!words) return 0;
    header += 4 + 4 * std::size_t{*words};
    if (header > p.size()) return 0;
  }
  if ((*b0 & 0x20) != 0) {  // padding: the last byte counts the padding bytes, itself included
    const std::uint8_t pad = p[p.size() - 1];
    if (pad == 0 || header + pad > p.size()) return 0;
  }
  return header;
}

// True iff `p` is an RTCP compound packet (RFC 3550 A.2): every part version 2, lengths adding
// up to the datagram. Counts the SR, RR and BYE parts and returns the first part's sender SSRC.
struct RtcpSummary {
  std::uint32_t ssrc = 0;
  std::uint8_t first_type = 0;
  std::uint32_t sr = 0, rr = 0, bye = 0;
};
bool parse_rtcp(ByteView p, RtcpSummary& out) noexcept {
  ByteReader r(p);
  bool first = true;
  int parts = 0;
  while (!r.empty()) {
    if (++parts > 64) return false;  // a compound packet of more parts is not plausible
    const auto b0 = r.u8();
    const auto type = r.u8();
    const auto words = r.u16be();
    if (!b0 || !type || !words || (*b0 >> 6) != 2 || *type < 192 || *type > 223) return false;
    const std::size_t body = 4 * std::size_t{*words};
    const auto bytes = r.bytes(body);
    if (!bytes) return false;
    if (first) {
      // RFC 3550 A.2: padding only in the last part; the first part has none.
      if ((*b0 & 0x20) != 0 && !r.empty()) return false;
      out.first_type = *type;
      if (bytes->size() >= 4) out.ssrc = load_u32be(*bytes, 0);
      first = false;
    }
    if (*type == kRtcpSr) ++out.sr;
    if (*type == kRtcpRr) ++out.rr;
    if (*type == kRtcpBye) ++out.bye;
  }
  return parts > 0;
}

}  // namespace

PacketKind classify(ByteView packet) noexcept {
  if (packet.size() < 4 || (packet[0] >> 6) != 2) return PacketKind::kInvalid;
  // RFC 5761 §4: second byte 192..223 is RTCP (RTP avoids payload types 64..95 with marker).
  if (packet[1] >= 192 && packet[1] <= 223) {
    RtcpSummary s;
    return parse_rtcp(packet, s) ? PacketKind::kRtcp : PacketKind::kInvalid;
  }
  return rtp_header_length(packet) != 0 ? PacketKind::kRtp : PacketKind::kInvalid;
}

Probe probe(Direction /*dir*/, ByteView payload) noexcept {
  if (payload.size() < 8 || (payload[0] >> 6) != 2) return Probe::kNo;
  if (payload[1] >= 192 && payload[1] <= 223) {
    RtcpSummary s;
    return parse_rtcp(payload, s) && (s.first_type == kRtcpSr || s.first_type == kRtcpRr)
               ? Probe::kYes
               : Probe::kNo;
  }
  const std::size_t header = rtp_header_length(payload);
  if (header == 0 || header >= payload.size()) return Probe::kNo;
  return assigned_payload_type(payload[1] & 0x7f) ? Probe::kYes : Probe::kNo;
}

RtpSources::Source* RtpSources::find_or_add(std::uint32_t ssrc, Direction dir, TimeNs ts,
                                            bool& over_limit) {
  for (Source& s : sources_)
    if (s.ssrc == ssrc && s.dir == dir) return &s;
  if (sources_.size() >= max_sources_) {
    over_limit = true;
    return nullptr;
  }
  Source& s = sources_.emplace_back();
  s.ssrc = ssrc;
  s.dir = dir;
  s.first_ts = s.last_ts = ts;
  return &s;
}

// RFC 3550 A.1 (update_seq), without the probation period: the first packet starts the count.
void RtpSources::update_seq(Source& s, std::uint16_t seq) {
  const auto udelta = static_cast<std::uint16_t>(seq - s.max_seq);
  if (udelta == 1) confirmed_ = true;  // two packets in sequence: this is RTP
  if (udelta < kMaxDropout) {
    if (seq < s.max_seq) s.cycles += kSeqMod;  // wrapped
    s.max_seq = seq;
  } else if (udelta <= kSeqMod - kMaxMisorder) {
    // A very large jump: the source restarted, or this is a stray packet. Restart the count
    // only when the next packet follows it (RFC 3550 A.1 bad_seq).
    if (seq == s.bad_seq) {
      s.base_seq = seq;
      s.max_seq = seq;
      s.cycles = 0;
      s.received = 0;
      s.bad_seq = kSeqMod + 1;
    } else {
      s.bad_seq = (seq + 1U) & (kSeqMod - 1);
      return;
    }
  }
  // else: duplicate or reordered packet, counted as received.
  ++s.received;
}

PacketKind RtpSources::on_packet(Direction dir, ByteView packet, TimeNs ts, bool& over_limit) {
  over_limit = false;
  const PacketKind kind = classify(packet);
  if (kind == PacketKind::kRtcp) {
    RtcpSummary sum;
    (void)parse_rtcp(packet, sum);
    confirmed_ = confirmed_ || sum.first_type == kRtcpSr || sum.first_type == kRtcpRr;
    Source* s = find_or_add(sum.ssrc, dir, ts, over_limit);
    if (s == nullptr) return kind;
    s->last_ts = std::max(s->last_ts, ts);
    ++s->rtcp_packets;
    s->rtcp_sr += sum.sr;
    s->rtcp_rr += sum.rr;
    s->rtcp_bye += sum.bye;
    return kind;
  }
  if (kind != PacketKind::kRtp) return kind;
  const std::uint8_t pt = packet[1] & 0x7f;
  const std::uint16_t seq = load_u16be(packet, 2);
  Source* s = find_or_add(load_u32be(packet, 8), dir, ts, over_limit);
  if (s == nullptr) return kind;
  s->last_ts = std::max(s->last_ts, ts);
  ++s->packets;
  s->bytes += packet.size();
  if (!s->rtp_seen) {
    s->rtp_seen = true;
    s->payload_type = pt;
    s->first_seq = seq;
    s->base_seq = seq;
    s->max_seq = seq;
    s->bad_seq = kSeqMod + 1;
    s->received = 1;
    return kind;
  }
  if (pt != s->payload_type) s->payload_type_changed = true;
  update_seq(*s, seq);
  return kind;
}

void RtpSources::emit(EventSink& sink, std::string_view transport, int channel) const {
  for (const Source& s : sources_) {
    RtpStream e;
    e.ssrc = s.ssrc;
    e.sender = s.dir;
    e.transport = transport;
    e.channel = channel;
    e.first_ts = s.first_ts;
    e.last_ts = s.last_ts;
    e.packets = s.packets;
    e.bytes = s.bytes;
    e.payload_type = s.payload_type;
    e.payload_type_changed = s.payload_type_changed;
    e.first_seq = s.first_seq;
    e.last_seq = s.max_seq;
    if (s.rtp_seen) {
      e.expected = std::uint64_t{s.cycles} + s.max_seq - s.base_seq + 1;
      e.lost = static_cast<std::int64_t>(e.expected) - static_cast<std::int64_t>(s.received);
    }
    e.rtcp_packets = s.rtcp_packets;
    e.rtcp_sr = s.rtcp_sr;
    e.rtcp_rr = s.rtcp_rr;
    e.rtcp_bye = s.rtcp_bye;
    sink.emit(e);
  }
}

namespace {

class RtpParser final : public DatagramParser {
 public:
  RtpParser(EventSink& sink, const Limits& limits) : sink_(sink), sources_(limits.max_sources) {}

  void on_datagram(Direction dir, ByteView payload) noexcept override {
    bool over_limit = false;
    const PacketKind kind = sources_.on_packet(dir, payload, sink_.packet_time(), over_limit);
    if (over_limit && !limit_reported_) {
      limit_reported_ = true;
      sink_.anomaly(anomaly::kTooManySources, "rtp.max_sources");
    }
    if (kind == PacketKind::kInvalid) {
      ++invalid_;
      if (confirmed_ && !invalid_reported_) {
        invalid_reported_ = true;
        sink_.anomaly(anomaly::kNotRtp, "datagram is neither RTP nor RTCP");
      }
    }
    if (!confirmed_ && sources_.confirmed()) {
      confirmed_ = true;
      sink_.confirm_protocol();
      if (invalid_ > 0 && !invalid_reported_) {
        invalid_reported_ = true;
        sink_.anomaly(anomaly::kNotRtp, "datagram is neither RTP nor RTCP");
      }
    }
  }

  void on_end() noexcept override {
    // Unconfirmed: the weak probe picked a flow that is not RTP; say nothing about it.
    if (confirmed_) sources_.emit(sink_, "udp", -1);
  }

 private:
  EventSink& sink_;
  RtpSources sources_;
  std::uint64_t invalid_ = 0;
  bool confirmed_ = false;
  bool limit_reported_ = false;
  bool invalid_reported_ = false;
};

// RFC 3551 §8: the default ports of the RTP/AVP profile (RTP 5004, RTCP 5005).
constexpr std::array<std::uint16_t, 2> kUdpPorts = {5004, 5005};

std::unique_ptr<ParserFactory> configure(const LimitOverrides& overrides) {
  return std::make_unique<RtpParserFactory>(limits_from(overrides));
}

}  // namespace

Limits limits_from(const LimitOverrides& o) {
  Limits l;
  l.max_sources = static_cast<std::uint32_t>(
      std::clamp<std::uint64_t>(o.get("rtp.max_sources", l.max_sources), 1, 1024));
  return l;
}

std::unique_ptr<DatagramParser> RtpParserFactory::make_datagram(EventSink& sink) const {
  return std::make_unique<RtpParser>(sink, limits_);
}

const ParserSpec& parser_spec() {
  static const ParserSpec spec{
      .name = "rtp",
      .tcp_ports = {},
      .probe = nullptr,
      .configure = &configure,
      .make_log = &make_rtp_log,
      .udp_ports = kUdpPorts,
      .udp_probe = nullptr,
      .udp_weak_probe = &probe,
  };
  return spec;
}

}  // namespace ward::parsers::rtp
