// Behaviour: each device's normal traffic, learned, and the departures from it afterwards
// (docs/detection.md "Behaviour").
//
// Learning: for `thresholds.baseline.learn_s` of packet time from the first event of the run
// (or not at all when the baseline was loaded from a file), every connection record of a
// non-public unicast host the inventory has identified adds to its baseline (baseline.h): peers by
// direction, the ports and application protocols it uses as a client or serves, and its busiest
// minute of flows and of application messages. When the period ends, only the devices the inventory
// identified (DeviceClassSource) and seen in at least one connection are kept, except workstations
// and network gear, whose traffic follows their users rather than a device's job.
//
// Checking, for the devices in the baseline (a host not in it is never checked here):
//   ward.behaviour.new_peer      a connection to or from a peer it never had in that
//                                direction. T0886 Remote Services. Low.
//   ward.behaviour.new_service   a port or application protocol it never used as a client or
//                                served. T0886. Medium when it serves something new, else low.
//   ward.behaviour.rate_spike    a minute with more flows or messages than
//                                max(baseline.rate_factor x its busiest learned minute,
//                                baseline.rate_floor). T0814 Denial of Service. Medium.
// One alert per (device, item), and per (device, kind of rate, hour) for spikes; at most
// kMaxAlertsPerDevice per device and kMaxAlertsPerPeer naming one new peer, then one alert
// saying the rest are not raised one by one. A set saturated during learning is not checked.
//
// Flows to multicast or broadcast addresses, flows announced by another (RTP set up by RTSP)
// and ephemeral ports (32768-65535, where Linux and RFC 6335 pick client ports) are not part of the
// baseline: they change by design. A server port counts only if the device answered.
// Single-threaded.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>

#include "detect/baseline.h"
#include "detect/detector.h"

namespace ward::detect {

class DeviceClassSource;

class BehaviourDetector final : public Detector {
 public:
  static constexpr std::size_t kMaxAlertsPerDevice = 16;
  static constexpr std::size_t kMaxAlertsPerPeer = 8;

  // `baseline` (may be null: the detector keeps its own) is where the learned state lives: a
  // loaded one (Baseline::loaded) starts checking at once. With `learn_only`, learning never
  // ends and nothing is raised (`ward baseline learn`). On finish, the learned devices are
  // filtered by class as at the end of a learning period. `classes` may be null: then no
  // device is identified and nothing is learned or checked.
  BehaviourDetector(const policy::Policy& policy, const bus::EventBus& bus, DetectorStats& stats,
                    DeviceClassSource* classes, Baseline* baseline = nullptr,
                    bool learn_only = false);
  void on_event(const bus::EventContext& ctx, const bus::Event& e) override;
  void on_finish() override;

  [[nodiscard]] bool learning() const noexcept { return learning_; }
  [[nodiscard]] const Baseline& baseline() const noexcept { return *baseline_; }

 private:
  struct Minute {  // a device's counts in the current minute of packet time
    std::int64_t index = -1;
    std::uint64_t flows = 0;
    std::uint64_t messages = 0;
  };

  void on_conn(const bus::EventContext& ctx, const bus::Event& e);
  void count(const bus::EventContext& ctx, const IpAddr& device, bool message);
  void end_learning(TimeNs now, bool force_refresh);
  // Learns `item` for `device` (learning) or alerts if it is new (checking).
  void observe(const bus::EventContext& ctx, const IpAddr& device, const IpAddr& peer, int kind,
               const std::string& item);
  void raise_new(const bus::EventContext& ctx, const IpAddr& device, const IpAddr& peer, int kind,
                 const std::string& item, const DeviceBaseline& d);
  void raise_spike(const bus::EventContext& ctx, const IpAddr& device, bool message,
                   std::uint64_t n, std::uint64_t learned_max, double limit);
  [[nodiscard]] bool tracked_host(const IpAddr& ip) const noexcept;
  // True iff `ip` is in the baseline or may join it: a private host the inventory identified.
  bool learnable(const IpAddr& ip, TimeNs now);

  DeviceClassSource* classes_;
  Baseline own_;
  Baseline* baseline_;
  bool learn_only_;
  bool learning_ = true;
  TimeNs first_ts_ = 0;
  TimeNs last_ts_ = 0;
  TimeNs learn_end_ = 0;              // packet time the learning period ends (checking starts)
  std::map<IpAddr, Minute> minutes_;  // bounded by Baseline::kMaxDevices
  std::unordered_map<std::string, std::size_t> per_device_alerts_;
  std::unordered_map<std::string, std::size_t> per_peer_alerts_;
};

}  // namespace ward::detect
