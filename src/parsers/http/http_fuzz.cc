// libFuzzer target for the HTTP/1.x parser (STYLE.md section 6). The input is the chunk format
// of parsers/testing/fuzz_util.h: both directions, arbitrary cuts and gaps. Limits are small
// so that every limit path (oversized header block, header count, pending transactions, body
// excerpt) is reachable with short inputs. probe() also sees every input, and the log writer
// formats every transaction.
#include <cstddef>
#include <cstdint>

#include "bus/bus.h"
#include "parsers/http/http_log.h"
#include "parsers/http/http_parser.h"
#include "parsers/testing/fuzz_util.h"

namespace {

ward::parsers::http::Limits fuzz_limits() {
  ward::parsers::http::Limits l;
  l.max_header_bytes = 1024;
  l.max_headers = 8;
  l.max_pending_transactions = 4;
  l.max_field_bytes = 64;
  l.max_body_excerpt_bytes = 512;
  return l;
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name is libFuzzer's entry point.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const ward::parsers::http::HttpParserFactory factory(fuzz_limits());
  (void)ward::parsers::http::probe(ward::parsers::Direction::kToServer, ward::ByteView(data, size));
  static ward::parsers::testing::TouchingLogSink sink;
  static ward::parsers::LogOptions options = [] {
    ward::parsers::LogOptions o;
    o.phi_key = "fuzz-key-fuzz-key-fuzz-key";
    return o;
  }();
  static ward::parsers::http::HttpLog log(sink, options);
  ward::parsers::testing::fuzz_stream_parser(factory, data, size, &log);
  return 0;
}
