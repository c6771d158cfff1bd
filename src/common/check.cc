#include "common/check.h"

#include <cstdio>
#include <cstdlib>

namespace ward::detail {

void check_failed(const char* expr, const char* file, int line) noexcept {
  std::fprintf(stderr, "WARD_CHECK failed: %s at %s:%d\n", expr, file, line);
  std::abort();
}

}  // namespace ward::detail
