// Clinical checks on what devices report and what reaches pumps (DOMAIN.md section 2,
// "detection recipe"), from IHE PCD messages over HL7/MLLP and from transfers to pumps:
//   ward.clinical.spoofed_observation   a PCD-01/04/10 report in a device's name from a host that
//                                       is not the one that device reports from (T0856)
//   ward.infusion.alarm_suppression     such a report that ends or switches off the device's
//                                       alarm (T0878)
//   ward.infusion.alarm_inactivation_burst  alarms switched off or paused in a burst (T0878)
//   ward.infusion.alarm_storm           a device reports more alarms than a person can act on
//   (T0878) ward.infusion.drug_library_change   a pump reports a new drug-library version outside
//   every
//                                       maintenance window (T0843)
//   ward.infusion.drug_library_mismatch a pump runs a drug-library version other than the policy's
//                                       (T0836)
//   ward.infusion.file_transfer         an HTTP upload, FTP or TFTP session to a pump from a host
//                                       that may not program pumps (T0843)
//   ward.infusion.library_rejections    a burst of 9018 "does not match drug library" errors
//   (T0836) ward.infusion.unordered_change      a pump reports a new rate or dose rate with no
//   PCD-03 order
//                                       for it shortly before (T0836)
//
// A device is known by its equipment identifier (OBX-18 at the top device level, else MSH-3) and
// bound to the first host it reports from; the binding moves silently after `report.rebind_s` of
// silence (a new DHCP lease). Hosts in `roles.device_gateways` report for many devices and are
// never bound. Memory is bounded: kMaxDevices devices and kMaxCounters windowed counters.
#pragma once

#include <deque>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "detect/detector.h"
#include "detect/netattack/common.h"

namespace ward::parsers::hl7 {
struct Hl7Message;
}

namespace ward::detect {

class DeviceClassSource;

class ClinicalDetector final : public Detector {
 public:
  static constexpr std::size_t kMaxDevices = 65536;
  static constexpr std::size_t kMaxCounters = 65536;
  static constexpr std::size_t kMaxPumpHosts = 65536;

  // `classes` (the inventory, may be null) also names pumps for the file-transfer check.
  ClinicalDetector(const policy::Policy& policy, const bus::EventBus& bus, DetectorStats& stats,
                   DeviceClassSource* classes)
      : Detector(policy, bus, stats), classes_(classes) {}
  void on_event(const bus::EventContext& ctx, const bus::Event& e) override;

 private:
  struct Device {
    IpAddr host;
    TimeNs last_seen = 0;
    std::string library_version;
    std::string aliases[2];  // other names of the device (MSH-3.1, OBX-18.3), for PCD-03 matching
    double rate = -1;        // last reported MDC_FLOW_FLUID_PUMP (mL/h); < 0 = none yet
    double dose_rate = -1;   // last reported MDC_RATE_DOSE
  };
  // Timestamps of recent occurrences, oldest first.
  using Window = std::deque<TimeNs>;

  using Hl7Message = parsers::hl7::Hl7Message;
  void on_report(const bus::EventContext& ctx, const Hl7Message& m);
  void on_alarm(const bus::EventContext& ctx, const Hl7Message& m, const std::string& device);
  void on_values(const bus::EventContext& ctx, const Hl7Message& m, const std::string& device,
                 Device& d);
  void on_rejections(const bus::EventContext& ctx, const Hl7Message& m);
  void on_upload(const bus::EventContext& ctx, std::string_view how, std::string_view detail);
  bool is_pump(const IpAddr& ip);
  // Adds `ts` to the counter `key`, drops entries older than `window` (and beyond the newest
  // `cap`), returns the count (0 when the counter table is full and `key` is new).
  std::size_t count(const std::string& key, TimeNs ts, TimeNs window, std::size_t cap);

  DeviceClassSource* classes_;
  std::unordered_map<std::string, Device> devices_;
  std::unordered_map<std::string, TimeNs> orders_;  // pump id of a PCD-03 -> its time
  std::unordered_set<IpAddr, netattack::IpHash> pump_hosts_;
  std::unordered_map<std::string, Window> counters_;
};

}  // namespace ward::detect
