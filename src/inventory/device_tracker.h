// The identification engine: subscribes to the bus, turns what the parsers publish into
// signals ("dhcp.vendor_class" = "MSFT 5.0", "hl7.sft.product" = "Alaris PC Unit 8015", ...),
// keeps every signal as evidence on the device that sent it, and runs the fingerprint rules
// (fingerprints.h) and the OUI table (oui.h) over them to conclude class, vendor, model and
// version. Conflicting conclusions are all kept; the best wins by confidence, then recency.
//
// Records are collected per IP address and per MAC address during the run; snapshot() merges
// each IP into the MAC it was last seen with: always after a DHCP ACK bound them, and for a
// local (private, link-local) address also by the Ethernet source of its packets, unless that
// MAC is a router's: more than `router_ip_threshold` IPv4 addresses, IPv4 addresses of more
// than one /24, or more than 4 x `router_ip_threshold` addresses in all (its IPs stay separate
// devices and the MAC becomes a network_gear device). Public addresses seen only behind a MAC
// are the far side of a gateway and stay IP-keyed, as do all devices of raw-IP captures.
//
// Bounded: max_devices records per key kind, max_values_per_attribute values,
// max_evidence_per_value evidence entries, max_ips_per_device addresses; what does not fit is
// counted in stats(). Single-threaded, like the bus.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "bus/bus.h"
#include "inventory/device.h"
#include "inventory/fingerprints.h"
#include "inventory/oui.h"

namespace ward::inventory {

struct TrackerOptions {
  std::size_t max_devices = 65536;
  std::size_t max_values_per_attribute = 8;
  std::size_t max_evidence_per_value = 8;
  std::size_t max_ips_per_device = 16;
  std::size_t max_names = 16;           // per name/role/service set
  std::size_t router_ip_threshold = 8;  // a MAC seen with more IPv4 addresses is a router
  const OuiTable* oui = nullptr;        // not owned; may be null (no OUI vendor)
  const RuleSet* rules = nullptr;       // not owned; may be null (direct signals only)
};

struct TrackerStats {
  std::uint64_t devices_dropped = 0;   // records not created: max_devices reached
  std::uint64_t values_dropped = 0;    // attribute values beyond max_values_per_attribute
  std::uint64_t evidence_dropped = 0;  // evidence beyond max_evidence_per_value
  std::uint64_t ips_dropped = 0;       // addresses beyond max_ips_per_device (last snapshot)
  std::uint64_t signals = 0;           // signal observations
};

class DeviceTracker final : public bus::Subscriber {
 public:
  explicit DeviceTracker(TrackerOptions options = {}) : o_(options) {}
  void on_event(const bus::EventContext& ctx, const bus::Event& e) override;

  // Records one signal observation for the device at `ip` (or with `mac`). Public so that other
  // feeders and tests can use the engine without a bus.
  void observe(const IpAddr& ip, TimeNs ts, std::string_view signal, std::string_view raw);
  void observe_mac(const MacAddr& mac, TimeNs ts, std::string_view signal, std::string_view raw);
  // `ip` was seen with `mac`; `authoritative` for a DHCP ACK (overrides packet-level evidence).
  void bind(const IpAddr& ip, const MacAddr& mac, TimeNs ts, bool authoritative);

  // The devices, merged by MAC, attribute values ordered best first, OUI vendors added.
  [[nodiscard]] std::vector<Device> snapshot() const;
  [[nodiscard]] std::size_t record_count() const noexcept { return by_ip_.size() + by_mac_.size(); }
  [[nodiscard]] const TrackerStats& stats() const noexcept { return stats_; }

 private:
  using MacKey = std::array<std::uint8_t, 6>;
  struct Binding {
    MacKey mac{};
    TimeNs ts = 0;
    bool authoritative = false;
  };

  Device* get_ip(const IpAddr& ip, TimeNs ts);
  Device* get_mac(const MacAddr& mac, TimeNs ts);
  void signal(Device& d, TimeNs ts, std::string_view signal, std::string_view raw);
  bool add_value(Device& d, std::string_view attribute, std::string_view value, const Evidence& ev);
  void add_name(std::set<std::string>& s, std::string v);
  void on_hl7(const bus::EventContext& ctx, const bus::Event& e);
  void on_dhcp(const bus::EventContext& ctx, const bus::Event& e);
  void on_dns(const bus::EventContext& ctx, const bus::Event& e);
  void on_wsd(const bus::EventContext& ctx, const bus::Event& e);
  void onvif_scope(Device& d, TimeNs ts, std::string_view scope);
  void merge_into(Device& to, const Device& from) const;

  TrackerOptions o_;
  std::map<IpAddr, Device> by_ip_;
  std::map<MacKey, Device> by_mac_;
  std::map<IpAddr, Binding> ip_mac_;
  std::map<MacKey, std::vector<IpAddr>> mac_ips_;  // every IP seen with the MAC (bounded)
  mutable TrackerStats stats_;                     // ips_dropped is recomputed by snapshot()
};

}  // namespace ward::inventory
