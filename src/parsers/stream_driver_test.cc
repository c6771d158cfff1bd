#include "parsers/stream_driver.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ward::parsers {
namespace {

// A line parser: consumes complete "\n"-terminated lines, asks for 1 more byte otherwise,
// fails on a line that starts with '!'.
class LineParser : public StreamParser {
 public:
  Result<Progress, ParseError> on_data(Direction dir, ByteView input) noexcept override {
    const std::string_view s = as_chars(input);
    std::uint32_t consumed = 0;
    for (;;) {
      const auto nl = s.find('\n', consumed);
      if (nl == std::string_view::npos) break;
      const std::string_view line = s.substr(consumed, nl - consumed);
      if (!line.empty() && line[0] == '!') return unexpected(ParseError{"line.bang"});
      lines.emplace_back(std::string(dir == Direction::kToServer ? ">" : "<") + std::string(line));
      consumed = static_cast<std::uint32_t>(nl + 1);
    }
    ++calls;
    return Progress{consumed, 1};
  }
  void on_gap(Direction /*dir*/, std::uint64_t missing) noexcept override {
    gaps.push_back(missing);
  }
  void on_end(Direction /*dir*/) noexcept override { ++ends; }

  std::vector<std::string> lines;
  std::vector<std::uint64_t> gaps;
  int calls = 0;
  int ends = 0;
};

class CountingSink : public EventSink {
 public:
  void emit(const bus::Event& /*e*/) override {}
  void anomaly(std::string_view id, std::string_view /*d*/) override { anomalies.emplace_back(id); }
  void confirm_protocol() override {}
  [[nodiscard]] TimeNs packet_time() const override { return 0; }
  std::vector<std::string> anomalies;
};

TEST(StreamDriver, KeepsTheUnconsumedTailUntilTheRestArrives) {
  LineParser p;
  CountingSink sink;
  StreamDriver d({});
  d.deliver(p, sink, Direction::kToServer, as_bytes("hel"));
  EXPECT_TRUE(p.lines.empty());
  EXPECT_EQ(d.pending_bytes(Direction::kToServer), 3u);
  d.deliver(p, sink, Direction::kToServer, as_bytes("lo\nwor"));
  d.deliver(p, sink, Direction::kToClient, as_bytes("x\n"));
  d.deliver(p, sink, Direction::kToServer, as_bytes("ld\n"));
  EXPECT_EQ(p.lines, (std::vector<std::string>{">hello", "<x", ">world"}));
  EXPECT_EQ(d.pending_bytes(Direction::kToServer), 0u);
}

TEST(StreamDriver, DoesNotCallTheParserBeforeTheBytesItNeedsArrive) {
  class NeedsTen : public StreamParser {
   public:
    Result<Progress, ParseError> on_data(Direction, ByteView in) noexcept override {
      ++calls;
      if (in.size() < 10) return Progress{0, static_cast<std::uint32_t>(10 - in.size())};
      return Progress{10, 0};
    }
    void on_gap(Direction, std::uint64_t) noexcept override {}
    void on_end(Direction) noexcept override {}
    int calls = 0;
  } p;
  CountingSink sink;
  StreamDriver d({});
  d.deliver(p, sink, Direction::kToServer, as_bytes("12"));
  for (int i = 0; i < 7; ++i) d.deliver(p, sink, Direction::kToServer, as_bytes("x"));
  EXPECT_EQ(p.calls, 1);
  d.deliver(p, sink, Direction::kToServer, as_bytes("x"));
  EXPECT_EQ(p.calls, 2);
  EXPECT_EQ(d.pending_bytes(Direction::kToServer), 0u);
}

TEST(StreamDriver, AParseErrorStopsOnlyThatDirectionAndIsReported) {
  LineParser p;
  CountingSink sink;
  StreamDriver d({});
  d.deliver(p, sink, Direction::kToServer, as_bytes("ok\n!bad\nlater\n"));
  d.deliver(p, sink, Direction::kToServer, as_bytes("more\n"));
  d.deliver(p, sink, Direction::kToClient, as_bytes("reply\n"));
  EXPECT_TRUE(d.stopped(Direction::kToServer));
  EXPECT_FALSE(d.stopped(Direction::kToClient));
  EXPECT_EQ(p.lines, (std::vector<std::string>{">ok", "<reply"}));
  EXPECT_EQ(sink.anomalies, (std::vector<std::string>{"line.bang"}));
}

TEST(StreamDriver, ATailOverTheLimitIsDroppedAndReportedAsAGap) {
  LineParser p;
  CountingSink sink;
  StreamDriver d({.max_pending_bytes = 8});
  d.deliver(p, sink, Direction::kToServer, as_bytes("12345"));
  d.deliver(p, sink, Direction::kToServer, as_bytes("67890"));
  EXPECT_EQ(d.pending_bytes(Direction::kToServer), 0u);
  EXPECT_EQ(p.gaps, (std::vector<std::uint64_t>{10}));
  EXPECT_EQ(sink.anomalies, (std::vector<std::string>{"stream.pending_limit"}));
  d.deliver(p, sink, Direction::kToServer, as_bytes("ok\n"));
  EXPECT_EQ(p.lines, (std::vector<std::string>{">ok"}));
}

TEST(StreamDriver, AGapDropsThePartialUnitBeforeIt) {
  LineParser p;
  CountingSink sink;
  StreamDriver d({});
  d.deliver(p, sink, Direction::kToServer, as_bytes("partial"));
  d.gap(p, Direction::kToServer, 100);
  d.deliver(p, sink, Direction::kToServer, as_bytes("next\n"));
  EXPECT_EQ(p.gaps, (std::vector<std::uint64_t>{107}));
  EXPECT_EQ(p.lines, (std::vector<std::string>{">next"}));
}

TEST(StreamDriver, EndIsDeliveredOncePerDirection) {
  LineParser p;
  CountingSink sink;
  StreamDriver d({});
  d.end(p, Direction::kToServer);
  d.end(p, Direction::kToServer);
  d.deliver(p, sink, Direction::kToServer, as_bytes("late\n"));
  EXPECT_EQ(p.ends, 1);
  EXPECT_TRUE(p.lines.empty());
}

}  // namespace
}  // namespace ward::parsers
