// libFuzzer target for the RTP/RTCP datagram parser. The input is a sequence of datagrams:
// [flags:1][length:2 BE][bytes:length], flags bit 0 = direction; a final short one takes what
// is left. Each datagram gets its own heap allocation so ASan catches over-reads. The weak
// probe, classify() and the rtp log writer see every input too; max_sources is small so the
// source limit is reachable.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "bus/bus.h"
#include "parsers/rtp/rtp_log.h"
#include "parsers/rtp/rtp_parser.h"

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
  [[nodiscard]] ward::TimeNs packet_time() const override { return now_++; }

 private:
  ward::bus::Subscriber& log_;
  ward::bus::EventContext ctx_;
  unsigned sum_ = 0;
  mutable ward::TimeNs now_ = 0;
};

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name is libFuzzer's entry point.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const ward::parsers::rtp::RtpParserFactory factory(ward::parsers::rtp::Limits{4});
  static TouchingSink log_sink;
  static ward::parsers::rtp::RtpLog log(log_sink);
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
    (void)ward::parsers::rtp::probe(dir, datagram);
    (void)ward::parsers::rtp::classify(datagram);
    parser->on_datagram(dir, datagram);
  }
  parser->on_end();
  return 0;
}
