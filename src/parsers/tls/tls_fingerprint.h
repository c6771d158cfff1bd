// TLS fingerprints, exactly per their specifications:
//   JA3 / JA3S  salesforce/ja3 README: "SSLVersion,Cipher,SSLExtension,EllipticCurve,
//               EllipticCurvePointFormat" (JA3S: "SSLVersion,Cipher,SSLExtension") in decimal,
//               list entries joined by '-', GREASE values (RFC 8701) removed; the hash is the
//               MD5 of that string in lower-case hex.
//   JA4 / JA4S  FoxIO-LLC/ja4 technical_details/JA4.md and JA4S.md (a_b_c with SHA-256
//               truncated to 12 hex characters).
// Pure functions of the hello fields; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "common/bytes.h"

namespace ward::parsers::tls::detail {

struct ClientHelloFields {
  char transport = 't';       // 't' TLS over TCP, 'd' DTLS, 'q' QUIC
  std::uint16_t version = 0;  // legacy_version
  std::span<const std::uint16_t> ciphers;
  std::span<const std::uint16_t> extensions;  // types in wire order
  std::span<const std::uint16_t> groups;
  std::span<const std::uint8_t> point_formats;
  std::span<const std::uint16_t> signature_algorithms;
  std::span<const std::uint16_t> supported_versions;
  bool has_alpn = false;
  ByteView first_alpn;  // the first ALPN protocol name (may be empty)
  bool has_sni = false;
};

struct ServerHelloFields {
  char transport = 't';
  std::uint16_t version = 0;  // legacy_version
  std::uint16_t cipher = 0;
  std::span<const std::uint16_t> extensions;
  std::optional<std::uint16_t> selected_version;  // supported_versions
  bool has_alpn = false;
  ByteView alpn;
};

[[nodiscard]] std::string ja3_string(const ClientHelloFields& h);
[[nodiscard]] std::string ja3s_string(const ServerHelloFields& h);
[[nodiscard]] std::string ja4(const ClientHelloFields& h);
[[nodiscard]] std::string ja4s(const ServerHelloFields& h);

// JA4's two-character version: "13", "12", "11", "10", "s3", "s2", "d1", "d2", "d3" or "00".
[[nodiscard]] std::string ja4_version(std::uint16_t version);
// JA4's two ALPN characters for the first ALPN value `alpn` ("00" when absent or empty).
[[nodiscard]] std::string ja4_alpn(bool present, ByteView alpn);

}  // namespace ward::parsers::tls::detail
