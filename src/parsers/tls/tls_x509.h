// X.509 decoding for the TLS parser: one DER certificate in, an owned X509Info out, through
// OpenSSL 3 (d2i_X509). Also the message digests the fingerprints need. OpenSSL is C and
// throws nothing; every size is bounded before it is handed over. Thread-safe (no state).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "parsers/tls/tls_events.h"

namespace ward::parsers::tls::detail {

struct X509Limits {
  std::uint32_t max_string_bytes = 4096;  // subject, issuer, each SAN
  std::uint32_t max_sans = 256;           // SAN entries kept per certificate (all kinds)
};

// Decodes `der` into `out` (cleared first). Returns false iff OpenSSL cannot parse it as a
// certificate; bytes after the certificate are ignored.
[[nodiscard]] bool decode_x509(ByteView der, const X509Limits& limits, X509Info& out);

// Lower-case hex digests of `data`.
[[nodiscard]] std::string md5_hex(std::string_view data);
[[nodiscard]] std::string sha256_hex(ByteView data);
[[nodiscard]] std::string sha1_hex(ByteView data);

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil), so that
// certificate times before 1970 and after 2262 convert without overflow or time zones.
[[nodiscard]] std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept;

}  // namespace ward::parsers::tls::detail
