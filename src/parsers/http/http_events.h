// Events of the HTTP/1.x parser. One HttpTransaction per request/response pair, emitted when
// both messages are complete (or when the flow ends with one of them missing or cut short).
// Requests and responses are paired in order (RFC 9112 §9.3: pipelined responses come back in
// request order). All views point into the parser's bounded, owned copies and are valid only
// during the EventSink callback. The parser also emits clinical::PhiObserved for FHIR content
// carrying patient data (never logged in clear).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "bus/event.h"
#include "common/net.h"
#include "parsers/auth/credential_check.h"

namespace ward::parsers::http {

// How the client authenticated (RFC 9110 §11.6.2 Authorization / Proxy-Authorization).
enum class AuthScheme : std::uint8_t { kNone, kBasic, kDigest, kBearer, kNtlm, kNegotiate, kOther };
std::string_view auth_scheme_name(AuthScheme s) noexcept;  // "basic", ..., "" for kNone

struct HttpTransaction : bus::Event {
  static constexpr bus::EventKind kKind = bus::EventKind::kHttpTransaction;
  HttpTransaction() noexcept : bus::Event(kKind) {}

  TimeNs ts = 0;                  // capture time of the request's first byte (or response's)
  std::uint32_t trans_depth = 0;  // 1-based position of the pair in the connection
  bool has_request = false;       // false: a response nobody asked for (midstream pickup)
  bool has_response = false;      // false: the flow ended before a final response
  std::string_view method;        // "GET"; empty without a request
  std::string_view uri;           // request target as sent (bounded, see Limits)
  std::string_view version;       // request version "1.1", "1.0", "0.9" (no version on the line)
  std::string_view host;          // Host header
  std::string_view referrer;      // Referer header
  std::string_view origin;        // Origin header
  std::string_view user_agent;    // User-Agent header
  std::string_view request_content_type;  // Content-Type of the request (parameters cut)
  // Body sizes after de-chunking and, for gzip/deflate Content-Encoding, inflating (Zeek's
  // "uncompressed content size").
  std::uint64_t request_body_len = 0;
  std::uint32_t request_header_count = 0;

  std::string_view response_version;  // "1.1"; "0.9" for a Simple-Response (no status line)
  std::uint16_t status_code = 0;      // final status; 0 without one
  std::string_view status_msg;        // reason phrase
  std::uint16_t info_code = 0;        // last 1xx interim response (100 Continue), 0 if none
  std::string_view info_msg;
  std::string_view server;                 // Server header
  std::string_view response_content_type;  // Content-Type of the response (parameters cut)
  std::uint64_t response_body_len = 0;
  std::uint32_t response_header_count = 0;

  AuthScheme auth_scheme = AuthScheme::kNone;
  // Basic: the user name decoded from the credentials; Digest: username="..."; never a
  // password (the parser does not keep it).
  std::string_view username;
  // The credentials checked against parsers/auth's factory accounts and weak passwords: Basic
  // always, Digest when the response accepted them (1xx-3xx). kNone otherwise; no password.
  auth::Weakness credential_weakness = auth::Weakness::kNone;
  std::string_view credential_detail;  // static text: "Axis factory account"

  std::string_view fhir_resource_type;  // "Patient", from the path or the JSON/XML body
  std::string_view fhir_id;             // resource id, from the path or the body
  bool fhir = false;                    // FHIR content type or /fhir/ path
  // Names (static) of the PHI fields seen in clear in this transaction: "fhir.Patient.name".
  std::span<const std::string_view> phi_fields;
  // Stable tags, static storage: "http09", "request_truncated", "response_truncated",
  // "request_body_gap", "response_body_gap", "content_length_and_chunked", ...
  std::span<const std::string_view> tags;
};

}  // namespace ward::parsers::http
