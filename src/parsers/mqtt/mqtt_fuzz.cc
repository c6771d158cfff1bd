// libFuzzer target for the MQTT parser (STYLE.md section 6). The input is the chunk format of
// parsers/testing/fuzz_util.h: both directions, arbitrary cuts and gaps. Limits are small so
// that every limit path (oversized PDU skip, transaction eviction, property/topic/alias caps)
// is reachable with short inputs. probe() also sees every input.
#include <cstddef>
#include <cstdint>

#include "bus/bus.h"
#include "parsers/mqtt/mqtt_log.h"
#include "parsers/mqtt/mqtt_parser.h"
#include "parsers/testing/fuzz_util.h"

namespace {

ward::parsers::mqtt::Limits fuzz_limits() {
  ward::parsers::mqtt::Limits l;
  l.max_pdu_bytes = 2048;
  l.max_pending_transactions = 8;
  l.max_topics_per_subscribe = 8;
  l.max_properties = 16;
  l.payload_excerpt_bytes = 32;
  l.max_string_bytes = 64;
  l.max_topic_aliases = 4;
  return l;
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name is libFuzzer's entry point.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const ward::parsers::mqtt::MqttParserFactory factory(fuzz_limits());
  // Content detection reads hostile first bytes too: give it the raw input.
  (void)ward::parsers::mqtt::probe(ward::parsers::Direction::kToServer, ward::ByteView(data, size));
  // The log writer sees every event too, with PHI redaction on.
  static ward::parsers::testing::TouchingLogSink sink;
  static ward::parsers::LogOptions options = [] {
    ward::parsers::LogOptions o;
    o.phi_key = "fuzz-key-fuzz-key-fuzz-key";
    o.payload_excerpt_bytes = 32;
    o.phi_json_fields = {"patient_name", "mrn"};
    return o;
  }();
  static ward::parsers::mqtt::MqttLog log(sink, options);
  ward::parsers::testing::fuzz_stream_parser(factory, data, size, &log);
  return 0;
}
