// Events of the RTP/RTCP parser. One RtpStream per source (SSRC, sending direction) of a flow,
// published when the flow ends, after the parser confirmed the flow as RTP/RTCP. The RTSP
// parser publishes the same event for RTP carried interleaved in its TCP connection.
#pragma once

#include <cstdint>
#include <string_view>

#include "bus/event.h"

namespace ward::parsers::rtp {

struct RtpStream : bus::Event {
  static constexpr bus::EventKind kKind = bus::EventKind::kRtpStream;
  RtpStream() noexcept : bus::Event(kKind) {}

  std::uint32_t ssrc = 0;
  bus::Direction sender = bus::Direction::kToServer;  // direction of the source's packets
  std::string_view transport;  // "udp" (own flow) or "interleaved" (inside RTSP, RFC 2326 §10.12)
  int channel = -1;            // interleaved channel, -1 for UDP
  TimeNs first_ts = 0;         // first packet (RTP or RTCP) of the source
  TimeNs last_ts = 0;

  // RTP data packets (RFC 3550 §5.1).
  std::uint64_t packets = 0;  // RTP packets with this SSRC
  std::uint64_t bytes = 0;    // their size (RTP header + payload)
  int payload_type = -1;      // first payload type seen (-1: RTCP only)
  bool payload_type_changed = false;
  std::uint16_t first_seq = 0;
  std::uint16_t last_seq = 0;  // highest sequence number seen (modulo 2^16)
  // RFC 3550 §6.4.1 / A.3: expected = extended highest - base + 1, lost = expected - received
  // (negative when there were duplicates).
  std::uint64_t expected = 0;
  std::int64_t lost = 0;

  // RTCP packets whose sender SSRC is this source (RFC 3550 §6.4).
  std::uint64_t rtcp_packets = 0;  // compound packets
  std::uint64_t rtcp_sr = 0;
  std::uint64_t rtcp_rr = 0;
  std::uint64_t rtcp_bye = 0;
};

}  // namespace ward::parsers::rtp
