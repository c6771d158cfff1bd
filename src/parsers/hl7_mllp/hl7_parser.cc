#include "parsers/hl7_mllp/hl7_parser.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <optional>
#include <vector>

#include "clinical/infusion.h"
#include "clinical/phi.h"
#include "parsers/hl7_mllp/hl7_log.h"

namespace ward::parsers::hl7 {

std::string_view pcd_profile_name(PcdProfile p) noexcept {
  switch (p) {
    case PcdProfile::kPcd01:
      return "PCD-01";
    case PcdProfile::kPcd03:
      return "PCD-03";
    case PcdProfile::kPcd04:
      return "PCD-04";
    case PcdProfile::kPcd10:
      return "PCD-10";
    case PcdProfile::kAck:
      return "ACK";
    case PcdProfile::kNone:
      break;
  }
  return "";
}

bool parse_number(std::string_view text, double& out) noexcept {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text.empty()) return false;
  bool negative = false;
  if (text.front() == '+' || text.front() == '-') {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  // HL7 v2.5 §2.A.47 NM: digits with at most one decimal point; no exponent, no NaN/inf.
  std::size_t digits = 0;
  bool dot = false;
  for (const char c : text) {
    if (c >= '0' && c <= '9') {
      ++digits;
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      return false;
    }
  }
  if (digits == 0) return false;
  double v = 0;
  const char* const end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, v, std::chars_format::fixed);
  if (ec != std::errc() || ptr != end || !std::isfinite(v)) return false;
  out = negative ? -v : v;
  return true;
}

namespace {

constexpr std::uint8_t kStartBlock = 0x0B;  // MLLP <VT> (HL7 v2.5.1 MLLP Release 2 §2.1)
constexpr std::uint8_t kEndBlock = 0x1C;    // MLLP <FS>, followed by <CR>
// The most input handled in one call, so `consumed` always fits Progress::consumed.
constexpr std::size_t kMaxCallBytes = std::size_t{1} << 30;
constexpr std::size_t kMaxFields = 24;  // highest field number decoded is 21 (MSH-21)
constexpr std::size_t kDetailBytes = 16;

// Anomalies reported at most once per message (index into a bit mask).
enum class MsgAnomaly : std::uint8_t {
  kNotMshFirst,
  kBadDelimiters,
  kTooManySegments,
  kInvalidEscape,
  kInvalidNumber,
  kNak,
  kMissingRequiredSegment,
  kInvalidSegmentId,
  kUnknownVersion,
  kTooManyObservations,
  kTooManyErrors,
  kTooManyUdis,
  kUnescapeScratchFull,
};

constexpr std::string_view anomaly_id(MsgAnomaly a) noexcept {
  switch (a) {
    case MsgAnomaly::kNotMshFirst:
      return anomaly::kNotMshFirst;
    case MsgAnomaly::kBadDelimiters:
      return anomaly::kBadDelimiters;
    case MsgAnomaly::kTooManySegments:
      return anomaly::kTooManySegments;
    case MsgAnomaly::kInvalidEscape:
      return anomaly::kInvalidEscape;
    case MsgAnomaly::kInvalidNumber:
      return anomaly::kInvalidNumber;
    case MsgAnomaly::kNak:
      return anomaly::kNak;
    case MsgAnomaly::kMissingRequiredSegment:
      return anomaly::kMissingRequiredSegment;
    case MsgAnomaly::kInvalidSegmentId:
      return anomaly::kInvalidSegmentId;
    case MsgAnomaly::kUnknownVersion:
      return anomaly::kUnknownVersion;
    case MsgAnomaly::kTooManyObservations:
      return anomaly::kTooManyObservations;
    case MsgAnomaly::kTooManyErrors:
      return anomaly::kTooManyErrors;
    case MsgAnomaly::kTooManyUdis:
      return anomaly::kTooManyUdis;
    case MsgAnomaly::kUnescapeScratchFull:
      return anomaly::kUnescapeScratchFull;
  }
  return {};
}

// Returns s[begin, end) with both ends clamped to s, so it never throws.
std::string_view slice(std::string_view s, std::size_t begin,
                       std::size_t end = std::string_view::npos) noexcept {
  begin = std::min(begin, s.size());
  end = std::min(end, s.size());
  return end <= begin ? std::string_view{} : std::string_view(s.data() + begin, end - begin);
}

// The `n`th (0-based) piece of `s` split on `sep`; empty if there are fewer pieces.
// (Plain loops rather than string_view::find: HL7 pieces are short and the per-call cost of
// memchr dominated profiles.)
std::string_view piece(std::string_view s, char sep, std::size_t n) noexcept {
  std::size_t i = 0;
  for (std::size_t k = 0; k < n; ++k) {
    while (i < s.size() && s[i] != sep) ++i;
    if (i == s.size()) return {};
    ++i;
  }
  std::size_t end = i;
  while (end < s.size() && s[end] != sep) ++end;
  return s.substr(i, end - i);
}

bool is_upper_or_digit(char c) noexcept { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
bool is_alnum(char c) noexcept { return is_upper_or_digit(c) || (c >= 'a' && c <= 'z'); }
bool is_hex(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}
bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}
// HL7 "" is an explicit null (HL7 v2.5 §2.5.3): no value.
bool has_value(std::string_view v) noexcept { return !v.empty() && v != "\"\""; }

// Bytes the framing ignores silently between frames: the <CR> after an end block, and the
// line breaks and padding some senders add.
bool is_frame_gap_byte(std::uint8_t b) noexcept {
  return b == '\r' || b == '\n' || b == ' ' || b == '\t' || b == 0;
}

// A printable, non-alphanumeric character usable as an HL7 delimiter (HL7 v2.5 §2.5.4).
bool is_delimiter_char(char c) noexcept { return c > 0x20 && c < 0x7f && !is_alnum(c); }

// "2", "2.5", "2.5.1": the HL7 v2 versions (MSH-12.1).
bool is_v2_version(std::string_view v) noexcept {
  if (v.size() < 3 || v[0] != '2' || v[1] != '.') return false;
  bool digit_seen = false;
  for (const char c : slice(v, 2)) {
    if (c >= '0' && c <= '9') {
      digit_seen = true;
    } else if (c == '.' && digit_seen) {
      digit_seen = false;
    } else {
      return false;
    }
  }
  return digit_seen;
}

struct Delimiters {
  char field = '|';
  char component = '^';
  char repetition = '~';
  char escape = '\\';
  char subcomponent = '&';
  char truncation = 0;  // HL7 v2.7 fifth encoding character, 0 when absent
};

// One segment split into fields. HL7 numbers fields from 1; MSH-1 is the field separator itself
// (HL7 v2.5 §2.14.9.1), so MSH-n is the (n-1)th piece and SEG-n the nth for other segments.
// Position of the first CR or LF at or after `from`, or npos. (string_view::find_first_of
// calls memchr once per character scanned.)
std::size_t find_line_end(std::string_view s, std::size_t from) noexcept {
  // Two memchr scans (CR, then LF before it) beat a byte loop on 50-100 byte segments.
  const std::size_t cr = s.find('\r', from);
  const std::size_t lf = s.substr(0, cr == std::string_view::npos ? s.size() : cr).find('\n', from);
  return lf != std::string_view::npos ? lf : cr;
}

class SegmentFields {
 public:
  SegmentFields(std::string_view segment, char field_sep, bool is_msh) noexcept : msh_(is_msh) {
    std::size_t start = 0;
    for (std::size_t i = 0; i < segment.size() && count_ + 1 < parts_.size(); ++i) {
      if (segment[i] != field_sep) continue;
      parts_[count_++] = segment.substr(start, i - start);
      start = i + 1;
    }
    parts_[count_++] = segment.substr(std::min(start, segment.size()));
  }
  [[nodiscard]] std::string_view field(std::size_t n) const noexcept {
    if (n == 0 || (msh_ && n == 1)) return {};
    const std::size_t i = msh_ ? n - 1 : n;
    return i < count_ ? parts_[i] : std::string_view{};
  }

 private:
  std::array<std::string_view, kMaxFields + 1> parts_{};
  std::size_t count_ = 0;
  bool msh_;
};

// A device-level OBX (IHE PCD TF-2 B.8.2: MDS "1.0.0.0", VMD "1.1.0.0", channel "1.1.1.0") and
// its equipment identifier, which lower levels inherit when their OBX-18 is empty.
struct DeviceLevel {
  std::string_view path;       // the significant prefix of OBX-4: "1", "1.1", "1.1.1"
  std::string_view equipment;  // OBX-18 in effect at that level (may be empty)
};

// Returns 1, 2 or 3 if `sub_id` names an MDS, VMD or channel (non-zero prefix, then only
// zeros, four or more levels in all), else 0. Sets `path` to the non-zero prefix.
int device_level(std::string_view sub_id, std::string_view& path) noexcept {
  std::size_t levels = 0;
  std::size_t significant = 0;
  std::size_t significant_end = 0;
  bool zero_seen = false;
  std::size_t start = 0;
  while (start <= sub_id.size()) {
    const std::size_t dot = sub_id.find('.', start);
    const std::string_view c = slice(sub_id, start, dot);
    if (c.empty()) return 0;
    ++levels;
    if (c == "0") {
      zero_seen = true;
    } else {
      if (zero_seen) return 0;
      ++significant;
      significant_end = dot == std::string_view::npos ? sub_id.size() : dot;
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (levels < 4 || significant == 0 || significant > 3 || significant == levels) return 0;
  path = slice(sub_id, 0, significant_end);
  return static_cast<int>(significant);
}

// Returns true iff `path` is `sub_id` or a dotted prefix of it.
bool is_path_prefix(std::string_view path, std::string_view sub_id) noexcept {
  return !path.empty() && sub_id.size() >= path.size() && sub_id.substr(0, path.size()) == path &&
         (sub_id.size() == path.size() || sub_id[path.size()] == '.');
}

class Hl7Parser final : public StreamParser {
 public:
  Hl7Parser(EventSink& sink, const Limits& limits) : sink_(sink), limits_(limits) {}

  Result<Progress, ParseError> on_data(Direction dir, ByteView input) noexcept override;
  void on_gap(Direction dir, std::uint64_t missing_bytes) noexcept override;
  void on_end(Direction dir) noexcept override;

 private:
  // The MLLP framing state of one direction.
  enum class Mode : std::uint8_t {
    kHunt,   // between frames: looking for a start block
    kFrame,  // input[0] (at call entry) is a start block; looking for the end block
    kSkip,   // inside an oversized frame: discarding until the end block
  };
  struct PerDirection {
    Mode mode = Mode::kHunt;
    // In kFrame: bytes from the start block already scanned (the StreamDriver keeps them).
    std::size_t scanned = 0;
    bool junk_reported = false;  // hl7.missing_start_block already said for this run
  };

  // Everything RXG/OBX contribute to the InfusionProgram of a PCD-03.
  struct ProgramFields {
    std::string_view give_code;       // RXG-4 first repetition
    std::string_view give_amount;     // RXG-5
    std::string_view give_units;      // RXG-7 first repetition
    std::string_view rate;            // RXG-15
    std::string_view rate_units;      // RXG-16 first repetition
    std::string_view pump_equipment;  // OBX-18 (in effect) of MDC_DEV_PUMP_INFUS_VMD
    bool pump_seen = false;
    std::string_view weight;        // OBX-5 of MDC_ATTR_PT_WEIGHT
    std::string_view weight_units;  // its OBX-6 first repetition
    bool weight_seen = false;
  };

  void process_message(std::string_view framed);
  bool parse_delimiters(std::string_view msh);
  void decode_msh(const SegmentFields& f, Hl7Message& m);
  void decode_obx(const SegmentFields& f, ProgramFields& prog);
  void build_program(const Hl7Message& m, const ProgramFields& f, clinical::InfusionProgram& p);
  static PcdProfile classify(const Hl7Message& m, char component, char repetition) noexcept;

  // HL7 v2.5 §2.7: a value with escape sequences is decoded into scratch space.
  std::string_view unescape(std::string_view v);
  bool decode_escape(std::string_view seq, char* out, std::size_t& n) const noexcept;
  // A field or component as text: decoded if it is one primitive value, else returned as it
  // is on the wire (a composite keeps its separators and escapes).
  std::string_view text(std::string_view v) {
    bool escaped = false;
    for (char c : v) {
      if (c == delims_.component || c == delims_.repetition || c == delims_.subcomponent) return v;
      escaped = escaped || c == delims_.escape;
    }
    return escaped ? unescape(v) : v;
  }
  [[nodiscard]] std::string_view first_rep(std::string_view field) const noexcept {
    return piece(field, delims_.repetition, 0);
  }
  // Component n (1-based) of a field's first repetition, as text.
  std::string_view component(std::string_view field, std::size_t n) {
    return text(piece(first_rep(field), delims_.component, n - 1));
  }
  std::optional<double> number(std::string_view text, std::string_view what);
  std::optional<double> to_millilitres(std::string_view units);
  std::optional<double> to_kilograms(std::string_view units);

  void report(MsgAnomaly a, std::string_view detail) {
    const std::uint32_t bit = std::uint32_t{1} << static_cast<unsigned>(a);
    if (reported_ & bit) return;
    reported_ |= bit;
    sink_.anomaly(anomaly_id(a), slice(detail, 0, kDetailBytes));
  }

  EventSink& sink_;
  const Limits limits_;
  std::array<PerDirection, 2> dirs_{};
  bool confirmed_ = false;

  // Per-message state, reset by process_message. Capacity persists, bounded by the limits.
  Delimiters delims_;
  std::uint32_t reported_ = 0;
  std::vector<Observation> observations_;
  std::vector<ErrorInfo> errors_;
  std::vector<DeviceUdi> udis_;
  std::array<clinical::PhiField, 6> phi_{};
  std::size_t phi_count_ = 0;
  std::array<DeviceLevel, 3> levels_{};
  // Unescape scratch: allocated once at max_unescape_bytes and never resized, so views into
  // it stay valid for the whole message.
  std::unique_ptr<char[]> scratch_;
  std::size_t scratch_used_ = 0;
};

Result<Progress, ParseError> Hl7Parser::on_data(Direction dir, ByteView input) noexcept {
  PerDirection& st = dirs_[static_cast<std::size_t>(bus::index(dir))];
  const std::size_t size = std::min(input.size(), kMaxCallBytes);
  const std::size_t max_message = limits_.max_message_bytes;
  std::size_t pos = 0;
  while (pos < size) {
    switch (st.mode) {
      case Mode::kHunt: {
        const std::uint8_t b = input[pos];
        if (b == kStartBlock) {
          st.mode = Mode::kFrame;  // the frame starts at `pos`
          st.scanned = 1;
          st.junk_reported = false;
          continue;
        }
        if (!is_frame_gap_byte(b) && !st.junk_reported) {
          sink_.anomaly(anomaly::kMissingStartBlock, "data outside an MLLP frame");
          st.junk_reported = true;
        }
        ++pos;
        break;
      }
      case Mode::kFrame: {
        // input[pos] is the start block. A message of max_message bytes has its end block at
        // pos + 1 + max_message, so scanning stops one past that.
        const std::size_t stop = std::min(size, pos + 2 + max_message);
        // The first end or start block in [pos + scanned, stop): two memchr scans.
        const std::string_view window = as_chars(input.first(stop));
        std::size_t i = std::min(pos + st.scanned, stop);
        const std::size_t end_block = std::min(window.find(static_cast<char>(kEndBlock), i), stop);
        i = std::min(window.substr(0, end_block).find(static_cast<char>(kStartBlock), i), end_block);
        if (i < stop && input[i] == kEndBlock) {
          process_message(as_chars(input.subspan(pos + 1, i - pos - 1)));
          st.mode = Mode::kHunt;
          st.scanned = 0;
          pos = i + 1;
        } else if (i < stop) {
          // MLLP: a start block inside a frame. The partial message is lost; resynchronise
          // on this start block.
          sink_.anomaly(anomaly::kUnexpectedStartBlock, "start block inside an MLLP frame");
          pos = i;
          st.scanned = 1;
        } else if (stop == pos + 2 + max_message) {
          sink_.anomaly(anomaly::kMessageTooLarge, "message longer than hl7.max_message_bytes");
          st.mode = Mode::kSkip;
          st.scanned = 0;
          pos = stop;
        } else {
          // Incomplete: the StreamDriver keeps input[pos..] and calls again with more.
          st.scanned = size - pos;
          return Progress{static_cast<std::uint32_t>(pos), 1};
        }
        break;
      }
      case Mode::kSkip: {
        std::size_t i = pos;
        while (i < size && input[i] != kEndBlock && input[i] != kStartBlock) ++i;
        if (i == size) {
          pos = size;
        } else if (input[i] == kEndBlock) {
          st.mode = Mode::kHunt;
          pos = i + 1;
        } else {
          sink_.anomaly(anomaly::kUnexpectedStartBlock, "start block inside an MLLP frame");
          st.mode = Mode::kFrame;
          st.scanned = 1;
          pos = i;
        }
        break;
      }
    }
  }
  return Progress{static_cast<std::uint32_t>(pos), 0};
}

void Hl7Parser::on_gap(Direction dir, std::uint64_t missing_bytes) noexcept {
  PerDirection& st = dirs_[static_cast<std::size_t>(bus::index(dir))];
  // StreamDriver::end() drops our unconsumed tail with on_gap(dir, 0) before on_end(): a frame
  // still open then was cut by the end of the stream.
  if (st.mode != Mode::kHunt && missing_bytes == 0)
    sink_.anomaly(anomaly::kTruncatedAtEnd, "stream ended inside an MLLP frame");
  st = PerDirection{};
  // The rest of a frame cut by a gap is not a missing start block: skip it quietly.
  st.junk_reported = true;
}

void Hl7Parser::on_end(Direction dir) noexcept {
  PerDirection& st = dirs_[static_cast<std::size_t>(bus::index(dir))];
  if (st.mode != Mode::kHunt)
    sink_.anomaly(anomaly::kTruncatedAtEnd, "stream ended inside an MLLP frame");
  st = PerDirection{};
}

bool Hl7Parser::parse_delimiters(std::string_view msh) {
  // HL7 v2.5 §2.14.9.1-2: MSH-1 is the character after "MSH"; MSH-2 holds the component,
  // repetition, escape and subcomponent characters (v2.7 adds the truncation character).
  delims_ = Delimiters{};
  if (msh.size() < 4 || !is_delimiter_char(msh[3])) {
    report(MsgAnomaly::kBadDelimiters, "MSH-1");
    return false;
  }
  const char fs = msh[3];
  const std::string_view enc = slice(msh, 4, msh.find(fs, 4));
  bool ok = enc.size() == 4 || enc.size() == 5;
  for (std::size_t i = 0; ok && i < enc.size(); ++i) {
    ok = is_delimiter_char(enc[i]) && enc[i] != fs &&
         enc.find(enc[i], i + 1) == std::string_view::npos;
  }
  if (ok) {
    delims_ = Delimiters{fs, enc[0], enc[1], enc[2], enc[3], enc.size() == 5 ? enc[4] : '\0'};
    return true;
  }
  // Keep decoding with the standard encoding characters unless they clash with MSH-1.
  report(MsgAnomaly::kBadDelimiters, "MSH-2");
  delims_.field = fs;
  return std::string_view("^~\\&").find(fs) == std::string_view::npos;
}

void Hl7Parser::process_message(std::string_view framed) {
  reported_ = 0;
  observations_.clear();
  errors_.clear();
  udis_.clear();
  phi_count_ = 0;
  levels_ = {};
  scratch_used_ = 0;

  // Some senders put a line break right after the start block.
  std::string_view msg = framed;
  while (!msg.empty() && (msg.front() == '\r' || msg.front() == '\n')) msg.remove_prefix(1);
  if (msg.empty()) return;  // an empty frame carries nothing (keep-alive)
  if (msg.substr(0, 3) != "MSH") {
    const std::string_view id = slice(msg, 0, 3);
    const bool printable_id =
        id.size() == 3 && std::all_of(id.begin(), id.end(), is_upper_or_digit);
    report(MsgAnomaly::kNotMshFirst, printable_id ? id : "?");
    return;
  }
  const std::string_view first_line = slice(msg, 0, find_line_end(msg, 0));
  if (!parse_delimiters(first_line)) return;
  const char fs = delims_.field;

  Hl7Message m;
  m.raw = framed;
  m.field_sep = fs;
  m.component_sep = delims_.component;
  ProgramFields prog;
  bool has_pid = false, has_pv1 = false, has_orc = false, has_rxg = false, has_msa = false;
  bool has_obx = false;
  std::uint32_t segments = 0;

  // Segments end with <CR> (HL7 v2.5 §2.5.1); <CR><LF> and <LF> are tolerated as real senders
  // use them. Empty lines are skipped.
  std::size_t start = 0;
  while (start < msg.size()) {
    std::size_t end = find_line_end(msg, start);
    if (end == std::string_view::npos) end = msg.size();
    const std::string_view seg = slice(msg, start, end);
    start = end + 1;
    if (end < msg.size() && msg[end] == '\r' && start < msg.size() && msg[start] == '\n') ++start;
    if (seg.empty()) continue;
    ++segments;
    if (segments > limits_.max_segments) {
      report(MsgAnomaly::kTooManySegments, "hl7.max_segments");
      continue;  // counted, not decoded
    }
    // HL7 v2.5 §2.5.1: a segment id is three characters, upper-case letter first.
    const bool valid_id = seg.size() >= 3 && seg[0] >= 'A' && seg[0] <= 'Z' &&
                          is_upper_or_digit(seg[1]) && is_upper_or_digit(seg[2]) &&
                          (seg.size() == 3 || seg[3] == fs);
    if (!valid_id) {
      report(MsgAnomaly::kInvalidSegmentId, "segment id");
      continue;
    }
    const std::string_view id = seg.substr(0, 3);
    if (segments == 1) {
      decode_msh(SegmentFields(seg, fs, true), m);
      continue;
    }
    if (id == "MSA") {
      if (has_msa) continue;
      has_msa = true;
      const SegmentFields f(seg, fs, false);
      m.ack_code = component(f.field(1), 1);
      m.ack_control_id = component(f.field(2), 1);
    } else if (id == "ERR") {
      const SegmentFields f(seg, fs, false);
      if (errors_.size() >= limits_.max_errors) {
        report(MsgAnomaly::kTooManyErrors, "hl7.max_errors");
        continue;
      }
      ErrorInfo e;
      e.code = component(f.field(3), 1);
      if (e.code.empty()) {
        // HL7 v2.3 ERR-1 <segment>^<sequence>^<field>^<code&text>.
        const std::string_view code = piece(first_rep(f.field(1)), delims_.component, 3);
        e.code = text(piece(code, delims_.subcomponent, 0));
      }
      e.severity = component(f.field(4), 1);
      e.app_code = component(f.field(5), 1);
      e.text = text(first_rep(f.field(8)));
      if (e.text.empty()) e.text = component(f.field(5), 2);
      errors_.push_back(e);
    } else if (id == "PID") {
      if (has_pid) continue;
      has_pid = true;
      const SegmentFields f(seg, fs, false);
      // PHI in cleartext (HL7 v2.5 §3.4.2): the fields named in clinical::PhiObserved.
      constexpr std::array<std::pair<std::size_t, std::string_view>, 6> kPhi{{
          {3, "PID-3 patient identifier"},
          {5, "PID-5 patient name"},
          {7, "PID-7 birth date"},
          {11, "PID-11 address"},
          {13, "PID-13 phone"},
          {19, "PID-19 SSN"},
      }};
      for (const auto& [n, name] : kPhi) {
        const std::string_view v = f.field(n);
        if (has_value(v)) phi_[phi_count_++] = clinical::PhiField{name, v};
      }
      const std::string_view id_number = component(f.field(3), 1);
      if (has_value(id_number)) m.patient_id = id_number;
      // Family^given: the wire text up to the second component separator.
      const std::string_view name = first_rep(f.field(5));
      const std::size_t c1 = name.find(delims_.component);
      const std::size_t c2 =
          c1 == std::string_view::npos ? c1 : name.find(delims_.component, c1 + 1);
      if (has_value(name)) m.patient_name = slice(name, 0, c2);
    } else if (id == "PV1") {
      if (has_pv1) continue;
      has_pv1 = true;
      const SegmentFields f(seg, fs, false);
      m.point_of_care = component(f.field(3), 1);
    } else if (id == "ORC") {
      if (has_orc) continue;
      has_orc = true;
      const SegmentFields f(seg, fs, false);
      m.order_control = component(f.field(1), 1);
    } else if (id == "RXG") {
      if (has_rxg) continue;
      has_rxg = true;
      const SegmentFields f(seg, fs, false);
      // IHE PCD TF-2 §3.3.4.4.5: RXG-4 give code, RXG-5 VTBI, RXG-7 its units, RXG-15 rate
      // (or dose rate, or dose), RXG-16 its units.
      prog.give_code = first_rep(f.field(4));
      prog.give_amount = text(f.field(5));
      prog.give_units = first_rep(f.field(7));
      prog.rate = text(f.field(15));
      prog.rate_units = first_rep(f.field(16));
    } else if (id == "OBX") {
      has_obx = true;
      decode_obx(SegmentFields(seg, fs, false), prog);
    } else if (id == "PRT") {
      const SegmentFields f(seg, fs, false);
      // IHE PCD TF-2 B.10.2: PRT-10 full UDI, PRT-16 UDI-DI, PRT-20 serial number.
      DeviceUdi u;
      u.udi = component(f.field(10), 1);
      u.udi_di = component(f.field(16), 1);
      u.serial = component(f.field(20), 1);
      if (!has_value(u.udi) && !has_value(u.udi_di) && !has_value(u.serial)) continue;
      if (udis_.size() >= limits_.max_udis) {
        report(MsgAnomaly::kTooManyUdis, "hl7.max_udis");
        continue;
      }
      udis_.push_back(u);
    }
  }

  m.segment_count = segments;
  m.pcd = classify(m, delims_.component, delims_.repetition);
  m.errors = errors_;
  m.observations = observations_;
  m.udis = udis_;
  m.phi_fields = std::span<const clinical::PhiField>(phi_.data(), phi_count_);

  if (!is_v2_version(m.version)) report(MsgAnomaly::kUnknownVersion, m.version);
  // HL7 v2.5 Table 0008: AE/AR application error/reject, CE/CR commit error/reject.
  if (m.ack_code == "AE" || m.ack_code == "AR" || m.ack_code == "CE" || m.ack_code == "CR")
    report(MsgAnomaly::kNak, m.ack_code);

  // IHE PCD TF-2 §3.3.4.2 (RGV^O15: ORC and RXG required), §3.1.4.1.1 and §3.4.4.1.2 (OBX in
  // every observation report), HL7 v2.5 §2.14.1 (MSA in every acknowledgement).
  std::string_view missing;
  switch (m.pcd) {
    case PcdProfile::kPcd03:
      missing = !has_orc ? "ORC" : !has_rxg ? "RXG" : "";
      break;
    case PcdProfile::kAck:
      missing = !has_msa ? "MSA" : "";
      break;
    case PcdProfile::kPcd01:
    case PcdProfile::kPcd04:
    case PcdProfile::kPcd10:
      missing = !has_obx ? "OBX" : "";
      break;
    case PcdProfile::kNone:
      break;
  }
  if (!missing.empty()) report(MsgAnomaly::kMissingRequiredSegment, missing);

  clinical::InfusionProgram program;
  const bool with_program = m.pcd == PcdProfile::kPcd03 && has_rxg;
  if (with_program) {
    build_program(m, prog, program);
    m.program = &program;
  }

  if (!confirmed_) {
    confirmed_ = true;
    sink_.confirm_protocol();
  }
  sink_.emit(m);
  if (with_program) sink_.emit(program);
  if (phi_count_ > 0) {
    clinical::PhiObserved phi;
    phi.protocol = "hl7";
    phi.where = m.message_type;
    phi.fields = m.phi_fields;
    sink_.emit(phi);
  }
}

void Hl7Parser::decode_msh(const SegmentFields& f, Hl7Message& m) {
  // HL7 v2.5 §2.14.9 and IHE PCD TF-2 B.1.
  m.encoding_chars = f.field(2);
  m.sending_application = text(f.field(3));
  m.sending_facility = text(f.field(4));
  m.receiving_application = text(f.field(5));
  m.receiving_facility = text(f.field(6));
  m.message_time = component(f.field(7), 1);
  m.message_type = text(f.field(9));
  m.message_code = component(f.field(9), 1);
  m.trigger_event = component(f.field(9), 2);
  m.control_id = text(f.field(10));
  m.processing_id = text(f.field(11));
  m.version = component(f.field(12), 1);
  m.profile_id = text(f.field(21));
}

PcdProfile Hl7Parser::classify(const Hl7Message& m, char component, char repetition) noexcept {
  const std::string_view code = m.message_code;
  const std::string_view trigger = m.trigger_event;
  // MSH-21 message profile identifiers: IHE_PCD_010 marks PCD-10 (IPEC supplement §3.10).
  bool ipec = false;
  std::string_view rest = m.profile_id;
  for (int i = 0; i < 8 && !rest.empty(); ++i) {
    const std::size_t p = rest.find(repetition);
    if (piece(slice(rest, 0, p), component, 0) == "IHE_PCD_010") ipec = true;
    if (p == std::string_view::npos) break;
    rest = slice(rest, p + 1);
  }
  if (code == "ACK" || (code == "RRG" && trigger == "O16") || (code == "ORA" && trigger == "R41"))
    return PcdProfile::kAck;
  if (code == "RGV" && trigger == "O15") return PcdProfile::kPcd03;
  if (code == "ORU" && (trigger == "R42" || ipec)) return PcdProfile::kPcd10;
  if (code == "ORU" && trigger == "R40") return PcdProfile::kPcd04;
  if (code == "ORU" && trigger == "R01") return PcdProfile::kPcd01;
  return PcdProfile::kNone;
}

void Hl7Parser::decode_obx(const SegmentFields& f, ProgramFields& prog) {
  // HL7 v2.5 §7.4.2 and IHE PCD TF-2 B.8.
  Observation o;
  o.set_id = text(f.field(1));
  o.value_type = component(f.field(2), 1);
  o.code = component(f.field(3), 1);
  o.code_name = component(f.field(3), 2);
  o.sub_id = text(f.field(4));
  o.value = text(f.field(5));
  o.units = text(f.field(6));
  o.status = text(f.field(11));
  o.equipment_id = text(f.field(18));

  // IHE PCD TF-2 B.8.2/B.8.3: the equipment identifier is sent at the highest device level and
  // holds for everything below it in the OBX-4 containment tree.
  if (!has_value(o.equipment_id) && !o.sub_id.empty()) {
    for (std::size_t k = levels_.size(); k-- > 0;) {
      if (has_value(levels_[k].equipment) && is_path_prefix(levels_[k].path, o.sub_id)) {
        o.equipment_id = levels_[k].equipment;
        break;
      }
    }
  }
  std::string_view path;
  if (const int level = device_level(o.sub_id, path); level > 0) {
    levels_[static_cast<std::size_t>(level - 1)] = DeviceLevel{path, o.equipment_id};
    for (auto k = static_cast<std::size_t>(level); k < levels_.size(); ++k) levels_[k] = {};
  }

  // IHE PCD TF-2 §3.3.4.4.9: the target pump and the patient weight of an infusion order.
  if (!prog.pump_seen && (o.code == "69986" || o.code_name == "MDC_DEV_PUMP_INFUS_VMD")) {
    prog.pump_seen = true;
    prog.pump_equipment = o.equipment_id;
  }
  if (!prog.weight_seen && (o.code == "68063" || o.code_name == "MDC_ATTR_PT_WEIGHT")) {
    prog.weight_seen = true;
    prog.weight = o.value;
    prog.weight_units = first_rep(f.field(6));
  }

  if (observations_.size() >= limits_.max_observations) {
    report(MsgAnomaly::kTooManyObservations, "hl7.max_observations");
    return;
  }
  observations_.push_back(o);
}

std::optional<double> Hl7Parser::number(std::string_view value, std::string_view what) {
  if (!has_value(value)) return std::nullopt;
  double v = 0;
  if (!parse_number(value, v)) {
    report(MsgAnomaly::kInvalidNumber, what);
    return std::nullopt;
  }
  return v;
}

// Volume units to mL: "mL" in any notation clinical::canonical_units knows, or litres. Empty
// units mean mL (IHE PCD TF-2 §3.3.4.4.5 allows nothing else for RXG-7). nullopt if unknown.
std::optional<double> Hl7Parser::to_millilitres(std::string_view units) {
  bool any = false;
  for (std::size_t i = 0; i < 6; ++i) {
    const std::string_view c = text(piece(units, delims_.component, i));
    if (c.empty()) continue;
    any = true;
    if (clinical::canonical_units(c) == "mL") return 1.0;
    // MDC_DIM_X_L (IEEE 11073-10101 dimension code 263744), UCUM "L".
    if (c == "L" || c == "l" || c == "263744" || c == "MDC_DIM_X_L") return 1000.0;
  }
  return any ? std::nullopt : std::optional<double>(1.0);
}

// Mass units to kg: kg (MDC_DIM_KILO_G 263875), g (MDC_DIM_X_G 263872) or pounds (UCUM
// [lb_av]). Empty units mean kg (MDC_ATTR_PT_WEIGHT is reported in kg). nullopt if unknown.
std::optional<double> Hl7Parser::to_kilograms(std::string_view units) {
  bool any = false;
  for (std::size_t i = 0; i < 6; ++i) {
    const std::string_view c = text(piece(units, delims_.component, i));
    if (c.empty()) continue;
    any = true;
    if (iequals(c, "kg") || c == "263875" || c == "MDC_DIM_KILO_G") return 1.0;
    if (c == "g" || c == "263872" || c == "MDC_DIM_X_G") return 0.001;
    if (iequals(c, "lb") || iequals(c, "lbs") || c == "[lb_av]" || c == "MDC_DIM_LB")
      return 0.45359237;
  }
  return any ? std::nullopt : std::optional<double>(1.0);
}

void Hl7Parser::build_program(const Hl7Message& m, const ProgramFields& f,
                              clinical::InfusionProgram& p) {
  p.source = clinical::ProgramSource::kHl7Pcd03;
  p.message_control_id = m.control_id;
  p.order_control = m.order_control;
  p.drug_id = text(piece(f.give_code, delims_.component, 0));
  p.drug_name = text(piece(f.give_code, delims_.component, 1));

  if (const auto vtbi = number(f.give_amount, "RXG-5")) {
    if (const auto factor = to_millilitres(f.give_units)) p.vtbi_ml = *vtbi * *factor;
  }

  p.rate = number(f.rate, "RXG-15");
  // RXG-16 may carry MDC and UCUM codings side by side: take the first one we know.
  for (std::size_t i = 0; i < 6; ++i) {
    const std::string_view c = text(piece(f.rate_units, delims_.component, i));
    if (c.empty()) continue;
    const std::string_view canonical = clinical::canonical_units(c);
    if (clinical::rate_kind_for_units(canonical) != clinical::RateKind::kUnknown) {
      p.rate_units = canonical;
      break;
    }
    if (p.rate_units.empty()) p.rate_units = canonical;  // unknown: keep the first spelling
  }
  p.rate_kind = clinical::rate_kind_for_units(p.rate_units);

  p.care_area = m.point_of_care;
  // OBX-18 is an EI: entity identifier, namespace, universal id, universal id type. The TF
  // example sends the pump id as the universal id ("^^A0001^PUMPVENDOR").
  const std::string_view eq = first_rep(f.pump_equipment);
  p.pump_id = text(piece(eq, delims_.component, 0));
  if (p.pump_id.empty()) p.pump_id = text(piece(eq, delims_.component, 2));

  if (f.weight_seen) {
    if (const auto w = number(f.weight, "OBX-5 weight")) {
      if (const auto factor = to_kilograms(f.weight_units)) p.patient_weight_kg = *w * *factor;
    }
  }
}

std::string_view Hl7Parser::unescape(std::string_view v) {
  if (v.find(delims_.escape) == std::string_view::npos) return v;
  if (!scratch_) scratch_ = std::make_unique<char[]>(limits_.max_unescape_bytes);
  // Decoding never makes a value longer, so the input size bounds the output.
  if (v.size() > limits_.max_unescape_bytes - scratch_used_) {
    report(MsgAnomaly::kUnescapeScratchFull, "hl7.max_unescape_bytes");
    return v;
  }
  char* const out = scratch_.get() + scratch_used_;
  std::size_t n = 0;
  std::size_t i = 0;
  while (i < v.size()) {
    if (v[i] != delims_.escape) {
      out[n++] = v[i++];
      continue;
    }
    const std::size_t close = v.find(delims_.escape, i + 1);
    if (close != std::string_view::npos && decode_escape(slice(v, i + 1, close), out, n)) {
      i = close + 1;
      continue;
    }
    // Malformed: keep the escape character literally and go on after it.
    report(MsgAnomaly::kInvalidEscape, "escape sequence");
    out[n++] = v[i++];
  }
  scratch_used_ += n;
  return {out, n};
}

// Decodes one escape sequence (the text between two escape characters) into out[n...].
// Returns false if it is malformed. HL7 v2.5 §2.7.
bool Hl7Parser::decode_escape(std::string_view seq, char* out, std::size_t& n) const noexcept {
  if (seq.empty()) return false;
  const auto copy_literally = [&] {
    // A valid sequence we do not interpret (character sets, local escapes): kept as sent.
    out[n++] = delims_.escape;
    for (const char c : seq) out[n++] = c;
    out[n++] = delims_.escape;
    return true;
  };
  switch (seq[0]) {
    case 'F':
      if (seq.size() != 1) return false;
      out[n++] = delims_.field;
      return true;
    case 'S':
      if (seq.size() != 1) return false;
      out[n++] = delims_.component;
      return true;
    case 'T':
      if (seq.size() != 1) return false;
      out[n++] = delims_.subcomponent;
      return true;
    case 'R':
      if (seq.size() != 1) return false;
      out[n++] = delims_.repetition;
      return true;
    case 'E':
      if (seq.size() != 1) return false;
      out[n++] = delims_.escape;
      return true;
    case 'P':
      if (seq.size() != 1 || delims_.truncation == 0) return false;
      out[n++] = delims_.truncation;
      return true;
    case 'H':
    case 'N':
      return seq.size() == 1;  // highlighting on/off: no text
    case 'X': {
      // \Xhhhh..\ : bytes in hexadecimal, an even number of digits.
      const std::string_view hex = seq.substr(1);
      if (hex.empty() || hex.size() % 2 != 0 || !std::all_of(hex.begin(), hex.end(), is_hex))
        return false;
      for (std::size_t k = 0; k < hex.size(); k += 2)
        out[n++] = static_cast<char>(hex_value(hex[k]) * 16 + hex_value(hex[k + 1]));
      return true;
    }
    case 'C':
    case 'M': {
      const std::string_view hex = seq.substr(1);
      if ((hex.size() != 4 && hex.size() != 6) || !std::all_of(hex.begin(), hex.end(), is_hex))
        return false;
      return copy_literally();
    }
    case 'Z':
      return copy_literally();
    case '.': {
      // Formatted text commands (HL7 v2.5 §2.7.6): .br and .sp break the line; others format.
      const std::string_view cmd = seq.substr(1);
      if (cmd.size() < 2 || !std::all_of(cmd.begin(), cmd.begin() + 2, is_alnum)) return false;
      if (cmd.substr(0, 2) == "br" || cmd.substr(0, 2) == "sp") out[n++] = '\n';
      return true;
    }
    default:
      return false;
  }
}

std::uint32_t clamp_limit(std::uint64_t v, std::uint32_t lo, std::uint32_t hi) noexcept {
  return static_cast<std::uint32_t>(std::clamp<std::uint64_t>(v, lo, hi));
}

constexpr std::array<std::uint16_t, 4> kTcpPorts = {2575, 3000, 3001, 6661};

std::unique_ptr<ParserFactory> configure(const LimitOverrides& overrides) {
  return std::make_unique<Hl7ParserFactory>(limits_from(overrides));
}

}  // namespace

std::unique_ptr<StreamParser> Hl7ParserFactory::make(EventSink& sink) const {
  return std::make_unique<Hl7Parser>(sink, limits_);
}

Limits limits_from(const LimitOverrides& o) {
  const Limits d;
  Limits l;
  l.max_message_bytes =
      clamp_limit(o.get("hl7.max_message_bytes", d.max_message_bytes), 64, kMaxMessageBytesCeiling);
  l.max_segments = clamp_limit(o.get("hl7.max_segments", d.max_segments), 1, 65535);
  l.max_observations = clamp_limit(o.get("hl7.max_observations", d.max_observations), 0, 65535);
  l.max_errors = clamp_limit(o.get("hl7.max_errors", d.max_errors), 0, 1024);
  l.max_udis = clamp_limit(o.get("hl7.max_udis", d.max_udis), 0, 1024);
  l.max_unescape_bytes =
      clamp_limit(o.get("hl7.max_unescape_bytes", d.max_unescape_bytes), 256, 1024 * 1024);
  return l;
}

Probe probe(Direction /*dir*/, ByteView first_bytes) noexcept {
  ByteReader r(first_bytes);
  // Tolerate line breaks before the first start block (a few senders emit them).
  std::size_t breaks = 0;
  while (auto b = r.peek_u8()) {
    if (*b != '\r' && *b != '\n') break;
    if (++breaks > 64) return Probe::kNo;
    r.skip(1);
  }
  constexpr std::array<std::uint8_t, 4> kHeader = {kStartBlock, 'M', 'S', 'H'};
  for (const std::uint8_t want : kHeader) {
    const auto b = r.u8();
    if (!b) return Probe::kMaybe;
    if (*b != want) return Probe::kNo;
  }
  return Probe::kYes;
}

const ParserSpec& parser_spec() {
  static const ParserSpec spec{
      "hl7", kTcpPorts, &probe, &configure, &make_hl7_log,
  };
  return spec;
}

}  // namespace ward::parsers::hl7
