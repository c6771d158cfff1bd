#include "flow/flow_table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "bus/anomaly.h"
#include "decode/decoder.h"
#include "decode/testing/frame_builder.h"
#include "flow/flow_events.h"

namespace ward::flow {
namespace {

using decode::testing::Bytes;
using decode::testing::bytes_of;
using decode::testing::ip;

// What the test parser saw, per direction.
struct Seen {
  std::string stream[2];
  int ends = 0;
};

// Consumes everything; records bytes and gaps. Claims flows whose first bytes are "TEST".
class RecordingParser : public parsers::StreamParser {
 public:
  explicit RecordingParser(Seen& seen, parsers::EventSink& sink) : seen_(seen), sink_(sink) {}
  Result<parsers::Progress, parsers::ParseError> on_data(bus::Direction d,
                                                         ByteView in) noexcept override {
    if (!confirmed_) {
      sink_.confirm_protocol();
      confirmed_ = true;
    }
    seen_.stream[bus::index(d)].append(as_chars(in));
    return parsers::Progress{static_cast<std::uint32_t>(in.size()), 0};
  }
  void on_gap(bus::Direction d, std::uint64_t n) noexcept override {
    seen_.stream[bus::index(d)] += "[gap " + std::to_string(n) + "]";
  }
  void on_end(bus::Direction) noexcept override { ++seen_.ends; }

 private:
  Seen& seen_;
  parsers::EventSink& sink_;
  bool confirmed_ = false;
};

Seen* g_seen = nullptr;  // the spec's factory reaches the test's recorder through this

// Records datagrams as "dir:payload" and the end of the flow.
class RecordingDatagramParser : public parsers::DatagramParser {
 public:
  RecordingDatagramParser(Seen& seen, parsers::EventSink& sink) : seen_(seen), sink_(sink) {}
  void on_datagram(bus::Direction d, ByteView payload) noexcept override {
    sink_.confirm_protocol();
    seen_.stream[bus::index(d)] += "[" + std::string(as_chars(payload)) + "]";
  }
  void on_end() noexcept override { ++seen_.ends; }

 private:
  Seen& seen_;
  parsers::EventSink& sink_;
};

class RecordingFactory : public parsers::ParserFactory {
 public:
  std::unique_ptr<parsers::StreamParser> make(parsers::EventSink& sink) const override {
    return std::make_unique<RecordingParser>(*g_seen, sink);
  }
  std::unique_ptr<parsers::DatagramParser> make_datagram(parsers::EventSink& sink) const override {
    return std::make_unique<RecordingDatagramParser>(*g_seen, sink);
  }
};

parsers::Probe probe_test(bus::Direction, ByteView b) noexcept {
  const std::string_view s = as_chars(b);
  if (s.size() < 4)
    return std::string_view("TEST").substr(0, s.size()) == s ? parsers::Probe::kMaybe
                                                             : parsers::Probe::kNo;
  return s.substr(0, 4) == "TEST" ? parsers::Probe::kYes : parsers::Probe::kNo;
}

parsers::Probe udp_probe_test(bus::Direction, ByteView b) noexcept {
  return as_chars(b).substr(0, 4) == "UDPX" ? parsers::Probe::kYes : parsers::Probe::kNo;
}

constexpr std::array<std::uint16_t, 1> kTestPorts{7777};
constexpr std::array<std::uint16_t, 1> kTestUdpPorts{9999};
constexpr parsers::ParserSpec kTestSpec{"testproto", kTestPorts,    &probe_test,    nullptr,
                                        nullptr,     kTestUdpPorts, &udp_probe_test};

struct Collector : bus::Subscriber {
  std::vector<std::map<std::string, std::string>> conns;
  std::vector<std::string> anomalies;
  void on_event(const bus::EventContext& ctx, const bus::Event& e) override {
    if (const auto* r = bus::event_cast<ConnRecord>(e)) {
      conns.push_back({{"uid", std::string(ctx.uid)},
                       {"orig", ctx.orig_h.to_string() + ":" + std::to_string(ctx.orig_p)},
                       {"resp", ctx.resp_h.to_string() + ":" + std::to_string(ctx.resp_p)},
                       {"service", std::string(ctx.service)},
                       {"state", std::string(r->conn_state)},
                       {"history", std::string(r->history)},
                       {"reason", std::string(r->end_reason)},
                       {"orig_bytes", std::to_string(r->orig_bytes)},
                       {"resp_bytes", std::to_string(r->resp_bytes)},
                       {"orig_pkts", std::to_string(r->orig_pkts)},
                       {"resp_pkts", std::to_string(r->resp_pkts)},
                       {"missed", std::to_string(r->missed_bytes)},
                       {"partial", r->partial ? "1" : "0"},
                       {"parent", std::string(ctx.parent_uid)}});
    } else if (const auto* a = bus::event_cast<bus::AnomalyEvent>(e)) {
      anomalies.emplace_back(a->id);
    } else if (const auto* f = bus::event_cast<FlowStart>(e)) {
      starts.emplace_back(std::string(ctx.uid), ctx.orig_h.to_string() + ":" +
                                                    std::to_string(ctx.orig_p) + ">" +
                                                    std::to_string(ctx.resp_p) + " flags " +
                                                    std::to_string(f->tcp_flags));
    }
  }
  std::vector<std::pair<std::string, std::string>> starts;  // uid, description
};

struct Harness {
  Seen seen;
  Collector collector;
  bus::EventBus bus;
  std::vector<ParserBinding> parsers;
  std::unique_ptr<FlowTable> table;
  decode::Decoder decoder{decode::Limits{}, nullptr};

  explicit Harness(Config cfg = {}) {
    g_seen = &seen;
    bus.subscribe(collector);
    parsers.push_back({&kTestSpec, std::make_unique<RecordingFactory>()});
    table = std::make_unique<FlowTable>(cfg, bus, parsers);
  }
  void feed(const std::vector<decode::testing::PcapRecord>& records) {
    for (const auto& r : records) {
      decode::Packet p;
      ASSERT_EQ(decoder.decode(1, r.ts_us * 1000, static_cast<std::uint32_t>(r.frame.size()),
                               ByteView(r.frame), p),
                decode::DecodeResult::kOk);
      table->process(p);
    }
  }
  void packet(const Bytes& frame, TimeNs ts) {
    decode::Packet p;
    ASSERT_EQ(decoder.decode(1, ts, static_cast<std::uint32_t>(frame.size()), ByteView(frame), p),
              decode::DecodeResult::kOk);
    table->process(p);
  }
};

Bytes tcp_frame(const char* src, std::uint16_t sport, const char* dst, std::uint16_t dport,
                std::uint32_t seq, std::uint32_t ack, std::uint8_t flags,
                std::string_view payload = {}) {
  decode::testing::TcpSpec t;
  t.sport = sport;
  t.dport = dport;
  t.seq = seq;
  t.ack = ack;
  t.flags = flags;
  t.payload = bytes_of(payload);
  return decode::testing::ethernet(
      decode::testing::ipv4(ip(src), ip(dst), 6, decode::testing::tcp_segment(t)));
}

TEST(FlowTable, ACompleteConversationGivesOneZeekStyleConnRecord) {
  Harness h;
  h.feed(decode::testing::tcp_conversation(ip("10.0.0.1"), 40000, ip("10.0.0.2"), 7777,
                                           {bytes_of("TEST hello"), bytes_of("hi back")}));
  h.table->flush_all();
  ASSERT_EQ(h.collector.conns.size(), 1u);
  auto& c = h.collector.conns[0];
  EXPECT_EQ(c["orig"], "10.0.0.1:40000");
  EXPECT_EQ(c["resp"], "10.0.0.2:7777");
  EXPECT_EQ(c["state"], "SF");
  EXPECT_EQ(c["history"], "ShADadFf");
  EXPECT_EQ(c["orig_bytes"], "10");
  EXPECT_EQ(c["resp_bytes"], "7");
  EXPECT_EQ(c["service"], "testproto");
  EXPECT_EQ(c["uid"].size(), 18u);
  EXPECT_EQ(c["uid"][0], 'C');
  EXPECT_EQ(h.seen.stream[0], "TEST hello");
  EXPECT_EQ(h.seen.stream[1], "hi back");
  EXPECT_EQ(h.seen.ends, 2);
}

TEST(FlowTable, EachNewFlowIsAnnouncedOnceWithItsFirstPacketsFlags) {
  Harness h;
  h.feed(decode::testing::tcp_conversation(ip("10.0.0.1"), 40000, ip("10.0.0.2"), 7777,
                                           {bytes_of("TEST hello"), bytes_of("hi back")}));
  h.packet(tcp_frame("10.0.0.9", 50000, "10.0.0.2", 3390, 1, 0, 0x01), 5 * kNsPerSec);  // FIN
  h.table->flush_all();
  ASSERT_EQ(h.collector.starts.size(), 2u);
  EXPECT_EQ(h.collector.starts[0].second, "10.0.0.1:40000>7777 flags 2");  // SYN
  EXPECT_EQ(h.collector.starts[1].second, "10.0.0.9:50000>3390 flags 1");
  ASSERT_EQ(h.collector.conns.size(), 2u);
  EXPECT_EQ(h.collector.starts[0].first, h.collector.conns[0]["uid"]);
}

TEST(FlowTable, ContentProbingFindsTheProtocolOnAnyPort) {
  Harness h;
  h.feed(decode::testing::tcp_conversation(ip("10.0.0.1"), 40000, ip("10.0.0.2"), 12345,
                                           {bytes_of("TEST x")}));
  h.table->flush_all();
  EXPECT_EQ(h.collector.conns.at(0)["service"], "testproto");
  EXPECT_EQ(h.seen.stream[0], "TEST x");
}

TEST(FlowTable, FlowsNoParserClaimsAreNotReassembled) {
  Harness h;
  h.feed(decode::testing::tcp_conversation(ip("10.0.0.1"), 40000, ip("10.0.0.2"), 12345,
                                           {bytes_of("GET / HTTP/1.1\r\n\r\n")}));
  h.table->flush_all();
  EXPECT_EQ(h.collector.conns.at(0)["service"], "");
  EXPECT_EQ(h.collector.conns.at(0)["orig_bytes"], "18");
  EXPECT_EQ(h.table->stats().parsers_attached, 0u);
  EXPECT_TRUE(h.seen.stream[0].empty());
}

TEST(FlowTable, TheRegisteredPortSelectsTheParserWhenContentCannotTell) {
  Harness h;
  h.feed(decode::testing::tcp_conversation(ip("10.0.0.1"), 40000, ip("10.0.0.2"), 7777,
                                           {bytes_of("xyz")}));
  h.table->flush_all();
  EXPECT_EQ(h.seen.stream[0], "xyz");
}

TEST(FlowTable, OutOfOrderSegmentsReachTheParserInOrder) {
  Harness h;
  const TimeNs t0 = 1'000 * kNsPerSec;
  h.packet(tcp_frame("10.0.0.1", 40000, "10.0.0.2", 7777, 100, 0, 0x02), t0);
  h.packet(tcp_frame("10.0.0.2", 7777, "10.0.0.1", 40000, 500, 101, 0x12), t0 + 1);
  h.packet(tcp_frame("10.0.0.1", 40000, "10.0.0.2", 7777, 105, 501, 0x18, "BBBB"), t0 + 2);
  h.packet(tcp_frame("10.0.0.1", 40000, "10.0.0.2", 7777, 101, 501, 0x18, "TEST"), t0 + 3);
  h.table->flush_all();
  EXPECT_EQ(h.seen.stream[0], "TESTBBBB");
}

TEST(FlowTable, BytesTheCaptureMissedReachTheParserAsAGap) {
  Harness h;
  const TimeNs t0 = 1'000 * kNsPerSec;
  h.packet(tcp_frame("10.0.0.1", 40000, "10.0.0.2", 7777, 100, 0, 0x02), t0);
  h.packet(tcp_frame("10.0.0.2", 7777, "10.0.0.1", 40000, 500, 101, 0x12), t0 + 1);
  h.packet(tcp_frame("10.0.0.1", 40000, "10.0.0.2", 7777, 101, 501, 0x18, "TEST"), t0 + 2);
  h.packet(tcp_frame("10.0.0.1", 40000, "10.0.0.2", 7777, 115, 501, 0x18, "late"),
           t0 + 3);                                                                  // 10 lost
  h.packet(tcp_frame("10.0.0.2", 7777, "10.0.0.1", 40000, 501, 119, 0x10), t0 + 4);  // acks all
  h.table->flush_all();
  EXPECT_EQ(h.seen.stream[0], "TEST[gap 10]late");
  EXPECT_EQ(h.collector.conns.at(0)["missed"], "10");
  EXPECT_NE(h.collector.conns.at(0)["history"].find('G'), std::string::npos);
}

TEST(FlowTable, ARejectedConnectionIsREJ) {
  Harness h;
  h.packet(tcp_frame("10.0.0.1", 40000, "10.0.0.2", 81, 100, 0, 0x02), kNsPerSec);
  h.packet(tcp_frame("10.0.0.2", 81, "10.0.0.1", 40000, 0, 101, 0x14), kNsPerSec + 1);
  h.table->flush_all();
  EXPECT_EQ(h.collector.conns.at(0)["state"], "REJ");
  EXPECT_EQ(h.collector.conns.at(0)["history"], "Sr");
}

TEST(FlowTable, AnUnansweredSynIsS0) {
  Harness h;
  h.packet(tcp_frame("10.0.0.1", 40000, "10.0.0.2", 81, 100, 0, 0x02), kNsPerSec);
  h.table->flush_all();
  EXPECT_EQ(h.collector.conns.at(0)["state"], "S0");
}

TEST(FlowTable, MidstreamTrafficFromAServerPortMakesTheClientTheOriginator) {
  Harness h;
  h.packet(tcp_frame("10.0.0.2", 7777, "10.0.0.1", 40000, 500, 101, 0x18, "TESTreply"), kNsPerSec);
  h.packet(tcp_frame("10.0.0.1", 40000, "10.0.0.2", 7777, 101, 509, 0x18, "req"), kNsPerSec + 1);
  h.table->flush_all();
  auto& c = h.collector.conns.at(0);
  EXPECT_EQ(c["orig"], "10.0.0.1:40000");
  EXPECT_EQ(c["state"], "OTH");
  EXPECT_EQ(c["history"].front(), '^');
  EXPECT_EQ(h.seen.stream[1], "TESTreply");
  EXPECT_EQ(h.seen.stream[0], "req");
}

TEST(FlowTable, IdleFlowsEndByPacketTime) {
  Harness h;
  const Bytes udp = decode::testing::ethernet(decode::testing::ipv4(
      ip("10.0.0.1"), ip("10.0.0.2"), 17, decode::testing::udp_datagram(5000, 53, bytes_of("q"))));
  h.packet(udp, 10 * kNsPerSec);
  h.packet(tcp_frame("10.0.0.3", 1, "10.0.0.4", 2, 1, 0, 0x02), 50 * kNsPerSec);
  EXPECT_TRUE(h.collector.conns.empty());
  h.packet(tcp_frame("10.0.0.3", 1, "10.0.0.4", 2, 1, 0, 0x02), 71 * kNsPerSec);
  ASSERT_EQ(h.collector.conns.size(), 1u);
  EXPECT_EQ(h.collector.conns[0]["resp"], "10.0.0.2:53");
  EXPECT_EQ(h.collector.conns[0]["reason"], "idle_timeout");
  EXPECT_EQ(h.collector.conns[0]["state"], "S0");
}

TEST(FlowTable, LongFlowsGetPartialRecordsAtTheActiveTimeout) {
  Config cfg;
  cfg.active_timeout = 10 * kNsPerSec;
  Harness h(cfg);
  for (int i = 0; i < 25; ++i) {
    h.packet(decode::testing::ethernet(
                 decode::testing::ipv4(ip("10.0.0.1"), ip("10.0.0.2"), 17,
                                       decode::testing::udp_datagram(5000, 9999, bytes_of("x")))),
             (100 + i) * kNsPerSec);
  }
  h.table->flush_all();
  ASSERT_EQ(h.collector.conns.size(), 3u);
  EXPECT_EQ(h.collector.conns[0]["partial"], "1");
  EXPECT_EQ(h.collector.conns[0]["uid"], h.collector.conns[2]["uid"]);
  EXPECT_EQ(h.collector.conns[2]["partial"], "0");
  int pkts = 0;
  for (auto& c : h.collector.conns) pkts += std::stoi(c["orig_pkts"]);
  EXPECT_EQ(pkts, 25);
}

TEST(FlowTable, AFullTableEvictsTheLeastRecentlyActiveFlowAndSaysSo) {
  Config cfg;
  cfg.max_flows = 3;
  Harness h(cfg);
  for (int i = 0; i < 5; ++i) {
    h.packet(
        tcp_frame("10.0.0.1", static_cast<std::uint16_t>(40000 + i), "10.0.0.2", 81, 1, 0, 0x02),
        kNsPerSec + i);
  }
  EXPECT_EQ(h.table->stats().flows_evicted, 2u);
  EXPECT_EQ(h.table->stats().active_flows, 3u);
  ASSERT_EQ(h.collector.conns.size(), 2u);
  EXPECT_EQ(h.collector.conns[0]["orig"], "10.0.0.1:40000");
  EXPECT_EQ(h.collector.conns[0]["reason"], "evicted");
  EXPECT_EQ(h.collector.conns[1]["orig"], "10.0.0.1:40001");
  EXPECT_EQ(h.collector.anomalies, (std::vector<std::string>{"flow.evicted", "flow.evicted"}));
}

Bytes udp_frame(const char* src, std::uint16_t sport, const char* dst, std::uint16_t dport,
                std::string_view payload) {
  return decode::testing::ethernet(decode::testing::ipv4(
      ip(src), ip(dst), 17, decode::testing::udp_datagram(sport, dport, bytes_of(payload))));
}

TEST(FlowTable, DatagramsReachTheUdpParserChosenByPortOneAtATime) {
  Harness h;
  h.packet(udp_frame("10.0.0.1", 40000, "10.0.0.2", 9999, "query"), kNsPerSec);
  h.packet(udp_frame("10.0.0.2", 9999, "10.0.0.1", 40000, "answer"), kNsPerSec + 1);
  h.packet(udp_frame("10.0.0.1", 40000, "10.0.0.2", 9999, "again"), kNsPerSec + 2);
  h.table->flush_all();
  EXPECT_EQ(h.seen.stream[0], "[query][again]");
  EXPECT_EQ(h.seen.stream[1], "[answer]");
  EXPECT_EQ(h.seen.ends, 1);
  ASSERT_EQ(h.collector.conns.size(), 1u);
  EXPECT_EQ(h.collector.conns[0]["service"], "testproto");
  EXPECT_EQ(h.collector.conns[0]["state"], "SF");
}

TEST(FlowTable, DatagramsAreRecognisedByContentOnAnyPort) {
  Harness h;
  h.packet(udp_frame("10.0.0.1", 40000, "10.0.0.2", 4444, "UDPX hello"), kNsPerSec);
  h.packet(udp_frame("10.0.0.3", 40000, "10.0.0.4", 4444, "other"), kNsPerSec);  // no parser
  h.table->flush_all();
  EXPECT_EQ(h.seen.stream[0], "[UDPX hello]");
  EXPECT_EQ(h.table->stats().parsers_attached, 1u);
  std::map<std::string, std::string> service;
  for (auto& c : h.collector.conns) service[c["orig"]] = c["service"];
  EXPECT_EQ(service["10.0.0.1:40000"], "testproto");
  EXPECT_EQ(service["10.0.0.3:40000"], "");
}

TEST(FlowTable, AnIdleFlowCostsLessThanOneKibibyte) {
  EXPECT_LT(FlowTable::bytes_per_idle_flow(), 1024u);
}

TEST(FlowTable, PortReuseAfterCloseStartsANewFlow) {
  Harness h;
  auto conv =
      decode::testing::tcp_conversation(ip("10.0.0.1"), 40000, ip("10.0.0.2"), 81, {bytes_of("a")});
  h.feed(conv);
  for (auto& r : conv) r.ts_us += 2'000'000;
  h.feed(conv);
  h.table->flush_all();
  ASSERT_EQ(h.collector.conns.size(), 2u);
  EXPECT_NE(h.collector.conns[0]["uid"], h.collector.conns[1]["uid"]);
  EXPECT_EQ(h.collector.conns[0]["state"], "SF");
}

namespace {

// A TCP protocol that announces a UDP flow: "ANNOUNCE <orig port> <resp port>" (0 = any).
class AnnouncingParser : public parsers::StreamParser {
 public:
  explicit AnnouncingParser(parsers::EventSink& sink) : sink_(sink) {}
  Result<parsers::Progress, parsers::ParseError> on_data(bus::Direction,
                                                         ByteView in) noexcept override {
    sink_.confirm_protocol();
    const std::string text(as_chars(in));
    unsigned a = 0, b = 0;
    if (std::sscanf(text.c_str(), "ANNOUNCE %u %u", &a, &b) == 2) {
      parsers::ExpectedFlow e;
      e.parser = "media";
      e.orig_port = static_cast<std::uint16_t>(a);
      e.resp_port = static_cast<std::uint16_t>(b);
      sink_.expect_flow(e);
    }
    return parsers::Progress{static_cast<std::uint32_t>(in.size()), 0};
  }
  void on_gap(bus::Direction, std::uint64_t) noexcept override {}
  void on_end(bus::Direction) noexcept override {}

 private:
  parsers::EventSink& sink_;
};

class AnnouncingFactory : public parsers::ParserFactory {
 public:
  std::unique_ptr<parsers::StreamParser> make(parsers::EventSink& sink) const override {
    return std::make_unique<AnnouncingParser>(sink);
  }
};

parsers::Probe probe_announce(bus::Direction, ByteView b) noexcept {
  return as_chars(b).substr(0, 8) == "ANNOUNCE" ? parsers::Probe::kYes : parsers::Probe::kNo;
}
parsers::Probe weak_probe_media(bus::Direction, ByteView b) noexcept {
  return as_chars(b).substr(0, 4) == "WEAK" ? parsers::Probe::kYes : parsers::Probe::kNo;
}

constexpr parsers::ParserSpec kAnnounceSpec{"announce", {}, &probe_announce, nullptr, nullptr};
// Reachable only through an expectation or its weak probe (no ports, no udp_probe).
constexpr parsers::ParserSpec kMediaSpec{.name = "media",
                                         .tcp_ports = {},
                                         .probe = nullptr,
                                         .configure = nullptr,
                                         .make_log = nullptr,
                                         .udp_ports = {},
                                         .udp_probe = nullptr,
                                         .udp_weak_probe = &weak_probe_media};

struct ExpectHarness : Harness {
  explicit ExpectHarness(Config cfg = {}) : Harness(cfg) {
    parsers.push_back({&kAnnounceSpec, std::make_unique<AnnouncingFactory>()});
    parsers.push_back({&kMediaSpec, std::make_unique<RecordingFactory>()});
    table = std::make_unique<FlowTable>(cfg, bus, parsers);
  }
  void announce(std::string_view text, TimeNs t) {
    packet(tcp_frame("10.0.0.1", 40000, "10.0.0.2", 554, 100, 500, 0x02), t);
    packet(tcp_frame("10.0.0.2", 554, "10.0.0.1", 40000, 500, 101, 0x12), t + 1);
    packet(tcp_frame("10.0.0.1", 40000, "10.0.0.2", 554, 101, 501, 0x18, text), t + 2);
  }
  std::map<std::string, std::string> conn_to(const std::string& resp) {
    for (auto& c : collector.conns)
      if (c["resp"] == resp || c["orig"] == resp) return c;
    return {};
  }
};

}  // namespace

TEST(FlowTable, AnAnnouncedUdpFlowGetsItsParserAndItsParentUid) {
  ExpectHarness h;
  h.announce("ANNOUNCE 50000 6000", kNsPerSec);
  EXPECT_EQ(h.table->expected_flows(), 1u);
  // The media flow starts from the responder's side (server -> client), on no known port.
  h.packet(udp_frame("10.0.0.2", 6000, "10.0.0.1", 50000, "rtp-1"), 2 * kNsPerSec);
  h.packet(udp_frame("10.0.0.2", 6000, "10.0.0.1", 50000, "rtp-2"), 2 * kNsPerSec + 1);
  EXPECT_EQ(h.table->expected_flows(), 0u);  // consumed
  h.table->flush_all();
  ASSERT_EQ(h.collector.conns.size(), 2u);
  const auto tcp = h.conn_to("10.0.0.2:554");
  const auto udp = h.conn_to("10.0.0.1:50000");
  EXPECT_EQ(udp.at("service"), "media");
  EXPECT_EQ(udp.at("parent"), tcp.at("uid"));
  EXPECT_EQ(tcp.at("parent"), "");
  EXPECT_EQ(h.table->stats().expected_flows_matched, 1u);
}

TEST(FlowTable, APortOfZeroInAnExpectationMatchesAnyPort) {
  ExpectHarness h;
  h.announce("ANNOUNCE 50000 0", kNsPerSec);
  h.packet(udp_frame("10.0.0.2", 31337, "10.0.0.1", 50000, "x"), 2 * kNsPerSec);
  h.table->flush_all();
  EXPECT_EQ(h.conn_to("10.0.0.1:50000").at("service"), "media");
}

TEST(FlowTable, OtherEndpointsDoNotMatchAnExpectation) {
  ExpectHarness h;
  h.announce("ANNOUNCE 50000 6000", kNsPerSec);
  h.packet(udp_frame("10.0.0.2", 6001, "10.0.0.1", 50000, "x"), 2 * kNsPerSec);  // other port
  h.packet(udp_frame("10.0.0.3", 6000, "10.0.0.1", 50000, "x"), 2 * kNsPerSec);  // other host
  h.table->flush_all();
  for (auto& c : h.collector.conns) {
    if (c["orig"].find(":554") == std::string::npos &&
        c["resp"].find(":554") == std::string::npos) {
      EXPECT_EQ(c["service"], "") << c["orig"] << " " << c["resp"];
    }
  }
  EXPECT_EQ(h.table->expected_flows(), 1u);
}

TEST(FlowTable, ExpectationsExpireInPacketTime) {
  Config cfg;
  cfg.expected_flow_timeout = 10 * kNsPerSec;
  cfg.tcp_idle_timeout = 3600 * kNsPerSec;
  ExpectHarness h(cfg);
  h.announce("ANNOUNCE 50000 6000", kNsPerSec);
  h.packet(udp_frame("10.0.0.2", 6000, "10.0.0.1", 50000, "late"), 20 * kNsPerSec);
  h.table->flush_all();
  EXPECT_EQ(h.conn_to("10.0.0.1:50000").at("service"), "");
  EXPECT_EQ(h.table->stats().expected_flows_matched, 0u);
}

TEST(FlowTable, AFullExpectationTableDropsTheOldestAndSaysSo) {
  Config cfg;
  cfg.max_expected_flows = 2;
  ExpectHarness h(cfg);
  h.announce("ANNOUNCE 50000 6000", kNsPerSec);
  // Two more announcements on the same connection.
  h.packet(tcp_frame("10.0.0.1", 40000, "10.0.0.2", 554, 120, 501, 0x18, "ANNOUNCE 50002 6002"),
           kNsPerSec + 3);
  h.packet(tcp_frame("10.0.0.1", 40000, "10.0.0.2", 554, 139, 501, 0x18, "ANNOUNCE 50004 6004"),
           kNsPerSec + 4);
  EXPECT_EQ(h.table->expected_flows(), 2u);
  EXPECT_EQ(h.table->stats().expected_flows_dropped, 1u);
  EXPECT_EQ(std::count(h.collector.anomalies.begin(), h.collector.anomalies.end(),
                       "flow.expected_flows_full"),
            1);
  h.packet(udp_frame("10.0.0.2", 6000, "10.0.0.1", 50000, "x"), 2 * kNsPerSec);  // dropped one
  h.packet(udp_frame("10.0.0.2", 6004, "10.0.0.1", 50004, "x"), 2 * kNsPerSec);
  h.table->flush_all();
  EXPECT_EQ(h.conn_to("10.0.0.1:50000").at("service"), "");
  EXPECT_EQ(h.conn_to("10.0.0.1:50004").at("service"), "media");
}

TEST(FlowTable, AWeakProbeRunsAfterPortsOnTheFirstDatagramsBetweenHighPortsOnly) {
  ExpectHarness h;
  // Second datagram matches: still within udp_probe_datagrams (2).
  h.packet(udp_frame("10.0.0.5", 40000, "10.0.0.6", 40002, "keepalive"), kNsPerSec);
  h.packet(udp_frame("10.0.0.5", 40000, "10.0.0.6", 40002, "WEAK 1"), kNsPerSec + 1);
  // Third datagram would match, but the flow was given up after two.
  h.packet(udp_frame("10.0.0.7", 40000, "10.0.0.8", 40002, "a"), kNsPerSec);
  h.packet(udp_frame("10.0.0.7", 40000, "10.0.0.8", 40002, "b"), kNsPerSec + 1);
  h.packet(udp_frame("10.0.0.7", 40000, "10.0.0.8", 40002, "WEAK 3"), kNsPerSec + 2);
  // A privileged port: never offered to weak probes.
  h.packet(udp_frame("10.0.0.9", 40000, "10.0.0.10", 53, "WEAK dns?"), kNsPerSec);
  // A port-registered parser wins over a weak probe.
  h.packet(udp_frame("10.0.0.11", 40000, "10.0.0.12", 9999, "WEAK port"), kNsPerSec);
  h.table->flush_all();
  EXPECT_EQ(h.conn_to("10.0.0.6:40002").at("service"), "media");
  EXPECT_EQ(h.conn_to("10.0.0.8:40002").at("service"), "");
  EXPECT_EQ(h.conn_to("10.0.0.10:53").at("service"), "");
  EXPECT_EQ(h.conn_to("10.0.0.12:9999").at("service"), "testproto");
}
}  // namespace
}  // namespace ward::flow
