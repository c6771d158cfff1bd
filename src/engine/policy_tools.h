// `ward policy learn` and `ward policy diff`: segmentation from observed traffic.
//
//   learn: runs the captures through the monitor pipeline (flows and the inventory) and
//     proposes zones (one per /24 or IPv6 /64 of local hosts, named after the device class most
//     of its identified hosts have) and conduits (every zone-to-zone service seen: the
//     responder's transport/port, from the originator's zone) as a commented policy file for a
//     human to review. Contract: the proposal passes `ward policy check`, and the monitor with
//     it over the same captures raises no segmentation alert.
//   diff: lists each flow of the captures that the policy's conduits do not allow, aggregated
//     by (originator, responder, transport, port) with count and first/last time.
//
// Both decide zones with the final inventory of the captures (zones given by device class),
// through the same Policy lookups as the segmentation detector. Exit codes: learn 0 (1 after an
// input error in a capture); diff 0 when every flow is allowed, 1 when some are not; both 2
// for a usage, policy or capture error.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "bus/bus.h"
#include "common/net.h"

namespace ward::engine {

struct PolicyToolOptions {
  std::vector<std::string> reads;  // captures
  std::string policy_path;         // diff: the policy to check against
  std::string fingerprints_path;
  std::string oui_path;
  bool json = false;  // diff: --format json
};

struct ToolResult {
  int exit_code = 0;
  std::string out;
  std::string err;
};

ToolResult policy_learn(const PolicyToolOptions& o);
ToolResult policy_diff(const PolicyToolOptions& o);

// The flows of a run, aggregated by (originator, responder, transport, responder port; 0 for
// ICMP), from flow::FlowStart. Bounded: at most kMaxKeys keys, the rest counted in `dropped`.
class FlowMatrix final : public bus::Subscriber {
 public:
  static constexpr std::size_t kMaxKeys = 1 << 20;
  struct Key {
    IpAddr orig, resp;
    bus::Transport proto = bus::Transport::kNone;
    std::uint16_t port = 0;
    friend auto operator<=>(const Key&, const Key&) = default;
  };
  struct Stats {
    std::uint64_t flows = 0;
    TimeNs first_ts = 0;
    TimeNs last_ts = 0;
  };
  void on_event(const bus::EventContext& ctx, const bus::Event& e) override;
  std::map<Key, Stats> flows;
  std::uint64_t dropped = 0;
};

}  // namespace ward::engine
