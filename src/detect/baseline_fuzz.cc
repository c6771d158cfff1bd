// Fuzzes the baseline reader (detect/baseline.h): any bytes give a baseline or an error, never
// a crash; a baseline that loads writes out and reads back the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "detect/baseline.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto b = ward::detect::parse_baseline(text, "fuzz.json");
  if (b.ok()) {
    const std::string out = ward::detect::format_baseline_json(*b);
    auto again = ward::detect::parse_baseline(out, "again.json");
    if (!again.ok() || again->devices.size() != b->devices.size()) std::abort();
  }
  return 0;
}
