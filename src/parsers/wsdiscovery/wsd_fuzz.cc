// libFuzzer target for the WS-Discovery parser. The input is the chunk format of
// parsers/testing/fuzz_util.h, every chunk one datagram. probe() and the wsd log writer (with
// PHI hashing) see everything too; limits are small so every limit path is reachable.
#include <cstddef>
#include <cstdint>

#include "bus/bus.h"
#include "parsers/testing/fuzz_util.h"
#include "parsers/wsdiscovery/wsd_log.h"
#include "parsers/wsdiscovery/wsd_parser.h"

namespace {

ward::parsers::wsd::Limits fuzz_limits() {
  ward::parsers::wsd::Limits l;
  l.max_depth = 8;
  l.max_namespaces = 8;
  l.max_endpoints = 2;
  l.max_list_items = 4;
  l.max_text_bytes = 256;
  return l;
}

void probe_each(ward::parsers::Direction dir, ward::ByteView datagram) {
  (void)ward::parsers::wsd::probe(dir, datagram);
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name is libFuzzer's entry point.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const ward::parsers::wsd::WsdParserFactory factory(fuzz_limits());
  static ward::parsers::testing::TouchingLogSink log_sink;
  static const ward::parsers::LogOptions options = [] {
    ward::parsers::LogOptions o;
    o.phi_key = "fuzz-key-fuzz-key-fuzz-key";
    return o;
  }();
  static ward::parsers::wsd::WsdLog log(log_sink, options);
  ward::parsers::testing::fuzz_datagram_parser(factory, data, size, &log, probe_each);
  return 0;
}
