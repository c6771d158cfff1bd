// libFuzzer target for the DICOM upper-layer parser (STYLE.md section 6). The input format is the
// one of parsers/testing/fuzz_util.h: chunks of [flags:1][length:2 BE][bytes], both directions,
// gaps. Every event the parser emits also goes through the dicom log writer, so record building is
// fuzzed with the same inputs. Small limits make the limit paths reachable with small inputs.
#include <cstddef>
#include <cstdint>
#include <memory>

#include "bus/bus.h"
#include "parsers/dicom/dicom_log.h"
#include "parsers/dicom/dicom_parser.h"
#include "parsers/testing/fuzz_util.h"

namespace {

ward::parsers::dicom::Limits fuzz_limits() {
  ward::parsers::dicom::Limits l;
  l.max_association_pdu_bytes = 8192;
  l.max_pdata_pdu_bytes = 65536;
  l.max_command_bytes = 512;
  l.max_presentation_contexts = 16;
  l.max_transfer_syntaxes = 4;
  l.max_pending_commands = 8;
  l.max_phi_value_bytes = 32;
  l.max_sequence_depth = 8;
  return l;
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the entry point name libFuzzer calls.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const ward::parsers::dicom::DicomParserFactory factory(fuzz_limits());
  // Content detection reads hostile first bytes too: give it the raw input.
  (void)ward::parsers::dicom::probe(ward::parsers::Direction::kToServer,
                                    ward::ByteView(data, size));
  // The log writer sees every event too, with PHI hashing on.
  static ward::parsers::testing::TouchingLogSink log_sink;
  static const ward::parsers::LogOptions options = [] {
    ward::parsers::LogOptions o;
    o.phi_key = "fuzz-phi-key-0123456789";
    return o;
  }();
  static const std::unique_ptr<ward::bus::Subscriber> log =
      ward::parsers::dicom::make_dicom_log(log_sink, options);
  ward::parsers::testing::fuzz_stream_parser(factory, data, size, log.get());
  return 0;
}
