// Checks the credentials a client sends over HTTP or RTSP (Basic, RFC 7617; Digest, RFC 7616
// and RFC 2617) against a built-in list of vendor factory accounts and of weak passwords, so
// that a device that still accepts them can be found (ATT&CK for ICS T0812).
//
// Contract: no function here keeps, copies into the heap or returns a password. A Basic password
// is decoded into a stack buffer that is cleared before returning; a Digest response is a hash
// that is tried against the candidate passwords. Every input is untrusted and bounded: a value
// longer than kMaxValueBytes, more than kMaxDigestParams parameters or an escaped quote makes
// the check answer kNone, never read outside the input.
//
// Cost: a Basic check is a few dozen string compares. A Digest check computes up to three hashes
// per candidate (kCandidates of them, about a hundred hashes): check only the credentials a
// server accepted, not every attempt, and cache per connection.
#pragma once

#include <cstdint>
#include <string_view>

namespace ward::parsers::auth {

enum class Weakness : std::uint8_t { kNone, kDefault, kWeak };
std::string_view weakness_name(Weakness w) noexcept;  // "default", "weak", "" for kNone

struct Verdict {
  Weakness weakness = Weakness::kNone;
  // Static text saying why: "Axis factory account", "a common password", "the user name as
  // password", "empty password", "shorter than 8 characters". Empty for kNone.
  std::string_view detail;
};

inline constexpr std::size_t kMaxValueBytes = 512;  // user, password, Digest parameter
inline constexpr std::size_t kMaxDigestParams = 32;

// A password that crossed the network in clear (Basic, a URL's user:password). kDefault when
// (user, password) is a vendor's factory account; else kWeak when the password is empty, the
// user name, in the common-password list or shorter than 8 characters (NIST SP 800-63B
// §5.1.1.2 asks for at least 8); else kNone.
Verdict check_password(std::string_view user, std::string_view password) noexcept;

// Basic credentials: the token68 after "Basic " (base64 of user ":" password).
Verdict check_basic(std::string_view token68) noexcept;

// The parameters of Digest credentials (RFC 7616 §3.4), as views into the header value.
struct DigestCredentials {
  std::string_view username, realm, nonce, uri, response, algorithm, qop, nc, cnonce;
  bool userhash = false;  // RFC 7616 §3.4.4: the user name is hashed (not checked)
};

// Parses the part after "Digest ". False when a required parameter (username, realm, nonce,
// uri, response) is missing, a value is too long, quoted with an escape, or the list is malformed.
bool parse_digest(std::string_view credentials, DigestCredentials& out) noexcept;

// Tries the candidates (the user's factory passwords, the common passwords and the user name)
// against the Digest response of a request with `method`. Algorithms MD5, MD5-sess, SHA-256
// and SHA-256-sess with qop "auth" or none; "auth-int" and userhash give kNone.
Verdict check_digest(std::string_view method, const DigestCredentials& d) noexcept;

// True iff `password` gives the Digest response `d` carries (the primitive check_digest uses).
bool digest_response_matches(std::string_view method, const DigestCredentials& d,
                             std::string_view password) noexcept;

// An Authorization header value ("Basic ..." or "Digest ..."); kNone for other schemes.
Verdict check_authorization(std::string_view method, std::string_view value) noexcept;

// The number of candidate passwords a Digest check may try (for benchmarks and docs).
std::size_t candidate_count() noexcept;

}  // namespace ward::parsers::auth
