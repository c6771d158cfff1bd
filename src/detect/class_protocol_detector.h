// Zero trust by device class: a device speaking an application protocol its class never uses.
//   ward.segmentation.unexpected_protocol  a device whose inventory class has a protocol list
//       (policy `device_protocols`, built-in defaults for pumps, monitors, imaging modalities
//       and cameras) uses, as a client, or serves a protocol not in that list, in a connection
//       the server answered (a scan's unanswered probes are the scan detector's).
//       T0886 Remote Services. High for a medical device, else medium. One alert per (device,
//       protocol, role).
// A flow's protocol is its parser's service, else the responder's well-known port
// (zones.h flow_protocol); a flow whose protocol neither names is not judged. Telnet and FTP
// are never judged here: the crypto detector (ward.crypto.cleartext_protocol) and the
// infusion file-transfer rule already report them, and one finding should make one alert.
// Checked at each connection record, with the class the inventory knows then.
#pragma once

#include "detect/detector.h"

namespace ward::detect {

class DeviceClassSource;

class ClassProtocolDetector final : public Detector {
 public:
  ClassProtocolDetector(const policy::Policy& policy, const bus::EventBus& bus,
                        DetectorStats& stats, DeviceClassSource* classes)
      : Detector(policy, bus, stats), classes_(classes) {}
  void on_event(const bus::EventContext& ctx, const bus::Event& e) override;

 private:
  void check(const bus::EventContext& ctx, const IpAddr& device, const IpAddr& peer, bool server,
             std::string_view protocol);

  DeviceClassSource* classes_;
};

}  // namespace ward::detect
