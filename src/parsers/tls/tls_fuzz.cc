// libFuzzer target for the TLS parser, and through it the X.509 decoder and the log writer
// (STYLE.md section 6). The first input byte selects the transport: even = TCP (the chunk
// format of parsers/testing/fuzz_util.h, both directions, arbitrary cuts and gaps), odd = UDP
// (the rest is cut into datagrams by the same chunk format). Limits are small so that every
// limit path is reachable with short inputs. probe() and udp_probe() also see every input.
#include <cstddef>
#include <cstdint>
#include <vector>

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
  return l;
}

// Reads every log line so ASan checks what the log writer produced.
class TouchingSink final : public ward::bus::LogSink {
 public:
  void write(std::string_view /*name*/, std::string_view line) override {
    for (char c : line) sum_ += static_cast<unsigned char>(c);
  }

 private:
  unsigned sum_ = 0;
};

class NullSink final : public ward::parsers::EventSink {
 public:
  explicit NullSink(ward::bus::Subscriber& log) : log_(log) {}
  void emit(const ward::bus::Event& e) override { log_.on_event(ctx_, e); }
  void anomaly(std::string_view /*id*/, std::string_view /*detail*/) override {}
  void confirm_protocol() override {}
  [[nodiscard]] ward::TimeNs packet_time() const override {
    return 1'700'000'000 * ward::kNsPerSec;
  }

 private:
  ward::bus::Subscriber& log_;
  ward::bus::EventContext ctx_{};
};

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name is libFuzzer's entry point.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const tls::TlsParserFactory factory(fuzz_limits());
  static TouchingSink sink;
  static tls::TlsLog log(sink);
  if (size == 0) return 0;
  const ward::ByteView all(data + 1, size - 1);
  (void)tls::probe(ward::parsers::Direction::kToServer, all);
  (void)tls::udp_probe(ward::parsers::Direction::kToServer, all);
  if ((data[0] & 1U) == 0) {
    ward::parsers::testing::fuzz_stream_parser(factory, data + 1, size - 1, &log);
    return 0;
  }
  // Datagrams: [flags:1][length:2 BE][bytes], each in its own allocation.
  NullSink events(log);
  const auto parser = factory.make_datagram(events);
  std::size_t pos = 1;
  while (pos < size) {
    const std::uint8_t flags = data[pos];
    std::size_t len = size - pos - 1;
    if (size - pos >= 3)
      len =
          std::min<std::size_t>((std::size_t{data[pos + 1]} << 8) | data[pos + 2], size - pos - 3);
    const std::size_t start = size - pos >= 3 ? pos + 3 : pos + 1;
    len = std::min(len, size - start);
    const std::vector<std::uint8_t> copy(data + start, data + start + len);
    parser->on_datagram((flags & 1U) != 0 ? ward::parsers::Direction::kToClient
                                          : ward::parsers::Direction::kToServer,
                        copy);
    pos = start + len;
  }
  parser->on_end();
  return 0;
}
