// Events of the packet decoder that belong to no flow.
#pragma once

#include <cstdint>

#include "bus/event.h"
#include "common/net.h"

namespace ward::decode {

// One ARP packet (RFC 826, Ethernet/IPv4). Published with ctx.orig_h = sender protocol
// address, ctx.resp_h = target protocol address, ctx.orig_mac / ctx.resp_mac = the Ethernet
// source and destination, and no uid.
struct ArpEvent : bus::Event {
  static constexpr bus::EventKind kKind = bus::EventKind::kArp;
  ArpEvent() noexcept : bus::Event(kKind) {}

  std::uint16_t op = 0;  // 1 request, 2 reply
  MacAddr sha;           // sender hardware address
  IpAddr spa;            // sender protocol address (0.0.0.0 in an RFC 5227 probe)
  MacAddr tha;           // target hardware address
  IpAddr tpa;            // target protocol address
};

}  // namespace ward::decode
