// RTP and RTCP (RFC 3550) over UDP: validation, per-source accounting (packets, bytes,
// payload type, sequence numbers and the RFC 3550 A.3 loss estimate) and RTCP SR/RR/BYE
// recognition. One RtpParser (a DatagramParser) serves one UDP flow, both directions, from one
// thread; RtpSources is the accounting part, also used by the RTSP parser for interleaved RTP.
//
// How flows reach this parser: RTSP announces them (SETUP's Transport, parsers::ExpectedFlow),
// UDP ports 5004/5005 (RFC 3551 §8 defaults), or a weak content probe on the first datagrams of
// a flow between unprivileged ports that nothing else claimed. A flow is confirmed as RTP only
// after two in-sequence packets of one source or one valid RTCP compound packet, so a flow the
// weak probe picked wrongly yields no rtp record. See README.md.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "parsers/parser.h"
#include "parsers/rtp/rtp_events.h"

namespace ward::parsers::rtp {

struct Limits {
  std::uint32_t max_sources = 16;  // sources (SSRC, direction) tracked per flow ("rtp.max_sources")
};

// Reads "rtp.max_sources" (clamped to 1..1024).
Limits limits_from(const LimitOverrides& overrides);

enum class PacketKind : std::uint8_t { kRtp, kRtcp, kInvalid };

// RFC 3550 §5.1 header checks (version 2, CSRC list, extension and padding inside the packet)
// and RFC 5761 §4 demultiplexing: kRtcp iff the second byte is 192..223 and the packet is a
// valid RTCP compound (RFC 3550 A.2: lengths add up exactly, every part version 2).
PacketKind classify(ByteView packet) noexcept;

// kYes iff `payload` is a valid RTCP compound packet starting with SR or RR, or a valid RTP
// packet with a static (RFC 3551 §6) or dynamic (96..127) payload type and a payload; kNo else.
Probe probe(Direction dir, ByteView payload) noexcept;

// The sources of one flow (or one interleaved RTSP connection), bounded by max_sources.
class RtpSources {
 public:
  explicit RtpSources(std::uint32_t max_sources) : max_sources_(max_sources) {}

  // Accounts one packet sent in `dir` at `ts`. Returns its kind. `over_limit` is set when the
  // packet's source was new and the table was full (the packet is not accounted).
  PacketKind on_packet(Direction dir, ByteView packet, TimeNs ts, bool& over_limit);
  // True iff some source has two in-sequence RTP packets or an RTCP compound was seen.
  [[nodiscard]] bool confirmed() const noexcept { return confirmed_; }
  // Emits one RtpStream per source, in first-seen order. `transport` must have static storage.
  void emit(EventSink& sink, std::string_view transport, int channel) const;
  [[nodiscard]] std::size_t size() const noexcept { return sources_.size(); }

 private:
  struct Source {
    std::uint32_t ssrc = 0;
    Direction dir = Direction::kToServer;
    TimeNs first_ts = 0, last_ts = 0;
    bool rtp_seen = false;
    int payload_type = -1;
    bool payload_type_changed = false;
    std::uint16_t first_seq = 0;
    std::uint16_t max_seq = 0;
    std::uint32_t cycles = 0;  // sequence wrap count << 16
    std::uint32_t base_seq = 0;
    std::uint32_t bad_seq = 0;   // RFC 3550 A.1: a large jump awaiting confirmation
    std::uint64_t received = 0;  // packets counted for the loss estimate
    std::uint64_t packets = 0, bytes = 0;
    std::uint64_t rtcp_packets = 0, rtcp_sr = 0, rtcp_rr = 0, rtcp_bye = 0;
  };
  Source* find_or_add(std::uint32_t ssrc, Direction dir, TimeNs ts, bool& over_limit);
  void update_seq(Source& s, std::uint16_t seq);

  std::uint32_t max_sources_;
  std::vector<Source> sources_;
  bool confirmed_ = false;
};

// The registration entry for parsers/registry.cc: name "rtp", UDP ports 5004/5005, weak probe.
const ParserSpec& parser_spec();

class RtpParserFactory : public ParserFactory {
 public:
  explicit RtpParserFactory(Limits limits) noexcept : limits_(limits) {}
  [[nodiscard]] std::unique_ptr<StreamParser> make(EventSink& /*sink*/) const override {
    return nullptr;  // RTP over TCP (RFC 4571) is not parsed on its own; RTSP handles interleaving
  }
  [[nodiscard]] std::unique_ptr<DatagramParser> make_datagram(EventSink& sink) const override;

 private:
  Limits limits_;
};

// Stable anomaly ids (a public interface: never rename). README.md says when each fires.
namespace anomaly {
inline constexpr std::string_view kNotRtp = "rtp.not_rtp";
inline constexpr std::string_view kTooManySources = "rtp.too_many_sources";
}  // namespace anomaly

}  // namespace ward::parsers::rtp
