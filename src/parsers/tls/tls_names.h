// Names of TLS protocol numbers, for logs and detectors: versions in Zeek's spelling, cipher
// suites and named groups in the IANA registry's spelling, alerts in RFC 8446's. All functions
// are pure and thread-safe; returned views have static storage.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ward::parsers::tls {

// "SSLv2", "SSLv3", "TLSv10" .. "TLSv13", "DTLSv10", "DTLSv12", "DTLSv13", "TLSv13-draftNN"
// (0x7fNN), otherwise "unknown-<n>" (Zeek's SSL::version_strings).
[[nodiscard]] std::string version_name(std::uint16_t version);

// True iff `version` is TLS 1.3 or one of its drafts (0x7fNN), including DTLS 1.3.
[[nodiscard]] bool is_tls13(std::uint16_t version) noexcept;

// RFC 8701: the reserved GREASE values 0x0a0a, 0x1a1a, ... 0xfafa.
[[nodiscard]] constexpr bool is_grease(std::uint16_t v) noexcept {
  return (v & 0x0f0fU) == 0x0a0aU && (v >> 8) == (v & 0xffU);
}

// The IANA name ("TLS_AES_128_GCM_SHA256"), or "" for a value the registry does not name.
[[nodiscard]] std::string_view cipher_name(std::uint16_t cipher) noexcept;
// cipher_name(), or "unknown-<n>" (Zeek's spelling) for an unnamed value.
[[nodiscard]] std::string cipher_display_name(std::uint16_t cipher);
// Key exchange of a TLS <= 1.2 suite, from its name: what its ServerKeyExchange carries.
enum class KeyExchange : std::uint8_t { kOther, kDhe, kEcdhe };
[[nodiscard]] KeyExchange key_exchange_of(std::uint16_t cipher) noexcept;
// True iff the suite offers no or broken protection: NULL encryption (including the RFC 9150
// integrity-only TLS 1.3 suites), export grade, anonymous key exchange, RC4, (3)DES, IDEA or an
// MD5 MAC. Decided from the IANA name, so this and cipher_weaknesses() are the one place that
// classifies suites.
[[nodiscard]] bool is_weak_cipher(std::uint16_t cipher) noexcept;
// Why a suite is weak: the reasons of is_weak_cipher() that apply, comma-separated in this
// order: null, anon, export, rc4, des, 3des, idea, md5 ("anon,rc4,md5" for
// TLS_DH_anon_WITH_RC4_128_MD5). Empty iff !is_weak_cipher(cipher).
[[nodiscard]] std::string cipher_weaknesses(std::uint16_t cipher);

// The IANA name of a named group ("x25519", "secp256r1"), or "unknown-<n>".
[[nodiscard]] std::string group_name(std::uint16_t group);

// RFC 8446 §6 alert description in snake_case ("handshake_failure"), or "unknown-<n>".
[[nodiscard]] std::string alert_name(std::uint8_t description);

}  // namespace ward::parsers::tls
