// Clinical semantics shared by every path that can program a pump: IHE PCD-03 RGV^O15 over
// HL7/MLLP, or a JSON command on an MQTT topic. Detectors and (later) the gateway see one
// InfusionProgram event whatever the transport. Views are valid during the callback only.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "bus/event.h"

namespace ward::clinical {

// What RXG-15 (or a JSON "rate"/"dose_rate"/"dose") means, from its units.
enum class RateKind : std::uint8_t {
  kUnknown,
  kVolumeRate,  // mL/h
  kDoseRate,    // e.g. mcg/kg/min, mg/h, units/h
  kDose,        // an amount: bolus or total dose (g, mg, units)
};
std::string_view rate_kind_name(RateKind k) noexcept;

enum class ProgramSource : std::uint8_t { kHl7Pcd03, kMqttJson };
std::string_view program_source_name(ProgramSource s) noexcept;

struct InfusionProgram : bus::Event {
  static constexpr bus::EventKind kKind = bus::EventKind::kInfusionProgram;
  InfusionProgram() noexcept : bus::Event(kKind) {}

  ProgramSource source = ProgramSource::kHl7Pcd03;
  std::string_view message_control_id;  // MSH-10, or the JSON "id"
  std::string_view order_control;       // ORC-1: NW, RE, XO, CH ...
  std::string_view drug_id;             // RXG-4.1 (e.g. NDC) / JSON "drug_id"
  std::string_view drug_name;           // RXG-4.2 / JSON "drug"
  std::optional<double> rate;           // RXG-15 / JSON "rate" or "dose_rate" or "dose"
  std::string_view rate_units;          // canonical form (see canonical_units), e.g. "mL/h"
  RateKind rate_kind = RateKind::kUnknown;
  std::optional<double> vtbi_ml;            // RXG-5 (VTBI), converted to mL
  std::string_view care_area;               // PV1-3.1 point of care / JSON "care_area"
  std::string_view pump_id;                 // OBX-18 of MDC_DEV_PUMP_INFUS_VMD / JSON "pump_id"
  std::optional<double> patient_weight_kg;  // OBX MDC_ATTR_PT_WEIGHT
  std::string_view topic;                   // MQTT only: the topic the command came on
};

// Maps the unit notations seen in PCD-03 and in JSON to one canonical spelling:
//   "265266^MDC_DIM_MILLI_L_PER_HR^MDC", "mL/h^mL/h^UCUM", "ml/hr", "mL/h"  -> "mL/h"
//   "265619^MDC_DIM_MICRO_G_PER_KG_PER_MIN^MDC", "ug/kg/min", "mcg/kg/min"  -> "mcg/kg/min"
//   "263872^MDC_DIM_X_G^MDC", "g"                                        -> "g"
// (and mg, mcg, units, mL, mg/h, units/h, mcg/min, mg/kg/h, units/kg/h). Unknown text is
// returned unchanged (trimmed to its first component). The result has static storage or is a
// view into `text`.
std::string_view canonical_units(std::string_view text) noexcept;
RateKind rate_kind_for_units(std::string_view canonical) noexcept;

}  // namespace ward::clinical
