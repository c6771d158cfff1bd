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
