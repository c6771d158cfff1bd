// HTTP/1.x: the incremental parser, its limits, content probe and registration.
//
// One HttpParser serves one TCP connection, both directions, from one thread. Per direction it
// frames messages (RFC 9112): a start line and header block (held by the StreamDriver until
// complete, at most max_header_bytes), then a body delimited by Content-Length, chunked
// transfer coding (extensions and trailers skipped) or the end of the connection. Bodies are
// counted, never buffered, except for an excerpt of max_body_excerpt_bytes kept while a FHIR
// message is in flight so its resource type, id and PHI fields can be recognised. Requests and
// responses are paired in order (pipelining, 1xx interim responses, HTTP/0.9). Emits:
//   HttpTransaction         per request/response pair (http_events.h)
//   clinical::PhiObserved   for FHIR Patient/Observation/Device content with patient data
// and the anomalies listed in `anomaly` below (README.md says when each fires).
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "parsers/http/http_events.h"
#include "parsers/parser.h"

namespace ward::parsers::http {

// Every bound the parser keeps (STYLE.md section 2). Config keys are "http.<member name>".
struct Limits {
  // Start line plus header block of one message. A larger block is skipped line by line
  // without buffering (http.header_too_large); its message is then treated as bodiless.
  std::uint32_t max_header_bytes = 64 * 1024;
  std::uint32_t max_headers = 128;              // header lines per message (http.too_many_headers)
  std::uint32_t max_pending_transactions = 32;  // requests awaiting a response
  std::uint32_t max_field_bytes = 2048;         // bytes of a URI or header value kept for the log
  // Body bytes kept per direction while a FHIR (or JSON/XML on a FHIR path) message is in flight.
  std::uint32_t max_body_excerpt_bytes = 16 * 1024;
  // Bodies with Content-Encoding gzip or deflate are inflated (zlib, one stream per direction
  // while the message lasts) so that body lengths are content sizes, as in Zeek, and FHIR
  // excerpts are readable. Output beyond this per message is not inflated any more
  // (http.decompression_limit); the rest of the body is counted as sent.
  std::uint32_t max_decompressed_bytes = 64 * 1024 * 1024;
};

inline constexpr std::uint32_t kMaxHeaderBytesCeiling = 512 * 1024;

// Reads "http.max_header_bytes", "http.max_headers", "http.max_pending_transactions",
// "http.max_field_bytes", "http.max_body_excerpt_bytes" and "http.max_decompressed_bytes",
// clamped to a sane range.
Limits limits_from(const LimitOverrides& overrides);

// kYes iff the bytes start with a request line "METHOD SP target SP HTTP/d.d" or a status line
// "HTTP/d.d SP ddd"; kMaybe while the first line is incomplete and still consistent; else kNo.
Probe probe(Direction dir, ByteView first_bytes) noexcept;

// The registration entry for parsers/registry.cc: name "http", TCP ports 80, 81, 591, 3128,
// 8000, 8008, 8080, 8081, 8088, 8888.
const ParserSpec& parser_spec();

class HttpParserFactory : public ParserFactory {
 public:
  explicit HttpParserFactory(Limits limits) noexcept : limits_(limits) {}
  [[nodiscard]] std::unique_ptr<StreamParser> make(EventSink& sink) const override;
  [[nodiscard]] const Limits& limits() const noexcept { return limits_; }

 private:
  Limits limits_;
};

// Stable anomaly ids (a public interface: never rename). README.md says when each fires.
namespace anomaly {
inline constexpr std::string_view kInvalidRequestLine = "http.invalid_request_line";
inline constexpr std::string_view kInvalidStatusLine = "http.invalid_status_line";
inline constexpr std::string_view kInvalidHeaderLine = "http.invalid_header_line";
inline constexpr std::string_view kObsoleteLineFolding = "http.obsolete_line_folding";
inline constexpr std::string_view kHeaderTooLarge = "http.header_too_large";
inline constexpr std::string_view kTooManyHeaders = "http.too_many_headers";
inline constexpr std::string_view kBadContentLength = "http.bad_content_length";
inline constexpr std::string_view kDuplicateContentLength = "http.duplicate_content_length";
inline constexpr std::string_view kContentLengthAndChunked = "http.content_length_and_chunked";
inline constexpr std::string_view kUnknownTransferEncoding = "http.unknown_transfer_encoding";
inline constexpr std::string_view kBadChunkSize = "http.bad_chunk_size";
inline constexpr std::string_view kInvalidChunkFraming = "http.invalid_chunk_framing";
inline constexpr std::string_view kTooManyPendingRequests = "http.too_many_pending_requests";
inline constexpr std::string_view kUnsolicitedResponse = "http.unsolicited_response";
inline constexpr std::string_view kHttp09Request = "http.http09_request";
inline constexpr std::string_view kCleartextCredentials = "http.cleartext_credentials";
inline constexpr std::string_view kAuthUnrecognized = "http.auth_unrecognized";
inline constexpr std::string_view kInvalidAuthorization = "http.invalid_authorization";
inline constexpr std::string_view kTruncatedAtEnd = "http.truncated_at_end";
inline constexpr std::string_view kGapUnrecoverable = "http.gap_unrecoverable";
inline constexpr std::string_view kBadContentEncoding = "http.bad_content_encoding";
inline constexpr std::string_view kDecompressionLimit = "http.decompression_limit";
// A Log4j JNDI lookup (CVE-2021-44228) in the URI, a header or the request body (jndi.h).
inline constexpr std::string_view kJndiLookup = "http.jndi_lookup";
}  // namespace anomaly

// Decodes standard base64 (RFC 4648 §4, padding optional). Returns false on any other byte.
// Output is appended to `out`, at most `max_out` bytes (the rest is ignored).
bool decode_base64(std::string_view in, std::string& out, std::size_t max_out);

// FHIR REST paths (HL7 FHIR R4 §3.1.0 RESTful API): the resource type and id after a "fhir"
// path segment (optionally after a version segment such as "R4"), e.g. "/fhir/Patient/123" ->
// ("Patient", "123"); "/fhir/Observation?patient=p1" -> ("Observation", ""). Returns false if
// the path has no such segment.
bool fhir_path(std::string_view uri, std::string_view& type, std::string_view& id) noexcept;

}  // namespace ward::parsers::http
