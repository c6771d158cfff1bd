// Base for detectors: subscribers that turn events into alerts under the policy. raise()
// applies the policy's suppressions and drops repeats of the same alert id (bounded memory),
// then publishes the alert on the bus. Detectors are registered in detectors.cc, one line
// each. Single-threaded, like the bus.
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_set>
#include <vector>

#include "bus/bus.h"
#include "detect/alert.h"
#include "policy/policy.h"

namespace ward::detect {

struct DetectorStats {
  std::uint64_t raised = 0;
  std::uint64_t suppressed = 0;
  std::uint64_t repeats = 0;
};

class Detector : public bus::Subscriber {
 public:
  Detector(const policy::Policy& policy, const bus::EventBus& bus, DetectorStats& stats)
      : policy_(policy), bus_(bus), stats_(stats) {}

 protected:
  // Publishes `a` unless a suppression matches or the same alert id was already raised.
  // Returns true iff it was published.
  bool raise(const bus::EventContext& ctx, AlertEvent& a);
  // True iff an alert with this id was published (and is still remembered).
  [[nodiscard]] bool was_raised(const std::string& alert_id) const {
    return raised_.count(alert_id) != 0;
  }

  const policy::Policy& policy_;
  const bus::EventBus& bus_;

 private:
  static constexpr std::size_t kMaxRemembered = 1 << 16;
  DetectorStats& stats_;
  std::unordered_set<std::string> raised_;
};

class DeviceClassSource;  // segmentation_detector.h
struct Baseline;          // baseline.h

// Where the behaviour detector keeps its baseline (behaviour_detector.h). A null baseline: the
// detector learns its own during the run.
struct BehaviourSetup {
  Baseline* baseline = nullptr;
  bool learn_only = false;  // learn from all the input, raise nothing (`ward baseline learn`)
};

// Every detector, configured from the policy. They publish on `bus` and must be subscribed to
// it by the caller (in the returned order). `classes` (the inventory's view, may be null) must
// outlive them.
std::vector<std::unique_ptr<bus::Subscriber>> make_detectors(const policy::Policy& policy,
                                                             const bus::EventBus& bus,
                                                             DetectorStats& stats,
                                                             DeviceClassSource* classes = nullptr,
                                                             BehaviourSetup behaviour = {});

}  // namespace ward::detect
