// Privacy: data leaving a data source for a destination the policy does not list.
//   ward.privacy.exfiltration  a device whose class has `roles.upload_destinations` publishes
//                              (MQTT PUBLISH), uploads (HTTP POST/PUT/PATCH with a body) or sends
//                              at least `exfiltration.bytes` in one connection to a host none
//                              of them lists (T0882)
// A class that no upload destination names is not checked. The device's class comes from the
// inventory (DeviceClassSource). One alert per (device, destination).
#pragma once

#include "detect/detector.h"

namespace ward::detect {

class DeviceClassSource;

class ExfiltrationDetector final : public Detector {
 public:
  ExfiltrationDetector(const policy::Policy& policy, const bus::EventBus& bus, DetectorStats& stats,
                       DeviceClassSource* classes)
      : Detector(policy, bus, stats), classes_(classes) {}
  void on_event(const bus::EventContext& ctx, const bus::Event& e) override;

 private:
  void check(const bus::EventContext& ctx, std::string_view how, std::string_view detail,
             std::uint64_t bytes);

  DeviceClassSource* classes_;
};

}  // namespace ward::detect
