// ward.privacy.phi_cleartext: patient data (names, identifiers, birth dates ...) crossed the
// network in cleartext (any clinical::PhiObserved). One alert per flow and protocol; the
// evidence names the fields, never their values. ATT&CK for ICS T0842 Network Sniffing: what
// an adversary on the path collects.
#pragma once

#include "detect/detector.h"

namespace ward::detect {

class PhiDetector final : public Detector {
 public:
  using Detector::Detector;
  void on_event(const bus::EventContext& ctx, const bus::Event& e) override;
};

}  // namespace ward::detect
