// libFuzzer target for the DHCP parser (STYLE.md section 6). The input is the chunk format of
// parsers/testing/fuzz_util.h: every data chunk is one datagram, in its own heap allocation.
// The `dhcp` log writer joins every message (small limits, so its cuts are reached), and the
// probe sees the raw input.
#include <cstddef>
#include <cstdint>

#include "bus/bus.h"
#include "parsers/dhcp/dhcp_log.h"
#include "parsers/dhcp/dhcp_parser.h"
#include "parsers/testing/fuzz_util.h"

namespace {

ward::parsers::dhcp::LogLimits fuzz_log_limits() {
  ward::parsers::dhcp::LogLimits l;
  l.max_log_transactions = 4;
  l.max_msg_types_per_log = 4;
  l.max_uids_per_log = 2;
  return l;
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name is libFuzzer's entry point.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ward::parsers::dhcp::Limits limits;
  limits.max_options = 16;
  limits.max_addresses_per_option = 2;
  static const ward::parsers::dhcp::DhcpParserFactory factory(limits);
  (void)ward::parsers::dhcp::probe_udp(ward::parsers::Direction::kToServer,
                                       ward::ByteView(data, size));
  static ward::parsers::testing::TouchingLogSink sink;
  ward::parsers::dhcp::DhcpLog log(sink, fuzz_log_limits());
  ward::parsers::testing::fuzz_datagram_parser(factory, data, size, &log);
  log.on_finish();
  return 0;
}
