// The DHCPv4 parser (RFC 2131 / RFC 2132; BOOTP RFC 951): a DatagramParser for UDP ports 67
// and 68 (and a content probe on the magic cookie). Every datagram is one message, decoded
// into a DhcpMessage event (dhcp_events.h): the BOOTP header, the options in the options
// field and, with option 52 (overload), in `file` and `sname` (RFC 2131 §4.1 order).
// Stateless between datagrams: the `dhcp` log (dhcp_log.h) joins the messages of one
// transaction (by xid) across flows, the way Zeek's dhcp.log does.
//
// Usage: the registry holds parser_spec(); the flow layer calls spec.configure(overrides) once
// and factory.make_datagram(sink) per UDP flow. One parser instance per flow, one thread; the
// factory is immutable and may be shared. README.md has the limits and the anomaly ids.
#pragma once

#include <cstdint>
#include <memory>

#include "parsers/dhcp/dhcp_events.h"
#include "parsers/parser.h"

namespace ward::parsers::dhcp {

// Bounds on what the parser keeps. Each is configurable as "dhcp.<field name>" (README.md).
struct Limits {
  // Options decoded per message (all areas together); more: anomaly dhcp.too_many_options and
  // the rest is not decoded.
  std::uint32_t max_options = 128;
  // Addresses kept per address-list option (routers, DNS servers); more are skipped.
  std::uint32_t max_addresses_per_option = 16;
};

[[nodiscard]] Limits limits_from(const LimitOverrides& overrides);

// kYes iff the payload is a BOOTP message with op 1 or 2, hlen <= 16 and the DHCP magic
// cookie; kNo otherwise (a datagram is whole, so never kMaybe).
[[nodiscard]] Probe probe_udp(Direction dir, ByteView first_payload) noexcept;

class DhcpParserFactory final : public ParserFactory {
 public:
  explicit DhcpParserFactory(const Limits& limits) noexcept : limits_(limits) {}
  // DHCP does not run over TCP: nullptr.
  [[nodiscard]] std::unique_ptr<StreamParser> make(EventSink& sink) const override;
  // REQUIRES: `sink` outlives the parser.
  [[nodiscard]] std::unique_ptr<DatagramParser> make_datagram(EventSink& sink) const override;

 private:
  Limits limits_;
};

// The registry entry: name "dhcp", UDP ports 67 and 68, the probe, configure, the `dhcp` log.
const ParserSpec& parser_spec();

}  // namespace ward::parsers::dhcp
