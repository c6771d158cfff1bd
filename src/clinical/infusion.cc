#include "clinical/infusion.h"

#include <array>
#include <cctype>
#include <utility>

namespace ward::clinical {
namespace {

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

struct UnitAlias {
  std::string_view alias;
  std::string_view canonical;
};

// MDC codes (IEEE 11073-10101) and names from IHE PCD TF Vol 2 (PCD-03 RXG-16, PCD-10), plus
// UCUM and the spellings pumps and JSON APIs commonly use.
constexpr std::array<UnitAlias, 44> kAliases{{
    {"265266", "mL/h"},
    {"MDC_DIM_MILLI_L_PER_HR", "mL/h"},
    {"mL/h", "mL/h"},
    {"ml/hr", "mL/h"},
    {"mL/hr", "mL/h"},
    {"ml/h", "mL/h"},
    {"265619", "mcg/kg/min"},
    {"MDC_DIM_MICRO_G_PER_KG_PER_MIN", "mcg/kg/min"},
    {"ug/kg/min", "mcg/kg/min"},
    {"mcg/kg/min", "mcg/kg/min"},
    {"265618", "mcg/min"},
    {"MDC_DIM_MICRO_G_PER_MIN", "mcg/min"},
    {"ug/min", "mcg/min"},
    {"mcg/min", "mcg/min"},
    {"265234", "mg/h"},
    {"MDC_DIM_MILLI_G_PER_HR", "mg/h"},
    {"mg/h", "mg/h"},
    {"mg/hr", "mg/h"},
    {"mg/kg/h", "mg/kg/h"},
    {"mg/kg/hr", "mg/kg/h"},
    {"units/h", "units/h"},
    {"U/h", "units/h"},
    {"[iU]/h", "units/h"},
    {"units/hr", "units/h"},
    {"units/kg/h", "units/kg/h"},
    {"U/kg/h", "units/kg/h"},
    {"[iU]/kg/h", "units/kg/h"},
    {"263872", "g"},
    {"MDC_DIM_X_G", "g"},
    {"g", "g"},
    {"263890", "mg"},
    {"MDC_DIM_MILLI_G", "mg"},
    {"mg", "mg"},
    {"263891", "mcg"},
    {"MDC_DIM_MICRO_G", "mcg"},
    {"ug", "mcg"},
    {"mcg", "mcg"},
    {"units", "units"},
    {"U", "units"},
    {"[iU]", "units"},
    {"263762", "mL"},
    {"MDC_DIM_MILLI_L", "mL"},
    {"mL", "mL"},
    {"ml", "mL"},
}};

std::string_view lookup(std::string_view s) noexcept {
  for (const auto& a : kAliases)
    if (iequals(a.alias, s)) return a.canonical;
  return {};
}

}  // namespace

std::string_view rate_kind_name(RateKind k) noexcept {
  switch (k) {
    case RateKind::kVolumeRate:
      return "volume_rate";
    case RateKind::kDoseRate:
      return "dose_rate";
    case RateKind::kDose:
      return "dose";
    case RateKind::kUnknown:
      break;
  }
  return "unknown";
}

std::string_view program_source_name(ProgramSource s) noexcept {
  return s == ProgramSource::kHl7Pcd03 ? "hl7_pcd03" : "mqtt_json";
}

std::string_view canonical_units(std::string_view text) noexcept {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  // Coded forms "code^name^system": try each component.
  std::string_view first = text;
  std::size_t start = 0;
  for (int i = 0; i < 3 && start <= text.size(); ++i) {
    const auto caret = text.find('^', start);
    const std::string_view comp =
        text.substr(start, caret == std::string_view::npos ? caret : caret - start);
    if (i == 0) first = comp;
    if (auto c = lookup(comp); !c.empty()) return c;
    if (caret == std::string_view::npos) break;
    start = caret + 1;
  }
  return first;
}

RateKind rate_kind_for_units(std::string_view u) noexcept {
  if (u == "mL/h") return RateKind::kVolumeRate;
  if (u == "mcg/kg/min" || u == "mcg/min" || u == "mg/h" || u == "mg/kg/h" || u == "units/h" ||
      u == "units/kg/h")
    return RateKind::kDoseRate;
  if (u == "g" || u == "mg" || u == "mcg" || u == "units" || u == "mL") return RateKind::kDose;
  return RateKind::kUnknown;
}

}  // namespace ward::clinical
