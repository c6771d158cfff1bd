// Test helpers for every StreamParser (STYLE.md section 6):
//   RecordingSink                       records events (as strings), anomalies, confirmation
//   run_chunks()                        delivers chunks through a StreamDriver like the flow does
//   expect_same_events_for_every_split() the every-split-offset test
// Tests describe events with their own function so each parser chooses what must be stable.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "parsers/parser.h"

namespace ward::parsers::testing {

using Describe = std::function<std::string(const bus::Event&)>;

struct Chunk {
  Direction dir;
  std::vector<std::uint8_t> bytes;
};
Chunk to_server(std::string_view text);
Chunk to_client(std::string_view text);
Chunk to_server(std::vector<std::uint8_t> bytes);
Chunk to_client(std::vector<std::uint8_t> bytes);

class RecordingSink : public EventSink {
 public:
  explicit RecordingSink(Describe describe) : describe_(std::move(describe)) {}
  void emit(const bus::Event& e) override;
  void anomaly(std::string_view id, std::string_view detail) override;
  void confirm_protocol() override { ++confirmations; }
  [[nodiscard]] TimeNs packet_time() const override { return now; }

  std::vector<std::string> events;     // describe(e) for each emitted event with a description
  std::vector<std::string> anomalies;  // anomaly ids in order
  int confirmations = 0;
  TimeNs now = 1'700'000'000 * kNsPerSec;

 private:
  Describe describe_;
};

// Delivers each chunk (split as given: every piece its own heap allocation, so ASan sees
// over-reads), then ends both directions. Returns the sink for inspection.
struct RunResult {
  std::vector<std::string> events;
  std::vector<std::string> anomalies;
  int confirmations = 0;
};
RunResult run_pieces(const ParserFactory& factory, const Describe& describe,
                     const std::vector<Chunk>& pieces);
RunResult run_chunks(const ParserFactory& factory, const Describe& describe,
                     const std::vector<Chunk>& chunks);

// Replays `chunks` with each chunk cut at every offset (and once byte by byte) and expects the
// same events and anomalies as the whole-chunk delivery. With `reply_in_between`, also
// delivers the next chunk of the other direction between the two halves and expects the same
// events in any order: only valid when the events do not depend on cross-direction order
// (request/response pairing does). Reports failures with gtest.
void expect_same_events_for_every_split(const ParserFactory& factory, const Describe& describe,
                                        const std::vector<Chunk>& chunks,
                                        bool reply_in_between = true);

}  // namespace ward::parsers::testing
