#include "engine/observed_device.h"

#include <algorithm>
#include <string>

namespace ward::engine {

vuln::ObservedDevice observe_device(const inventory::Device& d, const policy::Policy* policy) {
  vuln::ObservedDevice o;
  o.id = d.id;
  if (!d.ips.empty()) o.ip = d.ips.back().to_string();
  o.device_class = vuln::parse_device_class(inventory::device_class_name(d.device_class()));
  o.identity = {std::string(d.vendor()), std::string(d.model()), std::string(d.version())};
  o.exposure.serves_network = !d.services_offered.empty();
  o.exposure.services.assign(d.services_offered.begin(), d.services_offered.end());
  o.exposure.internet_exposed = !d.internet_peer.empty();
  o.exposure.internet_peer = d.internet_peer;
  o.exposure.cleartext_credentials = d.cleartext_credentials;
  if (policy != nullptr && !policy->zones.empty()) {
    policy::ZoneId zone = d.ips.empty() ? policy::kUnzoned : policy->zone_of(d.ips.back());
    if (policy->zone(zone) == nullptr)
      zone = policy->zone_for_class(inventory::device_class_name(d.device_class()));
    if (policy->zone(zone) != nullptr) {
      o.exposure.zone = std::string(policy->zone_name(zone));
      for (const policy::Conduit& c : policy->conduits) {
        std::string from;
        if (c.to_id == zone) from = c.from;
        if (c.bidirectional && c.from_id == zone) from = c.to;
        if (!from.empty() &&
            std::find(o.exposure.reachable_from.begin(), o.exposure.reachable_from.end(), from) ==
                o.exposure.reachable_from.end())
          o.exposure.reachable_from.push_back(from);
      }
    }
  }
  o.exposure.alerts_low = d.alerts[1];
  o.exposure.alerts_medium = d.alerts[2];
  o.exposure.alerts_high = d.alerts[3];
  o.exposure.alerts_critical = d.alerts[4];
  return o;
}

std::vector<vuln::ObservedDevice> observe_devices(const std::vector<inventory::Device>& devices,
                                                  const policy::Policy* policy) {
  std::vector<vuln::ObservedDevice> out;
  out.reserve(devices.size());
  for (const inventory::Device& d : devices) out.push_back(observe_device(d, policy));
  return out;
}

}  // namespace ward::engine
