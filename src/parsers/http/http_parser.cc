#include "parsers/http/http_parser.h"

#include <algorithm>
#include <array>
#include <deque>
#include <string>

#define ZLIB_CONST  // next_in is a pointer to const
#include <zlib.h>

#include "clinical/phi.h"
#include "parsers/http/http_log.h"
#include "parsers/http/jndi.h"

namespace ward::parsers::http {

std::string_view auth_scheme_name(AuthScheme s) noexcept {
  switch (s) {
    case AuthScheme::kBasic:
      return "basic";
    case AuthScheme::kDigest:
      return "digest";
    case AuthScheme::kBearer:
      return "bearer";
    case AuthScheme::kNtlm:
      return "ntlm";
    case AuthScheme::kNegotiate:
      return "negotiate";
    case AuthScheme::kOther:
      return "other";
    case AuthScheme::kNone:
      break;
  }
  return "";
}

namespace {

// The most input handled in one call, so `consumed` always fits Progress::consumed.
constexpr std::size_t kMaxCallBytes = std::size_t{1} << 30;
constexpr std::size_t kMaxChunkLineBytes = 1024;  // chunk size plus extensions (RFC 9112 §7.1)
constexpr std::size_t kMaxMethodBytes = 32;
constexpr std::size_t kDetailBytes = 32;
constexpr std::size_t kMaxUserBytes = 256;
constexpr std::size_t kMaxTags = 8;
constexpr std::size_t kMaxPhi = 16;
constexpr std::size_t kMaxJsonDepth = 32;
// Content-Length above this is treated as malformed (it cannot be a signed 64-bit length).
constexpr std::uint64_t kMaxContentLength = (std::uint64_t{1} << 63) - 1;

char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }
bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}
bool icontains(std::string_view hay, std::string_view needle) noexcept {
  if (needle.size() > hay.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i)
    if (iequals(hay.substr(i, needle.size()), needle)) return true;
  return false;
}
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_ws(char c) noexcept { return c == ' ' || c == '\t'; }
// RFC 9110 §5.6.2 tchar.
bool is_tchar(char c) noexcept {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c)) return true;
  constexpr std::string_view kExtra = "!#$%&'*+-.^_`|~";
  return kExtra.find(c) != std::string_view::npos;
}
std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (is_ws(s.front()) || s.front() == '\r' || s.front() == '\n'))
    s.remove_prefix(1);
  while (!s.empty() && (is_ws(s.back()) || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}
std::string_view chomp(std::string_view line) noexcept {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}
std::string_view clip(std::string_view s, std::size_t n) noexcept {
  return s.substr(0, std::min(s.size(), n));
}
// The media type without parameters ("application/fhir+json; charset=utf-8" -> the type).
std::string_view media_type(std::string_view v) noexcept {
  return trim(v.substr(0, std::min(v.size(), v.find(';'))));
}
bool is_fhir_media(std::string_view v) noexcept {
  return icontains(v, "fhir+json") || icontains(v, "fhir+xml");
}

// RFC 9110 §9: the registered methods, plus WebDAV's; used to accept HTTP/0.9 requests (which
// carry no version to recognise them by).
bool is_known_method(std::string_view m) noexcept {
  constexpr std::array<std::string_view, 15> kMethods = {
      "GET",   "HEAD",     "POST",      "PUT",   "DELETE", "CONNECT", "OPTIONS", "TRACE",
      "PATCH", "PROPFIND", "PROPPATCH", "MKCOL", "COPY",   "MOVE",    "LOCK"};
  return std::find(kMethods.begin(), kMethods.end(), m) != kMethods.end();
}

// "HTTP/d.d" -> "d.d"; empty if `v` is not a version.
std::string_view http_version(std::string_view v) noexcept {
  if (v.size() != 8 || v.substr(0, 5) != "HTTP/" || !is_digit(v[5]) || v[6] != '.' ||
      !is_digit(v[7]))
    return {};
  return v.substr(5);
}

struct RequestLine {
  std::string_view method;
  std::string_view uri;
  std::string_view version;  // "1.1"; empty for HTTP/0.9
};

// RFC 9112 §3: method SP request-target SP HTTP-version. Tolerates runs of spaces and spaces
// inside the target (the version is the last word). Returns false if `line` is not one; an
// HTTP/0.9 line (RFC 1945 §4.1 Simple-Request) has no version.
bool parse_request_line(std::string_view line, RequestLine& out) noexcept {
  const std::size_t sp = line.find(' ');
  if (sp == 0 || sp == std::string_view::npos || sp > kMaxMethodBytes) return false;
  out.method = line.substr(0, sp);
  if (!std::all_of(out.method.begin(), out.method.end(), is_tchar)) return false;
  std::string_view rest = trim(line.substr(sp + 1));
  if (rest.empty()) return false;
  for (const char c : rest)
    if (static_cast<unsigned char>(c) < 0x20 && c != '\t') return false;
  const std::size_t last = rest.rfind(' ');
  out.version = {};
  if (last != std::string_view::npos) {
    const std::string_view v = http_version(rest.substr(last + 1));
    if (!v.empty()) {
      out.version = v;
      rest = trim(rest.substr(0, last));
      if (rest.empty()) return false;
    }
  }
  if (out.version.empty()) {
    // HTTP/0.9: "GET /path". Anything else with spaces and no version is not HTTP.
    if (rest.find(' ') != std::string_view::npos || !is_known_method(out.method)) return false;
    if (rest.front() != '/' && !icontains(clip(rest, 8), "://")) return false;
  }
  out.uri = rest;
  return true;
}

struct StatusLine {
  std::string_view version;
  std::uint16_t code = 0;
  std::string_view reason;
};

// RFC 9112 §4: HTTP-version SP status-code SP [reason-phrase].
bool parse_status_line(std::string_view line, StatusLine& out) noexcept {
  if (line.size() < 12) return false;
  out.version = http_version(line.substr(0, 8));
  if (out.version.empty() || line[8] != ' ') return false;
  std::size_t i = 9;
  while (i < line.size() && line[i] == ' ') ++i;
  if (i + 3 > line.size() || !is_digit(line[i]) || !is_digit(line[i + 1]) || !is_digit(line[i + 2]))
    return false;
  if (i + 3 < line.size() && line[i + 3] != ' ') return false;
  out.code = static_cast<std::uint16_t>((line[i] - '0') * 100 + (line[i + 1] - '0') * 10 +
                                        (line[i + 2] - '0'));
  out.reason = trim(line.substr(std::min(line.size(), i + 3)));
  return true;
}

// Content-Length (RFC 9110 §8.6): digits only. Returns false for anything else, including a
// negative or overflowing value.
bool parse_content_length(std::string_view v, std::uint64_t& out) noexcept {
  v = trim(v);
  if (v.empty() || v.size() > 19) return false;
  std::uint64_t n = 0;
  for (const char c : v) {
    if (!is_digit(c)) return false;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (n > kMaxContentLength) return false;
  out = n;
  return true;
}

// The last transfer coding of a Transfer-Encoding value, trimmed.
std::string_view last_coding(std::string_view v) noexcept {
  const std::size_t comma = v.rfind(',');
  return trim(comma == std::string_view::npos ? v : v.substr(comma + 1));
}

// ---------------------------------------------------------------------------------------------
// FHIR body scanning (HL7 FHIR R4 §2.6.2 JSON, §2.6.1 XML), over a bounded excerpt.

enum class FhirKind : std::uint8_t { kOther, kPatient, kObservation, kDevice };

FhirKind fhir_kind(std::string_view type) noexcept {
  if (type == "Patient") return FhirKind::kPatient;
  if (type == "Observation") return FhirKind::kObservation;
  if (type == "Device") return FhirKind::kDevice;
  return FhirKind::kOther;
}

// The member names whose values are PHI, per resource kind, and their stable field names.
struct PhiKey {
  FhirKind kind;
  std::string_view member;
  std::string_view field;  // static storage: PhiField::name and the log's phi_fields
};
constexpr std::array<PhiKey, 9> kPhiKeys = {{
    {FhirKind::kPatient, "name", "fhir.Patient.name"},
    {FhirKind::kPatient, "birthDate", "fhir.Patient.birthDate"},
    {FhirKind::kPatient, "identifier", "fhir.Patient.identifier"},
    {FhirKind::kPatient, "telecom", "fhir.Patient.telecom"},
    {FhirKind::kPatient, "address", "fhir.Patient.address"},
    {FhirKind::kObservation, "subject", "fhir.Observation.subject"},
    {FhirKind::kDevice, "patient", "fhir.Device.patient"},
    {FhirKind::kObservation, "patient", "fhir.Observation.subject"},
    {FhirKind::kDevice, "identifier", "fhir.Device.identifier"},
}};

// Search parameters (FHIR R4 §3.1.1.4) that carry patient identity.
struct PhiParam {
  std::string_view name;
  std::string_view field;
};
constexpr std::array<PhiParam, 8> kPhiParams = {{
    {"patient", "fhir.search.patient"},
    {"subject", "fhir.search.subject"},
    {"name", "fhir.search.name"},
    {"family", "fhir.search.name"},
    {"given", "fhir.search.name"},
    {"birthdate", "fhir.search.birthdate"},
    {"identifier", "fhir.search.identifier"},
    {"phone", "fhir.search.telecom"},
}};

struct FhirScan {
  std::string_view type;  // of the outermost resource
  std::string_view id;
  std::array<clinical::PhiField, kMaxPhi> phi{};
  std::size_t phi_count = 0;
  void add(std::string_view field, std::string_view value) {
    for (std::size_t i = 0; i < phi_count; ++i)
      if (phi[i].name == field) return;
    if (phi_count < phi.size()) phi[phi_count++] = clinical::PhiField{field, value};
  }
};

// A small JSON reader that walks a possibly truncated document, tracks every object's
// "resourceType", "id" and PHI members, and records PHI of the resources it recognises. It
// never allocates and stops at kMaxJsonDepth.
class JsonScanner {
 public:
  JsonScanner(std::string_view s, FhirScan& out) noexcept : s_(s), out_(out) {}
  void run() noexcept {
    skip_ws();
    (void)value(0);
  }

 private:
  struct Members {
    std::string_view type;
    std::string_view id;
    std::array<std::string_view, kPhiKeys.size()> values{};
  };

  void skip_ws() noexcept {
    while (i_ < s_.size() && (is_ws(s_[i_]) || s_[i_] == '\r' || s_[i_] == '\n')) ++i_;
  }
  // Reads a string at s_[i_] == '"'; returns its raw content (escapes kept).
  bool string(std::string_view& out) noexcept {
    const std::size_t start = ++i_;
    while (i_ < s_.size()) {
      if (s_[i_] == '\\') {
        i_ += 2;
        continue;
      }
      if (s_[i_] == '"') {
        out = s_.substr(start, i_ - start);
        ++i_;
        return true;
      }
      ++i_;
    }
    return false;
  }
  // Returns false if the document ended (truncated) inside the value.
  bool value(std::size_t depth) noexcept {
    if (i_ >= s_.size()) return false;
    const char c = s_[i_];
    if (c == '"') {
      std::string_view ignored;
      return string(ignored);
    }
    if (c == '{') return object(depth + 1);
    if (c == '[') {
      ++i_;
      for (;;) {
        skip_ws();
        if (i_ >= s_.size()) return false;
        if (s_[i_] == ']') {
          ++i_;
          return true;
        }
        if (depth + 1 >= kMaxJsonDepth || !value(depth + 1)) return false;
        skip_ws();
        if (i_ < s_.size() && s_[i_] == ',') ++i_;
      }
    }
    // A number, true, false or null: up to the next delimiter.
    const std::size_t start = i_;
    while (i_ < s_.size() && s_[i_] != ',' && s_[i_] != '}' && s_[i_] != ']' && !is_ws(s_[i_]) &&
           s_[i_] != '\n' && s_[i_] != '\r')
      ++i_;
    return i_ > start && i_ < s_.size();
  }
  bool object(std::size_t depth) noexcept {
    ++i_;  // '{'
    Members m;
    bool complete = false;
    for (;;) {
      skip_ws();
      if (i_ >= s_.size()) break;
      if (s_[i_] == '}') {
        ++i_;
        complete = true;
        break;
      }
      if (s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (s_[i_] != '"') break;  // not JSON: stop here
      std::string_view key;
      if (!string(key)) break;
      skip_ws();
      if (i_ >= s_.size() || s_[i_] != ':') break;
      ++i_;
      skip_ws();
      const std::size_t start = i_;
      const bool is_string = i_ < s_.size() && s_[i_] == '"';
      std::string_view str;
      bool ok = false;
      if (is_string) {
        ok = string(str);
      } else if (depth < kMaxJsonDepth) {
        ok = value(depth);
      }
      const std::string_view raw = s_.substr(start, std::min(i_, s_.size()) - start);
      if (key == "resourceType" && is_string) m.type = str;
      if (key == "id" && is_string) m.id = str;
      for (std::size_t k = 0; k < kPhiKeys.size(); ++k)
        if (key == kPhiKeys[k].member && m.values[k].empty()) m.values[k] = raw.empty() ? key : raw;
      if (!ok) break;
    }
    if (!m.type.empty()) {
      if (depth == 1) {
        out_.type = m.type;
        out_.id = m.id;
      }
      const FhirKind kind = fhir_kind(m.type);
      for (std::size_t k = 0; k < kPhiKeys.size(); ++k)
        if (kPhiKeys[k].kind == kind && !m.values[k].empty())
          out_.add(kPhiKeys[k].field, m.values[k]);
    }
    return complete;
  }

  std::string_view s_;
  std::size_t i_ = 0;
  FhirScan& out_;
};

// The value of attribute `value` in an XML element starting at `tag` ("<id value=\"x\"/>").
std::string_view xml_value_attr(std::string_view s, std::size_t tag) noexcept {
  const std::size_t end = s.find('>', tag);
  const std::string_view el = s.substr(tag, end == std::string_view::npos ? s.size() : end - tag);
  const std::size_t v = el.find("value=\"");
  if (v == std::string_view::npos) return {};
  const std::size_t q = el.find('"', v + 7);
  if (q == std::string_view::npos) return {};
  return el.substr(v + 7, q - (v + 7));
}

// FHIR XML (R4 §2.6.1): the root element names the resource; PHI elements are found by name.
void scan_fhir_xml(std::string_view s, FhirScan& out) {
  std::size_t i = 0;
  for (int guard = 0; guard < 16; ++guard) {  // skip "<?xml ...?>" and comments
    i = s.find('<', i);
    if (i == std::string_view::npos || i + 1 >= s.size()) return;
    if (s[i + 1] != '?' && s[i + 1] != '!') break;
    ++i;
  }
  std::size_t e = i + 1;
  while (e < s.size() && (is_tchar(s[e]) || s[e] == ':')) ++e;
  std::string_view type = s.substr(i + 1, e - i - 1);
  if (const std::size_t colon = type.find(':'); colon != std::string_view::npos)
    type = type.substr(colon + 1);
  if (type.empty()) return;
  out.type = type;
  if (const std::size_t id = s.find("<id ", e); id != std::string_view::npos)
    out.id = xml_value_attr(s, id);
  const FhirKind kind = fhir_kind(type);
  for (const PhiKey& k : kPhiKeys) {
    if (k.kind != kind) continue;
    for (const std::string_view close : {std::string_view(">"), std::string_view(" ")}) {
      std::string tag = "<";
      tag.append(k.member).append(close);
      if (const std::size_t p = s.find(tag); p != std::string_view::npos) {
        out.add(k.field, clip(s.substr(p), 128));
        break;
      }
    }
  }
}

void scan_fhir_body(std::string_view body, FhirScan& out) {
  std::size_t i = 0;
  while (i < body.size() && (is_ws(body[i]) || body[i] == '\r' || body[i] == '\n')) ++i;
  if (i >= body.size()) return;
  if (body[i] == '{') {
    JsonScanner(body.substr(i), out).run();
  } else if (body[i] == '<') {
    scan_fhir_xml(body.substr(i), out);
  }
}

// ---------------------------------------------------------------------------------------------

// RFC 9110 §8.4.1.2/§8.4.1.3: a gzip or zlib-wrapped deflate body, inflated as it arrives.
class Inflater {
 public:
  Inflater() noexcept = default;
  ~Inflater() {
    if (ready_) inflateEnd(&z_);
  }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;
  Inflater(Inflater&&) = delete;
  Inflater& operator=(Inflater&&) = delete;

  // Returns false if zlib could not start (out of memory).
  bool start() noexcept {
    z_ = z_stream{};
    ready_ = inflateInit2(&z_, 15 + 32) == Z_OK;  // +32: detect gzip or zlib header
    return ready_;
  }
  enum class Status : std::uint8_t { kOk, kEnd, kError };
  // Inflates `in`, calling out(view) for each piece of output.
  template <typename Out>
  Status feed(ByteView in, Out&& out) noexcept {
    std::array<unsigned char, 4096> buf{};
    z_.next_in = in.data();
    z_.avail_in = static_cast<uInt>(in.size());
    while (true) {
      z_.next_out = buf.data();
      z_.avail_out = static_cast<uInt>(buf.size());
      const int rc = inflate(&z_, Z_NO_FLUSH);
      const std::size_t n = buf.size() - z_.avail_out;
      if (n > 0) out(as_chars(ByteView(buf.data(), n)));
      if (rc == Z_STREAM_END) return Status::kEnd;
      if (rc != Z_OK && rc != Z_BUF_ERROR) return Status::kError;
      if (z_.avail_in == 0 && z_.avail_out != 0) return Status::kOk;
      if (rc == Z_BUF_ERROR && n == 0) return Status::kOk;
    }
  }

 private:
  z_stream z_{};
  bool ready_ = false;
};

struct Tx {
  TimeNs ts = 0;
  std::uint32_t depth = 0;
  bool has_request = false;
  bool request_done = false;
  bool has_response = false;
  bool response_done = false;
  bool http09 = false;
  bool head = false;     // HEAD: the response has no body (RFC 9110 §9.3.2)
  bool connect = false;  // CONNECT: a 2xx response turns the connection into a tunnel
  std::string method, uri, version, host, referrer, origin, user_agent, req_ct, username;
  std::uint64_t req_body_len = 0;
  std::uint32_t req_headers = 0;
  std::string resp_version, status_msg, info_msg, server, resp_ct;
  std::uint16_t status_code = 0;
  std::uint16_t info_code = 0;
  std::uint64_t resp_body_len = 0;
  std::uint32_t resp_headers = 0;
  AuthScheme auth = AuthScheme::kNone;
  auth::Verdict credentials;       // Basic: at the request; Digest: when accepted
  std::string digest_credentials;  // a Digest header until the response (no password)
  bool fhir = false;
  std::string fhir_type, fhir_id;
  std::array<std::string_view, kMaxPhi> phi{};
  std::size_t phi_count = 0;
  std::array<std::string_view, kMaxTags> tags{};
  std::size_t tag_count = 0;

  void tag(std::string_view t) {
    for (std::size_t i = 0; i < tag_count; ++i)
      if (tags[i] == t) return;
    if (tag_count < tags.size()) tags[tag_count++] = t;
  }
  void phi_name(std::string_view n) {
    for (std::size_t i = 0; i < phi_count; ++i)
      if (phi[i] == n) return;
    if (phi_count < phi.size()) phi[phi_count++] = n;
  }
};

class HttpParser final : public StreamParser {
 public:
  HttpParser(EventSink& sink, const Limits& limits) : sink_(sink), limits_(limits) {}

  Result<Progress, ParseError> on_data(Direction dir, ByteView input) noexcept override;
  void on_gap(Direction dir, std::uint64_t missing_bytes) noexcept override;
  void on_end(Direction dir) noexcept override;

 private:
  enum class Mode : std::uint8_t {
    kStart,        // between messages: expecting a start line (empty lines skipped)
    kSkipHeaders,  // inside an oversized header block: discarding lines until the blank one
    kBody,         // Content-Length body: `remaining` bytes left
    kChunkSize,    // expecting a chunk-size line
    kChunkData,    // inside a chunk: `remaining` bytes left
    kChunkCrlf,    // expecting the CRLF after chunk data
    kTrailers,     // after the last chunk: trailer lines until the blank one
    kUntilClose,   // body delimited by the end of the connection (or a tunnel)
    kResync,       // after a gap: looking for a start line at a line start
    kDead,         // not parsed any more
  };
  struct PerDirection {
    Mode mode = Mode::kStart;
    std::size_t scanned = 0;  // kStart: bytes of the block already searched for its end
    std::uint64_t remaining = 0;
    std::uint64_t skipped = 0;  // kSkipHeaders/kTrailers: bytes skipped in this block
    bool line_start = true;     // kSkipHeaders/kTrailers/kResync: at the start of a line
    bool in_message = false;    // a message has started and not ended
    bool bad_start_reported = false;
    bool excerpt_on = false;  // keeping body bytes of this message
    std::uint32_t depth = 0;  // the transaction this direction's message belongs to
    std::string excerpt;
    // Content-Encoding gzip/deflate of the message in flight; null when not inflating.
    std::unique_ptr<Inflater> inflater;
    bool inflate_done = false;   // the compressed stream ended or failed: count raw bytes
    std::uint64_t inflated = 0;  // output bytes of this message so far
  };

  // Fields of a header block, as views into it (valid during header processing only).
  struct Headers {
    std::uint32_t count = 0;
    std::string_view host, referrer, origin, user_agent, content_type, server, accept, expect;
    std::string_view authorization;
    std::string_view content_encoding;
    std::string_view transfer_encoding;
    std::string_view content_length;
    bool has_content_length = false;
    bool content_length_conflict = false;
    std::uint32_t content_length_count = 0;
    std::uint32_t transfer_encoding_count = 0;
  };

  PerDirection& dir_state(Direction d) { return dirs_[static_cast<std::size_t>(bus::index(d))]; }
  Tx* find(std::uint32_t depth) {
    for (Tx& t : pending_)
      if (t.depth == depth) return &t;
    return nullptr;
  }

  // Each returns false when it needs more input (pos unchanged at a unit start).
  bool start(Direction dir, PerDirection& st, std::string_view in, std::size_t& pos, bool& fatal);
  void skip_lines(PerDirection& st, std::string_view in, std::size_t& pos, bool& blank_seen);
  void headers(std::string_view block, Headers& h);
  void begin_request(const RequestLine& rl, std::string_view block, bool oversized);
  void begin_response(const StatusLine& sl, std::string_view block, bool oversized);
  void authorization(Tx& tx, std::string_view value);
  void fhir_request(Tx& tx, std::string_view uri);
  void body(PerDirection& st, Direction dir, std::string_view bytes);
  void start_body(PerDirection& st, std::string_view content_encoding);
  void count(PerDirection& st, Direction dir, std::uint64_t n);
  void end_message(Direction dir, PerDirection& st);
  void try_emit();
  void emit(Tx& tx);
  // Checks the Digest credentials of an accepted transaction (auth::check_digest), at most
  // kMaxDigestChecks times per connection; an accepted user's verdict is reused for the same
  // user (a server keeps one password per user). Refused attempts are never hashed.
  void check_digest(Tx& tx);
  static constexpr int kMaxDigestChecks = 4;
  static constexpr std::size_t kMaxDigestBytes = 2048;
  int digest_checks_ = 0;
  std::string digest_user_;
  auth::Verdict digest_verdict_;
  void flush_all();
  void phi(Tx& tx, std::string_view where, const FhirScan& scan);
  Tx& new_tx(bool with_request);

  // Details never carry message bytes: a bad line may hold credentials or PHI.
  void once(PerDirection& st, std::string_view id, std::string_view detail) {
    if (st.bad_start_reported) return;
    st.bad_start_reported = true;
    sink_.anomaly(id, detail);
  }
  void confirm() {
    if (confirmed_) return;
    confirmed_ = true;
    sink_.confirm_protocol();
  }
  std::string keep(std::string_view v) const {
    return std::string(clip(v, limits_.max_field_bytes));
  }

  EventSink& sink_;
  const Limits limits_;
  std::array<PerDirection, 2> dirs_{};
  std::deque<Tx> pending_;
  std::uint32_t next_depth_ = 0;
  bool confirmed_ = false;
  std::array<bool, 2> ended_{};
};

Tx& HttpParser::new_tx(bool with_request) {
  if (pending_.size() >= limits_.max_pending_transactions) {
    sink_.anomaly(anomaly::kTooManyPendingRequests, "http.max_pending_transactions");
    // The oldest pair is written as it is; a direction still inside it stops tracking it.
    emit(pending_.front());
    pending_.pop_front();
  }
  Tx& tx = pending_.emplace_back();
  tx.depth = ++next_depth_;
  tx.ts = sink_.packet_time();
  tx.has_request = with_request;
  tx.request_done = !with_request;
  return tx;
}

void HttpParser::headers(std::string_view block, Headers& h) {
  // The start line is the first line; header fields follow (RFC 9112 §5).
  std::size_t pos = block.find('\n');
  std::string_view* last = nullptr;
  while (pos != std::string_view::npos && pos + 1 < block.size()) {
    const std::size_t begin = pos + 1;
    pos = block.find('\n', begin);
    const std::string_view raw =
        block.substr(begin, pos == std::string_view::npos ? std::string_view::npos : pos - begin);
    const std::string_view line = chomp(raw);
    if (line.empty()) break;
    if (is_ws(line.front())) {
      // RFC 9112 §5.2 obs-fold: the value continues (the view grows over the fold).
      sink_.anomaly(anomaly::kObsoleteLineFolding, "obs-fold");
      if (last != nullptr && !last->empty()) {
        const char* const b = last->data();
        const char* const e = line.data() + line.size();
        *last = trim(std::string_view(b, static_cast<std::size_t>(e - b)));
      }
      continue;
    }
    last = nullptr;
    const std::size_t colon = line.find(':');
    const std::string_view name = colon == std::string_view::npos ? line : line.substr(0, colon);
    if (colon == std::string_view::npos || colon == 0 ||
        !std::all_of(name.begin(), name.end(), is_tchar)) {
      sink_.anomaly(anomaly::kInvalidHeaderLine,
                    colon == std::string_view::npos ? "no colon" : "bad field name");
      continue;
    }
    if (++h.count == limits_.max_headers + 1)
      sink_.anomaly(anomaly::kTooManyHeaders, "http.max_headers");
    const std::string_view value = trim(line.substr(colon + 1));
    std::string_view* slot = nullptr;
    if (iequals(name, "Host")) {
      slot = &h.host;
    } else if (iequals(name, "User-Agent")) {
      slot = &h.user_agent;
    } else if (iequals(name, "Referer")) {
      slot = &h.referrer;
    } else if (iequals(name, "Origin")) {
      slot = &h.origin;
    } else if (iequals(name, "Content-Type")) {
      slot = &h.content_type;
    } else if (iequals(name, "Server")) {
      slot = &h.server;
    } else if (iequals(name, "Accept")) {
      slot = &h.accept;
    } else if (iequals(name, "Expect")) {
      slot = &h.expect;
    } else if (iequals(name, "Content-Encoding")) {
      slot = &h.content_encoding;
    } else if (iequals(name, "Authorization") || iequals(name, "Proxy-Authorization")) {
      slot = &h.authorization;
    } else if (iequals(name, "Transfer-Encoding")) {
      ++h.transfer_encoding_count;
      slot = &h.transfer_encoding;  // the last one decides (its last coding)
    } else if (iequals(name, "Content-Length")) {
      if (++h.content_length_count > 1 && trim(value) != trim(h.content_length))
        h.content_length_conflict = true;
      if (h.content_length_count == 1) {
        h.has_content_length = true;
        h.content_length = value;
      }
      continue;
    }
    if (slot != nullptr && (slot->empty() || slot == &h.transfer_encoding)) {
      *slot = value;
      last = slot;
    }
  }
}

void HttpParser::authorization(Tx& tx, std::string_view value) {
  // RFC 9110 §11.4: credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ].
  const std::size_t sp = value.find(' ');
  const std::string_view scheme = value.substr(0, std::min(value.size(), sp));
  const std::string_view rest = sp == std::string_view::npos ? "" : trim(value.substr(sp + 1));
  if (scheme.empty()) {
    sink_.anomaly(anomaly::kInvalidAuthorization, "empty scheme");
    return;
  }
  if (iequals(scheme, "Basic")) {
    // RFC 7617 §2: base64(user-id ":" password). Only the user id is kept.
    tx.auth = AuthScheme::kBasic;
    std::string decoded;
    if (!decode_base64(rest, decoded, kMaxUserBytes * 2)) {
      sink_.anomaly(anomaly::kInvalidAuthorization, "basic: not base64");
    } else {
      const std::size_t colon = decoded.find(':');
      if (colon == std::string::npos)
        sink_.anomaly(anomaly::kInvalidAuthorization, "basic: no colon");
      tx.username = clip(decoded, std::min(colon, kMaxUserBytes));
    }
    // The password is in `decoded` only until here: overwrite it before it is freed.
    std::fill(decoded.begin(), decoded.end(), '\0');
    tx.credentials = auth::check_basic(rest);
    sink_.anomaly(anomaly::kCleartextCredentials, "basic");
  } else if (iequals(scheme, "Digest")) {
    // RFC 7616 §3.4: username="..." (the response is a hash, not the password).
    tx.auth = AuthScheme::kDigest;
    if (rest.size() <= kMaxDigestBytes) tx.digest_credentials = std::string(rest);
    std::size_t p = 0;
    while (p < rest.size()) {
      const std::size_t eq = rest.find('=', p);
      if (eq == std::string_view::npos) break;
      const std::string_view name = trim(rest.substr(p, eq - p));
      std::size_t vend = 0;
      std::string_view v;
      if (eq + 1 < rest.size() && rest[eq + 1] == '"') {
        std::size_t q = eq + 2;
        while (q < rest.size() && rest[q] != '"') q += rest[q] == '\\' ? 2 : 1;
        v = rest.substr(eq + 2, std::min(q, rest.size()) - (eq + 2));
        vend = rest.find(',', std::min(q, rest.size()));
      } else {
        vend = rest.find(',', eq);
        v = trim(rest.substr(eq + 1, vend == std::string_view::npos ? vend : vend - eq - 1));
      }
      if (iequals(name, "username")) {
        tx.username = keep(clip(v, kMaxUserBytes));
        break;
      }
      if (vend == std::string_view::npos) break;
      p = vend + 1;
    }
  } else if (iequals(scheme, "Bearer")) {
    // RFC 6750: a bearer token sent in clear can be replayed; its value is never kept.
    tx.auth = AuthScheme::kBearer;
    sink_.anomaly(anomaly::kCleartextCredentials, "bearer");
  } else if (iequals(scheme, "NTLM")) {
    tx.auth = AuthScheme::kNtlm;
  } else if (iequals(scheme, "Negotiate")) {
    tx.auth = AuthScheme::kNegotiate;
  } else {
    tx.auth = AuthScheme::kOther;
    sink_.anomaly(anomaly::kAuthUnrecognized, clip(scheme, kDetailBytes));
  }
}

void HttpParser::phi(Tx& tx, std::string_view where, const FhirScan& scan) {
  if (scan.phi_count == 0) return;
  for (std::size_t i = 0; i < scan.phi_count; ++i) tx.phi_name(scan.phi[i].name);
  clinical::PhiObserved e;
  e.protocol = "http";
  e.where = where;
  e.fields = std::span<const clinical::PhiField>(scan.phi.data(), scan.phi_count);
  sink_.emit(e);
}

void HttpParser::fhir_request(Tx& tx, std::string_view uri) {
  std::string_view type;
  std::string_view id;
  if (fhir_path(uri, type, id)) {
    tx.fhir = true;
    tx.fhir_type = keep(type);
    tx.fhir_id = keep(id);
  }
  if (!tx.fhir) return;
  // FHIR R4 §3.1.1.4 search: parameters naming the patient are PHI in clear.
  const std::size_t q = uri.find('?');
  if (q == std::string_view::npos) return;
  FhirScan scan;
  std::string_view query = uri.substr(q + 1);
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view param = query.substr(0, amp);
    const std::size_t eq = param.find('=');
    std::string_view name = param.substr(0, eq);
    if (const std::size_t colon = name.find(':'); colon != std::string_view::npos)
      name = name.substr(0, colon);  // modifiers: "name:exact"
    if (eq != std::string_view::npos && eq + 1 < param.size()) {
      for (const PhiParam& p : kPhiParams)
        if (iequals(name, p.name)) scan.add(p.field, param.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    query = query.substr(amp + 1);
  }
  phi(tx, tx.fhir_type.empty() ? std::string_view("fhir search") : std::string_view(tx.fhir_type),
      scan);
}

void HttpParser::begin_request(const RequestLine& rl, std::string_view block, bool oversized) {
  PerDirection& st = dirs_[0];
  Tx& tx = new_tx(true);
  st.depth = tx.depth;
  st.in_message = true;
  tx.method = keep(rl.method);
  tx.uri = keep(rl.uri);
  tx.version = rl.version.empty() ? "0.9" : std::string(rl.version);
  tx.http09 = rl.version.empty();
  tx.head = rl.method == "HEAD";
  tx.connect = rl.method == "CONNECT";
  if (tx.http09) {
    tx.tag("http09");
    sink_.anomaly(anomaly::kHttp09Request, clip(rl.method, kDetailBytes));
  }
  Headers h;
  if (!oversized) headers(block, h);
  tx.req_headers = h.count;
  tx.host = keep(h.host);
  tx.referrer = keep(h.referrer);
  tx.origin = keep(h.origin);
  tx.user_agent = keep(h.user_agent);
  tx.req_ct = keep(media_type(h.content_type));
  if (!h.authorization.empty()) authorization(tx, h.authorization);
  tx.fhir = is_fhir_media(h.content_type) || is_fhir_media(h.accept);
  fhir_request(tx, rl.uri);
  if (auto lookup = find_jndi_lookup(rl.uri)) {
    sink_.anomaly(anomaly::kJndiLookup, "uri: " + *lookup);
  } else if (auto in_headers = find_jndi_lookup(block)) {
    sink_.anomaly(anomaly::kJndiLookup, "headers: " + *in_headers);
  }

  // RFC 9112 §6.3: the request body's length.
  st.mode = Mode::kStart;
  std::uint64_t length = 0;
  bool chunked = false;
  if (h.transfer_encoding_count > 0) {
    if (h.has_content_length) {
      tx.tag("content_length_and_chunked");
      sink_.anomaly(anomaly::kContentLengthAndChunked, clip(h.content_length, kDetailBytes));
    }
    if (iequals(last_coding(h.transfer_encoding), "chunked")) {
      chunked = true;
    } else {
      sink_.anomaly(anomaly::kUnknownTransferEncoding, clip(h.transfer_encoding, kDetailBytes));
    }
  } else if (h.has_content_length) {
    if (h.content_length_count > 1) {
      tx.tag("duplicate_content_length");
      sink_.anomaly(anomaly::kDuplicateContentLength,
                    h.content_length_conflict ? "differing values" : "same value");
    }
    if (!parse_content_length(h.content_length, length)) {
      length = 0;
      sink_.anomaly(anomaly::kBadContentLength, clip(h.content_length, kDetailBytes));
    }
  }
  st.excerpt.clear();
  // FHIR bodies are read for PHI; every request body for JNDI lookups (injected form fields).
  st.excerpt_on = true;
  start_body(st, h.content_encoding);
  if (chunked) {
    st.mode = Mode::kChunkSize;
  } else if (length > 0) {
    st.mode = Mode::kBody;
    st.remaining = length;
  } else {
    end_message(Direction::kToServer, st);
  }
}

void HttpParser::begin_response(const StatusLine& sl, std::string_view block, bool oversized) {
  PerDirection& st = dirs_[1];
  Tx* target = nullptr;
  for (Tx& t : pending_) {
    if (t.has_request && !t.response_done) {
      target = &t;
      break;
    }
  }
  if (target == nullptr) {
    sink_.anomaly(anomaly::kUnsolicitedResponse, clip(sl.version, kDetailBytes));
    target = &new_tx(false);
  }
  Tx& tx = *target;
  st.depth = tx.depth;
  st.in_message = true;
  Headers h;
  if (!oversized) headers(block, h);
  st.excerpt.clear();
  st.excerpt_on = false;

  // RFC 9110 §15.2: 1xx responses are interim; the final response follows (101 switches).
  if (sl.code >= 100 && sl.code < 200 && sl.code != 101) {
    tx.info_code = sl.code;
    tx.info_msg = keep(sl.reason);
    st.in_message = false;
    st.mode = Mode::kStart;
    return;
  }
  tx.has_response = true;
  tx.resp_version = std::string(sl.version);
  tx.status_code = sl.code;
  tx.status_msg = keep(sl.reason);
  tx.resp_headers = h.count;
  tx.server = keep(h.server);
  tx.resp_ct = keep(media_type(h.content_type));
  if (is_fhir_media(h.content_type)) tx.fhir = true;
  st.excerpt_on = tx.fhir;
  start_body(st, h.content_encoding);

  // RFC 9112 §6.3: the response body's length.
  if (sl.code == 101 || (tx.connect && sl.code >= 200 && sl.code < 300)) {
    tx.tag(sl.code == 101 ? "upgraded" : "tunnel");
    // Another protocol follows on both directions: no longer HTTP.
    end_message(Direction::kToClient, st);
    dirs_[0].mode = Mode::kDead;
    dirs_[1].mode = Mode::kDead;
    return;
  }
  if (tx.head || sl.code == 204 || sl.code == 304 || oversized) {
    if (oversized) {
      st.mode = Mode::kUntilClose;  // framing unknown: count the rest
      return;
    }
    end_message(Direction::kToClient, st);
    return;
  }
  if (h.transfer_encoding_count > 0) {
    if (h.has_content_length) {
      tx.tag("content_length_and_chunked");
      sink_.anomaly(anomaly::kContentLengthAndChunked, clip(h.content_length, kDetailBytes));
    }
    if (iequals(last_coding(h.transfer_encoding), "chunked")) {
      st.mode = Mode::kChunkSize;
    } else {
      st.mode = Mode::kUntilClose;
    }
    return;
  }
  if (h.has_content_length) {
    if (h.content_length_count > 1) {
      tx.tag("duplicate_content_length");
      sink_.anomaly(anomaly::kDuplicateContentLength,
                    h.content_length_conflict ? "differing values" : "same value");
    }
    std::uint64_t length = 0;
    if (!parse_content_length(h.content_length, length)) {
      sink_.anomaly(anomaly::kBadContentLength, clip(h.content_length, kDetailBytes));
      st.mode = Mode::kUntilClose;
      return;
    }
    if (length == 0) {
      end_message(Direction::kToClient, st);
      return;
    }
    st.mode = Mode::kBody;
    st.remaining = length;
    return;
  }
  st.mode = Mode::kUntilClose;
}

void HttpParser::start_body(PerDirection& st, std::string_view content_encoding) {
  st.inflater.reset();
  st.inflate_done = false;
  st.inflated = 0;
  const std::string_view ce = last_coding(content_encoding);
  if (!iequals(ce, "gzip") && !iequals(ce, "x-gzip") && !iequals(ce, "deflate")) return;
  st.inflater = std::make_unique<Inflater>();
  if (!st.inflater->start()) st.inflater.reset();
}

void HttpParser::count(PerDirection& st, Direction dir, std::uint64_t n) {
  if (Tx* tx = find(st.depth))
    (dir == Direction::kToServer ? tx->req_body_len : tx->resp_body_len) += n;
}

void HttpParser::body(PerDirection& st, Direction dir, std::string_view bytes) {
  const auto keep_excerpt = [&](std::string_view piece) {
    if (st.excerpt_on && st.excerpt.size() < limits_.max_body_excerpt_bytes) {
      const std::size_t room = limits_.max_body_excerpt_bytes - st.excerpt.size();
      st.excerpt.append(clip(piece, room));
    }
  };
  if (st.inflater == nullptr || st.inflate_done) {
    count(st, dir, bytes.size());
    if (st.inflater == nullptr) keep_excerpt(bytes);
    return;
  }
  bool over = false;
  const auto status = st.inflater->feed(as_bytes(bytes), [&](std::string_view out) {
    if (over) return;
    st.inflated += out.size();
    count(st, dir, out.size());
    keep_excerpt(out);
    over = st.inflated > limits_.max_decompressed_bytes;
  });
  if (over) {
    sink_.anomaly(anomaly::kDecompressionLimit, "http.max_decompressed_bytes");
    st.inflate_done = true;
  } else if (status == Inflater::Status::kError) {
    sink_.anomaly(anomaly::kBadContentEncoding, "inflate failed");
    st.inflate_done = true;
    // Not compressed after all: the body is counted as sent from here on.
    if (st.inflated == 0) count(st, dir, bytes.size());
  } else if (status == Inflater::Status::kEnd) {
    st.inflate_done = true;
  }
  if (st.inflate_done) st.inflater.reset();
}

void HttpParser::end_message(Direction dir, PerDirection& st) {
  st.mode = Mode::kStart;
  st.in_message = false;
  Tx* tx = find(st.depth);
  if (tx != nullptr) {
    if (dir == Direction::kToServer) {
      tx->request_done = true;
    } else {
      tx->response_done = true;
    }
    if (dir == Direction::kToServer && !st.excerpt.empty()) {
      if (auto lookup = find_jndi_lookup(st.excerpt))
        sink_.anomaly(anomaly::kJndiLookup, "body: " + *lookup);
    }
    if (st.excerpt_on && !st.excerpt.empty() && (dir == Direction::kToClient || tx->fhir)) {
      FhirScan scan;
      scan_fhir_body(st.excerpt, scan);
      if (!scan.type.empty()) {
        tx->fhir = true;
        if (tx->fhir_type.empty()) tx->fhir_type = keep(scan.type);
        if (tx->fhir_id.empty() && scan.type == tx->fhir_type) tx->fhir_id = keep(scan.id);
      }
      phi(*tx, scan.type, scan);
    }
  }
  st.excerpt.clear();
  st.excerpt_on = false;
  st.inflater.reset();
  try_emit();
}

void HttpParser::check_digest(Tx& tx) {
  const std::string digest = std::move(tx.digest_credentials);
  tx.digest_credentials.clear();
  if (digest.empty() || tx.status_code < 200 || tx.status_code >= 400) return;
  if (digest_checks_ > 0 && tx.username == digest_user_) {
    tx.credentials = digest_verdict_;
  } else if (digest_checks_ < kMaxDigestChecks) {
    ++digest_checks_;
    digest_user_ = tx.username;
    auth::DigestCredentials d;
    digest_verdict_ =
        auth::parse_digest(digest, d) ? auth::check_digest(tx.method, d) : auth::Verdict{};
    tx.credentials = digest_verdict_;
  }
}

void HttpParser::emit(Tx& tx) {
  check_digest(tx);
  HttpTransaction e;
  e.ts = tx.ts;
  e.trans_depth = tx.depth;
  e.has_request = tx.has_request;
  e.has_response = tx.has_response;
  e.method = tx.method;
  e.uri = tx.uri;
  e.version = tx.version;
  e.host = tx.host;
  e.referrer = tx.referrer;
  e.origin = tx.origin;
  e.user_agent = tx.user_agent;
  e.request_content_type = tx.req_ct;
  e.request_body_len = tx.req_body_len;
  e.request_header_count = tx.req_headers;
  e.response_version = tx.resp_version;
  e.status_code = tx.status_code;
  e.status_msg = tx.status_msg;
  e.info_code = tx.info_code;
  e.info_msg = tx.info_msg;
  e.server = tx.server;
  e.response_content_type = tx.resp_ct;
  e.response_body_len = tx.resp_body_len;
  e.response_header_count = tx.resp_headers;
  e.auth_scheme = tx.auth;
  e.username = tx.username;
  e.credential_weakness = tx.credentials.weakness;
  e.credential_detail = tx.credentials.detail;
  e.fhir = tx.fhir;
  e.fhir_resource_type = tx.fhir_type;
  e.fhir_id = tx.fhir_id;
  e.phi_fields = std::span<const std::string_view>(tx.phi.data(), tx.phi_count);
  e.tags = std::span<const std::string_view>(tx.tags.data(), tx.tag_count);
  sink_.emit(e);
}

void HttpParser::try_emit() {
  while (!pending_.empty()) {
    Tx& front = pending_.front();
    if (!front.request_done || !front.response_done) return;
    // A direction whose message is still this one (cannot be: both done) keeps no reference.
    emit(front);
    pending_.pop_front();
  }
}

void HttpParser::flush_all() {
  for (Tx& tx : pending_) {
    if (tx.has_request && !tx.request_done) tx.tag("request_truncated");
    if (tx.has_response && !tx.response_done) tx.tag("response_truncated");
    emit(tx);
  }
  pending_.clear();
}

// Skips whole lines until (and including) a blank one; sets `blank_seen` then. Consumes
// partial lines too, so nothing is buffered (a CR at the very end waits for the next byte).
void HttpParser::skip_lines(PerDirection& st, std::string_view in, std::size_t& pos,
                            bool& blank_seen) {
  blank_seen = false;
  while (pos < in.size()) {
    if (st.line_start) {
      if (in[pos] == '\n') {
        ++pos;
        blank_seen = true;
        return;
      }
      if (in[pos] == '\r') {
        if (pos + 1 >= in.size()) return;
        if (in[pos + 1] == '\n') {
          pos += 2;
          blank_seen = true;
          return;
        }
      }
    }
    const std::size_t nl = in.find('\n', pos);
    if (nl == std::string_view::npos) {
      st.skipped += in.size() - pos;
      st.line_start = false;
      pos = in.size();
      return;
    }
    st.skipped += nl + 1 - pos;
    pos = nl + 1;
    st.line_start = true;
  }
}

// kStart: one start line and header block at in[pos...]. Returns false when it needs more.
bool HttpParser::start(Direction dir, PerDirection& st, std::string_view in, std::size_t& pos,
                       bool& fatal) {
  const bool request = dir == Direction::kToServer;
  const std::string_view bad_id =
      request ? anomaly::kInvalidRequestLine : anomaly::kInvalidStatusLine;
  const std::size_t avail = in.size() - pos;
  const std::size_t limit = limits_.max_header_bytes;
  const std::size_t nl = in.substr(pos, std::min(avail, limit)).find('\n');

  // HTTP/0.9 response (RFC 1945 §4.2 Simple-Response): no status line, the body runs to close.
  if (!request) {
    Tx* target = nullptr;
    for (Tx& t : pending_) {
      if (t.has_request && !t.response_done) {
        target = &t;
        break;
      }
    }
    const std::string_view head = in.substr(pos, std::min<std::size_t>(avail, 5));
    if (target != nullptr && target->http09 &&
        head != std::string_view("HTTP/").substr(0, head.size())) {
      target->has_response = true;
      target->resp_version = "0.9";
      st.depth = target->depth;
      st.in_message = true;
      st.mode = Mode::kUntilClose;
      st.excerpt_on = false;
      return true;
    }
  }

  if (nl == std::string_view::npos) {
    // Not a whole line yet. Give up early on bytes that cannot start an HTTP message.
    const std::string_view partial = in.substr(pos, std::min<std::size_t>(avail, 16));
    bool plausible = true;
    if (request) {
      for (std::size_t i = 0; i < partial.size() && partial[i] != ' '; ++i)
        plausible = plausible && is_tchar(partial[i]) && i < kMaxMethodBytes;
    } else {
      const std::string_view want = "HTTP/";
      plausible = partial.substr(0, std::min(partial.size(), want.size())) ==
                  want.substr(0, std::min(partial.size(), want.size()));
    }
    if (plausible && avail < limit) return false;
    if (plausible) {
      // A start line longer than the whole header limit: skip it.
      sink_.anomaly(anomaly::kHeaderTooLarge, "start line");
      st.depth = 0;                  // no transaction: what follows is counted nowhere
      st.mode = Mode::kSkipHeaders;  // skips from here to the blank line, nothing kept
      st.line_start = false;
      st.skipped = 0;
      return true;
    }
    if (!confirmed_) {  // not HTTP: the driver reports the ParseError as the anomaly
      fatal = true;
      return true;
    }
    once(st, bad_id, "not a start line");
    st.mode = Mode::kResync;
    st.line_start = false;
    return true;
  }

  const std::string_view first = chomp(in.substr(pos, nl + 1));
  RequestLine rl;
  StatusLine sl;
  const bool ok = request ? parse_request_line(first, rl) : parse_status_line(first, sl);
  if (!ok) {
    if (!confirmed_) {
      fatal = true;
      return true;
    }
    once(st, bad_id, "not a start line");
    pos += nl + 1;  // skip the line and look at the next one
    return true;
  }
  st.bad_start_reported = false;
  if (request && rl.version.empty()) {
    // HTTP/0.9: the request is the one line.
    confirm();
    begin_request(rl, first, false);
    pos += nl + 1;
    return true;
  }

  // The end of the header block: a line that is empty (RFC 9112 §2.1).
  std::size_t i = std::max(st.scanned, nl);
  std::size_t end = std::string_view::npos;
  const std::size_t stop = std::min(avail, limit + 2);
  const std::string_view msg = in.substr(pos, stop);
  while (i < msg.size()) {
    const std::size_t lf = msg.find('\n', i);
    if (lf == std::string_view::npos) {
      i = msg.size();
      break;
    }
    if (lf + 1 >= msg.size()) {
      i = lf;
      break;
    }
    if (msg[lf + 1] == '\n') {
      end = lf + 2;
      break;
    }
    if (msg[lf + 1] == '\r') {
      if (lf + 2 >= msg.size()) {
        i = lf;
        break;
      }
      if (msg[lf + 2] == '\n') {
        end = lf + 3;
        break;
      }
    }
    i = lf + 1;
  }
  if (end == std::string_view::npos || end > limit) {
    if (avail <= limit) {
      st.scanned = i;
      return false;
    }
    // RFC 9112 §5: the header block is over the limit. Keep the start line, skip the rest.
    sink_.anomaly(anomaly::kHeaderTooLarge, request ? "request" : "response");
    confirm();
    st.scanned = 0;
    if (request) {
      begin_request(rl, first, true);
    } else {
      begin_response(sl, first, true);
    }
    // The message's own framing is now unknown: finish skipping the header block first.
    st.mode = Mode::kSkipHeaders;
    st.line_start = true;
    st.skipped = 0;
    pos += nl + 1;
    return true;
  }
  st.scanned = 0;
  confirm();
  const std::string_view block = msg.substr(0, end);
  if (request) {
    begin_request(rl, block, false);
  } else {
    begin_response(sl, block, false);
  }
  pos += end;
  return true;
}

Result<Progress, ParseError> HttpParser::on_data(Direction dir, ByteView input) noexcept {
  PerDirection& st = dir_state(dir);
  const std::string_view in = as_chars(input.first(std::min(input.size(), kMaxCallBytes)));
  std::size_t pos = 0;
  while (pos < in.size()) {
    switch (st.mode) {
      case Mode::kStart: {
        // RFC 9112 §2.2: empty lines before a request line are ignored.
        if (!st.in_message && st.scanned == 0 && (in[pos] == '\r' || in[pos] == '\n')) {
          ++pos;
          break;
        }
        bool fatal = false;
        if (!start(dir, st, in, pos, fatal)) {
          return Progress{static_cast<std::uint32_t>(pos), 0};
        }
        if (fatal) {
          st.mode = Mode::kDead;
          return unexpected(ParseError{dir == Direction::kToServer ? anomaly::kInvalidRequestLine
                                                                   : anomaly::kInvalidStatusLine});
        }
        break;
      }
      case Mode::kSkipHeaders: {
        bool blank = false;
        skip_lines(st, in, pos, blank);
        if (!blank) {
          if (pos < in.size()) return Progress{static_cast<std::uint32_t>(pos), 1};
          break;
        }
        // The header block of an oversized message ended: its body framing is unknown.
        if (dir == Direction::kToServer) {
          end_message(dir, st);
        } else {
          st.mode = Mode::kUntilClose;
        }
        break;
      }
      case Mode::kBody:
      case Mode::kChunkData: {
        const std::size_t n =
            static_cast<std::size_t>(std::min<std::uint64_t>(st.remaining, in.size() - pos));
        body(st, dir, in.substr(pos, n));
        pos += n;
        st.remaining -= n;
        if (st.remaining == 0) {
          if (st.mode == Mode::kBody) {
            end_message(dir, st);
          } else {
            st.mode = Mode::kChunkCrlf;
          }
        }
        break;
      }
      case Mode::kChunkSize: {
        // RFC 9112 §7.1: chunk-size [ chunk-ext ] CRLF.
        const std::size_t avail = in.size() - pos;
        const std::size_t nl = in.substr(pos, std::min(avail, kMaxChunkLineBytes)).find('\n');
        if (nl == std::string_view::npos) {
          if (avail < kMaxChunkLineBytes) return Progress{static_cast<std::uint32_t>(pos), 0};
          sink_.anomaly(anomaly::kBadChunkSize, "chunk line too long");
          if (Tx* tx = find(st.depth)) tx->tag("bad_chunk_size");
          end_message(dir, st);
          break;
        }
        const std::string_view line = chomp(in.substr(pos, nl + 1));
        pos += nl + 1;
        std::size_t k = 0;
        while (k < line.size() && is_ws(line[k])) ++k;
        std::uint64_t size = 0;
        std::size_t digits = 0;
        bool bad = false;
        for (; k < line.size() && line[k] != ';'; ++k) {
          const char c = lower(line[k]);
          int v = -1;
          if (is_digit(c)) v = c - '0';
          if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
          if (v < 0) {
            if (is_ws(c)) continue;
            bad = true;
            break;
          }
          if (size > (std::uint64_t{1} << 59)) {  // would exceed 2^63: Zeek's 261 overflow case
            bad = true;
            break;
          }
          size = size * 16 + static_cast<std::uint64_t>(v);
          ++digits;
        }
        if (bad || digits == 0) {
          sink_.anomaly(anomaly::kBadChunkSize, clip(line, kDetailBytes));
          if (Tx* tx = find(st.depth)) tx->tag("bad_chunk_size");
          end_message(dir, st);
          break;
        }
        if (size == 0) {
          st.mode = Mode::kTrailers;
          st.line_start = true;
          st.skipped = 0;
        } else {
          st.mode = Mode::kChunkData;
          st.remaining = size;
        }
        break;
      }
      case Mode::kChunkCrlf: {
        if (in[pos] == '\n') {
          ++pos;
          st.mode = Mode::kChunkSize;
          break;
        }
        if (in[pos] == '\r') {
          if (pos + 1 >= in.size()) return Progress{static_cast<std::uint32_t>(pos), 1};
          if (in[pos + 1] == '\n') {
            pos += 2;
            st.mode = Mode::kChunkSize;
            break;
          }
        }
        sink_.anomaly(anomaly::kInvalidChunkFraming, "no CRLF after chunk data");
        st.mode = Mode::kChunkSize;
        break;
      }
      case Mode::kTrailers: {
        bool blank = false;
        const std::uint64_t before = st.skipped;
        skip_lines(st, in, pos, blank);
        if (before <= limits_.max_header_bytes && st.skipped > limits_.max_header_bytes)
          sink_.anomaly(anomaly::kHeaderTooLarge, "trailers");
        if (blank) {
          end_message(dir, st);
        } else if (pos < in.size()) {
          return Progress{static_cast<std::uint32_t>(pos), 1};
        }
        break;
      }
      case Mode::kUntilClose:
        body(st, dir, in.substr(pos));
        pos = in.size();
        break;
      case Mode::kResync: {
        // After a gap: the next line that parses as a start line begins a message.
        if (!st.line_start) {
          const std::size_t nl = in.find('\n', pos);
          if (nl == std::string_view::npos) {
            pos = in.size();
            break;
          }
          pos = nl + 1;
          st.line_start = true;
          break;
        }
        const std::size_t avail = in.size() - pos;
        const std::size_t nl = in.substr(pos, std::min<std::size_t>(avail, 8192)).find('\n');
        if (nl == std::string_view::npos) {
          if (avail < 8192) return Progress{static_cast<std::uint32_t>(pos), 0};
          st.line_start = false;
          break;
        }
        const std::string_view line = chomp(in.substr(pos, nl + 1));
        RequestLine rl;
        StatusLine sl;
        const bool ok = dir == Direction::kToServer
                            ? parse_request_line(line, rl) && !rl.version.empty()
                            : parse_status_line(line, sl);
        if (ok) {
          st.mode = Mode::kStart;
          st.scanned = 0;
          st.in_message = false;
          st.bad_start_reported = false;
          break;
        }
        pos += nl + 1;
        break;
      }
      case Mode::kDead:
        pos = in.size();
        break;
    }
  }
  return Progress{static_cast<std::uint32_t>(pos), 0};
}

void HttpParser::on_gap(Direction dir, std::uint64_t missing_bytes) noexcept {
  PerDirection& st = dir_state(dir);
  if (missing_bytes == 0) {
    // The stream ends inside a unit (the driver held an unconsumed tail).
    if (st.mode == Mode::kDead) return;
    if (st.in_message || st.mode == Mode::kStart) {
      sink_.anomaly(anomaly::kTruncatedAtEnd, dir == Direction::kToServer ? "request" : "response");
      if (Tx* tx = find(st.depth); tx != nullptr && st.in_message)
        tx->tag(dir == Direction::kToServer ? "request_truncated" : "response_truncated");
    }
    return;
  }
  Tx* tx = find(st.depth);
  const std::string_view gap_tag =
      dir == Direction::kToServer ? "request_body_gap" : "response_body_gap";
  switch (st.mode) {
    case Mode::kBody:
    case Mode::kChunkData:
      if (missing_bytes <= st.remaining) {
        // The gap lies inside the body: count it and go on at the right offset.
        st.remaining -= missing_bytes;
        st.inflater.reset();  // the compressed stream cannot continue: count raw bytes
        if (tx != nullptr) {
          (dir == Direction::kToServer ? tx->req_body_len : tx->resp_body_len) += missing_bytes;
          tx->tag(gap_tag);
        }
        st.excerpt_on = false;
        if (st.remaining == 0) {
          if (st.mode == Mode::kBody) {
            end_message(dir, st);
          } else {
            st.mode = Mode::kChunkCrlf;
          }
        }
        return;
      }
      break;
    case Mode::kUntilClose:
      st.inflater.reset();
      if (tx != nullptr) {
        (dir == Direction::kToServer ? tx->req_body_len : tx->resp_body_len) += missing_bytes;
        tx->tag(gap_tag);
      }
      st.excerpt_on = false;
      return;
    case Mode::kDead:
      return;
    default:
      break;
  }
  sink_.anomaly(anomaly::kGapUnrecoverable, dir == Direction::kToServer ? "request" : "response");
  if (tx != nullptr && st.in_message) {
    tx->tag(dir == Direction::kToServer ? "request_truncated" : "response_truncated");
    if (dir == Direction::kToServer) {
      tx->request_done = true;
    } else {
      tx->response_done = true;
    }
  }
  st.in_message = false;
  st.excerpt.clear();
  st.excerpt_on = false;
  st.inflater.reset();
  st.scanned = 0;
  st.mode = Mode::kResync;
  st.line_start = false;
  try_emit();
}

void HttpParser::on_end(Direction dir) noexcept {
  PerDirection& st = dir_state(dir);
  if (st.mode == Mode::kUntilClose && st.in_message) {
    end_message(dir, st);  // RFC 9112 §6.3 rule 8: the close delimits the body
  } else if (st.in_message && st.mode != Mode::kDead) {
    if (Tx* tx = find(st.depth))
      tx->tag(dir == Direction::kToServer ? "request_truncated" : "response_truncated");
  }
  ended_[static_cast<std::size_t>(bus::index(dir))] = true;
  if (ended_[0] && ended_[1]) flush_all();
}

std::uint32_t clamp_limit(std::uint64_t v, std::uint32_t lo, std::uint32_t hi) noexcept {
  return static_cast<std::uint32_t>(std::clamp<std::uint64_t>(v, lo, hi));
}

constexpr std::array<std::uint16_t, 10> kTcpPorts = {80,   81,   591,  3128, 8000,
                                                     8008, 8080, 8081, 8088, 8888};

std::unique_ptr<ParserFactory> configure(const LimitOverrides& overrides) {
  return std::make_unique<HttpParserFactory>(limits_from(overrides));
}

}  // namespace

bool decode_base64(std::string_view in, std::string& out, std::size_t max_out) {
  std::uint32_t acc = 0;
  int bits = 0;
  bool padding = false;
  for (const char c : in) {
    int v = -1;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    if (is_digit(c)) v = c - '0' + 52;
    if (c == '+') v = 62;
    if (c == '/') v = 63;
    if (c == '=') {
      padding = true;
      continue;
    }
    if (v < 0 || padding) return false;
    acc = ((acc << 6) | static_cast<std::uint32_t>(v)) & 0xFFFFFF;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (out.size() < max_out) out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return true;
}

bool fhir_path(std::string_view uri, std::string_view& type, std::string_view& id) noexcept {
  // Drop the scheme and authority of an absolute URI, then the query and fragment.
  if (const std::size_t s = uri.find("://"); s != std::string_view::npos && s < 8) {
    const std::size_t slash = uri.find('/', s + 3);
    uri = slash == std::string_view::npos ? std::string_view{} : uri.substr(slash);
  }
  uri = uri.substr(0, std::min(uri.find('?'), uri.find('#')));
  bool after_fhir = false;
  std::size_t p = 0;
  for (int guard = 0; guard < 64 && p < uri.size(); ++guard) {
    while (p < uri.size() && uri[p] == '/') ++p;
    const std::size_t e = std::min(uri.size(), uri.find('/', p));
    const std::string_view seg = uri.substr(p, e - p);
    p = e;
    if (seg.empty()) break;
    if (!after_fhir) {
      after_fhir = iequals(seg, "fhir");
      continue;
    }
    // A resource type is a capitalised name (FHIR R4 §2.1.0 ResourceType); version or tenant
    // segments ("R4", "baseR4", "tenant1") before it are skipped.
    const bool name = seg.front() >= 'A' && seg.front() <= 'Z' && seg.size() > 2 &&
                      std::all_of(seg.begin(), seg.end(), [](char c) {
                        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
                      });
    if (!name) continue;
    type = seg;
    id = {};
    while (p < uri.size() && uri[p] == '/') ++p;
    const std::size_t ie = std::min(uri.size(), uri.find('/', p));
    const std::string_view next = uri.substr(p, ie - p);
    // "_search", "_history" and "$operation" are not ids (FHIR R4 §3.1.0.1).
    if (!next.empty() && next.front() != '_' && next.front() != '$') id = next;
    return true;
  }
  return false;
}

std::unique_ptr<StreamParser> HttpParserFactory::make(EventSink& sink) const {
  return std::make_unique<HttpParser>(sink, limits_);
}

Limits limits_from(const LimitOverrides& o) {
  const Limits d;
  Limits l;
  l.max_header_bytes =
      clamp_limit(o.get("http.max_header_bytes", d.max_header_bytes), 256, kMaxHeaderBytesCeiling);
  l.max_headers = clamp_limit(o.get("http.max_headers", d.max_headers), 1, 65535);
  l.max_pending_transactions =
      clamp_limit(o.get("http.max_pending_transactions", d.max_pending_transactions), 1, 4096);
  l.max_field_bytes = clamp_limit(o.get("http.max_field_bytes", d.max_field_bytes), 16, 65536);
  l.max_body_excerpt_bytes =
      clamp_limit(o.get("http.max_body_excerpt_bytes", d.max_body_excerpt_bytes), 0, 1024 * 1024);
  l.max_decompressed_bytes =
      clamp_limit(o.get("http.max_decompressed_bytes", d.max_decompressed_bytes), 0, 0xFFFFFFFFU);
  return l;
}

Probe probe(Direction /*dir*/, ByteView first_bytes) noexcept {
  const std::string_view s =
      as_chars(first_bytes.first(std::min<std::size_t>(first_bytes.size(), 8192)));
  const std::size_t nl = s.find('\n');
  if (nl == std::string_view::npos) {
    // The flow layer may hold fewer bytes than a whole request line (flow.probe_bytes).
    // "HTTP/d.d ddd " and a registered method followed by " /" or " http" are enough.
    StatusLine sl;
    if (s.size() >= 13 && parse_status_line(s.substr(0, 12), sl) && s[12] == ' ')
      return Probe::kYes;
    const std::string_view want = "HTTP/";
    const std::size_t n = std::min(s.size(), want.size());
    if (s.substr(0, n) == want.substr(0, n)) return s.size() >= 8192 ? Probe::kNo : Probe::kMaybe;
    const std::size_t sp = s.find(' ');
    const std::string_view m = s.substr(0, std::min(s.size(), sp));
    if (m.size() > kMaxMethodBytes || !std::all_of(m.begin(), m.end(), is_tchar)) return Probe::kNo;
    if (sp != std::string_view::npos && is_known_method(m)) {
      const std::string_view target = s.substr(sp + 1);
      if (target.size() >= 2 && (target[0] == '/' || iequals(clip(target, 4), "http")))
        return target[0] == '/' || target.size() >= 4 ? Probe::kYes : Probe::kMaybe;
    }
    return s.size() >= 8192 ? Probe::kNo : Probe::kMaybe;
  }
  const std::string_view line = chomp(s.substr(0, nl + 1));
  StatusLine sl;
  if (parse_status_line(line, sl)) return Probe::kYes;
  RequestLine rl;
  if (parse_request_line(line, rl) && !rl.version.empty()) return Probe::kYes;
  return Probe::kNo;
}

const ParserSpec& parser_spec() {
  static const ParserSpec spec{
      "http", kTcpPorts, &probe, &configure, &make_http_log,
  };
  return spec;
}

}  // namespace ward::parsers::http
