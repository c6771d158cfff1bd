// Invariant checks for our own bugs. Never use these on values derived from packets or files:
// hostile input is handled with ParseError/anomalies (STYLE.md section 3).
#pragma once

namespace ward::detail {
[[noreturn]] void check_failed(const char* expr, const char* file, int line) noexcept;
}  // namespace ward::detail

// Always on; crashes with the failed expression.
#define WARD_CHECK(cond) \
  ((cond) ? static_cast<void>(0) : ::ward::detail::check_failed(#cond, __FILE__, __LINE__))

#ifdef WARD_DEBUG
#define WARD_DCHECK(cond) WARD_CHECK(cond)
#else
#define WARD_DCHECK(cond) static_cast<void>(0)
#endif
