// Unit tests of the RTP/RTCP parser, its sequence accounting (RFC 3550 A.1/A.3), its probe and
// the `rtp` log. Packet headers are written from RFC 3550 §5.1/§6.4; the H.263 header is the
// first packet of nDPI's tests/pcap/rtp.pcapng (UDP 10.204.220.71:6000, `tshark -e udp.payload`).
#include "parsers/rtp/rtp_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "parsers/rtp/rtp_events.h"
#include "parsers/rtp/rtp_log.h"
#include "parsers/testing/parser_test_util.h"

namespace ward::parsers::rtp {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

using Bytes = std::vector<std::uint8_t>;

// V=2, no padding/extension/CSRC, marker 0.
Bytes rtp(std::uint8_t pt, std::uint16_t seq, std::uint32_t ssrc, std::size_t payload = 20) {
  Bytes p = {0x80,
             pt,
             static_cast<std::uint8_t>(seq >> 8),
             static_cast<std::uint8_t>(seq),
             0,
             0,
             0x10,
             0,
             static_cast<std::uint8_t>(ssrc >> 24),
             static_cast<std::uint8_t>(ssrc >> 16),
             static_cast<std::uint8_t>(ssrc >> 8),
             static_cast<std::uint8_t>(ssrc)};
  p.resize(12 + payload, 0x55);
  return p;
}

// An RTCP compound packet: RR (one report block) + SDES (CNAME "cam") + optional BYE.
Bytes rtcp_rr(std::uint32_t ssrc, bool bye = false) {
  Bytes p = {0x81,
             201,
             0,
             7,  // RR, RC=1, 7 words follow
             static_cast<std::uint8_t>(ssrc >> 24),
             static_cast<std::uint8_t>(ssrc >> 16),
             static_cast<std::uint8_t>(ssrc >> 8),
             static_cast<std::uint8_t>(ssrc)};
  p.resize(8 + 24, 0);                                               // the report block
  const Bytes sdes = {0x81, 202, 0, 2, 0, 0, 0, 9, 1, 3, 'c', 'a'};  // SSRC, CNAME "ca", end
  p.insert(p.end(), sdes.begin(), sdes.end());
  if (bye) {
    const Bytes b = {0x81, 203, 0, 1, 0, 0, 0, 9};
    p.insert(p.end(), b.begin(), b.end());
  }
  return p;
}

std::string describe(const bus::Event& e) {
  const auto* s = bus::event_cast<RtpStream>(e);
  if (s == nullptr) return "";
  return "ssrc=" + std::to_string(s->ssrc) + " dir=" + std::to_string(bus::index(s->sender)) +
         " pt=" + std::to_string(s->payload_type) + (s->payload_type_changed ? "*" : "") +
         " pkts=" + std::to_string(s->packets) + " bytes=" + std::to_string(s->bytes) +
         " seq=" + std::to_string(s->first_seq) + ".." + std::to_string(s->last_seq) +
         " expected=" + std::to_string(s->expected) + " lost=" + std::to_string(s->lost) +
         " rtcp=" + std::to_string(s->rtcp_packets) + "/sr" + std::to_string(s->rtcp_sr) + "/rr" +
         std::to_string(s->rtcp_rr) + "/bye" + std::to_string(s->rtcp_bye);
}

struct Flow {
  parsers::testing::RecordingSink sink{describe};
  std::unique_ptr<DatagramParser> parser;
  explicit Flow(Limits l = {}) : parser(RtpParserFactory(l).make_datagram(sink)) {}
  void send(const Bytes& b, Direction d = Direction::kToServer) {
    parser->on_datagram(d, ByteView(b));
    sink.now += kNsPerSec / 50;
  }
  void end() { parser->on_end(); }
};

TEST(Rtp, AStreamIsCountedWithItsPayloadTypeAndLoss) {
  Flow r;
  for (std::uint16_t seq : {100, 101, 102, 104, 105}) r.send(rtp(96, seq, 0xB1964B48));  // 103 lost
  r.end();
  EXPECT_EQ(r.sink.confirmations, 1);
  EXPECT_THAT(r.sink.events, ElementsAre("ssrc=2979416904 dir=0 pt=96 pkts=5 bytes=160 "
                                         "seq=100..105 expected=6 lost=1 rtcp=0/sr0/rr0/bye0"));
  EXPECT_THAT(r.sink.anomalies, IsEmpty());
}

TEST(Rtp, SequenceNumbersWrapWithoutLoss) {
  Flow r;
  for (std::uint16_t seq : {65534, 65535, 0, 1}) r.send(rtp(0, seq, 7));
  r.end();
  EXPECT_THAT(r.sink.events,
              ElementsAre("ssrc=7 dir=0 pt=0 pkts=4 bytes=128 seq=65534..1 expected=4 lost=0 "
                          "rtcp=0/sr0/rr0/bye0"));
}

TEST(Rtp, DuplicatesMakeTheLossEstimateNegativeAsRfc3550Says) {
  Flow r;
  for (std::uint16_t seq : {10, 11, 11, 12, 10}) r.send(rtp(8, seq, 7));
  r.end();
  EXPECT_THAT(r.sink.events, ElementsAre("ssrc=7 dir=0 pt=8 pkts=5 bytes=160 seq=10..12 "
                                         "expected=3 lost=-2 rtcp=0/sr0/rr0/bye0"));
}

TEST(Rtp, AJumpIsAcceptedOnlyWhenTheNextPacketFollowsIt) {
  Flow r;
  // 1, 2, then a stray 40000 (ignored for loss), then a restart at 20000, 20001.
  for (std::uint16_t seq : {1, 2, 40000, 20000, 20001, 20002}) r.send(rtp(96, seq, 7));
  r.end();
  // The count restarts at 20001 (RFC 3550 A.1 bad_seq): expected 20001..20002.
  EXPECT_THAT(r.sink.events, ElementsAre("ssrc=7 dir=0 pt=96 pkts=6 bytes=192 seq=1..20002 "
                                         "expected=2 lost=0 rtcp=0/sr0/rr0/bye0"));
}

TEST(Rtp, RtcpSenderAndReceiverReportsAreRecognised) {
  Flow r;
  r.send(rtp(26, 5, 0x11), Direction::kToClient);
  r.send(rtp(26, 6, 0x11), Direction::kToClient);
  r.send(rtcp_rr(0x22));
  r.send(rtcp_rr(0x22, /*bye=*/true));
  r.end();
  EXPECT_THAT(r.sink.events,
              ElementsAre("ssrc=17 dir=1 pt=26 pkts=2 bytes=64 seq=5..6 expected=2 lost=0 "
                          "rtcp=0/sr0/rr0/bye0",
                          "ssrc=34 dir=0 pt=-1 pkts=0 bytes=0 seq=0..0 expected=0 lost=0 "
                          "rtcp=2/sr0/rr2/bye1"));
  EXPECT_EQ(classify(rtcp_rr(1)), PacketKind::kRtcp);
  Bytes bad = rtcp_rr(1);
  bad[3] = 9;  // a length running past the datagram
  EXPECT_EQ(classify(bad), PacketKind::kInvalid);
}

TEST(Rtp, AFlowThatIsNotRtpProducesNoRecord) {
  Flow r;
  r.send(rtp(96, 1, 7));  // one plausible packet, then nothing that confirms it
  r.send(Bytes{0x00, 0x01, 0x00, 0x46, 1, 2, 3, 4});
  r.send(rtp(96, 500, 8));
  r.end();
  EXPECT_EQ(r.sink.confirmations, 0);
  EXPECT_THAT(r.sink.events, IsEmpty());
  EXPECT_THAT(r.sink.anomalies, IsEmpty());
}

TEST(Rtp, GarbageInAConfirmedRtpFlowIsReportedOnce) {
  Flow r;
  r.send(rtp(96, 1, 7));
  r.send(rtp(96, 2, 7));
  r.send(Bytes{0x01, 0x02});
  r.send(Bytes{0x01, 0x02});
  r.end();
  EXPECT_THAT(r.sink.anomalies, ElementsAre("rtp.not_rtp"));
}

TEST(Rtp, SourcesPerFlowAreBounded) {
  Limits l;
  l.max_sources = 2;
  Flow r(l);
  for (std::uint32_t ssrc = 1; ssrc <= 4; ++ssrc) {
    r.send(rtp(96, 1, ssrc));
    r.send(rtp(96, 2, ssrc));
  }
  r.end();
  EXPECT_EQ(r.sink.events.size(), 2u);
  EXPECT_THAT(r.sink.anomalies, ElementsAre("rtp.too_many_sources"));
}

TEST(Rtp, HeadersAreValidatedAsRfc3550Says) {
  Bytes csrc = rtp(96, 1, 7, 0);
  csrc[0] = 0x82;  // two CSRCs announced, none present
  EXPECT_EQ(classify(csrc), PacketKind::kInvalid);
  Bytes ext = rtp(96, 1, 7, 8);
  ext[0] = 0x90;  // extension: id 0, length 1 word (4 bytes) -> fits in 8 payload bytes
  ext[12] = 0, ext[13] = 0, ext[14] = 0, ext[15] = 1;
  EXPECT_EQ(classify(ext), PacketKind::kRtp);
  ext[15] = 9;  // 36 bytes of extension: past the end
  EXPECT_EQ(classify(ext), PacketKind::kInvalid);
  Bytes pad = rtp(96, 1, 7, 4);
  pad[0] = 0xa0;
  pad.back() = 0;  // padding count 0 is invalid
  EXPECT_EQ(classify(pad), PacketKind::kInvalid);
  pad.back() = 4;
  EXPECT_EQ(classify(pad), PacketKind::kRtp);
  Bytes v1 = rtp(96, 1, 7);
  v1[0] = 0x40;
  EXPECT_EQ(classify(v1), PacketKind::kInvalid);
  EXPECT_EQ(classify(Bytes{0x80, 0x60}), PacketKind::kInvalid);
}

TEST(Rtp, TheWeakProbeWantsAnAssignedPayloadTypeAndAPayload) {
  const auto p = [](const Bytes& b) { return probe(Direction::kToServer, ByteView(b)); };
  // nDPI rtp.pcapng frame 1: 80 22 01 10 ... (H.263, PT 34, seq 272, SSRC 0x1646).
  Bytes h263 = {0x80, 0x22, 0x01, 0x10, 0x00, 0x03, 0x4a, 0x2c, 0x00, 0x00, 0x16, 0x46};
  h263.resize(1452, 0);
  EXPECT_EQ(p(h263), Probe::kYes);
  EXPECT_EQ(p(rtp(96, 1, 7)), Probe::kYes);
  EXPECT_EQ(p(rtcp_rr(7)), Probe::kYes);
  EXPECT_EQ(p(rtp(1, 1, 7)), Probe::kNo);      // PT 1 is reserved (RFC 3551 Table 4)
  EXPECT_EQ(p(rtp(50, 1, 7)), Probe::kNo);     // unassigned
  EXPECT_EQ(p(rtp(96, 1, 7, 0)), Probe::kNo);  // no payload
  // A DNS query with ID 0x9c3e and RD set: 9c 3e 01 00 -> "version 2, PT 62": unassigned.
  EXPECT_EQ(p(Bytes{0x9c, 0x3e, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 3, 'w',
                    'w', 'w'}),
            Probe::kNo);
  // STUN binding request (RFC 8489): first two bits 00.
  EXPECT_EQ(p(Bytes{0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42, 1, 2, 3, 4, 5}), Probe::kNo);
}

TEST(Rtp, TheLogRecordNamesTheRtspConnectionAndTheSource) {
  RtpStream s;
  s.ssrc = 0xB1964B48;
  s.sender = Direction::kToClient;
  s.transport = "udp";
  s.payload_type = 96;
  s.packets = 5;
  s.bytes = 160;
  s.first_seq = 100;
  s.last_seq = 105;
  s.expected = 6;
  s.lost = 1;
  s.first_ts = 2 * kNsPerSec;
  s.last_ts = 3 * kNsPerSec;
  bus::EventContext ctx;
  ctx.uid = "CUDPFLOW";
  ctx.parent_uid = "CRTSPCONN";
  std::string line;
  RtpLog::format(line, ctx, s);
  const auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["uid"], "CUDPFLOW");
  EXPECT_EQ(j["rtsp_uid"], "CRTSPCONN");
  EXPECT_EQ(j["ssrc"], "0xb1964b48");
  EXPECT_EQ(j["payload_type"], 96);
  EXPECT_EQ(j["packets"], 5);
  EXPECT_EQ(j["bytes"], 160);
  EXPECT_EQ(j["lost"], 1);
  EXPECT_EQ(j["expected"], 6);
  EXPECT_EQ(j["sender"], "resp");
  EXPECT_EQ(j["transport"], "udp");
  EXPECT_DOUBLE_EQ(j["duration"].get<double>(), 1.0);
}

}  // namespace
}  // namespace ward::parsers::rtp
