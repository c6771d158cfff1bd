// The `hl7` log: one JSON line per HL7 message (Hl7Message), Zeek-style connection fields
// first. The PCD-03 programme and the PHI summary are written into the same record from the
// fields Hl7Message carries for them, so the writer keeps no state between events.
// PHI is never written in clear: patient identifier and name become keyed hashes
// (common/phi_hash.h), the other PID fields are listed by name only, UDI serial numbers are
// hashed, and free-text observation values (TX, FT, ED, names, ...) are replaced by
// "value_redacted": true. One writer per bus (per worker thread); not thread-safe.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "bus/bus.h"
#include "common/phi_hash.h"
#include "parsers/parser.h"

namespace ward::parsers::hl7 {

struct Hl7Message;

// Observations written per record; the record says how many there were in all.
inline constexpr std::size_t kLoggedObservations = 32;

class Hl7Log final : public bus::Subscriber {
 public:
  // REQUIRES: `sink` outlives the writer.
  Hl7Log(bus::LogSink& sink, const LogOptions& options);
  void on_event(const bus::EventContext& ctx, const bus::Event& event) override;

 private:
  void write(const bus::EventContext& ctx, const Hl7Message& m);

  bus::LogSink& sink_;
  PhiHasher hasher_;
  std::size_t text_bytes_;  // bound on each free-text value copied into the log
  std::string line_;        // reused between records
};

// ParserSpec::make_log for "hl7".
std::unique_ptr<bus::Subscriber> make_hl7_log(bus::LogSink& sink, const LogOptions& options);

}  // namespace ward::parsers::hl7
