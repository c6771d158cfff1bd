// Thresholds, aggregation and negatives of the network-attack detectors, with synthetic events.
// The same detectors on real captures: tests/e2e/netattack_e2e_test.cc.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "bus/anomaly.h"
#include "decode/decode_events.h"
#include "decode/packet.h"
#include "detect/detector.h"
#include "flow/flow_events.h"
#include "parsers/http/http_events.h"
#include "parsers/mqtt/mqtt_events.h"
#include "parsers/rtsp/rtsp_events.h"

namespace ward::detect {
namespace {

struct Seen {
  std::string rule;
  std::string technique;
  std::string severity;
  std::string src, dst;
  TimeNs ts = 0;
  std::map<std::string, std::string> ev;
};

struct Harness : bus::Subscriber {
  policy::Policy policy;
  bus::EventBus bus;
  DetectorStats stats;
  std::vector<std::unique_ptr<bus::Subscriber>> detectors;
  std::vector<Seen> alerts;

  explicit Harness(std::string_view yaml = "") {
    auto p = policy::parse_policy(yaml, "ward.yaml");
    EXPECT_TRUE(p.ok()) << p.error().to_string();
    if (p.ok()) policy = std::move(*p);
    detectors = make_detectors(policy, bus, stats);
    for (auto& d : detectors) bus.subscribe(*d);
    bus.subscribe(*this);
  }
  void on_event(const bus::EventContext& ctx, const bus::Event& e) override {
    if (const auto* a = bus::event_cast<AlertEvent>(e)) {
      Seen s{std::string(a->rule),
             std::string(a->technique.id),
             std::string(severity_name(a->severity)),
             ctx.src_h().to_string(),
             ctx.dst_h().to_string(),
             ctx.ts,
             {}};
      for (const auto& [k, v] : a->evidence) s.ev[std::string(k)] = v;
      alerts.push_back(std::move(s));
    }
  }
  [[nodiscard]] std::vector<Seen> with_prefix(std::string_view prefix) const {
    std::vector<Seen> out;
    for (const Seen& s : alerts)
      if (s.rule.substr(0, prefix.size()) == prefix) out.push_back(s);
    return out;
  }
};

IpAddr ip(const std::string& s) {
  IpAddr a;
  EXPECT_TRUE(IpAddr::parse(s, a)) << s;
  return a;
}
IpAddr ip_n(std::uint32_t n) { return IpAddr::v4(0x0A000000u + n); }  // 10.0.0.0 + n

TimeNs sec(double s) { return static_cast<TimeNs>(1'700'000'000.0 * 1e9 + s * 1e9); }

bus::EventContext flow_ctx(const IpAddr& src, const IpAddr& dst, std::uint16_t dport,
                           bus::Transport proto, TimeNs ts, std::uint16_t sport = 40000) {
  bus::EventContext c;
  c.ts = ts;
  c.uid = "CTEST";
  c.orig_h = src;
  c.resp_h = dst;
  c.orig_p = sport;
  c.resp_p = dport;
  c.proto = proto;
  return c;
}

void conn(Harness& h, const bus::EventContext& c, std::string_view state, std::string_view hist,
          std::uint64_t opkts = 1, std::uint64_t rpkts = 0, std::uint64_t obytes = 0,
          std::uint64_t rbytes = 0, TimeNs duration = 0) {
  flow::ConnRecord r;
  r.conn_state = state;
  r.history = hist;
  r.orig_pkts = opkts;
  r.resp_pkts = rpkts;
  r.orig_bytes = obytes;
  r.resp_bytes = rbytes;
  r.duration = duration;
  h.bus.publish(c, r);
}

void flow_start(Harness& h, const bus::EventContext& c, std::uint8_t flags) {
  flow::FlowStart f;
  f.tcp_flags = flags;
  h.bus.publish(c, f);
}

// --- scans -------------------------------------------------------------------------------

TEST(ScanDetector, ATenThousandPortSynScanIsOneAlertWithItsEvidence) {
  Harness h;
  const IpAddr attacker = ip("192.168.1.178"), victim = ip("192.168.1.2");
  for (int p = 1; p <= 10000; ++p)
    conn(h,
         flow_ctx(attacker, victim, static_cast<std::uint16_t>(p), bus::Transport::kTcp,
                  sec(p * 0.001)),
         p % 2 ? "S0" : "REJ", p % 2 ? "S" : "Sr");
  const auto scans = h.with_prefix("ward.scan");
  ASSERT_EQ(scans.size(), 1u);
  const Seen& a = scans[0];
  EXPECT_EQ(a.rule, "ward.scan.port");
  EXPECT_EQ(a.technique, "T1046");
  EXPECT_EQ(a.severity, "medium");
  EXPECT_EQ(a.src, "192.168.1.178");
  EXPECT_EQ(a.dst, "192.168.1.2");
  EXPECT_EQ(a.ev.at("kind"), "vertical");
  EXPECT_EQ(a.ev.at("flags"), "SYN");
  EXPECT_EQ(a.ev.at("distinct_ports"), "20");
  EXPECT_EQ(a.ev.at("ports_sampled").substr(0, 9), "1,2,3,4,5");
  EXPECT_EQ(a.ev.at("window_s"), "60");
  EXPECT_TRUE(h.with_prefix("ward.flood").empty()) << "a scan of many ports is not a SYN flood";
}

TEST(ScanDetector, NineteenFailedPortsAndAnyNumberOfSuccessfulConnectionsRaiseNothing) {
  Harness h;
  const IpAddr a = ip("10.1.1.1"), v = ip("10.1.1.2");
  for (int p = 1; p <= 19; ++p)
    conn(h, flow_ctx(a, v, static_cast<std::uint16_t>(p), bus::Transport::kTcp, sec(p)), "S0", "S");
  // A client that reaches 500 services (handshake and data) is no scanner.
  for (int p = 100; p < 600; ++p)
    conn(h,
         flow_ctx(a, ip_n(static_cast<std::uint32_t>(p)), 443, bus::Transport::kTcp,
                  sec(30 + p * 0.01)),
         "SF", "ShADadFf", 6, 5, 300, 2000);
  // The same closed port probed again and again is one port.
  for (int i = 0; i < 100; ++i)
    conn(h, flow_ctx(a, v, 1, bus::Transport::kTcp, sec(40 + i * 0.1)), "REJ", "Sr");
  EXPECT_TRUE(h.with_prefix("ward.scan").empty());
}

TEST(ScanDetector, HorizontalScanOfOnePortAcrossHosts) {
  Harness h;
  const IpAddr a = ip("10.9.9.9");
  for (std::uint32_t i = 1; i <= 40; ++i)
    conn(h, flow_ctx(a, ip_n(i), 23, bus::Transport::kTcp, sec(i * 0.5)), "REJ", "Sr");
  const auto scans = h.with_prefix("ward.scan");
  ASSERT_EQ(scans.size(), 1u);
  EXPECT_EQ(scans[0].ev.at("kind"), "horizontal");
  EXPECT_EQ(scans[0].ev.at("distinct_hosts"), "20");
  EXPECT_EQ(scans[0].ev.at("ports_sampled"), "23");
}

TEST(ScanDetector, FinNullAndXmasProbesAreNamedByTheirFlags) {
  for (const auto& [flags, name] : std::vector<std::pair<std::uint8_t, std::string>>{
           {decode::kTcpFin, "FIN"},
           {0, "NULL"},
           {decode::kTcpFin | decode::kTcpPsh | decode::kTcpUrg, "XMAS"}}) {
    Harness h;
    for (int p = 1; p <= 25; ++p)
      flow_start(h,
                 flow_ctx(ip("10.0.5.5"), ip("10.0.5.6"), static_cast<std::uint16_t>(p),
                          bus::Transport::kTcp, sec(p)),
                 flags);
    const auto scans = h.with_prefix("ward.scan");
    ASSERT_EQ(scans.size(), 1u) << name;
    EXPECT_EQ(scans[0].ev.at("flags"), name);
  }
  // A normal first segment (SYN, or ACK of a connection picked up midstream) is no probe.
  Harness h;
  for (int p = 1; p <= 50; ++p)
    flow_start(h,
               flow_ctx(ip("10.0.5.5"), ip("10.0.5.6"), static_cast<std::uint16_t>(p),
                        bus::Transport::kTcp, sec(p)),
               p % 2 ? decode::kTcpSyn : decode::kTcpAck | decode::kTcpPsh);
  EXPECT_TRUE(h.alerts.empty());
}

TEST(ScanDetector, UdpProbesWithoutReplyButNotAnsweredOrMulticastTraffic) {
  Harness h;
  for (int p = 1; p <= 30; ++p)
    conn(h,
         flow_ctx(ip("10.0.0.1"), ip("10.0.0.2"), static_cast<std::uint16_t>(p),
                  bus::Transport::kUdp, sec(p)),
         "S0", "D");
  ASSERT_EQ(h.with_prefix("ward.scan").size(), 1u);
  EXPECT_EQ(h.with_prefix("ward.scan")[0].ev.at("flags"), "UDP");

  Harness quiet;
  for (int p = 1; p <= 30; ++p) {
    conn(quiet,
         flow_ctx(ip("10.0.0.1"), ip("10.0.0.2"), static_cast<std::uint16_t>(p),
                  bus::Transport::kUdp, sec(p)),
         "SF", "Dd", 1, 1, 40, 40);
    conn(quiet,
         flow_ctx(ip("10.0.0.1"), ip("239.255.255.250"), static_cast<std::uint16_t>(p),
                  bus::Transport::kUdp, sec(p)),
         "S0", "D");
  }
  EXPECT_TRUE(quiet.alerts.empty());
}

TEST(ScanDetector, ANewEpisodeAfterAQuietWindowIsANewAlert) {
  Harness h;
  auto scan = [&h](double start) {
    for (int p = 1; p <= 200; ++p)
      conn(h,
           flow_ctx(ip("10.2.2.2"), ip("10.2.2.3"), static_cast<std::uint16_t>(p),
                    bus::Transport::kTcp, sec(start + p * 0.01)),
           "S0", "S");
  };
  scan(0);
  scan(30);  // within the window of the first: the same episode
  EXPECT_EQ(h.with_prefix("ward.scan").size(), 1u);
  scan(200);  // quiet for more than 60 s
  EXPECT_EQ(h.with_prefix("ward.scan").size(), 2u);
}

TEST(ScanDetector, PingSweepAndItsThreshold) {
  Harness h;
  for (std::uint32_t i = 1; i <= 50; ++i)
    flow_start(h, flow_ctx(ip("10.3.3.3"), ip_n(i), 0, bus::Transport::kIcmp, sec(i * 0.1), 8), 0);
  const auto sweeps = h.with_prefix("ward.scan.ping_sweep");
  ASSERT_EQ(sweeps.size(), 1u);
  EXPECT_EQ(sweeps[0].technique, "T0846");
  EXPECT_EQ(sweeps[0].ev.at("distinct_hosts"), "20");

  Harness few;
  for (std::uint32_t i = 1; i <= 19; ++i)
    flow_start(few, flow_ctx(ip("10.3.3.3"), ip_n(i), 0, bus::Transport::kIcmp, sec(i), 8), 0);
  EXPECT_TRUE(few.alerts.empty());
}

TEST(ScanDetector, ThresholdsComeFromThePolicy) {
  Harness h("thresholds:\n  scan.distinct_ports: 3\n  scan.window_s: 5\n");
  for (int p = 1; p <= 3; ++p)
    conn(h,
         flow_ctx(ip("10.4.4.4"), ip("10.4.4.5"), static_cast<std::uint16_t>(p),
                  bus::Transport::kTcp, sec(p * 10)),  // 10 s apart: never 3 within 5 s
         "S0", "S");
  EXPECT_TRUE(h.alerts.empty());
  for (int p = 4; p <= 6; ++p)
    conn(h,
         flow_ctx(ip("10.4.4.4"), ip("10.4.4.5"), static_cast<std::uint16_t>(p),
                  bus::Transport::kTcp, sec(100 + p)),
         "S0", "S");
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].ev.at("distinct_ports"), "3");
}

TEST(ScanDetector, TrackedSourcesAreBounded) {
  Harness h("limits:\n  detect.max_tracked_sources: 100\n");
  // 1000 sources probing 19 ports each, interleaved: none reaches the threshold, memory stays
  // at 100 sources; then one real scan is still seen.
  for (int p = 1; p <= 19; ++p)
    for (std::uint32_t s = 1; s <= 1000; ++s)
      conn(h,
           flow_ctx(ip_n(s), ip("10.200.0.1"), static_cast<std::uint16_t>(p), bus::Transport::kTcp,
                    sec(p)),
           "S0", "S");
  EXPECT_TRUE(h.alerts.empty());
  for (int p = 1; p <= 20; ++p)
    conn(h,
         flow_ctx(ip("10.100.0.1"), ip("10.200.0.1"), static_cast<std::uint16_t>(p),
                  bus::Transport::kTcp, sec(30 + p)),
         "S0", "S");
  EXPECT_EQ(h.alerts.size(), 1u);
}

// --- floods ------------------------------------------------------------------------------

TEST(FloodDetector, SynFloodFromSpoofedSourcesIsOneAlertPerVictim) {
  Harness h;
  for (std::uint32_t i = 0; i < 20000; ++i)
    conn(h,
         flow_ctx(IpAddr::v4(0xC0A80000u + i), ip("10.5.5.5"), 80, bus::Transport::kTcp,
                  sec(i * 0.001)),
         "S0", "S");
  const auto floods = h.with_prefix("ward.flood");
  ASSERT_EQ(floods.size(), 1u);
  EXPECT_EQ(floods[0].rule, "ward.flood.syn");
  EXPECT_EQ(floods[0].technique, "T0814");
  EXPECT_EQ(floods[0].dst, "10.5.5.5");
  EXPECT_EQ(floods[0].ev.at("port"), "80");
  EXPECT_EQ(floods[0].ev.at("count"), "2000");  // 200/s over 10 s
  EXPECT_TRUE(h.with_prefix("ward.scan").empty());

  Harness slow;  // 100 SYNs per second: under the 200/s default
  for (std::uint32_t i = 0; i < 5000; ++i)
    conn(slow,
         flow_ctx(IpAddr::v4(0xC0A80000u + i), ip("10.5.5.5"), 80, bus::Transport::kTcp,
                  sec(i * 0.01)),
         "S0", "S");
  EXPECT_TRUE(slow.alerts.empty());
}

// A one-way UDP or ICMP flow as the flow table reports it: a progress event at every 512th
// originator packet (evenly spread over `duration`), then the connection record.
void one_way_flow(Harness& h, bus::EventContext c, std::uint64_t opkts, std::uint64_t rpkts,
                  TimeNs duration, const char* state = "S0") {
  const TimeNs start = c.ts;
  flow_start(h, c, 0);
  for (std::uint64_t n = flow::FlowProgress::kEveryPackets; n <= opkts;
       n += flow::FlowProgress::kEveryPackets) {
    flow::FlowProgress p;
    p.orig_pkts = n;
    p.resp_pkts = rpkts * n / opkts;
    c.ts = start + static_cast<TimeNs>(static_cast<double>(duration) * static_cast<double>(n) /
                                       static_cast<double>(opkts));
    h.bus.publish(c, p);
  }
  c.ts = start;
  conn(h, c, state, "D", opkts, rpkts, 0, 0, duration);
}

TEST(FloodDetector, UdpAndIcmpFloodsButNotParsedStreams) {
  Harness h;
  // One flow of 100000 datagrams over 20 s (5000/s) to a host that never answers: raised while
  // it lasts, at the progress event that crossed 2000/s over 10 s (20480 packets, 4.1 s in).
  one_way_flow(h, flow_ctx(ip("10.6.6.6"), ip("10.6.6.7"), 9999, bus::Transport::kUdp, sec(0)),
               100000, 0, 20 * kNsPerSec);
  // 300 echo requests per second for 20 s.
  one_way_flow(h, flow_ctx(ip("10.6.6.6"), ip("10.6.6.8"), 0, bus::Transport::kIcmp, sec(0), 8),
               6000, 6000, 20 * kNsPerSec, "OTH");
  ASSERT_EQ(h.alerts.size(), 2u);
  EXPECT_EQ(h.alerts[0].rule, "ward.flood.udp");
  EXPECT_EQ(h.alerts[0].ev.at("count"), "20480");
  EXPECT_EQ(h.alerts[0].ev.at("last_ts"), "1700000004.096000");
  EXPECT_EQ(h.alerts[1].rule, "ward.flood.icmp");

  Harness rtp;
  auto c = flow_ctx(ip("10.6.6.6"), ip("10.6.6.7"), 5004, bus::Transport::kUdp, sec(0));
  c.service = "rtp";
  one_way_flow(rtp, c, 100000, 0, 20 * kNsPerSec);
  // A ping a second for an hour.
  one_way_flow(rtp, flow_ctx(ip("10.6.6.6"), ip("10.6.6.8"), 0, bus::Transport::kIcmp, sec(0), 8),
               3600, 3600, 3600 * kNsPerSec, "OTH");
  EXPECT_TRUE(rtp.alerts.empty());
}

// hping3 --udp --flood sends each datagram from a new source port: one-packet flows, whose
// records come only when they expire. Their opening datagrams are counted as they arrive.
TEST(FloodDetector, UdpFloodOfOnePacketFlowsIsRaisedWhileItLasts) {
  Harness h;
  TimeNs last_start = 0;
  for (std::uint32_t i = 0; i < 25000; ++i) {  // 2500 datagrams/s for 10 s
    auto c = flow_ctx(ip("10.6.6.6"), ip("10.6.6.9"), 7, bus::Transport::kUdp, sec(i * 0.0004),
                      static_cast<std::uint16_t>(1024 + i % 60000));
    flow_start(h, c, 0);
    last_start = c.ts;
    if (!h.alerts.empty()) break;
  }
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].rule, "ward.flood.udp");
  EXPECT_EQ(h.alerts[0].dst, "10.6.6.9");
  EXPECT_EQ(h.alerts[0].ev.at("count"), "20000");  // the 2000/s default over 10 s
  EXPECT_EQ(h.alerts[0].ts, last_start);
  // The flows' records, a UDP timeout later, add nothing: each datagram was counted once.
  for (std::uint32_t i = 0; i < 20000; ++i)
    conn(h,
         flow_ctx(ip("10.6.6.6"), ip("10.6.6.9"), 7, bus::Transport::kUdp, sec(60 + i * 0.0004),
                  static_cast<std::uint16_t>(1024 + i % 60000)),
         "S0", "D");
  EXPECT_EQ(h.alerts.size(), 1u);

  // DNS at 100 queries per second, each from a new port and answered: counted at their start,
  // far under the limit.
  Harness dns;
  for (std::uint32_t i = 0; i < 3000; ++i) {
    auto c = flow_ctx(ip("10.6.6.6"), ip("10.6.6.53"), 53, bus::Transport::kUdp, sec(i * 0.01),
                      static_cast<std::uint16_t>(1024 + i));
    flow_start(dns, c, 0);
    c.service = "dns";
    conn(dns, c, "SF", "Dd", 1, 1, 40, 80);
  }
  EXPECT_TRUE(dns.alerts.empty());
}

TEST(FloodDetector, MqttConnectPublishAndMalformedFloods) {
  Harness h;
  auto c = flow_ctx(ip("10.7.7.7"), ip("10.7.7.1"), 1883, bus::Transport::kTcp, sec(0));
  parsers::mqtt::MqttMessage connect;
  connect.type = parsers::mqtt::PacketType::kConnect;
  for (int i = 0; i < 1000; ++i) {
    c.ts = sec(i * 0.01);  // 100/s
    h.bus.publish(c, connect);
  }
  parsers::mqtt::MqttMessage publish;
  publish.type = parsers::mqtt::PacketType::kPublish;
  for (int i = 0; i < 10000; ++i) {
    c.ts = sec(100 + i * 0.001);  // 1000/s
    h.bus.publish(c, publish);
  }
  for (int i = 0; i < 50; ++i) {
    c.ts = sec(200 + i * 0.1);
    h.bus.anomaly(c, "mqtt.invalid_remaining_length", "");
  }
  ASSERT_EQ(h.with_prefix("ward.flood").size(), 3u);
  EXPECT_EQ(h.with_prefix("ward.flood.mqtt_connect").size(), 1u);
  EXPECT_EQ(h.with_prefix("ward.flood.mqtt_publish").size(), 1u);
  EXPECT_EQ(h.with_prefix("ward.flood.mqtt_malformed").size(), 1u);
  EXPECT_EQ(h.with_prefix("ward.flood.mqtt_malformed")[0].ev.at("count"), "20");

  Harness calm;  // telemetry: one PUBLISH a second from 100 clients, one CONNECT each
  for (std::uint32_t d = 1; d <= 100; ++d) {
    auto cc = flow_ctx(ip_n(d), ip("10.7.7.1"), 1883, bus::Transport::kTcp, sec(d * 0.01));
    calm.bus.publish(cc, connect);
    for (int s = 0; s < 60; ++s) {
      cc.ts = sec(s + d * 0.01);
      calm.bus.publish(cc, publish);
    }
  }
  EXPECT_TRUE(calm.alerts.empty());
}

// --- ARP ---------------------------------------------------------------------------------

void arp(Harness& h, std::uint16_t op, const char* mac, const char* spa, const char* tpa,
         double t) {
  decode::ArpEvent e;
  e.op = op;
  MacAddr m;
  for (int i = 0; i < 6; ++i)
    m.bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(
        std::stoi(std::string(std::string_view(mac).substr(static_cast<std::size_t>(i) * 3, 2)),
                  nullptr, 16));
  e.sha = m;
  e.spa = ip(spa);
  e.tpa = ip(tpa);
  bus::EventContext c;
  c.ts = sec(t);
  c.orig_h = e.spa;
  c.resp_h = e.tpa;
  h.bus.publish(c, e);
}

TEST(ScanDetector, AnArpSweepOfItsOwnSegmentIsAPingSweep) {
  // nmap -sn on the local segment: who-has for 10.8.3.1-40, two hosts answer and are pinged.
  Harness h;
  for (int i = 1; i <= 40; ++i) {
    const std::string target = "10.8.3." + std::to_string(i);
    arp(h, 1, "00:cc:00:00:00:66", "10.8.3.66", target.c_str(), i * 0.01);
  }
  const auto sweeps = h.with_prefix("ward.scan.ping_sweep");
  ASSERT_EQ(sweeps.size(), 1u);
  EXPECT_EQ(sweeps[0].ev.at("flags"), "ARP");
  EXPECT_EQ(sweeps[0].ev.at("distinct_hosts"), "20");
  EXPECT_TRUE(h.with_prefix("ward.arp").empty());

  // A host resolving its gateway and a few peers, RFC 5227 probes and gratuitous ARP: no sweep.
  Harness normal;
  for (int i = 0; i < 100; ++i) {
    const std::string peer = "10.8.3." + std::to_string(1 + i % 10);
    arp(normal, 1, "00:cc:00:00:00:05", "10.8.3.5", peer.c_str(), i);
    const std::string probed = "10.8.3." + std::to_string(100 + i);
    arp(normal, 1, "00:cc:00:00:01:00", "0.0.0.0", probed.c_str(), i);
  }
  EXPECT_TRUE(normal.with_prefix("ward.scan").empty());
}

TEST(ArpDetector, AHostTakingOverTheGatewayAddressIsSpoofing) {
  Harness h;
  arp(h, 2, "00:11:22:33:44:01", "10.8.0.1", "10.8.0.20", 0);  // the gateway
  arp(h, 2, "00:11:22:33:44:99", "10.8.0.66", "10.8.0.1", 1);  // the attacker's own address
  for (int i = 0; i < 30; ++i)                                 // then it claims the gateway
    arp(h, 2, "00:11:22:33:44:99", "10.8.0.1", "10.8.0.20", 2 + i);
  arp(h, 2, "00:11:22:33:44:01", "10.8.0.1", "10.8.0.20", 40);  // the real gateway answers
  arp(h, 2, "00:11:22:33:44:99", "10.8.0.1", "10.8.0.20", 41);
  const auto arps = h.with_prefix("ward.arp");
  ASSERT_GE(arps.size(), 1u);
  EXPECT_EQ(arps[0].rule, "ward.arp.spoofing");
  EXPECT_EQ(arps[0].technique, "T1557.002");
  EXPECT_EQ(arps[0].ev.at("ip"), "10.8.0.1");
  EXPECT_EQ(arps[0].ev.at("old_mac"), "00:11:22:33:44:01");
  EXPECT_EQ(arps[0].ev.at("new_mac"), "00:11:22:33:44:99");
  EXPECT_EQ(arps[0].ev.at("claimant_other_ip"), "10.8.0.66");
  EXPECT_EQ(h.with_prefix("ward.arp.spoofing").size(), 1u) << "one episode, one alert";
}

TEST(ArpDetector, TwoStationsOnOneAddressAndAReLeaseAfterTheWindow) {
  Harness h;
  arp(h, 1, "00:aa:00:00:00:01", "10.8.1.5", "10.8.1.1", 0);
  arp(h, 1, "00:aa:00:00:00:02", "10.8.1.5", "10.8.1.1", 10);
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].rule, "ward.arp.duplicate_ip");
  EXPECT_EQ(h.alerts[0].technique, "T0830");

  Harness lease;  // the old station was last seen an hour earlier: the address was reassigned
  arp(lease, 1, "00:aa:00:00:00:01", "10.8.1.5", "10.8.1.1", 0);
  arp(lease, 1, "00:aa:00:00:00:02", "10.8.1.5", "10.8.1.1", 3600);
  arp(lease, 1, "00:aa:00:00:00:03", "0.0.0.0", "10.8.1.5", 3601);  // an RFC 5227 probe
  EXPECT_TRUE(lease.alerts.empty());
}

TEST(ArpDetector, GratuitousStorm) {
  Harness h;
  for (int i = 0; i < 100; ++i) arp(h, 2, "00:bb:00:00:00:01", "10.8.2.9", "10.8.2.9", i * 0.1);
  const auto storms = h.with_prefix("ward.arp.gratuitous_storm");
  ASSERT_EQ(storms.size(), 1u);
  EXPECT_EQ(storms[0].ev.at("count"), "20");

  Harness boot;  // a host announcing itself a few times at boot
  for (int i = 0; i < 3; ++i) arp(boot, 1, "00:bb:00:00:00:01", "10.8.2.9", "10.8.2.9", i);
  EXPECT_TRUE(boot.alerts.empty());
}

// --- brute force -------------------------------------------------------------------------

TEST(BruteForceDetector, MqttConnackRefusalsV311AndV5) {
  for (const auto& [version, code] :
       std::vector<std::pair<std::uint8_t, std::uint8_t>>{{4, 5}, {4, 4}, {5, 0x86}, {5, 0x87}}) {
    Harness h;
    for (int i = 0; i < 12; ++i) {
      parsers::mqtt::MqttTransaction t;
      t.kind = parsers::mqtt::MqttTransaction::Kind::kConnect;
      t.protocol_version = version;
      t.connack_code = code;
      t.username = "admin";
      h.bus.publish(flow_ctx(ip("10.9.0.9"), ip("10.9.0.1"), 1883, bus::Transport::kTcp, sec(i)),
                    t);
    }
    const auto bf = h.with_prefix("ward.bruteforce");
    ASSERT_EQ(bf.size(), 1u) << int(version) << "/" << int(code);
    EXPECT_EQ(bf[0].rule, "ward.bruteforce.mqtt");
    EXPECT_EQ(bf[0].technique, "T1110");
    EXPECT_EQ(bf[0].ev.at("failures"), "10");
    EXPECT_EQ(bf[0].ev.at("users_sampled"), "admin");
  }
  Harness h;  // v3.1.1 code 0x86 means nothing; accepted connections are no failures
  for (int i = 0; i < 30; ++i) {
    parsers::mqtt::MqttTransaction t;
    t.kind = parsers::mqtt::MqttTransaction::Kind::kConnect;
    t.protocol_version = 4;
    t.connack_code = i % 2 ? 0 : 0x86;
    h.bus.publish(flow_ctx(ip("10.9.0.9"), ip("10.9.0.1"), 1883, bus::Transport::kTcp, sec(i)), t);
  }
  EXPECT_TRUE(h.alerts.empty());
}

TEST(BruteForceDetector, HttpAndRtspRefusedCredentials) {
  Harness h;
  for (int i = 0; i < 10; ++i) {
    parsers::http::HttpTransaction t;
    t.has_request = t.has_response = true;
    t.status_code = 401;
    t.auth_scheme = parsers::http::AuthScheme::kBasic;
    t.username = "root";
    h.bus.publish(flow_ctx(ip("10.9.1.9"), ip("10.9.1.1"), 80, bus::Transport::kTcp, sec(i)), t);
    parsers::rtsp::RtspRequest req;
    req.auth_user = "admin";
    parsers::rtsp::RtspTransaction r;
    r.request = &req;
    r.has_response = true;
    r.status = 401;
    r.auth_result = "failure";
    h.bus.publish(flow_ctx(ip("10.9.1.9"), ip("10.9.1.2"), 554, bus::Transport::kTcp, sec(i)), r);
  }
  ASSERT_EQ(h.alerts.size(), 2u);
  EXPECT_EQ(h.alerts[0].rule, "ward.bruteforce.http");
  EXPECT_EQ(h.alerts[1].rule, "ward.bruteforce.rtsp");
  EXPECT_EQ(h.alerts[1].ev.at("users_sampled"), "admin");

  Harness challenge;  // 401 challenges to requests without credentials are the normal handshake
  for (int i = 0; i < 50; ++i) {
    parsers::http::HttpTransaction t;
    t.has_request = t.has_response = true;
    t.status_code = 401;
    challenge.bus.publish(
        flow_ctx(ip("10.9.1.9"), ip("10.9.1.1"), 80, bus::Transport::kTcp, sec(i)), t);
  }
  EXPECT_TRUE(challenge.alerts.empty());
}

TEST(BruteForceDetector, ShortSshSessionsButNotLongOnesOrFailedHandshakes) {
  Harness h;
  for (int i = 0; i < 15; ++i)
    conn(h,
         flow_ctx(ip("192.168.56.1"), ip("192.168.56.103"), 22, bus::Transport::kTcp, sec(i * 5)),
         "SF", "ShAdDaFf", 20, 15, 2000, 3000, 4 * kNsPerSec);
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].rule, "ward.bruteforce.ssh");
  EXPECT_EQ(h.alerts[0].ev.at("sessions"), "10");

  Harness admin;
  for (int i = 0; i < 15; ++i) {
    conn(admin,
         flow_ctx(ip("192.168.56.1"), ip("192.168.56.103"), 22, bus::Transport::kTcp, sec(i * 5)),
         "SF", "ShAdDaFf", 200, 150, 20000, 30000, 300 * kNsPerSec);  // interactive sessions
    conn(admin,
         flow_ctx(ip("192.168.56.1"), ip("192.168.56.104"), 23, bus::Transport::kTcp, sec(i * 5)),
         "S0", "S");  // nobody listening
  }
  EXPECT_TRUE(admin.alerts.empty());
}

TEST(NetAttack, SuppressionsApply) {
  Harness h("alerts:\n  suppress:\n    - rule: ward.scan.port\n      hosts: [10.2.2.2]\n");
  for (int p = 1; p <= 50; ++p)
    conn(h,
         flow_ctx(ip("10.2.2.2"), ip("10.2.2.3"), static_cast<std::uint16_t>(p),
                  bus::Transport::kTcp, sec(p * 0.1)),
         "S0", "S");
  EXPECT_TRUE(h.alerts.empty());
  EXPECT_EQ(h.stats.suppressed, 1u);
}

// --- policy ------------------------------------------------------------------------------

TEST(Thresholds, DefaultsOverridesAndErrorsWithLineAndColumn) {
  auto d = policy::parse_policy("", "ward.yaml");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->thresholds.scan_distinct_ports, 20);
  EXPECT_EQ(d->thresholds.bruteforce_failures, 10);

  auto p = policy::parse_policy("thresholds:\n  flood.syn_per_s: 50\n  arp.binding_window_s: 30\n",
                                "ward.yaml");
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  EXPECT_EQ(p->thresholds.flood_syn_per_s, 50);
  EXPECT_EQ(p->thresholds.arp_binding_window_s, 30);

  auto bad =
      policy::parse_policy("version: 1\nthresholds:\n  scan.distinct_port: 5\n", "ward.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("ward.yaml:3:3: thresholds: unknown threshold "
                                       "'scan.distinct_port'"),
            std::string::npos)
      << bad.error().message();

  auto neg = policy::parse_policy("thresholds:\n  scan.window_s: -1\n", "ward.yaml");
  ASSERT_FALSE(neg.ok());
  EXPECT_NE(neg.error().message().find("ward.yaml:2:18: thresholds.scan.window_s"),
            std::string::npos)
      << neg.error().message();
  auto text = policy::parse_policy("thresholds:\n  scan.window_s: soon\n", "ward.yaml");
  ASSERT_FALSE(text.ok());
  auto list = policy::parse_policy("thresholds: [1, 2]\n", "ward.yaml");
  ASSERT_FALSE(list.ok());
}

}  // namespace
}  // namespace ward::detect
