// Events of the TLS parser (SSLv2-compatible hellos, SSLv3, TLS 1.0-1.3, DTLS 1.0/1.2).
//   TlsClientHello / TlsServerHello  every hello as it is decoded, with views into the message
//                                    and the JA3/JA3S/JA4/JA4S fingerprints
//   TlsCertificate                   every certificate of a cleartext Certificate message
//                                    (TLS <= 1.2, SSLv2 SERVER-HELLO), decoded with OpenSSL
//   TlsAlert                         every cleartext alert
//   TlsSession                       one per connection when it ends: the `tls` log record
// Views (ByteView, std::string_view, std::span) are valid during the callback only; X509Info
// and TlsSession own bounded copies. Detectors subscribe to these; nothing calls the parser.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bus/event.h"
#include "common/bytes.h"
#include "common/net.h"

namespace ward::parsers::tls {

// Protocol version numbers as they appear on the wire (RFC 8446 §4.2.1, RFC 6347 §4.1,
// draft-ietf-tls-tls13-NN: 0x7fNN).
inline constexpr std::uint16_t kSsl2 = 0x0002;
inline constexpr std::uint16_t kSsl3 = 0x0300;
inline constexpr std::uint16_t kTls10 = 0x0301;
inline constexpr std::uint16_t kTls11 = 0x0302;
inline constexpr std::uint16_t kTls12 = 0x0303;
inline constexpr std::uint16_t kTls13 = 0x0304;
inline constexpr std::uint16_t kDtls10 = 0xfeff;
inline constexpr std::uint16_t kDtls12 = 0xfefd;
inline constexpr std::uint16_t kDtls13 = 0xfefc;

// How the hello travelled.
enum class HelloFormat : std::uint8_t {
  kTls,    // a TLS/SSLv3 handshake record over TCP
  kDtls,   // a DTLS handshake record over UDP
  kSslv2,  // an SSLv2 record (SSLv2 CLIENT-HELLO, also the SSLv2-compatible hello of SSLv3/TLS
           // clients, RFC 5246 appendix E.2; or an SSLv2 SERVER-HELLO)
};

// One hello extension in wire order (RFC 8446 §4.2). `data` is the extension_data.
struct Extension {
  std::uint16_t type = 0;
  ByteView data;
};

struct TlsClientHello : bus::Event {
  static constexpr bus::EventKind kKind = bus::EventKind::kTlsClientHello;
  TlsClientHello() noexcept : bus::Event(kKind) {}

  HelloFormat format = HelloFormat::kTls;
  std::uint16_t record_version = 0;  // record layer version (0x0002 for an SSLv2 record)
  std::uint16_t version = 0;         // legacy_version / client_version
  ByteView random;                   // 32 bytes (SSLv2: the challenge)
  ByteView session_id;
  ByteView cookie;                               // DTLS only (RFC 6347 §4.2.1)
  std::span<const std::uint16_t> ciphers;        // cipher suites in wire order, GREASE included
  std::span<const std::uint32_t> sslv2_ciphers;  // SSLv2 CIPHER-SPECs (3 bytes each)
  std::span<const std::uint8_t> compression_methods;
  std::span<const Extension> extensions;  // wire order, at most Limits::max_extensions
  // Decoded extensions (absent ones are empty). RFC 6066 §3, RFC 7301, RFC 8446 §4.2, RFC 8422.
  std::string_view server_name;                          // the first host_name of server_name (0)
  std::span<const std::string_view> alpn;                // 16, in wire order
  std::span<const std::uint16_t> supported_versions;     // 43, GREASE included
  std::span<const std::uint16_t> supported_groups;       // 10, GREASE included
  std::span<const std::uint8_t> ec_point_formats;        // 11
  std::span<const std::uint16_t> signature_algorithms;   // 13
  std::span<const std::uint16_t> key_share_groups;       // 51
  std::span<const std::uint8_t> psk_key_exchange_modes;  // 45
  bool has_session_ticket = false;                       // 35 present
  std::uint32_t session_ticket_bytes = 0;   // its length (> 0: resumption with a ticket)
  bool has_pre_shared_key = false;          // 41
  bool has_early_data = false;              // 42
  bool has_ech = false;                     // encrypted_client_hello (0xfe0d)
  std::optional<std::uint16_t> ech_kdf_id;  // outer ECH: HPKE KDF and AEAD ids
  std::optional<std::uint16_t> ech_aead_id;
  // A limit cut a list (extensions, ciphers, ...): the fingerprints cover the kept entries.
  bool truncated = false;

  // Fingerprints (empty for an SSLv2-format hello): JA3 string and MD5, JA4.
  std::string_view ja3;
  std::string_view ja3_hash;
  std::string_view ja4;
};

struct TlsServerHello : bus::Event {
  static constexpr bus::EventKind kKind = bus::EventKind::kTlsServerHello;
  TlsServerHello() noexcept : bus::Event(kKind) {}

  HelloFormat format = HelloFormat::kTls;
  std::uint16_t record_version = 0;
  std::uint16_t version = 0;  // legacy_version / server_version
  ByteView random;
  ByteView session_id;  // SSLv2: the CONNECTION-ID
  std::uint16_t cipher = 0;
  std::span<const std::uint32_t> sslv2_ciphers;  // SSLv2 SERVER-HELLO cipher specs
  std::uint8_t compression_method = 0;
  std::span<const Extension> extensions;
  // RFC 8446 §4.1.3: a ServerHello whose random is SHA-256("HelloRetryRequest").
  bool hello_retry_request = false;
  std::optional<std::uint16_t> selected_version;  // supported_versions (43)
  std::optional<std::uint16_t> key_share_group;   // key_share (51), also in an HRR
  std::string_view alpn;                          // the protocol the server selected (16)
  std::span<const std::uint8_t> ec_point_formats;
  bool has_pre_shared_key = false;
  // The version in force: selected_version if present, else version.
  std::uint16_t negotiated_version = 0;
  std::string_view ja3s;  // JA3S string and MD5, JA4S
  std::string_view ja3s_hash;
  std::string_view ja4s;
};

// The fields of one X.509 certificate (RFC 5280), decoded with OpenSSL, in Zeek's x509.log
// conventions. Owned and bounded by Limits::max_string_bytes / max_sans.
struct X509Info {
  std::uint32_t version = 0;  // 1..3
  std::string serial;         // upper-case hex, as OpenSSL's i2a_ASN1_INTEGER
  std::string subject;        // RFC 2253 (X509_NAME_print_ex with XN_FLAG_RFC2253)
  std::string issuer;
  std::int64_t not_before = 0;  // Unix seconds (ASN.1 time; may be before 1970 or after 2262)
  std::int64_t not_after = 0;
  std::string key_alg;           // public key algorithm: "rsaEncryption", "id-ecPublicKey"
  std::string sig_alg;           // "sha256WithRSAEncryption", "ecdsa-with-SHA384"
  std::string key_type;          // "rsa", "dsa", "ecdsa", "ed25519", "ed448", "dh" or "unknown"
  std::uint32_t key_length = 0;  // bits
  std::string exponent;          // RSA public exponent, decimal
  std::string curve;             // EC curve short name ("prime256v1", "secp384r1")
  std::vector<std::string> san_dns;
  std::vector<std::string> san_uri;  // SPIFFE identities live here
  std::vector<std::string> san_email;
  std::vector<std::string> san_ip;
  bool sans_truncated = false;  // more SANs than Limits::max_sans
  std::optional<bool> basic_constraints_ca;
  std::optional<std::uint32_t> basic_constraints_path_len;
  bool self_signed = false;  // issued by its own key (OpenSSL's EXFLAG_SS)
  std::string sha256;        // fingerprint of the DER bytes, lower-case hex
  std::string sha1;          // SHA-1 fingerprint (what Suricata and nDPI print)
};

struct TlsCertificate : bus::Event {
  static constexpr bus::EventKind kKind = bus::EventKind::kTlsCertificate;
  TlsCertificate() noexcept : bus::Event(kKind) {}

  bool from_client = false;        // a client certificate (mutual TLS)
  std::uint32_t index = 0;         // position in the chain, 0 = the end-entity certificate
  std::uint32_t chain_length = 0;  // certificates in the message
  ByteView der;                    // the certificate as sent
  const X509Info* info = nullptr;  // never null
  // Against EventSink::packet_time() of the Certificate message.
  bool expired = false;
  bool not_yet_valid = false;
  std::uint16_t version = 0;  // the connection's negotiated version
};

struct TlsAlert : bus::Event {
  static constexpr bus::EventKind kKind = bus::EventKind::kTlsAlert;
  TlsAlert() noexcept : bus::Event(kKind) {}

  bool from_client = false;
  std::uint8_t level = 0;        // 1 warning, 2 fatal (RFC 5246 §7.2); 0 for an SSLv2 ERROR
  std::uint8_t description = 0;  // RFC 8446 §6 AlertDescription (SSLv2: the error code)
};

// How the handshake ended.
enum class Outcome : std::uint8_t {
  kIncomplete,   // the connection ended before the handshake completed or failed
  kEstablished,  // both sides switched to encrypted traffic (Zeek's `established`)
  kAlert,        // a fatal alert ended the handshake
};
std::string_view outcome_name(Outcome o) noexcept;  // "incomplete", "established", "alert"

// The summary of one connection (emitted once, when the flow ends): the `tls` log record.
// Lists are bounded by the parser's Limits; versions, ciphers and groups are wire numbers.
struct TlsSession : bus::Event {
  static constexpr bus::EventKind kKind = bus::EventKind::kTlsSession;
  TlsSession() noexcept : bus::Event(kKind) {}

  TimeNs start_ts = 0;  // the first hello
  bool dtls = false;
  bool sslv2 = false;         // the session ran SSLv2 (an SSLv2 SERVER-HELLO answered)
  bool flipped = false;       // the ClientHello came from the connection's responder
  std::uint16_t version = 0;  // negotiated version (0: no ServerHello)
  std::optional<std::uint16_t> cipher;
  std::optional<std::uint16_t> curve;  // ECDHE group (ServerKeyExchange or key_share)
  std::string server_name;
  bool resumed = false;
  std::optional<std::uint8_t> last_alert;
  std::string next_protocol;  // ALPN chosen by the server
  bool established = false;
  Outcome outcome = Outcome::kIncomplete;
  std::string history;                      // Zeek's ssl_history letters (upper case: client)
  std::vector<std::string> cert_chain_fps;  // SHA-256 of the server chain
  std::vector<std::string> client_cert_chain_fps;  // SHA-256 of the client chain
  std::string subject, issuer;                     // of the server's end-entity certificate
  std::string client_subject, client_issuer;
  // The server's end-entity certificate, for the EVE-style fields.
  std::string cert_sha1;
  std::string cert_serial;
  std::int64_t cert_not_before = 0;
  std::int64_t cert_not_after = 0;
  // The SNI matches a DNS SAN (or the CN without SANs) of the server certificate; unset
  // without SNI or certificate.
  std::optional<bool> sni_matches_cert;
  std::optional<std::uint32_t> sslv2_cipher;  // the SSLv2 CIPHER-SPEC in force
  bool hello_retry_request = false;

  // ClientHello
  bool client_hello_seen = false;
  std::uint16_t client_record_version = 0;
  std::uint16_t client_version = 0;
  std::vector<std::uint16_t> client_ciphers;
  std::vector<std::uint8_t> client_comp_methods;
  std::vector<std::uint16_t> client_exts;
  std::vector<std::uint16_t> client_curves;
  std::vector<std::uint8_t> point_formats;
  std::vector<std::uint16_t> sigalgs;  // SignatureScheme values (RFC 8446 §4.2.3)
  std::vector<std::string> client_alpn;
  std::vector<std::uint16_t> client_supported_versions;
  std::vector<std::uint8_t> psk_key_exchange_modes;
  std::vector<std::uint16_t> client_key_share_groups;
  bool ech = false;
  std::optional<std::uint16_t> ech_kdf_id;
  std::optional<std::uint16_t> ech_aead_id;
  std::string ja3;         // MD5 hex
  std::string ja3_string;  // the string hashed
  std::string ja4;

  // ServerHello
  bool server_hello_seen = false;
  std::uint16_t server_record_version = 0;
  std::uint16_t server_version = 0;
  std::vector<std::uint16_t> server_exts;
  std::optional<std::uint8_t> comp_method;  // the ServerHello's compression method
  // A ServerHello with version 0x0304 in the layout of TLS 1.3 drafts before -16 (no session id,
  // no compression method): Suricata's "TLS 1.3 draft-<16".
  bool tls13_draft_layout = false;
  std::optional<std::uint16_t> server_supported_version;
  std::optional<std::uint16_t> server_key_share_group;
  std::optional<std::uint32_t> ticket_lifetime_hint;  // NewSessionTicket (TLS <= 1.2)
  std::optional<std::uint32_t> dh_param_size;         // bits of the server's DH public value
  std::string ja3s;
  std::string ja3s_string;
  std::string ja4s;

  // Record counts per direction ([0] from the client, [1] from the server).
  std::uint64_t change_cipher_specs[2] = {0, 0};
  std::uint64_t encrypted_records[2] = {0, 0};
  std::uint64_t encrypted_bytes[2] = {0, 0};
  std::uint64_t alerts[2] = {0, 0};
};

}  // namespace ward::parsers::tls
