#include "parsers/testing/parser_test_util.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

#include "parsers/stream_driver.h"

namespace ward::parsers::testing {

Chunk to_server(std::string_view text) {
  return {Direction::kToServer, std::vector<std::uint8_t>(text.begin(), text.end())};
}
Chunk to_client(std::string_view text) {
  return {Direction::kToClient, std::vector<std::uint8_t>(text.begin(), text.end())};
}
Chunk to_server(std::vector<std::uint8_t> bytes) {
  return {Direction::kToServer, std::move(bytes)};
}
Chunk to_client(std::vector<std::uint8_t> bytes) {
  return {Direction::kToClient, std::move(bytes)};
}

void RecordingSink::emit(const bus::Event& e) {
  std::string d = describe_(e);
  if (!d.empty()) events.push_back(std::move(d));
}

void RecordingSink::anomaly(std::string_view id, std::string_view /*detail*/) {
  anomalies.emplace_back(id);
}

RunResult run_pieces(const ParserFactory& factory, const Describe& describe,
                     const std::vector<Chunk>& pieces) {
  RecordingSink sink(describe);
  auto parser = factory.make(sink);
  StreamDriver driver(StreamDriver::Limits{});
  for (const Chunk& c : pieces) {
    // A private allocation of exactly this size, so reads past it are caught by ASan.
    auto copy = std::make_unique<std::uint8_t[]>(c.bytes.size() + (c.bytes.empty() ? 1 : 0));
    std::copy(c.bytes.begin(), c.bytes.end(), copy.get());
    driver.deliver(*parser, sink, c.dir, ByteView(copy.get(), c.bytes.size()));
  }
  driver.end(*parser, Direction::kToServer);
  driver.end(*parser, Direction::kToClient);
  return {sink.events, sink.anomalies, sink.confirmations};
}

RunResult run_chunks(const ParserFactory& factory, const Describe& describe,
                     const std::vector<Chunk>& chunks) {
  return run_pieces(factory, describe, chunks);
}

namespace {

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

void expect_same_events_for_every_split(const ParserFactory& factory, const Describe& describe,
                                        const std::vector<Chunk>& chunks, bool reply_in_between) {
  const RunResult want = run_chunks(factory, describe, chunks);
  ASSERT_FALSE(want.events.empty()) << "the reference run produced no events to compare";

  for (std::size_t i = 0; i < chunks.size(); ++i) {
    const auto& bytes = chunks[i].bytes;
    for (std::size_t k = 1; k < bytes.size(); ++k) {
      std::vector<Chunk> pieces(chunks.begin(), chunks.begin() + static_cast<std::ptrdiff_t>(i));
      pieces.push_back(
          {chunks[i].dir, {bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(k)}});
      pieces.push_back(
          {chunks[i].dir, {bytes.begin() + static_cast<std::ptrdiff_t>(k), bytes.end()}});
      pieces.insert(pieces.end(), chunks.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                    chunks.end());
      const RunResult got = run_pieces(factory, describe, pieces);
      EXPECT_EQ(got.events, want.events) << "chunk " << i << " split at offset " << k;
      EXPECT_EQ(got.anomalies, want.anomalies) << "chunk " << i << " split at offset " << k;

      // The other direction's next chunk arrives between the two halves.
      if (reply_in_between && i + 1 < chunks.size() && chunks[i + 1].dir != chunks[i].dir) {
        std::vector<Chunk> swapped(pieces.begin(),
                                   pieces.begin() + static_cast<std::ptrdiff_t>(i) + 1);
        swapped.push_back(chunks[i + 1]);
        swapped.push_back(pieces[i + 1]);
        swapped.insert(swapped.end(), chunks.begin() + static_cast<std::ptrdiff_t>(i) + 2,
                       chunks.end());
        const RunResult got2 = run_pieces(factory, describe, swapped);
        EXPECT_EQ(sorted(got2.events), sorted(want.events))
            << "chunk " << i << " split at " << k << " with the reply delivered in between";
      }
      if (::testing::Test::HasFailure()) return;  // one failing offset is enough to debug
    }
  }

  std::vector<Chunk> bytewise;
  for (const Chunk& c : chunks)
    for (std::uint8_t b : c.bytes) bytewise.push_back({c.dir, {b}});
  const RunResult got = run_pieces(factory, describe, bytewise);
  EXPECT_EQ(got.events, want.events) << "byte-by-byte delivery";
  EXPECT_EQ(got.anomalies, want.anomalies) << "byte-by-byte delivery";
}

}  // namespace ward::parsers::testing
