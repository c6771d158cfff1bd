// The `dhcp` log, shaped like Zeek's dhcp.log: the messages of one DHCP transaction (same xid),
// from any flow, are joined into one record: uids, client and server addresses, MAC, host
// name, client FQDN, domain, requested and assigned address, lease time, the message types in
// order, duration; plus Ward's additions (vendor class, parameter request list as a
// fingerprint "1,3,6,15", client id, relay agent sub-options) and `messages`, one object per
// message with its own fields (what Suricata logs per message).
//
// A record is written when its transaction has been idle for dhcp.log_idle_ms (5 s), or is
// older than dhcp.log_watch_ms (30 s), judged on packet time when the next DHCP event comes;
// when it reached dhcp.max_msg_types_per_log messages or dhcp.max_uids_per_log flows (Zeek's
// DHCP::max_msg_types_per_log / max_uids_per_log); when more than dhcp.max_log_transactions
// are open (the oldest goes); and at the end of the input.
//
// The writer is a bus::Subscriber on the thread that publishes the events; not thread-safe.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bus/bus.h"
#include "common/net.h"
#include "parsers/parser.h"

namespace ward::parsers::dhcp {

struct DhcpMessage;

struct LogLimits {
  std::uint32_t max_log_transactions = 4096;
  std::uint32_t max_msg_types_per_log = 50;
  std::uint32_t max_uids_per_log = 10;
  std::uint64_t log_idle_ms = 5000;
  std::uint64_t log_watch_ms = 30000;
};
[[nodiscard]] LogLimits log_limits_from(const LimitOverrides& overrides);

class DhcpLog final : public bus::Subscriber {
 public:
  // REQUIRES: `sink` outlives the writer.
  DhcpLog(bus::LogSink& sink, const LogLimits& limits) : sink_(sink), limits_(limits) {}

  void on_event(const bus::EventContext& ctx, const bus::Event& event) override;
  void on_finish() override;

 private:
  struct Info {
    std::uint32_t xid = 0;
    TimeNs ts = 0;
    TimeNs last_ts = 0;
    std::vector<std::string> uids;
    std::optional<IpAddr> client_addr, server_addr, requested_addr, assigned_addr;
    std::uint16_t client_port = 0, server_port = 0;
    std::string mac, host_name, client_fqdn, domain, client_message, server_message;
    std::string vendor_class, param_list, client_id;
    std::string circuit_id, agent_remote_id, subscriber_id;
    std::optional<std::uint32_t> lease_time;
    std::vector<std::string> msg_types;
    std::vector<std::string> messages;  // each one JSON object
  };

  void add(Info& info, const bus::EventContext& ctx, const DhcpMessage& m);
  void expire(TimeNs now);
  void write(const Info& info);

  bus::LogSink& sink_;
  LogLimits limits_;
  std::list<Info> open_;  // oldest first
  std::string line_;
};

// ParserSpec::make_log for DHCP (limits from options.limits).
std::unique_ptr<bus::Subscriber> make_dhcp_log(bus::LogSink& sink, const LogOptions& options);

}  // namespace ward::parsers::dhcp
