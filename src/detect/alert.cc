#include "detect/alert.h"

namespace ward::detect {

std::string_view severity_name(Severity s) noexcept {
  switch (s) {
    case Severity::kInfo:
      return "info";
    case Severity::kLow:
      return "low";
    case Severity::kMedium:
      return "medium";
    case Severity::kHigh:
      return "high";
    case Severity::kCritical:
      return "critical";
  }
  return "unknown";
}

bool parse_severity(std::string_view text, Severity& out) noexcept {
  for (auto s :
       {Severity::kInfo, Severity::kLow, Severity::kMedium, Severity::kHigh, Severity::kCritical}) {
    if (severity_name(s) == text) {
      out = s;
      return true;
    }
  }
  return false;
}

std::string make_alert_id(std::string_view rule, std::string_view uid, std::string_view key) {
  // FNV-1a 64 over the three parts with separators, printed as 16 hex digits.
  std::uint64_t h = 1469598103934665603ULL;
  auto mix = [&h](std::string_view s) {
    for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    h = (h ^ 0x1f) * 1099511628211ULL;
  };
  mix(rule);
  mix(uid);
  mix(key);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "A";
  for (int shift = 60; shift >= 0; shift -= 4) out.push_back(kHex[(h >> shift) & 0xf]);
  return out;
}

}  // namespace ward::detect
