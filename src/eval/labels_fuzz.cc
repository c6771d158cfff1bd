// Fuzzes the labels reader (eval/labels.h): any bytes give labels or an error, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "eval/labels.h"
#include "eval/scorecard.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto labels = ward::eval::parse_labels(text, "fuzz.json");
  if (labels.ok()) {
    // Score against an alert at every label's start, so the matching runs too.
    std::vector<ward::eval::ObservedAlert> alerts;
    for (const auto& l : *labels) alerts.push_back({"ward.scan.port", l.start_ts, l.attacker, {}});
    (void)ward::eval::format_scorecard_json(ward::eval::score(*labels, alerts));
  }
  return 0;
}
