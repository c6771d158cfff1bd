#include "flow/flow_table.h"

#include <gtest/gtest.h>

#include <array>
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
                       {"partial", r->partial ? "1" : "0"}});
    } else if (const auto* a = bus::event_cast<bus::AnomalyEvent>(e)) {
      anomalies.emplace_back(a->id);
    }
  }
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

}  // namespace
}  // namespace ward::flow
