// The event bus: the one way decoded traffic reaches detectors, inventory and sinks
// (DESIGN.md "data path"; Snort 3's DataBus). Producers (parsers, the flow table, detectors)
// publish typed events; subscribers receive them synchronously on the producing thread, in
// subscription order. An event and every view inside it are valid only during the callback:
// a subscriber copies what it keeps.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/net.h"

namespace ward::bus {

// Direction of the bytes that produced an event, relative to the connection's originator.
enum class Direction : std::uint8_t { kToServer = 0, kToClient = 1 };
inline constexpr Direction opposite(Direction d) noexcept {
  return d == Direction::kToServer ? Direction::kToClient : Direction::kToServer;
}
inline constexpr int index(Direction d) noexcept { return static_cast<int>(d); }

// Every event type has one entry here (one line per new event type).
enum class EventKind : std::uint16_t {
  kConnRecord,        // flow/flow_events.h: a connection ended or timed out
  kAnomaly,           // bus/anomaly.h: a parser, decoder or limit reported something wrong
  kAlert,             // detect/alert.h: a detector raised an alert
  kArp,               // decode/decode_events.h: an ARP request or reply
  kMqttMessage,       // parsers/mqtt/mqtt_events.h: one MQTT control packet
  kMqttTransaction,   // parsers/mqtt/mqtt_events.h: a completed connect/publish/subscribe
  kHl7Message,        // parsers/hl7_mllp/hl7_events.h: one HL7 v2 message
  kInfusionProgram,   // clinical/infusion.h: pump programming (PCD-03 or MQTT JSON)
  kPhiObserved,       // clinical/phi.h: PHI fields seen in cleartext
  kDicomAssociation,  // parsers/dicom/dicom_events.h: one DICOM association, when it ends
  kDicomCommand,      // parsers/dicom/dicom_events.h: one DIMSE request/response pair
  kTemplateLine,      // parsers/_template/template_events.h: the scaffold's example event
  kRtspTransaction,   // parsers/rtsp/rtsp_events.h: an RTSP request and its response
  kRtpStream,         // parsers/rtp/rtp_events.h: one RTP/RTCP source (SSRC) of a flow
  kWsdMessage,        // parsers/wsdiscovery/wsd_events.h: one WS-Discovery message
  kTlsClientHello,    // parsers/tls/tls_events.h: a ClientHello (TLS, DTLS or SSLv2)
  kTlsServerHello,    // parsers/tls/tls_events.h: a ServerHello or HelloRetryRequest
  kTlsCertificate,    // parsers/tls/tls_events.h: one decoded X.509 certificate of a chain
  kTlsAlert,          // parsers/tls/tls_events.h: a cleartext alert
  kTlsSession,        // parsers/tls/tls_events.h: the summary of one TLS/DTLS connection
  kHttpTransaction,   // parsers/http/http_events.h: one HTTP request/response pair
  kDnsMessage,        // parsers/dns/dns_events.h: one DNS message (UDP, TCP or mDNS)
  kDnsTransaction,    // parsers/dns/dns_events.h: a query and its response, or one alone
  kDhcpMessage,       // parsers/dhcp/dhcp_events.h: one BOOTP/DHCP message
  kFlowStart,         // flow/flow_events.h: the first packet of a new flow
  kFlowProgress,      // flow/flow_events.h: every 512 originator packets of a UDP/ICMP flow
};

struct Event {
  const EventKind kind;

 protected:
  explicit constexpr Event(EventKind k) noexcept : kind(k) {}
  ~Event() = default;
  Event(const Event&) = default;
  Event& operator=(const Event&) = delete;
  Event(Event&&) noexcept = default;
  Event& operator=(Event&&) = delete;
};

// Returns the event as T if it is one, else nullptr. T declares `static constexpr EventKind kKind`.
template <typename T>
const T* event_cast(const Event& e) noexcept {
  return e.kind == T::kKind ? static_cast<const T*>(&e) : nullptr;
}

enum class Transport : std::uint8_t { kNone = 0, kIcmp = 1, kTcp = 6, kUdp = 17, kIcmp6 = 58 };
std::string_view transport_name(Transport t) noexcept;

// Where an event happened. Views are valid during the callback only.
struct EventContext {
  TimeNs ts = 0;
  std::string_view uid;  // empty for events that belong to no flow
  IpAddr orig_h;
  IpAddr resp_h;
  std::uint16_t orig_p = 0;
  std::uint16_t resp_p = 0;
  Transport proto = Transport::kNone;
  Direction dir = Direction::kToServer;
  MacAddr orig_mac;
  MacAddr resp_mac;
  std::string_view service;  // parser name once the protocol is known
  // The uid of the connection that announced this one (RTSP SETUP for an RTP flow), or empty.
  std::string_view parent_uid;

  // The sender and receiver of the bytes behind the event.
  [[nodiscard]] const IpAddr& src_h() const noexcept {
    return dir == Direction::kToServer ? orig_h : resp_h;
  }
  [[nodiscard]] const IpAddr& dst_h() const noexcept {
    return dir == Direction::kToServer ? resp_h : orig_h;
  }
};

}  // namespace ward::bus
