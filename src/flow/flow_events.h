// Events of the flow table.
#pragma once

#include <cstdint>
#include <string_view>

#include "bus/event.h"

namespace ward::flow {

// A connection ended (or was flushed by the active timeout): what Zeek's conn.log records.
// Published with the EventContext of the flow; ctx.ts is the time of the first packet.
struct ConnRecord : bus::Event {
  static constexpr bus::EventKind kKind = bus::EventKind::kConnRecord;
  ConnRecord() noexcept : bus::Event(kKind) {}

  TimeNs duration = 0;
  std::string_view conn_state;  // Zeek's S0, S1, SF, REJ, RSTO, RSTR, OTH ...
  std::string_view history;     // Zeek's history letters
  std::string_view end_reason;  // idle_timeout, tcp_closed, evicted, end_of_input, active_timeout
  std::uint64_t orig_bytes = 0, resp_bytes = 0;  // payload bytes (TCP: by sequence space)
  std::uint64_t orig_pkts = 0, resp_pkts = 0;
  std::uint64_t orig_ip_bytes = 0, resp_ip_bytes = 0;
  std::uint64_t missed_bytes = 0;
  std::uint16_t vlan = 0;
  std::uint16_t inner_vlan = 0;
  bool partial = false;  // more records follow for this uid (active timeout)
};

// A UDP or ICMP flow's originator has sent another kEveryPackets packets: published at each
// multiple (512, 1024, ...), after the packet is processed, with ctx.ts that packet's time. Lets
// volume detectors (floods) see a long one-way flow while it lasts, not only when it ends; a
// ConnRecord then carries the whole count, of which the progress events reported the multiples.
struct FlowProgress : bus::Event {
  static constexpr bus::EventKind kKind = bus::EventKind::kFlowProgress;
  static constexpr std::uint64_t kEveryPackets = 512;
  FlowProgress() noexcept : bus::Event(kKind) {}

  std::uint64_t orig_pkts = 0, resp_pkts = 0;
};

// A new flow: published once, on its first packet, before any other event of the flow, with
// the flow's EventContext (ctx.ts is that packet's time, ctx.dir its direction).
struct FlowStart : bus::Event {
  static constexpr bus::EventKind kKind = bus::EventKind::kFlowStart;
  FlowStart() noexcept : bus::Event(kKind) {}

  std::uint8_t tcp_flags = 0;  // the first packet's TCP flags (decode::kTcp*); 0 if not TCP
};

}  // namespace ward::flow
