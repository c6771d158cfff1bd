// The TLS parser: SSLv2-compatible hellos, SSLv3, TLS 1.0-1.3 over TCP (StreamParser) and
// DTLS 1.0/1.2 over UDP (DatagramParser). It reads the cleartext part of a handshake: hellos,
// HelloRetryRequest, certificate chains (TLS <= 1.2), ServerKeyExchange curves, session tickets,
// alerts and ChangeCipherSpec, computes JA3/JA3S/JA4/JA4S, and emits one TlsSession per
// connection when it ends (tls_events.h). Encrypted records are counted and skipped unbuffered.
//
// Usage: the registry holds parser_spec(); the flow layer calls spec.configure(overrides) once
// and factory.make(sink) / make_datagram(sink) per connection. A parser instance serves one
// connection from one thread; the factory is immutable and may be shared between threads.
// README.md has the record/handshake state machine, the limits and the anomaly ids.
#pragma once

#include <cstdint>
#include <memory>

#include "parsers/parser.h"
#include "parsers/tls/tls_events.h"

namespace ward::parsers::tls {
namespace detail {
class X509Cache;
}  // namespace detail

// Bounds on everything the parser buffers or copies; each is configurable as "tls.<name>".
struct Limits {
  // Largest handshake message reassembled across records (and DTLS fragments). A larger one is
  // skipped without buffering (anomaly tls.handshake_too_large).
  std::uint32_t max_handshake_bytes = 64 * 1024;
  // Largest record accepted (RFC 5246 §6.2.3: 2^14 + 2048). A larger one is skipped
  // (anomaly tls.record_too_large).
  std::uint32_t max_record_bytes = 16384 + 2048;
  // Entries kept per hello list (cipher suites, extensions, groups, ALPN, ...); the rest are
  // decoded and dropped (anomaly tls.too_many_entries). The default keeps every entry a
  // handshake within max_handshake_bytes can hold, so fingerprints cover whole lists.
  std::uint32_t max_list_entries = 32768;
  // Certificates decoded per Certificate message (anomaly tls.too_many_certificates).
  std::uint32_t max_certificates = 16;
  // Bytes of any string copied (SNI, ALPN, subject, issuer, each SAN).
  std::uint32_t max_string_bytes = 4096;
  // SANs kept per certificate.
  std::uint32_t max_sans = 256;
  // Letters of ssl_history kept (Zeek's SSL::max_ssl_history_length).
  std::uint32_t max_history = 100;
  // Distinct certificates kept decoded across connections (detail::X509Cache); 0 decodes every
  // certificate of every handshake.
  std::uint32_t max_cached_certificates = 256;
};

// Limits with "tls.max_handshake_bytes", "tls.max_record_bytes", "tls.max_list_entries",
// "tls.max_certificates", "tls.max_string_bytes", "tls.max_sans", "tls.max_history" and
// "tls.max_cached_certificates" applied
// (clamped to sane ranges, README.md); absent keys keep the defaults.
[[nodiscard]] Limits limits_from(const LimitOverrides& overrides);

// TCP content detection: kYes iff `first_bytes` start with a TLS/SSLv3 handshake record holding
// a ClientHello or ServerHello, or an SSLv2 CLIENT-HELLO / SERVER-HELLO record; kMaybe iff they
// are too short to tell; kNo otherwise. Either direction.
[[nodiscard]] Probe probe(Direction dir, ByteView first_bytes) noexcept;
// UDP content detection: kYes iff the payload starts with a DTLS 1.0/1.2/1.3 handshake record.
[[nodiscard]] Probe udp_probe(Direction dir, ByteView payload) noexcept;

class TlsParserFactory final : public ParserFactory {
 public:
  explicit TlsParserFactory(const Limits& limits);
  ~TlsParserFactory() override;
  // REQUIRES: `sink` outlives the parser.
  [[nodiscard]] std::unique_ptr<StreamParser> make(EventSink& sink) const override;
  [[nodiscard]] std::unique_ptr<DatagramParser> make_datagram(EventSink& sink) const override;
  [[nodiscard]] const Limits& limits() const noexcept { return limits_; }

 private:
  Limits limits_;
  // Shared by the parsers this factory makes (the engine is single-threaded).
  std::unique_ptr<detail::X509Cache> x509_cache_;
};

// The registry entry: name "tls", the usual TLS ports, probe(), udp_probe(), the `tls` and
// `x509` logs.
const ParserSpec& parser_spec();

}  // namespace ward::parsers::tls
