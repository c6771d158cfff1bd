// A learned behaviour baseline (docs/detection.md "Behaviour"): per device address, the peers
// it talks to, the services it uses and serves, and its busiest minute. The behaviour detector
// fills it during its learning period (or `ward baseline learn`) and checks traffic against it
// afterwards; it is saved to and loaded from a JSON file (format in docs/detection.md).
//
// Every set is bounded: an item beyond a cap is not recorded and the set is marked saturated
// (its check is then off for that device: a device that talks to hundreds of peers has no
// useful peer baseline). Devices beyond kMaxDevices are not recorded and are counted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "common/net.h"
#include "common/result.h"

namespace ward::detect {

struct ItemSet {
  std::set<std::string> items;
  bool saturated = false;
};

struct DeviceBaseline {
  std::string device_class;             // the inventory's class when the baseline was made
  ItemSet peers;                        // "out 10.10.1.5" (the device connected), "in 10.10.1.10"
  ItemSet ports;                        // "client tcp/2575" (the peer's port), "server tcp/80"
  ItemSet protocols;                    // "client hl7", "server rtsp" (zones.h canonical names)
  std::uint64_t max_flows_per_min = 0;  // flows the device took part in, busiest minute
  std::uint64_t max_messages_per_min = 0;  // application messages it sent, busiest minute
};

struct Baseline {
  static constexpr std::size_t kMaxDevices = 4096;
  static constexpr std::size_t kMaxItems = 256;  // per set of a device
  static constexpr std::size_t kMaxFileBytes = 64u << 20;

  std::map<IpAddr, DeviceBaseline> devices;
  double learned_s = 0;       // packet time the baseline covers
  std::uint64_t dropped = 0;  // items or devices not recorded because of the caps
  bool loaded = false;        // read from a file: no learning period in this run

  // Records `item` in `set`; false if it is not new. Saturates the set at kMaxItems.
  bool add(ItemSet& set, const std::string& item);
};

// The baseline as a JSON document (docs/detection.md).
std::string format_baseline_json(const Baseline& b);
// Parses a baseline document; errors name `name` and the JSON pointer of the problem.
Result<Baseline> parse_baseline(std::string_view json_text, std::string_view name);
// Reads and parses the file at `path` (at most kMaxFileBytes).
Result<Baseline> load_baseline(const std::string& path);
// Writes the baseline to `path` (replacing it).
Status save_baseline(const Baseline& b, const std::string& path);

}  // namespace ward::detect
