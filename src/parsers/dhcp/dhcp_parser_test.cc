#include "parsers/dhcp/dhcp_parser.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bus/bus.h"
#include "parsers/dhcp/dhcp_log.h"
#include "parsers/testing/parser_test_util.h"

namespace ward::parsers::dhcp {
namespace {

using Bytes = std::vector<std::uint8_t>;

// ------------------------------------------------------------------ message builder

struct Header {
  std::uint8_t op = 1;
  std::uint32_t xid = 0x3903f326;
  std::array<std::uint8_t, 4> ciaddr{}, yiaddr{}, siaddr{}, giaddr{};
  std::array<std::uint8_t, 6> mac = {0x00, 0x0b, 0x82, 0x01, 0xfc, 0x42};
};

// RFC 2131 figure 1, then the magic cookie (unless `cookie` is false).
Bytes bootp(const Header& h, bool cookie = true) {
  Bytes b = {h.op, 1, 6, 0};
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(h.xid >> s));
  b.insert(b.end(), 4, 0);  // secs, flags
  for (const auto* a : {&h.ciaddr, &h.yiaddr, &h.siaddr, &h.giaddr})
    b.insert(b.end(), a->begin(), a->end());
  b.insert(b.end(), h.mac.begin(), h.mac.end());
  b.insert(b.end(), 10 + 64 + 128, 0);  // chaddr padding, sname, file
  if (cookie) b.insert(b.end(), {99, 130, 83, 99});
  return b;
}
void opt(Bytes& b, std::uint8_t code, const Bytes& v) {
  b.push_back(code);
  b.push_back(static_cast<std::uint8_t>(v.size()));
  b.insert(b.end(), v.begin(), v.end());
}
void opt(Bytes& b, std::uint8_t code, std::string_view s) {
  opt(b, code, Bytes(s.begin(), s.end()));
}

/* DISCOVER from 00:0b:82:01:fc:42: host "test0000", requests 208.67.222.222, asks 1,3,6,15,
   vendor class "MSFT 5.0", client id 01 00:0b:82:01:fc:42 */
Bytes discover() {
  Bytes b = bootp(Header{});
  opt(b, 53, Bytes{1});
  opt(b, 61, Bytes{1, 0x00, 0x0b, 0x82, 0x01, 0xfc, 0x42});
  opt(b, 50, Bytes{208, 67, 222, 222});
  opt(b, 12, "test0000");
  opt(b, 60, "MSFT 5.0");
  opt(b, 55, Bytes{1, 3, 6, 15});
  b.push_back(255);
  return b;
}
/* OFFER/ACK from the server: yiaddr 192.168.0.10, lease 3600 s, router and DNS 10.10.0.1 */
Bytes reply(std::uint8_t type) {
  Header h;
  h.op = 2;
  h.yiaddr = {192, 168, 0, 10};
  h.siaddr = {10, 10, 0, 1};
  Bytes b = bootp(h);
  opt(b, 53, Bytes{type});
  opt(b, 54, Bytes{10, 10, 0, 1});
  opt(b, 51, Bytes{0, 0, 0x0e, 0x10});
  opt(b, 1, Bytes{255, 255, 255, 0});
  opt(b, 3, Bytes{10, 10, 0, 1});
  opt(b, 6, Bytes{10, 10, 0, 1, 10, 10, 0, 2});
  opt(b, 15, "example.org");
  b.push_back(255);
  return b;
}

// ------------------------------------------------------------------ running

struct Collected {
  std::vector<DhcpMessage> messages;  // copies of the scalar parts (views are not used after)
  std::vector<std::string> hosts, params, fqdns, circuits;
  std::vector<std::string> anomalies;
  std::vector<nlohmann::json> log;
  int confirmations = 0;
};

class LinesSink final : public bus::LogSink {
 public:
  explicit LinesSink(std::vector<nlohmann::json>& out) : out_(out) {}
  void write(std::string_view log, std::string_view line) override {
    EXPECT_EQ(log, "dhcp");
    out_.push_back(nlohmann::json::parse(line));
  }

 private:
  std::vector<nlohmann::json>& out_;
};

class CollectingSink final : public EventSink {
 public:
  explicit CollectingSink(Collected& out) : out_(out), lines_(out.log), log_(lines_, LogLimits{}) {
    IpAddr::parse("0.0.0.0", ctx.orig_h);
    IpAddr::parse("255.255.255.255", ctx.resp_h);
    ctx.orig_p = 68;
    ctx.resp_p = 67;
    ctx.uid = "CTEST";
  }
  void emit(const bus::Event& e) override {
    const auto* m = bus::event_cast<DhcpMessage>(e);
    ASSERT_NE(m, nullptr);
    out_.hosts.emplace_back(m->host_name.value_or("-"));
    std::string p;
    if (m->param_list)
      for (std::uint8_t c : *m->param_list) p += (p.empty() ? "" : ",") + std::to_string(c);
    out_.params.push_back(p);
    out_.fqdns.emplace_back(m->client_fqdn ? m->client_fqdn->domain_name : "-");
    out_.circuits.emplace_back(m->relay_agent ? as_chars(m->relay_agent->circuit_id) : "-");
    DhcpMessage copy;
    copy.op = m->op;
    copy.xid = m->xid;
    copy.msg_type = m->msg_type;
    copy.yiaddr = m->yiaddr;
    copy.mac = m->mac;
    copy.lease_time = m->lease_time;
    copy.overload = m->overload;
    copy.partial = m->partial;
    copy.has_options = m->has_options;
    copy.requested_addr = m->requested_addr;
    out_.messages.push_back(copy);
    ctx.ts = now;
    ctx.dir = m->op == 1 ? Direction::kToServer : Direction::kToClient;
    log_.on_event(ctx, e);
  }
  void anomaly(std::string_view id, std::string_view /*detail*/) override {
    out_.anomalies.emplace_back(id);
  }
  void confirm_protocol() override { ++out_.confirmations; }
  [[nodiscard]] TimeNs packet_time() const override { return now; }
  void finish() { log_.on_finish(); }

  TimeNs now = 1'700'000'000 * kNsPerSec;
  bus::EventContext ctx;

 private:
  Collected& out_;
  LinesSink lines_;
  DhcpLog log_;
};

Collected run(const std::vector<Bytes>& datagrams, const Limits& limits = Limits{}) {
  Collected out;
  CollectingSink sink(out);
  DhcpParserFactory factory(limits);
  auto parser = factory.make_datagram(sink);
  for (const Bytes& d : datagrams) {
    parser->on_datagram(Direction::kToServer, ByteView(d));
    sink.now += 250'000'000;  // 0.25 s apart
  }
  parser->on_end();
  sink.finish();
  return out;
}

// ------------------------------------------------------------------ decoding

TEST(DhcpParser, DiscoverYieldsHostnameFingerprintVendorClassAndClientId) {
  const Collected c = run({discover()});
  EXPECT_TRUE(c.anomalies.empty());
  EXPECT_EQ(c.confirmations, 1);
  ASSERT_EQ(c.messages.size(), 1u);
  EXPECT_EQ(c.messages[0].msg_type, 1);
  EXPECT_EQ(c.messages[0].xid, 0x3903f326u);
  EXPECT_EQ(c.hosts[0], "test0000");
  EXPECT_EQ(c.params[0], "1,3,6,15");
  ASSERT_EQ(c.log.size(), 1u);
  const auto& l = c.log[0];
  EXPECT_EQ(l["uids"], nlohmann::json({"CTEST"}));
  EXPECT_EQ(l["mac"], "00:0b:82:01:fc:42");
  EXPECT_EQ(l["host_name"], "test0000");
  EXPECT_EQ(l["requested_addr"], "208.67.222.222");
  EXPECT_EQ(l["msg_types"], nlohmann::json({"DISCOVER"}));
  EXPECT_EQ(l["param_list"], "1,3,6,15");
  EXPECT_EQ(l["vendor_class"], "MSFT 5.0");
  EXPECT_EQ(l["client_id"], "01:00:0b:82:01:fc:42");
  EXPECT_FALSE(l.contains("client_addr"));  // 0.0.0.0 is not a client address
  EXPECT_DOUBLE_EQ(l["duration"].get<double>(), 0.0);
  ASSERT_EQ(l["messages"].size(), 1u);
  EXPECT_EQ(l["messages"][0]["msg_type"], "DISCOVER");
  EXPECT_EQ(l["messages"][0]["params"], nlohmann::json({1, 3, 6, 15}));
}

TEST(DhcpParser, OneTransactionIsOneLogRecordWithTheServersAnswer) {
  Bytes request = discover();
  request[242] = 3;  // option 53 value: REQUEST
  const Collected c = run({discover(), reply(2), request, reply(5)});
  EXPECT_TRUE(c.anomalies.empty());
  ASSERT_EQ(c.log.size(), 1u);
  const auto& l = c.log[0];
  EXPECT_EQ(l["msg_types"], nlohmann::json({"DISCOVER", "OFFER", "REQUEST", "ACK"}));
  EXPECT_EQ(l["assigned_addr"], "192.168.0.10");
  EXPECT_EQ(l["client_addr"], "192.168.0.10");  // from the assignment
  EXPECT_EQ(l["lease_time"], 3600.0);
  EXPECT_EQ(l["domain"], "example.org");
  EXPECT_DOUBLE_EQ(l["duration"].get<double>(), 0.75);
  const auto& ack = l["messages"][3];
  EXPECT_EQ(ack["op"], "reply");
  EXPECT_EQ(ack["subnet_mask"], "255.255.255.0");
  EXPECT_EQ(ack["routers"], nlohmann::json({"10.10.0.1"}));
  EXPECT_EQ(ack["dns_servers"], nlohmann::json({"10.10.0.1", "10.10.0.2"}));
  EXPECT_EQ(ack["server_id"], "10.10.0.1");
  EXPECT_EQ(ack["siaddr"], "10.10.0.1");
}

TEST(DhcpParser, OverloadedFileAndSnameFieldsCarryOptions) {
  // RFC 2131 §4.1: option 52 = 3; the lease time is in `file`, the host name in `sname`.
  Bytes b = bootp(Header{});
  opt(b, 53, Bytes{1});
  opt(b, 52, Bytes{3});
  b.push_back(255);
  const std::size_t sname = 44;
  const std::size_t file = 108;
  const Bytes host = {12, 4, 'c', 'a', 'm', '1', 255};
  const Bytes lease = {51, 4, 0, 0, 0x0e, 0x10, 255};
  std::copy(host.begin(), host.end(), b.begin() + sname);
  std::copy(lease.begin(), lease.end(), b.begin() + file);
  const Collected c = run({b});
  EXPECT_TRUE(c.anomalies.empty());
  ASSERT_EQ(c.messages.size(), 1u);
  EXPECT_EQ(c.messages[0].overload, 3);
  EXPECT_EQ(c.messages[0].lease_time, 3600u);
  EXPECT_EQ(c.hosts[0], "cam1");
}

TEST(DhcpParser, ClientFqdnInWireFormatAndRelayAgentSubOptionsAreDecoded) {
  Bytes b = bootp(Header{});
  opt(b, 53, Bytes{3});
  /* option 81: flags E|S, rcodes 0, name pump7.icu.example */
  opt(b, 81, Bytes{0x05, 0,   0, 5,   'p', 'u', 'm', 'p', '7', 3,   'i',
                   'c',  'u', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0});
  /* option 82: circuit id "eth0/1", remote id 0x13, subscriber id "-subID-" */
  opt(b, 82, Bytes{1,    6, 'e', 't', 'h', '0', '/', '1', 2,   1,
                   0x13, 6, 7,   '-', 's', 'u', 'b', 'I', 'D', '-'});
  b.push_back(255);
  const Collected c = run({b});
  EXPECT_TRUE(c.anomalies.empty());
  EXPECT_EQ(c.fqdns[0], "pump7.icu.example");
  EXPECT_EQ(c.circuits[0], "eth0/1");
  ASSERT_EQ(c.log.size(), 1u);
  EXPECT_EQ(c.log[0]["client_fqdn"], "pump7.icu.example");
  EXPECT_EQ(c.log[0]["circuit_id"], "eth0/1");
  EXPECT_EQ(c.log[0]["agent_remote_id"], "\x13");
  EXPECT_EQ(c.log[0]["subscriber_id"], "-subID-");
}

TEST(DhcpParser, AsciiClientFqdnLosesItsTrailingDot) {
  Bytes b = bootp(Header{});
  opt(b, 53, Bytes{3});
  opt(b, 81, Bytes{0x00, 0xff, 0xff, 'h', 'o', 's', 't', '.', 'l', 'a', 'n', '.'});
  b.push_back(255);
  EXPECT_EQ(run({b}).fqdns[0], "host.lan");
}

TEST(DhcpLog, TransactionsIdleForFiveSecondsAreLoggedSeparately) {
  Collected out;
  {
    CollectingSink sink(out);
    DhcpParserFactory f{Limits{}};
    auto p = f.make_datagram(sink);
    const Bytes d = discover();
    p->on_datagram(Direction::kToServer, ByteView(d));
    sink.now += 6 * kNsPerSec;  // same xid, but after the idle time
    p->on_datagram(Direction::kToServer, ByteView(d));
    sink.finish();
  }
  ASSERT_EQ(out.log.size(), 2u);
  EXPECT_EQ(out.log[0]["msg_types"], nlohmann::json({"DISCOVER"}));
  EXPECT_EQ(out.log[1]["msg_types"], nlohmann::json({"DISCOVER"}));
}

TEST(DhcpLog, RecordIsCutAtTheMessageTypeLimit) {
  LimitOverrides o;
  o.set("dhcp.max_msg_types_per_log", 2);
  const LogLimits l = log_limits_from(o);
  EXPECT_EQ(l.max_msg_types_per_log, 2u);
  std::vector<nlohmann::json> lines;
  LinesSink sink(lines);
  DhcpLog log(sink, l);
  // Three DISCOVERs of one xid: the first two make a record, the third another at the end.
  DhcpParserFactory f{Limits{}};
  const Bytes d = discover();
  struct Forward final : EventSink {
    DhcpLog* log = nullptr;
    bus::EventContext ctx;
    void emit(const bus::Event& e) override { log->on_event(ctx, e); }
    void anomaly(std::string_view, std::string_view) override {}
    void confirm_protocol() override {}
    [[nodiscard]] TimeNs packet_time() const override { return 0; }
  } fwd;
  fwd.log = &log;
  fwd.ctx.uid = "C1";
  auto q = f.make_datagram(fwd);
  for (int i = 0; i < 3; ++i) q->on_datagram(Direction::kToServer, ByteView(d));
  log.on_finish();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["msg_types"].size(), 2u);
  EXPECT_EQ(lines[1]["msg_types"].size(), 1u);
}

// ------------------------------------------------------------------ error paths

TEST(DhcpParser, ShortDatagramIsATruncatedHeaderAndNothingElse) {
  Bytes b = discover();
  b.resize(100);
  const Collected c = run({b});
  EXPECT_EQ(c.anomalies, std::vector<std::string>{"dhcp.truncated_header"});
  EXPECT_TRUE(c.messages.empty());
  EXPECT_EQ(c.confirmations, 0);
}

TEST(DhcpParser, OptionRunningPastTheEndIsTruncatedAndTheMessagePartial) {
  Bytes b = bootp(Header{});
  opt(b, 53, Bytes{1});
  b.insert(b.end(), {12, 40, 'x'});  // host name claims 40 bytes, 1 present
  const Collected c = run({b});
  EXPECT_EQ(c.anomalies, std::vector<std::string>{"dhcp.truncated_option"});
  ASSERT_EQ(c.messages.size(), 1u);
  EXPECT_TRUE(c.messages[0].partial);
  EXPECT_EQ(c.messages[0].msg_type, 1);
  EXPECT_EQ(c.hosts[0], "-");
  EXPECT_EQ(c.confirmations, 0);
}

TEST(DhcpParser, FixedSizeOptionWithTheWrongLengthIsAnAnomalyAndIgnored) {
  Bytes b = bootp(Header{});
  opt(b, 53, Bytes{1});
  opt(b, 50, Bytes{10, 0, 0});  // requested address: 3 bytes
  b.push_back(255);
  const Collected c = run({b});
  EXPECT_EQ(c.anomalies, std::vector<std::string>{"dhcp.bad_option_length"});
  EXPECT_FALSE(c.messages[0].requested_addr.has_value());
}

TEST(DhcpParser, BadOverloadValueAndMissingMessageTypeAreReported) {
  Bytes b = bootp(Header{});
  opt(b, 52, Bytes{7});
  b.push_back(255);
  const Collected c = run({b});
  EXPECT_EQ(c.anomalies,
            (std::vector<std::string>{"dhcp.bad_overload", "dhcp.missing_message_type"}));
  EXPECT_EQ(c.messages[0].overload, 0);
}

TEST(DhcpParser, TooManyOptionsStopsDecodingAtTheLimit) {
  Limits l;
  l.max_options = 3;
  Bytes b = bootp(Header{});
  opt(b, 53, Bytes{1});
  for (int i = 0; i < 5; ++i) opt(b, 200, Bytes{1});
  b.push_back(255);
  const Collected c = run({b}, l);
  EXPECT_EQ(c.anomalies, std::vector<std::string>{"dhcp.too_many_options"});
  EXPECT_TRUE(c.messages[0].partial);
}

TEST(DhcpParser, PlainBootpWithoutCookieIsAMessageWithoutOptions) {
  const Bytes b = bootp(Header{}, /*cookie=*/false);
  const Collected c = run({b});
  EXPECT_TRUE(c.anomalies.empty());
  ASSERT_EQ(c.messages.size(), 1u);
  EXPECT_FALSE(c.messages[0].has_options);
  EXPECT_EQ(c.messages[0].msg_type, 0);
}

TEST(DhcpParser, WrongCookieIsReported) {
  Bytes b = bootp(Header{}, false);
  b.insert(b.end(), {1, 2, 3, 4, 53, 1, 1, 255});
  const Collected c = run({b});
  EXPECT_EQ(c.anomalies, std::vector<std::string>{"dhcp.bad_magic_cookie"});
  EXPECT_EQ(c.messages[0].msg_type, 0);
}

TEST(DhcpParser, OpOtherThanRequestOrReplyIsNotDecoded) {
  Bytes b = discover();
  b[0] = 7;
  const Collected c = run({b});
  EXPECT_EQ(c.anomalies, std::vector<std::string>{"dhcp.bad_op"});
  EXPECT_TRUE(c.messages.empty());
}

TEST(DhcpParser, EveryTruncationOfAValidMessageIsHandled) {
  const Bytes full = reply(5);
  for (std::size_t n = 0; n < full.size(); ++n) {
    const Bytes cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    const Collected c = run({cut});
    if (n < 236) {
      EXPECT_EQ(c.anomalies, std::vector<std::string>{"dhcp.truncated_header"}) << n;
    } else {
      EXPECT_EQ(c.messages.size(), 1u) << n;
    }
  }
}

// ------------------------------------------------------------------ probe (negative cases)

TEST(DhcpProbe, AcceptsDhcpAndRejectsOtherProtocolsOnItsPorts) {
  EXPECT_EQ(probe_udp(Direction::kToServer, ByteView(discover())), Probe::kYes);
  EXPECT_EQ(probe_udp(Direction::kToClient, ByteView(reply(5))), Probe::kYes);
  /* a DNS query for www.example.com */
  const Bytes dns = {0x12, 0x34, 0x01, 0x00, 0,   1,   0,   0,   0,   0,   0,
                     0,    3,    'w',  'w',  'w', 7,   'e', 'x', 'a', 'm', 'p',
                     'l',  'e',  3,    'c',  'o', 'm', 0,   0,   1,   0,   1};
  EXPECT_EQ(probe_udp(Direction::kToServer, ByteView(dns)), Probe::kNo);
  EXPECT_EQ(probe_udp(Direction::kToServer, ByteView(bootp(Header{}, false))), Probe::kNo);
  Bytes bad_hlen = discover();
  bad_hlen[2] = 40;
  EXPECT_EQ(probe_udp(Direction::kToServer, ByteView(bad_hlen)), Probe::kNo);
  DhcpParserFactory f{Limits{}};
  Collected c;
  CollectingSink s(c);
  EXPECT_EQ(f.make(s), nullptr);  // no TCP
}

TEST(DhcpLimits, OverridesAreAppliedAndClamped) {
  LimitOverrides o;
  o.set("dhcp.max_options", 5);
  o.set("dhcp.max_addresses_per_option", 100000);
  const Limits l = limits_from(o);
  EXPECT_EQ(l.max_options, 5u);
  EXPECT_EQ(l.max_addresses_per_option, 64u);
}

}  // namespace
}  // namespace ward::parsers::dhcp
