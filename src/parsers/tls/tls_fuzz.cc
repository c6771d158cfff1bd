// libFuzzer target for the TLS parser, and through it the X.509 decoder and the log writer
// (STYLE.md section 6). The first input byte selects the transport: even = TCP (the chunk
// format of parsers/testing/fuzz_util.h, both directions, arbitrary cuts and gaps), odd = UDP
// (the rest is cut into datagrams by the same chunk format). Limits are small so that every
// limit path is reachable with short inputs. probe() and udp_probe() also see every input.
#include <cstddef>
#include <cstdint>

#include "bus/bus.h"
#include "parsers/testing/fuzz_util.h"
#include "parsers/tls/tls_log.h"
#include "parsers/tls/tls_parser.h"

namespace {

namespace tls = ward::parsers::tls;

tls::Limits fuzz_limits() {
  tls::Limits l;
  l.max_handshake_bytes = 8192;
  l.max_record_bytes = 18432;
  l.max_list_entries = 16;
  l.max_certificates = 4;
  l.max_string_bytes = 64;
  l.max_sans = 8;
  l.max_history = 32;
  l.max_cached_certificates = 4;
  return l;
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name is libFuzzer's entry point.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const tls::TlsParserFactory factory(fuzz_limits());
  static ward::parsers::testing::TouchingLogSink sink;
  static tls::TlsLog log(sink);
  if (size == 0) return 0;
  const ward::ByteView all(data + 1, size - 1);
  (void)tls::probe(ward::parsers::Direction::kToServer, all);
  (void)tls::udp_probe(ward::parsers::Direction::kToServer, all);
  if ((data[0] & 1U) == 0) {
    ward::parsers::testing::fuzz_stream_parser(factory, data + 1, size - 1, &log);
    return 0;
  }
  ward::parsers::testing::fuzz_datagram_parser(factory, data + 1, size - 1, &log);
  return 0;
}
