#include "parsers/dns/dns_parser.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bus/bus.h"
#include "parsers/dns/dns_log.h"
#include "parsers/stream_driver.h"
#include "parsers/testing/parser_test_util.h"

namespace ward::parsers::dns {
namespace {

using Bytes = std::vector<std::uint8_t>;
using testing::Chunk;

// ------------------------------------------------------------------ message builder

void u16(Bytes& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v & 0xff));
}
void u32(Bytes& b, std::uint32_t v) {
  u16(b, static_cast<std::uint16_t>(v >> 16));
  u16(b, static_cast<std::uint16_t>(v & 0xffff));
}
// A name as uncompressed labels ("" is the root).
void name(Bytes& b, std::string_view dotted) {
  while (!dotted.empty()) {
    const auto dot = dotted.find('.');
    const std::string_view label = dotted.substr(0, dot);
    b.push_back(static_cast<std::uint8_t>(label.size()));
    b.insert(b.end(), label.begin(), label.end());
    dotted = dot == std::string_view::npos ? std::string_view() : dotted.substr(dot + 1);
  }
  b.push_back(0);
}
Bytes header(std::uint16_t id, std::uint16_t flags, std::uint16_t qd, std::uint16_t an,
             std::uint16_t ns, std::uint16_t ar) {
  Bytes b;
  for (std::uint16_t v : {id, flags, qd, an, ns, ar}) u16(b, v);
  return b;
}
void question(Bytes& b, std::string_view qname, std::uint16_t qtype, std::uint16_t qclass = 1) {
  name(b, qname);
  u16(b, qtype);
  u16(b, qclass);
}
// A record whose owner is the pointer 0xc00c (the first question's name).
void rr(Bytes& b, std::uint16_t type, std::uint32_t ttl, const Bytes& rdata,
        std::uint16_t rclass = 1) {
  u16(b, 0xc00c);
  u16(b, type);
  u16(b, rclass);
  u32(b, ttl);
  u16(b, static_cast<std::uint16_t>(rdata.size()));
  b.insert(b.end(), rdata.begin(), rdata.end());
}
Bytes named(std::string_view dotted) {
  Bytes b;
  name(b, dotted);
  return b;
}

/* www.example.com A? id 0x1234, RD */
Bytes a_query(std::uint16_t id = 0x1234, std::string_view qname = "www.example.com") {
  Bytes b = header(id, 0x0100, 1, 0, 0, 0);
  question(b, qname, rr_type::kA);
  return b;
}
/* www.example.com A 192.0.2.1, 192.0.2.2; id 0x1234, QR RD RA */
Bytes a_response(std::uint16_t id = 0x1234, std::string_view qname = "www.example.com") {
  Bytes b = header(id, 0x8180, 1, 2, 0, 0);
  question(b, qname, rr_type::kA);
  rr(b, rr_type::kA, 300, {192, 0, 2, 1});
  rr(b, rr_type::kA, 60, {192, 0, 2, 2});
  return b;
}

// ------------------------------------------------------------------ running

std::string describe(const bus::Event& e) {
  if (const auto* m = bus::event_cast<DnsMessage>(e)) {
    std::string s = std::string(m->qr ? "response" : "query") + " id=" + std::to_string(m->id);
    for (const Question& q : m->questions)
      s += " q=" + std::string(q.name) + "/" + type_name(q.qtype);
    for (const ResourceRecord& r : m->records) {
      s += " " + std::string(section_name(r.section)) + ":" + std::string(r.name) + "/" +
           type_name(r.type) + (r.decoded ? "" : "(raw " + std::to_string(r.rdata.size()) + ")");
      if (!r.target.empty()) s += "->" + std::string(r.target);
      if (r.type == rr_type::kA || r.type == rr_type::kAaaa) s += "=" + r.addr.to_string();
      for (std::string_view t : r.strings) s += "[" + std::string(t) + "]";
    }
    if (m->edns) s += " edns=" + std::to_string(m->edns->udp_payload_size);
    if (m->partial) s += " partial";
    return s;
  }
  if (const auto* t = bus::event_cast<DnsTransaction>(e)) {
    std::string s = "tx id=" + std::to_string(t->trans_id) + " query=" + t->query +
                    (t->saw_query ? " Q" : "") + (t->saw_reply ? " R" : "");
    for (const std::string& a : t->answers) s += " " + a;
    if (t->rtt) s += " rtt=" + std::to_string(*t->rtt);
    return s;
  }
  return "";
}

struct Collected {
  std::vector<std::string> events;
  std::vector<std::string> anomalies;
  std::vector<nlohmann::json> log;
  int confirmations = 0;
};

class CollectingSink final : public EventSink {
 public:
  explicit CollectingSink(Collected& out) : out_(out) {
    IpAddr::parse("10.0.0.1", ctx_.orig_h);
    IpAddr::parse("10.0.0.53", ctx_.resp_h);
    ctx_.orig_p = 40000;
    ctx_.resp_p = 53;
    ctx_.uid = "CTEST";
  }
  void emit(const bus::Event& e) override {
    const std::string d = describe(e);
    if (!d.empty()) out_.events.push_back(d);
    if (const auto* t = bus::event_cast<DnsTransaction>(e)) {
      std::string line;
      DnsLog::format(line, ctx_, *t);
      out_.log.push_back(nlohmann::json::parse(line));
    }
  }
  void anomaly(std::string_view id, std::string_view /*detail*/) override {
    out_.anomalies.emplace_back(id);
  }
  void confirm_protocol() override { ++out_.confirmations; }
  [[nodiscard]] TimeNs packet_time() const override { return now; }

  TimeNs now = 1'700'000'000 * kNsPerSec;
  bus::EventContext ctx_;

 private:
  Collected& out_;
};

// Delivers datagrams (to server, to client, ...) 10 ms apart, then ends the flow.
Collected run_udp(const std::vector<Chunk>& datagrams, const Limits& limits = Limits{}) {
  Collected out;
  CollectingSink sink(out);
  DnsParserFactory factory(limits);
  auto parser = factory.make_datagram(sink);
  for (const Chunk& c : datagrams) {
    parser->on_datagram(c.dir, ByteView(c.bytes));
    sink.now += 10'000'000;
  }
  parser->on_end();
  return out;
}

Chunk q(Bytes b) { return testing::to_server(std::move(b)); }
Chunk r(Bytes b) { return testing::to_client(std::move(b)); }

Bytes tcp_framed(const Bytes& msg) {
  Bytes b;
  u16(b, static_cast<std::uint16_t>(msg.size()));
  b.insert(b.end(), msg.begin(), msg.end());
  return b;
}

// ------------------------------------------------------------------ decoding

TEST(DnsParser, QueryAndResponseArePairedIntoOneTransactionWithZeeksFields) {
  const Collected c = run_udp({q(a_query()), r(a_response())});
  EXPECT_TRUE(c.anomalies.empty());
  EXPECT_EQ(c.confirmations, 1);
  ASSERT_EQ(c.log.size(), 1u);
  const auto& l = c.log[0];
  EXPECT_EQ(l["id.orig_h"], "10.0.0.1");
  EXPECT_EQ(l["proto"], "udp");
  EXPECT_EQ(l["trans_id"], 0x1234);
  EXPECT_DOUBLE_EQ(l["rtt"].get<double>(), 0.01);
  EXPECT_EQ(l["query"], "www.example.com");
  EXPECT_EQ(l["qclass"], 1);
  EXPECT_EQ(l["qclass_name"], "C_INTERNET");
  EXPECT_EQ(l["qtype"], 1);
  EXPECT_EQ(l["qtype_name"], "A");
  EXPECT_EQ(l["rcode"], 0);
  EXPECT_EQ(l["rcode_name"], "NOERROR");
  EXPECT_EQ(l["AA"], false);
  EXPECT_EQ(l["RD"], true);
  EXPECT_EQ(l["RA"], true);
  EXPECT_EQ(l["Z"], 0);
  EXPECT_EQ(l["answers"], nlohmann::json({"192.0.2.1", "192.0.2.2"}));
  EXPECT_EQ(l["TTLs"], nlohmann::json({300.0, 60.0}));
  EXPECT_EQ(l["rejected"], false);
  EXPECT_EQ(l["opcode_name"], "query");
  EXPECT_EQ(l["saw_query"], true);
  EXPECT_EQ(l["saw_reply"], true);
  EXPECT_FALSE(l.contains("mdns"));
}

TEST(DnsParser, ResponseWithoutQueryIsLoggedAloneWithTheClientAsOriginator) {
  const Collected c = run_udp({q(a_response())});  // the response travels orig -> resp
  ASSERT_EQ(c.log.size(), 1u);
  EXPECT_EQ(c.log[0]["id.orig_h"], "10.0.0.53");
  EXPECT_EQ(c.log[0]["id.resp_p"], 40000);
  EXPECT_EQ(c.log[0]["saw_query"], false);
  EXPECT_FALSE(c.log[0].contains("rtt"));
  EXPECT_FALSE(c.log[0].contains("qtype"));  // Zeek: qtype and qclass come from the query
  EXPECT_EQ(c.log[0]["query"], "www.example.com");
}

TEST(DnsParser, QueryNeverAnsweredIsLoggedWhenTheFlowEnds) {
  const Collected c = run_udp({q(a_query(1)), q(a_query(2))});
  ASSERT_EQ(c.log.size(), 2u);
  EXPECT_EQ(c.log[0]["trans_id"], 1);
  EXPECT_EQ(c.log[0]["saw_reply"], false);
  EXPECT_FALSE(c.log[0].contains("rcode"));
}

TEST(DnsParser, ResponsesArePairedByIdAndQuestionNotByOrder) {
  const Collected c = run_udp({q(a_query(1, "a.example")), q(a_query(2, "b.example")),
                               r(a_response(2, "b.example")), r(a_response(1, "a.example"))});
  ASSERT_EQ(c.log.size(), 2u);
  EXPECT_EQ(c.log[0]["query"], "b.example");
  EXPECT_EQ(c.log[0]["saw_query"], true);
  EXPECT_EQ(c.log[1]["query"], "a.example");
  EXPECT_EQ(c.log[1]["saw_query"], true);
}

TEST(DnsParser, ADuplicateResponseIsLoggedAsAResponseAlone) {
  const Collected c = run_udp({q(a_query()), r(a_response()), r(a_response())});
  ASSERT_EQ(c.log.size(), 2u);
  EXPECT_EQ(c.log[0]["saw_query"], true);
  EXPECT_EQ(c.log[1]["saw_query"], false);
}

TEST(DnsParser, CommonRecordTypesAreDecoded) {
  Bytes b = header(7, 0x8400, 1, 11, 0, 0);
  question(b, "example.com", 255);
  Bytes aaaa = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  rr(b, rr_type::kAaaa, 1, aaaa);
  rr(b, rr_type::kCname, 1, named("alias.example.com"));
  rr(b, rr_type::kNs, 1, named("ns1.example.com"));
  rr(b, rr_type::kPtr, 1, named("host.example.com"));
  Bytes mx;
  u16(mx, 10);
  name(mx, "mail.example.com");
  rr(b, rr_type::kMx, 1, mx);
  rr(b, rr_type::kTxt, 1, {3, 'a', 'b', 'c', 2, 'd', 'e'}); /* "abc" "de" */
  Bytes srv;
  for (std::uint16_t v : {1, 2, 5060}) u16(srv, v);
  name(srv, "sip.example.com");
  rr(b, rr_type::kSrv, 1, srv);
  Bytes naptr;
  u16(naptr, 100);
  u16(naptr, 10);
  for (std::string_view s : {"s", "SIP+D2U", ""}) {
    naptr.push_back(static_cast<std::uint8_t>(s.size()));
    naptr.insert(naptr.end(), s.begin(), s.end());
  }
  name(naptr, "_sip._udp.example.com");
  rr(b, rr_type::kNaptr, 1, naptr);
  rr(b, rr_type::kCaa, 1, {0, 5, 'i', 's', 's', 'u', 'e', 'c', 'a', '.', 'o', 'r', 'g'});
  Bytes https;
  u16(https, 1);
  name(https, "");
  for (std::uint16_t v : {1, 3}) u16(https, v); /* alpn, 3 bytes: "\x02h2" */
  https.insert(https.end(), {2, 'h', '2'});
  rr(b, rr_type::kHttps, 1, https);
  rr(b, 99 + 1000, 1, {1, 2, 3});  // an unassigned type: kept as its length
  const Collected c = run_udp({r(b)});
  EXPECT_TRUE(c.anomalies.empty()) << c.anomalies[0];
  ASSERT_EQ(c.log.size(), 1u);
  EXPECT_EQ(c.log[0]["answers"],
            nlohmann::json({"2001:db8::1", "alias.example.com", "ns1.example.com",
                            "host.example.com", "mail.example.com", "TXT 3 abc TXT 2 de",
                            "sip.example.com", "NAPTR 100 10 s SIP+D2U _sip._udp.example.com",
                            "CAA 0 issue ca.org", "HTTPS 1 .", "<unknown type=1099>"}));
  EXPECT_EQ(c.log[0]["records"][5]["txt"], nlohmann::json({"abc", "de"}));
  EXPECT_EQ(c.log[0]["AA"], true);
}

TEST(DnsParser, SoaInTheAuthoritySectionIsLoggedWithItsFields) {
  Bytes b = header(9, 0x8183, 1, 0, 1, 0);  // NXDOMAIN
  question(b, "nope.example", rr_type::kA);
  Bytes soa;
  name(soa, "ns.example");
  name(soa, "hostmaster.example");
  for (std::uint32_t v : {1u, 7200u, 900u, 1209600u, 86400u}) u32(soa, v);
  rr(b, rr_type::kSoa, 899, soa);
  const Collected c = run_udp({r(b)});
  ASSERT_EQ(c.log.size(), 1u);
  EXPECT_EQ(c.log[0]["rcode_name"], "NXDOMAIN");
  EXPECT_FALSE(c.log[0].contains("answers"));
  const auto& rec = c.log[0]["records"][0];
  EXPECT_EQ(rec["section"], "authority");
  EXPECT_EQ(rec["soa"]["mname"], "ns.example");
  EXPECT_EQ(rec["soa"]["rname"], "hostmaster.example");
  EXPECT_EQ(rec["soa"]["expire"], 1209600);
}

TEST(DnsParser, EdnsOptRecordGivesUdpSizeVersionDoFlagAndOptions) {
  Bytes b = header(3, 0x0120, 1, 0, 0, 1);
  question(b, "example.org", rr_type::kA);
  b.push_back(0);  // root owner
  u16(b, rr_type::kOpt);
  u16(b, 1232);        // UDP payload size
  u32(b, 0x01008000);  // extended rcode 1, version 0, DO
  Bytes opts;
  u16(opts, 10);  // COOKIE, 8 bytes
  u16(opts, 8);
  opts.insert(opts.end(), 8, 0xab);
  u16(b, static_cast<std::uint16_t>(opts.size()));
  b.insert(b.end(), opts.begin(), opts.end());
  const Collected c = run_udp({q(b)});
  EXPECT_TRUE(c.anomalies.empty());
  ASSERT_EQ(c.log.size(), 1u);
  const auto& e = c.log[0]["edns"];
  EXPECT_EQ(e["udp_payload_size"], 1232);
  EXPECT_EQ(e["extended_rcode"], 1);
  EXPECT_EQ(e["version"], 0);
  EXPECT_EQ(e["dnssec_ok"], true);
  EXPECT_EQ(e["options"], nlohmann::json({10}));
  EXPECT_EQ(c.log[0]["Z"], 2);  // Zeek's Z: the AD bit of the query
}

TEST(DnsParser, CompressedNamesAreExpanded) {
  Bytes b = header(5, 0x8180, 1, 1, 0, 0);
  question(b, "www.example.com", rr_type::kCname);
  /* CNAME -> "cdn" + pointer to "example.com" at offset 16 */
  rr(b, rr_type::kCname, 5, {3, 'c', 'd', 'n', 0xc0, 16});
  const Collected c = run_udp({r(b)});
  EXPECT_TRUE(c.anomalies.empty());
  ASSERT_EQ(c.log.size(), 1u);
  EXPECT_EQ(c.log[0]["answers"], nlohmann::json({"cdn.example.com"}));
}

// ------------------------------------------------------------------ error paths

TEST(DnsParser, PointerChainDeeperThanTheLimitIsAnAnomalyNotAHang) {
  // Zeek's max-compression-depth trace: each answer's name points at the previous one's.
  Bytes b = header(0x1234, 0x8180, 1, 7, 0, 0);
  question(b, "a", rr_type::kA);
  std::uint16_t prev = 19;  // the first answer's owner, written out below
  for (int i = 0; i < 7; ++i) {
    const auto here = static_cast<std::uint16_t>(b.size());
    if (i == 0) {
      name(b, "a");
    } else {
      u16(b, static_cast<std::uint16_t>(0xc000 | prev));
    }
    u16(b, rr_type::kA);
    u16(b, 1);
    u32(b, 300);
    u16(b, 4);
    b.insert(b.end(), {127, 0, 0, static_cast<std::uint8_t>(i + 1)});
    prev = here;
  }
  const Collected c = run_udp({r(b)});
  EXPECT_EQ(c.anomalies, std::vector<std::string>{"dns.compression_depth_exceeded"});
  ASSERT_EQ(c.events.size(), 2u);
  EXPECT_NE(c.events[0].find("partial"), std::string::npos);
  ASSERT_EQ(c.log.size(), 1u);
  // Answer k's owner is k pointers away: answers 0..5 are within the limit of 5.
  EXPECT_EQ(c.log[0]["answers"].size(), 6u);
}

TEST(DnsParser, PointerLoopEndsAtTheDepthLimit) {
  Bytes b = header(1, 0x0000, 1, 0, 0, 0);
  u16(b, 0xc00c);  // the question name points at itself
  u16(b, 1);
  u16(b, 1);
  const Collected c = run_udp({q(b)});
  EXPECT_EQ(c.anomalies, std::vector<std::string>{"dns.compression_depth_exceeded"});
}

TEST(DnsParser, ShorterThanAHeaderIsReportedAndSkipped) {
  const Collected c = run_udp({q({0x12, 0x34, 0x01})});
  EXPECT_EQ(c.anomalies, std::vector<std::string>{"dns.truncated_header"});
  EXPECT_TRUE(c.events.empty());
  EXPECT_EQ(c.confirmations, 0);
}

TEST(DnsParser, RecordCutShortIsATruncatedMessage) {
  Bytes b = a_response();
  b.resize(b.size() - 3);
  const Collected c = run_udp({r(b)});
  EXPECT_EQ(c.anomalies, std::vector<std::string>{"dns.truncated_message"});
  ASSERT_EQ(c.log.size(), 1u);
  EXPECT_EQ(c.log[0]["answers"].size(), 1u);
  EXPECT_EQ(c.confirmations, 0);  // a partial message does not confirm the protocol
}

TEST(DnsParser, ReservedLabelTypeIsAMalformedName) {
  Bytes b = header(1, 0x0100, 1, 0, 0, 0);
  b.insert(b.end(), {0x41, 'x', 0, 0, 1, 0, 1}); /* label type 0x40 */
  EXPECT_EQ(run_udp({q(b)}).anomalies, std::vector<std::string>{"dns.malformed_name"});
}

TEST(DnsParser, NameLongerThan255BytesIsMalformed) {
  Bytes b = header(1, 0x0100, 1, 0, 0, 0);
  for (int i = 0; i < 5; ++i) {
    b.push_back(63);
    b.insert(b.end(), 63, 'x');
  }
  b.push_back(0);
  u16(b, 1);
  u16(b, 1);
  EXPECT_EQ(run_udp({q(b)}).anomalies, std::vector<std::string>{"dns.malformed_name"});
}

TEST(DnsParser, RdataNotMatchingItsTypeIsKeptUndecoded) {
  Bytes b = header(1, 0x8180, 1, 1, 0, 0);
  question(b, "x.example", rr_type::kA);
  rr(b, rr_type::kA, 1, {1, 2, 3});  // three bytes for an A record
  const Collected c = run_udp({r(b)});
  EXPECT_EQ(c.anomalies, std::vector<std::string>{"dns.malformed_rdata"});
  ASSERT_EQ(c.log.size(), 1u);
  EXPECT_EQ(c.log[0]["answers"], nlohmann::json({"<unknown type=1>"}));
}

TEST(DnsParser, BytesAfterTheLastRecordAreReported) {
  Bytes b = a_query();
  b.push_back(0xff);
  EXPECT_EQ(run_udp({q(b)}).anomalies, std::vector<std::string>{"dns.trailing_bytes"});
}

TEST(DnsParser, SecondOptRecordIsReported) {
  Bytes b = header(3, 0x0100, 1, 0, 0, 2);
  question(b, "example.org", rr_type::kA);
  for (int i = 0; i < 2; ++i) {
    b.push_back(0);
    u16(b, rr_type::kOpt);
    u16(b, 512);
    u32(b, 0);
    u16(b, 0);
  }
  EXPECT_EQ(run_udp({q(b)}).anomalies, std::vector<std::string>{"dns.multiple_opt"});
}

TEST(DnsParser, QuestionsOverTheLimitStopDecoding) {
  Limits l;
  l.max_questions = 2;
  Bytes b = header(1, 0x0000, 3, 0, 0, 0);
  for (int i = 0; i < 3; ++i) question(b, "q.local", rr_type::kPtr);
  const Collected c = run_udp({q(b)}, l);
  EXPECT_EQ(c.anomalies, std::vector<std::string>{"dns.too_many_questions"});
  ASSERT_EQ(c.log.size(), 1u);
  EXPECT_EQ(c.log[0]["extra_queries"].size(), 1u);
}

TEST(DnsParser, RecordsOverTheLimitStopDecoding) {
  Limits l;
  l.max_records = 1;
  const Collected c = run_udp({r(a_response())}, l);
  EXPECT_EQ(c.anomalies, std::vector<std::string>{"dns.too_many_records"});
  EXPECT_EQ(c.log[0]["answers"].size(), 1u);
}

TEST(DnsParser, TxtStringsOverTheLimitAreSkipped) {
  Limits l;
  l.max_strings_per_record = 1;
  Bytes b = header(1, 0x8180, 1, 1, 0, 0);
  question(b, "t.example", rr_type::kTxt);
  rr(b, rr_type::kTxt, 1, {1, 'a', 1, 'b'});
  const Collected c = run_udp({r(b)}, l);
  EXPECT_EQ(c.anomalies, std::vector<std::string>{"dns.too_many_strings"});
  EXPECT_EQ(c.log[0]["answers"], nlohmann::json({"TXT 1 a"}));
}

TEST(DnsParser, EdnsOptionsOverTheLimitAreSkipped) {
  Limits l;
  l.max_edns_options = 1;
  Bytes b = header(3, 0x0100, 1, 0, 0, 1);
  question(b, "example.org", rr_type::kA);
  b.push_back(0);
  u16(b, rr_type::kOpt);
  u16(b, 512);
  u32(b, 0);
  u16(b, 8);
  for (std::uint16_t v : {12, 0, 12, 0}) u16(b, v);  // two empty PADDING options
  const Collected c = run_udp({q(b)}, l);
  EXPECT_EQ(c.anomalies, std::vector<std::string>{"dns.too_many_edns_options"});
  EXPECT_EQ(c.log[0]["edns"]["options"], nlohmann::json({12}));
}

TEST(DnsParser, PendingQueriesOverTheLimitLogTheOldestUnanswered) {
  Limits l;
  l.max_pending_queries = 2;
  const Collected c = run_udp({q(a_query(1)), q(a_query(2)), q(a_query(3)), r(a_response(3))}, l);
  EXPECT_EQ(c.anomalies, std::vector<std::string>{"dns.too_many_pending_queries"});
  ASSERT_EQ(c.log.size(), 3u);
  EXPECT_EQ(c.log[0]["trans_id"], 1);  // evicted
  EXPECT_EQ(c.log[1]["trans_id"], 3);  // answered
  EXPECT_EQ(c.log[2]["trans_id"], 2);  // flushed at the end
}

TEST(DnsParser, LoggedRecordsAndStringsAreBounded) {
  Limits l;
  l.max_logged_records = 1;
  l.max_string_bytes = 16;
  Bytes b = header(1, 0x8180, 1, 2, 0, 0);
  question(b, "t.example", rr_type::kTxt);
  Bytes txt = {40};
  txt.insert(txt.end(), 40, 'x');
  rr(b, rr_type::kTxt, 1, txt);
  rr(b, rr_type::kTxt, 1, txt);
  const Collected c = run_udp({r(b)}, l);
  EXPECT_TRUE(c.anomalies.empty());
  EXPECT_EQ(c.log[0]["records"].size(), 1u);
  EXPECT_EQ(c.log[0]["records"][0]["rdata"].get<std::string>().size(), 16u);
}

// ------------------------------------------------------------------ TCP

TEST(DnsParser, TcpMessagesAreFramedByTheirLengthAtEverySplit) {
  DnsParserFactory f{Limits{}};
  Bytes two = tcp_framed(a_query(1));
  const Bytes second = tcp_framed(a_query(2, "b.example"));
  two.insert(two.end(), second.begin(), second.end());
  const std::vector<Chunk> chunks = {testing::to_server(two),
                                     testing::to_client(tcp_framed(a_response(1))),
                                     testing::to_client(tcp_framed(a_response(2, "b.example")))};
  testing::expect_same_events_for_every_split(f, describe, chunks, /*reply_in_between=*/false);
  const auto res = testing::run_chunks(f, describe, chunks);
  EXPECT_TRUE(res.anomalies.empty());
  EXPECT_EQ(res.confirmations, 1);
  ASSERT_EQ(res.events.size(), 6u);
  EXPECT_EQ(res.events[3], "tx id=1 query=www.example.com Q R 192.0.2.1 192.0.2.2 rtt=0");
}

TEST(DnsParser, TcpIncompleteMessageAsksForExactlyTheMissingBytes) {
  Collected out;
  CollectingSink sink(out);
  DnsParserFactory f{Limits{}};
  auto p = f.make(sink);
  const Bytes framed = tcp_framed(a_query());
  auto res = p->on_data(Direction::kToServer, ByteView(framed).first(1));
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res->consumed, 0u);
  EXPECT_EQ(res->needed, 1u);
  res = p->on_data(Direction::kToServer, ByteView(framed).first(10));
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res->consumed, 0u);
  EXPECT_EQ(res->needed, framed.size() - 10);
}

TEST(DnsParser, TcpMessageOverTheLimitIsSkippedNotBuffered) {
  Limits l;
  l.max_message_bytes = 24;  // the query below is 21 bytes, the response more than 24
  DnsParserFactory f{l};
  Bytes stream = tcp_framed(a_response());  // over 20 bytes
  const Bytes next = tcp_framed(a_query(9, "a.b"));
  stream.insert(stream.end(), next.begin(), next.end());
  const std::vector<Chunk> chunks = {testing::to_client(stream)};
  const auto res = testing::run_chunks(f, describe, chunks);
  EXPECT_EQ(res.anomalies, std::vector<std::string>{"dns.message_too_large"});
  ASSERT_EQ(res.events.size(), 2u);
  EXPECT_EQ(res.events[0], "query id=9 q=a.b/A");
  testing::expect_same_events_for_every_split(f, describe, chunks, false);
}

TEST(DnsParser, TcpGapStopsTheDirection) {
  Collected out;
  CollectingSink sink(out);
  DnsParserFactory f{Limits{}};
  auto p = f.make(sink);
  StreamDriver driver(StreamDriver::Limits{});
  const Bytes framed = tcp_framed(a_query());
  driver.gap(*p, Direction::kToServer, 7);
  driver.deliver(*p, sink, Direction::kToServer, ByteView(framed));
  EXPECT_EQ(out.anomalies, std::vector<std::string>{"dns.stream_gap"});
  EXPECT_TRUE(out.events.empty());  // the bytes after the gap are not parsed
}

TEST(DnsParser, TcpStreamEndingInsideAMessageIsReported) {
  DnsParserFactory f{Limits{}};
  Bytes framed = tcp_framed(a_query());
  framed.resize(framed.size() - 4);
  const auto res = testing::run_chunks(f, describe, {testing::to_server(framed)});
  EXPECT_EQ(res.anomalies, std::vector<std::string>{"dns.truncated_stream"});
  EXPECT_TRUE(res.events.empty());
}

// ------------------------------------------------------------------ probes, limits, mDNS

TEST(DnsProbe, UdpProbeAcceptsWellFormedMessagesOnly) {
  EXPECT_EQ(probe_udp(Direction::kToServer, ByteView(a_query())), Probe::kYes);
  EXPECT_EQ(probe_udp(Direction::kToClient, ByteView(a_response())), Probe::kYes);
  Bytes trailing = a_query();
  trailing.push_back(0);
  EXPECT_EQ(probe_udp(Direction::kToServer, ByteView(trailing)), Probe::kNo);
  const std::string text = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  EXPECT_EQ(probe_udp(Direction::kToServer, as_bytes(text)), Probe::kNo);
  Bytes no_question = header(1, 0x0100, 0, 0, 0, 0);
  EXPECT_EQ(probe_udp(Direction::kToServer, ByteView(no_question)), Probe::kNo);
  Bytes odd_class = header(1, 0x0100, 1, 0, 0, 0);
  question(odd_class, "x.example", 1, 77);
  EXPECT_EQ(probe_udp(Direction::kToServer, ByteView(odd_class)), Probe::kNo);
  // A DHCP BOOTREQUEST's first bytes do not decode as DNS.
  Bytes dhcp = {1, 1, 6, 0, 0x39, 0x03, 0xf3, 0x26, 0, 0, 0, 0};
  dhcp.resize(300, 0);
  EXPECT_EQ(probe_udp(Direction::kToServer, ByteView(dhcp)), Probe::kNo);
}

TEST(DnsProbe, TcpProbeWaitsForAPlausibleHeaderAndDecidesOnTheWholeMessage) {
  const Bytes framed = tcp_framed(a_query());
  EXPECT_EQ(probe_tcp(Direction::kToServer, ByteView(framed).first(1)), Probe::kMaybe);
  EXPECT_EQ(probe_tcp(Direction::kToServer, ByteView(framed).first(14)), Probe::kMaybe);
  EXPECT_EQ(probe_tcp(Direction::kToServer, ByteView(framed)), Probe::kYes);
  /* TLS record: handshake, TLS 1.0, length 0x0200; ClientHello, length 0x0001fc, 3.3 */
  Bytes tls = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03};
  tls.resize(64, 0x20);
  EXPECT_EQ(probe_tcp(Direction::kToServer, ByteView(tls)), Probe::kNo);
  const std::string http = "GET / HTTP/1.1\r\n";
  EXPECT_EQ(probe_tcp(Direction::kToServer, as_bytes(http)), Probe::kNo);
}

TEST(DnsLimits, OverridesAreAppliedAndClamped) {
  LimitOverrides o;
  o.set("dns.max_records", 10);
  o.set("dns.max_compression_pointers", 100000);
  o.set("dns.max_message_bytes", 1);
  const Limits l = limits_from(o);
  EXPECT_EQ(l.max_records, 10u);
  EXPECT_EQ(l.max_compression_pointers, 128u);
  EXPECT_EQ(l.max_message_bytes, 12u);
  EXPECT_EQ(l.max_pending_queries, Limits{}.max_pending_queries);
}

TEST(DnsLog, MdnsFlowsAreMarkedAndUnicastResponseBitIsKeptInTheClass) {
  Collected out;
  CollectingSink sink(out);
  sink.ctx_.orig_p = 5353;
  sink.ctx_.resp_p = 5353;
  DnsParserFactory f{Limits{}};
  auto p = f.make_datagram(sink);
  Bytes b = header(0, 0x0000, 2, 0, 0, 0);
  question(b, "_ipp._tcp.local", rr_type::kPtr, 0x8001);
  question(b, "_printer._tcp.local", rr_type::kPtr, 1);
  p->on_datagram(Direction::kToServer, ByteView(b));
  p->on_end();
  ASSERT_EQ(out.log.size(), 1u);
  EXPECT_EQ(out.log[0]["mdns"], true);
  EXPECT_EQ(out.log[0]["qclass"], 0x8001);
  EXPECT_EQ(out.log[0]["extra_queries"][0]["query"], "_printer._tcp.local");
  EXPECT_TRUE(decodes_cleanly(ByteView(b)));
}

TEST(DnsNames, ZeekNamesForTypesClassesRcodesAndOpcodes) {
  EXPECT_EQ(type_name(28), "AAAA");
  EXPECT_EQ(type_name(65), "HTTPS");
  EXPECT_EQ(type_name(4242), "query-4242");
  EXPECT_EQ(class_name(3), "C_CHAOS");
  EXPECT_EQ(class_name(77), "unknown-77");
  EXPECT_EQ(rcode_name(3), "NXDOMAIN");
  EXPECT_EQ(rcode_name(200), "unknown-200");
  EXPECT_EQ(opcode_name(5), "dynamic_update");
  EXPECT_EQ(opcode_name(9), "unknown-9");
}

}  // namespace
}  // namespace ward::parsers::dns
