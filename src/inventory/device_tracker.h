// The first cut of the device inventory: every address seen in a flow becomes a device record
// with its MAC, first/last seen, the services it offers and uses, and the names the traffic
// gives it (HL7 sending application and facility, MQTT client ids, the pump ids it programs or
// reports). Bounded: at most `max_devices` records and `kMaxNames` names each; what does not
// fit is counted. (Vendor identification and vulnerability matching build on this later.)
// Single-threaded, like the bus.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "bus/bus.h"

namespace ward::inventory {

struct Device {
  IpAddr ip;
  MacAddr mac;
  TimeNs first_seen = 0;
  TimeNs last_seen = 0;
  std::uint64_t flows = 0;
  std::uint64_t bytes = 0;
  std::set<std::string> services_offered;  // "hl7", "mqtt" (as responder)
  std::set<std::string> services_used;     // as originator
  std::set<std::string> roles;             // "pump programmer", "hl7 sender", "mqtt broker" ...
  std::set<std::string> names;             // "hl7:PUMPSRV^ICU", "mqtt-client:cogmon-7" ...
  std::set<std::string> device_ids;        // pump ids and OBX-18 equipment ids it talks about
};

class DeviceTracker final : public bus::Subscriber {
 public:
  static constexpr std::size_t kMaxNames = 16;
  explicit DeviceTracker(std::size_t max_devices = 65536) : max_devices_(max_devices) {}
  void on_event(const bus::EventContext& ctx, const bus::Event& e) override;

  [[nodiscard]] const std::map<IpAddr, Device>& devices() const { return devices_; }
  [[nodiscard]] std::uint64_t dropped() const { return dropped_; }

 private:
  Device* get(const IpAddr& ip, TimeNs ts);
  static void add(std::set<std::string>& s, std::string v);

  std::size_t max_devices_;
  std::map<IpAddr, Device> devices_;
  std::uint64_t dropped_ = 0;
};

}  // namespace ward::inventory
