// Segmentation (IEC 62443 zones and conduits, policy/zones.h): checks each new flow at its
// first packet (flow::FlowStart) against the policy's conduits, and the devices seen in
// medical zones against what the inventory identified.
//
//   ward.segmentation.conduit_violation  a flow between two zones (or a zone and the internet,
//       or a zoned and an unzoned host) that no conduit allows. ATT&CK for ICS T0886 Remote
//       Services. One alert per (zones, hosts, transport/port); at most kMaxAlertsPerSource
//       per originating host and per responding host, then one more that says the rest are
//       not alerted one by one.
//   ward.segmentation.medical_internet   a host in a medical zone and a public address, in
//       either direction, with no conduit allowing it (instead of conduit_violation). T0883
//       Internet Accessible Device.
//   ward.segmentation.unknown_device     a device in a medical zone that the inventory could
//       not identify, or whose class the zone does not list (when it lists device_classes).
//       T0848 Rogue Master. Decided once per host, kIdentifyGrace of packet time after its
//       first flow (identification needs the device's own traffic) or at the end of input.
//
// Flows to multicast or broadcast addresses and from unspecified ones are not zone-to-zone
// traffic and are not checked. Traffic between two unzoned hosts, or an unzoned host and the
// internet, is outside the policy's zones and not checked either. Single-threaded.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <unordered_map>

#include "detect/detector.h"

namespace ward::detect {

// What the inventory concluded about a host, for the segmentation checks. Implemented by the
// engine over inventory::DeviceTracker (detect cannot depend on the inventory).
class DeviceClassSource {
 public:
  virtual ~DeviceClassSource() = default;
  // Brings the answers up to date as of packet time `now`; `force` at the end of input.
  virtual void refresh(TimeNs now, bool force) = 0;
  // The class name (policy::kDeviceClassNames) of the device at `ip`; "unknown" if none.
  [[nodiscard]] virtual std::string_view device_class(const IpAddr& ip) const = 0;
};

class SegmentationDetector final : public Detector {
 public:
  static constexpr std::size_t kMaxAlertsPerSource = 16;
  static constexpr TimeNs kIdentifyGrace = 300 * kNsPerSec;
  static constexpr std::size_t kMaxTrackedHosts = 65536;

  // `classes` may be null: the unknown-device check and class-only zones are then off.
  SegmentationDetector(const policy::Policy& policy, const bus::EventBus& bus, DetectorStats& stats,
                       DeviceClassSource* classes)
      : Detector(policy, bus, stats), classes_(classes) {
    for (const policy::Zone& z : policy.zones) class_zones_ = class_zones_ || z.cidrs.empty();
  }
  void on_event(const bus::EventContext& ctx, const bus::Event& e) override;
  void on_finish() override;

 private:
  struct Host {  // a host seen in a medical zone, until its identity is decided
    policy::ZoneId zone = policy::kUnzoned;
    TimeNs first_ts = 0;
    TimeNs last_ts = 0;
    std::string uid;  // its first flow
    bool decided = false;
  };

  [[nodiscard]] policy::ZoneId zone_of(const IpAddr& ip) const;
  void check_flow(const bus::EventContext& ctx);
  void note_host(const IpAddr& ip, policy::ZoneId z, const bus::EventContext& ctx);
  void decide(const IpAddr& ip, Host& h);

  DeviceClassSource* classes_;
  bool class_zones_ = false;              // some zone is given by device classes only
  std::map<IpAddr, Host> medical_hosts_;  // bounded by kMaxTrackedHosts
  std::unordered_map<std::string, std::size_t> per_source_;  // alerts per originator (bounded)
  std::unordered_map<std::string, std::size_t> per_target_;  // alerts per responder (bounded)
  TimeNs last_sweep_ = 0;
};

}  // namespace ward::detect
