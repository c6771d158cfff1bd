// libFuzzer target for the WS-Discovery parser. The input is a sequence of datagrams:
// [flags:1][length:2 BE][bytes:length], flags bit 0 = direction; a final short one takes what
// is left. Each datagram gets its own heap allocation so ASan catches over-reads. probe() and
// the wsd log writer (with PHI hashing) see everything too; limits are small so every limit
// path is reachable.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "bus/bus.h"
#include "parsers/wsdiscovery/wsd_log.h"
#include "parsers/wsdiscovery/wsd_parser.h"

namespace {

class TouchingSink final : public ward::bus::LogSink {
 public:
  void write(std::string_view /*name*/, std::string_view line) override {
    for (char c : line) sum_ += static_cast<unsigned char>(c);
  }

 private:
  unsigned sum_ = 0;
};

class FuzzSink final : public ward::parsers::EventSink {
 public:
  explicit FuzzSink(ward::bus::Subscriber& log) : log_(log) { ctx_.uid = "CFUZZ"; }
  void emit(const ward::bus::Event& e) override { log_.on_event(ctx_, e); }
  void anomaly(std::string_view id, std::string_view detail) override {
    for (char c : id) sum_ += static_cast<unsigned char>(c);
    for (char c : detail) sum_ += static_cast<unsigned char>(c);
  }
  void confirm_protocol() override {}
  [[nodiscard]] ward::TimeNs packet_time() const override { return 0; }

 private:
  ward::bus::Subscriber& log_;
  ward::bus::EventContext ctx_;
  unsigned sum_ = 0;
};

ward::parsers::wsd::Limits fuzz_limits() {
  ward::parsers::wsd::Limits l;
  l.max_depth = 8;
  l.max_namespaces = 8;
  l.max_endpoints = 2;
  l.max_list_items = 4;
  l.max_text_bytes = 256;
  return l;
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name is libFuzzer's entry point.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const ward::parsers::wsd::WsdParserFactory factory(fuzz_limits());
  static TouchingSink log_sink;
  static const ward::parsers::LogOptions options = [] {
    ward::parsers::LogOptions o;
    o.phi_key = "fuzz-key-fuzz-key-fuzz-key";
    return o;
  }();
  static ward::parsers::wsd::WsdLog log(log_sink, options);
  FuzzSink sink(log);
  auto parser = factory.make_datagram(sink);
  ward::ByteReader in(ward::ByteView(data, size));
  while (!in.empty()) {
    const std::uint8_t flags = *in.u8();
    const auto dir = (flags & 1) != 0 ? ward::parsers::Direction::kToClient
                                      : ward::parsers::Direction::kToServer;
    std::size_t len = in.remaining();
    if (auto l = in.u16be()) len = std::min<std::size_t>(*l, in.remaining());
    const auto piece = *in.bytes(len);
    auto copy = std::make_unique<std::uint8_t[]>(piece.size() + 1);
    std::copy(piece.begin(), piece.end(), copy.get());
    const ward::ByteView datagram(copy.get(), piece.size());
    (void)ward::parsers::wsd::probe(dir, datagram);
    parser->on_datagram(dir, datagram);
  }
  parser->on_end();
  return 0;
}
