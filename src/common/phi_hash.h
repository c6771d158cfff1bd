// Keyed hashing of patient identifiers so logs stay linkable without disclosing PHI:
// HMAC-SHA256 (RFC 2104) with a per-installation key, truncated to 96 bits, written
// "hmac:<24 hex>". The key lives in a file created on first use (0600); see
// load_or_create_phi_key(). The keyed inner and outer SHA-256 states are computed once, so a
// hash costs two short digests. Not thread-safe: one hasher per thread (log writers are).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace ward {

class PhiHasher {
 public:
  explicit PhiHasher(const std::string& key);
  ~PhiHasher();
  PhiHasher(const PhiHasher& other);
  PhiHasher& operator=(const PhiHasher&) = delete;
  // A moved-from hasher may only be destroyed.
  PhiHasher(PhiHasher&& other) noexcept;
  PhiHasher& operator=(PhiHasher&&) = delete;
  // "hmac:" + 24 lowercase hex digits. Empty input gives an empty string.
  [[nodiscard]] std::string hash(std::string_view value) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Replaces, in JSON text that may be cut short (a payload excerpt), the string value of every
// member named in `keys` by its keyed hash: {"patient_name":"DOE^JANE"} becomes
// {"patient_name":"hmac:..."}. Non-string values of those members become "[redacted]"; a value
// cut off by the end of the text is dropped. Text that is not JSON passes through unchanged.
// True iff some JSON string in `text` (a key or a value) equals one of `keys`. One pass, no
// allocation; text cut short or not JSON at all is scanned the same way.
bool json_mentions_any(std::string_view text, const std::vector<std::string>& keys) noexcept;

std::string redact_json_fields(std::string_view text, const std::vector<std::string>& keys,
                               const PhiHasher& hasher);

// Reads the key at `path`, or creates it with 32 random bytes (mode 0600) if it is missing.
Result<std::string> load_or_create_phi_key(const std::string& path);

}  // namespace ward
