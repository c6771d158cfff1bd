// Default and weak credentials that a server accepted (RTSP, HTTP and MQTT CONNECT, checked by
// parsers/auth):
//   ward.auth.default_credentials  a server answered 2xx/3xx (CONNACK 0) to a factory account
//                                  (Axis root/pass, Hikvision admin/12345, ...): anyone who
//                                  knows the vendor can log in (T0812, high)
//   ward.auth.weak_credentials     a server accepted a weak password: empty, the user name,
//                                  a common password or (Basic) shorter than 8 characters
//                                  (T0859, medium)
// Refused attempts raise nothing here (brute force is netattack's). One alert per (server,
// user, rule); the evidence names the protocol, scheme, user and why, never the password.
#pragma once

#include "detect/detector.h"

namespace ward::detect {

class DeviceClassSource;

class CredentialDetector final : public Detector {
 public:
  CredentialDetector(const policy::Policy& policy, const bus::EventBus& bus, DetectorStats& stats,
                     DeviceClassSource* classes)
      : Detector(policy, bus, stats), classes_(classes) {}
  void on_event(const bus::EventContext& ctx, const bus::Event& e) override;

 private:
  struct Accepted;
  void report(const bus::EventContext& ctx, const Accepted& a);

  DeviceClassSource* classes_;
};

}  // namespace ward::detect
