// DICOM upper layer stream parser. Specs cited below:
//   PS3.8 (Network Communication Support for Message Exchange) §9: PDU structures, Annex D:
//         user information items
//   PS3.7 (Message Exchange) §9, §10, Annex C (status), Annex E (command dictionary)
//   PS3.5 (Data Structures and Encoding) §7: data elements, explicit and implicit VR
#include "parsers/dicom/dicom_parser.h"

#include <algorithm>
#include <array>
#include <limits>
#include <list>
#include <string>
#include <utility>
#include <vector>

#include "clinical/phi.h"
#include "parsers/dicom/dicom_log.h"
#include "parsers/dicom/dicom_uids.h"
#include "parsers/stream_driver.h"

namespace ward::parsers::dicom {

std::string_view context_result_name(std::uint8_t result) noexcept {
  switch (result) {  // PS3.8 §9.3.3.2, Table 9-18
    case 0:
      return "acceptance";
    case 1:
      return "user-rejection";
    case 2:
      return "no-reason";
    case 3:
      return "abstract-syntax-not-supported";
    case 4:
      return "transfer-syntaxes-not-supported";
    default:
      return "";
  }
}

std::string_view association_result_name(DicomAssociation::Result r) noexcept {
  switch (r) {
    case DicomAssociation::Result::kNoResponse:
      return "no_response";
    case DicomAssociation::Result::kAccepted:
      return "accepted";
    case DicomAssociation::Result::kRejected:
      return "rejected";
  }
  return "";
}

std::string_view association_end_name(DicomAssociation::End e) noexcept {
  switch (e) {
    case DicomAssociation::End::kOpen:
      return "open";
    case DicomAssociation::End::kReleased:
      return "released";
    case DicomAssociation::End::kReleaseIncomplete:
      return "release_incomplete";
    case DicomAssociation::End::kAborted:
      return "aborted";
    case DicomAssociation::End::kRejected:
      return "rejected";
  }
  return "";
}

std::string_view reject_result_name(std::uint8_t result) noexcept {
  switch (result) {  // PS3.8 Table 9-21
    case 1:
      return "rejected-permanent";
    case 2:
      return "rejected-transient";
    default:
      return "";
  }
}

std::string_view reject_source_name(std::uint8_t source) noexcept {
  switch (source) {
    case 1:
      return "service-user";
    case 2:
      return "service-provider-acse";
    case 3:
      return "service-provider-presentation";
    default:
      return "";
  }
}

std::string_view reject_reason_name(std::uint8_t source, std::uint8_t reason) noexcept {
  if (source == 1) {
    switch (reason) {
      case 1:
        return "no-reason-given";
      case 2:
        return "application-context-name-not-supported";
      case 3:
        return "calling-AE-title-not-recognized";
      case 7:
        return "called-AE-title-not-recognized";
      default:
        return "";
    }
  }
  if (source == 2) {
    switch (reason) {
      case 1:
        return "no-reason-given";
      case 2:
        return "protocol-version-not-supported";
      default:
        return "";
    }
  }
  if (source == 3) {
    switch (reason) {
      case 1:
        return "temporary-congestion";
      case 2:
        return "local-limit-exceeded";
      default:
        return "";
    }
  }
  return "";
}

std::string_view abort_source_name(std::uint8_t source) noexcept {
  switch (source) {  // PS3.8 Table 9-26
    case 0:
      return "service-user";
    case 2:
      return "service-provider";
    default:
      return "";
  }
}

std::string_view abort_reason_name(std::uint8_t reason) noexcept {
  switch (reason) {
    case 0:
      return "reason-not-specified";
    case 1:
      return "unrecognized-PDU";
    case 2:
      return "unexpected-PDU";
    case 4:
      return "unrecognized-PDU-parameter";
    case 5:
      return "unexpected-PDU-parameter";
    case 6:
      return "invalid-PDU-parameter-value";
    default:
      return "";
  }
}

std::string_view command_field_name(std::uint16_t command_field) noexcept {
  switch (command_field) {  // PS3.7 Table E.1-1
    case 0x0001:
      return "C-STORE-RQ";
    case 0x8001:
      return "C-STORE-RSP";
    case 0x0010:
      return "C-GET-RQ";
    case 0x8010:
      return "C-GET-RSP";
    case 0x0020:
      return "C-FIND-RQ";
    case 0x8020:
      return "C-FIND-RSP";
    case 0x0021:
      return "C-MOVE-RQ";
    case 0x8021:
      return "C-MOVE-RSP";
    case 0x0030:
      return "C-ECHO-RQ";
    case 0x8030:
      return "C-ECHO-RSP";
    case 0x0100:
      return "N-EVENT-REPORT-RQ";
    case 0x8100:
      return "N-EVENT-REPORT-RSP";
    case 0x0110:
      return "N-GET-RQ";
    case 0x8110:
      return "N-GET-RSP";
    case 0x0120:
      return "N-SET-RQ";
    case 0x8120:
      return "N-SET-RSP";
    case 0x0130:
      return "N-ACTION-RQ";
    case 0x8130:
      return "N-ACTION-RSP";
    case 0x0140:
      return "N-CREATE-RQ";
    case 0x8140:
      return "N-CREATE-RSP";
    case 0x0150:
      return "N-DELETE-RQ";
    case 0x8150:
      return "N-DELETE-RSP";
    case 0x0FFF:
      return "C-CANCEL-RQ";
    default:
      return "";
  }
}

std::string_view operation_name(std::uint16_t command_field) noexcept {
  std::string_view n = command_field_name(command_field);
  if (n.size() > 3 && n.substr(n.size() - 3) == "-RQ") return n.substr(0, n.size() - 3);
  if (n.size() > 4 && n.substr(n.size() - 4) == "-RSP") return n.substr(0, n.size() - 4);
  return n;
}

std::string_view status_name(std::uint16_t status) noexcept {
  switch (status) {  // PS3.7 Annex C and the service classes of PS3.4
    case 0x0000:
      return "Success";
    case 0xFF00:
      return "Pending";
    case 0xFF01:
      return "Pending (optional keys not supported)";
    case 0xFE00:
      return "Cancel";
    case 0x0001:
      return "Warning: requested optional attributes not supported";
    case 0x0107:
      return "Warning: attribute list error";
    case 0x0116:
      return "Warning: attribute value out of range";
    case 0xB000:
      return "Warning: coercion of data elements / sub-operations complete with failures";
    case 0xB006:
      return "Warning: elements discarded";
    case 0xB007:
      return "Warning: data set does not match SOP class";
    case 0x0105:
      return "Failure: no such attribute";
    case 0x0106:
      return "Failure: invalid attribute value";
    case 0x0110:
      return "Failure: processing failure";
    case 0x0111:
      return "Failure: duplicate SOP instance";
    case 0x0112:
      return "Failure: no such SOP instance";
    case 0x0117:
      return "Failure: invalid object instance";
    case 0x0118:
      return "Failure: no such SOP class";
    case 0x0119:
      return "Failure: class-instance conflict";
    case 0x0122:
      return "Refused: SOP class not supported";
    case 0x0124:
      return "Refused: not authorized";
    case 0x0210:
      return "Failure: duplicate invocation";
    case 0x0211:
      return "Failure: unrecognized operation";
    case 0x0212:
      return "Failure: mistyped argument";
    case 0x0213:
      return "Failure: resource limitation";
    case 0xA801:
      return "Refused: move destination unknown";
    case 0xA900:
      return "Error: identifier does not match SOP class";
    default:
      break;
  }
  switch (status >> 8) {
    case 0xA7:
      return "Refused: out of resources";
    case 0xA9:
      return "Error: data set does not match SOP class";
    case 0xB0:
    case 0xB1:
    case 0xB2:
      return "Warning";
    default:
      break;
  }
  if ((status & 0xF000) == 0xC000) return "Error: cannot understand";
  if ((status & 0xF000) == 0xA000) return "Failure";
  return "";
}

namespace {

// Bound on identifiers (UIDs are at most 64 characters, AE titles 16) copied into owned state.
constexpr std::size_t kMaxIdBytes = 256;

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.remove_suffix(1);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\0')) s.remove_prefix(1);
  return s;
}

std::string owned(ByteView b) { return std::string(trim(as_chars(b)).substr(0, kMaxIdBytes)); }

// ---------------------------------------------------------------------------------------------
// The PHI scan over a data set (PS3.5 §7.1): a streaming state machine fed with each data set
// fragment as it arrives. Element headers split across fragments are held in a 12-byte buffer;
// values are skipped, except the patient identifiers, whose first bytes are kept (bounded).

struct PhiTag {
  std::uint16_t element;  // in group 0x0010
  std::string_view name;  // PhiField::name
};
constexpr std::array<PhiTag, 3> kPhiTags = {{
    {0x0010, "(0010,0010) PatientName"},
    {0x0020, "(0010,0020) PatientID"},
    {0x0030, "(0010,0030) PatientBirthDate"},
}};

bool is_upper(std::uint8_t c) noexcept { return c >= 'A' && c <= 'Z'; }

// PS3.5 §7.1.2: VRs with a reserved field and a 32-bit length in explicit VR.
bool long_vr(std::uint8_t a, std::uint8_t b) noexcept {
  constexpr std::array<std::string_view, 13> kLong = {"OB", "OD", "OF", "OL", "OV", "OW", "SQ",
                                                      "SV", "UC", "UN", "UR", "UT", "UV"};
  const std::array<char, 2> vr = {static_cast<char>(a), static_cast<char>(b)};
  const std::string_view v(vr.data(), vr.size());
  return std::find(kLong.begin(), kLong.end(), v) != kLong.end();
}

class DataSetScanner {
 public:
  enum class Outcome : std::uint8_t { kOk, kMalformed, kTooDeep, kNotScanned };

  void start(Encoding enc, std::uint32_t max_value_bytes, std::uint32_t max_depth) {
    enc_ = enc;
    max_value_ = max_value_bytes;
    max_depth_ = max_depth;
    hdr_len_ = 0;
    value_left_ = 0;
    capture_ = -1;
    depth_ = 0;
    outcome_ = enc == Encoding::kDeflated ? Outcome::kNotScanned : Outcome::kOk;
    for (std::size_t i = 0; i < kPhiTags.size(); ++i) {
      values_[i].clear();
      found_[i] = false;
    }
  }

  // Scans the next bytes of the data set. Stops looking at bytes once the outcome is not kOk.
  void feed(ByteView b) {
    std::size_t pos = 0;
    while (pos < b.size() && outcome_ == Outcome::kOk) {
      if (value_left_ > 0) {
        const std::size_t n =
            static_cast<std::size_t>(std::min<std::uint64_t>(value_left_, b.size() - pos));
        if (capture_ >= 0) {
          std::string& v = values_[static_cast<std::size_t>(capture_)];
          const std::size_t room = max_value_ > v.size() ? max_value_ - v.size() : 0;
          v.append(as_chars(b.subspan(pos, std::min(n, room))));
        }
        pos += n;
        value_left_ -= n;
        if (value_left_ == 0) end_capture();
        continue;
      }
      // Element header: 8 bytes, or 12 for an explicit VR with a 32-bit length.
      while (hdr_len_ < header_size() && pos < b.size()) hdr_[hdr_len_++] = b[pos++];
      if (hdr_len_ < header_size()) return;
      if (on_header()) hdr_len_ = 0;
    }
  }

  // The data set ended (last fragment). Returns the outcome; a header or value cut off by the
  // end makes it kMalformed.
  Outcome finish() {
    if (outcome_ == Outcome::kOk && (hdr_len_ > 0 || value_left_ > 0)) {
      if (capture_ >= 0) end_capture();
      outcome_ = Outcome::kMalformed;
    }
    return outcome_;
  }

  // PHI fields found so far, as PhiField views into this scanner (valid until start()).
  std::size_t fields(std::array<clinical::PhiField, 3>& out) const {
    std::size_t n = 0;
    for (std::size_t i = 0; i < kPhiTags.size(); ++i)
      if (found_[i]) out[n++] = clinical::PhiField{kPhiTags[i].name, values_[i]};
    return n;
  }

 private:
  [[nodiscard]] bool big() const noexcept { return enc_ == Encoding::kExplicitBig; }
  [[nodiscard]] bool explicit_vr() const noexcept {
    return enc_ == Encoding::kExplicitLittle || enc_ == Encoding::kExplicitBig;
  }
  [[nodiscard]] std::uint16_t u16(std::size_t at) const noexcept {
    return big() ? static_cast<std::uint16_t>((hdr_[at] << 8) | hdr_[at + 1])
                 : static_cast<std::uint16_t>(hdr_[at] | (hdr_[at + 1] << 8));
  }
  [[nodiscard]] std::uint32_t u32(std::size_t at) const noexcept {
    if (big())
      return (std::uint32_t{hdr_[at]} << 24) | (std::uint32_t{hdr_[at + 1]} << 16) |
             (std::uint32_t{hdr_[at + 2]} << 8) | std::uint32_t{hdr_[at + 3]};
    return std::uint32_t{hdr_[at]} | (std::uint32_t{hdr_[at + 1]} << 8) |
           (std::uint32_t{hdr_[at + 2]} << 16) | (std::uint32_t{hdr_[at + 3]} << 24);
  }

  // Bytes of the current element header, given what has been read of it.
  [[nodiscard]] std::size_t header_size() const noexcept {
    if (hdr_len_ < 8) return 8;
    if (enc_ == Encoding::kUnknown) return 8;  // decided in on_header()
    if (!explicit_vr() || u16(0) == 0xFFFE) return 8;
    return long_vr(hdr_[4], hdr_[5]) ? 12 : 8;
  }

  // Decodes the element header in hdr_. Returns false iff it needs more header bytes first.
  bool on_header() {
    if (enc_ == Encoding::kUnknown) {
      // Not negotiated: explicit VR iff the bytes after the tag read as a VR (PS3.5 §7.1.2).
      enc_ = is_upper(hdr_[4]) && is_upper(hdr_[5]) ? Encoding::kExplicitLittle
                                                    : Encoding::kImplicitLittle;
      if (header_size() > hdr_len_) return false;  // the long form: 4 more bytes
    }
    const std::uint16_t group = u16(0);
    const std::uint16_t element = u16(2);
    std::uint32_t length = 0;
    if (group == 0xFFFE) {  // PS3.5 §7.5: item and delimitation tags, always tag + 32-bit length
      length = u32(4);
      if (element == 0xE00D || element == 0xE0DD) {
        if (depth_ > 0) --depth_;
        return true;
      }
      if (element != 0xE000) {
        outcome_ = Outcome::kMalformed;
        return true;
      }
    } else if (explicit_vr()) {
      if (!is_upper(hdr_[4]) || !is_upper(hdr_[5])) {
        outcome_ = Outcome::kMalformed;
        return true;
      }
      length = long_vr(hdr_[4], hdr_[5]) ? u32(8) : u16(6);
    } else {
      length = u32(4);
    }
    if (length == 0xFFFFFFFF) {  // undefined length: a sequence, item or encapsulated pixel data
      if (++depth_ > max_depth_) outcome_ = Outcome::kTooDeep;
      return true;
    }
    value_left_ = length;
    capture_ = -1;
    if (group == 0x0010) {
      for (std::size_t i = 0; i < kPhiTags.size(); ++i) {
        if (kPhiTags[i].element == element && !found_[i]) {
          capture_ = static_cast<int>(i);
          values_[i].clear();
        }
      }
    }
    if (value_left_ == 0) end_capture();
    return true;
  }

  void end_capture() {
    if (capture_ < 0) return;
    const auto i = static_cast<std::size_t>(capture_);
    capture_ = -1;
    const std::string_view v = trim(values_[i]);
    // An empty value, or a query key made only of wildcards (PS3.4 §C.2.2.2.4), names nobody.
    const bool names_someone = v.find_first_not_of("*?") != std::string_view::npos;
    if (names_someone) {
      values_[i] = std::string(v);
      found_[i] = true;
    } else {
      values_[i].clear();
    }
  }

  Encoding enc_ = Encoding::kUnknown;
  std::uint32_t max_value_ = 0;
  std::uint32_t max_depth_ = 0;
  std::array<std::uint8_t, 12> hdr_{};
  std::size_t hdr_len_ = 0;
  std::uint64_t value_left_ = 0;
  int capture_ = -1;
  std::uint32_t depth_ = 0;
  Outcome outcome_ = Outcome::kOk;
  std::array<std::string, 3> values_;
  std::array<bool, 3> found_{};
};

// PS3.7 §E.1 / §6.3.1: a command set, always implicit VR little endian, group 0000 only.
// Views point into `bytes`. Returns false when it does not parse or has no command field.
bool decode_command(ByteView bytes, CommandSet& c) noexcept {
  ByteReader r(bytes);
  bool have_field = false;
  while (!r.empty()) {
    const auto group = r.u16le();
    const auto element = r.u16le();
    const auto length = r.u32le();
    if (!group || !element || !length || *group != 0x0000) return false;
    const auto value = r.bytes(*length);
    if (!value) return false;
    auto us = [&]() -> std::optional<std::uint16_t> {
      if (value->size() != 2) return std::nullopt;
      return static_cast<std::uint16_t>((*value)[0] | ((*value)[1] << 8));
    };
    const std::string_view text = trim(as_chars(*value));
    switch (*element) {
      case 0x0002:  // Affected SOP Class UID
        c.affected_sop_class = text;
        break;
      case 0x0003:  // Requested SOP Class UID (N-GET/SET/ACTION/DELETE)
        if (c.affected_sop_class.empty()) c.affected_sop_class = text;
        break;
      case 0x0100: {
        const auto v = us();
        if (!v) return false;
        c.command_field = *v;
        have_field = true;
        break;
      }
      case 0x0110:
        c.message_id = us();
        break;
      case 0x0120:
        c.responded_to_id = us();
        break;
      case 0x0600:
        c.move_destination = text;
        break;
      case 0x0700:
        c.priority = us();
        break;
      case 0x0800:
        c.data_set_type = us();
        break;
      case 0x0900:
        c.status = us();
        break;
      case 0x1000:  // Affected SOP Instance UID
        c.affected_sop_instance = text;
        break;
      case 0x1001:  // Requested SOP Instance UID
        if (c.affected_sop_instance.empty()) c.affected_sop_instance = text;
        break;
      case 0x1020:
        c.remaining = us();
        break;
      case 0x1021:
        c.completed = us();
        break;
      case 0x1022:
        c.failed = us();
        break;
      case 0x1023:
        c.warning = us();
        break;
      default:
        break;
    }
  }
  return have_field;
}

bool is_pending(std::uint16_t status) noexcept { return status == 0xFF00 || status == 0xFF01; }

// ---------------------------------------------------------------------------------------------

class DicomParser final : public StreamParser {
 public:
  DicomParser(EventSink& sink, const Limits& limits) : sink_(sink), limits_(limits) {
    ctx_encoding_.fill(Encoding::kUnknown);
  }

  Result<Progress, ParseError> on_data(Direction dir, ByteView input) noexcept override;
  void on_gap(Direction dir, std::uint64_t missing_bytes) noexcept override;
  void on_end(Direction dir) noexcept override;

 private:
  // The request (or unpaired response) a data set belongs to.
  struct Owner {
    bool valid = false;
    Direction request_dir = Direction::kToServer;
    std::uint16_t message_id = 0;
    std::uint16_t command_field = 0;  // of the message the data set follows
  };

  struct PerDirection {
    std::uint64_t skip = 0;           // bytes of an oversized or lost PDU still to discard
    bool partial = false;             // the driver holds the start of an unfinished PDU
    std::uint64_t partial_total = 0;  // that PDU's size (0: its header is incomplete)
    bool desynced = false;
    bool ended = false;
    // P-DATA-TF streaming state (PS3.8 §9.3.5).
    bool in_pdata = false;
    std::uint32_t pdu_left = 0;  // body bytes of the current P-DATA-TF not consumed yet
    bool pdv_active = false;
    std::uint32_t pdv_left = 0;  // data bytes of the current PDV not consumed yet
    std::uint8_t pdv_ctx = 0;
    std::uint8_t pdv_mch = 0;  // message control header: bit 0 command, bit 1 last fragment
    bool exceeds_reported = false;
    // Command fragments being reassembled (bounded by max_command_bytes).
    std::vector<std::uint8_t> command;
    bool command_active = false;
    bool command_overflow = false;
    // The data set being scanned.
    DataSetScanner scanner;
    bool data_set_active = false;
    Owner data_set_owner;
  };

  struct Pending {
    DicomCommand ev;  // views in it are re-pointed at the strings below when emitted
    std::string sop_class;
    std::string sop_instance;
    std::string move_destination;
    std::string patient_name;  // PHI, bounded by max_phi_value_bytes
    std::string patient_id;
    bool final_seen = false;  // the final response came; waiting for its data set
  };
  using PendingIt = std::list<Pending>::iterator;

  struct Association {
    bool active = false;
    bool request_seen = false;
    std::string calling_ae, called_ae, application_context;
    std::vector<PresentationContext> contexts;
    std::uint32_t contexts_dropped = 0;
    std::optional<std::uint32_t> rq_max_pdu, ac_max_pdu;
    std::string rq_impl_uid, rq_impl_version, ac_impl_uid, ac_impl_version;
    std::uint8_t user_identity_type = 0;
    DicomAssociation::Result result = DicomAssociation::Result::kNoResponse;
    std::uint8_t reject_result = 0, reject_source = 0, reject_reason = 0;
    bool release_requested = false;
    std::uint8_t abort_source = 0, abort_reason = 0;
    Direction abort_dir = Direction::kToServer;
    std::uint32_t commands = 0;
    std::uint64_t pdata_bytes = 0;
    bool phi = false;
  };

  void confirm() {
    if (confirmed_) return;
    confirmed_ = true;
    sink_.confirm_protocol();
  }

  std::size_t pdata(Direction dir, PerDirection& d, ByteView rest, std::uint32_t& needed);
  void begin_fragment(Direction dir, PerDirection& d);
  void fragment_bytes(PerDirection& d, ByteView bytes);
  void end_fragment(Direction dir, PerDirection& d);
  void on_command(Direction dir, PerDirection& d, std::uint8_t ctx, const CommandSet& c);
  void end_data_set(Direction dir, PerDirection& d, bool cut_short);

  void handle_association_pdu(Direction dir, std::uint8_t type, ByteView body);
  void on_associate(Direction dir, bool request, ByteView body);
  void parse_user_info(ByteView value, bool request);
  PresentationContext* find_context(std::uint8_t id);
  void start_association(bool request_seen);
  void ensure_association() {
    if (!assoc_.active) start_association(false);
  }
  void finish_association(DicomAssociation::End end);

  PendingIt find_pending(Direction request_dir, std::uint16_t message_id);
  PendingIt add_pending();
  void emit_command(PendingIt it);
  void flush_pending();

  EventSink& sink_;
  const Limits limits_;
  PerDirection dirs_[2];
  Association assoc_;
  std::array<Encoding, 256> ctx_encoding_{};
  std::array<bool, 256> ctx_accepted_{};
  std::list<Pending> pending_;  // oldest first; at most limits_.max_pending_commands
  bool confirmed_ = false;
  bool unknown_context_reported_ = false;
  bool not_scanned_reported_ = false;
};

Result<Progress, ParseError> DicomParser::on_data(Direction dir, ByteView input) noexcept {
  PerDirection& d = dirs_[bus::index(dir)];
  if (input.size() > std::numeric_limits<std::uint32_t>::max())
    input = input.first(std::numeric_limits<std::uint32_t>::max());
  d.partial = false;
  if (d.desynced || d.ended) return Progress{static_cast<std::uint32_t>(input.size()), 0};

  std::size_t pos = 0;
  while (pos < input.size()) {
    if (d.skip > 0) {  // discard the rest of a skipped PDU without buffering it
      const std::uint64_t n = std::min<std::uint64_t>(d.skip, input.size() - pos);
      d.skip -= n;
      pos += static_cast<std::size_t>(n);
      continue;
    }
    if (d.in_pdata) {
      std::uint32_t needed = 0;
      pos += pdata(dir, d, input.subspan(pos), needed);
      if (needed > 0) return Progress{static_cast<std::uint32_t>(pos), needed};
      continue;
    }
    // PS3.8 §9.3.1: PDU type (1), reserved (1), PDU length (4, big endian).
    const ByteView rest = input.subspan(pos);
    if (rest.size() < 6) {
      if (rest[0] < 0x01 || rest[0] > 0x07) return unexpected(ParseError{anomaly::kInvalidPduType});
      d.partial = true;
      d.partial_total = 0;
      return Progress{static_cast<std::uint32_t>(pos), static_cast<std::uint32_t>(6 - rest.size())};
    }
    const std::uint8_t type = rest[0];
    if (type < 0x01 || type > 0x07) return unexpected(ParseError{anomaly::kInvalidPduType});
    const std::uint32_t length = load_u32be(rest, 2);
    const std::uint64_t total = 6 + std::uint64_t{length};
    const bool is_pdata = type == static_cast<std::uint8_t>(PduType::kPDataTf);
    const std::uint32_t limit =
        is_pdata ? limits_.max_pdata_pdu_bytes : limits_.max_association_pdu_bytes;
    if (total > limit || (is_pdata && length < 6)) {
      if (total > limit) {
        sink_.anomaly(anomaly::kPduTooLarge, "PDU type " + std::to_string(type) + " of " +
                                                 std::to_string(total) + " bytes skipped (limit " +
                                                 std::to_string(limit) + ")");
      } else {
        sink_.anomaly(anomaly::kMalformedPdu, "P-DATA-TF shorter than one PDV item");
      }
      const std::uint64_t n = std::min<std::uint64_t>(total, rest.size());
      pos += static_cast<std::size_t>(n);
      d.skip = total - n;
      continue;
    }
    if (is_pdata) {
      ensure_association();
      assoc_.pdata_bytes += total;
      // PS3.8 §D.1: the receiver's Maximum Length bounds the PDU's variable field. The
      // requestor's value binds what is sent to it (towards the client), and vice versa.
      const std::optional<std::uint32_t>& max =
          dir == Direction::kToClient ? assoc_.rq_max_pdu : assoc_.ac_max_pdu;
      if (max && *max != 0 && length > *max && !d.exceeds_reported) {
        d.exceeds_reported = true;
        sink_.anomaly(anomaly::kPduExceedsNegotiatedMax,
                      "P-DATA-TF of " + std::to_string(length) +
                          " bytes exceeds the negotiated maximum of " + std::to_string(*max));
      }
      d.in_pdata = true;
      d.pdu_left = length;
      pos += 6;
      continue;
    }
    if (rest.size() < total) {
      d.partial = true;
      d.partial_total = total;
      return Progress{static_cast<std::uint32_t>(pos),
                      static_cast<std::uint32_t>(total - rest.size())};
    }
    handle_association_pdu(dir, type, rest.subspan(6, length));
    pos += static_cast<std::size_t>(total);
  }
  return Progress{static_cast<std::uint32_t>(pos), 0};
}

// Consumes P-DATA-TF body bytes from `rest` (PS3.8 §9.3.5: PDV items of length (4), context id
// (1), message control header (1), fragment). Returns the bytes consumed; sets `needed` when a
// PDV header is cut off by the end of `rest`.
std::size_t DicomParser::pdata(Direction dir, PerDirection& d, ByteView rest,
                               std::uint32_t& needed) {
  std::size_t used = 0;
  while (d.pdu_left > 0 && used < rest.size()) {
    if (!d.pdv_active) {
      const std::size_t avail = rest.size() - used;
      const bool fits = d.pdu_left >= 6;
      std::uint32_t pdv_len = 0;
      if (fits) {
        if (avail < 6) {
          needed = static_cast<std::uint32_t>(6 - avail);
          return used;
        }
        pdv_len = load_u32be(rest, used);
      }
      if (!fits || pdv_len < 2 || std::uint64_t{pdv_len} + 4 > d.pdu_left) {
        sink_.anomaly(anomaly::kMalformedPdv, "PDV item length does not fit its P-DATA-TF PDU");
        d.skip = d.pdu_left;
        d.pdu_left = 0;
        d.in_pdata = false;
        return used;
      }
      d.pdv_ctx = rest[used + 4];
      d.pdv_mch = rest[used + 5];
      used += 6;
      d.pdu_left -= 6;
      d.pdv_left = pdv_len - 2;
      d.pdv_active = true;
      begin_fragment(dir, d);
    }
    const std::size_t n = std::min<std::size_t>(d.pdv_left, rest.size() - used);
    fragment_bytes(d, rest.subspan(used, n));
    used += n;
    d.pdv_left -= static_cast<std::uint32_t>(n);
    d.pdu_left -= static_cast<std::uint32_t>(n);
    if (d.pdv_left == 0) {
      d.pdv_active = false;
      end_fragment(dir, d);
    }
  }
  if (d.pdu_left == 0) d.in_pdata = false;
  return used;
}

void DicomParser::begin_fragment(Direction dir, PerDirection& d) {
  confirm();
  const bool is_command = (d.pdv_mch & 0x01) != 0;
  if (is_command) {
    if (d.data_set_active) end_data_set(dir, d, /*cut_short=*/true);
    if (!d.command_active) {
      d.command.clear();
      d.command_active = true;
      d.command_overflow = false;
    }
    return;
  }
  if (d.data_set_active) return;
  d.data_set_active = true;
  if (!ctx_accepted_[d.pdv_ctx] && assoc_.result == DicomAssociation::Result::kAccepted &&
      !unknown_context_reported_) {
    unknown_context_reported_ = true;
    sink_.anomaly(anomaly::kUnknownContext, "data set on presentation context " +
                                                std::to_string(d.pdv_ctx) +
                                                ", which the A-ASSOCIATE-AC did not accept");
  }
  const Encoding enc = ctx_encoding_[d.pdv_ctx];
  if (enc == Encoding::kDeflated && !not_scanned_reported_) {
    not_scanned_reported_ = true;
    sink_.anomaly(anomaly::kDataSetNotScanned,
                  "deflated transfer syntax: data sets are not scanned for PHI");
  }
  d.scanner.start(enc, limits_.max_phi_value_bytes, limits_.max_sequence_depth);
}

void DicomParser::fragment_bytes(PerDirection& d, ByteView bytes) {
  if ((d.pdv_mch & 0x01) == 0) {
    d.scanner.feed(bytes);
    return;
  }
  if (d.command_overflow) return;
  if (d.command.size() + bytes.size() > limits_.max_command_bytes) {
    d.command_overflow = true;
    d.command.clear();
    sink_.anomaly(
        anomaly::kCommandTooLarge,
        "command set longer than " + std::to_string(limits_.max_command_bytes) + " bytes skipped");
    return;
  }
  d.command.insert(d.command.end(), bytes.begin(), bytes.end());
}

void DicomParser::end_fragment(Direction dir, PerDirection& d) {
  if ((d.pdv_mch & 0x02) == 0) return;  // not the last fragment
  if ((d.pdv_mch & 0x01) == 0) {
    end_data_set(dir, d, /*cut_short=*/false);
    return;
  }
  d.command_active = false;
  if (d.command_overflow) return;
  CommandSet c;
  if (!decode_command(ByteView(d.command), c)) {
    sink_.anomaly(anomaly::kMalformedCommand, "command set does not parse as group 0000");
    return;
  }
  on_command(dir, d, d.pdv_ctx, c);
}

void DicomParser::on_command(Direction dir, PerDirection& d, std::uint8_t ctx,
                             const CommandSet& c) {
  ensure_association();
  ++assoc_.commands;
  d.data_set_owner = Owner{};
  const bool response = (c.command_field & 0x8000) != 0;
  if (!response) {
    PendingIt it = add_pending();
    DicomCommand& ev = it->ev;
    ev.command_field = c.command_field;
    ev.request_seen = true;
    ev.request_dir = dir;
    ev.context_id = ctx;
    ev.message_id = c.message_id.value_or(c.responded_to_id.value_or(0));
    it->sop_class = std::string(c.affected_sop_class.substr(0, kMaxIdBytes));
    it->sop_instance = std::string(c.affected_sop_instance.substr(0, kMaxIdBytes));
    it->move_destination = std::string(c.move_destination.substr(0, kMaxIdBytes));
    ev.priority = c.priority;
    ev.request_data_set = c.has_data_set();
    ev.request_ts = sink_.packet_time();
    if (c.has_data_set()) {
      d.data_set_owner = Owner{true, dir, ev.message_id, c.command_field};
    } else if (c.command_field == 0x0FFF) {
      emit_command(it);  // PS3.7 §9.3.2.3: C-CANCEL has no response
    }
    return;
  }
  const std::uint16_t id = c.responded_to_id.value_or(c.message_id.value_or(0));
  const Direction request_dir = bus::opposite(dir);
  PendingIt it = find_pending(request_dir, id);
  if (it == pending_.end()) {  // the request was not seen (mid-association pick-up, or lost)
    it = add_pending();
    it->ev.command_field = static_cast<std::uint16_t>(c.command_field & 0x7FFF);
    it->ev.request_dir = request_dir;
    it->ev.context_id = ctx;
    it->ev.message_id = id;
  }
  Pending& p = *it;
  p.ev.response_seen = true;
  if (p.sop_class.empty()) p.sop_class = std::string(c.affected_sop_class.substr(0, kMaxIdBytes));
  if (p.sop_instance.empty())
    p.sop_instance = std::string(c.affected_sop_instance.substr(0, kMaxIdBytes));
  if (c.completed) p.ev.completed = c.completed;
  if (c.failed) p.ev.failed = c.failed;
  if (c.warning) p.ev.warning = c.warning;
  const bool pending_status = c.status && is_pending(*c.status);
  if (pending_status) {
    ++p.ev.pending_responses;
  } else {
    p.ev.status = c.status;
    p.final_seen = true;
  }
  if (c.has_data_set()) {
    d.data_set_owner = Owner{true, request_dir, id, c.command_field};
    return;  // a final response is emitted once its data set has been scanned
  }
  if (p.final_seen) emit_command(it);
}

void DicomParser::end_data_set(Direction /*dir*/, PerDirection& d, bool cut_short) {
  d.data_set_active = false;
  const DataSetScanner::Outcome outcome = d.scanner.finish();
  if (cut_short || outcome == DataSetScanner::Outcome::kMalformed) {
    sink_.anomaly(anomaly::kMalformedDataSet,
                  cut_short ? "a command began before the data set's last fragment"
                            : "data set elements do not parse");
  }
  std::array<clinical::PhiField, 3> fields{};
  const std::size_t n = d.scanner.fields(fields);
  const Owner owner = d.data_set_owner;
  d.data_set_owner = Owner{};
  PendingIt it = owner.valid ? find_pending(owner.request_dir, owner.message_id) : pending_.end();
  if (it != pending_.end()) {
    if ((owner.command_field & 0x8000) != 0) ++it->ev.response_data_sets;
    if (n > 0) it->ev.phi_in_clear = true;
    for (const clinical::PhiField& f : std::span(fields).first(n)) {
      if (f.name == kPhiTags[0].name && it->patient_name.empty()) it->patient_name = f.value;
      if (f.name == kPhiTags[1].name && it->patient_id.empty()) it->patient_id = f.value;
    }
  }
  if (n > 0) {
    ensure_association();
    assoc_.phi = true;
    clinical::PhiObserved phi;
    phi.protocol = "dicom";
    phi.where = owner.valid ? command_field_name(owner.command_field) : "data set";
    phi.fields = std::span<const clinical::PhiField>(fields.data(), n);
    sink_.emit(phi);
  }
  if (it != pending_.end() && it->final_seen) emit_command(it);
}

// ---------------------------------------------------------------------------------------------
// Association PDUs

void DicomParser::handle_association_pdu(Direction dir, std::uint8_t type, ByteView body) {
  ByteReader r(body);
  switch (static_cast<PduType>(type)) {
    case PduType::kAssociateRq:
    case PduType::kAssociateAc:
      on_associate(dir, type == 0x01, body);
      return;
    case PduType::kAssociateRj: {  // PS3.8 §9.3.4: reserved, result, source, reason/diag
      if (!r.skip(1) || r.remaining() < 3) {
        sink_.anomaly(anomaly::kMalformedPdu, "A-ASSOCIATE-RJ shorter than 4 bytes");
        return;
      }
      ensure_association();
      assoc_.result = DicomAssociation::Result::kRejected;
      assoc_.reject_result = *r.u8();
      assoc_.reject_source = *r.u8();
      assoc_.reject_reason = *r.u8();
      confirm();
      finish_association(DicomAssociation::End::kRejected);
      return;
    }
    case PduType::kReleaseRq:
      if (!assoc_.active)
        sink_.anomaly(anomaly::kUnexpectedPdu, "A-RELEASE-RQ outside an association");
      ensure_association();
      assoc_.release_requested = true;
      return;
    case PduType::kReleaseRp:
      if (!assoc_.active) {
        sink_.anomaly(anomaly::kUnexpectedPdu, "A-RELEASE-RP outside an association");
        return;
      }
      if (!assoc_.release_requested)
        sink_.anomaly(anomaly::kUnexpectedPdu, "A-RELEASE-RP without an A-RELEASE-RQ");
      finish_association(DicomAssociation::End::kReleased);
      return;
    case PduType::kAbort: {  // PS3.8 §9.3.8: reserved (2), source, reason/diag
      if (!r.skip(2) || r.remaining() < 2) {
        sink_.anomaly(anomaly::kMalformedPdu, "A-ABORT shorter than 4 bytes");
        return;
      }
      ensure_association();
      assoc_.abort_source = *r.u8();
      assoc_.abort_reason = *r.u8();
      assoc_.abort_dir = dir;
      finish_association(DicomAssociation::End::kAborted);
      return;
    }
    case PduType::kPDataTf:
      return;  // streamed by pdata()
  }
}

// PS3.8 §9.3.2 (RQ) and §9.3.3 (AC): protocol version (2), reserved (2), called AE (16),
// calling AE (16), reserved (32), then variable items.
void DicomParser::on_associate(Direction /*dir*/, bool request, ByteView body) {
  ByteReader r(body);
  const auto version = r.u16be();
  const bool fixed_ok = version && r.skip(2);
  const auto called = r.bytes(16);
  const auto calling = r.bytes(16);
  if (!fixed_ok || !called || !calling || !r.skip(32)) {
    sink_.anomaly(anomaly::kMalformedPdu, request ? "A-ASSOCIATE-RQ shorter than its fixed part"
                                                  : "A-ASSOCIATE-AC shorter than its fixed part");
    return;
  }
  if ((*version & 0x0001) == 0)
    sink_.anomaly(anomaly::kUnknownProtocolVersion, "protocol version bit 0 not set");
  if (request) {
    if (assoc_.active) finish_association(DicomAssociation::End::kOpen);
    start_association(true);
    assoc_.called_ae = owned(*called);
    assoc_.calling_ae = owned(*calling);
  } else {
    ensure_association();
    assoc_.result = DicomAssociation::Result::kAccepted;
    if (!assoc_.request_seen) {  // the AC echoes the titles (PS3.8 §9.3.3.2)
      assoc_.called_ae = owned(*called);
      assoc_.calling_ae = owned(*calling);
    }
  }
  bool malformed = false;
  while (!r.empty()) {
    const auto item_type = r.u8();
    const bool header_ok = item_type && r.skip(1);
    const auto item_len = r.u16be();
    const auto value = item_len ? r.bytes(*item_len) : std::nullopt;
    if (!header_ok || !value) {
      malformed = true;
      break;
    }
    ByteReader v(*value);
    switch (*item_type) {
      case 0x10:  // application context name
        assoc_.application_context = owned(*value);
        break;
      case 0x20: {  // presentation context (RQ): id, 3 reserved, sub-items 0x30 and 0x40
        if (!request) break;
        const auto id = v.u8();
        if (!id || !v.skip(3)) {
          malformed = true;
          break;
        }
        if (assoc_.contexts.size() >= limits_.max_presentation_contexts) {
          if (assoc_.contexts_dropped++ == 0)
            sink_.anomaly(anomaly::kTooManyContexts,
                          "more than " + std::to_string(limits_.max_presentation_contexts) +
                              " presentation contexts proposed");
          break;
        }
        PresentationContext pc;
        pc.id = *id;
        while (!v.empty()) {
          const auto st = v.u8();
          const bool ok = st && v.skip(1);
          const auto sl = v.u16be();
          const auto sv = sl ? v.bytes(*sl) : std::nullopt;
          if (!ok || !sv) {
            malformed = true;
            break;
          }
          if (*st == 0x30) {
            pc.abstract_syntax = owned(*sv);
          } else if (*st == 0x40 && pc.transfer_syntaxes.size() < limits_.max_transfer_syntaxes) {
            pc.transfer_syntaxes.push_back(owned(*sv));
          }
        }
        assoc_.contexts.push_back(std::move(pc));
        break;
      }
      case 0x21: {  // presentation context (AC): id, reserved, result, reserved, sub-item 0x40
        if (request) break;
        const auto id = v.u8();
        const bool ok = id && v.skip(1);
        const auto result = v.u8();
        if (!ok || !result || !v.skip(1)) {
          malformed = true;
          break;
        }
        std::string ts;
        while (!v.empty()) {
          const auto st = v.u8();
          const bool sok = st && v.skip(1);
          const auto sl = v.u16be();
          const auto sv = sl ? v.bytes(*sl) : std::nullopt;
          if (!sok || !sv) {
            malformed = true;
            break;
          }
          if (*st == 0x40) ts = owned(*sv);
        }
        PresentationContext* pc = find_context(*id);
        if (pc == nullptr && assoc_.contexts.size() < limits_.max_presentation_contexts) {
          assoc_.contexts.emplace_back();
          pc = &assoc_.contexts.back();
          pc->id = *id;
        }
        if (pc != nullptr) {
          pc->result = *result;
          if (*result == 0) pc->accepted_transfer_syntax = ts;
        }
        if (*result == 0) {
          ctx_accepted_[*id] = true;
          ctx_encoding_[*id] = transfer_syntax_encoding(ts);
        }
        break;
      }
      case 0x50:
        parse_user_info(*value, request);
        break;
      default:
        break;
    }
    if (malformed) break;
  }
  if (malformed)
    sink_.anomaly(anomaly::kMalformedPdu, request ? "A-ASSOCIATE-RQ item does not fit"
                                                  : "A-ASSOCIATE-AC item does not fit");
  confirm();
}

// PS3.8 §9.3.2.3 and Annex D: user information sub-items.
void DicomParser::parse_user_info(ByteView value, bool request) {
  ByteReader v(value);
  while (!v.empty()) {
    const auto st = v.u8();
    const bool ok = st && v.skip(1);
    const auto sl = v.u16be();
    const auto sv = sl ? v.bytes(*sl) : std::nullopt;
    if (!ok || !sv) {
      sink_.anomaly(anomaly::kMalformedPdu, "user information sub-item does not fit");
      return;
    }
    ByteReader s(*sv);
    switch (*st) {
      case 0x51:  // maximum length received (PS3.8 §D.1)
        if (const auto max = s.u32be()) (request ? assoc_.rq_max_pdu : assoc_.ac_max_pdu) = *max;
        break;
      case 0x52:  // implementation class UID (PS3.7 §D.3.3.2)
        (request ? assoc_.rq_impl_uid : assoc_.ac_impl_uid) = owned(*sv);
        break;
      case 0x55:  // implementation version name
        (request ? assoc_.rq_impl_version : assoc_.ac_impl_version) = owned(*sv);
        break;
      case 0x58:  // user identity negotiation (PS3.7 §D.3.3.7): type first
        if (const auto type = s.u8(); request && type) {
          assoc_.user_identity_type = *type;
          if (*type == 1 || *type == 2)
            sink_.anomaly(anomaly::kUserIdentityInClear,
                          *type == 1 ? "user name sent in clear in A-ASSOCIATE-RQ"
                                     : "user name and passcode sent in clear in A-ASSOCIATE-RQ");
        }
        break;
      default:
        break;
    }
  }
}

PresentationContext* DicomParser::find_context(std::uint8_t id) {
  for (PresentationContext& pc : assoc_.contexts)
    if (pc.id == id) return &pc;
  return nullptr;
}

void DicomParser::start_association(bool request_seen) {
  assoc_ = Association{};
  assoc_.active = true;
  assoc_.request_seen = request_seen;
  ctx_encoding_.fill(Encoding::kUnknown);
  ctx_accepted_.fill(false);
}

void DicomParser::finish_association(DicomAssociation::End end) {
  flush_pending();
  if (end == DicomAssociation::End::kOpen && assoc_.release_requested)
    end = DicomAssociation::End::kReleaseIncomplete;
  DicomAssociation ev;
  ev.request_seen = assoc_.request_seen;
  ev.calling_ae = assoc_.calling_ae;
  ev.called_ae = assoc_.called_ae;
  ev.application_context = assoc_.application_context;
  ev.contexts = assoc_.contexts;
  ev.contexts_dropped = assoc_.contexts_dropped;
  ev.requestor_max_pdu = assoc_.rq_max_pdu;
  ev.requestor_implementation_class_uid = assoc_.rq_impl_uid;
  ev.requestor_implementation_version_name = assoc_.rq_impl_version;
  ev.acceptor_max_pdu = assoc_.ac_max_pdu;
  ev.acceptor_implementation_class_uid = assoc_.ac_impl_uid;
  ev.acceptor_implementation_version_name = assoc_.ac_impl_version;
  ev.user_identity_type = assoc_.user_identity_type;
  ev.result = assoc_.result;
  ev.reject_result = assoc_.reject_result;
  ev.reject_source = assoc_.reject_source;
  ev.reject_reason = assoc_.reject_reason;
  ev.end = end;
  ev.abort_source = assoc_.abort_source;
  ev.abort_reason = assoc_.abort_reason;
  ev.abort_dir = assoc_.abort_dir;
  ev.commands = assoc_.commands;
  ev.pdata_bytes = assoc_.pdata_bytes;
  ev.phi_in_clear = assoc_.phi;
  sink_.emit(ev);
  assoc_ = Association{};
  for (PerDirection& d : dirs_) {
    d.data_set_owner = Owner{};
    d.data_set_active = false;
    d.command_active = false;
  }
}

// ---------------------------------------------------------------------------------------------
// Request/response pairing (PS3.7 §9.1: a response carries the request's message id)

DicomParser::PendingIt DicomParser::find_pending(Direction request_dir, std::uint16_t message_id) {
  for (auto it = pending_.begin(); it != pending_.end(); ++it)
    if (it->ev.request_dir == request_dir && it->ev.message_id == message_id && !it->final_seen)
      return it;
  // A final response waiting for its data set is still the owner of that data set.
  for (auto it = pending_.begin(); it != pending_.end(); ++it)
    if (it->ev.request_dir == request_dir && it->ev.message_id == message_id) return it;
  return pending_.end();
}

DicomParser::PendingIt DicomParser::add_pending() {
  if (pending_.size() >= limits_.max_pending_commands) {
    sink_.anomaly(anomaly::kTooManyPendingCommands,
                  "more than " + std::to_string(limits_.max_pending_commands) +
                      " requests without a response: the oldest is logged unanswered");
    emit_command(pending_.begin());
  }
  pending_.emplace_back();
  return std::prev(pending_.end());
}

void DicomParser::emit_command(PendingIt it) {
  DicomCommand& ev = it->ev;
  ev.operation = operation_name(ev.command_field);
  ev.sop_class = it->sop_class;
  ev.sop_instance = it->sop_instance;
  ev.move_destination = it->move_destination;
  ev.patient_name = it->patient_name;
  ev.patient_id = it->patient_id;
  sink_.emit(ev);
  pending_.erase(it);
}

void DicomParser::flush_pending() {
  while (!pending_.empty()) emit_command(pending_.begin());
}

void DicomParser::on_gap(Direction dir, std::uint64_t missing_bytes) noexcept {
  PerDirection& d = dirs_[bus::index(dir)];
  if (d.desynced || d.ended) return;
  const bool inside_pdata = d.in_pdata;
  if (d.data_set_active) {  // the data set's bytes are gone: what was scanned stays valid
    d.data_set_active = false;
    (void)d.scanner.finish();
    d.data_set_owner = Owner{};
  }
  d.command_active = false;
  d.pdv_active = false;
  d.pdv_left = 0;
  if (missing_bytes == 0) {  // the direction ended inside a PDU
    if (d.partial || inside_pdata)
      sink_.anomaly(anomaly::kTruncatedPdu, "the stream ended inside a PDU");
    d.partial = false;
    d.in_pdata = false;
    d.pdu_left = 0;
    return;
  }
  if (d.skip > 0 && missing_bytes <= d.skip) {
    d.skip -= missing_bytes;
    return;
  }
  // The driver counts its unconsumed tail in `missing_bytes`; that tail is part of the PDU
  // being streamed (pdu_left) or buffered (partial_total), whose length says where the next
  // PDU starts.
  std::optional<std::uint64_t> left;
  if (inside_pdata && missing_bytes <= d.pdu_left) left = d.pdu_left - missing_bytes;
  if (!inside_pdata && d.skip == 0 && d.partial && d.partial_total > 0 &&
      missing_bytes <= d.partial_total)
    left = d.partial_total - missing_bytes;
  d.in_pdata = false;
  d.pdu_left = 0;
  d.partial = false;
  if (left) {
    d.skip = *left;
    sink_.anomaly(anomaly::kGapResynced, "bytes lost inside a PDU; parsing resumes after it");
    return;
  }
  d.desynced = true;
  d.skip = 0;
  sink_.anomaly(anomaly::kGapUnrecoverable,
                "PDU boundaries lost in a capture gap; this direction is no longer parsed");
}

void DicomParser::on_end(Direction dir) noexcept {
  PerDirection& d = dirs_[bus::index(dir)];
  // A streamed P-DATA-TF holds no bytes in the driver, so no on_gap(dir, 0) reports it.
  if (!d.ended && !d.desynced && d.in_pdata)
    sink_.anomaly(anomaly::kTruncatedPdu, "the stream ended inside a P-DATA-TF PDU");
  d.ended = true;
  if (!(dirs_[0].ended && dirs_[1].ended)) return;
  if (assoc_.active) {
    finish_association(DicomAssociation::End::kOpen);
  } else {
    flush_pending();
  }
}

// ---------------------------------------------------------------------------------------------

std::unique_ptr<ParserFactory> configure(const LimitOverrides& overrides) {
  return std::make_unique<DicomParserFactory>(limits_from(overrides));
}

std::uint32_t clamped(const LimitOverrides& o, std::string_view key, std::uint32_t fallback,
                      std::uint32_t lo, std::uint32_t hi) {
  const std::uint64_t v = o.get(key, fallback);
  return static_cast<std::uint32_t>(std::clamp<std::uint64_t>(v, lo, hi));
}

// 104: the well-known DICOM port; 11112: IANA "dicom"; 4242: the common Orthanc/PACS default.
constexpr std::array<std::uint16_t, 3> kTcpPorts = {104, 11112, 4242};

constexpr ParserSpec kSpec{
    "dicom", kTcpPorts, &probe, &configure, &make_dicom_log,
};

}  // namespace

std::unique_ptr<StreamParser> DicomParserFactory::make(EventSink& sink) const {
  return std::make_unique<DicomParser>(sink, limits_);
}

Limits limits_from(const LimitOverrides& o) {
  const Limits d;
  Limits l;
  l.max_association_pdu_bytes =
      clamped(o, "dicom.max_association_pdu_bytes", d.max_association_pdu_bytes, 74,
              kMaxAssociationPduBytesCeiling);
  l.max_pdata_pdu_bytes = clamped(o, "dicom.max_pdata_pdu_bytes", d.max_pdata_pdu_bytes, 12,
                                  std::numeric_limits<std::uint32_t>::max());
  l.max_command_bytes = clamped(o, "dicom.max_command_bytes", d.max_command_bytes, 64, 1 << 20);
  l.max_presentation_contexts =
      clamped(o, "dicom.max_presentation_contexts", d.max_presentation_contexts, 1, 256);
  l.max_transfer_syntaxes =
      clamped(o, "dicom.max_transfer_syntaxes", d.max_transfer_syntaxes, 1, 1024);
  l.max_pending_commands =
      clamped(o, "dicom.max_pending_commands", d.max_pending_commands, 1, 65536);
  l.max_phi_value_bytes = clamped(o, "dicom.max_phi_value_bytes", d.max_phi_value_bytes, 1, 65536);
  l.max_sequence_depth = clamped(o, "dicom.max_sequence_depth", d.max_sequence_depth, 1, 1024);
  return l;
}

Probe probe(Direction /*dir*/, ByteView first_bytes) noexcept {
  ByteReader r(first_bytes);
  const auto type = r.u8();
  if (!type) return Probe::kMaybe;
  if (*type != 0x01) return Probe::kNo;
  const auto reserved = r.u8();
  if (!reserved) return Probe::kMaybe;
  if (*reserved != 0x00) return Probe::kNo;
  const auto length = r.u32be();
  if (!length) return Probe::kMaybe;
  // 68 bytes of fixed fields; an RQ needs at least the application context item beyond them.
  if (*length < 68 || *length > kMaxAssociationPduBytesCeiling) return Probe::kNo;
  const auto version = r.u16be();
  if (!version) return Probe::kMaybe;
  return *version == 0x0001 ? Probe::kYes : Probe::kNo;
}

const ParserSpec& parser_spec() { return kSpec; }

}  // namespace ward::parsers::dicom
