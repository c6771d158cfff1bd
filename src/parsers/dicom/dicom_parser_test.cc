// Unit tests of the DICOM upper-layer parser and the dicom log writer. PDUs are built by hand
// below, byte for byte after PS3.8 §9.3 (PDUs and items), PS3.7 Annex E (command sets) and
// PS3.5 §7 (data elements); patients are made up. The integration test
// (tests/dicom_dcmtk_test.sh) runs real dcmtk peers.
#include "parsers/dicom/dicom_parser.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "bus/bus.h"
#include "clinical/phi.h"
#include "common/phi_hash.h"
#include "parsers/dicom/dicom_log.h"
#include "parsers/dicom/dicom_uids.h"
#include "parsers/stream_driver.h"
#include "parsers/testing/parser_test_util.h"

namespace ward::parsers::dicom {
namespace {

namespace pt = ward::parsers::testing;
using pt::Chunk;
using Bytes = std::vector<std::uint8_t>;

constexpr std::string_view kVerification = "1.2.840.10008.1.1";
constexpr std::string_view kCtStorage = "1.2.840.10008.5.1.4.1.1.2";
constexpr std::string_view kStudyFind = "1.2.840.10008.5.1.4.1.2.2.1";
constexpr std::string_view kImplicitLe = "1.2.840.10008.1.2";
constexpr std::string_view kExplicitLe = "1.2.840.10008.1.2.1";
constexpr std::string_view kExplicitBe = "1.2.840.10008.1.2.2";
constexpr std::string_view kDeflate = "1.2.840.10008.1.2.1.99";
constexpr std::string_view kAppContext = "1.2.840.10008.3.1.1.1";
constexpr std::string_view kSopInstance = "1.2.826.0.1.3680043.8.498.1";

// ---------------------------------------------------------------------------------------------
// Builders

void put16be(Bytes& b, std::uint32_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}
void put32be(Bytes& b, std::uint32_t v) {
  put16be(b, v >> 16);
  put16be(b, v & 0xFFFF);
}
void put16le(Bytes& b, std::uint32_t v) {
  b.push_back(static_cast<std::uint8_t>(v));
  b.push_back(static_cast<std::uint8_t>(v >> 8));
}
void put32le(Bytes& b, std::uint32_t v) {
  put16le(b, v & 0xFFFF);
  put16le(b, v >> 16);
}
void append(Bytes& b, const Bytes& more) { b.insert(b.end(), more.begin(), more.end()); }
void append(Bytes& b, std::string_view s) { b.insert(b.end(), s.begin(), s.end()); }

Bytes text(std::string_view s, char pad) {
  Bytes b(s.begin(), s.end());
  if (b.size() % 2 != 0) b.push_back(static_cast<std::uint8_t>(pad));
  return b;
}
Bytes uid(std::string_view s) { return text(s, '\0'); }

// PS3.8 §9.3.1: type, reserved, 32-bit length.
Bytes pdu(std::uint8_t type, const Bytes& body) {
  Bytes b{type, 0};
  put32be(b, static_cast<std::uint32_t>(body.size()));
  append(b, body);
  return b;
}
// PS3.8 §9.3.2.x: item type, reserved, 16-bit length.
Bytes item(std::uint8_t type, const Bytes& value) {
  Bytes b{type, 0};
  put16be(b, static_cast<std::uint32_t>(value.size()));
  append(b, value);
  return b;
}
Bytes item(std::uint8_t type, std::string_view value) {
  return item(type, Bytes(value.begin(), value.end()));
}
Bytes ae_title(std::string_view ae) {
  Bytes b(ae.begin(), ae.end());
  b.resize(16, ' ');
  return b;
}

struct RqContext {
  std::uint8_t id;
  std::string_view abstract_syntax;
  std::vector<std::string_view> transfer_syntaxes;
};
struct AcContext {
  std::uint8_t id;
  std::uint8_t result;
  std::string_view transfer_syntax;
};

Bytes user_info(std::uint32_t max_pdu, std::string_view impl_uid, std::string_view impl_version,
                const Bytes& extra = {}) {
  Bytes max;
  put32be(max, max_pdu);
  Bytes v = item(0x51, max);
  append(v, item(0x52, impl_uid));
  append(v, extra);
  append(v, item(0x55, impl_version));
  return item(0x50, v);
}

Bytes associate_fixed(std::string_view called, std::string_view calling) {
  Bytes b;
  put16be(b, 1);  // protocol version
  put16be(b, 0);
  append(b, ae_title(called));
  append(b, ae_title(calling));
  b.resize(b.size() + 32, 0);
  append(b, item(0x10, kAppContext));
  return b;
}

Bytes associate_rq(std::string_view called, std::string_view calling,
                   const std::vector<RqContext>& contexts, std::uint32_t max_pdu = 16384,
                   const Bytes& extra_user_info = {}) {
  Bytes b = associate_fixed(called, calling);
  for (const RqContext& c : contexts) {
    Bytes v{c.id, 0, 0, 0};
    append(v, item(0x30, c.abstract_syntax));
    for (std::string_view ts : c.transfer_syntaxes) append(v, item(0x40, ts));
    append(b, item(0x20, v));
  }
  append(b, user_info(max_pdu, "1.2.276.0.7230010.3.0.3.6.7", "OFFIS_DCMTK_367", extra_user_info));
  return pdu(0x01, b);
}

Bytes associate_ac(std::string_view called, std::string_view calling,
                   const std::vector<AcContext>& contexts, std::uint32_t max_pdu = 16384) {
  Bytes b = associate_fixed(called, calling);
  for (const AcContext& c : contexts) {
    Bytes v{c.id, 0, c.result, 0};
    append(v, item(0x40, c.transfer_syntax));
    append(b, item(0x21, v));
  }
  append(b, user_info(max_pdu, "1.2.826.0.1.3680043.9.7433", "WARD_TEST_SCP"));
  return pdu(0x02, b);
}

Bytes release_rq() { return pdu(0x05, Bytes(4, 0)); }
Bytes release_rp() { return pdu(0x06, Bytes(4, 0)); }

// PS3.8 §9.3.5.1: PDV item = length, presentation context id, message control header, data.
Bytes pdv(std::uint8_t ctx, std::uint8_t mch, const Bytes& data) {
  Bytes b;
  put32be(b, static_cast<std::uint32_t>(data.size() + 2));
  b.push_back(ctx);
  b.push_back(mch);
  append(b, data);
  return b;
}
constexpr std::uint8_t kCommandLast = 0x03;
constexpr std::uint8_t kCommandMore = 0x01;
constexpr std::uint8_t kDataLast = 0x02;
constexpr std::uint8_t kDataMore = 0x00;

Bytes pdata(const std::vector<Bytes>& pdvs) {
  Bytes body;
  for (const Bytes& p : pdvs) append(body, p);
  return pdu(0x04, body);
}

// A command set element (implicit VR little endian, group 0000).
struct El {
  std::uint16_t element;
  Bytes value;
};
Bytes us(std::uint16_t v) {
  Bytes b;
  put16le(b, v);
  return b;
}
// PS3.7 §E.1: a command set with its (0000,0000) group length first.
Bytes command(const std::vector<El>& elements) {
  Bytes body;
  for (const El& e : elements) {
    put16le(body, 0x0000);
    put16le(body, e.element);
    put32le(body, static_cast<std::uint32_t>(e.value.size()));
    append(body, e.value);
  }
  Bytes b;
  put16le(b, 0x0000);
  put16le(b, 0x0000);
  put32le(b, 4);
  put32le(b, static_cast<std::uint32_t>(body.size()));
  append(b, body);
  return b;
}
constexpr std::uint16_t kNoDataSet = 0x0101;
constexpr std::uint16_t kDataSetPresent = 0x0000;

Bytes echo_rq(std::uint16_t id) {
  return command({{0x0002, uid(kVerification)},
                  {0x0100, us(0x0030)},
                  {0x0110, us(id)},
                  {0x0800, us(kNoDataSet)}});
}
Bytes echo_rsp(std::uint16_t id, std::uint16_t status) {
  return command({{0x0002, uid(kVerification)},
                  {0x0100, us(0x8030)},
                  {0x0120, us(id)},
                  {0x0800, us(kNoDataSet)},
                  {0x0900, us(status)}});
}
Bytes store_rq(std::uint16_t id) {
  return command({{0x0002, uid(kCtStorage)},
                  {0x0100, us(0x0001)},
                  {0x0110, us(id)},
                  {0x0700, us(0)},
                  {0x0800, us(kDataSetPresent)},
                  {0x1000, uid(kSopInstance)}});
}
Bytes store_rsp(std::uint16_t id, std::uint16_t status) {
  return command({{0x0002, uid(kCtStorage)},
                  {0x0100, us(0x8001)},
                  {0x0120, us(id)},
                  {0x0800, us(kNoDataSet)},
                  {0x0900, us(status)},
                  {0x1000, uid(kSopInstance)}});
}
Bytes find_rq(std::uint16_t id) {
  return command({{0x0002, uid(kStudyFind)},
                  {0x0100, us(0x0020)},
                  {0x0110, us(id)},
                  {0x0700, us(0)},
                  {0x0800, us(kDataSetPresent)}});
}
Bytes find_rsp(std::uint16_t id, std::uint16_t status, bool data_set) {
  return command({{0x0002, uid(kStudyFind)},
                  {0x0100, us(0x8020)},
                  {0x0120, us(id)},
                  {0x0800, us(data_set ? kDataSetPresent : kNoDataSet)},
                  {0x0900, us(status)}});
}

// Data elements (PS3.5 §7.1.2 explicit, §7.1.3 implicit).
bool is_long_vr(std::string_view vr) {
  for (std::string_view v : {"OB", "OW", "OF", "SQ", "UT", "UN", "UC", "UR", "OD", "OL", "OV"})
    if (v == vr) return true;
  return false;
}
Bytes ex(std::uint16_t group, std::uint16_t element, std::string_view vr, const Bytes& value,
         bool big = false) {
  Bytes b;
  auto p16 = [&](std::uint32_t v) { big ? put16be(b, v) : put16le(b, v); };
  auto p32 = [&](std::uint32_t v) { big ? put32be(b, v) : put32le(b, v); };
  p16(group);
  p16(element);
  append(b, vr);
  if (is_long_vr(vr)) {
    p16(0);
    p32(static_cast<std::uint32_t>(value.size()));
  } else {
    p16(static_cast<std::uint32_t>(value.size()));
  }
  append(b, value);
  return b;
}
Bytes im(std::uint16_t group, std::uint16_t element, const Bytes& value) {
  Bytes b;
  put16le(b, group);
  put16le(b, element);
  put32le(b, static_cast<std::uint32_t>(value.size()));
  append(b, value);
  return b;
}

// A small CT image data set: identifiers, a sequence of undefined length, pixel data.
Bytes ct_data_set_explicit(std::string_view patient, std::string_view patient_id,
                           bool big = false) {
  Bytes d;
  append(d, ex(0x0008, 0x0016, "UI", uid(kCtStorage), big));
  append(d, ex(0x0008, 0x0018, "UI", uid(kSopInstance), big));
  append(d, ex(0x0008, 0x0060, "CS", text("CT", ' '), big));
  append(d, ex(0x0010, 0x0010, "PN", text(patient, ' '), big));
  append(d, ex(0x0010, 0x0020, "LO", text(patient_id, ' '), big));
  append(d, ex(0x0010, 0x0030, "DA", text("19700101", ' '), big));
  // (0008,1140) Referenced Image Sequence, undefined length, one undefined-length item.
  Bytes seq;
  auto p16 = [&](std::uint32_t v) { big ? put16be(seq, v) : put16le(seq, v); };
  auto p32 = [&](std::uint32_t v) { big ? put32be(seq, v) : put32le(seq, v); };
  p16(0x0008);
  p16(0x1140);
  append(seq, "SQ");
  p16(0);
  p32(0xFFFFFFFF);
  p16(0xFFFE);
  p16(0xE000);
  p32(0xFFFFFFFF);
  append(seq, ex(0x0008, 0x1150, "UI", uid(kCtStorage), big));
  p16(0xFFFE);
  p16(0xE00D);
  p32(0);
  p16(0xFFFE);
  p16(0xE0DD);
  p32(0);
  append(d, seq);
  append(d, ex(0x0028, 0x0010, "US", us(4), big));
  append(d, ex(0x7FE0, 0x0010, "OW", Bytes(32, 0x55), big));
  return d;
}

Bytes ct_data_set_implicit(std::string_view patient, std::string_view patient_id) {
  Bytes d;
  append(d, im(0x0008, 0x0016, uid(kCtStorage)));
  append(d, im(0x0008, 0x0060, text("CT", ' ')));
  append(d, im(0x0010, 0x0010, text(patient, ' ')));
  append(d, im(0x0010, 0x0020, text(patient_id, ' ')));
  append(d, im(0x0010, 0x0030, Bytes{}));  // empty birth date: not PHI
  append(d, im(0x7FE0, 0x0010, Bytes(16, 0x11)));
  return d;
}

// Bytes [begin, end) of `b`. REQUIRES: begin <= end <= b.size().
Bytes slice(const Bytes& b, std::size_t begin, std::size_t end) {
  const ByteView v(b);
  const ByteView part = v.subspan(begin, end - begin);
  return Bytes(part.begin(), part.end());
}
Bytes first(const Bytes& b, std::size_t n) { return slice(b, 0, n); }
Bytes from(const Bytes& b, std::size_t n) { return slice(b, n, b.size()); }

std::vector<Chunk> echo_session() {
  return {
      pt::to_server(associate_rq("ANY-SCP", "ECHOSCU", {{1, kVerification, {kImplicitLe}}})),
      pt::to_client(associate_ac("ANY-SCP", "ECHOSCU", {{1, 0, kImplicitLe}})),
      pt::to_server(pdata({pdv(1, kCommandLast, echo_rq(1))})),
      pt::to_client(pdata({pdv(1, kCommandLast, echo_rsp(1, 0x0000))})),
      pt::to_server(release_rq()),
      pt::to_client(release_rp()),
  };
}

// A C-STORE whose data set is cut into fragments at awkward offsets (inside element headers
// and inside the patient name) across two P-DATA-TF PDUs.
std::vector<Chunk> store_session(std::string_view ts, const Bytes& data_set) {
  const std::size_t cut1 = std::min<std::size_t>(13, data_set.size());  // inside a header
  const std::size_t cut2 = std::max(cut1, std::min<std::size_t>(100, data_set.size()));
  return {
      pt::to_server(associate_rq("STORESCP", "STORESCU",
                                 {{1, kCtStorage, {kExplicitLe, kImplicitLe, kExplicitBe}},
                                  {3, kVerification, {kImplicitLe}}})),
      pt::to_client(associate_ac("STORESCP", "STORESCU", {{1, 0, ts}, {3, 0, kImplicitLe}})),
      pt::to_server(
          pdata({pdv(1, kCommandLast, store_rq(7)), pdv(1, kDataMore, first(data_set, cut1))})),
      pt::to_server(pdata({pdv(1, kDataMore, slice(data_set, cut1, cut2)),
                           pdv(1, kDataLast, from(data_set, cut2))})),
      pt::to_client(pdata({pdv(1, kCommandLast, store_rsp(7, 0x0000))})),
      pt::to_server(release_rq()),
      pt::to_client(release_rp()),
  };
}

// Every field that matters, one line per event (the every-split test compares these).
std::string describe(const bus::Event& e) {
  std::ostringstream s;
  if (const auto* a = bus::event_cast<DicomAssociation>(e)) {
    s << "assoc rq=" << a->request_seen << " calling=" << a->calling_ae
      << " called=" << a->called_ae << " app=" << a->application_context << " ctx=[";
    for (const PresentationContext& pc : a->contexts) {
      s << pc.id + 0 << ":" << pc.abstract_syntax << ":";
      for (const std::string& ts : pc.transfer_syntaxes) s << ts << ",";
      s << ":" << (pc.result ? std::to_string(*pc.result) : "-") << ":"
        << pc.accepted_transfer_syntax << " ";
    }
    s << "] dropped=" << a->contexts_dropped
      << " rqmax=" << (a->requestor_max_pdu ? std::to_string(*a->requestor_max_pdu) : "-")
      << " rqimpl=" << a->requestor_implementation_class_uid << "/"
      << a->requestor_implementation_version_name
      << " acmax=" << (a->acceptor_max_pdu ? std::to_string(*a->acceptor_max_pdu) : "-")
      << " acimpl=" << a->acceptor_implementation_class_uid << "/"
      << a->acceptor_implementation_version_name << " uid_type=" << a->user_identity_type + 0
      << " result=" << association_result_name(a->result) << " rj=" << a->reject_result + 0 << "/"
      << a->reject_source + 0 << "/" << a->reject_reason + 0
      << " end=" << association_end_name(a->end) << " abort=" << a->abort_source + 0 << "/"
      << a->abort_reason + 0 << " cmds=" << a->commands << " pdata=" << a->pdata_bytes
      << " phi=" << a->phi_in_clear;
  } else if (const auto* c = bus::event_cast<DicomCommand>(e)) {
    s << "cmd " << c->operation << " id=" << c->message_id << " rq=" << c->request_seen
      << " rsp=" << c->response_seen
      << " by=" << (c->request_dir == Direction::kToServer ? "orig" : "resp")
      << " ctx=" << c->context_id + 0 << " sop=" << c->sop_class << " inst=" << c->sop_instance
      << " dest=" << c->move_destination
      << " prio=" << (c->priority ? std::to_string(*c->priority) : "-")
      << " status=" << (c->status ? std::to_string(*c->status) : "-")
      << " pending=" << c->pending_responses
      << " sub=" << (c->completed ? std::to_string(*c->completed) : "-") << "/"
      << (c->failed ? std::to_string(*c->failed) : "-") << "/"
      << (c->warning ? std::to_string(*c->warning) : "-") << " dsrq=" << c->request_data_set
      << " dsrsp=" << c->response_data_sets << " phi=" << c->phi_in_clear;
  } else if (const auto* p = bus::event_cast<clinical::PhiObserved>(e)) {
    s << "phi " << p->protocol << " " << p->where;
    for (const clinical::PhiField& f : p->fields) s << " " << f.name << "=" << f.value;
  } else {
    return "unknown event";
  }
  return s.str();
}

pt::RunResult run(const std::vector<Chunk>& chunks, const Limits& limits = Limits{}) {
  const DicomParserFactory factory(limits);
  return pt::run_chunks(factory, describe, chunks);
}

bool has(const std::vector<std::string>& v, std::string_view x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

constexpr std::string_view kEchoAssoc =
    "assoc rq=1 calling=ECHOSCU called=ANY-SCP app=1.2.840.10008.3.1.1.1 "
    "ctx=[1:1.2.840.10008.1.1:1.2.840.10008.1.2,:0:1.2.840.10008.1.2 ] dropped=0 rqmax=16384 "
    "rqimpl=1.2.276.0.7230010.3.0.3.6.7/OFFIS_DCMTK_367 acmax=16384 "
    "acimpl=1.2.826.0.1.3680043.9.7433/WARD_TEST_SCP uid_type=0 result=accepted rj=0/0/0 "
    "end=released abort=0/0 cmds=2 pdata=";

// ---------------------------------------------------------------------------------------------
// Association and DIMSE decoding

TEST(DicomAssociation, EchoSessionGivesOneCommandPairAndOneAssociationRecord) {
  const auto r = run(echo_session());
  ASSERT_EQ(r.events.size(), 2U) << ::testing::PrintToString(r.events);
  EXPECT_EQ(r.events[0],
            "cmd C-ECHO id=1 rq=1 rsp=1 by=orig ctx=1 sop=1.2.840.10008.1.1 inst= dest= prio=- "
            "status=0 pending=0 sub=-/-/- dsrq=0 dsrsp=0 phi=0");
  EXPECT_EQ(r.events[1].substr(0, kEchoAssoc.size()), kEchoAssoc);
  EXPECT_TRUE(r.anomalies.empty()) << ::testing::PrintToString(r.anomalies);
  EXPECT_EQ(r.confirmations, 1);
}

TEST(DicomAssociation, PDataBytesCountWholePdus) {
  const auto chunks = echo_session();
  const auto r = run(chunks);
  ASSERT_EQ(r.events.size(), 2U);
  const std::size_t want = chunks[2].bytes.size() + chunks[3].bytes.size();
  EXPECT_NE(r.events[1].find("pdata=" + std::to_string(want) + " phi=0"), std::string::npos)
      << r.events[1];
}

TEST(DicomAssociation, RejectionIsReportedWithResultSourceAndReason) {
  Bytes rj{0, 1, 1, 7};  // reserved, rejected-permanent, service-user, called AE not recognized
  const auto r =
      run({pt::to_server(associate_rq("WRONG", "SCU", {{1, kVerification, {kImplicitLe}}})),
           pt::to_client(pdu(0x03, rj))});
  ASSERT_EQ(r.events.size(), 1U);
  EXPECT_NE(r.events[0].find("result=rejected rj=1/1/7 end=rejected"), std::string::npos)
      << r.events[0];
  EXPECT_EQ(reject_reason_name(1, 7), "called-AE-title-not-recognized");
  EXPECT_EQ(reject_source_name(1), "service-user");
  EXPECT_EQ(reject_result_name(1), "rejected-permanent");
}

TEST(DicomAssociation, AbortEndsTheAssociationAndFlushesUnansweredCommands) {
  Bytes abort{0, 0, 2, 2};  // service-provider, unexpected-PDU
  auto chunks = echo_session();
  chunks.resize(3);  // RQ, AC, C-ECHO-RQ
  chunks.push_back(pt::to_client(pdu(0x07, abort)));
  const auto r = run(chunks);
  ASSERT_EQ(r.events.size(), 2U);
  EXPECT_NE(r.events[0].find("cmd C-ECHO id=1 rq=1 rsp=0"), std::string::npos) << r.events[0];
  EXPECT_NE(r.events[0].find("status=-"), std::string::npos);
  EXPECT_NE(r.events[1].find("end=aborted abort=2/2"), std::string::npos) << r.events[1];
  EXPECT_EQ(abort_source_name(2), "service-provider");
  EXPECT_EQ(abort_reason_name(2), "unexpected-PDU");
}

TEST(DicomAssociation, RejectedContextsKeepTheirResult) {
  const auto r = run({
      pt::to_server(associate_rq(
          "SCP", "SCU", {{1, kCtStorage, {kExplicitLe}}, {3, kVerification, {kImplicitLe}}})),
      pt::to_client(associate_ac("SCP", "SCU", {{1, 3, kImplicitLe}, {3, 0, kImplicitLe}})),
  });
  ASSERT_EQ(r.events.size(), 1U);
  EXPECT_NE(r.events[0].find("1:1.2.840.10008.5.1.4.1.1.2:1.2.840.10008.1.2.1,:3: "),
            std::string::npos)
      << r.events[0];
  EXPECT_NE(r.events[0].find("3:1.2.840.10008.1.1:1.2.840.10008.1.2,:0:1.2.840.10008.1.2 "),
            std::string::npos);
  EXPECT_NE(r.events[0].find("end=open"), std::string::npos);
  EXPECT_EQ(context_result_name(3), "abstract-syntax-not-supported");
}

TEST(DicomAssociation, ReleaseRequestWithoutReplyIsReleaseIncomplete) {
  auto chunks = echo_session();
  chunks.pop_back();
  const auto r = run(chunks);
  ASSERT_EQ(r.events.size(), 2U);
  EXPECT_NE(r.events[1].find("end=release_incomplete"), std::string::npos) << r.events[1];
}

TEST(DicomAssociation, UserIdentityWithPasscodeIsAnAnomaly) {
  // PS3.7 §D.3.3.7.1: type 2 (username and passcode), positive response requested 0.
  Bytes ui{2, 0};
  put16be(ui, 5);
  append(ui, "alice");
  put16be(ui, 6);
  append(ui, "secret");
  const auto r = run({pt::to_server(
      associate_rq("SCP", "SCU", {{1, kVerification, {kImplicitLe}}}, 16384, item(0x58, ui)))});
  ASSERT_EQ(r.events.size(), 1U);
  EXPECT_NE(r.events[0].find("uid_type=2"), std::string::npos);
  EXPECT_TRUE(has(r.anomalies, anomaly::kUserIdentityInClear));
  EXPECT_EQ(r.events[0].find("secret"), std::string::npos);
}

TEST(DicomAssociation, SecondRequestOnTheConnectionClosesTheFirstAssociation) {
  auto chunks = echo_session();
  chunks.resize(4);
  const auto more = echo_session();
  chunks.insert(chunks.end(), more.begin(), more.end());
  const auto r = run(chunks);
  ASSERT_EQ(r.events.size(), 4U) << ::testing::PrintToString(r.events);
  EXPECT_NE(r.events[1].find("end=open"), std::string::npos);
  EXPECT_NE(r.events[3].find("end=released"), std::string::npos);
}

TEST(DicomCommand, StoreWithExplicitDataSetReportsPhiAndPairsTheResponse) {
  const auto r = run(store_session(kExplicitLe, ct_data_set_explicit("DOE^JANE", "PID-0042")));
  ASSERT_EQ(r.events.size(), 3U) << ::testing::PrintToString(r.events);
  EXPECT_EQ(r.events[0],
            "phi dicom C-STORE-RQ (0010,0010) PatientName=DOE^JANE (0010,0020) PatientID=PID-0042 "
            "(0010,0030) PatientBirthDate=19700101");
  EXPECT_EQ(r.events[1],
            "cmd C-STORE id=7 rq=1 rsp=1 by=orig ctx=1 sop=1.2.840.10008.5.1.4.1.1.2 "
            "inst=1.2.826.0.1.3680043.8.498.1 dest= prio=0 status=0 pending=0 sub=-/-/- dsrq=1 "
            "dsrsp=0 phi=1");
  EXPECT_NE(r.events[2].find("phi=1"), std::string::npos);
  EXPECT_NE(r.events[2].find("cmds=2"), std::string::npos);
  EXPECT_TRUE(r.anomalies.empty()) << ::testing::PrintToString(r.anomalies);
}

TEST(DicomCommand, ImplicitVrDataSetIsScannedPerTheAcceptedTransferSyntax) {
  const auto r = run(store_session(kImplicitLe, ct_data_set_implicit("ROE^RICHARD", "X9")));
  ASSERT_EQ(r.events.size(), 3U) << ::testing::PrintToString(r.events);
  // The empty birth date names nobody.
  EXPECT_EQ(r.events[0],
            "phi dicom C-STORE-RQ (0010,0010) PatientName=ROE^RICHARD "
            "(0010,0020) PatientID=X9");
  EXPECT_TRUE(r.anomalies.empty()) << ::testing::PrintToString(r.anomalies);
}

TEST(DicomCommand, BigEndianDataSetIsScanned) {
  const auto r =
      run(store_session(kExplicitBe, ct_data_set_explicit("BIG^ENDIAN", "BE1", /*big=*/true)));
  ASSERT_EQ(r.events.size(), 3U) << ::testing::PrintToString(r.events);
  EXPECT_EQ(r.events[0],
            "phi dicom C-STORE-RQ (0010,0010) PatientName=BIG^ENDIAN "
            "(0010,0020) PatientID=BE1 (0010,0030) PatientBirthDate=19700101");
  EXPECT_TRUE(r.anomalies.empty()) << ::testing::PrintToString(r.anomalies);
}

TEST(DicomCommand, DataSetWithoutNegotiationIsScannedByGuessingTheVrForm) {
  // Picked up mid-association: no RQ/AC, so no transfer syntax is known.
  for (const bool explicit_vr : {true, false}) {
    const Bytes ds = explicit_vr ? ct_data_set_explicit("MID^STREAM", "M1")
                                 : ct_data_set_implicit("MID^STREAM", "M1");
    const auto r =
        run({pt::to_server(pdata({pdv(5, kCommandLast, store_rq(2)), pdv(5, kDataLast, ds)})),
             pt::to_client(pdata({pdv(5, kCommandLast, store_rsp(2, 0xA700))}))});
    ASSERT_EQ(r.events.size(), 3U) << ::testing::PrintToString(r.events);
    EXPECT_NE(r.events[0].find("PatientName=MID^STREAM (0010,0020) PatientID=M1"),
              std::string::npos)
        << r.events[0];
    EXPECT_NE(r.events[1].find("status=42752"), std::string::npos) << r.events[1];
    EXPECT_NE(r.events[2].find("assoc rq=0"), std::string::npos) << r.events[2];
    EXPECT_EQ(r.confirmations, 1);
  }
}

TEST(DicomCommand, CommandSplitAcrossPdvsAndPdusIsReassembled) {
  const Bytes cmd = store_rq(3);
  const Bytes ds = ct_data_set_explicit("SPLIT^CMD", "S1");
  auto chunks = store_session(kExplicitLe, ds);
  chunks[2] = pt::to_server(pdata({pdv(1, kCommandMore, first(cmd, 10))}));
  chunks[3] = pt::to_server(pdata({pdv(1, kCommandMore, slice(cmd, 10, 41)),
                                   pdv(1, kCommandLast, from(cmd, 41)), pdv(1, kDataLast, ds)}));
  chunks[4] = pt::to_client(pdata({pdv(1, kCommandLast, store_rsp(3, 0xB000))}));
  const auto r = run(chunks);
  ASSERT_EQ(r.events.size(), 3U) << ::testing::PrintToString(r.events);
  EXPECT_NE(r.events[1].find("cmd C-STORE id=3 rq=1 rsp=1"), std::string::npos) << r.events[1];
  EXPECT_NE(r.events[1].find("status=45056"), std::string::npos);
  EXPECT_TRUE(r.anomalies.empty()) << ::testing::PrintToString(r.anomalies);
}

TEST(DicomCommand, FindCountsPendingResponsesAndTheirDataSets) {
  Bytes query;  // wildcard patient name: a query key, not a patient
  append(query, ex(0x0008, 0x0052, "CS", text("STUDY", ' ')));
  append(query, ex(0x0010, 0x0010, "PN", text("*", ' ')));
  append(query, ex(0x0010, 0x0020, "LO", Bytes{}));
  Bytes match;
  append(match, ex(0x0008, 0x0052, "CS", text("STUDY", ' ')));
  append(match, ex(0x0010, 0x0010, "PN", text("SMITH^ANNA", ' ')));
  append(match, ex(0x0010, 0x0020, "LO", text("A7", ' ')));
  const auto r = run({
      pt::to_server(associate_rq("QRSCP", "FINDSCU", {{1, kStudyFind, {kExplicitLe}}})),
      pt::to_client(associate_ac("QRSCP", "FINDSCU", {{1, 0, kExplicitLe}})),
      pt::to_server(pdata({pdv(1, kCommandLast, find_rq(1)), pdv(1, kDataLast, query)})),
      pt::to_client(
          pdata({pdv(1, kCommandLast, find_rsp(1, 0xFF00, true)), pdv(1, kDataLast, match)})),
      pt::to_client(
          pdata({pdv(1, kCommandLast, find_rsp(1, 0xFF00, true)), pdv(1, kDataLast, match)})),
      pt::to_client(pdata({pdv(1, kCommandLast, find_rsp(1, 0x0000, false))})),
      pt::to_server(release_rq()),
      pt::to_client(release_rp()),
  });
  ASSERT_EQ(r.events.size(), 4U) << ::testing::PrintToString(r.events);
  EXPECT_EQ(r.events[0],
            "phi dicom C-FIND-RSP (0010,0010) PatientName=SMITH^ANNA "
            "(0010,0020) PatientID=A7");
  EXPECT_EQ(r.events[1], r.events[0]);
  EXPECT_EQ(r.events[2],
            "cmd C-FIND id=1 rq=1 rsp=1 by=orig ctx=1 sop=1.2.840.10008.5.1.4.1.2.2.1 inst= "
            "dest= prio=0 status=0 pending=2 sub=-/-/- dsrq=1 dsrsp=2 phi=1");
  EXPECT_NE(r.events[3].find("cmds=4"), std::string::npos);
  EXPECT_TRUE(r.anomalies.empty()) << ::testing::PrintToString(r.anomalies);
}

TEST(DicomCommand, MoveReportsDestinationAndSubOperations) {
  const Bytes rq = command({{0x0002, uid(kStudyFind)},
                            {0x0100, us(0x0021)},
                            {0x0110, us(9)},
                            {0x0600, text("ARCHIVE", ' ')},
                            {0x0700, us(2)},
                            {0x0800, us(kNoDataSet)}});
  const Bytes rsp = command({{0x0100, us(0x8021)},
                             {0x0120, us(9)},
                             {0x0800, us(kNoDataSet)},
                             {0x0900, us(0x0000)},
                             {0x1021, us(12)},
                             {0x1022, us(0)},
                             {0x1023, us(1)}});
  const auto r = run({pt::to_server(pdata({pdv(1, kCommandLast, rq)})),
                      pt::to_client(pdata({pdv(1, kCommandLast, rsp)}))});
  ASSERT_EQ(r.events.size(), 2U);
  EXPECT_NE(r.events[0].find("cmd C-MOVE id=9 rq=1 rsp=1"), std::string::npos) << r.events[0];
  EXPECT_NE(r.events[0].find("dest=ARCHIVE prio=2 status=0 pending=0 sub=12/0/1"),
            std::string::npos)
      << r.events[0];
}

TEST(DicomCommand, CancelIsLoggedAtOnceAndResponsesWithoutRequestsAreUnpaired) {
  const Bytes cancel = command({{0x0100, us(0x0FFF)}, {0x0120, us(4)}, {0x0800, us(kNoDataSet)}});
  const auto r = run({pt::to_server(pdata({pdv(1, kCommandLast, cancel)})),
                      pt::to_client(pdata({pdv(1, kCommandLast, echo_rsp(8, 0x0000))}))});
  ASSERT_EQ(r.events.size(), 3U) << ::testing::PrintToString(r.events);
  EXPECT_NE(r.events[0].find("cmd C-CANCEL id=4 rq=1 rsp=0"), std::string::npos) << r.events[0];
  EXPECT_NE(r.events[1].find("cmd C-ECHO id=8 rq=0 rsp=1 by=orig"), std::string::npos)
      << r.events[1];
}

TEST(DicomCommand, UnansweredRequestsAreFlushedAtTheEnd) {
  auto chunks = echo_session();
  chunks.resize(3);
  const auto r = run(chunks);
  ASSERT_EQ(r.events.size(), 2U);
  EXPECT_NE(r.events[0].find("cmd C-ECHO id=1 rq=1 rsp=0"), std::string::npos);
  EXPECT_NE(r.events[1].find("end=open"), std::string::npos);
}

TEST(DicomCommand, DeflatedDataSetsAreNotScanned) {
  const auto r = run(store_session(kDeflate, ct_data_set_explicit("HIDDEN^NAME", "H1")));
  ASSERT_EQ(r.events.size(), 2U) << ::testing::PrintToString(r.events);
  EXPECT_NE(r.events[0].find("phi=0"), std::string::npos);
  EXPECT_TRUE(has(r.anomalies, anomaly::kDataSetNotScanned));
}

// ---------------------------------------------------------------------------------------------
// Limits and malformed input (one test per error path)

TEST(DicomLimits, OversizedPDataIsSkippedNotBufferedAndTheNextPduParses) {
  auto chunks = store_session(kExplicitLe, ct_data_set_explicit("BIG^PDU", "B"));
  Limits l;
  l.max_pdata_pdu_bytes = static_cast<std::uint32_t>(chunks[4].bytes.size());  // the response
  ASSERT_GT(chunks[2].bytes.size(), l.max_pdata_pdu_bytes);
  ASSERT_GT(chunks[3].bytes.size(), l.max_pdata_pdu_bytes);
  const auto r = run(chunks, l);
  EXPECT_TRUE(has(r.anomalies, anomaly::kPduTooLarge));
  // The C-STORE request went in the skipped PDU; the response is unpaired; no PHI seen.
  ASSERT_EQ(r.events.size(), 2U) << ::testing::PrintToString(r.events);
  EXPECT_NE(r.events[0].find("cmd C-STORE id=7 rq=0 rsp=1"), std::string::npos) << r.events[0];
  EXPECT_NE(r.events[1].find("end=released"), std::string::npos);
}

TEST(DicomLimits, OversizedAssociationPduIsSkipped) {
  Limits l;
  l.max_association_pdu_bytes = 100;
  const auto r = run(echo_session(), l);
  EXPECT_EQ(std::count(r.anomalies.begin(), r.anomalies.end(), anomaly::kPduTooLarge), 2);
  ASSERT_EQ(r.events.size(), 2U) << ::testing::PrintToString(r.events);
  EXPECT_NE(r.events[1].find("assoc rq=0"), std::string::npos);
}

TEST(DicomLimits, CommandLargerThanTheLimitIsDropped) {
  Limits l;
  l.max_command_bytes = 64;
  const auto r = run(echo_session(), l);
  EXPECT_TRUE(has(r.anomalies, anomaly::kCommandTooLarge));
  ASSERT_EQ(r.events.size(), 1U);
  EXPECT_NE(r.events[0].find("cmds=0"), std::string::npos);
}

TEST(DicomLimits, TooManyContextsAreCountedNotKept) {
  Limits l;
  l.max_presentation_contexts = 1;
  const auto r =
      run({pt::to_server(associate_rq(
              "SCP", "SCU", {{1, kVerification, {kImplicitLe}}, {3, kCtStorage, {kImplicitLe}}}))},
          l);
  EXPECT_TRUE(has(r.anomalies, anomaly::kTooManyContexts));
  ASSERT_EQ(r.events.size(), 1U);
  EXPECT_NE(r.events[0].find("dropped=1"), std::string::npos);
}

TEST(DicomLimits, TooManyPendingRequestsLogsTheOldestUnanswered) {
  Limits l;
  l.max_pending_commands = 1;
  const auto r = run({pt::to_server(pdata({pdv(1, kCommandLast, echo_rq(1))})),
                      pt::to_server(pdata({pdv(1, kCommandLast, echo_rq(2))})),
                      pt::to_client(pdata({pdv(1, kCommandLast, echo_rsp(2, 0))}))},
                     l);
  EXPECT_TRUE(has(r.anomalies, anomaly::kTooManyPendingCommands));
  ASSERT_EQ(r.events.size(), 3U);
  EXPECT_NE(r.events[0].find("id=1 rq=1 rsp=0"), std::string::npos);
  EXPECT_NE(r.events[1].find("id=2 rq=1 rsp=1"), std::string::npos);
}

TEST(DicomLimits, PhiValueIsKeptToItsLimit) {
  Limits l;
  l.max_phi_value_bytes = 4;
  const auto r = run(store_session(kExplicitLe, ct_data_set_explicit("LONGNAME^X", "P1")), l);
  ASSERT_FALSE(r.events.empty());
  EXPECT_NE(r.events[0].find("PatientName=LONG "), std::string::npos) << r.events[0];
}

TEST(DicomLimits, PDataLargerThanTheNegotiatedMaximumIsAnAnomaly) {
  auto chunks = store_session(kExplicitLe, ct_data_set_explicit("A^B", "C"));
  chunks[1] = pt::to_client(
      associate_ac("STORESCP", "STORESCU", {{1, 0, kExplicitLe}, {3, 0, kImplicitLe}}, 64));
  const auto r = run(chunks);
  EXPECT_EQ(std::count(r.anomalies.begin(), r.anomalies.end(), anomaly::kPduExceedsNegotiatedMax),
            1);
}

TEST(DicomLimits, OverridesAreReadAndClamped) {
  LimitOverrides o;
  o.set("dicom.max_association_pdu_bytes", 1000);
  o.set("dicom.max_pdata_pdu_bytes", 2000);
  o.set("dicom.max_command_bytes", 300);
  o.set("dicom.max_presentation_contexts", 9);
  o.set("dicom.max_transfer_syntaxes", 3);
  o.set("dicom.max_pending_commands", 5);
  o.set("dicom.max_phi_value_bytes", 7);
  o.set("dicom.max_sequence_depth", 2);
  Limits l = limits_from(o);
  EXPECT_EQ(l.max_association_pdu_bytes, 1000U);
  EXPECT_EQ(l.max_pdata_pdu_bytes, 2000U);
  EXPECT_EQ(l.max_command_bytes, 300U);
  EXPECT_EQ(l.max_presentation_contexts, 9U);
  EXPECT_EQ(l.max_transfer_syntaxes, 3U);
  EXPECT_EQ(l.max_pending_commands, 5U);
  EXPECT_EQ(l.max_phi_value_bytes, 7U);
  EXPECT_EQ(l.max_sequence_depth, 2U);
  const Limits d = limits_from(LimitOverrides{});
  EXPECT_EQ(d.max_association_pdu_bytes, 64U * 1024);
  EXPECT_EQ(d.max_pdata_pdu_bytes, 16U * 1024 * 1024);
  o.set("dicom.max_association_pdu_bytes", 1ULL << 40);  // must stay below the driver's tail
  o.set("dicom.max_presentation_contexts", 100000);
  l = limits_from(o);
  EXPECT_EQ(l.max_association_pdu_bytes, kMaxAssociationPduBytesCeiling);
  EXPECT_LT(l.max_association_pdu_bytes, StreamDriver::Limits{}.max_pending_bytes);
  EXPECT_EQ(l.max_presentation_contexts, 256U);
}

TEST(DicomMalformed, PdvLongerThanItsPduIsSkipped) {
  Bytes body;
  put32be(body, 1000);  // PDV length beyond the PDU
  body.push_back(1);
  body.push_back(kCommandLast);
  append(body, Bytes(10, 0));
  auto chunks = echo_session();
  chunks.insert(chunks.begin() + 2, pt::to_server(pdu(0x04, body)));
  const auto r = run(chunks);
  EXPECT_TRUE(has(r.anomalies, anomaly::kMalformedPdv));
  ASSERT_EQ(r.events.size(), 2U);  // the echo pair after it still parses
  EXPECT_NE(r.events[0].find("cmd C-ECHO id=1 rq=1 rsp=1"), std::string::npos);
}

TEST(DicomMalformed, CommandSetThatDoesNotParseIsAnAnomaly) {
  Bytes bad = echo_rq(1);
  bad[0] = 0x08;  // group 0008 in a command set
  const auto r = run({pt::to_server(pdata({pdv(1, kCommandLast, bad)}))});
  EXPECT_TRUE(has(r.anomalies, anomaly::kMalformedCommand));
}

TEST(DicomMalformed, DataSetWithABadVrIsAnAnomalyButTheCommandStillPairs) {
  Bytes ds = ex(0x0010, 0x0010, "PN", text("A^B", ' '));
  ds[4] = '1';  // not a VR
  const auto r = run(store_session(kExplicitLe, ds));
  EXPECT_TRUE(has(r.anomalies, anomaly::kMalformedDataSet));
  ASSERT_EQ(r.events.size(), 2U) << ::testing::PrintToString(r.events);
  EXPECT_NE(r.events[0].find("phi=0"), std::string::npos);
}

TEST(DicomMalformed, ShortRejectAndAbortAreAnomalies) {
  const auto r = run({pt::to_client(pdu(0x03, Bytes{0, 1})), pt::to_client(pdu(0x07, Bytes{0}))});
  EXPECT_EQ(std::count(r.anomalies.begin(), r.anomalies.end(), anomaly::kMalformedPdu), 2);
}

TEST(DicomMalformed, ReleaseReplyOutsideAnAssociationIsUnexpected) {
  const auto r = run({pt::to_client(release_rp())});
  EXPECT_TRUE(has(r.anomalies, anomaly::kUnexpectedPdu));
  EXPECT_TRUE(r.events.empty());
}

TEST(DicomMalformed, AssociateRequestItemOverrunIsAnAnomaly) {
  Bytes rq = associate_rq("SCP", "SCU", {{1, kVerification, {kImplicitLe}}});
  rq[6 + 68 + 3] = 0xFF;  // the application context item claims 255 more bytes
  const auto r = run({pt::to_server(rq)});
  EXPECT_TRUE(has(r.anomalies, anomaly::kMalformedPdu));
}

TEST(DicomMalformed, StreamEndingInsideAPduIsTruncated) {
  Bytes p = pdata({pdv(1, kCommandLast, echo_rq(1))});
  p.resize(p.size() - 5);
  const auto r = run({pt::to_server(p)});
  EXPECT_TRUE(has(r.anomalies, anomaly::kTruncatedPdu));
  Bytes rq = associate_rq("SCP", "SCU", {{1, kVerification, {kImplicitLe}}});
  rq.resize(40);
  EXPECT_TRUE(has(run({pt::to_server(rq)}).anomalies, anomaly::kTruncatedPdu));
}

// The negative case: HTTP on port 104 is not DICOM.
TEST(DicomNegative, HttpOnTheDicomPortStopsTheParserWithoutEvents) {
  const auto r = run({pt::to_server("GET / HTTP/1.1\r\nHost: pacs\r\n\r\n"),
                      pt::to_client("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")});
  EXPECT_TRUE(r.events.empty());
  EXPECT_EQ(r.confirmations, 0);
  EXPECT_EQ(std::count(r.anomalies.begin(), r.anomalies.end(), anomaly::kInvalidPduType), 2);
}

// ---------------------------------------------------------------------------------------------
// Gaps

TEST(DicomGap, LossInsideAPDataResynchronisesAtTheNextPdu) {
  const DicomParserFactory factory{Limits{}};
  pt::RecordingSink sink(describe);
  auto parser = factory.make(sink);
  StreamDriver driver(StreamDriver::Limits{});
  const auto chunks = store_session(kExplicitLe, ct_data_set_explicit("GAP^PAT", "G"));
  for (std::size_t i = 0; i < 3; ++i)
    driver.deliver(*parser, sink, chunks[i].dir, ByteView(chunks[i].bytes));
  // Lose the middle of the second data PDU: its header and last 10 bytes arrive.
  const Bytes& lost = chunks[3].bytes;
  driver.deliver(*parser, sink, Direction::kToServer, ByteView(lost).first(20));
  driver.gap(*parser, Direction::kToServer, lost.size() - 30);
  driver.deliver(*parser, sink, Direction::kToServer, ByteView(lost).last(10));
  for (std::size_t i = 4; i < chunks.size(); ++i)
    driver.deliver(*parser, sink, chunks[i].dir, ByteView(chunks[i].bytes));
  driver.end(*parser, Direction::kToServer);
  driver.end(*parser, Direction::kToClient);
  EXPECT_TRUE(has(sink.anomalies, anomaly::kGapResynced));
  ASSERT_EQ(sink.events.size(), 2U) << ::testing::PrintToString(sink.events);
  EXPECT_NE(sink.events[0].find("cmd C-STORE id=7 rq=1 rsp=1"), std::string::npos);
  EXPECT_NE(sink.events[1].find("end=released"), std::string::npos);
}

TEST(DicomGap, LossAcrossPduBoundariesStopsTheDirection) {
  const DicomParserFactory factory{Limits{}};
  pt::RecordingSink sink(describe);
  auto parser = factory.make(sink);
  StreamDriver driver(StreamDriver::Limits{});
  const auto chunks = echo_session();
  driver.deliver(*parser, sink, chunks[0].dir, ByteView(chunks[0].bytes));
  driver.gap(*parser, Direction::kToServer, 100000);
  EXPECT_TRUE(has(sink.anomalies, anomaly::kGapUnrecoverable));
}

// ---------------------------------------------------------------------------------------------
// Every split offset (STYLE.md section 6)

TEST(DicomSplits, EverySplitOfAStoreSessionGivesTheSameEvents) {
  const DicomParserFactory factory{Limits{}};
  // Request/response pairing depends on the order across directions: no reply in between.
  pt::expect_same_events_for_every_split(
      factory, describe, store_session(kExplicitLe, ct_data_set_explicit("SPLIT^ME", "S9")),
      /*reply_in_between=*/false);
}

TEST(DicomSplits, EverySplitOfAnImplicitStoreAndAnEchoGivesTheSameEvents) {
  const DicomParserFactory factory{Limits{}};
  pt::expect_same_events_for_every_split(
      factory, describe, store_session(kImplicitLe, ct_data_set_implicit("IMPL^SPLIT", "I2")),
      false);
  pt::expect_same_events_for_every_split(factory, describe, echo_session(), false);
}

// ---------------------------------------------------------------------------------------------
// Probe and registration

TEST(DicomProbe, AnAssociateRequestIsDicom) {
  const Bytes rq = associate_rq("SCP", "SCU", {{1, kVerification, {kImplicitLe}}});
  EXPECT_EQ(probe(Direction::kToServer, ByteView(rq)), Probe::kYes);
  EXPECT_EQ(probe(Direction::kToServer, ByteView(rq).first(8)), Probe::kYes);
  for (std::size_t n = 0; n < 8; ++n)
    EXPECT_EQ(probe(Direction::kToServer, ByteView(rq).first(n)), Probe::kMaybe) << n;
}

TEST(DicomProbe, OtherProtocolsAndOtherPdusAreNotDicom) {
  EXPECT_EQ(probe(Direction::kToServer, as_bytes("GET / HTTP/1.1\r\n")), Probe::kNo);
  EXPECT_EQ(probe(Direction::kToServer, as_bytes("\x16\x03\x01\x02\x00")), Probe::kNo);
  const Bytes ac = associate_ac("SCP", "SCU", {{1, 0, kImplicitLe}});
  EXPECT_EQ(probe(Direction::kToClient, ByteView(ac)), Probe::kNo);
  Bytes rq = associate_rq("SCP", "SCU", {{1, kVerification, {kImplicitLe}}});
  rq[7] = 2;  // protocol version 2
  EXPECT_EQ(probe(Direction::kToServer, ByteView(rq)), Probe::kNo);
  const Bytes tiny = pdu(0x01, Bytes(10, 0));  // too short for the fixed fields
  EXPECT_EQ(probe(Direction::kToServer, ByteView(tiny)), Probe::kNo);
}

TEST(DicomRegistration, SpecNamesTheServicePortsProbeAndLog) {
  const ParserSpec& spec = parser_spec();
  EXPECT_EQ(spec.name, "dicom");
  EXPECT_EQ(std::vector<std::uint16_t>(spec.tcp_ports.begin(), spec.tcp_ports.end()),
            (std::vector<std::uint16_t>{104, 11112, 4242}));
  EXPECT_EQ(spec.probe, &probe);
  ASSERT_NE(spec.configure, nullptr);
  ASSERT_NE(spec.make_log, nullptr);
  EXPECT_NE(spec.configure(LimitOverrides{}), nullptr);
}

TEST(DicomNames, WellKnownUidsStatusesAndCommandsHaveTheirNames) {
  EXPECT_EQ(uid_name(kVerification), "Verification SOP Class");
  EXPECT_EQ(uid_name("1.2.840.10008.5.1.4.1.1.4"), "MR Image Storage");
  EXPECT_EQ(uid_name(std::string(kCtStorage) + '\0'), "CT Image Storage");
  EXPECT_EQ(uid_name("1.2.840.10008.5.1.4.1.2.2.2"),
            "Study Root Query/Retrieve Information Model - MOVE");
  EXPECT_EQ(uid_name("1.2.840.10008.1.2.4.50"), "JPEG Baseline (Process 1)");
  EXPECT_EQ(uid_name("1.2.3.4"), "");
  EXPECT_EQ(transfer_syntax_encoding(kImplicitLe), Encoding::kImplicitLittle);
  EXPECT_EQ(transfer_syntax_encoding("1.2.840.10008.1.2.4.70"), Encoding::kExplicitLittle);
  EXPECT_EQ(transfer_syntax_encoding(kDeflate), Encoding::kDeflated);
  EXPECT_EQ(transfer_syntax_encoding(kExplicitBe), Encoding::kExplicitBig);
  EXPECT_EQ(status_name(0x0000), "Success");
  EXPECT_EQ(status_name(0xFF00), "Pending");
  EXPECT_EQ(status_name(0xA702), "Refused: out of resources");
  EXPECT_EQ(status_name(0xC123), "Error: cannot understand");
  EXPECT_EQ(status_name(0x0122), "Refused: SOP class not supported");
  EXPECT_EQ(command_field_name(0x8001), "C-STORE-RSP");
  EXPECT_EQ(command_field_name(0x0FFF), "C-CANCEL-RQ");
  EXPECT_EQ(operation_name(0x0120), "N-SET");
  EXPECT_EQ(operation_name(0x1234), "");
}

// ---------------------------------------------------------------------------------------------
// The dicom log

class MemoryLog : public bus::LogSink {
 public:
  void write(std::string_view log_name, std::string_view json_line) override {
    EXPECT_EQ(log_name, "dicom");
    EXPECT_EQ(json_line.find('\n'), std::string_view::npos);
    lines.emplace_back(json_line);
  }
  std::vector<std::string> lines;
};

// Forwards events to the log writer with a fixed connection context.
class LoggingSink : public EventSink {
 public:
  explicit LoggingSink(bus::Subscriber& log) : log_(log) {}
  void emit(const bus::Event& e) override {
    bus::EventContext ctx;
    ctx.ts = 1'700'000'000 * kNsPerSec;
    ctx.uid = "CDicomTestUid";
    EXPECT_TRUE(IpAddr::parse("10.30.0.5", ctx.orig_h));
    EXPECT_TRUE(IpAddr::parse("10.30.0.9", ctx.resp_h));
    ctx.orig_p = 50200;
    ctx.resp_p = 104;
    ctx.proto = bus::Transport::kTcp;
    ctx.service = "dicom";
    log_.on_event(ctx, e);
  }
  void anomaly(std::string_view /*id*/, std::string_view /*detail*/) override {}
  void confirm_protocol() override {}
  [[nodiscard]] TimeNs packet_time() const override { return 1'700'000'000 * kNsPerSec; }

 private:
  bus::Subscriber& log_;
};

std::vector<nlohmann::json> log_records(const std::vector<Chunk>& chunks,
                                        std::vector<std::string>& lines) {
  MemoryLog memory;
  LogOptions options;
  options.phi_key = "unit-test-phi-key-0123456789abcdef";
  auto log = parser_spec().make_log(memory, options);
  LoggingSink sink(*log);
  const DicomParserFactory factory{Limits{}};
  auto parser = factory.make(sink);
  StreamDriver driver(StreamDriver::Limits{});
  for (const Chunk& c : chunks) driver.deliver(*parser, sink, c.dir, ByteView(c.bytes));
  driver.end(*parser, Direction::kToServer);
  driver.end(*parser, Direction::kToClient);
  std::vector<nlohmann::json> out;
  for (const std::string& l : memory.lines) out.push_back(nlohmann::json::parse(l));
  lines = memory.lines;
  return out;
}

TEST(DicomLog, StoreSessionGivesACommandAndAnAssociationRecordWithoutPhiValues) {
  std::vector<std::string> lines;
  const auto r =
      log_records(store_session(kExplicitLe, ct_data_set_explicit("DOE^JANE", "PID-0042")), lines);
  ASSERT_EQ(r.size(), 2U);
  const nlohmann::json& c = r[0];
  EXPECT_EQ(c["record"], "command");
  EXPECT_EQ(c["uid"], "CDicomTestUid");
  EXPECT_EQ(c["id.resp_p"], 104);
  EXPECT_EQ(c["command"], "C-STORE");
  EXPECT_EQ(c["message_id"], 7);
  EXPECT_EQ(c["sop_class"], kCtStorage);
  EXPECT_EQ(c["sop_class_name"], "CT Image Storage");
  EXPECT_EQ(c["sop_instance"], kSopInstance);
  EXPECT_EQ(c["status"], 0);
  EXPECT_EQ(c["status_hex"], "0x0000");
  EXPECT_EQ(c["status_name"], "Success");
  EXPECT_EQ(c["phi_in_clear"], true);
  EXPECT_EQ(c["request_data_set"], true);
  const PhiHasher hasher("unit-test-phi-key-0123456789abcdef");
  EXPECT_EQ(c["patient_name_hash"], hasher.hash("DOE^JANE"));
  EXPECT_EQ(c["patient_id_hash"], hasher.hash("PID-0042"));
  EXPECT_EQ(c["patient_name_hash"].get<std::string>().substr(0, 5), "hmac:");

  const nlohmann::json& a = r[1];
  EXPECT_EQ(a["record"], "association");
  EXPECT_EQ(a["calling_ae"], "STORESCU");
  EXPECT_EQ(a["called_ae"], "STORESCP");
  EXPECT_EQ(a["application_context_name"], "DICOM Application Context Name");
  EXPECT_EQ(a["implementation_class_uid"], "1.2.276.0.7230010.3.0.3.6.7");
  EXPECT_EQ(a["implementation_version"], "OFFIS_DCMTK_367");
  EXPECT_EQ(a["responder_implementation_version"], "WARD_TEST_SCP");
  EXPECT_EQ(a["max_pdu_length"], 16384);
  EXPECT_EQ(a["contexts_proposed"], 2);
  EXPECT_EQ(a["contexts_accepted"], 2);
  ASSERT_EQ(a["contexts"].size(), 2U);
  EXPECT_EQ(a["contexts"][0]["abstract_syntax_name"], "CT Image Storage");
  EXPECT_EQ(a["contexts"][0]["result"], "acceptance");
  EXPECT_EQ(a["contexts"][0]["transfer_syntax_name"], "Explicit VR Little Endian");
  EXPECT_EQ(a["contexts"][0]["proposed_transfer_syntaxes"].size(), 3U);
  EXPECT_EQ(a["result"], "accepted");
  EXPECT_EQ(a["end"], "released");
  EXPECT_EQ(a["commands"], 2);
  EXPECT_EQ(a["phi_in_clear"], true);
  for (const std::string& l : lines) {
    EXPECT_EQ(l.find("DOE"), std::string::npos) << l;
    EXPECT_EQ(l.find("PID-0042"), std::string::npos) << l;
    EXPECT_EQ(l.find("19700101"), std::string::npos) << l;
  }
}

TEST(DicomLog, RejectAndAbortRecordsNameTheirCodes) {
  std::vector<std::string> lines;
  auto r = log_records({pt::to_server(associate_rq("X", "Y", {{1, kVerification, {kImplicitLe}}})),
                        pt::to_client(pdu(0x03, Bytes{0, 2, 3, 1}))},
                       lines);
  ASSERT_EQ(r.size(), 1U);
  EXPECT_EQ(r[0]["result"], "rejected");
  EXPECT_EQ(r[0]["reject_result_name"], "rejected-transient");
  EXPECT_EQ(r[0]["reject_source_name"], "service-provider-presentation");
  EXPECT_EQ(r[0]["reject_reason_name"], "temporary-congestion");
  EXPECT_EQ(r[0]["end"], "rejected");
  r = log_records({pt::to_server(pdu(0x07, Bytes{0, 0, 0, 0}))}, lines);
  ASSERT_EQ(r.size(), 1U);
  EXPECT_EQ(r[0]["end"], "aborted");
  EXPECT_EQ(r[0]["abort_source_name"], "service-user");
  EXPECT_EQ(r[0]["abort_by"], "orig");
}

}  // namespace
}  // namespace ward::parsers::dicom
