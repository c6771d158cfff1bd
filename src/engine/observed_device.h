// The bridge from the inventory to vulnerability assessment: what the traffic showed about a
// device (identity, class, services, internet exposure, alerts), as vuln::ObservedDevice.
// Used by `ward monitor` (the vuln log and tables) and `ward vuln assess`.
#pragma once

#include <vector>

#include "inventory/device.h"
#include "policy/policy.h"
#include "vuln/commands.h"

namespace ward::engine {

// With a policy that has zones, the device's zone (by address, else by class) and the zones
// a conduit lets connect into it fill Exposure::zone and reachable_from.
vuln::ObservedDevice observe_device(const inventory::Device& d,
                                    const policy::Policy* policy = nullptr);
std::vector<vuln::ObservedDevice> observe_devices(const std::vector<inventory::Device>& devices,
                                                  const policy::Policy* policy = nullptr);

}  // namespace ward::engine
