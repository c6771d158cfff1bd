// libFuzzer target for the HL7/MLLP parser (STYLE.md section 6). The input format is the one of
// parsers/testing/fuzz_util.h: chunks of [flags:1][length:2 BE][bytes], both directions, gaps.
// Every event the parser emits also goes through the hl7 log writer, so record building is
// fuzzed with the same inputs. Small limits make the limit paths reachable with small inputs.
#include <cstddef>
#include <cstdint>
#include <memory>

#include "bus/bus.h"
#include "parsers/hl7_mllp/hl7_log.h"
#include "parsers/hl7_mllp/hl7_parser.h"
#include "parsers/testing/fuzz_util.h"

namespace {

ward::parsers::hl7::Limits fuzz_limits() {
  ward::parsers::hl7::Limits l;
  l.max_message_bytes = 4096;
  l.max_segments = 64;
  l.max_observations = 16;
  l.max_errors = 4;
  l.max_udis = 4;
  l.max_unescape_bytes = 512;
  return l;
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the entry point name libFuzzer calls.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const ward::parsers::hl7::Hl7ParserFactory factory(fuzz_limits());
  // Content detection reads hostile first bytes too: give it the raw input.
  (void)ward::parsers::hl7::probe(ward::parsers::Direction::kToServer, ward::ByteView(data, size));
  // The log writer sees every event too, with PHI hashing on.
  static ward::parsers::testing::TouchingLogSink log_sink;
  static const ward::parsers::LogOptions options = [] {
    ward::parsers::LogOptions o;
    o.phi_key = "fuzz-phi-key-0123456789";
    return o;
  }();
  static const std::unique_ptr<ward::bus::Subscriber> log =
      ward::parsers::hl7::make_hl7_log(log_sink, options);
  ward::parsers::testing::fuzz_stream_parser(factory, data, size, log.get());
  return 0;
}
