#include "detect/netattack/common.h"

#include <array>
#include <cmath>
#include <cstdio>

#include "detect/netattack/netattack.h"

namespace ward::detect::netattack {

std::string format_number(double v) {
  std::array<char, 32> buf{};
  const bool whole = std::fabs(v - std::round(v)) < 1e-9 && std::fabs(v) < 1e15;
  std::snprintf(buf.data(), buf.size(), whole ? "%.0f" : "%.3g", v);
  return std::string(buf.data());
}

void report_forgotten(const bus::EventBus& bus, std::string_view what, std::uint64_t forgotten) {
  if (forgotten == 0) return;
  bus::EventContext ctx;
  bus.anomaly(ctx, "detect.tracked_limit",
              std::to_string(forgotten) + " " + std::string(what) +
                  " forgotten (detect.max_tracked_sources)");
}

}  // namespace ward::detect::netattack
