#include "flow/tcp_reassembler.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ward::flow {
namespace {

struct Recorder : TcpReassembler::Output {
  std::string stream;  // delivered bytes, with "[gap N]" markers
  void data(ByteView b) override { stream.append(as_chars(b)); }
  void gap(std::uint64_t n) override { stream += "[gap " + std::to_string(n) + "]"; }
};

TEST(TcpReassembler, InOrderSegmentsAreDeliveredAtOnce) {
  TcpReassembler r({});
  Recorder out;
  r.on_syn(99);
  r.on_segment(100, as_bytes("hello "), out);
  r.on_segment(106, as_bytes("world"), out);
  EXPECT_EQ(out.stream, "hello world");
  EXPECT_EQ(r.held_bytes(), 0u);
}

TEST(TcpReassembler, OutOfOrderSegmentsAreHeldUntilTheHoleFills) {
  TcpReassembler r({});
  Recorder out;
  r.on_syn(0);
  r.on_segment(7, as_bytes("world"), out);
  r.on_segment(12, as_bytes("!"), out);
  EXPECT_EQ(out.stream, "");
  EXPECT_EQ(r.held_bytes(), 6u);
  r.on_segment(1, as_bytes("hello "), out);
  EXPECT_EQ(out.stream, "hello world!");
  EXPECT_EQ(r.held_bytes(), 0u);
}

TEST(TcpReassembler, RetransmissionsAreDroppedAndOverlapsKeepTheFirstBytes) {
  TcpReassembler r({});
  Recorder out;
  r.on_syn(0);
  r.on_segment(1, as_bytes("abcd"), out);
  r.on_segment(1, as_bytes("abcd"), out);  // a full retransmission: dropped
  r.on_segment(3, as_bytes("XXef"), out);  // repeats seq 3..4 with other bytes, adds "ef"
  EXPECT_EQ(out.stream, "abcdef");
  EXPECT_EQ(r.stats().retransmitted_bytes, 4u + 2u);
}

TEST(TcpReassembler, HeldOverlapsKeepTheBytesThatArrivedFirst) {
  TcpReassembler r({});
  Recorder out;
  r.on_syn(0);
  r.on_segment(5, as_bytes("EFGH"), out);     // held 5..8
  r.on_segment(3, as_bytes("cdXXXXi"), out);  // 3..9: "cd" new, 5..8 held, "i" new
  EXPECT_EQ(r.stats().overlap_bytes, 4u);
  r.on_segment(1, as_bytes("ab"), out);
  EXPECT_EQ(out.stream, "abcdEFGHi");
}

TEST(TcpReassembler, MidstreamPickupStartsAtTheFirstDataSegment) {
  TcpReassembler r({});
  Recorder out;
  r.on_segment(5000, as_bytes("mid"), out);
  r.on_segment(5003, as_bytes("stream"), out);
  EXPECT_EQ(out.stream, "midstream");
}

TEST(TcpReassembler, SequenceNumbersWrapAround) {
  TcpReassembler r({});
  Recorder out;
  r.on_syn(0xfffffffd);
  r.on_segment(0xfffffffe, as_bytes("ab"), out);
  r.on_segment(0x00000002, as_bytes("ef"), out);  // held across the wrap
  r.on_segment(0x00000000, as_bytes("cd"), out);
  EXPECT_EQ(out.stream, "abcdef");
}

TEST(TcpReassembler, APeerAckPastAHoleReportsTheGapAndContinues) {
  TcpReassembler r({});
  Recorder out;
  r.on_syn(0);
  r.on_segment(1, as_bytes("abc"), out);
  r.on_segment(10, as_bytes("jkl"), out);  // bytes 4..9 never captured
  r.on_peer_ack(13, out);
  EXPECT_EQ(out.stream, "abc[gap 6]jkl");
  EXPECT_EQ(r.stats().missed_bytes, 6u);
}

TEST(TcpReassembler, AnAckThatDoesNotPassTheHoleReportsNothing) {
  TcpReassembler r({});
  Recorder out;
  r.on_syn(0);
  r.on_segment(1, as_bytes("abc"), out);
  r.on_peer_ack(4, out);
  r.on_segment(10, as_bytes("jkl"), out);
  EXPECT_EQ(out.stream, "abc");
  EXPECT_EQ(r.held_bytes(), 3u);
}

TEST(TcpReassembler, HeldBytesStayWithinTheLimitByGivingUpOnTheOldestHole) {
  TcpReassembler r({.max_held_bytes = 8, .max_held_segments = 100});
  Recorder out;
  r.on_syn(0);
  r.on_segment(11, as_bytes("AAAA"), out);  // hole 1..10
  r.on_segment(21, as_bytes("BBBB"), out);  // hole 15..20
  EXPECT_EQ(r.held_bytes(), 8u);
  r.on_segment(31, as_bytes("CCCC"), out);  // no room: skip the first hole
  EXPECT_LE(r.held_bytes(), 8u);
  EXPECT_EQ(out.stream, "[gap 10]AAAA");
  EXPECT_EQ(r.stats().held_overflows, 1u);
  r.flush(out);
  EXPECT_EQ(out.stream, "[gap 10]AAAA[gap 6]BBBB[gap 6]CCCC");
}

TEST(TcpReassembler, ASegmentLargerThanTheLimitSkipsToItself) {
  TcpReassembler r({.max_held_bytes = 4, .max_held_segments = 100});
  Recorder out;
  r.on_syn(0);
  r.on_segment(11, as_bytes("0123456789"), out);
  EXPECT_EQ(out.stream, "[gap 10]0123456789");
  EXPECT_EQ(r.held_bytes(), 0u);
}

TEST(TcpReassembler, FlushDeliversHeldDataAfterReportingHoles) {
  TcpReassembler r({});
  Recorder out;
  r.on_syn(0);
  r.on_segment(3, as_bytes("cd"), out);
  r.flush(out);
  EXPECT_EQ(out.stream, "[gap 2]cd");
  EXPECT_EQ(r.held_bytes(), 0u);
}

}  // namespace
}  // namespace ward::flow
