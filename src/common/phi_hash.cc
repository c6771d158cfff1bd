#include "common/phi_hash.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "common/bytes.h"
#include "common/check.h"

namespace ward {

// RFC 2104: HMAC(K, m) = H((K0 ^ opad) || H((K0 ^ ipad) || m)), K0 = K padded (or hashed
// when longer than the block) to the 64-byte SHA-256 block.
struct PhiHasher::State {
  EVP_MD_CTX* inner = nullptr;    // SHA-256 after absorbing K0 ^ ipad
  EVP_MD_CTX* outer = nullptr;    // SHA-256 after absorbing K0 ^ opad
  EVP_MD_CTX* scratch = nullptr;  // reused per hash
  // The same patients and devices recur message after message: a direct-mapped cache of recent
  // short values and their hashes (bounded: kCacheSlots entries of at most kCacheValueBytes).
  static constexpr std::size_t kCacheSlots = 512;
  static constexpr std::size_t kCacheValueBytes = 64;
  struct Slot {
    std::string value;
    std::string hash;
  };
  std::array<Slot, kCacheSlots> cache;
  State() : inner(EVP_MD_CTX_new()), outer(EVP_MD_CTX_new()), scratch(EVP_MD_CTX_new()) {}
  ~State() {
    EVP_MD_CTX_free(inner);
    EVP_MD_CTX_free(outer);
    EVP_MD_CTX_free(scratch);
  }
  State(const State&) = delete;
  State& operator=(const State&) = delete;
  State(State&&) = delete;
  State& operator=(State&&) = delete;
};

PhiHasher::PhiHasher(const std::string& key) : state_(std::make_unique<State>()) {
  constexpr std::size_t kBlock = 64;
  std::array<unsigned char, kBlock> k0{};
  if (key.size() > kBlock) {
    unsigned int n = 0;
    EVP_Digest(key.data(), key.size(), k0.data(), &n, EVP_sha256(), nullptr);
  } else {
    std::copy(key.begin(), key.end(), k0.begin());
  }
  std::array<unsigned char, kBlock> ipad{};
  std::array<unsigned char, kBlock> opad{};
  for (std::size_t i = 0; i < kBlock; ++i) {
    ipad[i] = static_cast<unsigned char>(k0[i] ^ 0x36);
    opad[i] = static_cast<unsigned char>(k0[i] ^ 0x5c);
  }
  const bool ok = EVP_DigestInit_ex(state_->inner, EVP_sha256(), nullptr) == 1 &&
                  EVP_DigestUpdate(state_->inner, ipad.data(), kBlock) == 1 &&
                  EVP_DigestInit_ex(state_->outer, EVP_sha256(), nullptr) == 1 &&
                  EVP_DigestUpdate(state_->outer, opad.data(), kBlock) == 1;
  WARD_CHECK(ok);  // SHA-256 is always available in OpenSSL 3
}

PhiHasher::PhiHasher(const PhiHasher& other) : state_(std::make_unique<State>()) {
  WARD_CHECK(EVP_MD_CTX_copy_ex(state_->inner, other.state_->inner) == 1 &&
             EVP_MD_CTX_copy_ex(state_->outer, other.state_->outer) == 1);
}

PhiHasher::PhiHasher(PhiHasher&& other) noexcept = default;

PhiHasher::~PhiHasher() = default;

std::string PhiHasher::hash(std::string_view value) const {
  if (value.empty()) return {};
  State::Slot* slot = nullptr;
  if (value.size() <= State::kCacheValueBytes) {
    std::uint64_t h = 1469598103934665603ULL;  // FNV-1a, only to pick the slot
    for (char c : value) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    slot = &state_->cache[h % State::kCacheSlots];
    if (!slot->hash.empty() && slot->value == value) return slot->hash;
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> inner{};
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int inner_len = 0;
  unsigned int len = 0;
  EVP_MD_CTX* c = state_->scratch;
  const bool ok = EVP_MD_CTX_copy_ex(c, state_->inner) == 1 &&
                  EVP_DigestUpdate(c, value.data(), value.size()) == 1 &&
                  EVP_DigestFinal_ex(c, inner.data(), &inner_len) == 1 &&
                  EVP_MD_CTX_copy_ex(c, state_->outer) == 1 &&
                  EVP_DigestUpdate(c, inner.data(), inner_len) == 1 &&
                  EVP_DigestFinal_ex(c, mac.data(), &len) == 1;
  WARD_CHECK(ok);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "hmac:";
  for (unsigned i = 0; i < 12 && i < len; ++i) {
    out.push_back(kHex[mac[i] >> 4]);
    out.push_back(kHex[mac[i] & 0xf]);
  }
  if (slot != nullptr) {
    slot->value.assign(value);
    slot->hash = out;
  }
  return out;
}

namespace {

// Index just past the JSON string starting at text[i] == '"', or npos if it does not end.
std::size_t skip_json_string(std::string_view text, std::size_t i) {
  for (std::size_t k = i + 1; k < text.size(); ++k) {
    if (text[k] == '\\') {
      ++k;
      continue;
    }
    if (text[k] == '"') return k + 1;
  }
  return std::string_view::npos;
}

}  // namespace

bool json_mentions_any(std::string_view text, const std::vector<std::string>& keys) noexcept {
  std::size_t i = text.find('"');
  while (i != std::string_view::npos) {
    const std::size_t end = skip_json_string(text, i);
    if (end == std::string_view::npos) return false;
    const std::string_view s = text.substr(i + 1, end - i - 2);
    for (const std::string& k : keys)
      if (k.size() == s.size() && k == s) return true;
    i = text.find('"', end);
  }
  return false;
}

std::string redact_json_fields(std::string_view text, const std::vector<std::string>& keys,
                               const PhiHasher& hasher) {
  // Fast path: most payloads name no sensitive member at all.
  const bool any = json_mentions_any(text, keys);
  if (!any) return std::string(text);
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] != '"') {
      out.push_back(text[i++]);
      continue;
    }
    const std::size_t end = skip_json_string(text, i);
    if (end == std::string_view::npos) {  // an unterminated string ends the text
      out.append(text.substr(i));
      break;
    }
    const std::string_view name = text.substr(i + 1, end - i - 2);
    out.append(text.substr(i, end - i));
    i = end;
    bool sensitive = false;
    for (const std::string& k : keys) sensitive = sensitive || k == name;
    // A member name is followed by ':'; only then is the next token its value.
    std::size_t j = i;
    while (j < text.size() &&
           (text[j] == ' ' || text[j] == '\t' || text[j] == '\n' || text[j] == '\r'))
      ++j;
    if (!sensitive || j >= text.size() || text[j] != ':') continue;
    out.append(text.substr(i, j + 1 - i));
    i = j + 1;
    while (i < text.size() &&
           (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r'))
      out.push_back(text[i++]);
    if (i >= text.size()) break;
    if (text[i] == '"') {
      const std::size_t vend = skip_json_string(text, i);
      if (vend == std::string_view::npos) break;  // cut off: drop the partial value
      out += '"' + hasher.hash(text.substr(i + 1, vend - i - 2)) + '"';
      i = vend;
    } else {
      // A number, object, array or literal: skip to the end of the value at this depth.
      int depth = 0;
      std::size_t k = i;
      for (; k < text.size(); ++k) {
        const char c = text[k];
        if (c == '"') {
          const std::size_t se = skip_json_string(text, k);
          if (se == std::string_view::npos) {
            k = text.size();
            break;
          }
          k = se - 1;
        } else if (c == '{' || c == '[') {
          ++depth;
        } else if (c == '}' || c == ']') {
          if (depth == 0) break;
          --depth;
        } else if (c == ',' && depth == 0) {
          break;
        }
      }
      out += "\"[redacted]\"";
      i = k;
    }
  }
  return out;
}

Result<std::string> load_or_create_phi_key(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (in) {
    std::string key((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (key.size() < 16) return unexpected(corrupt(path + ": PHI key is shorter than 16 bytes"));
    return key;
  }
  std::array<unsigned char, 32> raw{};
  if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1)
    return unexpected(internal_error("cannot draw random bytes for the PHI key"));
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0)
    return unexpected(io_error(path + ": cannot create PHI key: " + std::strerror(errno)));
  const auto written = ::write(fd, raw.data(), raw.size());
  ::close(fd);
  if (written != static_cast<ssize_t>(raw.size()))
    return unexpected(io_error(path + ": cannot write PHI key"));
  return std::string(raw.begin(), raw.end());
}

}  // namespace ward
