// X.509 decoding for the TLS parser: one DER certificate in, an owned X509Info out, through
// OpenSSL 3 (d2i_X509). Also the message digests the fingerprints need. OpenSSL is C and
// throws nothing; every size is bounded before it is handed over. Thread-safe (no state).
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>

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

// Decoded certificates by their DER bytes, the least recently used dropped first. A server sends
// the same chain on every connection, so decoding each distinct certificate once instead of once
// per handshake removes most of the OpenSSL cost (Zeek caches X.509 results the same way).
// Memory: at most `capacity` DER copies and X509Infos. Not thread-safe: one cache per parser
// factory, and a factory serves one engine thread.
class X509Cache {
 public:
  explicit X509Cache(std::size_t capacity) : capacity_(capacity) {}
  X509Cache(const X509Cache&) = delete;
  X509Cache& operator=(const X509Cache&) = delete;

  // The decoded certificate, or nullptr iff OpenSSL cannot parse `der` (decode_x509 false).
  // The result is valid until the next lookup. `limits` must be the same on every call.
  [[nodiscard]] const X509Info* lookup(ByteView der, const X509Limits& limits);

  [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }
  [[nodiscard]] std::uint64_t hits() const noexcept { return hits_; }

 private:
  struct Entry {
    std::string der;
    X509Info info;
    bool valid = false;
  };
  using List = std::list<Entry>;

  std::size_t capacity_;
  List entries_;                                                 // most recently used first
  std::unordered_map<std::string_view, List::iterator> by_der_;  // keys view Entry::der
  Entry scratch_;                                                // capacity 0: no caching
  std::uint64_t hits_ = 0;
};

// Lower-case hex digests of `data`.
[[nodiscard]] std::string md5_hex(std::string_view data);
[[nodiscard]] std::string sha256_hex(ByteView data);
[[nodiscard]] std::string sha1_hex(ByteView data);

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil), so that
// certificate times before 1970 and after 2262 convert without overflow or time zones.
[[nodiscard]] std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept;

}  // namespace ward::parsers::tls::detail
