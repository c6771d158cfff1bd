#include "parsers/rtsp/rtsp_parser.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <deque>
#include <utility>
#include <vector>

#include "parsers/rtp/rtp_parser.h"
#include "parsers/rtsp/rtsp_log.h"

namespace ward::parsers::rtsp {
namespace {

// The most input handled in one call, so `consumed` always fits Progress::consumed.
constexpr std::size_t kMaxCallBytes = std::size_t{1} << 30;
constexpr std::size_t kSdpValueBytes = 64;  // bound on each SDP value copied

// RFC 2326 §10 and RFC 7826 §13 (PLAY_NOTIFY); REDIRECT is RTSP 1.0 only.
constexpr std::array<std::string_view, 12> kMethods = {
    "OPTIONS",  "DESCRIBE", "SETUP",         "PLAY",          "PAUSE",    "TEARDOWN",
    "ANNOUNCE", "RECORD",   "GET_PARAMETER", "SET_PARAMETER", "REDIRECT", "PLAY_NOTIFY"};

char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

bool istarts_with(std::string_view s, std::string_view prefix) noexcept {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

std::string_view clip(std::string_view s, std::size_t n) noexcept {
  return s.substr(0, std::min(s.size(), n));
}

std::string_view unquote(std::string_view s) noexcept {
  s = trim(s);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') return s.substr(1, s.size() - 2);
  return s;
}

template <typename T>
bool parse_uint(std::string_view s, T& out) noexcept {
  if (s.empty()) return false;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

// "5000-5001" or "5000" -> {5000, 5001} / {5000, -1}; values outside 0..65535 are ignored.
std::array<int, 2> parse_range(std::string_view v) noexcept {
  std::array<int, 2> out{-1, -1};
  const std::size_t dash = v.find('-');
  unsigned a = 0, b = 0;
  if (parse_uint(trim(v.substr(0, dash)), a) && a <= 65535) out[0] = static_cast<int>(a);
  if (dash != std::string_view::npos && parse_uint(trim(v.substr(dash + 1)), b) && b <= 65535)
    out[1] = static_cast<int>(b);
  return out;
}

bool is_method(std::string_view m) noexcept {
  return std::find(kMethods.begin(), kMethods.end(), m) != kMethods.end();
}

// "RTSP/1.0", "RTSP/2.0": the protocol version token (RFC 2326 §3.1, RFC 7826 §7.1.2).
bool is_version(std::string_view v) noexcept {
  return v.size() == 8 && v.substr(0, 5) == "RTSP/" && v[5] >= '0' && v[5] <= '9' && v[6] == '.' &&
         v[7] >= '0' && v[7] <= '9';
}

struct StartLine {
  bool request = false;
  std::string_view method, uri, version;
  int status = 0;
  std::string_view reason;
};

// RFC 2326 §6.1 Request-Line and §7.1 Status-Line.
bool parse_start_line(std::string_view line, StartLine& out) noexcept {
  line = trim(line);
  const std::size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return false;
  const std::string_view first = line.substr(0, sp1);
  std::string_view rest = line.substr(sp1 + 1);
  if (is_version(first)) {
    unsigned code = 0;
    if (rest.size() < 3 || !parse_uint(rest.substr(0, 3), code) || code < 100 || code > 999)
      return false;
    if (rest.size() > 3 && rest[3] != ' ') return false;
    out.request = false;
    out.version = first;
    out.status = static_cast<int>(code);
    out.reason = rest.size() > 4 ? trim(rest.substr(4)) : std::string_view{};
    return true;
  }
  // A method: an RFC 2326 token; the known ones or an extension of upper-case letters and '_'.
  if (first.empty() || first.size() > 32) return false;
  for (char c : first)
    if (!((c >= 'A' && c <= 'Z') || c == '_')) return false;
  const std::size_t sp2 = rest.rfind(' ');
  if (sp2 == std::string_view::npos) return false;
  const std::string_view uri = rest.substr(0, sp2);
  const std::string_view version = rest.substr(sp2 + 1);
  if (uri.empty() || uri.find(' ') != std::string_view::npos || !is_version(version)) return false;
  out.request = true;
  out.method = first;
  out.uri = uri;
  out.version = version;
  return true;
}

// True iff `line` (without its line end) is a request or status line: used to resynchronise.
bool looks_like_start_line(std::string_view line) noexcept {
  StartLine s;
  return parse_start_line(line, s);
}

// The headers of one message the parser looks at (RFC 2326 §12); views into the input.
struct Headers {
  bool has_cseq = false;
  std::uint32_t cseq = 0;
  std::string_view session, user_agent, server, authorization, content_type, transport;
  std::string www_authenticate;  // challenge schemes joined by ','
  bool has_content_length = false;
  bool bad_content_length = false;
  std::uint64_t content_length = 0;
};

void parse_headers(std::string_view block, Headers& h) {
  std::size_t pos = 0;
  while (pos < block.size()) {
    std::size_t nl = block.find('\n', pos);
    if (nl == std::string_view::npos) nl = block.size();
    const std::string_view line = trim(block.substr(pos, nl - pos));
    pos = nl + 1;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view name = trim(line.substr(0, colon));
    const std::string_view value = trim(line.substr(colon + 1));
    if (iequals(name, "CSeq")) {
      std::uint32_t v = 0;
      if (parse_uint(value, v)) {
        h.has_cseq = true;
        h.cseq = v;
      }
    } else if (iequals(name, "Session")) {
      h.session = trim(value.substr(0, value.find(';')));
    } else if (iequals(name, "User-Agent")) {
      h.user_agent = value;
    } else if (iequals(name, "Server")) {
      h.server = value;
    } else if (iequals(name, "Authorization")) {
      h.authorization = value;
    } else if (iequals(name, "WWW-Authenticate")) {
      const std::string_view scheme = value.substr(0, value.find(' '));
      if (!scheme.empty() && h.www_authenticate.size() < 64) {
        if (!h.www_authenticate.empty()) h.www_authenticate.push_back(',');
        h.www_authenticate.append(clip(scheme, 16));
      }
    } else if (iequals(name, "Content-Type")) {
      h.content_type = value;
    } else if (iequals(name, "Content-Length")) {
      std::uint64_t v = 0;
      if (parse_uint(value, v) && (!h.has_content_length || v == h.content_length)) {
        h.content_length = v;
      } else {
        h.bad_content_length = true;  // not a number, or two different lengths
      }
      h.has_content_length = true;
    } else if (iequals(name, "Transport")) {
      h.transport = value;
    }
  }
}

// RFC 4648 §4 base64 into `out` (at most `max` bytes). Returns false on a bad character.
bool base64_decode(std::string_view in, std::string& out, std::size_t max) {
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = -1;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    if (c >= '0' && c <= '9') v = c - '0' + 52;
    if (c == '+') v = 62;
    if (c == '/') v = 63;
    if (c == '=') break;
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (out.size() >= max) return true;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return true;
}

struct UrlParts {
  std::string sanitized;  // without the userinfo
  std::string user;
  bool password = false;
  auth::Verdict verdict;  // of the user:password, checked here; the password is not kept
};

// rtsp://[user[:password]@]host[:port]/path (RFC 2326 §3.2, RFC 3986 §3.2.1).
UrlParts split_url(std::string_view uri, std::size_t max_bytes) {
  UrlParts out;
  const std::size_t scheme_end = uri.find("://");
  if (scheme_end != std::string_view::npos) {
    const std::size_t auth_start = scheme_end + 3;
    std::size_t auth_end = uri.find_first_of("/?#", auth_start);
    if (auth_end == std::string_view::npos) auth_end = uri.size();
    const std::string_view authority = uri.substr(auth_start, auth_end - auth_start);
    const std::size_t at = authority.rfind('@');
    if (at != std::string_view::npos) {
      const std::string_view userinfo = authority.substr(0, at);
      const std::size_t colon = userinfo.find(':');
      out.user = std::string(clip(userinfo.substr(0, colon), 256));
      out.password = colon != std::string_view::npos;
      if (out.password)
        out.verdict = auth::check_password(userinfo.substr(0, colon), userinfo.substr(colon + 1));
      out.sanitized = std::string(uri.substr(0, auth_start));
      out.sanitized.append(uri.substr(auth_start + at + 1));
      if (out.sanitized.size() > max_bytes) out.sanitized.resize(max_bytes);
      return out;
    }
  }
  out.sanitized = std::string(clip(uri, max_bytes));
  return out;
}

}  // namespace

std::string auth_user_name(std::string_view scheme, std::string_view credentials) {
  credentials = trim(credentials);
  if (iequals(scheme, "Basic")) {
    // RFC 7617 §2: base64(user-id ":" password). Only the part before ':' is kept.
    std::string decoded;
    if (!base64_decode(clip(credentials, 1024), decoded, 768)) return {};
    const std::size_t colon = decoded.find(':');
    std::string user = decoded.substr(0, std::min(colon, std::size_t{256}));
    std::fill(decoded.begin(), decoded.end(), '\0');  // the password does not linger
    return user;
  }
  if (iequals(scheme, "Digest")) {
    // RFC 7616 §3.4: comma-separated auth-params; username="..." (quoted).
    std::size_t pos = 0;
    while (pos < credentials.size()) {
      std::size_t end = pos;
      bool quoted = false;
      while (end < credentials.size() && (quoted || credentials[end] != ',')) {
        if (credentials[end] == '"') quoted = !quoted;
        ++end;
      }
      const std::string_view param = trim(credentials.substr(pos, end - pos));
      const std::size_t eq = param.find('=');
      if (eq != std::string_view::npos && iequals(trim(param.substr(0, eq)), "username"))
        return std::string(clip(unquote(param.substr(eq + 1)), 256));
      pos = end + 1;
    }
  }
  return {};
}

TransportInfo parse_transport(std::string_view value, std::size_t max_bytes) {
  TransportInfo t;
  // The first of the comma-separated alternatives (RFC 2326 §12.39).
  std::size_t end = 0;
  bool quoted = false;
  while (end < value.size() && (quoted || value[end] != ',')) {
    if (value[end] == '"') quoted = !quoted;
    ++end;
  }
  const std::string_view alt = trim(value.substr(0, end));
  t.raw = std::string(clip(alt, max_bytes));
  std::size_t pos = 0;
  bool first = true;
  while (pos <= alt.size()) {
    std::size_t semi = alt.find(';', pos);
    if (semi == std::string_view::npos) semi = alt.size();
    const std::string_view param = trim(alt.substr(pos, semi - pos));
    pos = semi + 1;
    if (first) {
      // transport-protocol/profile[/lower-transport]
      first = false;
      const std::size_t s1 = param.find('/');
      const std::size_t s2 = s1 == std::string_view::npos ? s1 : param.find('/', s1 + 1);
      t.profile = std::string(clip(param.substr(0, s2), 32));
      if (s2 != std::string_view::npos) t.lower = std::string(clip(param.substr(s2 + 1), 8));
      continue;
    }
    const std::size_t eq = param.find('=');
    const std::string_view key = trim(param.substr(0, eq));
    const std::string_view v =
        eq == std::string_view::npos ? std::string_view{} : unquote(param.substr(eq + 1));
    if (iequals(key, "unicast")) t.multicast = false;
    if (iequals(key, "multicast")) t.multicast = true;
    if (iequals(key, "client_port")) t.client_port = parse_range(v);
    if (iequals(key, "server_port")) t.server_port = parse_range(v);
    if (iequals(key, "interleaved")) t.interleaved = parse_range(v);
    if (iequals(key, "port")) t.port = parse_range(v);
    if (iequals(key, "destination")) t.destination = std::string(clip(v, 64));
    if (iequals(key, "source")) t.source = std::string(clip(v, 64));
    if (iequals(key, "ssrc")) t.ssrc = std::string(clip(v, 16));
    if (iequals(key, "mode")) t.mode = std::string(clip(v, 16));
    if (semi == alt.size()) break;
  }
  return t;
}

bool parse_sdp(std::string_view body, const Limits& limits, SdpSummary& out) {
  out.present = true;
  bool complete = true;
  SdpMedia* current = nullptr;
  std::size_t pos = 0;
  while (pos < body.size()) {
    std::size_t nl = body.find('\n', pos);
    if (nl == std::string_view::npos) nl = body.size();
    const std::string_view line = trim(body.substr(pos, nl - pos));
    pos = nl + 1;
    if (line.size() < 2 || line[1] != '=') continue;
    const std::string_view v = line.substr(2);
    if (line[0] == 'm') {
      // RFC 4566 §5.14: m=<media> <port>[/<number of ports>] <proto> <fmt> ...
      if (out.media.size() >= limits.max_sdp_media) {
        complete = false;
        current = nullptr;
        continue;
      }
      SdpMedia& m = out.media.emplace_back();
      current = &m;
      const std::size_t s1 = v.find(' ');
      m.media = std::string(clip(v.substr(0, s1), kSdpValueBytes));
      if (s1 == std::string_view::npos) continue;
      const std::string_view rest = v.substr(s1 + 1);
      const std::size_t s2 = rest.find(' ');
      unsigned port = 0;
      if (parse_uint(rest.substr(0, std::min(s2, rest.find('/'))), port) && port <= 65535)
        m.port = static_cast<int>(port);
      if (s2 == std::string_view::npos) continue;
      const std::string_view rest2 = rest.substr(s2 + 1);
      const std::size_t s3 = rest2.find(' ');
      m.proto = std::string(clip(rest2.substr(0, s3), kSdpValueBytes));
      if (s3 != std::string_view::npos)
        m.formats = std::string(clip(trim(rest2.substr(s3 + 1)), kSdpValueBytes));
    } else if (line[0] == 'a') {
      if (istarts_with(v, "crypto:")) out.crypto = true;  // RFC 4568: the key is not kept
      if (!istarts_with(v, "rtpmap:") || current == nullptr) continue;
      // RFC 4566 §6: a=rtpmap:<payload type> <encoding name>/<clock rate>[/<parameters>]
      if (current->codecs.size() >= limits.max_sdp_codecs) {
        complete = false;
        continue;
      }
      const std::string_view map = v.substr(7);
      const std::size_t sp = map.find(' ');
      if (sp == std::string_view::npos) continue;
      current->codecs.emplace_back(clip(trim(map.substr(sp + 1)), kSdpValueBytes));
    }
  }
  return complete;
}

namespace {

class RtspParser final : public StreamParser {
 public:
  RtspParser(EventSink& sink, const Limits& limits) : sink_(sink), limits_(limits) {}

  Result<Progress, ParseError> on_data(Direction dir, ByteView input) noexcept override;
  void on_gap(Direction dir, std::uint64_t missing_bytes) noexcept override;
  void on_end(Direction dir) noexcept override;

 private:
  enum class Mode : std::uint8_t {
    kStart,        // at a message boundary
    kSkipBody,     // discarding `skip` body bytes of an oversized message
    kSkipHeaders,  // discarding an oversized header block up to its empty line
    kResync,       // after a gap: discarding lines until a start line
  };
  struct PerDirection {
    Mode mode = Mode::kStart;
    std::uint64_t skip = 0;
    std::size_t line_len = 0;  // kSkipHeaders: bytes in the current line so far
    bool malformed_reported = false;
    bool ended = false;
  };
  struct Channel {
    std::uint8_t id = 0;
    rtp::RtpSources sources;
  };

  // Parses one complete header block (and its body, when `body` is given) at `header`.
  void process(Direction dir, std::string_view header, std::string_view body,
               std::uint64_t body_bytes);
  void on_request(Direction dir, const StartLine& s, const Headers& h, std::string_view body,
                  std::uint64_t body_bytes);
  void on_response(Direction dir, const StartLine& s, const Headers& h, std::string_view body,
                   std::uint64_t body_bytes);
  void announce_rtp_flows(const RtspRequest& req, const TransportInfo& t);
  void emit_unanswered(const RtspRequest& req);
  void on_interleaved(Direction dir, std::uint8_t channel, ByteView packet);
  void confirm() {
    if (confirmed_) return;
    confirmed_ = true;
    sink_.confirm_protocol();
  }
  void once(std::uint32_t bit, std::string_view id, std::string_view detail) {
    if ((reported_ & bit) != 0) return;
    reported_ |= bit;
    sink_.anomaly(id, detail);
  }

  EventSink& sink_;
  // Checks the Digest credentials of an accepted request (auth::check_digest), at most
  // kMaxDigestChecks times per connection; an accepted user's verdict is reused for the same
  // user (a server keeps one password per user).
  void check_digest(RtspRequest& r);
  static constexpr int kMaxDigestChecks = 4;

  const Limits limits_;
  int digest_checks_ = 0;
  std::string digest_user_;  // the last user checked, and its verdict
  auth::Verdict digest_verdict_;
  std::array<PerDirection, 2> dirs_{};
  std::deque<RtspRequest> pending_;  // both directions, oldest first, at most max_pending
  std::vector<Channel> channels_;
  bool confirmed_ = false;
  bool finished_ = false;
  std::uint32_t reported_ = 0;  // anomalies said once per connection
};

enum OnceBit : std::uint32_t {
  kOnceUnmatched = 1U << 0,
  kOnceChannels = 1U << 1,
  kOnceRtpSources = 1U << 2,
};

Result<Progress, ParseError> RtspParser::on_data(Direction dir, ByteView input) noexcept {
  PerDirection& st = dirs_[static_cast<std::size_t>(bus::index(dir))];
  const std::size_t size = std::min(input.size(), kMaxCallBytes);
  const std::string_view text = as_chars(input.first(size));
  std::size_t pos = 0;
  const auto stop = [&pos](std::size_t needed) {
    return Progress{static_cast<std::uint32_t>(pos), static_cast<std::uint32_t>(needed)};
  };
  while (pos < size) {
    switch (st.mode) {
      case Mode::kSkipBody: {
        const std::size_t n =
            static_cast<std::size_t>(std::min<std::uint64_t>(st.skip, size - pos));
        pos += n;
        st.skip -= n;
        if (st.skip == 0) st.mode = Mode::kStart;
        continue;
      }
      case Mode::kSkipHeaders: {
        // Up to and including the empty line that ends the header block.
        while (pos < size && st.mode == Mode::kSkipHeaders) {
          const char c = text[pos++];
          if (c == '\n') {
            if (st.line_len == 0) st.mode = Mode::kStart;
            st.line_len = 0;
          } else if (c != '\r') {
            ++st.line_len;
          }
        }
        continue;
      }
      case Mode::kResync: {
        const std::size_t nl = text.find('\n', pos);
        if (nl == std::string_view::npos) {
          if (size - pos > limits_.max_header_bytes) {
            pos = size;  // a line this long is not a start line: drop it
            continue;
          }
          return stop(0);
        }
        if (looks_like_start_line(text.substr(pos, nl - pos))) {
          st.mode = Mode::kStart;
        } else {
          pos = nl + 1;
        }
        continue;
      }
      case Mode::kStart:
        break;
    }
    const char c = text[pos];
    if (c == '\r' || c == '\n') {  // empty lines between messages are tolerated
      ++pos;
      continue;
    }
    if (c == '$') {
      // RFC 2326 §10.12: '$', one-byte channel, two-byte length, then the packet.
      if (size - pos < 4) return stop(4 - (size - pos));
      const std::size_t len = load_u16be(input, pos + 2);
      if (size - pos < 4 + len) return stop(4 + len - (size - pos));
      on_interleaved(dir, input[pos + 1], input.subspan(pos + 4, len));
      pos += 4 + len;
      continue;
    }
    // A message: the header block ends with an empty line.
    const std::size_t window = std::min<std::size_t>(size - pos, limits_.max_header_bytes + 4);
    const std::string_view head = text.substr(pos, window);
    std::size_t end = head.find("\r\n\r\n");
    std::size_t term = 4;
    const std::size_t lf = head.find("\n\n");
    if (lf != std::string_view::npos && (end == std::string_view::npos || lf < end)) {
      end = lf;
      term = 2;
    }
    // The first line must be a start line; otherwise drop it and look at the next one.
    const std::size_t first_nl = head.find('\n');
    if (first_nl != std::string_view::npos || end != std::string_view::npos) {
      StartLine s;
      if (!parse_start_line(head.substr(0, first_nl), s)) {
        if (!st.malformed_reported) {
          st.malformed_reported = true;
          sink_.anomaly(anomaly::kMalformedStartLine, clip(head.substr(0, first_nl), 32));
        }
        if (first_nl == std::string_view::npos) {
          pos = size;
        } else {
          pos += first_nl + 1;
        }
        continue;
      }
    }
    if (end == std::string_view::npos) {
      if (size - pos >= limits_.max_header_bytes) {
        sink_.anomaly(anomaly::kHeaderTooLong, "rtsp.max_header_bytes");
        st.mode = Mode::kSkipHeaders;
        st.line_len = 1;
        continue;
      }
      return stop(0);
    }
    st.malformed_reported = false;
    const std::size_t header_len = end + term;
    Headers h;
    parse_headers(head.substr(0, end), h);
    std::uint64_t body_bytes = h.bad_content_length ? 0 : h.content_length;
    if (body_bytes <= limits_.max_body_bytes) {
      const std::size_t total = header_len + static_cast<std::size_t>(body_bytes);
      if (size - pos < total) return stop(total - (size - pos));
      process(dir, head.substr(0, end), text.substr(pos + header_len, body_bytes), body_bytes);
      pos += total;
    } else {
      sink_.anomaly(anomaly::kBodyTooLarge, "rtsp.max_body_bytes");
      process(dir, head.substr(0, end), {}, body_bytes);
      pos += header_len;
      st.mode = Mode::kSkipBody;
      st.skip = body_bytes;
    }
  }
  return stop(0);
}

void RtspParser::on_gap(Direction dir, std::uint64_t missing_bytes) noexcept {
  PerDirection& st = dirs_[static_cast<std::size_t>(bus::index(dir))];
  if (missing_bytes == 0) {
    sink_.anomaly(anomaly::kTruncatedAtEnd, "stream ended inside a message");
    return;
  }
  if (st.mode == Mode::kSkipBody && st.skip > missing_bytes) {
    st.skip -= missing_bytes;  // the hole is inside a body being skipped: still in step
    return;
  }
  sink_.anomaly(anomaly::kGap, "bytes missing: resynchronising on the next start line");
  st.mode = Mode::kResync;
}

void RtspParser::on_end(Direction dir) noexcept {
  dirs_[static_cast<std::size_t>(bus::index(dir))].ended = true;
  if (finished_ || !dirs_[0].ended || !dirs_[1].ended) return;
  finished_ = true;
  while (!pending_.empty()) {
    emit_unanswered(pending_.front());
    pending_.pop_front();
  }
  for (const Channel& ch : channels_) ch.sources.emit(sink_, "interleaved", ch.id);
}

void RtspParser::process(Direction dir, std::string_view header, std::string_view body,
                         std::uint64_t body_bytes) {
  const std::size_t nl = header.find('\n');
  StartLine s;
  if (!parse_start_line(header.substr(0, nl), s)) return;  // checked by the caller
  Headers h;
  parse_headers(nl == std::string_view::npos ? std::string_view{} : header.substr(nl + 1), h);
  if (h.bad_content_length) sink_.anomaly(anomaly::kBadContentLength, "Content-Length");
  confirm();
  if (s.request) {
    on_request(dir, s, h, body, body_bytes);
  } else {
    on_response(dir, s, h, body, body_bytes);
  }
}

void RtspParser::on_request(Direction dir, const StartLine& s, const Headers& h,
                            std::string_view body, std::uint64_t body_bytes) {
  const std::size_t max = limits_.max_field_bytes;
  RtspRequest r;
  r.dir = dir;
  r.ts = sink_.packet_time();
  r.method = std::string(s.method);
  UrlParts url = split_url(s.uri, max);
  r.uri = std::move(url.sanitized);
  r.url_user = std::move(url.user);
  r.credentials_in_url = url.password;
  r.version = std::string(s.version);
  r.has_cseq = h.has_cseq;
  r.cseq = h.cseq;
  r.session = std::string(clip(h.session, max));
  r.user_agent = std::string(clip(h.user_agent, max));
  if (!h.authorization.empty()) {
    const std::size_t sp = h.authorization.find(' ');
    const std::string_view scheme = h.authorization.substr(0, sp);
    r.auth_scheme = std::string(clip(scheme, 32));
    r.auth_user = auth_user_name(
        scheme, sp == std::string_view::npos ? std::string_view{} : h.authorization.substr(sp + 1));
    // RFC 7617 §4: Basic sends the password in clear (base64 only).
    if (iequals(scheme, "Basic")) {
      sink_.anomaly(anomaly::kBasicAuthCleartext, "Authorization: Basic over plain RTSP");
      const auth::Verdict v = auth::check_authorization(s.method, h.authorization);
      r.credential_weakness = v.weakness;
      r.credential_detail = v.detail;
    } else if (iequals(scheme, "Digest") && h.authorization.size() <= max) {
      r.digest_credentials = std::string(h.authorization);  // checked if a response accepts it
    }
  }
  if (r.credentials_in_url) {
    sink_.anomaly(anomaly::kCredentialsInUrl, "a password in the request URL (not logged)");
    if (r.credential_weakness == auth::Weakness::kNone) {
      r.credential_weakness = url.verdict.weakness;
      r.credential_detail = url.verdict.detail;
    }
  }
  r.content_type = std::string(clip(h.content_type, max));
  r.body_bytes = body_bytes;
  if (!h.transport.empty()) r.transport = parse_transport(h.transport, max);
  if (!body.empty() && istarts_with(h.content_type, "application/sdp") &&
      !parse_sdp(body, limits_, r.sdp))
    sink_.anomaly(anomaly::kSdpTruncated, "rtsp.max_sdp_media / rtsp.max_sdp_codecs");
  if (pending_.size() >= limits_.max_pending_requests) {
    sink_.anomaly(anomaly::kTooManyPending, "rtsp.max_pending_requests");
    emit_unanswered(pending_.front());
    pending_.pop_front();
  }
  pending_.push_back(std::move(r));
}

void RtspParser::on_response(Direction dir, const StartLine& s, const Headers& h,
                             std::string_view body, std::uint64_t body_bytes) {
  // The request it answers went the other way: the one with its CSeq, else the oldest.
  // (Indices, not iterators: erasing from the deque invalidates its iterators.)
  constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  std::size_t match = kNone;
  for (std::size_t i = 0; i < pending_.size(); ++i) {
    const RtspRequest& r = pending_[i];
    if (r.dir != dir && (!h.has_cseq || !r.has_cseq || r.cseq == h.cseq)) {
      match = i;
      break;
    }
  }
  // Requests older than the answered one, in the same direction, will not be answered (RFC
  // 2326 §12.17: responses come in CSeq order): flush them first.
  if (match != kNone) {
    const Direction request_dir = pending_[match].dir;
    for (std::size_t i = 0; i < match;) {
      if (pending_[i].dir == request_dir) {
        emit_unanswered(pending_[i]);
        pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(i));
        --match;
      } else {
        ++i;
      }
    }
  }
  if (match != kNone && s.status >= 200 && s.status < 400) check_digest(pending_[match]);
  const RtspRequest* req = match == kNone ? nullptr : &pending_[match];
  if (req == nullptr)
    once(kOnceUnmatched, anomaly::kUnmatchedResponse, "a response without a request seen");

  RtspTransaction tx;
  tx.request = req;
  tx.has_response = true;
  tx.response_ts = sink_.packet_time();
  tx.response_version = s.version;
  tx.status = s.status;
  tx.reason = s.reason;
  tx.response_has_cseq = h.has_cseq;
  tx.response_cseq = h.cseq;
  tx.server = h.server;
  tx.session = h.session;
  tx.www_authenticate = h.www_authenticate;
  tx.content_type = h.content_type;
  tx.response_body_bytes = body_bytes;
  TransportInfo transport;
  if (!h.transport.empty()) {
    transport = parse_transport(h.transport, limits_.max_field_bytes);
    tx.response_transport = &transport;
  }
  SdpSummary sdp;
  if (!body.empty() && istarts_with(h.content_type, "application/sdp")) {
    if (!parse_sdp(body, limits_, sdp))
      sink_.anomaly(anomaly::kSdpTruncated, "rtsp.max_sdp_media / rtsp.max_sdp_codecs");
    tx.response_sdp = &sdp;
  }
  if (req != nullptr) {
    const bool ok = s.status >= 200 && s.status < 400;
    const bool refused = s.status == 401 || s.status == 403;
    if (!req->auth_scheme.empty()) {
      if (ok) tx.auth_result = "success";
      if (refused) {
        tx.auth_result = "failure";
        sink_.anomaly(anomaly::kAuthFailed, "credentials refused");
      }
    } else if (s.status == 401) {
      tx.auth_result = "challenge";
    }
    // RFC 2326 §12.39: the response's Transport gives the server's choice (and ports).
    if (req->method == "SETUP" && s.status >= 200 && s.status < 300)
      announce_rtp_flows(*req, tx.response_transport != nullptr ? transport : req->transport);
  }
  sink_.emit(tx);
  if (match != kNone) pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(match));
}

void RtspParser::check_digest(RtspRequest& r) {
  if (r.digest_credentials.empty()) return;
  if (digest_checks_ > 0 && r.auth_user == digest_user_) {
    r.credential_weakness = digest_verdict_.weakness;
    r.credential_detail = digest_verdict_.detail;
  } else if (digest_checks_ < kMaxDigestChecks) {
    ++digest_checks_;
    digest_user_ = r.auth_user;
    digest_verdict_ = auth::check_authorization(r.method, r.digest_credentials);
    r.credential_weakness = digest_verdict_.weakness;
    r.credential_detail = digest_verdict_.detail;
  }
  r.digest_credentials.clear();
}

void RtspParser::announce_rtp_flows(const RtspRequest& req, const TransportInfo& t) {
  if (!t.present() || t.tcp()) return;  // interleaved RTP stays in this connection
  // The RTSP client is the side that sent SETUP; ExpectedFlow speaks of orig and resp.
  const bool client_is_orig = req.dir == Direction::kToServer;
  IpAddr dest;
  IpAddr src;
  const bool has_dest = !t.destination.empty() && IpAddr::parse(t.destination, dest);
  const bool has_src = !t.source.empty() && IpAddr::parse(t.source, src);
  if (t.multicast) {
    // RFC 2326 §12.39: the server sends to destination:port (or the client ports) from any port.
    const std::array<int, 2> ports = t.port[0] >= 0 ? t.port : t.client_port;
    if (!has_dest) return;
    for (int p : ports) {
      if (p < 0) continue;
      ExpectedFlow e;
      e.parser = "rtp";
      e.has_orig_addr = true;
      e.orig_addr = dest;
      e.orig_port = static_cast<std::uint16_t>(p);
      e.has_resp_addr = has_src;
      e.resp_addr = src;
      sink_.expect_flow(e);
    }
    return;
  }
  for (std::size_t i = 0; i < 2; ++i) {
    const int cp = t.client_port[i];
    if (cp < 0) continue;
    const int sp = t.server_port[i];
    ExpectedFlow e;
    e.parser = "rtp";
    const auto client_port = static_cast<std::uint16_t>(cp);
    const auto server_port = static_cast<std::uint16_t>(sp < 0 ? 0 : sp);
    e.orig_port = client_is_orig ? client_port : server_port;
    e.resp_port = client_is_orig ? server_port : client_port;
    if (has_dest) {  // the client's media address, when not the RTSP client's
      (client_is_orig ? e.has_orig_addr : e.has_resp_addr) = true;
      (client_is_orig ? e.orig_addr : e.resp_addr) = dest;
    }
    if (has_src) {
      (client_is_orig ? e.has_resp_addr : e.has_orig_addr) = true;
      (client_is_orig ? e.resp_addr : e.orig_addr) = src;
    }
    sink_.expect_flow(e);
  }
}

void RtspParser::emit_unanswered(const RtspRequest& req) {
  RtspTransaction tx;
  tx.request = &req;
  sink_.emit(tx);
}

void RtspParser::on_interleaved(Direction dir, std::uint8_t channel, ByteView packet) {
  Channel* ch = nullptr;
  for (Channel& c : channels_)
    if (c.id == channel) ch = &c;
  if (ch == nullptr) {
    if (channels_.size() >= limits_.max_interleaved_channels) {
      once(kOnceChannels, anomaly::kTooManyChannels, "rtsp.max_interleaved_channels");
      return;
    }
    ch = &channels_.emplace_back(Channel{channel, rtp::RtpSources(limits_.max_rtp_sources)});
  }
  bool over_limit = false;
  (void)ch->sources.on_packet(dir, packet, sink_.packet_time(), over_limit);
  if (over_limit) once(kOnceRtpSources, rtp::anomaly::kTooManySources, "rtsp.max_rtp_sources");
}

std::uint32_t clamp_limit(std::uint64_t v, std::uint32_t lo, std::uint32_t hi) noexcept {
  return static_cast<std::uint32_t>(std::clamp<std::uint64_t>(v, lo, hi));
}

// IANA: rtsp 554; 8554 is the common alternative (DOMAIN.md section 1).
constexpr std::array<std::uint16_t, 2> kTcpPorts = {554, 8554};

std::unique_ptr<ParserFactory> configure(const LimitOverrides& overrides) {
  return std::make_unique<RtspParserFactory>(limits_from(overrides));
}

}  // namespace

std::unique_ptr<StreamParser> RtspParserFactory::make(EventSink& sink) const {
  return std::make_unique<RtspParser>(sink, limits_);
}

Limits limits_from(const LimitOverrides& o) {
  const Limits d;
  Limits l;
  // Header block plus body stay well below the StreamDriver's 1 MiB tail.
  l.max_header_bytes =
      clamp_limit(o.get("rtsp.max_header_bytes", d.max_header_bytes), 256, 256 * 1024);
  l.max_body_bytes = clamp_limit(o.get("rtsp.max_body_bytes", d.max_body_bytes), 0, 512 * 1024);
  l.max_pending_requests =
      clamp_limit(o.get("rtsp.max_pending_requests", d.max_pending_requests), 1, 4096);
  l.max_field_bytes = clamp_limit(o.get("rtsp.max_field_bytes", d.max_field_bytes), 16, 65536);
  l.max_sdp_media = clamp_limit(o.get("rtsp.max_sdp_media", d.max_sdp_media), 0, 1024);
  l.max_sdp_codecs = clamp_limit(o.get("rtsp.max_sdp_codecs", d.max_sdp_codecs), 0, 1024);
  l.max_interleaved_channels =
      clamp_limit(o.get("rtsp.max_interleaved_channels", d.max_interleaved_channels), 0, 256);
  l.max_rtp_sources = clamp_limit(o.get("rtsp.max_rtp_sources", d.max_rtp_sources), 1, 1024);
  return l;
}

Probe probe(Direction /*dir*/, ByteView first_bytes) noexcept {
  const std::string_view s = as_chars(first_bytes);
  // A status line: "RTSP/1.0 200".
  constexpr std::string_view kVersion = "RTSP/";
  if (s.size() < kVersion.size() && kVersion.substr(0, s.size()) == s) return Probe::kMaybe;
  if (s.size() >= kVersion.size() && s.substr(0, kVersion.size()) == kVersion) {
    if (s.size() < 12) return Probe::kMaybe;
    return is_version(s.substr(0, 8)) && s[8] == ' ' && s[9] >= '1' && s[9] <= '9' ? Probe::kYes
                                                                                   : Probe::kNo;
  }
  // A request line: a known method, one space, then an rtsp URL or '*'.
  const std::size_t sp = s.find(' ');
  if (sp == std::string_view::npos) {
    for (std::string_view m : kMethods)
      if (s.size() <= m.size() && m.substr(0, s.size()) == s) return Probe::kMaybe;
    return Probe::kNo;
  }
  if (!is_method(s.substr(0, sp))) return Probe::kNo;
  const std::string_view rest = s.substr(sp + 1);
  constexpr std::array<std::string_view, 4> kTargets = {"rtsp://", "rtsps://", "rtspu://", "* "};
  for (std::string_view t : kTargets) {
    if (rest.size() < t.size()) {
      if (t.substr(0, rest.size()) == rest) return Probe::kMaybe;
      continue;
    }
    if (istarts_with(rest, t)) return Probe::kYes;
  }
  return Probe::kNo;
}

const ParserSpec& parser_spec() {
  static const ParserSpec spec{
      .name = "rtsp",
      .tcp_ports = kTcpPorts,
      .probe = &probe,
      .configure = &configure,
      .make_log = &make_rtsp_log,
  };
  return spec;
}

}  // namespace ward::parsers::rtsp
