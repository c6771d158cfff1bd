// The `tls` and `x509` logs, shaped like Zeek's ssl.log (with the ssl-log-ext fields) and
// x509.log, plus JA3/JA3S/JA4/JA4S. One `tls` record per TlsSession (when the connection
// ends), one `x509` record per certificate, the first time its SHA-256 fingerprint is seen
// (Zeek's certificate cache; at most kMaxRemembered fingerprints are remembered, then the
// memory is cleared). README.md lists every field. Certificates and hellos carry no PHI.
//
// The writer is a bus::Subscriber: it runs on the thread that publishes the events (one bus per
// worker) and is not thread-safe.
#pragma once

#include <memory>
#include <string>
#include <unordered_set>

#include "bus/bus.h"
#include "parsers/parser.h"
#include "parsers/tls/tls_events.h"

namespace ward::parsers::tls {

class TlsLog final : public bus::Subscriber {
 public:
  static constexpr std::size_t kMaxRemembered = 4096;

  // REQUIRES: `sink` outlives the writer.
  explicit TlsLog(bus::LogSink& sink) : sink_(sink) {}

  void on_event(const bus::EventContext& ctx, const bus::Event& event) override;

  // Appends the record (one JSON object, no newline) to `out`.
  static void format_session(std::string& out, const bus::EventContext& ctx, const TlsSession& s);
  static void format_certificate(std::string& out, const bus::EventContext& ctx,
                                 const TlsCertificate& c);

 private:
  bus::LogSink& sink_;
  std::unordered_set<std::string> logged_;  // fingerprints already in the x509 log
  std::string line_;
};

// ParserSpec::make_log for TLS.
std::unique_ptr<bus::Subscriber> make_tls_log(bus::LogSink& sink, const LogOptions& options);

}  // namespace ward::parsers::tls
