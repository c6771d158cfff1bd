// TLS record and handshake decoding. Spec references at the code: RFC 5246 (TLS 1.2), RFC 8446
// (TLS 1.3), RFC 6347 (DTLS 1.2), RFC 6101 (SSLv3), the SSLv2 draft (draft-hickman-netscape-ssl-00)
// and RFC 5246 appendix E.2 (SSLv2-compatible ClientHello).
#include "parsers/tls/tls_parser.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <vector>

#include "parsers/stream_driver.h"
#include "parsers/tls/tls_fingerprint.h"
#include "parsers/tls/tls_log.h"
#include "parsers/tls/tls_names.h"
#include "parsers/tls/tls_x509.h"

namespace ward::parsers::tls {
namespace {

using detail::ClientHelloFields;
using detail::ServerHelloFields;

// RFC 5246 §6.2.1 ContentType.
constexpr std::uint8_t kChangeCipherSpec = 20;
constexpr std::uint8_t kAlert = 21;
constexpr std::uint8_t kHandshake = 22;
constexpr std::uint8_t kApplicationData = 23;
constexpr std::uint8_t kHeartbeat = 24;

// RFC 8446 §4 HandshakeType (and RFC 6347 §4.3.2 hello_verify_request).
constexpr std::uint8_t kClientHello = 1;
constexpr std::uint8_t kServerHello = 2;
constexpr std::uint8_t kHelloVerifyRequest = 3;
constexpr std::uint8_t kNewSessionTicket = 4;
constexpr std::uint8_t kCertificate = 11;
constexpr std::uint8_t kServerKeyExchange = 12;
constexpr std::uint8_t kCertificateRequest = 13;

// Extension types (IANA TLS ExtensionType registry).
constexpr std::uint16_t kExtServerName = 0;
constexpr std::uint16_t kExtSupportedGroups = 10;
constexpr std::uint16_t kExtEcPointFormats = 11;
constexpr std::uint16_t kExtSignatureAlgorithms = 13;
constexpr std::uint16_t kExtAlpn = 16;
constexpr std::uint16_t kExtSessionTicket = 35;
constexpr std::uint16_t kExtPreSharedKey = 41;
constexpr std::uint16_t kExtEarlyData = 42;
constexpr std::uint16_t kExtSupportedVersions = 43;
constexpr std::uint16_t kExtPskKeyExchangeModes = 45;
constexpr std::uint16_t kExtKeyShare = 51;
constexpr std::uint16_t kExtKeyShareDraft = 40;  // key_share before draft-23
constexpr std::uint16_t kExtEch = 0xfe0d;

// RFC 8446 §4.1.3: the ServerHello.random of a HelloRetryRequest, SHA-256("HelloRetryRequest").
constexpr std::array<std::uint8_t, 32> kHrrRandom = {
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C};

constexpr std::size_t kTlsHeader = 5;
constexpr std::size_t kDtlsHeader = 13;
constexpr std::size_t kDtlsHandshakeHeader = 12;

bool tls_version_ok(std::uint16_t v) noexcept {
  return (v >> 8) == 3 && (v & 0xffU) <= 4;  // SSLv3 .. TLS 1.3 record versions
}
bool dtls_version_ok(std::uint16_t v) noexcept {
  return v == kDtls10 || v == kDtls12 || v == kDtls13 || v == 0x0100;  // 0x0100: OpenSSL's DTLS 0.9
}

// Zeek's ssl_history letter of a handshake message (base/protocols/ssl/main.zeek).
char history_letter(std::uint8_t type) noexcept {
  switch (type) {
    case 0:
      return 'h';
    case 1:
      return 'c';
    case 2:
      return 's';
    case 3:
      return 'v';
    case 4:
      return 't';
    case 5:
      return 'e';
    case 8:
      return 'o';
    case 11:
      return 'x';
    case 12:
      return 'k';
    case 13:
      return 'r';
    case 14:
      return 'n';
    case 15:
      return 'y';
    case 16:
      return 'g';
    case 20:
      return 'f';
    case 21:
      return 'w';
    case 22:
      return 'u';
    case 23:
      return 'a';
    case 24:
      return 'p';
    case 254:
      return 'm';
    default:
      return 'z';
  }
}

// Everything decoded from one hello, owned (events point into it).
struct ClientHelloData {
  std::vector<std::uint16_t> ciphers;
  std::vector<std::uint32_t> sslv2_ciphers;
  std::vector<std::uint8_t> compression;
  std::vector<Extension> extensions;
  std::vector<std::uint16_t> extension_types;
  std::vector<std::string_view> alpn;
  std::vector<std::uint16_t> versions, groups, sigalgs, key_shares;
  std::vector<std::uint8_t> point_formats, psk_modes;
};

// Reads a list of `width`-byte big-endian values filling `body`, keeping at most `max`.
// Returns false iff `body` is not a whole number of entries.
template <typename T>
bool read_list(ByteView body, std::size_t width, std::uint32_t max, std::vector<T>& out,
               bool& truncated) {
  if (body.size() % width != 0) return false;
  ByteReader r(body);
  while (!r.empty()) {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < width; ++i) v = (v << 8) | *r.u8();
    if (out.size() >= max) {
      truncated = true;
      continue;
    }
    out.push_back(static_cast<T>(v));
  }
  return true;
}

// A vector<N> with a `len_bytes`-byte length prefix (RFC 5246 §4.3).
std::optional<ByteView> prefixed(ByteReader& r, int len_bytes) {
  std::optional<std::uint32_t> len;
  if (len_bytes == 1) {
    const auto l = r.u8();
    if (l) len = *l;
  } else if (len_bytes == 2) {
    const auto l = r.u16be();
    if (l) len = *l;
  } else {
    len = r.u24be();
  }
  if (!len) return std::nullopt;
  return r.bytes(*len);
}

// Hostname check of RFC 6125 §6.4: exact (case-insensitive) or one left-most '*' label.
bool host_matches(std::string_view host, std::string_view pattern) {
  auto lower = [](std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
  };
  const std::string h = lower(host);
  const std::string p = lower(pattern);
  if (h == p) return true;
  if (p.size() > 2 && p[0] == '*' && p[1] == '.') {
    const auto dot = h.find('.');
    return dot != std::string::npos && dot > 0 && h.substr(dot) == p.substr(1);
  }
  return false;
}

// The CN of an RFC 2253 subject ("CN=host,O=..."), or "".
std::string_view common_name(std::string_view subject) {
  std::size_t pos = 0;
  while (pos < subject.size()) {
    std::size_t end = pos;
    while (end < subject.size() && !(subject[end] == ',' && (end == 0 || subject[end - 1] != '\\')))
      ++end;
    const std::string_view rdn = subject.substr(pos, end - pos);
    if (rdn.substr(0, 3) == "CN=") return rdn.substr(3);
    pos = end + 1;
  }
  return {};
}

class TlsParser final : public StreamParser, public DatagramParser {
 public:
  TlsParser(EventSink& sink, const Limits& limits, detail::X509Cache& x509_cache,
            bool dtls) noexcept
      : sink_(sink), limits_(limits), x509_cache_(x509_cache), dtls_(dtls) {
    session_.dtls = dtls;
    x509_limits_.max_string_bytes = limits.max_string_bytes;
    x509_limits_.max_sans = limits.max_sans;
  }

  Result<Progress, ParseError> on_data(Direction dir, ByteView input) noexcept override;
  void on_gap(Direction dir, std::uint64_t missing_bytes) noexcept override;
  void on_end(Direction dir) noexcept override;
  void on_datagram(Direction dir, ByteView payload) noexcept override;
  void on_end() noexcept override { finish(); }

 private:
  enum class Mode : std::uint8_t { kDetect, kTls, kSslv2Encrypted, kDead };

  struct DirState {
    Mode mode = Mode::kDetect;
    std::uint64_t skip = 0;        // bytes of an unparsed record still to pass over
    bool encrypted = false;        // after its ChangeCipherSpec (or a TLS 1.3 ServerHello)
    bool sent_encrypted = false;   // an encrypted record was seen
    std::vector<std::uint8_t> hs;  // a handshake message split across records
    std::uint64_t hs_skip = 0;     // bytes of an oversized handshake message still to drop
    // DTLS (RFC 6347 §4.2.3): one message reassembled from in-order fragments.
    std::vector<std::uint8_t> frag;
    std::uint16_t frag_seq = 0;
    std::uint8_t frag_type = 0;
    std::uint32_t frag_len = 0;
    bool frag_active = false;
    bool ended = false;
  };

  // Index of the client side: 0 unless the first ClientHello came from the responder.
  [[nodiscard]] bool from_client(Direction dir) const noexcept {
    return (dir == Direction::kToServer) != session_.flipped;
  }
  void history(Direction dir, char lower) {
    if (session_.history.size() >= limits_.max_history) return;
    session_.history.push_back(from_client(dir) ? static_cast<char>(std::toupper(lower)) : lower);
  }
  void first_seen() {
    if (session_.start_ts == 0) session_.start_ts = sink_.packet_time();
    if (!confirmed_) {
      confirmed_ = true;
      sink_.confirm_protocol();
    }
  }

  // Handles one record whose payload is complete. Returns false iff the direction must stop.
  void on_record(Direction dir, std::uint8_t type, std::uint16_t version, ByteView payload,
                 bool encrypted_epoch);
  void on_handshake_bytes(Direction dir, ByteView payload);
  void on_dtls_handshake(Direction dir, ByteView payload);
  void on_handshake(Direction dir, std::uint8_t type, ByteView body);
  void on_client_hello(Direction dir, ByteView body);
  void on_server_hello(Direction dir, ByteView body);
  void on_certificate(Direction dir, ByteView body);
  void on_server_key_exchange(ByteView body);
  void on_alert(Direction dir, ByteView payload);
  void on_encrypted(Direction dir, std::uint64_t bytes);
  // SSLv2 (a record body starting with the message type).
  void on_sslv2(Direction dir, ByteView body);
  void emit_certificate(Direction dir, ByteView der, std::uint32_t index, std::uint32_t count);
  void finish();

  bool decode_extensions(ByteReader& r, std::vector<Extension>& out, bool& truncated);

  EventSink& sink_;
  Limits limits_;
  detail::X509Limits x509_limits_;
  detail::X509Cache& x509_cache_;
  bool dtls_;
  bool confirmed_ = false;
  bool finished_ = false;
  bool client_hello_seen_ = false;
  bool cert_request_seen_ = false;
  std::uint16_t record_version_ = 0;  // of the record being parsed
  std::vector<std::uint8_t> client_session_id_;
  std::array<DirState, 2> dirs_;
  TlsSession session_;
};

// ------------------------------------------------------------------------- record layer (TCP)

Result<Progress, ParseError> TlsParser::on_data(Direction dir, ByteView input) noexcept {
  DirState& d = dirs_[index(dir)];
  std::size_t pos = 0;
  while (pos < input.size()) {
    if (d.mode == Mode::kDead) return Progress{static_cast<std::uint32_t>(input.size()), 0};
    if (d.skip > 0) {
      const std::size_t n =
          static_cast<std::size_t>(std::min<std::uint64_t>(d.skip, input.size() - pos));
      pos += n;
      d.skip -= n;
      continue;
    }
    const ByteView rest = input.subspan(pos);
    if (d.mode == Mode::kSslv2Encrypted) {
      // SSLv2 after its SERVER-HELLO: every record is encrypted. 2-byte header (msb set) or
      // 3-byte header with padding.
      if (rest.size() < 3)
        return Progress{static_cast<std::uint32_t>(pos),
                        static_cast<std::uint32_t>(3 - rest.size())};
      const std::size_t hdr = (rest[0] & 0x80U) != 0 ? 2 : 3;
      const std::size_t len = hdr == 2 ? (std::size_t{rest[0] & 0x7fU} << 8) | rest[1]
                                       : (std::size_t{rest[0] & 0x3fU} << 8) | rest[1];
      on_encrypted(dir, len);
      pos += hdr;
      d.skip = len;
      continue;
    }
    if (rest.size() < 3)
      return Progress{static_cast<std::uint32_t>(pos), static_cast<std::uint32_t>(3 - rest.size())};
    // RFC 5246 E.2: an SSLv2 record has the high bit of its first byte set; a TLS record starts
    // with a ContentType (20..24).
    if ((rest[0] & 0x80U) != 0 && (rest[2] == 1 || rest[2] == 4 || rest[2] == 2 || rest[2] == 0)) {
      const std::size_t len = (std::size_t{rest[0] & 0x7fU} << 8) | rest[1];
      if (rest.size() < 2 + len) {
        return Progress{static_cast<std::uint32_t>(pos),
                        static_cast<std::uint32_t>(2 + len - rest.size())};
      }
      on_sslv2(dir, rest.subspan(2, len));
      pos += 2 + len;
      continue;
    }
    if (rest.size() < kTlsHeader) {
      return Progress{static_cast<std::uint32_t>(pos),
                      static_cast<std::uint32_t>(kTlsHeader - rest.size())};
    }
    const std::uint8_t type = rest[0];
    const std::uint16_t version = load_u16be(rest, 1);
    const std::uint16_t len = load_u16be(rest, 3);
    if (type < kChangeCipherSpec || type > kHeartbeat || !tls_version_ok(version)) {
      sink_.anomaly("tls.invalid_record", "not a TLS record header");
      d.mode = Mode::kDead;
      d.hs.clear();
      return unexpected(ParseError{"tls.invalid_record"});
    }
    d.mode = Mode::kTls;
    if (len > limits_.max_record_bytes) {
      sink_.anomaly("tls.record_too_large", std::to_string(len) + " bytes");
      pos += kTlsHeader;
      d.skip = len;
      if (type == kApplicationData) on_encrypted(dir, len);
      continue;
    }
    // Encrypted records are counted and passed over without buffering.
    if (type == kApplicationData || (d.encrypted && type != kChangeCipherSpec)) {
      on_encrypted(dir, len);
      pos += kTlsHeader;
      d.skip = len;
      continue;
    }
    if (rest.size() < kTlsHeader + len) {
      return Progress{static_cast<std::uint32_t>(pos),
                      static_cast<std::uint32_t>(kTlsHeader + len - rest.size())};
    }
    record_version_ = version;
    on_record(dir, type, version, rest.subspan(kTlsHeader, len), false);
    pos += kTlsHeader + len;
  }
  return Progress{static_cast<std::uint32_t>(pos), 0};
}

void TlsParser::on_gap(Direction dir, std::uint64_t missing_bytes) noexcept {
  DirState& d = dirs_[index(dir)];
  if (d.mode == Mode::kDead) return;
  // A gap inside a record being skipped costs nothing; anywhere else the framing is lost.
  if (d.skip >= missing_bytes && missing_bytes > 0) {
    d.skip -= missing_bytes;
    return;
  }
  if (missing_bytes > 0 || !d.hs.empty()) sink_.anomaly("tls.gap", "record framing lost");
  d.hs.clear();
  d.hs_skip = 0;
  d.skip = 0;
  if (missing_bytes > 0) d.mode = Mode::kDead;
}

void TlsParser::on_end(Direction dir) noexcept {
  DirState& d = dirs_[index(dir)];
  if (!d.hs.empty()) sink_.anomaly("tls.truncated_handshake", "stream ended inside a message");
  d.hs.clear();
  d.ended = true;
  if (dirs_[0].ended && dirs_[1].ended) finish();
}

// ------------------------------------------------------------------------- record layer (UDP)

void TlsParser::on_datagram(Direction dir, ByteView payload) noexcept {
  // RFC 6347 §4.1: a datagram holds one or more whole records.
  ByteReader r(payload);
  while (r.remaining() >= kDtlsHeader) {
    const ByteView rest = r.rest();
    const std::uint8_t type = rest[0];
    const std::uint16_t version = load_u16be(rest, 1);
    const std::uint16_t epoch = load_u16be(rest, 3);
    const std::uint16_t len = load_u16be(rest, 11);
    if (type < kChangeCipherSpec || type > kHeartbeat || !dtls_version_ok(version)) {
      // Not DTLS: STUN/RTP multiplexed on the same port (RFC 7983) or garbage.
      if (!confirmed_) sink_.anomaly("tls.invalid_record", "not a DTLS record header");
      return;
    }
    (void)r.skip(kDtlsHeader);
    const auto body = r.bytes(len);
    if (!body) {
      sink_.anomaly("tls.truncated_record", "DTLS record longer than its datagram");
      return;
    }
    if (type == kApplicationData || (epoch > 0 && type != kChangeCipherSpec)) {
      on_encrypted(dir, len);
      continue;
    }
    record_version_ = version;
    on_record(dir, type, version, *body, epoch > 0);
  }
}

// ------------------------------------------------------------------------- records

void TlsParser::on_record(Direction dir, std::uint8_t type, std::uint16_t /*version*/,
                          ByteView payload, bool /*encrypted_epoch*/) {
  DirState& d = dirs_[index(dir)];
  switch (type) {
    case kChangeCipherSpec:
      // RFC 5246 §7.1. In TLS 1.3 it is a compatibility no-op (RFC 8446 §5).
      history(dir, 'i');
      ++session_.change_cipher_specs[from_client(dir) ? 0 : 1];
      // RFC 8446 D.4: in TLS 1.3 a client may send a dummy CCS before its second ClientHello;
      // only TLS <= 1.2 switches to encrypted records here.
      if (!session_.hello_retry_request && !is_tls13(session_.version)) d.encrypted = true;
      d.hs.clear();
      break;
    case kAlert:
      on_alert(dir, payload);
      break;
    case kHandshake:
      if (dtls_) {
        on_dtls_handshake(dir, payload);
      } else {
        on_handshake_bytes(dir, payload);
      }
      break;
    case kHeartbeat:
      history(dir, 'b');
      break;
    default:
      break;
  }
}

void TlsParser::on_encrypted(Direction dir, std::uint64_t bytes) {
  const int side = from_client(dir) ? 0 : 1;
  ++session_.encrypted_records[side];
  session_.encrypted_bytes[side] += bytes;
  DirState& d = dirs_[index(dir)];
  d.sent_encrypted = true;
  d.encrypted = true;
  // Zeek's ssl_established: encrypted records have been seen from both sides.
  if (dirs_[0].sent_encrypted && dirs_[1].sent_encrypted && session_.server_hello_seen &&
      !session_.established) {
    session_.established = true;
    session_.outcome = Outcome::kEstablished;
  }
}

void TlsParser::on_alert(Direction dir, ByteView payload) {
  // RFC 5246 §7.2: level, description; a record may hold several.
  ByteReader r(payload);
  while (r.remaining() >= 2) {
    TlsAlert a;
    a.from_client = from_client(dir);
    a.level = *r.u8();
    a.description = *r.u8();
    history(dir, 'l');
    ++session_.alerts[a.from_client ? 0 : 1];
    session_.last_alert = a.description;
    if (a.level == 2 && !session_.established) session_.outcome = Outcome::kAlert;
    first_seen();
    sink_.emit(a);
  }
  if (!r.empty()) sink_.anomaly("tls.malformed_alert", "alert record of odd length");
}

// Handshake messages may span records and records may hold several messages (RFC 5246 §6.2.1).
void TlsParser::on_handshake_bytes(Direction dir, ByteView payload) {
  DirState& d = dirs_[index(dir)];
  if (d.hs_skip > 0) {
    const std::size_t n =
        static_cast<std::size_t>(std::min<std::uint64_t>(d.hs_skip, payload.size()));
    d.hs_skip -= n;
    payload = payload.subspan(n);
  }
  // The bytes to parse: the payload itself, or the buffered head with it appended.
  ByteView data = payload;
  if (!d.hs.empty()) {
    d.hs.insert(d.hs.end(), payload.begin(), payload.end());
    data = d.hs;
  }
  std::size_t pos = 0;
  while (data.size() - pos >= 4) {
    const std::uint8_t type = data[pos];
    const std::uint32_t len =
        (std::uint32_t{data[pos + 1]} << 16) | (std::uint32_t{data[pos + 2]} << 8) | data[pos + 3];
    if (len > limits_.max_handshake_bytes) {
      sink_.anomaly("tls.handshake_too_large", std::to_string(len) + " bytes");
      history(dir, history_letter(type));
      const std::size_t have = data.size() - pos - 4;
      if (have >= len) {
        pos += 4 + len;
        continue;
      }
      d.hs_skip = len - have;
      pos = data.size();
      break;
    }
    if (data.size() - pos - 4 < len) break;
    on_handshake(dir, type, data.subspan(pos + 4, len));
    pos += 4 + len;
    if (d.encrypted) {
      // A TLS 1.3 ServerHello switched this direction to encrypted: the rest is ciphertext.
      pos = data.size();
      break;
    }
  }
  // Keep the unparsed tail (bounded by max_handshake_bytes + 4: a longer message was skipped).
  if (data.data() == d.hs.data()) {
    std::vector<std::uint8_t> tail(d.hs.begin() + static_cast<std::ptrdiff_t>(pos), d.hs.end());
    d.hs.swap(tail);
  } else if (pos < data.size()) {
    d.hs.assign(data.begin() + static_cast<std::ptrdiff_t>(pos), data.end());
  }
}

// RFC 6347 §4.2.2: each handshake message carries its own header with fragment offset/length.
void TlsParser::on_dtls_handshake(Direction dir, ByteView payload) {
  DirState& d = dirs_[index(dir)];
  ByteReader r(payload);
  while (r.remaining() >= kDtlsHandshakeHeader) {
    const std::uint8_t type = *r.u8();
    const std::uint32_t len = *r.u24be();
    const std::uint16_t seq = *r.u16be();
    const std::uint32_t frag_off = *r.u24be();
    const std::uint32_t frag_len = *r.u24be();
    const auto frag = r.bytes(frag_len);
    if (!frag || frag_off > len || frag_len > len - frag_off) {
      sink_.anomaly("tls.malformed_handshake", "DTLS fragment outside its message");
      return;
    }
    if (frag_off == 0 && frag_len == len) {
      on_handshake(dir, type, *frag);
      continue;
    }
    if (len > limits_.max_handshake_bytes) {
      if (frag_off == 0) sink_.anomaly("tls.handshake_too_large", std::to_string(len) + " bytes");
      continue;
    }
    if (frag_off == 0) {
      d.frag.assign(frag->begin(), frag->end());
      d.frag_seq = seq;
      d.frag_type = type;
      d.frag_len = len;
      d.frag_active = true;
    } else if (d.frag_active && d.frag_seq == seq && frag_off == d.frag.size()) {
      d.frag.insert(d.frag.end(), frag->begin(), frag->end());
    } else {
      continue;  // out of order or a retransmission: not reassembled
    }
    if (d.frag_active && d.frag.size() == d.frag_len) {
      d.frag_active = false;
      const std::vector<std::uint8_t> msg = std::move(d.frag);
      d.frag.clear();
      on_handshake(dir, d.frag_type, msg);
    }
  }
}

void TlsParser::on_handshake(Direction dir, std::uint8_t type, ByteView body) {
  switch (type) {
    case kClientHello:
      on_client_hello(dir, body);
      return;
    case kServerHello:
      on_server_hello(dir, body);
      return;
    default:
      break;
  }
  history(dir, history_letter(type));
  switch (type) {
    case kNewSessionTicket: {
      // RFC 5077 §3.3: ticket_lifetime_hint, ticket.
      ByteReader r(body);
      if (const auto hint = r.u32be(); hint && !is_tls13(session_.version))
        session_.ticket_lifetime_hint = *hint;
      break;
    }
    case kCertificate:
      if (!is_tls13(session_.version)) on_certificate(dir, body);
      break;
    case kServerKeyExchange:
      if (!from_client(dir)) on_server_key_exchange(body);
      break;
    case kCertificateRequest:
      cert_request_seen_ = true;
      break;
    default:
      break;
  }
}

bool TlsParser::decode_extensions(ByteReader& r, std::vector<Extension>& out, bool& truncated) {
  if (r.empty()) return true;  // RFC 5246 §7.4.1.2: extensions are optional
  const auto all = prefixed(r, 2);
  if (!all) return false;
  ByteReader e(*all);
  while (!e.empty()) {
    const auto type = e.u16be();
    const auto data = type ? prefixed(e, 2) : std::nullopt;
    if (!data) return false;
    if (out.size() >= limits_.max_list_entries) {
      truncated = true;
      continue;
    }
    out.push_back(Extension{*type, *data});
  }
  return true;
}

void TlsParser::on_client_hello(Direction dir, ByteView body) {
  // The first ClientHello decides who the client is (Zeek marks a flipped one with '^').
  if (!client_hello_seen_) {
    client_hello_seen_ = true;
    if (dir == Direction::kToClient && !session_.server_hello_seen) {
      session_.flipped = true;
      session_.history.insert(session_.history.begin(), '^');
    }
  }
  history(dir, 'c');
  first_seen();
  TlsClientHello ev;
  ev.format = dtls_ ? HelloFormat::kDtls : HelloFormat::kTls;
  ev.record_version = record_version_;
  ClientHelloData h;
  bool truncated = false;
  bool ok = false;
  ByteReader r(body);
  do {
    const auto version = r.u16be();
    const auto random = r.bytes(32);
    if (!version || !random) break;
    ev.version = *version;
    ev.random = *random;
    const auto sid = prefixed(r, 1);
    if (!sid) break;
    ev.session_id = *sid;
    if (dtls_) {
      const auto cookie = prefixed(r, 1);  // RFC 6347 §4.2.1
      if (!cookie) break;
      ev.cookie = *cookie;
    }
    const auto ciphers = prefixed(r, 2);
    if (!ciphers || !read_list(*ciphers, 2, limits_.max_list_entries, h.ciphers, truncated)) break;
    const auto comp = prefixed(r, 1);
    if (!comp) break;
    (void)read_list(*comp, 1, limits_.max_list_entries, h.compression, truncated);
    if (!decode_extensions(r, h.extensions, truncated)) break;
    ok = true;
  } while (false);
  if (!ok) {
    sink_.anomaly("tls.malformed_client_hello", "ClientHello shorter than its fields");
    return;
  }
  bool bad_ext = false;
  for (const Extension& x : h.extensions) {
    h.extension_types.push_back(x.type);
    ByteReader e(x.data);
    switch (x.type) {
      case kExtServerName: {  // RFC 6066 §3
        const auto list = prefixed(e, 2);
        if (!list) {
          bad_ext = bad_ext || !x.data.empty();
          break;
        }
        ByteReader l(*list);
        while (!l.empty()) {
          const auto name_type = l.u8();
          const auto name = name_type ? prefixed(l, 2) : std::nullopt;
          if (!name) {
            bad_ext = true;
            break;
          }
          if (*name_type == 0 && ev.server_name.empty())
            ev.server_name = as_chars(*name).substr(0, limits_.max_string_bytes);
        }
        break;
      }
      case kExtAlpn: {  // RFC 7301 §3.1
        const auto list = prefixed(e, 2);
        if (!list) {
          bad_ext = true;
          break;
        }
        ByteReader l(*list);
        while (!l.empty()) {
          const auto name = prefixed(l, 1);
          if (!name) {
            bad_ext = true;
            break;
          }
          if (h.alpn.size() < limits_.max_list_entries) h.alpn.push_back(as_chars(*name));
        }
        break;
      }
      case kExtSupportedVersions: {  // RFC 8446 §4.2.1
        const auto list = prefixed(e, 1);
        if (!list || !read_list(*list, 2, limits_.max_list_entries, h.versions, truncated))
          bad_ext = true;
        break;
      }
      case kExtSupportedGroups: {  // RFC 8422 §5.1.1
        const auto list = prefixed(e, 2);
        if (!list || !read_list(*list, 2, limits_.max_list_entries, h.groups, truncated))
          bad_ext = true;
        break;
      }
      case kExtEcPointFormats: {
        const auto list = prefixed(e, 1);
        if (!list || !read_list(*list, 1, limits_.max_list_entries, h.point_formats, truncated))
          bad_ext = true;
        break;
      }
      case kExtSignatureAlgorithms: {  // RFC 8446 §4.2.3
        const auto list = prefixed(e, 2);
        if (!list || !read_list(*list, 2, limits_.max_list_entries, h.sigalgs, truncated))
          bad_ext = true;
        break;
      }
      case kExtKeyShare:
      case kExtKeyShareDraft: {  // RFC 8446 §4.2.8 KeyShareClientHello
        const auto list = prefixed(e, 2);
        if (!list) {
          bad_ext = true;
          break;
        }
        ByteReader l(*list);
        while (!l.empty()) {
          const auto group = l.u16be();
          const auto key = group ? prefixed(l, 2) : std::nullopt;
          if (!key) {
            bad_ext = true;
            break;
          }
          if (h.key_shares.size() < limits_.max_list_entries) h.key_shares.push_back(*group);
        }
        break;
      }
      case kExtPskKeyExchangeModes: {
        const auto list = prefixed(e, 1);
        if (!list || !read_list(*list, 1, limits_.max_list_entries, h.psk_modes, truncated))
          bad_ext = true;
        break;
      }
      case kExtSessionTicket:
        ev.has_session_ticket = true;
        ev.session_ticket_bytes = static_cast<std::uint32_t>(x.data.size());
        break;
      case kExtPreSharedKey:
        ev.has_pre_shared_key = true;
        break;
      case kExtEarlyData:
        ev.has_early_data = true;
        break;
      case kExtEch: {  // draft-ietf-tls-esni: outer ClientHello type 0, HpkeSymmetricCipherSuite
        ev.has_ech = true;
        const auto outer = e.u8();
        const auto kdf = e.u16be();
        const auto aead = e.u16be();
        if (outer && *outer == 0 && kdf && aead) {
          ev.ech_kdf_id = *kdf;
          ev.ech_aead_id = *aead;
        }
        break;
      }
      default:
        break;
    }
  }
  if (bad_ext) sink_.anomaly("tls.malformed_extension", "ClientHello extension");
  if (truncated) sink_.anomaly("tls.too_many_entries", "ClientHello list cut");

  ev.ciphers = h.ciphers;
  ev.compression_methods = h.compression;
  ev.extensions = h.extensions;
  ev.alpn = h.alpn;
  ev.supported_versions = h.versions;
  ev.supported_groups = h.groups;
  ev.ec_point_formats = h.point_formats;
  ev.signature_algorithms = h.sigalgs;
  ev.key_share_groups = h.key_shares;
  ev.psk_key_exchange_modes = h.psk_modes;
  ev.truncated = truncated;

  ClientHelloFields f;
  f.transport = dtls_ ? 'd' : 't';
  f.version = ev.version;
  f.ciphers = h.ciphers;
  f.extensions = h.extension_types;
  f.groups = h.groups;
  f.point_formats = h.point_formats;
  f.signature_algorithms = h.sigalgs;
  f.supported_versions = h.versions;
  f.has_sni = std::any_of(h.extension_types.begin(), h.extension_types.end(),
                          [](std::uint16_t t) { return t == kExtServerName; });
  f.has_alpn = !h.alpn.empty();
  if (f.has_alpn) f.first_alpn = as_bytes(h.alpn.front());
  const std::string ja3 = detail::ja3_string(f);
  const std::string ja3_hash = detail::md5_hex(ja3);
  const std::string ja4 = detail::ja4(f);
  ev.ja3 = ja3;
  ev.ja3_hash = ja3_hash;
  ev.ja4 = ja4;

  // The session keeps the first ClientHello's fields (a second one after an HRR only adds to the
  // history), as Zeek does.
  if (!session_.client_hello_seen) {
    session_.client_hello_seen = true;
    session_.client_record_version = ev.record_version;
    session_.client_version = ev.version;
    session_.client_ciphers = h.ciphers;
    session_.client_comp_methods = h.compression;
    session_.client_exts = h.extension_types;
    session_.client_curves = h.groups;
    session_.point_formats = h.point_formats;
    session_.sigalgs = h.sigalgs;
    session_.client_supported_versions = h.versions;
    session_.psk_key_exchange_modes = h.psk_modes;
    session_.client_key_share_groups = h.key_shares;
    for (std::string_view a : h.alpn)
      session_.client_alpn.emplace_back(a.substr(0, limits_.max_string_bytes));
    session_.server_name = std::string(ev.server_name);
    session_.ech = ev.has_ech;
    session_.ech_kdf_id = ev.ech_kdf_id;
    session_.ech_aead_id = ev.ech_aead_id;
    session_.ja3 = ja3_hash;
    session_.ja3_string = ja3;
    session_.ja4 = ja4;
    client_session_id_.assign(ev.session_id.begin(), ev.session_id.end());
  }
  sink_.emit(ev);
}

void TlsParser::on_server_hello(Direction dir, ByteView body) {
  TlsServerHello ev;
  ev.format = dtls_ ? HelloFormat::kDtls : HelloFormat::kTls;
  ev.record_version = record_version_;
  std::vector<Extension> exts;
  std::vector<std::uint16_t> ext_types;
  std::vector<std::uint8_t> point_formats;
  bool truncated = false;
  bool ok = false;
  bool draft_layout = false;
  // draft-ietf-tls-tls13 before -22 has no session id and no compression method; early
  // implementations sent it with version 0x0304, so the layout is tried when the RFC one fails.
  for (int attempt = 0; attempt < 2 && !ok; ++attempt) {
    ByteReader r(body);
    exts.clear();
    truncated = false;
    const auto version = r.u16be();
    const auto random = r.bytes(32);
    if (!version || !random) break;
    ev.version = *version;
    ev.random = *random;
    const bool draft13 = (ev.version >> 8) == 0x7f && (ev.version & 0xffU) < 22;
    draft_layout = draft13 || attempt == 1;
    if (attempt == 1 && !is_tls13(ev.version)) break;
    if (!draft_layout) {
      const auto sid = prefixed(r, 1);
      if (!sid) continue;
      ev.session_id = *sid;
    } else {
      ev.session_id = {};
    }
    const auto cipher = r.u16be();
    if (!cipher) continue;
    ev.cipher = *cipher;
    if (!draft_layout) {
      const auto comp = r.u8();
      if (!comp) continue;
      ev.compression_method = *comp;
    }
    if (!decode_extensions(r, exts, truncated) || !r.empty()) continue;
    ok = true;
  }
  if (!ok) {
    history(dir, 's');
    sink_.anomaly("tls.malformed_server_hello", "ServerHello shorter than its fields");
    return;
  }
  ev.hello_retry_request =
      std::equal(ev.random.begin(), ev.random.end(), kHrrRandom.begin(), kHrrRandom.end());
  history(dir, ev.hello_retry_request ? 'j' : 's');
  first_seen();
  for (const Extension& x : exts) {
    ext_types.push_back(x.type);
    ByteReader e(x.data);
    switch (x.type) {
      case kExtSupportedVersions:
        if (const auto v = e.u16be()) ev.selected_version = *v;
        break;
      case kExtKeyShare:
      case kExtKeyShareDraft:
        if (const auto g = e.u16be()) ev.key_share_group = *g;
        break;
      case kExtAlpn: {
        const auto list = prefixed(e, 2);
        if (list) {
          ByteReader l(*list);
          if (const auto name = prefixed(l, 1)) ev.alpn = as_chars(*name);
        }
        break;
      }
      case kExtEcPointFormats: {
        const auto list = prefixed(e, 1);
        if (list) point_formats.assign(list->begin(), list->end());
        break;
      }
      case kExtPreSharedKey:
        ev.has_pre_shared_key = true;
        break;
      default:
        break;
    }
  }
  ev.extensions = exts;
  ev.ec_point_formats = point_formats;
  ev.negotiated_version = ev.selected_version.value_or(ev.version);

  ServerHelloFields f;
  f.transport = dtls_ ? 'd' : 't';
  f.version = ev.version;
  f.cipher = ev.cipher;
  f.extensions = ext_types;
  f.selected_version = ev.selected_version;
  f.has_alpn = !ev.alpn.empty();
  f.alpn = as_bytes(ev.alpn);
  const std::string ja3s = detail::ja3s_string(f);
  const std::string ja3s_hash = detail::md5_hex(ja3s);
  const std::string ja4s = detail::ja4s(f);
  ev.ja3s = ja3s;
  ev.ja3s_hash = ja3s_hash;
  ev.ja4s = ja4s;

  if (ev.hello_retry_request) {
    session_.hello_retry_request = true;
    if (ev.key_share_group) session_.server_key_share_group = ev.key_share_group;
  } else {
    session_.server_hello_seen = true;
    session_.server_record_version = ev.record_version;
    session_.server_version = ev.version;
    session_.version = ev.negotiated_version;
    session_.cipher = ev.cipher;
    session_.server_exts = ext_types;
    session_.tls13_draft_layout = draft_layout && (ev.version >> 8) != 0x7f;
    if (!draft_layout) session_.comp_method = ev.compression_method;
    session_.server_supported_version = ev.selected_version;
    if (ev.key_share_group) {
      session_.server_key_share_group = ev.key_share_group;
      session_.curve = ev.key_share_group;
    }
    session_.next_protocol = std::string(ev.alpn.substr(0, limits_.max_string_bytes));
    session_.ja3s = ja3s_hash;
    session_.ja3s_string = ja3s;
    session_.ja4s = ja4s;
    // Zeek: resumed iff the server echoes the client's session id (TLS <= 1.2; a TLS 1.3 server
    // always echoes legacy_session_id, RFC 8446 §4.1.3), or accepts a PSK (TLS 1.3).
    if (!is_tls13(session_.version) && !ev.session_id.empty() && !client_session_id_.empty() &&
        std::equal(ev.session_id.begin(), ev.session_id.end(), client_session_id_.begin(),
                   client_session_id_.end())) {
      session_.resumed = true;
    }
    if (ev.has_pre_shared_key) session_.resumed = true;
    // RFC 8446 §2: everything after the ServerHello is encrypted.
    if (is_tls13(session_.version)) dirs_[index(dir)].encrypted = true;
    if (session_.version <= kTls11 && session_.version >= kSsl3 && !dtls_)
      sink_.anomaly("tls.legacy_version", version_name(session_.version));
  }
  sink_.emit(ev);
}

void TlsParser::on_server_key_exchange(ByteView body) {
  if (!session_.cipher) return;
  ByteReader r(body);
  switch (key_exchange_of(*session_.cipher)) {
    case KeyExchange::kEcdhe: {
      // RFC 8422 §5.4: ECParameters { curve_type named_curve(3), NamedCurve }.
      const auto curve_type = r.u8();
      const auto group = r.u16be();
      if (curve_type && *curve_type == 3 && group) session_.curve = *group;
      break;
    }
    case KeyExchange::kDhe: {
      // RFC 5246 §7.4.3: ServerDHParams { dh_p<1..2^16-1>, ... }.
      const auto p = prefixed(r, 2);
      if (p) {
        std::size_t lead = 0;
        while (lead < p->size() && (*p)[lead] == 0) ++lead;
        session_.dh_param_size = static_cast<std::uint32_t>((p->size() - lead) * 8);
      }
      break;
    }
    case KeyExchange::kOther:
      break;
  }
}

void TlsParser::on_certificate(Direction dir, ByteView body) {
  // RFC 5246 §7.4.2: opaque ASN.1Cert<1..2^24-1>; certificate_list<0..2^24-1>.
  ByteReader r(body);
  const auto list = prefixed(r, 3);
  if (!list) {
    sink_.anomaly("tls.malformed_certificate", "certificate_list longer than its message");
    return;
  }
  std::vector<ByteView> certs;
  ByteReader l(*list);
  while (!l.empty()) {
    const auto cert = prefixed(l, 3);
    if (!cert) {
      sink_.anomaly("tls.malformed_certificate", "certificate longer than its list");
      break;
    }
    if (certs.size() >= limits_.max_certificates) {
      sink_.anomaly("tls.too_many_certificates", std::to_string(limits_.max_certificates));
      break;
    }
    certs.push_back(*cert);
  }
  for (std::size_t i = 0; i < certs.size(); ++i)
    emit_certificate(dir, certs[i], static_cast<std::uint32_t>(i),
                     static_cast<std::uint32_t>(certs.size()));
}

void TlsParser::emit_certificate(Direction dir, ByteView der, std::uint32_t index,
                                 std::uint32_t count) {
  const X509Info* const cached = x509_cache_.lookup(der, x509_limits_);
  if (cached == nullptr) {
    sink_.anomaly("tls.invalid_certificate", "not an X.509 certificate");
    return;
  }
  const X509Info& info = *cached;
  TlsCertificate ev;
  ev.from_client = from_client(dir);
  ev.index = index;
  ev.chain_length = count;
  ev.der = der;
  ev.info = &info;
  ev.version = session_.version;
  const std::int64_t now_s = sink_.packet_time() / kNsPerSec;
  ev.expired = now_s > info.not_after;
  ev.not_yet_valid = now_s < info.not_before;
  auto& fps = ev.from_client ? session_.client_cert_chain_fps : session_.cert_chain_fps;
  fps.push_back(info.sha256);
  if (index == 0) {
    if (ev.from_client) {
      session_.client_subject = info.subject;
      session_.client_issuer = info.issuer;
    } else {
      session_.subject = info.subject;
      session_.issuer = info.issuer;
      session_.cert_sha1 = info.sha1;
      session_.cert_serial = info.serial;
      session_.cert_not_before = info.not_before;
      session_.cert_not_after = info.not_after;
      if (!session_.server_name.empty()) {
        bool match = false;
        for (const std::string& san : info.san_dns)
          match = match || host_matches(session_.server_name, san);
        if (info.san_dns.empty()) {
          const std::string_view cn = common_name(info.subject);
          match = !cn.empty() && host_matches(session_.server_name, cn);
        }
        session_.sni_matches_cert = match;
      }
    }
    if (ev.expired) sink_.anomaly("tls.cert_expired", info.subject);
    if (info.self_signed) sink_.anomaly("tls.cert_self_signed", info.subject);
  }
  sink_.emit(ev);
}

// draft-hickman-netscape-ssl-00 §2.6 and RFC 5246 E.2.
void TlsParser::on_sslv2(Direction dir, ByteView body) {
  ByteReader r(body);
  const auto type = r.u8();
  if (!type) return;
  first_seen();
  if (*type == 1) {  // CLIENT-HELLO
    const auto version = r.u16be();
    const auto cs_len = r.u16be();
    const auto sid_len = r.u16be();
    const auto ch_len = r.u16be();
    if (!ch_len) {
      sink_.anomaly("tls.malformed_client_hello", "SSLv2 CLIENT-HELLO");
      return;
    }
    const auto specs = r.bytes(*cs_len);
    const auto sid = r.bytes(*sid_len);
    const auto challenge = r.bytes(*ch_len);
    if (!specs || !sid || !challenge || specs->size() % 3 != 0) {
      sink_.anomaly("tls.malformed_client_hello", "SSLv2 CLIENT-HELLO");
      return;
    }
    if (!client_hello_seen_) {
      client_hello_seen_ = true;
      if (dir == Direction::kToClient) {
        session_.flipped = true;
        session_.history.insert(session_.history.begin(), '^');
      }
    }
    history(dir, 'c');
    TlsClientHello ev;
    ev.format = HelloFormat::kSslv2;
    ev.record_version = kSsl2;
    ev.version = *version;
    ev.random = *challenge;
    ev.session_id = *sid;
    std::vector<std::uint32_t> v2;
    std::vector<std::uint16_t> tls_ciphers;
    bool truncated = false;
    (void)read_list(*specs, 3, limits_.max_list_entries, v2, truncated);
    for (const std::uint32_t c : v2)
      if ((c >> 16) == 0) tls_ciphers.push_back(static_cast<std::uint16_t>(c));  // E.2: TLS suites
    ev.sslv2_ciphers = v2;
    ev.ciphers = tls_ciphers;
    ev.truncated = truncated;
    if (!session_.client_hello_seen) {
      session_.client_hello_seen = true;
      session_.client_record_version = kSsl2;
      session_.client_version = *version;
      session_.client_ciphers = tls_ciphers;
    }
    sink_.emit(ev);
    return;
  }
  if (*type == 4) {  // SERVER-HELLO: the session is SSLv2 from here on
    const auto hit = r.u8();
    const auto cert_type = r.u8();
    const auto version = r.u16be();
    const auto cert_len = r.u16be();
    const auto cs_len = r.u16be();
    const auto cid_len = r.u16be();
    if (!cid_len || !hit || !cert_type) {
      sink_.anomaly("tls.malformed_server_hello", "SSLv2 SERVER-HELLO");
      return;
    }
    const auto cert = r.bytes(*cert_len);
    const auto specs = r.bytes(*cs_len);
    const auto cid = r.bytes(*cid_len);
    if (!cert || !specs || !cid || specs->size() % 3 != 0) {
      sink_.anomaly("tls.malformed_server_hello", "SSLv2 SERVER-HELLO");
      return;
    }
    history(dir, 's');
    TlsServerHello ev;
    ev.format = HelloFormat::kSslv2;
    ev.record_version = kSsl2;
    ev.version = *version;
    ev.negotiated_version = kSsl2;
    ev.session_id = *cid;
    std::vector<std::uint32_t> v2;
    bool truncated = false;
    (void)read_list(*specs, 3, limits_.max_list_entries, v2, truncated);
    ev.sslv2_ciphers = v2;
    session_.server_hello_seen = true;
    session_.sslv2 = true;
    session_.version = kSsl2;
    session_.server_version = *version;
    if (!v2.empty()) session_.sslv2_cipher = v2.front();
    sink_.anomaly("tls.legacy_version", "SSLv2");
    sink_.emit(ev);
    if (!cert->empty()) emit_certificate(dir, *cert, 0, 1);
    dirs_[index(dir)].mode = Mode::kSslv2Encrypted;
    return;
  }
  if (*type == 2 && session_.sslv2) {  // CLIENT-MASTER-KEY: the cipher the client chose
    const auto kind = r.u24be();
    if (kind) session_.sslv2_cipher = *kind;
    history(dir, 'g');
    dirs_[index(dir)].mode = Mode::kSslv2Encrypted;
    return;
  }
  if (*type == 0) {  // ERROR
    const auto code = r.u16be();
    TlsAlert a;
    a.from_client = from_client(dir);
    a.level = 0;
    a.description = code ? static_cast<std::uint8_t>(*code) : 0;
    history(dir, 'l');
    sink_.emit(a);
  }
}

void TlsParser::finish() {
  if (finished_) return;
  finished_ = true;
  if (!session_.client_hello_seen && !session_.server_hello_seen) return;
  sink_.emit(session_);
}

// ------------------------------------------------------------------------- registry

std::uint32_t clamped(const LimitOverrides& o, std::string_view key, std::uint32_t fallback,
                      std::uint32_t lo, std::uint32_t hi) {
  const std::uint64_t v = o.get(key, fallback);
  return static_cast<std::uint32_t>(std::clamp<std::uint64_t>(v, lo, hi));
}

std::unique_ptr<ParserFactory> configure(const LimitOverrides& overrides) {
  return std::make_unique<TlsParserFactory>(limits_from(overrides));
}

// IANA service names over TLS: https 443, smtps 465, nntps 563, ldaps 636, domain-s 853,
// ftps 989/990, telnets 992, imaps 993, ircs 994, pop3s 995, sip-tls 5061, https-alt 8443,
// and 2575 (HL7 over TLS, IHE ATNA), 2762 (DICOM over TLS), 8883 (MQTT over TLS).
constexpr std::array<std::uint16_t, 16> kTcpPorts = {443, 465, 563, 636,  853,  989,  990,  992,
                                                     993, 994, 995, 2575, 2762, 5061, 8443, 8883};

constexpr ParserSpec kSpec{
    "tls", kTcpPorts, &probe, &configure, &make_tls_log, {}, &udp_probe,
};

}  // namespace

Limits limits_from(const LimitOverrides& o) {
  const Limits d;
  Limits l;
  const std::uint32_t driver_max = StreamDriver::Limits{}.max_pending_bytes;
  l.max_handshake_bytes =
      clamped(o, "tls.max_handshake_bytes", d.max_handshake_bytes, 1024, 16U * 1024 * 1024);
  l.max_record_bytes = clamped(o, "tls.max_record_bytes", d.max_record_bytes, 512,
                               std::min<std::uint32_t>(65535, driver_max));
  l.max_list_entries = clamped(o, "tls.max_list_entries", d.max_list_entries, 1, 65535);
  l.max_certificates = clamped(o, "tls.max_certificates", d.max_certificates, 1, 256);
  l.max_string_bytes = clamped(o, "tls.max_string_bytes", d.max_string_bytes, 16, 65535);
  l.max_sans = clamped(o, "tls.max_sans", d.max_sans, 0, 65535);
  l.max_history = clamped(o, "tls.max_history", d.max_history, 0, 4096);
  l.max_cached_certificates =
      clamped(o, "tls.max_cached_certificates", d.max_cached_certificates, 0, 65536);
  return l;
}

Probe probe(Direction /*dir*/, ByteView b) noexcept {
  if (b.empty()) return Probe::kMaybe;
  if ((b[0] & 0x80U) != 0) {
    // SSLv2 record: 2-byte header, CLIENT-HELLO (1) with version 2 or 3.x, or SERVER-HELLO (4).
    if (b.size() < 5) return Probe::kMaybe;
    const std::size_t len = (std::size_t{b[0] & 0x7fU} << 8) | b[1];
    if (b[2] == 1 && len >= 9 && (b[3] == 0 || b[3] == 3) && b[4] <= 4) return Probe::kYes;
    if (b[2] == 4 && len >= 11) return Probe::kYes;
    return Probe::kNo;
  }
  if (b[0] != kHandshake) return Probe::kNo;
  if (b.size() < 6) {
    if (b.size() >= 2 && b[1] != 3) return Probe::kNo;
    return Probe::kMaybe;
  }
  const std::uint16_t version = load_u16be(b, 1);
  const std::uint16_t len = load_u16be(b, 3);
  if (!tls_version_ok(version) || len < 4 || len > 16384 + 2048) return Probe::kNo;
  return b[5] == kClientHello || b[5] == kServerHello ? Probe::kYes : Probe::kNo;
}

Probe udp_probe(Direction /*dir*/, ByteView b) noexcept {
  if (b.size() < kDtlsHeader + 1) return Probe::kNo;
  if (b[0] != kHandshake || !dtls_version_ok(load_u16be(b, 1)) || load_u16be(b, 1) == 0x0100)
    return Probe::kNo;
  const std::uint16_t len = load_u16be(b, 11);
  if (len < kDtlsHandshakeHeader || kDtlsHeader + len > b.size()) return Probe::kNo;
  const std::uint8_t t = b[kDtlsHeader];
  return t == kClientHello || t == kServerHello || t == kHelloVerifyRequest ? Probe::kYes
                                                                            : Probe::kNo;
}

TlsParserFactory::TlsParserFactory(const Limits& limits)
    : limits_(limits),
      x509_cache_(std::make_unique<detail::X509Cache>(limits.max_cached_certificates)) {}

TlsParserFactory::~TlsParserFactory() = default;

std::unique_ptr<StreamParser> TlsParserFactory::make(EventSink& sink) const {
  return std::make_unique<TlsParser>(sink, limits_, *x509_cache_, false);
}

std::unique_ptr<DatagramParser> TlsParserFactory::make_datagram(EventSink& sink) const {
  return std::make_unique<TlsParser>(sink, limits_, *x509_cache_, true);
}

const ParserSpec& parser_spec() { return kSpec; }

}  // namespace ward::parsers::tls
