// libFuzzer target for the RTP/RTCP datagram parser. The input is the chunk format of
// parsers/testing/fuzz_util.h, every chunk one datagram. The weak probe, classify() and the rtp
// log writer see every datagram too; max_sources is small so the source limit is reachable.
#include <cstddef>
#include <cstdint>

#include "bus/bus.h"
#include "parsers/rtp/rtp_log.h"
#include "parsers/rtp/rtp_parser.h"
#include "parsers/testing/fuzz_util.h"

namespace {

void probe_each(ward::parsers::Direction dir, ward::ByteView datagram) {
  (void)ward::parsers::rtp::probe(dir, datagram);
  (void)ward::parsers::rtp::classify(datagram);
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name is libFuzzer's entry point.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const ward::parsers::rtp::RtpParserFactory factory(ward::parsers::rtp::Limits{4});
  static ward::parsers::testing::TouchingLogSink log_sink;
  static ward::parsers::rtp::RtpLog log(log_sink);
  ward::parsers::testing::fuzz_datagram_parser(factory, data, size, &log, probe_each);
  return 0;
}
