// The `wsd` log: one JSON line per WS-Discovery message (WsdMessage), Zeek-style connection
// fields first, then the message and the endpoints it describes (types, scopes, XAddrs, device
// class, SDC bed location). Patient context scopes (sdc.ctxt.pat) are PHI: they are written as
// keyed hashes ("sdc.ctxt.pat:hmac:..."), never in clear (common/phi_hash.h). One writer per bus
// (per worker thread); keeps no state between events; not thread-safe.
#pragma once

#include <memory>
#include <string>

#include "bus/bus.h"
#include "common/phi_hash.h"
#include "parsers/parser.h"

namespace ward::parsers::wsd {

struct WsdMessage;

class WsdLog final : public bus::Subscriber {
 public:
  // REQUIRES: `sink` outlives the writer.
  WsdLog(bus::LogSink& sink, const LogOptions& options)
      : sink_(sink), hasher_(options.phi_key), text_bytes_(options.payload_excerpt_bytes) {}
  void on_event(const bus::EventContext& ctx, const bus::Event& event) override;
  // Appends the record of `m` (one JSON object, no newline) to `out`.
  void format(std::string& out, const bus::EventContext& ctx, const WsdMessage& m) const;

 private:
  bus::LogSink& sink_;
  PhiHasher hasher_;
  std::size_t text_bytes_;  // bound on each value written
  std::string line_;
};

// ParserSpec::make_log for "wsd".
std::unique_ptr<bus::Subscriber> make_wsd_log(bus::LogSink& sink, const LogOptions& options);

}  // namespace ward::parsers::wsd
