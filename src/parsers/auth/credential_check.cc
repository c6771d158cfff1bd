#include "parsers/auth/credential_check.h"

#include <openssl/evp.h>

#include <array>
#include <cstring>
#include <initializer_list>

namespace ward::parsers::auth {
namespace {

struct FactoryAccount {
  std::string_view user;
  std::string_view password;
  std::string_view detail;  // whose factory account it is
};

// Factory accounts of network cameras and recorders as their vendors ship(ped) them, from the
// vendors' installation guides (firmware of those years; newer firmware asks for a password at
// first use, but installed devices keep what they had). One entry per (user, password).
constexpr FactoryAccount kFactoryAccounts[] = {
    {"root", "pass", "Axis factory account"},
    {"admin", "12345", "Hikvision and Panasonic factory account"},
    {"admin", "admin", "Dahua, Sony, Pelco, Avigilon, GeoVision and Grandstream factory account"},
    {"888888", "888888", "Dahua factory account"},
    {"666666", "666666", "Dahua factory account"},
    {"root", "", "Vivotek factory account"},
    {"admin", "", "Foscam and Arecont Vision factory account"},
    {"admin", "4321", "Hanwha (Samsung) factory account"},
    {"service", "service", "Bosch factory account"},
    {"live", "live", "Bosch factory account"},
    {"admin", "meinsm", "Mobotix factory account"},
    {"ubnt", "ubnt", "Ubiquiti factory account"},
    {"admin", "123456", "ACTi factory account"},
    {"Admin", "123456", "ACTi factory account"},
    {"admin", "1234", "Honeywell factory account"},
};

// Passwords that guessing tools try first (the head of every common-password list).
constexpr std::string_view kCommonPasswords[] = {
    "password", "Password", "admin",     "root",       "pass",    "1234",    "12345",  "123456",
    "1234567",  "12345678", "123456789", "1234567890", "111111",  "000000",  "0000",   "1111",
    "default",  "guest",    "qwerty",    "changeme",   "letmein", "welcome", "abc123", "camera",
    "system",   "service",  "support",   "test",       "user",    "secret",
};

constexpr std::size_t kMinLength = 8;  // NIST SP 800-63B §5.1.1.2

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

int base64_value(char c) noexcept {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// A stack buffer that is cleared when it goes out of scope (it may hold a password).
struct ClearedBuffer {
  std::array<char, 2 * kMaxValueBytes + 1> bytes{};
  std::size_t size = 0;
  ~ClearedBuffer() {
    volatile char* p = bytes.data();
    for (std::size_t i = 0; i < bytes.size(); ++i) p[i] = 0;
  }
};

// RFC 4648 §4 into `out`; false on a bad character or when it does not fit.
bool decode_base64(std::string_view in, ClearedBuffer& out) noexcept {
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    const int v = base64_value(c);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (out.size == out.bytes.size()) return false;
      out.bytes[out.size++] = static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return true;
}

Verdict classify(std::string_view user, std::string_view password, bool length_known) noexcept {
  for (const FactoryAccount& f : kFactoryAccounts)
    if (f.user == user && f.password == password) return {Weakness::kDefault, f.detail};
  if (password.empty()) return {Weakness::kWeak, "empty password"};
  if (iequals(password, user)) return {Weakness::kWeak, "the user name as password"};
  for (std::string_view c : kCommonPasswords)
    if (c == password) return {Weakness::kWeak, "a common password"};
  if (length_known && password.size() < kMinLength)
    return {Weakness::kWeak, "shorter than 8 characters"};
  return {};
}

// One hash function over pieces joined by ':', hex-encoded in lower case.
class Hasher {
 public:
  explicit Hasher(const EVP_MD* md) noexcept : md_(md), ctx_(EVP_MD_CTX_new()) {}
  ~Hasher() { EVP_MD_CTX_free(ctx_); }
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  [[nodiscard]] bool ok() const noexcept { return md_ != nullptr && ctx_ != nullptr; }

  // The hex digest of the pieces joined by ':' into `hex` (2 * digest size chars); false on an
  // OpenSSL failure (an algorithm the provider refuses).
  bool hex(std::initializer_list<std::string_view> pieces, std::string_view& hex_out) noexcept {
    if (EVP_DigestInit_ex(ctx_, md_, nullptr) != 1) return false;
    bool first = true;
    for (std::string_view p : pieces) {
      if (!first && EVP_DigestUpdate(ctx_, ":", 1) != 1) return false;
      first = false;
      if (!p.empty() && EVP_DigestUpdate(ctx_, p.data(), p.size()) != 1) return false;
    }
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int n = 0;
    if (EVP_DigestFinal_ex(ctx_, digest.data(), &n) != 1) return false;
    static constexpr char kHex[] = "0123456789abcdef";
    const unsigned int bytes = std::min<unsigned int>(n, EVP_MAX_MD_SIZE);
    for (unsigned int i = 0; i < bytes; ++i) {
      buffer_[2 * i] = kHex[digest[i] >> 4];
      buffer_[2 * i + 1] = kHex[digest[i] & 0xf];
    }
    hex_out = std::string_view(buffer_.data(), 2 * bytes);
    return true;
  }

 private:
  const EVP_MD* md_;
  EVP_MD_CTX* ctx_;
  std::array<char, 2 * EVP_MAX_MD_SIZE> buffer_{};
};

// The Digest response for one candidate password (RFC 7616 §3.4.1-3.4.2).
bool response_matches(const DigestCredentials& d, std::string_view ha2, bool sess,
                      std::string_view password, Hasher& h) noexcept {
  std::string_view ha1;
  if (!h.hex({d.username, d.realm, password}, ha1)) return false;
  std::array<char, 2 * EVP_MAX_MD_SIZE> ha1_copy{};
  std::memcpy(ha1_copy.data(), ha1.data(), ha1.size());
  ha1 = std::string_view(ha1_copy.data(), ha1.size());
  if (sess) {
    std::string_view sess_ha1;
    if (!h.hex({ha1, d.nonce, d.cnonce}, sess_ha1)) return false;
    std::memcpy(ha1_copy.data(), sess_ha1.data(), sess_ha1.size());
  }
  std::string_view response;
  const bool done = d.qop.empty() ? h.hex({ha1, d.nonce, ha2}, response)
                                  : h.hex({ha1, d.nonce, d.nc, d.cnonce, d.qop, ha2}, response);
  return done && iequals(response, d.response);
}

}  // namespace

std::string_view weakness_name(Weakness w) noexcept {
  switch (w) {
    case Weakness::kDefault:
      return "default";
    case Weakness::kWeak:
      return "weak";
    case Weakness::kNone:
      break;
  }
  return "";
}

std::size_t candidate_count() noexcept {
  return std::size(kFactoryAccounts) + std::size(kCommonPasswords) + 2;  // + empty + user name
}

Verdict check_password(std::string_view user, std::string_view password) noexcept {
  if (user.size() > kMaxValueBytes || password.size() > kMaxValueBytes) return {};
  return classify(user, password, true);
}

Verdict check_basic(std::string_view token68) noexcept {
  token68 = trim(token68);
  if (token68.size() > 4 * ((2 * kMaxValueBytes + 2) / 3)) return {};
  ClearedBuffer decoded;
  if (!decode_base64(token68, decoded)) return {};
  const std::string_view both(decoded.bytes.data(), decoded.size);
  const std::size_t colon = both.find(':');
  if (colon == std::string_view::npos) return {};
  return check_password(both.substr(0, colon), both.substr(colon + 1));
}

bool parse_digest(std::string_view credentials, DigestCredentials& out) noexcept {
  out = DigestCredentials{};
  std::size_t pos = 0;
  std::size_t params = 0;
  while (pos < credentials.size()) {
    if (++params > kMaxDigestParams) return false;
    // auth-param = token BWS "=" BWS ( token / quoted-string ), separated by commas.
    const std::size_t eq = credentials.find('=', pos);
    if (eq == std::string_view::npos) return false;
    const std::string_view name = trim(credentials.substr(pos, eq - pos));
    std::size_t v = eq + 1;
    while (v < credentials.size() && (credentials[v] == ' ' || credentials[v] == '\t')) ++v;
    std::string_view value;
    std::size_t next = 0;
    if (v < credentials.size() && credentials[v] == '"') {
      const std::size_t close = credentials.find('"', v + 1);
      if (close == std::string_view::npos) return false;
      value = credentials.substr(v + 1, close - v - 1);
      if (value.find('\\') != std::string_view::npos) return false;  // quoted-pair: not checked
      next = credentials.find(',', close + 1);
    } else {
      next = credentials.find(',', v);
      value = trim(credentials.substr(v, next == std::string_view::npos ? next : next - v));
    }
    if (value.size() > kMaxValueBytes) return false;
    if (iequals(name, "username"))
      out.username = value;
    else if (iequals(name, "realm"))
      out.realm = value;
    else if (iequals(name, "nonce"))
      out.nonce = value;
    else if (iequals(name, "uri"))
      out.uri = value;
    else if (iequals(name, "response"))
      out.response = value;
    else if (iequals(name, "algorithm"))
      out.algorithm = value;
    else if (iequals(name, "qop"))
      out.qop = value;
    else if (iequals(name, "nc"))
      out.nc = value;
    else if (iequals(name, "cnonce"))
      out.cnonce = value;
    else if (iequals(name, "userhash"))
      out.userhash = iequals(value, "true");
    if (next == std::string_view::npos) break;
    pos = next + 1;
  }
  return !out.username.empty() && !out.nonce.empty() && !out.uri.empty() && !out.response.empty() &&
         out.realm.data() != nullptr;
}

namespace {

// The digest and session flag named by `algorithm`, or null for one that is not checked.
const EVP_MD* digest_algorithm(const DigestCredentials& d, bool& sess) noexcept {
  const std::string_view alg = d.algorithm.empty() ? std::string_view("MD5") : d.algorithm;
  sess = false;
  if (iequals(alg, "MD5")) return EVP_md5();
  if (iequals(alg, "SHA-256")) return EVP_sha256();
  sess = true;
  if (iequals(alg, "MD5-sess")) return EVP_md5();
  if (iequals(alg, "SHA-256-sess")) return EVP_sha256();
  return nullptr;
}

// Tries the user's factory passwords, the empty password, the user name and the common
// passwords in that order; the verdict for the first that `tried` accepts, else kNone.
template <typename F>
Verdict first_candidate(std::string_view user, F&& tried) {
  for (const FactoryAccount& f : kFactoryAccounts)
    if (f.user == user && tried(f.password)) return classify(user, f.password, false);
  if (tried(std::string_view(""))) return classify(user, "", false);
  if (tried(user)) return classify(user, user, false);
  for (std::string_view c : kCommonPasswords)
    if (tried(c)) return classify(user, c, false);
  return {};
}

}  // namespace

bool digest_response_matches(std::string_view method, const DigestCredentials& d,
                             std::string_view password) noexcept {
  if (d.userhash || method.size() > kMaxValueBytes || password.size() > kMaxValueBytes)
    return false;
  if (!d.qop.empty() && !iequals(d.qop, "auth")) return false;  // auth-int hashes the body
  bool sess = false;
  const EVP_MD* md = digest_algorithm(d, sess);
  if (md == nullptr) return false;
  Hasher h(md);
  std::string_view ha2;
  if (!h.ok() || !h.hex({method, d.uri}, ha2)) return false;
  std::array<char, 2 * EVP_MAX_MD_SIZE> ha2_copy{};
  std::memcpy(ha2_copy.data(), ha2.data(), ha2.size());
  return response_matches(d, std::string_view(ha2_copy.data(), ha2.size()), sess, password, h);
}

Verdict check_digest(std::string_view method, const DigestCredentials& d) noexcept {
  if (d.userhash || method.size() > kMaxValueBytes) return {};
  if (!d.qop.empty() && !iequals(d.qop, "auth")) return {};  // auth-int hashes the body
  bool sess = false;
  const EVP_MD* md = digest_algorithm(d, sess);
  if (md == nullptr) return {};
  Hasher h(md);
  std::string_view ha2_view;
  if (!h.ok() || !h.hex({method, d.uri}, ha2_view)) return {};
  std::array<char, 2 * EVP_MAX_MD_SIZE> ha2{};
  std::memcpy(ha2.data(), ha2_view.data(), ha2_view.size());
  const std::string_view ha2_hex(ha2.data(), ha2_view.size());
  return first_candidate(d.username, [&](std::string_view password) {
    return response_matches(d, ha2_hex, sess, password, h);
  });
}

Verdict check_authorization(std::string_view method, std::string_view value) noexcept {
  value = trim(value);
  const std::size_t sp = value.find(' ');
  if (sp == std::string_view::npos) return {};
  const std::string_view scheme = value.substr(0, sp);
  const std::string_view rest = trim(value.substr(sp + 1));
  if (iequals(scheme, "Basic")) return check_basic(rest);
  if (iequals(scheme, "Digest")) {
    DigestCredentials d;
    if (!parse_digest(rest, d)) return {};
    return check_digest(method, d);
  }
  return {};
}

}  // namespace ward::parsers::auth
