#include "engine/observed_device.h"

#include <string>

namespace ward::engine {

vuln::ObservedDevice observe_device(const inventory::Device& d) {
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
  o.exposure.alerts_low = d.alerts[1];
  o.exposure.alerts_medium = d.alerts[2];
  o.exposure.alerts_high = d.alerts[3];
  o.exposure.alerts_critical = d.alerts[4];
  return o;
}

std::vector<vuln::ObservedDevice> observe_devices(const std::vector<inventory::Device>& devices) {
  std::vector<vuln::ObservedDevice> out;
  out.reserve(devices.size());
  for (const inventory::Device& d : devices) out.push_back(observe_device(d));
  return out;
}

}  // namespace ward::engine
