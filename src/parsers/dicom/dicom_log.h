// The `dicom` log: one JSON line per association (DicomAssociation, "record":"association") and
// one per DIMSE request/response pair (DicomCommand, "record":"command"), Zeek-style connection
// fields first. UIDs of well-known SOP classes and transfer syntaxes are written with their
// PS3.6 names. Data set contents are never written: a command record says only whether a data
// set carried PHI in the clear (phi_in_clear) and, like the hl7 log, the keyed hashes of the
// first patient name and id (common/phi_hash.h), so records stay linkable without disclosure.
// clinical::PhiObserved events are not logged here (the PHI detector turns them into alerts).
// One writer per bus; not thread-safe.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "bus/bus.h"
#include "common/phi_hash.h"
#include "parsers/parser.h"

namespace ward::parsers::dicom {

struct DicomAssociation;
struct DicomCommand;

// Presentation contexts listed per association record; the record counts all of them.
inline constexpr std::size_t kLoggedContexts = 64;

class DicomLog final : public bus::Subscriber {
 public:
  // REQUIRES: `sink` outlives the writer.
  DicomLog(bus::LogSink& sink, const LogOptions& options) : sink_(sink), hasher_(options.phi_key) {}
  void on_event(const bus::EventContext& ctx, const bus::Event& event) override;

 private:
  void write(const bus::EventContext& ctx, const DicomAssociation& a);
  void write(const bus::EventContext& ctx, const DicomCommand& c);

  bus::LogSink& sink_;
  PhiHasher hasher_;
  std::string line_;  // reused between records
};

// ParserSpec::make_log for "dicom".
std::unique_ptr<bus::Subscriber> make_dicom_log(bus::LogSink& sink, const LogOptions& options);

}  // namespace ward::parsers::dicom
