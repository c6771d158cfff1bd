// RTSP 1.0 (RFC 2326) and 2.0 (RFC 7826) over TCP: the incremental parser, its limits, content
// probe and registration.
//
// One RtspParser serves one TCP connection, both directions, from one thread. Per direction it
// frames messages (start line, headers up to the empty line, Content-Length body) and
// interleaved binary frames ('$', channel, 16-bit length; RFC 2326 §10.12), pairs requests
// with responses by CSeq and emits one RtspTransaction per request (rtsp_events.h). A SETUP
// answered 2xx with an RTP-over-UDP Transport announces the RTP/RTCP flows to the flow layer
// (EventSink::expect_flow), so they are parsed as RTP and linked to this connection. See
// README.md for the framing, the limits and the anomaly ids.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "parsers/parser.h"
#include "parsers/rtsp/rtsp_events.h"

namespace ward::parsers::rtsp {

// Every bound the parser keeps (STYLE.md section 2). Config keys are "rtsp.<member name>".
struct Limits {
  std::uint32_t max_header_bytes = 16 * 1024;  // start line + headers (rtsp.header_too_long)
  std::uint32_t max_body_bytes = 64 * 1024;    // bodies parsed (SDP); larger ones are skipped
  std::uint32_t max_pending_requests = 32;     // requests awaiting a response, per connection
  std::uint32_t max_field_bytes = 1024;        // each header value copied into a request
  std::uint32_t max_sdp_media = 16;            // m= sections kept per body
  std::uint32_t max_sdp_codecs = 16;           // a=rtpmap kept per m= section
  std::uint32_t max_interleaved_channels = 8;  // interleaved channels accounted as RTP
  std::uint32_t max_rtp_sources = 16;          // RTP sources per interleaved channel
};

// Reads "rtsp.<member>" for each member of Limits; values are clamped to a sane range.
Limits limits_from(const LimitOverrides& overrides);

// kYes iff the bytes start with an RTSP request line ("DESCRIBE rtsp://", "OPTIONS * RTSP/1.0",
// any RFC 2326/7826 method followed by an rtsp/rtsps/rtspu URL or '*') or a status line
// ("RTSP/1.0 200"); kMaybe while too few bytes are present to tell; else kNo.
Probe probe(Direction dir, ByteView first_bytes) noexcept;

// The registration entry for parsers/registry.cc: name "rtsp", TCP ports 554 and 8554.
const ParserSpec& parser_spec();

class RtspParserFactory : public ParserFactory {
 public:
  explicit RtspParserFactory(Limits limits) noexcept : limits_(limits) {}
  [[nodiscard]] std::unique_ptr<StreamParser> make(EventSink& sink) const override;
  [[nodiscard]] const Limits& limits() const noexcept { return limits_; }

 private:
  Limits limits_;
};

// Parses one Transport alternative ("RTP/AVP;unicast;client_port=5000-5001"). Never fails:
// what is not understood is left empty. Values are clipped to `max_bytes`.
TransportInfo parse_transport(std::string_view value, std::size_t max_bytes);

// Parses a session description (RFC 4566) for its media sections and rtpmap codecs, within the
// given bounds. Returns false iff sections or codecs had to be dropped.
bool parse_sdp(std::string_view body, const Limits& limits, SdpSummary& out);

// The user name of an Authorization value ("Basic dXNlcjpwYXNz" or Digest username="...").
// The password is never returned or kept. Empty if there is none.
std::string auth_user_name(std::string_view scheme, std::string_view credentials);

// Stable anomaly ids (a public interface: never rename). README.md says when each fires.
namespace anomaly {
inline constexpr std::string_view kHeaderTooLong = "rtsp.header_too_long";
inline constexpr std::string_view kBodyTooLarge = "rtsp.body_too_large";
inline constexpr std::string_view kMalformedStartLine = "rtsp.malformed_start_line";
inline constexpr std::string_view kBadContentLength = "rtsp.bad_content_length";
inline constexpr std::string_view kTooManyPending = "rtsp.too_many_pending_requests";
inline constexpr std::string_view kCredentialsInUrl = "rtsp.credentials_in_url";
inline constexpr std::string_view kBasicAuthCleartext = "rtsp.basic_auth_cleartext";
inline constexpr std::string_view kAuthFailed = "rtsp.auth_failed";
inline constexpr std::string_view kUnmatchedResponse = "rtsp.unmatched_response";
inline constexpr std::string_view kTruncatedAtEnd = "rtsp.truncated_at_end";
inline constexpr std::string_view kTooManyChannels = "rtsp.too_many_interleaved_channels";
inline constexpr std::string_view kSdpTruncated = "rtsp.sdp_truncated";
inline constexpr std::string_view kGap = "rtsp.gap";
}  // namespace anomaly

}  // namespace ward::parsers::rtsp
