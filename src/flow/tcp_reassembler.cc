#include "flow/tcp_reassembler.h"

#include <algorithm>

namespace ward::flow {

void TcpReassembler::on_syn(std::uint32_t seq) noexcept {
  if (started_) return;
  started_ = true;
  next_ = seq + 1;
}

void TcpReassembler::hold(std::uint32_t seq, ByteView payload) {
  // Keep only the bytes not already held (first arrival wins).
  std::uint32_t cur = seq;
  const std::uint32_t end = seq + static_cast<std::uint32_t>(payload.size());
  std::vector<Held> pieces;
  for (const Held& h : held_) {
    const std::uint32_t h_end = h.seq + static_cast<std::uint32_t>(h.bytes.size());
    if (seq_diff(h_end, cur) <= 0 || seq_diff(h.seq, end) >= 0) continue;
    if (seq_diff(h.seq, cur) > 0) {
      const auto from = static_cast<std::size_t>(cur - seq);
      const auto to = static_cast<std::size_t>(h.seq - seq);
      pieces.push_back({cur,
                        {payload.begin() + static_cast<std::ptrdiff_t>(from),
                         payload.begin() + static_cast<std::ptrdiff_t>(to)}});
    }
    if (seq_diff(h_end, cur) > 0) cur = h_end;
  }
  if (seq_diff(end, cur) > 0) {
    const auto from = static_cast<std::size_t>(cur - seq);
    pieces.push_back({cur, {payload.begin() + static_cast<std::ptrdiff_t>(from), payload.end()}});
  }
  std::uint64_t added = 0;
  for (Held& p : pieces) {
    added += p.bytes.size();
    auto pos =
        std::lower_bound(held_.begin(), held_.end(), p.seq,
                         [](const Held& h, std::uint32_t s) { return seq_diff(h.seq, s) < 0; });
    held_.insert(pos, std::move(p));
  }
  stats_.overlap_bytes += payload.size() - added;
  held_bytes_ += added;
}

void TcpReassembler::on_segment(std::uint32_t seq, ByteView payload, Output& out) {
  if (payload.empty()) return;
  if (!started_) {  // midstream pickup
    started_ = true;
    next_ = seq;
  }
  const std::int32_t ahead = seq_diff(seq, next_);
  const auto len = static_cast<std::uint32_t>(payload.size());
  if (ahead <= 0) {
    // Starts at or before the next expected byte: deliver what is new.
    const auto old = static_cast<std::uint32_t>(-static_cast<std::int64_t>(ahead));
    if (old >= len) {
      stats_.retransmitted_bytes += len;
      return;
    }
    stats_.retransmitted_bytes += old;
    const ByteView fresh = payload.subspan(old);
    next_ += static_cast<std::uint32_t>(fresh.size());
    stats_.delivered_bytes += fresh.size();
    out.data(fresh);
    drain(out);
    return;
  }
  // Out of order: hold it, within bounds. When full, give up on the oldest holes first.
  auto no_room = [&] {
    return held_bytes_ + len > limits_.max_held_bytes || held_.size() >= limits_.max_held_segments;
  };
  if (no_room()) {
    ++stats_.held_overflows;
    while (!held_.empty() && no_room()) skip_hole(out);
    if (seq_diff(seq, next_) <= 0) {
      on_segment(seq, payload, out);  // recursion depth 1: it is in order now
      return;
    }
    if (no_room()) {  // nothing held and the segment alone is over the bound: skip to it
      const std::uint32_t missing = seq - next_;
      stats_.missed_bytes += missing;
      out.gap(missing);
      next_ = seq;
      on_segment(seq, payload, out);
      return;
    }
  }
  hold(seq, payload);
  // If the peer already acknowledged past the hole, the missing bytes are lost for good.
  if (have_peer_ack_ && seq_diff(peer_ack_, next_) > 0) on_peer_ack(peer_ack_, out);
}

void TcpReassembler::on_peer_ack(std::uint32_t ack, Output& out) {
  if (!have_peer_ack_ || seq_diff(ack, peer_ack_) > 0) {
    peer_ack_ = ack;
    have_peer_ack_ = true;
  }
  if (!started_ || held_.empty()) return;
  // Held data exists after a hole and the receiver has acknowledged into or past that hole:
  // the bytes of the hole were delivered to the receiver but not to us.
  if (seq_diff(ack, next_) > 0 && seq_diff(held_.front().seq, next_) > 0) skip_hole(out);
}

void TcpReassembler::drain(Output& out) {
  std::size_t i = 0;
  for (; i < held_.size(); ++i) {
    Held& h = held_[i];
    const std::int32_t ahead = seq_diff(h.seq, next_);
    if (ahead > 0) break;
    const auto len = static_cast<std::uint32_t>(h.bytes.size());
    const auto old = static_cast<std::uint32_t>(-static_cast<std::int64_t>(ahead));
    held_bytes_ -= len;
    if (old >= len) {
      stats_.retransmitted_bytes += len;
      continue;
    }
    const ByteView fresh = ByteView(h.bytes).subspan(old);
    next_ += static_cast<std::uint32_t>(fresh.size());
    stats_.delivered_bytes += fresh.size();
    out.data(fresh);
  }
  held_.erase(held_.begin(), held_.begin() + static_cast<std::ptrdiff_t>(i));
  if (held_.empty() && held_.capacity() > 16) held_.shrink_to_fit();
}

void TcpReassembler::skip_hole(Output& out) {
  if (held_.empty()) return;
  const std::int32_t hole = seq_diff(held_.front().seq, next_);
  if (hole > 0) {
    stats_.missed_bytes += static_cast<std::uint32_t>(hole);
    out.gap(static_cast<std::uint32_t>(hole));
    next_ = held_.front().seq;
  }
  drain(out);
}

void TcpReassembler::flush(Output& out) {
  // Bounded: each skip_hole() delivers at least the first held segment.
  while (!held_.empty()) skip_hole(out);
}

}  // namespace ward::flow
