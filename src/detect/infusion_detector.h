// Infusion programming checks (DOMAIN.md section 2, "detection recipe"), for every
// clinical::InfusionProgram whatever its transport:
//   ward.infusion.unauthorized_programmer  the sender is not an authorised programmer (T0855)
//   ward.infusion.unknown_drug             the drug is not in the drug library (T0836)
//   ward.infusion.hard_limit               rate, dose rate, dose or VTBI beyond a hard limit
//   (T0836) ward.infusion.soft_limit               beyond a soft limit, within the hard limit
//   (T0836) ward.infusion.units_mismatch           programmed in units the library has no limit for
//   (T0836) ward.infusion.no_care_area_limits      the drug has no limits for the care area (T0836)
#pragma once

#include "detect/detector.h"

namespace ward::detect {

class InfusionDetector final : public Detector {
 public:
  using Detector::Detector;
  void on_event(const bus::EventContext& ctx, const bus::Event& e) override;
};

}  // namespace ward::detect
