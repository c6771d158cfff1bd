#include "bus/bus.h"

#include "bus/anomaly.h"

namespace ward::bus {

std::string_view transport_name(Transport t) noexcept {
  switch (t) {
    case Transport::kTcp:
      return "tcp";
    case Transport::kUdp:
      return "udp";
    case Transport::kIcmp:
    case Transport::kIcmp6:  // Zeek's conn.log names ICMPv6 "icmp" too
      return "icmp";
    case Transport::kNone:
      return "none";
  }
  return "unknown";
}

void EventBus::anomaly(const EventContext& ctx, std::string_view id,
                       std::string_view detail) const {
  AnomalyEvent e;
  e.id = id;
  e.detail = detail;
  publish(ctx, e);
}

}  // namespace ward::bus
