// The bridge from the inventory to vulnerability assessment: what the traffic showed about a
// device (identity, class, services, internet exposure, alerts), as vuln::ObservedDevice.
// Used by `ward monitor` (the vuln log and tables) and `ward vuln assess`.
#pragma once

#include <vector>

#include "inventory/device.h"
#include "vuln/commands.h"

namespace ward::engine {

vuln::ObservedDevice observe_device(const inventory::Device& d);
std::vector<vuln::ObservedDevice> observe_devices(const std::vector<inventory::Device>& devices);

}  // namespace ward::engine
