// Events of the RTSP parser. One RtspTransaction per request, published when its response
// arrives (paired by CSeq, RFC 2326 §12.17 / RFC 7826 §18.20), or unanswered when the
// connection ends or the pending limit pushes it out; a response without a request is published
// alone. The request part is an owned, bounded copy kept by the parser; every view and pointer
// in the event is valid during the callback only. RTP carried interleaved in the connection
// ($ channel length, RFC 2326 §10.12) is reported as rtp::RtpStream events at the end.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bus/event.h"
#include "parsers/auth/credential_check.h"

namespace ward::parsers::rtsp {

// The first alternative of a Transport header (RFC 2326 §12.39, RFC 7826 §18.54).
struct TransportInfo {
  std::string raw;      // the alternative as sent (clipped to max_field_bytes)
  std::string profile;  // "RTP/AVP", "RTP/SAVP", "RTP/AVPF", "RTP/SAVPF", ...
  std::string lower;    // lower transport as sent ("UDP", "TCP"); empty means UDP
  bool multicast = false;
  std::array<int, 2> client_port{-1, -1};  // -1 = absent
  std::array<int, 2> server_port{-1, -1};
  std::array<int, 2> interleaved{-1, -1};
  std::array<int, 2> port{-1, -1};  // multicast port=
  std::string destination;
  std::string source;
  std::string ssrc;
  std::string mode;
  [[nodiscard]] bool present() const noexcept { return !raw.empty(); }
  // RTP/SAVP and RTP/SAVPF are SRTP (RFC 3711 §12, RFC 5124).
  [[nodiscard]] bool srtp() const noexcept { return profile.find("SAVP") != std::string::npos; }
  [[nodiscard]] bool tcp() const noexcept { return lower == "TCP" || interleaved[0] >= 0; }
};

// What a session description (RFC 4566) in a body says about its media.
struct SdpMedia {
  std::string media;                // "video", "audio", "application"
  int port = 0;                     // m= port
  std::string proto;                // "RTP/AVP", "RTP/SAVP"
  std::string formats;              // payload types as listed ("96 97")
  std::vector<std::string> codecs;  // a=rtpmap encodings, "H264/90000", in order
};
struct SdpSummary {
  bool present = false;
  bool crypto = false;  // a=crypto (SDES keys, RFC 4568) was present; keys are never kept
  std::vector<SdpMedia> media;
};

// The owned copy of a request kept until its response.
struct RtspRequest {
  bus::Direction dir = bus::Direction::kToServer;
  TimeNs ts = 0;
  std::string method;
  std::string uri;       // as sent, without any user:password@ part
  std::string url_user;  // user name from rtsp://user[:password]@host (password never kept)
  bool credentials_in_url = false;  // the URL carried a password
  std::string version;              // "RTSP/1.0"
  bool has_cseq = false;
  std::uint32_t cseq = 0;
  std::string session;  // session id (without ;timeout=)
  std::string user_agent;
  std::string auth_scheme;  // Authorization scheme ("Basic", "Digest")
  std::string auth_user;    // its user name (password never kept)
  // The credentials checked against parsers/auth's factory accounts and weak passwords: Basic
  // and a URL password when the request is parsed, Digest when a 2xx/3xx response accepts
  // them. kNone for anything else. A password is never kept.
  auth::Weakness credential_weakness = auth::Weakness::kNone;
  std::string_view credential_detail;  // static text: "Axis factory account"
  std::string digest_credentials;      // parser-internal: a Digest header until its response
  std::string content_type;
  std::uint64_t body_bytes = 0;
  TransportInfo transport;
  SdpSummary sdp;
};

struct RtspTransaction : bus::Event {
  static constexpr bus::EventKind kKind = bus::EventKind::kRtspTransaction;
  RtspTransaction() noexcept : bus::Event(kKind) {}

  const RtspRequest* request = nullptr;  // null: a response without a known request
  bool has_response = false;
  TimeNs response_ts = 0;
  std::string_view response_version;
  int status = 0;
  std::string_view reason;
  bool response_has_cseq = false;
  std::uint32_t response_cseq = 0;
  std::string_view server;
  std::string_view session;           // response Session id
  std::string_view www_authenticate;  // challenge schemes, comma-separated ("Basic,Digest")
  std::string_view content_type;
  std::uint64_t response_body_bytes = 0;
  const TransportInfo* response_transport = nullptr;  // null when absent
  const SdpSummary* response_sdp = nullptr;           // null when absent
  // "success" (credentials accepted), "failure" (credentials refused with 401/403),
  // "challenge" (401 to a request without credentials) or empty.
  std::string_view auth_result;
};

}  // namespace ward::parsers::rtsp
