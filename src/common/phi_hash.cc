#include "common/phi_hash.h"

#include "common/bytes.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

namespace ward {

std::string PhiHasher::hash(std::string_view value) const {
  if (value.empty()) return {};
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
       as_bytes(value).data(), value.size(), mac.data(), &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "hmac:";
  for (unsigned i = 0; i < 12 && i < len; ++i) {
    out.push_back(kHex[mac[i] >> 4]);
    out.push_back(kHex[mac[i] & 0xf]);
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

std::string redact_json_fields(std::string_view text, const std::vector<std::string>& keys, const PhiHasher& hasher) {
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
    while (j < text.size() && (text[j] == ' ' || text[j] == '\t' || text[j] == '\n' || text[j] == '\r')) ++j;
    if (!sensitive || j >= text.size() || text[j] != ':') continue;
    out.append(text.substr(i, j + 1 - i));
    i = j + 1;
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')) out.push_back(text[i++]);
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
  if (fd < 0) return unexpected(io_error(path + ": cannot create PHI key: " + std::strerror(errno)));
  const auto written = ::write(fd, raw.data(), raw.size());
  ::close(fd);
  if (written != static_cast<ssize_t>(raw.size()))
    return unexpected(io_error(path + ": cannot write PHI key"));
  return std::string(raw.begin(), raw.end());
}

}  // namespace ward
