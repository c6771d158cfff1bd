// libFuzzer target for the DNS parser (STYLE.md section 6). The input is the chunk format of
// parsers/testing/fuzz_util.h. It drives both transports: the TCP StreamParser (length framing,
// cuts and gaps in both directions) and the UDP DatagramParser (every chunk one datagram), with
// the `dns` log writer reading every transaction. Limits are small so that every limit path is
// reachable with short inputs. Both probes also see the raw input.
#include <cstddef>
#include <cstdint>

#include "bus/bus.h"
#include "parsers/dns/dns_log.h"
#include "parsers/dns/dns_parser.h"
#include "parsers/testing/fuzz_util.h"

namespace {

ward::parsers::dns::Limits fuzz_limits() {
  ward::parsers::dns::Limits l;
  l.max_message_bytes = 1024;
  l.max_questions = 4;
  l.max_records = 16;
  l.max_strings_per_record = 4;
  l.max_edns_options = 4;
  l.max_pending_queries = 4;
  l.max_logged_records = 8;
  l.max_string_bytes = 64;
  return l;
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name is libFuzzer's entry point.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const ward::parsers::dns::DnsParserFactory factory(fuzz_limits());
  const ward::ByteView raw(data, size);
  (void)ward::parsers::dns::probe_udp(ward::parsers::Direction::kToServer, raw);
  (void)ward::parsers::dns::probe_tcp(ward::parsers::Direction::kToServer, raw);
  static ward::parsers::testing::TouchingLogSink sink;
  static ward::parsers::dns::DnsLog log(sink);
  ward::parsers::testing::fuzz_stream_parser(factory, data, size, &log);
  ward::parsers::testing::fuzz_datagram_parser(factory, data, size, &log);
  return 0;
}
