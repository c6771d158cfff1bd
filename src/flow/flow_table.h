// The flow table: tracks every connection seen, in bounded memory.
//   - Symmetric 5-tuple key (+ outer VLAN), originator decided from the TCP handshake or, for
//     midstream and UDP, from the first packet with a well-known-port correction (as Zeek).
//   - Idle timeouts per transport and TCP state, an active timeout, all measured in packet
//     time; when `max_flows` is reached the least recently active flow is evicted (counted,
//     reported as anomaly `flow.evicted`).
//   - TCP payload goes through per-direction reassembly to the parser chosen by content
//     probes, else by port. Flows that no parser claims are not reassembled at all.
//   - UDP payloads go, one datagram at a time, to the datagram parser chosen by content
//     (ParserSpec::udp_probe) or by the port of either end (ParserSpec::udp_ports).
//   - Emits flow::ConnRecord when a flow ends; parsers' events go out on the same bus.
// Single-threaded: one table per worker.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "bus/bus.h"
#include "decode/packet.h"
#include "flow/flow_key.h"
#include "flow/tcp_reassembler.h"
#include "parsers/parser.h"
#include "parsers/stream_driver.h"

namespace ward::flow {

struct Config {
  std::uint64_t max_flows = 1'000'000;         // "flow.max_flows"
  TimeNs tcp_idle_timeout = 300 * kNsPerSec;   // "flow.tcp_idle_timeout_s"
  TimeNs tcp_closed_timeout = 5 * kNsPerSec;   // "flow.tcp_closed_timeout_s"
  TimeNs udp_idle_timeout = 60 * kNsPerSec;    // "flow.udp_idle_timeout_s"
  TimeNs other_idle_timeout = 60 * kNsPerSec;  // "flow.other_idle_timeout_s"
  TimeNs active_timeout = 3600 * kNsPerSec;    // "flow.active_timeout_s"
  std::uint32_t probe_bytes = 64;              // bytes held per direction while probing
  // UDP datagrams of a flow offered to weak content probes (ParserSpec::udp_weak_probe).
  std::uint32_t udp_probe_datagrams = 2;  // "flow.udp_probe_datagrams"
  // Expected flows announced by parsers (parsers::ExpectedFlow): at most this many pending,
  // the oldest dropped first; each expires this long (packet time) after it was announced.
  std::uint32_t max_expected_flows = 1024;         // "flow.max_expected_flows"
  TimeNs expected_flow_timeout = 300 * kNsPerSec;  // "flow.expected_flow_timeout_s"
  std::uint64_t uid_seed = 0;
  TcpReassembler::Limits tcp;
  parsers::StreamDriver::Limits stream;
};

// A parser the table may attach to flows.
struct ParserBinding {
  const parsers::ParserSpec* spec = nullptr;
  std::unique_ptr<parsers::ParserFactory> factory;
};

struct FlowStats {
  std::uint64_t flows_created = 0;
  std::uint64_t flows_ended = 0;
  std::uint64_t flows_evicted = 0;
  std::uint64_t flows_active_timeout = 0;
  std::uint64_t active_flows = 0;
  std::uint64_t peak_flows = 0;
  std::uint64_t tcp_missed_bytes = 0;
  std::uint64_t tcp_held_overflows = 0;
  std::uint64_t parsers_attached = 0;
  std::uint64_t expected_flows_added = 0;
  std::uint64_t expected_flows_matched = 0;
  std::uint64_t expected_flows_dropped = 0;  // table full: the oldest was given up
};

struct Flow;

class FlowTable {
 public:
  FlowTable(Config config, const bus::EventBus& bus, std::span<const ParserBinding> parsers);
  ~FlowTable();
  FlowTable(const FlowTable&) = delete;
  FlowTable& operator=(const FlowTable&) = delete;
  FlowTable(FlowTable&&) = delete;
  FlowTable& operator=(FlowTable&&) = delete;

  // REQUIRES: p.proto is TCP, UDP, ICMP or ICMPv6, or p.l3 is IPv4/IPv6 (other IP protocols).
  void process(const decode::Packet& p);
  // Ends flows idle (or active) past their timeout at packet time `now`.
  void expire(TimeNs now);
  // End of input: ends every flow.
  void flush_all();

  // Records that a flow like `e` is expected, announced by the parser of `parent` (its uid
  // becomes the new flow's parent_uid). Only UDP expectations are supported; others are ignored.
  void expect_flow(const Flow& parent, const parsers::ExpectedFlow& e);
  // Expectations pending (not matched, not expired as of the last packet).
  [[nodiscard]] std::size_t expected_flows() const noexcept { return expected_.size(); }

  [[nodiscard]] const FlowStats& stats() const noexcept { return stats_; }
  // Approximate bytes held by the table (flows, index, reassembly and parser buffers excluded).
  [[nodiscard]] static std::size_t bytes_per_idle_flow() noexcept;

 private:
  struct List;  // intrusive list of flows ordered by last activity
  struct Expectation {
    IpAddr x, y;  // endpoints; a port of 0 matches any port
    std::uint16_t port_x = 0, port_y = 0;
    std::uint16_t vlan = 0;
    std::size_t binding = 0;  // index into parsers_
    std::array<char, 20> parent_uid{};
    std::uint8_t parent_uid_len = 0;
    TimeNs expires = 0;
  };
  // Removes the expectation matching `f`'s key, sets `f`'s parent uid and returns its parser;
  // nullptr if none matches.
  const ParserBinding* take_expected(Flow& f);
  Flow* create(const FlowKey& key, bool src_is_a, const decode::Packet& p);
  void end(Flow* f, std::string_view reason);
  void emit_conn(Flow& f, std::string_view reason, bool partial);
  void update_tcp(Flow& f, int dir, const decode::Packet& p);
  void handle_payload(Flow& f, int dir, const decode::Packet& p);
  void handle_datagram(Flow& f, int dir, const decode::Packet& p);
  void touch(Flow& f);
  int list_for(const Flow& f) const;
  TimeNs timeout_of(int list) const;
  std::string next_uid();

  Config config_;
  const bus::EventBus& bus_;
  std::span<const ParserBinding> parsers_;
  std::unordered_map<FlowKey, std::unique_ptr<Flow>, FlowKeyHash> flows_;
  std::deque<Expectation> expected_;  // oldest first (all share one timeout: sorted by expiry)
  std::unique_ptr<List[]> lists_;     // idle lists: tcp open, tcp closed, udp, other
  std::unique_ptr<List> by_age_;      // creation order, for the active timeout
  FlowStats stats_;
  std::uint64_t uid_counter_ = 0;
  TimeNs now_ = 0;
  TimeNs last_expire_ = 0;
};

}  // namespace ward::flow
