// Malformed or evasive protocol use: parser and decoder anomalies that suggest an attack or a
// broken device become alerts (the rest stay in the anomaly log only). One alert per flow and
// anomaly id. The table in anomaly_detector.cc maps anomaly ids to rules:
//   ward.protocol.malformed       a PDU that violates its protocol (T0866)
//   ward.protocol.evasion         overlapping IP fragments and similar tricks (T0866)
//   ward.protocol.resource_limit  a parser or stream limit fired (T0814)
#pragma once

#include "detect/detector.h"

namespace ward::detect {

class AnomalyDetector final : public Detector {
 public:
  using Detector::Detector;
  void on_event(const bus::EventContext& ctx, const bus::Event& e) override;
};

}  // namespace ward::detect
