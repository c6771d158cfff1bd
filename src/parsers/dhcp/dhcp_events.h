// Events of the DHCPv4 parser (RFC 2131, options RFC 2132, RFC 3046, RFC 4702, RFC 3396 §4
// overload). DhcpMessage is emitted for every BOOTP/DHCP datagram as it is decoded, with views
// into the datagram and into the parser's scratch storage, valid during the callback only.
// The inventory reads hostnames, vendor classes, client ids and the parameter request list
// (the device fingerprint) there; the `dhcp` log aggregates messages by transaction id.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "bus/event.h"
#include "common/bytes.h"
#include "common/net.h"

namespace ward::parsers::dhcp {

// DHCP message types (option 53, RFC 2132 §9.6, RFC 4388, RFC 6926).
// Zeek's names: "DISCOVER", "OFFER", ...; "UNKNOWN-<n>" otherwise.
std::string message_type_name(std::uint8_t type);

// RFC 4702 client FQDN (option 81).
struct ClientFqdn {
  std::uint8_t flags = 0;  // S, O, E, N bits
  std::uint8_t rcode1 = 0;
  std::uint8_t rcode2 = 0;
  std::string_view domain_name;  // dotted (wire format decoded when E is set)
};

// RFC 3046 relay agent information (option 82) sub-options. Each view is empty if absent.
struct RelayAgent {
  ByteView circuit_id;     // sub-option 1
  ByteView remote_id;      // sub-option 2
  ByteView subscriber_id;  // sub-option 6 (RFC 3993)
};

struct DhcpMessage : bus::Event {
  static constexpr bus::EventKind kKind = bus::EventKind::kDhcpMessage;
  DhcpMessage() noexcept : bus::Event(kKind) {}

  // BOOTP header (RFC 2131 §2, figure 1).
  std::uint8_t op = 0;  // 1 BOOTREQUEST, 2 BOOTREPLY
  std::uint8_t htype = 0;
  std::uint8_t hlen = 0;
  std::uint8_t hops = 0;
  std::uint32_t xid = 0;
  std::uint16_t secs = 0;
  std::uint16_t flags = 0;  // bit 15: broadcast
  IpAddr ciaddr, yiaddr, siaddr, giaddr;
  ByteView chaddr;               // the first hlen bytes
  std::optional<MacAddr> mac;    // chaddr when htype is 1 (Ethernet) and hlen 6
  std::string_view sname, file;  // up to the first NUL; empty when overloaded
  bool has_options = false;      // the magic cookie was present (DHCP, not plain BOOTP)
  std::uint8_t overload = 0;     // option 52: 1 file, 2 sname, 3 both
  std::span<const std::uint8_t> option_codes;  // every option present, in wire order

  std::uint8_t msg_type = 0;                      // option 53; 0 when absent (BOOTP)
  std::optional<IpAddr> subnet_mask;              // 1
  std::span<const IpAddr> routers;                // 3
  std::span<const IpAddr> dns_servers;            // 6
  std::optional<std::string_view> host_name;      // 12
  std::optional<std::string_view> domain_name;    // 15
  std::optional<IpAddr> requested_addr;           // 50
  std::optional<std::uint32_t> lease_time;        // 51, seconds
  std::optional<IpAddr> server_id;                // 54
  std::optional<ByteView> param_list;             // 55: the requested option codes, in order
  std::optional<std::string_view> message;        // 56
  std::optional<std::uint16_t> max_message_size;  // 57
  std::optional<std::uint32_t> renewal_time;      // 58 (T1)
  std::optional<std::uint32_t> rebinding_time;    // 59 (T2)
  std::optional<std::string_view> vendor_class;   // 60
  std::optional<ByteView> client_id;              // 61: type byte then identifier
  std::optional<ClientFqdn> client_fqdn;          // 81
  std::optional<RelayAgent> relay_agent;          // 82

  // Decoding stopped early (a malformed option area): the fields hold what came before.
  bool partial = false;
};

}  // namespace ward::parsers::dhcp
