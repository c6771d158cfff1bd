#include "decode/decoder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "decode/testing/frame_builder.h"

namespace ward::decode {
namespace {

using testing::Bytes;
using testing::ip;

constexpr int kEther = 1;
constexpr int kRaw = 12;
constexpr int kSll = 113;
constexpr int kSll2 = 276;
constexpr int kNull = 0;

struct Harness {
  std::vector<std::string> anomalies;
  Decoder decoder{Limits{},
                  [this](std::string_view id, const Packet&) { anomalies.emplace_back(id); }};
  Packet p;
  Bytes frame;  // kept: the packet's views point into it
  DecodeResult run(int link, Bytes f, TimeNs ts = 1'000 * kNsPerSec) {
    frame = std::move(f);
    return decoder.decode(link, ts, static_cast<std::uint32_t>(frame.size()), ByteView(frame), p);
  }
};

Bytes tcp_ipv4_frame(std::vector<std::uint16_t> vlans = {}) {
  testing::TcpSpec t;
  t.sport = 40001;
  t.dport = 2575;
  t.seq = 7;
  t.ack = 9;
  t.payload = testing::bytes_of("\x0bMSH|");
  return testing::ethernet(
      testing::ipv4(ip("10.0.0.1"), ip("10.0.0.2"), 6, testing::tcp_segment(t)), 0x0800,
      std::move(vlans));
}

TEST(Decoder, EthernetIpv4TcpFieldsAndPayload) {
  Harness h;
  ASSERT_EQ(h.run(kEther, tcp_ipv4_frame()), DecodeResult::kOk);
  EXPECT_TRUE(h.p.has_ethernet);
  EXPECT_EQ(h.p.src_mac.to_string(), "02:00:00:00:00:01");
  EXPECT_EQ(h.p.l3, L3::kIpv4);
  EXPECT_EQ(h.p.src.to_string(), "10.0.0.1");
  EXPECT_EQ(h.p.dst.to_string(), "10.0.0.2");
  EXPECT_EQ(h.p.proto, bus::Transport::kTcp);
  EXPECT_EQ(h.p.src_port, 40001);
  EXPECT_EQ(h.p.dst_port, 2575);
  EXPECT_EQ(h.p.seq, 7u);
  EXPECT_EQ(h.p.ack, 9u);
  EXPECT_EQ(as_chars(h.p.payload), "\x0bMSH|");
  EXPECT_EQ(h.p.ip_bytes, 20u + 20u + 5u);
  EXPECT_TRUE(h.anomalies.empty());
}

TEST(Decoder, VlanAndQinqTagsAreRecordedOuterFirst) {
  Harness h;
  ASSERT_EQ(h.run(kEther, tcp_ipv4_frame({100})), DecodeResult::kOk);
  EXPECT_EQ(h.p.vlan_count, 1);
  EXPECT_EQ(h.p.vlan[0], 100);
  ASSERT_EQ(h.run(kEther, tcp_ipv4_frame({200, 300})), DecodeResult::kOk);
  EXPECT_EQ(h.p.vlan_count, 2);
  EXPECT_EQ(h.p.vlan[0], 200);
  EXPECT_EQ(h.p.vlan[1], 300);
  EXPECT_EQ(h.p.dst_port, 2575);
}

TEST(Decoder, LinuxCookedV1AndV2CarryTheSourceMac) {
  const Bytes ip4 =
      testing::ipv4(ip("10.0.0.1"), ip("10.0.0.2"), 17, testing::udp_datagram(5353, 5353, {1, 2}));
  Bytes sll{0, 0, 0, 1, 0, 6, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0, 0, 0x08, 0x00};
  sll.insert(sll.end(), ip4.begin(), ip4.end());
  Harness h;
  ASSERT_EQ(h.run(kSll, sll), DecodeResult::kOk);
  EXPECT_EQ(h.p.src_mac.to_string(), "aa:bb:cc:dd:ee:ff");
  EXPECT_EQ(h.p.proto, bus::Transport::kUdp);

  Bytes sll2{0x08, 0x00, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0, 0};
  sll2.insert(sll2.end(), ip4.begin(), ip4.end());
  ASSERT_EQ(h.run(kSll2, sll2), DecodeResult::kOk);
  EXPECT_EQ(h.p.src_mac.to_string(), "11:22:33:44:55:66");
  EXPECT_EQ(h.p.dst_port, 5353);
}

TEST(Decoder, RawIpAndBsdLoopbackLinkTypes) {
  const Bytes ip6 =
      testing::ipv6(ip("fe80::1"), ip("fe80::2"), 17, testing::udp_datagram(546, 547, {9}));
  Harness h;
  ASSERT_EQ(h.run(kRaw, ip6), DecodeResult::kOk);
  EXPECT_EQ(h.p.l3, L3::kIpv6);
  EXPECT_EQ(h.p.src.to_string(), "fe80::1");
  EXPECT_EQ(h.p.dst_port, 547);
  Bytes null{2, 0, 0, 0};  // AF_INET, host byte order (little endian capture)
  const Bytes ip4 =
      testing::ipv4(ip("127.0.0.1"), ip("127.0.0.1"), 17, testing::udp_datagram(1, 2, {}));
  null.insert(null.end(), ip4.begin(), ip4.end());
  ASSERT_EQ(h.run(kNull, null), DecodeResult::kOk);
  EXPECT_EQ(h.p.src.to_string(), "127.0.0.1");
}

TEST(Decoder, Ipv4OptionsAreSkipped) {
  Harness h;
  const Bytes opts{0x94, 0x04, 0x00, 0x00};  // Router Alert
  const Bytes frame = testing::ethernet(testing::ipv4(
      ip("10.0.0.1"), ip("224.0.0.22"), 17, testing::udp_datagram(1, 2, {7}), 1, 0, opts));
  ASSERT_EQ(h.run(kEther, frame), DecodeResult::kOk);
  EXPECT_EQ(h.p.dst_port, 2);
  EXPECT_EQ(h.p.payload.size(), 1u);
}

TEST(Decoder, EthernetPaddingIsNotPayload) {
  Harness h;
  Bytes frame = testing::ethernet(
      testing::ipv4(ip("10.0.0.1"), ip("10.0.0.2"), 17, testing::udp_datagram(1, 2, {})));
  frame.resize(60, 0);  // minimum Ethernet frame size
  ASSERT_EQ(h.run(kEther, frame), DecodeResult::kOk);
  EXPECT_TRUE(h.p.payload.empty());
}

TEST(Decoder, Ipv6ExtensionHeadersAreWalked) {
  // Hop-by-hop (8 bytes) then destination options (8 bytes) then TCP.
  testing::TcpSpec t;
  t.payload = testing::bytes_of("hi");
  const Bytes tcp = testing::tcp_segment(t);
  Bytes chain{60, 0, 0, 0, 0, 0, 0, 0, /*dest opts*/ 6, 0, 0, 0, 0, 0, 0, 0};
  chain.insert(chain.end(), tcp.begin(), tcp.end());
  Harness h;
  ASSERT_EQ(
      h.run(kEther, testing::ethernet(testing::ipv6(ip("2001:db8::1"), ip("2001:db8::2"), 0, chain),
                                      0x86dd)),
      DecodeResult::kOk);
  EXPECT_EQ(h.p.proto, bus::Transport::kTcp);
  EXPECT_EQ(as_chars(h.p.payload), "hi");
}

TEST(Decoder, Ipv4FragmentsAreReassembledInAnyOrder) {
  const Bytes udp = testing::udp_datagram(1000, 2000, Bytes(40, 'x'));  // 48 bytes
  const Bytes first(udp.begin(), udp.begin() + 24);
  const Bytes second(udp.begin() + 24, udp.end());
  Harness h;
  // Second fragment first (offset 24 = 3 units, MF=0), then the first (MF=1).
  ASSERT_EQ(h.run(kEther, testing::ethernet(
                              testing::ipv4(ip("10.0.0.1"), ip("10.0.0.2"), 17, second, 77, 3))),
            DecodeResult::kHeld);
  ASSERT_EQ(h.run(kEther, testing::ethernet(testing::ipv4(ip("10.0.0.1"), ip("10.0.0.2"), 17, first,
                                                          77, 0x2000))),
            DecodeResult::kOk);
  EXPECT_TRUE(h.p.reassembled);
  EXPECT_EQ(h.p.dst_port, 2000);
  EXPECT_EQ(h.p.payload.size(), 40u);
  EXPECT_EQ(h.decoder.stats().reassembled, 1u);
  EXPECT_EQ(h.decoder.fragment_bytes_held(), 0u);
}

TEST(Decoder, OverlappingFragmentsKeepTheFirstBytesAndAreReported) {
  Bytes data(32, 'a');
  const Bytes udp = testing::udp_datagram(1, 2, data);  // 40 bytes
  Harness h;
  const Bytes f1(udp.begin(), udp.begin() + 24);
  Bytes f2(udp.begin() + 16, udp.end());  // overlaps 16..24
  std::fill(f2.begin(), f2.begin() + 8, 'Z');
  ASSERT_EQ(h.run(kEther, testing::ethernet(
                              testing::ipv4(ip("10.0.0.1"), ip("10.0.0.2"), 17, f1, 5, 0x2000))),
            DecodeResult::kHeld);
  ASSERT_EQ(
      h.run(kEther, testing::ethernet(testing::ipv4(ip("10.0.0.1"), ip("10.0.0.2"), 17, f2, 5, 2))),
      DecodeResult::kOk);
  EXPECT_EQ(as_chars(h.p.payload), std::string(32, 'a'));
  EXPECT_EQ(h.anomalies, std::vector<std::string>{"decode.ip_fragment_overlap"});
}

TEST(Decoder, FragmentsThatNeverCompleteTimeOutAndFreeTheirMemory) {
  Harness h;
  const Bytes piece(16, 'q');
  ASSERT_EQ(
      h.run(kEther,
            testing::ethernet(testing::ipv4(ip("10.0.0.1"), ip("10.0.0.2"), 17, piece, 9, 0x2000)),
            1 * kNsPerSec),
      DecodeResult::kHeld);
  EXPECT_EQ(h.decoder.fragment_bytes_held(), 16u);
  (void)h.run(kEther, tcp_ipv4_frame(), 100 * kNsPerSec);
  EXPECT_EQ(h.decoder.fragment_bytes_held(), 0u);
  EXPECT_EQ(h.anomalies, std::vector<std::string>{"decode.ip_fragment_timeout"});
}

TEST(Decoder, FragmentMemoryIsBounded) {
  std::vector<std::string> anomalies;
  Decoder d(Limits{.max_fragment_bytes = 100},
            [&](std::string_view id, const Packet&) { anomalies.emplace_back(id); });
  Packet p;
  for (std::uint16_t id = 0; id < 10; ++id) {
    const Bytes f = testing::ethernet(
        testing::ipv4(ip("10.0.0.1"), ip("10.0.0.2"), 17, Bytes(40, 'x'), id, 0x2000));
    (void)d.decode(kEther, kNsPerSec, static_cast<std::uint32_t>(f.size()), ByteView(f), p);
  }
  EXPECT_LE(d.fragment_bytes_held(), 100u);
  EXPECT_GE(d.stats().fragments_dropped, 1u);
  ASSERT_FALSE(anomalies.empty());
  EXPECT_EQ(anomalies.front(), "decode.fragment_limit");
}

TEST(Decoder, ArpRequestFields) {
  Harness h;
  const Bytes frame = testing::ethernet(
      testing::arp(1, "02:00:00:00:00:0a", ip("10.0.0.10"), "00:00:00:00:00:00", ip("10.0.0.1")),
      0x0806);
  ASSERT_EQ(h.run(kEther, frame), DecodeResult::kOk);
  EXPECT_EQ(h.p.l3, L3::kArp);
  EXPECT_EQ(h.p.arp_op, 1);
  EXPECT_EQ(h.p.arp_sha.to_string(), "02:00:00:00:00:0a");
  EXPECT_EQ(h.p.arp_spa.to_string(), "10.0.0.10");
  EXPECT_EQ(h.p.arp_tpa.to_string(), "10.0.0.1");
}

TEST(Decoder, IcmpEchoRequestAndReplyShareAPortPair) {
  Harness h;
  ASSERT_EQ(h.run(kEther, testing::ethernet(testing::ipv4(ip("10.0.0.1"), ip("10.0.0.2"), 1,
                                                          testing::icmp_message(8, 0, {})))),
            DecodeResult::kOk);
  EXPECT_EQ(h.p.src_port, 8);
  EXPECT_EQ(h.p.dst_port, 0);
  ASSERT_EQ(h.run(kEther, testing::ethernet(testing::ipv4(ip("10.0.0.2"), ip("10.0.0.1"), 1,
                                                          testing::icmp_message(0, 0, {})))),
            DecodeResult::kOk);
  EXPECT_EQ(h.p.src_port, 0);
  EXPECT_EQ(h.p.dst_port, 8);
}

// Every error path: each truncation or bad field yields kMalformed and its anomaly id.
TEST(Decoder, MalformedHeadersAreReportedNotRead) {
  struct Case {
    const char* name;
    int link;
    Bytes frame;
    const char* anomaly;
  };
  Bytes bad_ihl = testing::ipv4(ip("10.0.0.1"), ip("10.0.0.2"), 6, {});
  bad_ihl[0] = 0x44;  // IHL 4 < 5
  Bytes bad_total =
      testing::ipv4(ip("10.0.0.1"), ip("10.0.0.2"), 17, testing::udp_datagram(1, 2, {}));
  bad_total[2] = 0;
  bad_total[3] = 10;  // total length below the header length
  testing::TcpSpec t;
  Bytes bad_off = testing::tcp_segment(t);
  bad_off[12] = 0xf0;  // data offset 60 bytes > segment
  Bytes udp_len = testing::udp_datagram(1, 2, {});
  udp_len[5] = 3;  // UDP length 3 < 8
  const std::vector<Case> cases = {
      {"ethernet", kEther, Bytes(10, 0), "decode.ethernet_truncated"},
      {"vlan", kEther, Bytes{0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2, 0x81, 0x00, 0x00},
       "decode.vlan_truncated"},
      {"ipv4 short", kEther, testing::ethernet(Bytes(12, 0x45)), "decode.ipv4_truncated"},
      {"ipv4 ihl", kEther, testing::ethernet(bad_ihl), "decode.ipv4_bad_header_length"},
      {"ipv4 total", kEther, testing::ethernet(bad_total), "decode.ipv4_bad_total_length"},
      {"tcp short", kEther,
       testing::ethernet(testing::ipv4(ip("10.0.0.1"), ip("10.0.0.2"), 6, Bytes(10, 0))),
       "decode.tcp_truncated"},
      {"tcp offset", kEther,
       testing::ethernet(testing::ipv4(ip("10.0.0.1"), ip("10.0.0.2"), 6, bad_off)),
       "decode.tcp_bad_offset"},
      {"udp length", kEther,
       testing::ethernet(testing::ipv4(ip("10.0.0.1"), ip("10.0.0.2"), 17, udp_len)),
       "decode.udp_bad_length"},
      {"ipv6 short", kEther, testing::ethernet(Bytes(20, 0x60), 0x86dd), "decode.ipv6_truncated"},
      {"ipv6 ext", kEther,
       testing::ethernet(testing::ipv6(ip("::1"), ip("::2"), 0, Bytes{6, 5, 0, 0}), 0x86dd),
       "decode.ipv6_ext_truncated"},
      {"arp", kEther, testing::ethernet(Bytes{0, 1, 8, 0, 6, 4, 0, 1, 1, 2}, 0x0806),
       "decode.arp_truncated"},
      {"raw version", kRaw, Bytes{0x50, 0, 0, 0}, "decode.ip_bad_version"},
      {"sll", kSll, Bytes(10, 0), "decode.sll_truncated"},
      {"sll2", kSll2, Bytes(12, 0), "decode.sll2_truncated"},
  };
  for (const Case& c : cases) {
    Harness h;
    EXPECT_EQ(h.run(c.link, c.frame), DecodeResult::kMalformed) << c.name;
    EXPECT_EQ(h.anomalies, std::vector<std::string>{c.anomaly}) << c.name;
  }
}

TEST(Decoder, UnknownLinkAndEthertypesAreCountedNotMalformed) {
  Harness h;
  EXPECT_EQ(h.run(147, Bytes(20, 0)), DecodeResult::kUnsupported);
  EXPECT_EQ(h.run(kEther, testing::ethernet(Bytes(20, 0), 0x88cc)),
            DecodeResult::kUnsupported);  // LLDP
  EXPECT_EQ(h.decoder.stats().unsupported, 2u);
  EXPECT_TRUE(h.anomalies.empty());
}

}  // namespace
}  // namespace ward::decode
