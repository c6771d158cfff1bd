#include "parsers/testing/fuzz_util.h"

#include <memory>
#include <vector>

#include "common/bytes.h"
#include "parsers/stream_driver.h"

namespace ward::parsers::testing {
namespace {

// Packet time starts in November 2023 (certificate validity checks see a plausible clock) and
// advances 1 ms per chunk.
constexpr TimeNs kStartTime = 1'700'000'000 * kNsPerSec;
constexpr TimeNs kChunkInterval = 1'000'000;

class NullSink : public EventSink {
 public:
  NullSink(bus::Subscriber* observer, bus::Transport proto) : observer_(observer) {
    IpAddr::parse("10.0.0.1", ctx_.orig_h);
    IpAddr::parse("10.0.0.2", ctx_.resp_h);
    ctx_.uid = "CFUZZ";
    ctx_.proto = proto;
    ctx_.ts = now_;
  }
  void emit(const bus::Event& e) override {
    if (observer_ != nullptr) observer_->on_event(ctx_, e);
  }
  void anomaly(std::string_view id, std::string_view detail) override {
    // Touch the views so ASan checks they are still valid.
    for (char c : id) sum_ += static_cast<unsigned char>(c);
    for (char c : detail) sum_ += static_cast<unsigned char>(c);
  }
  void confirm_protocol() override {}
  [[nodiscard]] TimeNs packet_time() const override { return now_; }
  void advance() {
    now_ += kChunkInterval;
    ctx_.ts = now_;
  }

 private:
  TimeNs now_ = kStartTime;
  bus::Subscriber* observer_;
  bus::EventContext ctx_;
  unsigned sum_ = 0;
};

}  // namespace

void TouchingLogSink::write(std::string_view log_name, std::string_view line) {
  for (char c : log_name) sum_ += static_cast<unsigned char>(c);
  for (char c : line) sum_ += static_cast<unsigned char>(c);
}

void fuzz_stream_parser(const ParserFactory& factory, const std::uint8_t* data, std::size_t size,
                        bus::Subscriber* observer) {
  NullSink sink(observer, bus::Transport::kTcp);
  auto parser = factory.make(sink);
  StreamDriver driver(StreamDriver::Limits{});
  ByteReader in(ByteView(data, size));
  while (!in.empty()) {
    const std::uint8_t flags = *in.u8();
    const Direction dir = (flags & 1) ? Direction::kToClient : Direction::kToServer;
    std::size_t len = in.remaining();
    if (auto l = in.u16be()) len = std::min<std::size_t>(*l, in.remaining());
    sink.advance();
    if (flags & 2) {
      driver.gap(*parser, dir, len);
      continue;
    }
    auto piece = *in.bytes(len);
    auto copy = std::make_unique<std::uint8_t[]>(piece.size() + 1);
    std::copy(piece.begin(), piece.end(), copy.get());
    driver.deliver(*parser, sink, dir, ByteView(copy.get(), piece.size()));
  }
  driver.end(*parser, Direction::kToServer);
  driver.end(*parser, Direction::kToClient);
}

void fuzz_datagram_parser(const ParserFactory& factory, const std::uint8_t* data, std::size_t size,
                          bus::Subscriber* observer, DatagramHook before_each) {
  NullSink sink(observer, bus::Transport::kUdp);
  auto parser = factory.make_datagram(sink);
  if (parser == nullptr) return;
  ByteReader in(ByteView(data, size));
  while (!in.empty()) {
    const std::uint8_t flags = *in.u8();
    const Direction dir = (flags & 1) ? Direction::kToClient : Direction::kToServer;
    std::size_t len = in.remaining();
    if (auto l = in.u16be()) len = std::min<std::size_t>(*l, in.remaining());
    auto piece = *in.bytes(len);
    if (flags & 2) continue;
    auto copy = std::make_unique<std::uint8_t[]>(piece.size() + 1);
    std::copy(piece.begin(), piece.end(), copy.get());
    const ByteView datagram(copy.get(), piece.size());
    sink.advance();
    if (before_each != nullptr) before_each(dir, datagram);
    parser->on_datagram(dir, datagram);
  }
  parser->on_end();
}

}  // namespace ward::parsers::testing
