// libFuzzer target: Authorization header values (Basic, Digest) through the credential check.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "parsers/auth/credential_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view value(reinterpret_cast<const char*>(data), size);
  (void)ward::parsers::auth::check_authorization("DESCRIBE", value);
  ward::parsers::auth::DigestCredentials d;
  if (ward::parsers::auth::parse_digest(value, d))
    (void)ward::parsers::auth::digest_response_matches("GET", d, "pass");
  return 0;
}
