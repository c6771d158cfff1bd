// Unit tests of the HL7/MLLP parser and the hl7 log writer. Messages are the synthetic IHE PCD
// samples in testdata/ (made-up patients), inline variants of them, the real third-party
// samples under ../shared/data/hl7 and the HL7 capture of nDPI.
#include "parsers/hl7_mllp/hl7_parser.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "bus/bus.h"
#include "clinical/infusion.h"
#include "clinical/phi.h"
#include "parsers/hl7_mllp/hl7_log.h"
#include "parsers/stream_driver.h"
#include "parsers/testing/parser_test_util.h"

namespace ward::parsers::hl7 {
namespace {

namespace pt = ward::parsers::testing;
using pt::Chunk;

// ---------------------------------------------------------------------------------------------
// Helpers

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A synthetic sample from testdata/ (one segment per line) with HL7's <CR> terminators.
std::string sample(std::string_view name) {
  std::string text =
      read_file(std::filesystem::path(WARD_SOURCE_DIR) / "src/parsers/hl7_mllp/testdata" / name);
  EXPECT_FALSE(text.empty()) << name;
  std::replace(text.begin(), text.end(), '\n', '\r');
  return text;
}

std::filesystem::path shared_hl7_dir() {
  return std::filesystem::path(WARD_SHARED_DATA_DIR) / "hl7";
}

// MLLP framing: <VT> message <FS><CR>.
std::string mllp(std::string_view message) {
  std::string s = "\x0b";
  s += message;
  s += "\x1c\x0d";
  return s;
}

std::string replace_all(std::string s, std::string_view from, std::string_view to) {
  for (std::size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size()))
    s.replace(p, from.size(), to);
  return s;
}

struct ObsCopy {
  std::string set_id, value_type, code, code_name, sub_id, value, units, status, equipment_id;
};
struct ErrCopy {
  std::string code, severity, app_code, text;
};
struct UdiCopy {
  std::string udi, udi_di, serial;
};
struct MsgCopy {
  std::string raw, encoding_chars, sending_application, sending_facility, receiving_application,
      receiving_facility, message_time, message_type, message_code, trigger_event, control_id,
      processing_id, version, profile_id, ack_code, ack_control_id, order_control, point_of_care,
      patient_id, patient_name;
  char field_sep = 0;
  char component_sep = 0;
  PcdProfile pcd = PcdProfile::kNone;
  std::uint32_t segment_count = 0;
  std::vector<ErrCopy> errors;
  std::vector<ObsCopy> observations;
  std::vector<UdiCopy> udis;
  std::vector<std::string> phi_names;
  bool has_program = false;
};
struct ProgramCopy {
  std::string control_id, order_control, drug_id, drug_name, rate_units, care_area, pump_id;
  std::optional<double> rate, vtbi_ml, weight_kg;
  clinical::RateKind kind = clinical::RateKind::kUnknown;
};
struct PhiCopy {
  std::string protocol, where;
  std::vector<std::pair<std::string, std::string>> fields;
};

// Everything the parser emitted, copied out of the callbacks.
struct Capture {
  std::vector<MsgCopy> messages;
  std::vector<ProgramCopy> programs;
  std::vector<PhiCopy> phi;
  std::vector<std::string> anomalies;
  std::vector<std::string> kinds;  // event kinds in emission order
  int confirmations = 0;

  [[nodiscard]] bool has_anomaly(std::string_view id) const {
    return std::find(anomalies.begin(), anomalies.end(), id) != anomalies.end();
  }
};

class CapturingSink : public EventSink {
 public:
  CapturingSink(Capture& c, bus::Subscriber* log) : c_(c), log_(log) {}

  void emit(const bus::Event& e) override {
    if (log_ != nullptr) log_->on_event(context(), e);
    if (const auto* m = bus::event_cast<Hl7Message>(e)) {
      c_.kinds.emplace_back("hl7");
      MsgCopy x;
      x.raw = m->raw;
      x.encoding_chars = m->encoding_chars;
      x.sending_application = m->sending_application;
      x.sending_facility = m->sending_facility;
      x.receiving_application = m->receiving_application;
      x.receiving_facility = m->receiving_facility;
      x.message_time = m->message_time;
      x.message_type = m->message_type;
      x.message_code = m->message_code;
      x.trigger_event = m->trigger_event;
      x.control_id = m->control_id;
      x.processing_id = m->processing_id;
      x.version = m->version;
      x.profile_id = m->profile_id;
      x.ack_code = m->ack_code;
      x.ack_control_id = m->ack_control_id;
      x.order_control = m->order_control;
      x.point_of_care = m->point_of_care;
      x.patient_id = m->patient_id;
      x.patient_name = m->patient_name;
      x.field_sep = m->field_sep;
      x.component_sep = m->component_sep;
      x.pcd = m->pcd;
      x.segment_count = m->segment_count;
      for (const auto& er : m->errors)
        x.errors.push_back({std::string(er.code), std::string(er.severity),
                            std::string(er.app_code), std::string(er.text)});
      for (const auto& o : m->observations)
        x.observations.push_back({std::string(o.set_id), std::string(o.value_type),
                                  std::string(o.code), std::string(o.code_name),
                                  std::string(o.sub_id), std::string(o.value), std::string(o.units),
                                  std::string(o.status), std::string(o.equipment_id)});
      for (const auto& u : m->udis)
        x.udis.push_back({std::string(u.udi), std::string(u.udi_di), std::string(u.serial)});
      for (const auto& f : m->phi_fields) x.phi_names.emplace_back(f.name);
      x.has_program = m->program != nullptr;
      c_.messages.push_back(std::move(x));
    } else if (const auto* p = bus::event_cast<clinical::InfusionProgram>(e)) {
      c_.kinds.emplace_back("program");
      ProgramCopy x;
      x.control_id = p->message_control_id;
      x.order_control = p->order_control;
      x.drug_id = p->drug_id;
      x.drug_name = p->drug_name;
      x.rate_units = p->rate_units;
      x.care_area = p->care_area;
      x.pump_id = p->pump_id;
      x.rate = p->rate;
      x.vtbi_ml = p->vtbi_ml;
      x.weight_kg = p->patient_weight_kg;
      x.kind = p->rate_kind;
      EXPECT_EQ(p->source, clinical::ProgramSource::kHl7Pcd03);
      c_.programs.push_back(std::move(x));
    } else if (const auto* ph = bus::event_cast<clinical::PhiObserved>(e)) {
      c_.kinds.emplace_back("phi");
      PhiCopy x;
      x.protocol = ph->protocol;
      x.where = ph->where;
      for (const auto& f : ph->fields) x.fields.emplace_back(f.name, f.value);
      c_.phi.push_back(std::move(x));
    } else {
      ADD_FAILURE() << "unexpected event kind";
    }
  }
  void anomaly(std::string_view id, std::string_view /*detail*/) override {
    c_.anomalies.emplace_back(id);
  }
  void confirm_protocol() override { ++c_.confirmations; }
  [[nodiscard]] TimeNs packet_time() const override { return 1'700'000'000 * kNsPerSec; }

  static bus::EventContext context() {
    bus::EventContext ctx;
    ctx.ts = 1'700'000'000 * kNsPerSec;
    ctx.uid = "CHl7TestUid";
    EXPECT_TRUE(IpAddr::parse("10.20.0.5", ctx.orig_h));
    EXPECT_TRUE(IpAddr::parse("10.20.0.9", ctx.resp_h));
    ctx.orig_p = 50123;
    ctx.resp_p = 2575;
    ctx.proto = bus::Transport::kTcp;
    ctx.service = "hl7";
    return ctx;
  }

 private:
  Capture& c_;
  bus::Subscriber* log_;
};

// Delivers the chunks through a StreamDriver, as the flow layer does, then ends both directions.
Capture parse(const std::vector<Chunk>& chunks, const Limits& limits = Limits{},
              bus::Subscriber* log = nullptr) {
  Capture c;
  CapturingSink sink(c, log);
  const Hl7ParserFactory factory(limits);
  auto parser = factory.make(sink);
  StreamDriver driver(StreamDriver::Limits{});
  for (const Chunk& ch : chunks) {
    auto copy = std::make_unique<std::uint8_t[]>(ch.bytes.size() + 1);
    std::copy(ch.bytes.begin(), ch.bytes.end(), copy.get());
    driver.deliver(*parser, sink, ch.dir, ByteView(copy.get(), ch.bytes.size()));
  }
  driver.end(*parser, Direction::kToServer);
  driver.end(*parser, Direction::kToClient);
  return c;
}

Capture parse_one(std::string_view bytes, const Limits& limits = Limits{}) {
  return parse({pt::to_server(bytes)}, limits);
}

std::string fmt(std::optional<double> v) {
  if (!v) return "-";
  std::ostringstream s;
  s << *v;
  return s.str();
}

// The every-split test compares these descriptions: every decoded field that matters.
std::string describe_event(const bus::Event& e, bool with_raw_size) {
  std::ostringstream s;
  if (const auto* m = bus::event_cast<Hl7Message>(e)) {
    s << "hl7 " << m->message_type << " ctrl=" << m->control_id
      << " pcd=" << pcd_profile_name(m->pcd) << " v=" << m->version << " segs=" << m->segment_count
      << " from=" << m->sending_application << " ack=" << m->ack_code << "/" << m->ack_control_id
      << " orc=" << m->order_control << " poc=" << m->point_of_care;
    if (with_raw_size) s << " raw=" << m->raw.size();
    for (const auto& o : m->observations)
      s << " obx[" << o.set_id << "|" << o.value_type << "|" << o.code << "|" << o.code_name << "|"
        << o.sub_id << "|" << o.value << "|" << o.units << "|" << o.status << "|" << o.equipment_id
        << "]";
    for (const auto& er : m->errors)
      s << " err[" << er.code << "|" << er.severity << "|" << er.app_code << "|" << er.text << "]";
    for (const auto& u : m->udis)
      s << " udi[" << u.udi << "|" << u.udi_di << "|" << u.serial << "]";
  } else if (const auto* p = bus::event_cast<clinical::InfusionProgram>(e)) {
    s << "program ctrl=" << p->message_control_id << " oc=" << p->order_control
      << " drug=" << p->drug_id << "/" << p->drug_name << " rate=" << fmt(p->rate) << " "
      << p->rate_units << " " << clinical::rate_kind_name(p->rate_kind)
      << " vtbi=" << fmt(p->vtbi_ml) << " care=" << p->care_area << " pump=" << p->pump_id
      << " weight=" << fmt(p->patient_weight_kg);
  } else if (const auto* ph = bus::event_cast<clinical::PhiObserved>(e)) {
    s << "phi " << ph->protocol << " " << ph->where;
    for (const auto& f : ph->fields) s << " [" << f.name << "]";
  }
  return s.str();
}

std::string describe(const bus::Event& e) { return describe_event(e, true); }

const Hl7ParserFactory& default_factory() {
  static const Hl7ParserFactory f{Limits{}};
  return f;
}

// A minimal PCD-03 order; `rxg` and `obx` replace the RXG and OBX segments.
std::string order(std::string_view rxg, std::string_view obx = "") {
  std::string m =
      "MSH|^~\\&|IOP|HOSP|IOC|HOSP|20240301101500||RGV^O15^RGV_O15|C1|P|2.6\r"
      "PID|||SYN0001^^^T^PI||SYNTHETIC^TEST||19700101|F\r"
      "PV1||I|NICU^1^1\r"
      "ORC|NW|O1\r";
  m += rxg;
  m += "\r";
  if (!obx.empty()) {
    m += obx;
    m += "\r";
  }
  return m;
}

// ---------------------------------------------------------------------------------------------
// Framing

TEST(Hl7Framing, EveryTcpSplitOfAPcd03OrderAndItsAckGivesTheSameEvents) {
  pt::expect_same_events_for_every_split(default_factory(), describe,
                                         {pt::to_server(mllp(sample("pcd03_rgv_o15_dopamine.hl7"))),
                                          pt::to_client(mllp(sample("pcd03_ack_o15.hl7")))});
}

TEST(Hl7Framing, EveryTcpSplitOfAVolumeRateOrderAndItsRejectGivesTheSameEvents) {
  pt::expect_same_events_for_every_split(
      default_factory(), describe,
      {pt::to_server(mllp(sample("pcd03_rgv_o15_saline.hl7"))),
       pt::to_client(mllp(sample("pcd03_rrg_o16_reject_9018.hl7")))});
}

TEST(Hl7Framing, EveryTcpSplitOfAPcd01ReportWithAPrtGivesTheSameEvents) {
  pt::expect_same_events_for_every_split(default_factory(), describe,
                                         {pt::to_server(mllp(sample("pcd01_oru_r01_pump.hl7")))});
}

TEST(Hl7Framing, EveryTcpSplitOfAPcd04AlertGivesTheSameEvents) {
  pt::expect_same_events_for_every_split(
      default_factory(), describe, {pt::to_server(mllp(sample("pcd04_oru_r40_occlusion.hl7")))});
}

TEST(Hl7Framing, EveryTcpSplitOfAPcd10InfusionEventGivesTheSameEvents) {
  pt::expect_same_events_for_every_split(
      default_factory(), describe, {pt::to_server(mllp(sample("pcd10_oru_r42_deliv_start.hl7")))});
}

TEST(Hl7Framing, EveryTcpSplitOfJunkAnOversizedFrameAndAGoodOneGivesTheSameEvents) {
  Limits small;
  small.max_message_bytes = 300;
  const Hl7ParserFactory factory(small);
  std::string bytes = "junk\r\n";  // hl7.missing_start_block
  bytes += mllp("MSH|^~\\&|A|B|C|D|1||ADT^A01|X|P|2.5\r" + std::string(400, 'Z'));  // too large
  bytes += "\x0bMSH|^~\\&|lost";  // cut by the next start block
  bytes += mllp(sample("pcd03_ack_o15.hl7"));
  bytes += "\x0bMSH|^~\\&|cut at the end";  // hl7.truncated_at_end
  pt::expect_same_events_for_every_split(factory, describe, {pt::to_server(bytes)});
}

TEST(Hl7Framing, TwoFramesInOneSegmentAreTwoMessagesInOrder) {
  const Capture c =
      parse_one(mllp(sample("pcd03_ack_o15.hl7")) + mllp(sample("pcd03_rrg_o16_reject_9018.hl7")));
  ASSERT_EQ(c.messages.size(), 2U);
  EXPECT_EQ(c.messages[0].control_id, "IOC0001");
  EXPECT_EQ(c.messages[1].control_id, "IOC0002");
}

TEST(Hl7Framing, LineBreaksBetweenFramesAreIgnoredQuietly) {
  const std::string ack = mllp(sample("pcd03_ack_o15.hl7"));
  const Capture c = parse_one("\r\n" + ack + "\n\r\n" + ack + "\r");
  EXPECT_EQ(c.messages.size(), 2U);
  EXPECT_TRUE(c.anomalies.empty());
}

TEST(Hl7Framing, DataOutsideAFrameIsOneMissingStartBlockAndTheNextFrameParses) {
  // Raw HL7 without MLLP, then a framed message: one anomaly for the whole unframed run.
  const Capture c = parse({pt::to_server("MSH|^~\\&|RAW|NO|MLLP|X|1||ADT^A01|R1|P|2.5\rPID|1\r"),
                           pt::to_server("more unframed text\r"),
                           pt::to_server(mllp(sample("pcd03_ack_o15.hl7")))});
  EXPECT_EQ(c.anomalies, std::vector<std::string>{"hl7.missing_start_block"});
  ASSERT_EQ(c.messages.size(), 1U);
  EXPECT_EQ(c.messages[0].control_id, "IOC0001");
}

TEST(Hl7Framing, AStartBlockInsideAFrameDropsThePartialMessageAndResynchronises) {
  // <VT>MSH|...(no end block) <VT>MSH|...<FS><CR>
  const Capture c = parse_one("\x0bMSH|^~\\&|PARTIAL|X|Y|Z|1||ADT^A01|LOST|P|2.5\r" +
                              mllp(sample("pcd03_ack_o15.hl7")));
  EXPECT_EQ(c.anomalies, std::vector<std::string>{"hl7.unexpected_start_block"});
  ASSERT_EQ(c.messages.size(), 1U);
  EXPECT_EQ(c.messages[0].control_id, "IOC0001");
}

TEST(Hl7Framing, TheMessageCompletesAtTheEndBlockWithoutWaitingForItsCr) {
  std::string framed = mllp(sample("pcd03_ack_o15.hl7"));
  framed.pop_back();  // no <CR> after <FS>
  Capture c;
  CapturingSink sink(c, nullptr);
  auto parser = default_factory().make(sink);
  StreamDriver driver(StreamDriver::Limits{});
  driver.deliver(*parser, sink, Direction::kToServer, as_bytes(framed));
  EXPECT_EQ(c.messages.size(), 1U) << "emitted before the stream ends";
  EXPECT_EQ(driver.pending_bytes(Direction::kToServer), 0U);
  driver.end(*parser, Direction::kToServer);
  EXPECT_TRUE(c.anomalies.empty());
}

TEST(Hl7Framing, AnOversizedMessageIsSkippedWithoutBufferingAndTheNextOneParses) {
  Limits limits;
  limits.max_message_bytes = 1024;
  Capture c;
  CapturingSink sink(c, nullptr);
  const Hl7ParserFactory factory(limits);
  auto parser = factory.make(sink);
  StreamDriver driver(StreamDriver::Limits{});
  const Direction d = Direction::kToServer;
  // <VT>MSH|... then 100 KB of OBX text in 1000-byte segments, then <FS><CR>.
  const std::string head = "\x0bMSH|^~\\&|BIG|X|Y|Z|1||ORU^R01|BIG1|P|2.6\r";
  driver.deliver(*parser, sink, d, as_bytes(head));
  const std::string body(1000, 'A');
  for (int i = 0; i < 100; ++i) {
    driver.deliver(*parser, sink, d, as_bytes(body));
    EXPECT_LE(driver.pending_bytes(d), limits.max_message_bytes + 1) << "after segment " << i;
  }
  EXPECT_EQ(c.anomalies, std::vector<std::string>{"hl7.message_too_large"});
  EXPECT_EQ(driver.pending_bytes(d), 0U) << "skip mode consumes everything it sees";
  driver.deliver(*parser, sink, d, as_bytes(std::string_view("\x1c\x0d")));
  driver.deliver(*parser, sink, d, as_bytes(mllp(sample("pcd03_ack_o15.hl7"))));
  driver.end(*parser, d);
  ASSERT_EQ(c.messages.size(), 1U);
  EXPECT_EQ(c.messages[0].control_id, "IOC0001");
  EXPECT_EQ(c.anomalies.size(), 1U);
}

TEST(Hl7Framing, AMessageOfExactlyTheLimitIsAccepted) {
  Limits limits;
  limits.max_message_bytes = 200;
  std::string msg = "MSH|^~\\&|A|B|C|D|1||ADT^A01|EXACT|P|2.5\rZZZ|";
  msg += std::string(limits.max_message_bytes - msg.size(), 'x');
  ASSERT_EQ(msg.size(), limits.max_message_bytes);
  EXPECT_EQ(parse_one(mllp(msg), limits).messages.size(), 1U);
  EXPECT_TRUE(parse_one(mllp(msg + "y"), limits).has_anomaly("hl7.message_too_large"));
}

TEST(Hl7Framing, AStreamEndingInsideAFrameIsTruncatedAtEnd) {
  const Capture c = parse_one("\x0bMSH|^~\\&|A|B|C|D|1||ADT^A01|CUT|P|2.5\rPID|1||123");
  EXPECT_TRUE(c.messages.empty());
  EXPECT_EQ(c.anomalies, std::vector<std::string>{"hl7.truncated_at_end"});
}

TEST(Hl7Framing, AStreamEndingInsideAnOversizedFrameIsTruncatedAtEnd) {
  Limits limits;
  limits.max_message_bytes = 64;
  const Capture c = parse_one("\x0bMSH|^~\\&|" + std::string(200, 'x'), limits);
  EXPECT_EQ(c.anomalies,
            (std::vector<std::string>{"hl7.message_too_large", "hl7.truncated_at_end"}));
}

TEST(Hl7Framing, AGapInsideAFrameDropsItQuietlyAndTheNextFrameParses) {
  Capture c;
  CapturingSink sink(c, nullptr);
  auto parser = default_factory().make(sink);
  StreamDriver driver(StreamDriver::Limits{});
  const Direction d = Direction::kToServer;
  const std::string ack = mllp(sample("pcd03_ack_o15.hl7"));
  driver.deliver(*parser, sink, d, as_bytes(std::string_view(ack).substr(0, 40)));
  driver.gap(*parser, d, 100);
  // The tail of the lost frame, then a whole one.
  driver.deliver(*parser, sink, d, as_bytes(std::string_view(ack).substr(60)));
  driver.deliver(*parser, sink, d, as_bytes(ack));
  driver.end(*parser, d);
  ASSERT_EQ(c.messages.size(), 1U);
  EXPECT_TRUE(c.anomalies.empty());
}

TEST(Hl7Framing, EachDirectionIsFramedOnItsOwn) {
  const std::string order = mllp(sample("pcd03_rgv_o15_dopamine.hl7"));
  const std::string ack = mllp(sample("pcd03_ack_o15.hl7"));
  const Capture c = parse({pt::to_server(order.substr(0, 100)), pt::to_client(ack.substr(0, 50)),
                           pt::to_server(order.substr(100)), pt::to_client(ack.substr(50))});
  ASSERT_EQ(c.messages.size(), 2U);
  EXPECT_EQ(c.messages[0].message_code, "RGV");
  EXPECT_EQ(c.messages[1].message_code, "ACK");
  EXPECT_TRUE(c.anomalies.empty());
}

TEST(Hl7Framing, ProtocolIsConfirmedOnceAfterTheFirstWellFormedMessage) {
  const std::string ack = mllp(sample("pcd03_ack_o15.hl7"));
  EXPECT_EQ(parse_one(mllp("PID|1")).confirmations, 0);
  EXPECT_EQ(parse_one(ack + ack + ack).confirmations, 1);
}

TEST(Hl7Framing, AnEmptyFrameIsIgnored) {
  const Capture c = parse_one("\x0b\x1c\x0d\x0b\r\n\x1c\x0d");
  EXPECT_TRUE(c.messages.empty());
  EXPECT_TRUE(c.anomalies.empty());
}

TEST(Hl7Framing, ALineBreakAfterTheStartBlockIsTolerated) {
  const Capture c = parse_one("\x0b\r\n" + sample("pcd03_ack_o15.hl7") + "\x1c\x0d");
  ASSERT_EQ(c.messages.size(), 1U);
  EXPECT_TRUE(c.anomalies.empty());
}

// ---------------------------------------------------------------------------------------------
// Probe and registration

TEST(Hl7Probe, StartBlockAndMshIsHl7) {
  EXPECT_EQ(probe(Direction::kToServer, as_bytes(std::string_view("\x0bMSH|^~\\&|"))), Probe::kYes);
  EXPECT_EQ(probe(Direction::kToClient, as_bytes(std::string_view("\x0bMSH"))), Probe::kYes);
}

TEST(Hl7Probe, LineBreaksBeforeTheStartBlockAreTolerated) {
  EXPECT_EQ(probe(Direction::kToServer, as_bytes(std::string_view("\r\n\r\n\x0bMSH|"))),
            Probe::kYes);
}

TEST(Hl7Probe, FewerBytesThanTheHeaderIsMaybe) {
  EXPECT_EQ(probe(Direction::kToServer, {}), Probe::kMaybe);
  EXPECT_EQ(probe(Direction::kToServer, as_bytes(std::string_view("\r\n"))), Probe::kMaybe);
  EXPECT_EQ(probe(Direction::kToServer, as_bytes(std::string_view("\x0b"))), Probe::kMaybe);
  EXPECT_EQ(probe(Direction::kToServer, as_bytes(std::string_view("\x0bMS"))), Probe::kMaybe);
}

TEST(Hl7Probe, OtherProtocolsAndUnframedHl7AreNotHl7) {
  EXPECT_EQ(probe(Direction::kToServer, as_bytes(std::string_view("GET / HTTP/1.1\r\n"))),
            Probe::kNo);
  EXPECT_EQ(probe(Direction::kToServer, as_bytes(std::string_view("\x16\x03\x01\x02\x00"))),
            Probe::kNo);
  EXPECT_EQ(probe(Direction::kToServer, as_bytes(std::string_view("MSH|^~\\&|"))), Probe::kNo);
  EXPECT_EQ(probe(Direction::kToServer, as_bytes(std::string_view("\x0bPID|"))), Probe::kNo);
  EXPECT_EQ(probe(Direction::kToServer, as_bytes(std::string(100, '\n'))), Probe::kNo);
}

TEST(Hl7Registration, SpecNamesTheServicePortsProbeAndLog) {
  const ParserSpec& spec = parser_spec();
  EXPECT_EQ(spec.name, "hl7");
  EXPECT_EQ(std::vector<std::uint16_t>(spec.tcp_ports.begin(), spec.tcp_ports.end()),
            (std::vector<std::uint16_t>{2575, 3000, 3001, 6661}));
  EXPECT_EQ(spec.probe, &probe);
  ASSERT_NE(spec.configure, nullptr);
  ASSERT_NE(spec.make_log, nullptr);
  EXPECT_NE(spec.configure(LimitOverrides{}), nullptr);
}

TEST(Hl7Limits, OverridesAreReadAndClamped) {
  LimitOverrides o;
  o.set("hl7.max_message_bytes", 5000);
  o.set("hl7.max_segments", 9);
  o.set("hl7.max_observations", 7);
  o.set("hl7.max_errors", 3);
  o.set("hl7.max_udis", 2);
  o.set("hl7.max_unescape_bytes", 1000);
  Limits l = limits_from(o);
  EXPECT_EQ(l.max_message_bytes, 5000U);
  EXPECT_EQ(l.max_segments, 9U);
  EXPECT_EQ(l.max_observations, 7U);
  EXPECT_EQ(l.max_errors, 3U);
  EXPECT_EQ(l.max_udis, 2U);
  EXPECT_EQ(l.max_unescape_bytes, 1000U);

  const Limits d = limits_from(LimitOverrides{});
  EXPECT_EQ(d.max_message_bytes, 256U * 1024);
  EXPECT_EQ(d.max_segments, 512U);
  EXPECT_EQ(d.max_observations, 256U);
  EXPECT_EQ(d.max_errors, 16U);
  EXPECT_EQ(d.max_udis, 16U);
  EXPECT_EQ(d.max_unescape_bytes, 64U * 1024);

  o.set("hl7.max_message_bytes", 1ULL << 40);  // must stay below the StreamDriver's 1 MiB
  o.set("hl7.max_unescape_bytes", 0);
  l = limits_from(o);
  EXPECT_EQ(l.max_message_bytes, kMaxMessageBytesCeiling);
  EXPECT_LT(l.max_message_bytes, StreamDriver::Limits{}.max_pending_bytes);
  EXPECT_EQ(l.max_unescape_bytes, 256U);
}

// ---------------------------------------------------------------------------------------------
// Segments, delimiters, escapes

TEST(Hl7Segments, MshFieldsAreDecoded) {
  const Capture c = parse_one(mllp(sample("pcd03_rgv_o15_dopamine.hl7")));
  ASSERT_EQ(c.messages.size(), 1U);
  const MsgCopy& m = c.messages[0];
  EXPECT_EQ(m.field_sep, '|');
  EXPECT_EQ(m.encoding_chars, "^~\\&");
  EXPECT_EQ(m.sending_application, "BCMA_IOP^0A0B0C0D0E0F1001^EUI-64");
  EXPECT_EQ(m.sending_facility, "WARD_TEST_HOSP");
  EXPECT_EQ(m.receiving_application, "PUMP_IOC^0A0B0C0D0E0F2001^EUI-64");
  EXPECT_EQ(m.receiving_facility, "WARD_TEST_HOSP");
  EXPECT_EQ(m.message_time, "20240301101500-0500");
  EXPECT_EQ(m.message_type, "RGV^O15^RGV_O15");
  EXPECT_EQ(m.message_code, "RGV");
  EXPECT_EQ(m.trigger_event, "O15");
  EXPECT_EQ(m.control_id, "PIV0001");
  EXPECT_EQ(m.processing_id, "P");
  EXPECT_EQ(m.version, "2.6");
  EXPECT_EQ(m.profile_id, "IHE_PCD_PIV_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.3.1^ISO");
  EXPECT_EQ(m.pcd, PcdProfile::kPcd03);
  EXPECT_EQ(m.segment_count, 9U);
  EXPECT_EQ(m.order_control, "RE");
  EXPECT_EQ(m.point_of_care, "ICU");
  EXPECT_EQ(m.raw.substr(0, 4), "MSH|");
  EXPECT_EQ(m.raw.back(), '\r');
  EXPECT_TRUE(c.anomalies.empty());
  EXPECT_EQ(c.kinds, (std::vector<std::string>{"hl7", "program", "phi"}));
}

TEST(Hl7Segments, CustomDelimitersFromMsh1AndMsh2AreHonoured) {
  // MSH-1 '#', MSH-2 "!@%*": component '!', repetition '@', escape '%', subcomponent '*'.
  const std::string msg =
      "MSH#!@%*#IOP!0A0B0C0D0E0F1001!EUI-64#HOSP#IOC#HOSP#20240301##RGV!O15!RGV_O15#C7#P#2.6\r"
      "PID###SYN0001!!!T!PI@OTHER1##SYNTHETIC!TEST\r"
      "PV1##I#NICU!1!1\r"
      "ORC#RE\r"
      "RXG#1###1234!Heparin %T% saline#500##mL########20#mL/h\r"
      "OBX#1##69986!MDC_DEV_PUMP_INFUS_VMD!MDC#1.1.0.0#######X#######!!PUMP-C7!V\r";
  const Capture c = parse_one(mllp(msg));
  ASSERT_EQ(c.messages.size(), 1U);
  const MsgCopy& m = c.messages[0];
  EXPECT_EQ(m.field_sep, '#');
  EXPECT_EQ(m.component_sep, '!');
  EXPECT_EQ(m.message_code, "RGV");
  EXPECT_EQ(m.trigger_event, "O15");
  EXPECT_EQ(m.sending_application, "IOP!0A0B0C0D0E0F1001!EUI-64");
  EXPECT_EQ(m.patient_id, "SYN0001");
  EXPECT_EQ(m.patient_name, "SYNTHETIC!TEST");
  EXPECT_EQ(m.pcd, PcdProfile::kPcd03);
  ASSERT_EQ(c.programs.size(), 1U);
  EXPECT_EQ(c.programs[0].drug_id, "1234");
  EXPECT_EQ(c.programs[0].drug_name, "Heparin * saline");  // %T%: the subcomponent character
  EXPECT_EQ(c.programs[0].rate, 20.0);
  EXPECT_EQ(c.programs[0].rate_units, "mL/h");
  EXPECT_EQ(c.programs[0].vtbi_ml, 500.0);
  EXPECT_EQ(c.programs[0].pump_id, "PUMP-C7");
  EXPECT_TRUE(c.anomalies.empty());
}

TEST(Hl7Segments, CrLfAndLfSegmentTerminatorsGiveTheSameEventsAsCr) {
  const std::string cr = sample("pcd01_oru_r01_pump.hl7");
  // Terminators change the raw message size only.
  const pt::Describe same = [](const bus::Event& e) { return describe_event(e, false); };
  const pt::RunResult want = pt::run_chunks(default_factory(), same, {pt::to_server(mllp(cr))});
  const pt::RunResult crlf =
      pt::run_chunks(default_factory(), same, {pt::to_server(mllp(replace_all(cr, "\r", "\r\n")))});
  const pt::RunResult lf =
      pt::run_chunks(default_factory(), same, {pt::to_server(mllp(replace_all(cr, "\r", "\n")))});
  ASSERT_EQ(want.events.size(), 2U);
  EXPECT_EQ(crlf.events, want.events);
  EXPECT_EQ(lf.events, want.events);
  EXPECT_TRUE(crlf.anomalies.empty());
  EXPECT_TRUE(lf.anomalies.empty());
}

TEST(Hl7Segments, EscapeSequencesAreDecoded) {
  // OBX-5 of type ST with every HL7 v2.5 §2.7 escape: \F\ \S\ \T\ \R\ \E\ \X..\ \.br\ \H\ \N\.
  const std::string msg =
      "MSH|^~\\&|A|B|C|D|1||ORU^R01|E1|P|2.5\r"
      "OBX|1|ST|X^Y^L||a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f\\X414243\\g\\.br\\h\\H\\i\\N\\j||||||F\r";
  const Capture c = parse_one(mllp(msg));
  ASSERT_EQ(c.messages.size(), 1U);
  ASSERT_EQ(c.messages[0].observations.size(), 1U);
  EXPECT_EQ(c.messages[0].observations[0].value, "a|b^c&d~e\\fABCg\nhij");
  EXPECT_TRUE(c.anomalies.empty());
}

TEST(Hl7Segments, CharacterSetAndLocalEscapesAreKeptAsSent) {
  const std::string msg =
      "MSH|^~\\&|A|B|C|D|1||ORU^R01|E2|P|2.5\r"
      "OBX|1|ST|X^Y^L||x\\C2842\\y\\Zlocal\\z||||||F\r";
  const Capture c = parse_one(mllp(msg));
  ASSERT_EQ(c.messages[0].observations.size(), 1U);
  EXPECT_EQ(c.messages[0].observations[0].value, "x\\C2842\\y\\Zlocal\\z");
  EXPECT_TRUE(c.anomalies.empty());
}

TEST(Hl7Segments, MalformedEscapesAreKeptLiterallyWithAnInvalidEscape) {
  const std::string msg =
      "MSH|^~\\&|A|B|C|D|1||ORU^R01|E3|P|2.5\r"
      "OBX|1|ST|X^Y^L||\\Q\\ odd\\X4\\ open\\||||||F\r";
  const Capture c = parse_one(mllp(msg));
  ASSERT_EQ(c.messages.size(), 1U);
  ASSERT_EQ(c.messages[0].observations.size(), 1U);
  EXPECT_EQ(c.messages[0].observations[0].value, "\\Q\\ odd\\X4\\ open\\");
  EXPECT_EQ(c.anomalies, std::vector<std::string>{"hl7.invalid_escape"}) << "once per message";
}

TEST(Hl7Segments, CompositeFieldsAreGivenAsSentWithTheirEscapes) {
  const std::string msg =
      "MSH|^~\\&|APP\\T\\ONE^X|B|C|D|1||ORU^R01|E4|P|2.5\r"
      "OBX|1|CWE|X^Y^L||a\\S\\b^text||||||F\r";
  const Capture c = parse_one(mllp(msg));
  ASSERT_EQ(c.messages.size(), 1U);
  EXPECT_EQ(c.messages[0].sending_application, "APP\\T\\ONE^X");
  EXPECT_EQ(c.messages[0].observations[0].value, "a\\S\\b^text");
}

TEST(Hl7Segments, RepetitionsAndComponentsAreSplitWithTheMessageDelimiters) {
  const std::string msg =
      "MSH|^~\\&|A|B|C|D|1||ADT^A01^ADT_A01|R1|P|2.5.1\r"
      "PID|1||MRN77^^^H^MR~555-00-1111^^^SSA^SS||FAMILY^GIVEN^MIDDLE~ALIAS^NAME\r"
      "PV1|1|I|WARD5^12^B~OTHER\r";
  const Capture c = parse_one(mllp(msg));
  ASSERT_EQ(c.messages.size(), 1U);
  EXPECT_EQ(c.messages[0].patient_id, "MRN77");
  EXPECT_EQ(c.messages[0].patient_name, "FAMILY^GIVEN");
  EXPECT_EQ(c.messages[0].point_of_care, "WARD5");
  EXPECT_EQ(c.messages[0].trigger_event, "A01");
  EXPECT_EQ(c.messages[0].version, "2.5.1");
}

TEST(Hl7Segments, HexEscapesMayProduceAnyByte) {
  const std::string msg =
      "MSH|^~\\&|A|B|C|D|1||ORU^R01|E5|P|2.5\r"
      "OBX|1|ST|X^Y^L||\\X000D0A7C\\||||||F\r";
  const Capture c = parse_one(mllp(msg));
  ASSERT_EQ(c.messages[0].observations.size(), 1U);
  EXPECT_EQ(c.messages[0].observations[0].value, std::string("\0\r\n|", 4));
}

TEST(Hl7Segments, TheTruncationEscapeNeedsAFifthEncodingCharacter) {
  // HL7 v2.7 MSH-2 "^~\&#": \P\ is the truncation character '#'.
  Capture c =
      parse_one(mllp("MSH|^~\\&#|A|B|C|D|1||ORU^R01|T1|P|2.7\rOBX|1|ST|X^Y^L||a\\P\\b||||||F\r"));
  ASSERT_EQ(c.messages.size(), 1U);
  EXPECT_EQ(c.messages[0].observations[0].value, "a#b");
  EXPECT_TRUE(c.anomalies.empty());
  c = parse_one(mllp("MSH|^~\\&|A|B|C|D|1||ORU^R01|T2|P|2.5\rOBX|1|ST|X^Y^L||a\\P\\b||||||F\r"));
  EXPECT_EQ(c.messages[0].observations[0].value, "a\\P\\b");
  EXPECT_EQ(c.anomalies, std::vector<std::string>{"hl7.invalid_escape"});
}

// ---------------------------------------------------------------------------------------------
// MSA and ERR

TEST(Hl7Ack, AnApplicationRejectWithErr9018IsANak) {
  const Capture c = parse_one(mllp(sample("pcd03_rrg_o16_reject_9018.hl7")));
  ASSERT_EQ(c.messages.size(), 1U);
  const MsgCopy& m = c.messages[0];
  EXPECT_EQ(m.pcd, PcdProfile::kAck);
  EXPECT_EQ(m.ack_code, "AR");
  EXPECT_EQ(m.ack_control_id, "PIV0002");
  ASSERT_EQ(m.errors.size(), 1U);
  EXPECT_EQ(m.errors[0].code, "207");
  EXPECT_EQ(m.errors[0].severity, "E");
  EXPECT_EQ(m.errors[0].app_code, "9018");
  EXPECT_EQ(m.errors[0].text, "Rate above hard limit for MEDSURG");
  EXPECT_EQ(c.anomalies, std::vector<std::string>{"hl7.nak"});
}

TEST(Hl7Ack, EveryRejectOrErrorCodeIsANakAndAcceptsAreNot) {
  for (const char* code : {"AE", "AR", "CE", "CR"}) {
    const Capture c =
        parse_one(mllp(std::string("MSH|^~\\&|A|B|C|D|1||ACK|K1|P|2.5\rMSA|") + code + "|M1\r"));
    EXPECT_EQ(c.anomalies, std::vector<std::string>{"hl7.nak"}) << code;
  }
  for (const char* code : {"AA", "CA"}) {
    const Capture c =
        parse_one(mllp(std::string("MSH|^~\\&|A|B|C|D|1||ACK|K1|P|2.5\rMSA|") + code + "|M1\r"));
    EXPECT_TRUE(c.anomalies.empty()) << code;
  }
}

TEST(Hl7Ack, ErrTextFallsBackToErr5TextAndV23Err1Code) {
  // The TF-2 E.2.3 reject: no ERR-8, text in ERR-5.2. Then a v2.3 ERR-1 code^text.
  const std::string msg =
      "MSH|^~\\&|IOC|H|IOP|H|1||RRG^O16^RRG_O16|K2|P|2.5\r"
      "MSA|AE|M2\r"
      "ERR|||207^ Application internal error|F|9010^Unable to match medication to drug library\r"
      "ERR|PID^1^3^101&Required field missing\r";
  const Capture c = parse_one(mllp(msg));
  ASSERT_EQ(c.messages.size(), 1U);
  ASSERT_EQ(c.messages[0].errors.size(), 2U);
  EXPECT_EQ(c.messages[0].errors[0].app_code, "9010");
  EXPECT_EQ(c.messages[0].errors[0].text, "Unable to match medication to drug library");
  EXPECT_EQ(c.messages[0].errors[0].severity, "F");
  EXPECT_EQ(c.messages[0].errors[1].code, "101");
}

// ---------------------------------------------------------------------------------------------
// IHE PCD profiles and observations

TEST(Hl7Profiles, MessageTypesAreClassifiedIntoIhePcdProfiles) {
  struct Case {
    std::string type;     // MSH-9
    std::string profile;  // MSH-21
    PcdProfile want;
  };
  const std::vector<Case> cases = {
      {"ORU^R01^ORU_R01", "", PcdProfile::kPcd01},
      {"RGV^O15^RGV_O15", "", PcdProfile::kPcd03},
      {"ORU^R40^ORU_R40", "", PcdProfile::kPcd04},
      {"ORU^R42^ORU_R01", "", PcdProfile::kPcd10},
      {"ORU^R01^ORU_R01", "IHE_PCD_010^IHE PCD^1.3.6.1.4.1.19376.1.6.4.10^ISO", PcdProfile::kPcd10},
      {"ORU^R01", "OTHER^X~IHE_PCD_010", PcdProfile::kPcd10},
      {"ORU^R01", "IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO", PcdProfile::kPcd01},
      {"ACK^O15^ACK", "", PcdProfile::kAck},
      {"ACK", "", PcdProfile::kAck},
      {"RRG^O16^RRG_O16", "", PcdProfile::kAck},
      {"ORA^R41^ORA_R41", "", PcdProfile::kAck},
      {"ADT^A01^ADT_A01", "", PcdProfile::kNone},
      {"RGV^O01", "", PcdProfile::kNone},
  };
  for (const Case& k : cases) {
    // MSH-10..12, then eight empty fields, then MSH-21.
    const std::string msg =
        "MSH|^~\\&|A|B|C|D|1||" + k.type + "|ID|P|2.6" + std::string(9, '|') + k.profile + "\r";
    const Capture c = parse_one(mllp(msg));
    ASSERT_EQ(c.messages.size(), 1U) << k.type;
    EXPECT_EQ(c.messages[0].profile_id, k.profile) << k.type;
    EXPECT_EQ(c.messages[0].pcd, k.want) << k.type << " " << k.profile;
  }
  EXPECT_EQ(pcd_profile_name(PcdProfile::kPcd01), "PCD-01");
  EXPECT_EQ(pcd_profile_name(PcdProfile::kPcd03), "PCD-03");
  EXPECT_EQ(pcd_profile_name(PcdProfile::kPcd04), "PCD-04");
  EXPECT_EQ(pcd_profile_name(PcdProfile::kPcd10), "PCD-10");
  EXPECT_EQ(pcd_profile_name(PcdProfile::kAck), "ACK");
  EXPECT_EQ(pcd_profile_name(PcdProfile::kNone), "");
}

TEST(Hl7Observations, EveryObxFieldIsDecoded) {
  const Capture c = parse_one(mllp(sample("pcd01_oru_r01_pump.hl7")));
  ASSERT_EQ(c.messages.size(), 1U);
  const MsgCopy& m = c.messages[0];
  EXPECT_EQ(m.pcd, PcdProfile::kPcd01);
  ASSERT_EQ(m.observations.size(), 8U);
  const ObsCopy& rate = m.observations[4];
  EXPECT_EQ(rate.set_id, "5");
  EXPECT_EQ(rate.value_type, "NM");
  EXPECT_EQ(rate.code, "157784");
  EXPECT_EQ(rate.code_name, "MDC_FLOW_FLUID_PUMP");
  EXPECT_EQ(rate.sub_id, "1.1.1.1");
  EXPECT_EQ(rate.value, "125");
  EXPECT_EQ(rate.units, "265266^MDC_DIM_MILLI_L_PER_HR^MDC^mL/h^mL/h^UCUM");
  EXPECT_EQ(rate.status, "R");
  EXPECT_EQ(rate.equipment_id, "0A0B0C0D0E0F4001^^0A0B0C0D0E0F4001^EUI-64") << "from the MDS";
  EXPECT_EQ(m.observations[7].value, "Sodium Chloride 0.9%");
  EXPECT_TRUE(c.anomalies.empty());
}

TEST(Hl7Observations, EquipmentIdIsInheritedFromTheEnclosingDeviceLevel) {
  const std::string msg =
      "MSH|^~\\&|GW|H|DOC|H|1||ORU^R01^ORU_R01|I1|P|2.6\r"
      "OBR|1\r"
      "OBX|1||70049^MDC_DEV_PUMP_INFUS_LVP_MDS^MDC|1.0.0.0|||||||X|||||||MDS-ONE\r"
      "OBX|2|NM|157784^MDC_FLOW_FLUID_PUMP^MDC|1.1.1.1|10\r"
      "OBX|3||70050^MDC_DEV_PUMP_INFUS_LVP_VMD^MDC|1.2.0.0|||||||X|||||||VMD-TWO\r"
      "OBX|4|NM|157784^MDC_FLOW_FLUID_PUMP^MDC|1.2.1.1|20\r"
      "OBX|5|NM|157784^MDC_FLOW_FLUID_PUMP^MDC|1.3.1.1|30\r"
      "OBX|6||70049^MDC_DEV_PUMP_INFUS_LVP_MDS^MDC|2.0.0.0|||||||X\r"
      "OBX|7|NM|157784^MDC_FLOW_FLUID_PUMP^MDC|2.1.1.1|40\r"
      "OBX|8|NM|157784^MDC_FLOW_FLUID_PUMP^MDC|1.1.1.2|50|||||||||||||OWN\r"
      "OBX|9|NM|68063^MDC_ATTR_PT_WEIGHT^MDC||60\r";
  const Capture c = parse_one(mllp(msg));
  ASSERT_EQ(c.messages.size(), 1U);
  const auto& o = c.messages[0].observations;
  ASSERT_EQ(o.size(), 9U);
  EXPECT_EQ(o[1].equipment_id, "MDS-ONE");
  EXPECT_EQ(o[2].equipment_id, "VMD-TWO");
  EXPECT_EQ(o[3].equipment_id, "VMD-TWO") << "the nearest level wins";
  EXPECT_EQ(o[4].equipment_id, "MDS-ONE");
  EXPECT_EQ(o[5].equipment_id, "") << "another MDS without an id";
  EXPECT_EQ(o[6].equipment_id, "") << "nothing leaks from MDS 1 into MDS 2";
  EXPECT_EQ(o[7].equipment_id, "OWN");
  EXPECT_EQ(o[8].equipment_id, "") << "no containment path, no inheritance";
}

TEST(Hl7Observations, Pcd10MetricsInheritThePumpIdentifier) {
  const Capture c = parse_one(mllp(sample("pcd10_oru_r42_deliv_start.hl7")));
  ASSERT_EQ(c.messages.size(), 1U);
  const MsgCopy& m = c.messages[0];
  EXPECT_EQ(m.pcd, PcdProfile::kPcd10);
  EXPECT_EQ(m.profile_id, "IHE_PCD_010^IHE PCD^1.3.6.1.4.1.19376.1.6.4.10^ISO");
  ASSERT_EQ(m.observations.size(), 17U);
  for (const ObsCopy& o : m.observations)
    EXPECT_EQ(o.equipment_id, "PUMP-A0001^^0A0B0C0D0E0F4001^EUI-64") << o.set_id;
  EXPECT_EQ(m.observations[10].code_name, "MDC_FLOW_FLUID_PUMP");
  EXPECT_EQ(m.observations[10].value, "13.6");
  EXPECT_TRUE(c.programs.empty()) << "only PCD-03 programs a pump";
  EXPECT_TRUE(c.anomalies.empty());
}

TEST(Hl7Observations, Pcd04AlertFacetsAreObservations) {
  const Capture c = parse_one(mllp(sample("pcd04_oru_r40_occlusion.hl7")));
  ASSERT_EQ(c.messages.size(), 1U);
  const MsgCopy& m = c.messages[0];
  EXPECT_EQ(m.pcd, PcdProfile::kPcd04);
  ASSERT_EQ(m.observations.size(), 7U);
  EXPECT_EQ(m.observations[0].value, "196940^MDC_EVT_FLUID_LINE_OCCL^MDC^^^^^^Occlusion");
  EXPECT_EQ(m.observations[3].code_name, "MDC_ATTR_ALARM_STATE");
  EXPECT_EQ(m.observations[3].value, "active");
  EXPECT_TRUE(c.anomalies.empty());
}

TEST(Hl7Observations, PrtCarriesTheDeviceUdi) {
  const Capture c = parse_one(mllp(sample("pcd01_oru_r01_pump.hl7")));
  ASSERT_EQ(c.messages.size(), 1U);
  ASSERT_EQ(c.messages[0].udis.size(), 1U);
  const UdiCopy& u = c.messages[0].udis[0];
  EXPECT_EQ(u.udi, "(01)00812345678906(17)271231(10)LOT42A(21)SN90001");
  EXPECT_EQ(u.udi_di, "00812345678906");
  EXPECT_EQ(u.serial, "SN90001");
}

TEST(Hl7Observations, PrtWithoutADeviceIsNotAUdi) {
  const Capture c = parse_one(mllp(
      "MSH|^~\\&|A|B|C|D|1||ORU^R40|P1|P|2.6\rOBX|1\rPRT|1|UC||RO^Responsible^HL70912|N1^NURSE\r"));
  ASSERT_EQ(c.messages.size(), 1U);
  EXPECT_TRUE(c.messages[0].udis.empty());
}

// ---------------------------------------------------------------------------------------------
// PCD-03 infusion programmes

TEST(Hl7Infusion, APcd03OrderBecomesAnInfusionProgram) {
  const Capture c = parse_one(mllp(sample("pcd03_rgv_o15_dopamine.hl7")));
  ASSERT_EQ(c.programs.size(), 1U);
  const ProgramCopy& p = c.programs[0];
  EXPECT_EQ(p.control_id, "PIV0001");
  EXPECT_EQ(p.order_control, "RE");
  EXPECT_EQ(p.drug_id, "0409-9104");
  EXPECT_EQ(p.drug_name, "Dopamine");
  EXPECT_EQ(p.rate, 5.0);
  EXPECT_EQ(p.rate_units, "mcg/kg/min");
  EXPECT_EQ(p.kind, clinical::RateKind::kDoseRate);
  EXPECT_EQ(p.vtbi_ml, 250.0);
  EXPECT_EQ(p.care_area, "ICU");
  EXPECT_EQ(p.pump_id, "PUMP-A0001") << "the EI universal id when the identifier is empty";
  EXPECT_EQ(p.weight_kg, 72.5);
  EXPECT_TRUE(c.messages[0].has_program);
}

TEST(Hl7Infusion, AVolumeRateOrderHasTheVolumeRateKind) {
  const Capture c = parse_one(mllp(sample("pcd03_rgv_o15_saline.hl7")));
  ASSERT_EQ(c.programs.size(), 1U);
  const ProgramCopy& p = c.programs[0];
  EXPECT_EQ(p.drug_name, "Sodium Chloride 0.9%");
  EXPECT_EQ(p.rate, 125.0);
  EXPECT_EQ(p.rate_units, "mL/h");
  EXPECT_EQ(p.kind, clinical::RateKind::kVolumeRate);
  EXPECT_EQ(p.vtbi_ml, 1000.0);
  EXPECT_EQ(p.care_area, "MEDSURG");
  EXPECT_EQ(p.pump_id, "PUMP-B0002") << "the EI entity identifier";
  EXPECT_FALSE(p.weight_kg.has_value());
}

TEST(Hl7Infusion, UnitsAreConvertedToMillilitresAndKilograms) {
  struct Case {
    std::string vtbi_units;
    std::optional<double> vtbi_ml;
    std::string weight_units;
    std::optional<double> weight_kg;
  };
  const std::vector<Case> cases = {
      {"263762^MDC_DIM_MILLI_L^MDC", 1500, "263875^MDC_DIM_KILO_G^MDC", 80},
      {"mL^mL^UCUM", 1500, "kg^kg^UCUM", 80},
      {"L^L^UCUM", 1'500'000, "[lb_av]^lb^UCUM", 80 * 0.45359237},
      {"263744^MDC_DIM_X_L^MDC", 1'500'000, "lb", 80 * 0.45359237},
      {"", 1500, "", 80},
      {"mg^mg^UCUM", std::nullopt, "furlong", std::nullopt},
  };
  for (const Case& k : cases) {
    const Capture c =
        parse_one(mllp(order("RXG|1|||1^D|1500||" + k.vtbi_units + "||||||||5|mL/h",
                             "OBX|1|NM|68063^MDC_ATTR_PT_WEIGHT^MDC||80|" + k.weight_units)));
    ASSERT_EQ(c.programs.size(), 1U) << k.vtbi_units;
    ASSERT_EQ(c.programs[0].vtbi_ml.has_value(), k.vtbi_ml.has_value()) << k.vtbi_units;
    if (k.vtbi_ml) {
      EXPECT_DOUBLE_EQ(*c.programs[0].vtbi_ml, *k.vtbi_ml) << k.vtbi_units;
    }
    ASSERT_EQ(c.programs[0].weight_kg.has_value(), k.weight_kg.has_value()) << k.weight_units;
    if (k.weight_kg) {
      EXPECT_DOUBLE_EQ(*c.programs[0].weight_kg, *k.weight_kg) << k.weight_units;
    }
    EXPECT_TRUE(c.anomalies.empty());
  }
}

TEST(Hl7Infusion, RateUnitsUseTheFirstCodingClinicalKnows) {
  struct Case {
    std::string units;
    std::string canonical;
    clinical::RateKind kind;
  };
  const std::vector<Case> cases = {
      {"265266^MDC_DIM_MILLI_L_PER_HR^MDC", "mL/h", clinical::RateKind::kVolumeRate},
      {"3122^mL/h^UCUM^265266^MDC_DIM_MILLI_L_PER_HR^MDC", "mL/h", clinical::RateKind::kVolumeRate},
      {"3475^ug/kg/min^UCUM", "mcg/kg/min", clinical::RateKind::kDoseRate},
      {"263872^MDC_DIM_X_G^MDC", "g", clinical::RateKind::kDose},
      {"U/h", "units/h", clinical::RateKind::kDoseRate},
      {"drops/min^drops^L", "drops/min", clinical::RateKind::kUnknown},
      {"", "", clinical::RateKind::kUnknown},
  };
  for (const Case& k : cases) {
    const Capture c = parse_one(mllp(order("RXG|1|||1^D|100||mL||||||||7|" + k.units)));
    ASSERT_EQ(c.programs.size(), 1U) << k.units;
    EXPECT_EQ(c.programs[0].rate_units, k.canonical) << k.units;
    EXPECT_EQ(c.programs[0].kind, k.kind) << k.units;
    EXPECT_EQ(c.programs[0].rate, 7.0);
  }
}

TEST(Hl7Infusion, ANewOrderWithoutVtbiOrRateLeavesThemUnset) {
  // ORC-1 XO (change) may leave RXG-5 empty (TF-2 §3.3.4.4.5).
  const Capture c = parse_one(mllp(order("RXG|1|||1^D||||||||||||")));
  ASSERT_EQ(c.programs.size(), 1U);
  EXPECT_FALSE(c.programs[0].vtbi_ml.has_value());
  EXPECT_FALSE(c.programs[0].rate.has_value());
  EXPECT_TRUE(c.programs[0].pump_id.empty());
  EXPECT_TRUE(c.anomalies.empty());
}

TEST(Hl7Infusion, GarbageNumbersAreInvalidNumbersNotValues) {
  for (const char* bad : {"abc", "nan", "NaN", "inf", "-inf", "1e3", "0x10", "1.2.3", "+", "12a",
                          "1,5", "\\X31\\x"}) {
    const Capture c =
        parse_one(mllp(order(std::string("RXG|1|||1^D|") + bad + "||mL||||||||" + bad + "|mL/h")));
    ASSERT_EQ(c.programs.size(), 1U) << bad;
    EXPECT_FALSE(c.programs[0].vtbi_ml.has_value()) << bad;
    EXPECT_FALSE(c.programs[0].rate.has_value()) << bad;
    EXPECT_EQ(c.anomalies, std::vector<std::string>{"hl7.invalid_number"}) << bad;
  }
}

TEST(Hl7Infusion, NumbersFollowTheHl7NmFormat) {
  double v = 0;
  EXPECT_TRUE(parse_number("125", v));
  EXPECT_EQ(v, 125.0);
  EXPECT_TRUE(parse_number(" -0.5 ", v));
  EXPECT_EQ(v, -0.5);
  EXPECT_TRUE(parse_number("+13.3", v));
  EXPECT_DOUBLE_EQ(v, 13.3);
  EXPECT_TRUE(parse_number(".25", v));
  EXPECT_EQ(v, 0.25);
  EXPECT_TRUE(parse_number("5.", v));
  EXPECT_EQ(v, 5.0);
  EXPECT_TRUE(parse_number("000012", v));
  EXPECT_EQ(v, 12.0);
  for (const char* bad :
       {"", " ", ".", "-", "nan", "inf", "infinity", "1e5", "1E5", "--1", "1-", "0x1p3", "1 2"})
    EXPECT_FALSE(parse_number(bad, v)) << bad;
  EXPECT_FALSE(parse_number(std::string(400, '9'), v)) << "out of double range";
}

TEST(Hl7Infusion, APcd03WithoutRxgIsMissingARequiredSegmentAndHasNoProgram) {
  const std::string msg =
      "MSH|^~\\&|IOP|H|IOC|H|1||RGV^O15^RGV_O15|C9|P|2.6\rPID|||1\rORC|RE\rRXR|IV\r";
  const Capture c = parse_one(mllp(msg));
  ASSERT_EQ(c.messages.size(), 1U);
  EXPECT_TRUE(c.programs.empty());
  EXPECT_FALSE(c.messages[0].has_program);
  EXPECT_EQ(c.anomalies, std::vector<std::string>{"hl7.missing_required_segment"});
}

TEST(Hl7Infusion, OtherProfilesMissingTheirRequiredSegmentAreReported) {
  EXPECT_TRUE(parse_one(mllp("MSH|^~\\&|A|B|C|D|1||ACK^O15|K|P|2.6\r"))
                  .has_anomaly("hl7.missing_required_segment"));
  EXPECT_TRUE(parse_one(mllp("MSH|^~\\&|A|B|C|D|1||ORU^R01|K|P|2.6\rPID|||1\r"))
                  .has_anomaly("hl7.missing_required_segment"));
  EXPECT_TRUE(parse_one(mllp("MSH|^~\\&|A|B|C|D|1||RGV^O15|K|P|2.6\rRXG|1|||1^D\r"))
                  .has_anomaly("hl7.missing_required_segment"))
      << "ORC is required too";
}

// ---------------------------------------------------------------------------------------------
// PHI

TEST(Hl7Phi, PidFieldsWithValuesArePhiObservedByName) {
  const Capture c = parse_one(mllp(sample("pcd01_oru_r01_pump.hl7")));
  ASSERT_EQ(c.phi.size(), 1U);
  const PhiCopy& p = c.phi[0];
  EXPECT_EQ(p.protocol, "hl7");
  EXPECT_EQ(p.where, "ORU^R01^ORU_R01");
  const std::vector<std::pair<std::string, std::string>> want = {
      {"PID-3 patient identifier", "SYN000123^^^WARDTEST^PI"},
      {"PID-5 patient name", "SYNTHETIC^ALICE^Q^^^^L"},
      {"PID-7 birth date", "19700101"},
      {"PID-11 address", "1 TEST WAY^^SAMPLETOWN^ZZ^00000"},
      {"PID-13 phone", "555-0100^PRN^PH"},
      {"PID-19 SSN", "000-00-0000"},
  };
  EXPECT_EQ(p.fields, want);
  EXPECT_EQ(c.messages[0].phi_names.size(), 6U) << "the message carries the same list";
  EXPECT_EQ(c.messages[0].patient_id, "SYN000123");
  EXPECT_EQ(c.messages[0].patient_name, "SYNTHETIC^ALICE");
}

TEST(Hl7Phi, EmptyAndNullPidFieldsAreNotListed) {
  const Capture c = parse_one(
      mllp("MSH|^~\\&|A|B|C|D|1||ADT^A08|P2|P|2.5\rPID|1||12345||\"\"||\"\"|M|||||\"\"\r"));
  ASSERT_EQ(c.phi.size(), 1U);
  ASSERT_EQ(c.phi[0].fields.size(), 1U);
  EXPECT_EQ(c.phi[0].fields[0].first, "PID-3 patient identifier");
  EXPECT_TRUE(c.messages[0].patient_name.empty());
}

TEST(Hl7Phi, MessagesWithoutPatientDataHaveNoPhiEvent) {
  EXPECT_TRUE(parse_one(mllp(sample("pcd03_ack_o15.hl7"))).phi.empty());
  EXPECT_TRUE(
      parse_one(mllp("MSH|^~\\&|A|B|C|D|1||ADT^A01|P3|P|2.5\rPID|1||||||||\r")).phi.empty());
}

// ---------------------------------------------------------------------------------------------
// One test per remaining anomaly id

TEST(Hl7Anomalies, AFrameNotStartingWithMshIsNotMshFirst) {
  const Capture c = parse_one(mllp("PID|1||12345\rPV1|1|I\r"));
  EXPECT_TRUE(c.messages.empty());
  EXPECT_EQ(c.anomalies, std::vector<std::string>{"hl7.not_msh_first"});
}

TEST(Hl7Anomalies, InvalidEncodingCharactersAreBadDelimiters) {
  // MSH-2 "^~\\&" (escape and subcomponent both '\'): decoded with the standard characters.
  Capture c = parse_one(mllp("MSH|^~\\\\&|A|B|C|D|1||ADT^A01|B1|P|2.5\r"));
  ASSERT_EQ(c.messages.size(), 1U);
  EXPECT_EQ(c.messages[0].control_id, "B1");
  EXPECT_EQ(c.anomalies, std::vector<std::string>{"hl7.bad_delimiters"});
  // A field separator that is a letter, or that clashes with the standard characters: nothing.
  for (const char* bad : {"MSHA^~\\&A", "MSH^^~\\&^x", "MSH", "MSH\r"}) {
    c = parse_one(mllp(bad));
    EXPECT_TRUE(c.messages.empty()) << bad;
    EXPECT_EQ(c.anomalies, std::vector<std::string>{"hl7.bad_delimiters"}) << bad;
  }
  // Too few encoding characters, a repeated one, or a letter.
  for (const char* bad :
       {"MSH|^~|A|B|C|D|1||ADT^A01|B2|P|2.5\r", "MSH|^~\\&&|A|B|C|D|1||ADT^A01|B3|P|2.5\r",
        "MSH|^~\\a|A|B|C|D|1||ADT^A01|B4|P|2.5\r"}) {
    c = parse_one(mllp(bad));
    EXPECT_EQ(c.anomalies, std::vector<std::string>{"hl7.bad_delimiters"}) << bad;
  }
}

TEST(Hl7Anomalies, SegmentsBeyondTheLimitAreCountedNotDecoded) {
  Limits limits;
  limits.max_segments = 3;
  const std::string msg =
      "MSH|^~\\&|A|B|C|D|1||ORU^R01|S1|P|2.5\rOBX|1|NM|A^B^L||1\rOBX|2|NM|A^B^L||2\r"
      "OBX|3|NM|A^B^L||3\rOBX|4|NM|A^B^L||4\r";
  const Capture c = parse_one(mllp(msg), limits);
  ASSERT_EQ(c.messages.size(), 1U);
  EXPECT_EQ(c.messages[0].segment_count, 5U);
  EXPECT_EQ(c.messages[0].observations.size(), 2U);
  EXPECT_EQ(c.anomalies, std::vector<std::string>{"hl7.too_many_segments"});
}

TEST(Hl7Anomalies, ASegmentIdThatIsNotThreeCharactersIsInvalid) {
  const Capture c = parse_one(
      mllp("MSH|^~\\&|A|B|C|D|1||ADT^A01|S2|P|2.5\rPIDX|1||123\rPV|1|I\rpv1|1|I\r1AB|x\r"));
  ASSERT_EQ(c.messages.size(), 1U);
  EXPECT_EQ(c.messages[0].segment_count, 5U);
  EXPECT_TRUE(c.phi.empty()) << "PIDX is not a PID";
  EXPECT_EQ(c.anomalies, std::vector<std::string>{"hl7.invalid_segment_id"});
}

TEST(Hl7Anomalies, AVersionThatIsNotHl7V2IsUnknown) {
  for (const char* v : {"1.0", "", "3", "2.", "2.x", "v2.5", "2..5"}) {
    const Capture c =
        parse_one(mllp(std::string("MSH|^~\\&|A|B|C|D|1||ACK|V1|P|") + v + "\rMSA|AA|1\r"));
    EXPECT_EQ(c.anomalies, std::vector<std::string>{"hl7.unknown_version"}) << v;
  }
  for (const char* v : {"2.1", "2.3.1", "2.5.1", "2.8.2", "2.9^USA"}) {
    const Capture c =
        parse_one(mllp(std::string("MSH|^~\\&|A|B|C|D|1||ACK|V1|P|") + v + "\rMSA|AA|1\r"));
    EXPECT_TRUE(c.anomalies.empty()) << v;
  }
}

TEST(Hl7Anomalies, ObservationsErrorsAndUdisBeyondTheirLimitsAreDroppedAndReported) {
  Limits limits;
  limits.max_observations = 2;
  limits.max_errors = 1;
  limits.max_udis = 1;
  std::string msg = "MSH|^~\\&|A|B|C|D|1||ORU^R01|L1|P|2.6\rMSA|AA|1\r";
  for (int i = 0; i < 3; ++i) {
    msg += "OBX|" + std::to_string(i) + "|NM|A^B^L||1\r";
    msg += "ERR|||207|E\r";
    msg += "PRT|1|UC" + std::string(14, '|') + "DI" + std::to_string(i) + "\r";  // PRT-16
  }
  const Capture c = parse_one(mllp(msg), limits);
  ASSERT_EQ(c.messages.size(), 1U);
  EXPECT_EQ(c.messages[0].observations.size(), 2U);
  EXPECT_EQ(c.messages[0].errors.size(), 1U);
  EXPECT_EQ(c.messages[0].udis.size(), 1U);
  EXPECT_EQ(std::set<std::string>(c.anomalies.begin(), c.anomalies.end()),
            (std::set<std::string>{"hl7.too_many_observations", "hl7.too_many_errors",
                                   "hl7.too_many_udis"}));
  EXPECT_EQ(c.anomalies.size(), 3U) << "once per message each";
}

TEST(Hl7Anomalies, UnescapingBeyondTheScratchLimitKeepsTheRawValue) {
  Limits limits;
  limits.max_unescape_bytes = 256;
  const std::string escaped = "\\F\\" + std::string(300, 'x');
  const std::string msg =
      "MSH|^~\\&|A|B|C|D|1||ORU^R01|U1|P|2.5\rOBX|1|ST|A^B^L||\\F\\short\rOBX|2|ST|A^B^L||" +
      escaped + "\r";
  const Capture c = parse_one(mllp(msg), limits);
  ASSERT_EQ(c.messages.size(), 1U);
  ASSERT_EQ(c.messages[0].observations.size(), 2U);
  EXPECT_EQ(c.messages[0].observations[0].value, "|short");
  EXPECT_EQ(c.messages[0].observations[1].value, escaped);
  EXPECT_EQ(c.anomalies, std::vector<std::string>{"hl7.unescape_scratch_full"});
}

TEST(Hl7Anomalies, ScratchSpaceIsReusedForEachMessage) {
  Limits limits;
  limits.max_unescape_bytes = 256;
  const std::string msg =
      "MSH|^~\\&|A|B|C|D|1||ORU^R01|U2|P|2.5\rOBX|1|ST|A^B^L||\\F\\" + std::string(200, 'y') + "\r";
  const Capture c = parse_one(mllp(msg) + mllp(msg) + mllp(msg), limits);
  ASSERT_EQ(c.messages.size(), 3U);
  EXPECT_TRUE(c.anomalies.empty());
  EXPECT_EQ(c.messages[2].observations[0].value, "|" + std::string(200, 'y'));
}

// ---------------------------------------------------------------------------------------------
// Real third-party samples (../shared/data/hl7) and the nDPI capture

std::vector<std::filesystem::path> real_samples() {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(shared_hl7_dir()))
    if (e.is_regular_file() && e.path().extension() == ".hl7") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

Capture parse_sample_file(const std::string& relative) {
  return parse_one(mllp(read_file(shared_hl7_dir() / relative)));
}

TEST(Hl7RealSamples, EverySampleDecodesToOneMessageWithTheAnomaliesWeExpect) {
  // Anomalies each real sample is expected to raise (all others: none).
  const std::map<std::string, std::vector<std::string>> expected = {
      {"invalid-missing-msh.hl7", {"hl7.not_msh_first"}},
      {"invalid-segment-header-length.hl7", {"hl7.invalid_segment_id"}},
      {"invalid-wrong-version.hl7", {"hl7.unknown_version"}},
      // Their MSH-2 is "^~\\&": the escape character doubled, as a Java string literal would.
      {"sample_unix.hl7", {"hl7.bad_delimiters"}},
      {"sample_win.hl7", {"hl7.bad_delimiters"}},
  };
  const auto files = real_samples();
  ASSERT_GE(files.size(), 25U);
  for (const auto& path : files) {
    const std::string name = path.filename().string();
    const Capture c = parse_one(mllp(read_file(path)));
    const auto it = expected.find(name);
    const std::vector<std::string> want =
        it == expected.end() ? std::vector<std::string>{} : it->second;
    EXPECT_EQ(c.anomalies, want) << name;
    EXPECT_EQ(c.messages.size(), name == "invalid-missing-msh.hl7" ? 0U : 1U) << name;
  }
}

TEST(Hl7RealSamples, EveryTcpSplitOfARealSampleGivesTheSameEvents) {
  pt::expect_same_events_for_every_split(
      default_factory(), describe,
      {pt::to_server(
           mllp(read_file(shared_hl7_dir() / "rethinkhealth/qa-fixtures/oru-r01-lab.hl7"))),
       pt::to_client(mllp(read_file(shared_hl7_dir() / "linuxforhealth/sample_win.hl7")))});
}

TEST(Hl7RealSamples, AFullAdmissionIsDecoded) {
  const Capture c = parse_sample_file("rethinkhealth/qa-fixtures/adt-a01-full.hl7");
  ASSERT_EQ(c.messages.size(), 1U);
  const MsgCopy& m = c.messages[0];
  EXPECT_EQ(m.message_type, "ADT^A01^ADT_A01");
  EXPECT_EQ(m.sending_application, "ADT_APP");
  EXPECT_EQ(m.receiving_facility, "HOSP_B");
  EXPECT_EQ(m.control_id, "CTRL0042");
  EXPECT_EQ(m.version, "2.5.1");
  EXPECT_EQ(m.pcd, PcdProfile::kNone);
  EXPECT_EQ(m.segment_count, 9U);
  EXPECT_EQ(m.point_of_care, "ICU");
  EXPECT_EQ(m.patient_id, "98765");
  ASSERT_EQ(c.phi.size(), 1U);
  ASSERT_EQ(c.phi[0].fields.size(), 6U);
  EXPECT_EQ(c.phi[0].fields[5].first, "PID-19 SSN");
  EXPECT_EQ(c.phi[0].fields[5].second, "123-45-6789");
  EXPECT_EQ(c.phi[0].fields[4].second, "217-555-9876^PRN^PH~217-555-4321^WPN^PH");
}

TEST(Hl7RealSamples, CustomDelimitersSampleIsDecoded) {
  const Capture c = parse_sample_file("rethinkhealth/qa-fixtures/edge-custom-delimiters.hl7");
  ASSERT_EQ(c.messages.size(), 1U);
  EXPECT_EQ(c.messages[0].field_sep, '#');
  EXPECT_EQ(c.messages[0].encoding_chars, "!@%*");
  EXPECT_EQ(c.messages[0].message_code, "ADT");
  EXPECT_EQ(c.messages[0].trigger_event, "A01");
  EXPECT_EQ(c.messages[0].control_id, "MSG007");
  EXPECT_EQ(c.messages[0].patient_id, "12345");
  EXPECT_EQ(c.messages[0].patient_name, "DOE!JOHN");
}

TEST(Hl7RealSamples, CrLfSampleHasThreeSegments) {
  const Capture c = parse_sample_file("rethinkhealth/qa-fixtures/edge-crlf-line-endings.hl7");
  ASSERT_EQ(c.messages.size(), 1U);
  EXPECT_EQ(c.messages[0].segment_count, 3U);
  EXPECT_EQ(c.messages[0].version, "2.5");
  EXPECT_EQ(c.messages[0].point_of_care, "ICU");
}

TEST(Hl7RealSamples, EscapedDelimitersSampleIsUnescaped) {
  const Capture c = parse_sample_file("rethinkhealth/qa-fixtures/edge-escaped-delimiters.hl7");
  ASSERT_EQ(c.messages.size(), 1U);
  ASSERT_EQ(c.messages[0].observations.size(), 1U);
  EXPECT_EQ(
      c.messages[0].observations[0].value,
      "Result contains pipe | and ampersand & and caret ^ and tilde ~ and backslash \\ chars");
  EXPECT_EQ(c.messages[0].patient_name, "DOE\\T\\SMITH^JOHN\\S\\JANE") << "wire form";
}

TEST(Hl7RealSamples, LabResultsAreDecoded) {
  const Capture c = parse_sample_file("rethinkhealth/qa-fixtures/oru-r01-lab.hl7");
  ASSERT_EQ(c.messages.size(), 1U);
  const MsgCopy& m = c.messages[0];
  EXPECT_EQ(m.pcd, PcdProfile::kPcd01);
  EXPECT_EQ(m.order_control, "RE");
  ASSERT_EQ(m.observations.size(), 5U);
  EXPECT_EQ(m.observations[2].code, "HGB");
  EXPECT_EQ(m.observations[2].code_name, "Hemoglobin");
  EXPECT_EQ(m.observations[2].value, "14.2");
  EXPECT_EQ(m.observations[2].units, "g/dL");
  EXPECT_EQ(m.observations[2].status, "F");
}

TEST(Hl7RealSamples, NonAsciiNamesArePassedThroughAsUtf8) {
  const Capture c = parse_sample_file("rethinkhealth/qa-fixtures/edge-non-ascii.hl7");
  ASSERT_EQ(c.phi.size(), 1U);
  EXPECT_EQ(c.messages[0].patient_name, "M\xc3\x9cLLER^JOS\xc3\x89");
}

TEST(Hl7RealSamples, WindowsLineEndingsAndDoubledEscapeSampleIsDecoded) {
  const Capture c = parse_sample_file("linuxforhealth/sample_win.hl7");
  ASSERT_EQ(c.messages.size(), 1U);
  EXPECT_EQ(c.messages[0].message_type, "ADT^A01");
  EXPECT_EQ(c.messages[0].control_id, "102");
  EXPECT_EQ(c.messages[0].version, "2.6");
  EXPECT_EQ(c.messages[0].segment_count, 8U);
  EXPECT_EQ(c.messages[0].patient_id, "PID1234");
  ASSERT_EQ(c.messages[0].observations.size(), 1U);
  EXPECT_EQ(c.messages[0].observations[0].value_type, "TX");
}

struct TcpPayload {
  std::uint16_t src_port = 0;
  std::vector<std::uint8_t> bytes;
};

// The TCP payloads of a classic little-endian Ethernet pcap (enough for nDPI's hl7.pcap).
std::vector<TcpPayload> tcp_payloads(const std::filesystem::path& path) {
  const std::string file = read_file(path);
  ByteReader r(as_bytes(file));
  std::vector<TcpPayload> out;
  if (r.u32le() != 0xa1b2c3d4U || !r.skip(16) || r.u32le() != 1U) return out;  // LINKTYPE_ETHERNET
  while (!r.empty()) {
    const auto sec = r.u32le();
    const auto frac = r.u32le();
    const auto incl = r.u32le();
    const auto orig = r.u32le();
    if (!sec || !frac || !incl || !orig) break;
    const auto pkt = r.bytes(*incl);
    if (!pkt || pkt->size() < 14 + 20 || load_u16be(*pkt, 12) != 0x0800) continue;
    const ByteView ip = pkt->subspan(14);
    const std::size_t ihl = static_cast<std::size_t>(ip[0] & 0x0fU) * 4;
    const std::size_t total = load_u16be(ip, 2);
    if (ip[9] != 6 || total > ip.size() || total < ihl + 20) continue;
    const ByteView tcp = ip.subspan(ihl, total - ihl);
    const std::size_t data_offset = static_cast<std::size_t>(tcp[12] >> 4) * 4;
    if (data_offset > tcp.size() || data_offset == tcp.size()) continue;
    const ByteView payload = tcp.subspan(data_offset);
    out.push_back({load_u16be(tcp, 0), {payload.begin(), payload.end()}});
  }
  return out;
}

TEST(Hl7RealCapture, NdpiCaptureDecodesTheAdmissionAndItsAck) {
  const auto payloads =
      tcp_payloads(std::filesystem::path(WARD_SHARED_DATA_DIR) / "pcap/ndpi/hl7.pcap");
  ASSERT_EQ(payloads.size(), 2U);
  std::vector<Chunk> chunks;
  chunks.reserve(payloads.size());
  for (const TcpPayload& p : payloads)  // client port 49242 -> server port 6661
    chunks.push_back({p.src_port == 6661 ? Direction::kToClient : Direction::kToServer, p.bytes});
  const Capture c = parse(chunks);
  EXPECT_TRUE(c.anomalies.empty());
  EXPECT_EQ(c.confirmations, 1);
  ASSERT_EQ(c.messages.size(), 2U);
  const MsgCopy& adt = c.messages[0];
  EXPECT_EQ(adt.message_type, "ADT^A01");
  EXPECT_EQ(adt.sending_application, "SENDING_APPLICATION");
  EXPECT_EQ(adt.sending_facility, "SENDING_FACILITY");
  EXPECT_EQ(adt.receiving_application, "RECEIVING_APPLICATION");
  EXPECT_EQ(adt.control_id, "934576120110613083617");
  EXPECT_EQ(adt.version, "2.3");
  EXPECT_EQ(adt.segment_count, 7U);
  EXPECT_EQ(adt.pcd, PcdProfile::kNone);
  EXPECT_EQ(adt.patient_id, "135769");
  EXPECT_EQ(adt.phi_names, (std::vector<std::string>{
                               "PID-3 patient identifier", "PID-5 patient name", "PID-7 birth date",
                               "PID-11 address", "PID-13 phone", "PID-19 SSN"}));
  const MsgCopy& ack = c.messages[1];
  EXPECT_EQ(ack.message_type, "ACK");
  EXPECT_EQ(ack.pcd, PcdProfile::kAck);
  EXPECT_EQ(ack.ack_code, "AA");
  EXPECT_EQ(ack.ack_control_id, adt.control_id);
  EXPECT_EQ(ack.message_time, "20180129192342.245");
  ASSERT_EQ(c.phi.size(), 1U);
  EXPECT_EQ(c.phi[0].where, "ADT^A01");
}

// ---------------------------------------------------------------------------------------------
// The hl7 log

class MemoryLog : public bus::LogSink {
 public:
  void write(std::string_view log_name, std::string_view json_line) override {
    EXPECT_EQ(log_name, "hl7");
    EXPECT_EQ(json_line.find('\n'), std::string_view::npos);
    lines.emplace_back(json_line);
  }
  std::vector<std::string> lines;
};

LogOptions log_options() {
  LogOptions o;
  o.phi_key = "unit-test-phi-key-0123456789abcdef";
  return o;
}

// Parses `chunks` with the log writer subscribed; returns one JSON object per record.
std::vector<nlohmann::json> log_records(const std::vector<Chunk>& chunks,
                                        std::vector<std::string>* lines = nullptr) {
  MemoryLog sink;
  auto log = parser_spec().make_log(sink, log_options());
  parse(chunks, Limits{}, log.get());
  std::vector<nlohmann::json> out;
  for (const std::string& l : sink.lines) out.push_back(nlohmann::json::parse(l));
  if (lines != nullptr) *lines = sink.lines;
  return out;
}

TEST(Hl7Log, ARecordHasTheConnectionAndMessageFields) {
  const auto r = log_records({pt::to_client(mllp(sample("pcd03_rrg_o16_reject_9018.hl7")))});
  ASSERT_EQ(r.size(), 1U);
  const nlohmann::json& j = r[0];
  EXPECT_EQ(j["ts"], 1700000000.0);
  EXPECT_EQ(j["uid"], "CHl7TestUid");
  EXPECT_EQ(j["id.orig_h"], "10.20.0.5");
  EXPECT_EQ(j["id.resp_p"], 2575);
  EXPECT_EQ(j["msg_type"], "RRG^O16^RRG_O16");
  EXPECT_EQ(j["message_code"], "RRG");
  EXPECT_EQ(j["trigger_event"], "O16");
  EXPECT_EQ(j["control_id"], "IOC0002");
  EXPECT_EQ(j["version"], "2.6");
  EXPECT_EQ(j["processing_id"], "P");
  EXPECT_EQ(j["sending_application"], "PUMP_IOC^0A0B0C0D0E0F2001^EUI-64");
  EXPECT_EQ(j["sending_facility"], "WARD_TEST_HOSP");
  EXPECT_EQ(j["receiving_application"], "BCMA_IOP^0A0B0C0D0E0F1001^EUI-64");
  EXPECT_EQ(j["receiving_facility"], "WARD_TEST_HOSP");
  EXPECT_EQ(j["pcd_profile"], "ACK");
  EXPECT_EQ(j["segments"], 3);
  EXPECT_EQ(j["ack_code"], "AR");
  EXPECT_EQ(j["ack_control_id"], "PIV0002");
  ASSERT_EQ(j["errors"].size(), 1U);
  EXPECT_EQ(j["errors"][0]["code"], "207");
  EXPECT_EQ(j["errors"][0]["severity"], "E");
  EXPECT_EQ(j["errors"][0]["app_code"], "9018");
  EXPECT_EQ(j["errors"][0]["text"], "Rate above hard limit for MEDSURG");
  EXPECT_FALSE(j.contains("phi_fields"));
  EXPECT_FALSE(j.contains("program"));
}

TEST(Hl7Log, APcd03RecordCarriesTheProgram) {
  const auto r = log_records({pt::to_server(mllp(sample("pcd03_rgv_o15_dopamine.hl7")))});
  ASSERT_EQ(r.size(), 1U) << "one record per message, program merged in";
  const nlohmann::json& p = r[0]["program"];
  EXPECT_EQ(r[0]["pcd_profile"], "PCD-03");
  EXPECT_EQ(r[0]["order_control"], "RE");
  EXPECT_EQ(r[0]["point_of_care"], "ICU");
  EXPECT_EQ(p["drug_id"], "0409-9104");
  EXPECT_EQ(p["drug_name"], "Dopamine");
  EXPECT_EQ(p["rate"], 5.0);
  EXPECT_EQ(p["rate_units"], "mcg/kg/min");
  EXPECT_EQ(p["rate_kind"], "dose_rate");
  EXPECT_EQ(p["vtbi_ml"], 250.0);
  EXPECT_EQ(p["care_area"], "ICU");
  EXPECT_EQ(p["pump_id"], "PUMP-A0001");
  EXPECT_EQ(p["patient_weight_kg"], 72.5);
}

TEST(Hl7Log, ObservationsAndUdisAreWrittenWithTheSerialHashed) {
  std::vector<std::string> lines;
  const auto r = log_records({pt::to_server(mllp(sample("pcd01_oru_r01_pump.hl7")))}, &lines);
  ASSERT_EQ(r.size(), 1U);
  const nlohmann::json& j = r[0];
  EXPECT_EQ(j["observations_total"], 8);
  ASSERT_EQ(j["observations"].size(), 8U);
  const nlohmann::json& o = j["observations"][4];
  EXPECT_EQ(o["code"], "157784");
  EXPECT_EQ(o["name"], "MDC_FLOW_FLUID_PUMP");
  EXPECT_EQ(o["sub_id"], "1.1.1.1");
  EXPECT_EQ(o["value"], "125");
  EXPECT_EQ(o["units"], "265266^MDC_DIM_MILLI_L_PER_HR^MDC^mL/h^mL/h^UCUM");
  EXPECT_EQ(o["equipment_id"], "0A0B0C0D0E0F4001^^0A0B0C0D0E0F4001^EUI-64");
  EXPECT_EQ(o["status"], "R");
  EXPECT_EQ(j["observations"][7]["value"], "Sodium Chloride 0.9%") << "MDC device string";
  ASSERT_EQ(j["udis"].size(), 1U);
  EXPECT_EQ(j["udis"][0]["udi_di"], "00812345678906");
  EXPECT_EQ(j["udis"][0]["serial_hash"], PhiHasher(log_options().phi_key).hash("SN90001"));
  EXPECT_EQ(lines[0].find("SN90001"), std::string::npos);
  EXPECT_EQ(lines[0].find("LOT42A"), std::string::npos) << "the full UDI holds the serial";
}

TEST(Hl7Log, NoPhiValueAppearsAnywhereInTheLog) {
  std::vector<std::string> lines;
  const auto r = log_records(
      {pt::to_server(mllp(sample("pcd01_oru_r01_pump.hl7"))),
       pt::to_server(mllp(sample("pcd03_rgv_o15_dopamine.hl7"))),
       pt::to_server(
           mllp(read_file(shared_hl7_dir() / "rethinkhealth/qa-fixtures/adt-a01-full.hl7"))),
       pt::to_server(mllp(read_file(shared_hl7_dir() / "linuxforhealth/ORU-multiline-short.hl7")))},
      &lines);
  ASSERT_EQ(r.size(), 4U);
  const std::vector<std::string> phi = {
      // synthetic patient
      "SYN000123", "SYNTHETIC", "ALICE", "19700101", "TEST WAY", "SAMPLETOWN", "555-0100",
      "000-00-0000", "Bag changed",
      // adt-a01-full.hl7
      "98765", "SMITH", "19750315", "OAK AVE", "METROPOLIS", "217-555", "123-45-6789",
      "555-12-3456",
      // ORU-multiline-short.hl7: PID and free text (TX) observations
      "0d70c6c8^^^MRN", "Autogenerated", "19630306", "Unionville", "4042808", "[PII]",
      "Emergency Department", "Arrival Date"};
  for (const std::string& line : lines)
    for (const std::string& value : phi) EXPECT_EQ(line.find(value), std::string::npos) << value;
  EXPECT_EQ(r[0]["phi_fields"],
            (nlohmann::json{"PID-3 patient identifier", "PID-5 patient name", "PID-7 birth date",
                            "PID-11 address", "PID-13 phone", "PID-19 SSN"}));
  const nlohmann::json& tx = r[3]["observations"][1];
  EXPECT_EQ(tx["type"], "TX");
  EXPECT_EQ(tx["value_redacted"], true);
  EXPECT_FALSE(tx.contains("value"));
}

TEST(Hl7Log, HashesLinkTheSamePatientAcrossMessages) {
  const auto r = log_records({pt::to_server(mllp(sample("pcd03_rgv_o15_dopamine.hl7"))),
                              pt::to_server(mllp(sample("pcd01_oru_r01_pump.hl7"))),
                              pt::to_server(mllp(sample("pcd03_rgv_o15_saline.hl7")))});
  ASSERT_EQ(r.size(), 3U);
  const PhiHasher hasher(log_options().phi_key);
  EXPECT_EQ(r[0]["patient_id_hash"], hasher.hash("SYN000123"));
  EXPECT_EQ(r[0]["patient_name_hash"], hasher.hash("SYNTHETIC^ALICE"));
  EXPECT_EQ(r[0]["patient_id_hash"], r[1]["patient_id_hash"]) << "same patient, same hash";
  EXPECT_EQ(r[0]["patient_name_hash"], r[1]["patient_name_hash"]);
  EXPECT_NE(r[0]["patient_id_hash"], r[2]["patient_id_hash"]) << "another patient";
  EXPECT_NE(r[0]["patient_name_hash"], r[2]["patient_name_hash"]);
  EXPECT_EQ(std::string(r[0]["patient_id_hash"]).rfind("hmac:", 0), 0U);
}

TEST(Hl7Log, NameHashesIgnoreLetterCase) {
  const auto r = log_records(
      {pt::to_server(mllp("MSH|^~\\&|A|B|C|D|1||ADT^A08|1|P|2.5\rPID|||1||Doe^Jane\r")),
       pt::to_server(mllp("MSH|^~\\&|A|B|C|D|1||ADT^A08|2|P|2.5\rPID|||1||DOE^JANE^Q\r"))});
  ASSERT_EQ(r.size(), 2U);
  EXPECT_EQ(r[0]["patient_name_hash"], r[1]["patient_name_hash"]);
}

TEST(Hl7Log, CodedValuesAreWrittenWithoutTheirOriginalText) {
  const auto r = log_records({pt::to_server(mllp(sample("pcd04_oru_r40_occlusion.hl7")))});
  ASSERT_EQ(r.size(), 1U);
  EXPECT_EQ(r[0]["observations"][0]["value"], "196940^MDC_EVT_FLUID_LINE_OCCL");
  EXPECT_EQ(r[0]["observations"][3]["value"], "active");
}

TEST(Hl7Log, AtMost32ObservationsAreWritten) {
  std::string msg = "MSH|^~\\&|A|B|C|D|1||ORU^R01|N|P|2.6\r";
  for (int i = 0; i < 40; ++i)
    msg += "OBX|" + std::to_string(i) + "|NM|1^MDC_X^MDC||" + std::to_string(i) + "\r";
  const auto r = log_records({pt::to_server(mllp(msg))});
  ASSERT_EQ(r.size(), 1U);
  EXPECT_EQ(r[0]["observations_total"], 40);
  EXPECT_EQ(r[0]["observations"].size(), kLoggedObservations);
}

TEST(Hl7Log, LongFreeTextIsBoundedByThePayloadExcerpt) {
  const std::string text(1000, 'e');
  const auto r = log_records({pt::to_server(
      mllp("MSH|^~\\&|A|B|C|D|1||ACK|1|P|2.5\rMSA|AE|9\rERR|||207|E||||" + text + "\r"))});
  ASSERT_EQ(r.size(), 1U);
  EXPECT_EQ(std::string(r[0]["errors"][0]["text"]).size(), LogOptions{}.payload_excerpt_bytes);
}

}  // namespace
}  // namespace ward::parsers::hl7
