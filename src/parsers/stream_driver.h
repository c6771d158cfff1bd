// StreamDriver: feeds one flow's reassembled bytes to its StreamParser and keeps, per
// direction, the tail the parser did not consume yet. It honours Progress::needed so a parser
// is not called again until the bytes it asked for are there, and it bounds the tail: a parser
// that asks to buffer more than `max_pending_bytes` has the tail dropped and gets on_gap().
// Zero-copy when no tail is pending: the parser sees the segment's own bytes.
// One driver per flow; not thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "parsers/parser.h"

namespace ward::parsers {

class StreamDriver {
 public:
  struct Limits {
    // Must be at least the largest unit any parser buffers (their Limits stay below it).
    std::uint32_t max_pending_bytes = 1024 * 1024;
  };

  explicit StreamDriver(Limits limits) noexcept : limits_(limits) {}

  void deliver(StreamParser& parser, EventSink& sink, Direction dir, ByteView data);
  void gap(StreamParser& parser, Direction dir, std::uint64_t missing_bytes);
  void end(StreamParser& parser, Direction dir);

  // Returns true iff the parser gave up on `dir` (ParseError).
  [[nodiscard]] bool stopped(Direction dir) const noexcept {
    return state_[bus::index(dir)].stopped;
  }
  [[nodiscard]] std::size_t pending_bytes(Direction dir) const noexcept {
    return state_[bus::index(dir)].pending.size();
  }

 private:
  struct PerDirection {
    std::vector<std::uint8_t> pending;
    std::uint64_t want_total = 0;  // don't call the parser until pending.size() >= want_total
    bool stopped = false;
    bool ended = false;
  };
  // Runs the parser over `data` until it stops consuming. Returns bytes consumed, or -1 if it
  // failed (the direction is then stopped).
  std::int64_t run(StreamParser& parser, EventSink& sink, Direction dir, ByteView data,
                   PerDirection& st);

  Limits limits_;
  PerDirection state_[2];
};

}  // namespace ward::parsers
