// Reassembly of one direction of a TCP connection into an in-order byte stream.
//   - In-order data is delivered at once, without copying.
//   - Out-of-order segments are copied and held, within Limits; retransmitted bytes are
//     dropped; overlaps keep the bytes that arrived first (and are counted).
//   - Gaps (bytes the capture never saw) are reported through Output::gap() when the peer has
//     acknowledged past the hole, when the held bytes exceed their bound, or at flush(); the
//     stream then continues after the hole.
//   - Midstream pickup: without a SYN, the first data segment starts the stream.
// Sequence numbers use RFC 1982 serial arithmetic, so wrap-around is handled. Not thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "common/bytes.h"

namespace ward::flow {

class TcpReassembler {
 public:
  struct Limits {
    std::uint32_t max_held_bytes = 256 * 1024;  // "flow.tcp_max_held_bytes" per direction
    std::uint32_t max_held_segments = 512;      // "flow.tcp_max_held_segments"
  };
  struct Output {
    virtual ~Output() = default;
    virtual void data(ByteView bytes) = 0;
    virtual void gap(std::uint64_t missing_bytes) = 0;
  };
  struct Stats {
    std::uint64_t delivered_bytes = 0;
    std::uint64_t retransmitted_bytes = 0;
    std::uint64_t overlap_bytes = 0;
    std::uint64_t missed_bytes = 0;  // reported as gaps
    std::uint64_t held_overflows = 0;
  };

  explicit TcpReassembler(Limits limits) noexcept : limits_(limits) {}

  // A SYN with sequence number `seq` (the first data byte is seq + 1).
  void on_syn(std::uint32_t seq) noexcept;
  // A segment of this direction. `payload` is only read during the call.
  void on_segment(std::uint32_t seq, ByteView payload, Output& out);
  // The peer acknowledged everything before `ack` in this direction.
  void on_peer_ack(std::uint32_t ack, Output& out);
  // End of input: deliver what is held, reporting the holes before it.
  void flush(Output& out);

  [[nodiscard]] bool started() const noexcept { return started_; }
  [[nodiscard]] std::uint32_t next_seq() const noexcept { return next_; }
  [[nodiscard]] std::uint64_t held_bytes() const noexcept { return held_bytes_; }
  [[nodiscard]] const Stats& stats() const noexcept { return stats_; }

 private:
  struct Held {
    std::uint32_t seq;
    std::vector<std::uint8_t> bytes;
  };
  // Delivers held segments that have become in-order.
  void drain(Output& out);
  // Skips to the first held segment (reporting the hole) and delivers from there.
  void skip_hole(Output& out);
  void hold(std::uint32_t seq, ByteView payload);

  Limits limits_;
  bool started_ = false;
  std::uint32_t next_ = 0;  // next expected sequence number
  bool have_peer_ack_ = false;
  std::uint32_t peer_ack_ = 0;  // highest ack the peer sent for this direction
  std::vector<Held> held_;      // sorted by seq, non-overlapping
  std::uint64_t held_bytes_ = 0;
  Stats stats_;
};

// RFC 1982 serial-number comparison of 32-bit sequence numbers.
inline std::int32_t seq_diff(std::uint32_t a, std::uint32_t b) noexcept {
  return static_cast<std::int32_t>(a - b);
}

}  // namespace ward::flow
