#include "parsers/stream_driver.h"

#include <algorithm>

namespace ward::parsers {

std::int64_t StreamDriver::run(StreamParser& parser, EventSink& sink, Direction dir, ByteView data,
                               PerDirection& st) {
  std::size_t done = 0;
  // Each iteration consumes at least one byte or stops, so this is bounded by data.size().
  while (done < data.size()) {
    auto r = parser.on_data(dir, data.subspan(done));
    if (!r.ok()) {
      sink.anomaly(r.error().id, "parser stopped for this direction");
      st.stopped = true;
      st.pending.clear();
      st.pending.shrink_to_fit();
      return -1;
    }
    const Progress p = r.value();
    const std::size_t consumed = std::min<std::size_t>(p.consumed, data.size() - done);
    done += consumed;
    if (consumed == 0 || done == data.size()) {
      st.want_total = p.needed == 0 ? 0 : (data.size() - done) + std::uint64_t{p.needed};
      break;
    }
  }
  return static_cast<std::int64_t>(done);
}

void StreamDriver::deliver(StreamParser& parser, EventSink& sink, Direction dir, ByteView data) {
  PerDirection& st = state_[bus::index(dir)];
  if (st.stopped || st.ended || data.empty()) return;

  if (st.pending.empty()) {
    const std::int64_t n = run(parser, sink, dir, data, st);
    if (n < 0) return;
    const ByteView tail = data.subspan(static_cast<std::size_t>(n));
    if (tail.size() > limits_.max_pending_bytes) {
      sink.anomaly("stream.pending_limit", "parser wanted to buffer more than the stream limit");
      parser.on_gap(dir, tail.size());
      st.want_total = 0;
      return;
    }
    st.pending.assign(tail.begin(), tail.end());
    return;
  }

  if (st.pending.size() + data.size() > limits_.max_pending_bytes) {
    sink.anomaly("stream.pending_limit", "parser wanted to buffer more than the stream limit");
    const std::uint64_t dropped = st.pending.size() + data.size();
    st.pending.clear();
    st.want_total = 0;
    parser.on_gap(dir, dropped);
    return;
  }
  st.pending.insert(st.pending.end(), data.begin(), data.end());
  if (st.pending.size() < st.want_total) return;

  const std::int64_t n = run(parser, sink, dir, ByteView(st.pending), st);
  if (n < 0) return;
  st.pending.erase(st.pending.begin(), st.pending.begin() + n);
  if (st.pending.empty() && st.pending.capacity() > 4096) st.pending.shrink_to_fit();
}

void StreamDriver::gap(StreamParser& parser, Direction dir, std::uint64_t missing_bytes) {
  PerDirection& st = state_[bus::index(dir)];
  if (st.stopped || st.ended) return;
  // The bytes before the gap can no longer complete a unit: drop them with the gap.
  const std::uint64_t lost = missing_bytes + st.pending.size();
  st.pending.clear();
  st.want_total = 0;
  parser.on_gap(dir, lost);
}

void StreamDriver::end(StreamParser& parser, Direction dir) {
  PerDirection& st = state_[bus::index(dir)];
  if (st.ended) return;
  st.ended = true;
  if (st.stopped) return;
  if (!st.pending.empty()) {
    parser.on_gap(dir, 0);  // lets the parser drop its partial unit state
    st.pending.clear();
  }
  parser.on_end(dir);
  st.pending.clear();
  st.pending.shrink_to_fit();
}

}  // namespace ward::parsers
