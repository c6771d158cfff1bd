// Invariant checks for our own bugs. Never use these on values derived from packets or files:
// hostile input is handled with ParseError/anomalies (STYLE.md section 3).
#pragma once

namespace ward::detail {
[[noreturn]] void check_failed(const char* expr, const char* file, int line) noexcept;
}  // namespace ward::detail

// Always on; crashes with the failed expression. Macros, not functions, because they print the
// text of `cond` (#cond) with the caller's file and line.
// NOLINTNEXTLINE(cppcoreguidelines-macro-usage): stringifies `cond`; a function cannot.
#define WARD_CHECK(cond) \
  ((cond) ? static_cast<void>(0) : ::ward::detail::check_failed(#cond, __FILE__, __LINE__))

#ifdef WARD_DEBUG
// NOLINTNEXTLINE(cppcoreguidelines-macro-usage): compiled out in release builds, see above.
#define WARD_DCHECK(cond) WARD_CHECK(cond)
#else
// NOLINTNEXTLINE(cppcoreguidelines-macro-usage): must not evaluate `cond` in release builds.
#define WARD_DCHECK(cond) static_cast<void>(0)
#endif
