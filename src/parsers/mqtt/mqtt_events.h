// Events of the MQTT parser (MQTT 3.1, 3.1.1 and 5.0). MqttMessage is emitted for every
// control packet as it is decoded (detectors react to it at once); MqttTransaction is emitted
// when a request/response exchange completes or the flow ends (the `mqtt` log is written from
// it). Views in MqttMessage are valid during the callback only; MqttTransaction owns copies
// bounded by the parser's limits.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bus/event.h"
#include "common/bytes.h"
#include "parsers/auth/credential_check.h"

namespace ward::parsers::mqtt {

// MQTT 5.0 §2.1.2 (the same numbering in 3.1.1 §2.2.1; 15 is AUTH in 5.0, reserved before).
enum class PacketType : std::uint8_t {
  kReserved = 0,
  kConnect = 1,
  kConnack = 2,
  kPublish = 3,
  kPuback = 4,
  kPubrec = 5,
  kPubrel = 6,
  kPubcomp = 7,
  kSubscribe = 8,
  kSuback = 9,
  kUnsubscribe = 10,
  kUnsuback = 11,
  kPingreq = 12,
  kPingresp = 13,
  kDisconnect = 14,
  kAuth = 15,
};
std::string_view packet_type_name(PacketType t) noexcept;  // "connect", "publish", ...

// One MQTT 5 property (MQTT 5.0 §2.2.2.2). `name` is the snake_case name Suricata's EVE uses
// ("content_type", "message_expiry_interval", ...); user properties have name "user_property"
// with key/value in str/str2.
struct Property {
  std::uint8_t id = 0;
  std::string_view name;
  // authentication_data (0x16) is credential material: like the password it is never exposed;
  // its Property has kind kBinary, an empty `str` and `integer` = its length in bytes.
  enum class Kind : std::uint8_t { kInteger, kString, kBinary, kStringPair } kind = Kind::kInteger;
  std::uint32_t integer = 0;
  std::string_view str;   // string, binary (raw bytes) or user-property key
  std::string_view str2;  // user-property value
};

struct TopicFilter {
  std::string_view filter;
  std::uint8_t qos = 0;      // requested maximum QoS (SUBSCRIBE); 0 for UNSUBSCRIBE
  std::uint8_t options = 0;  // MQTT 5 subscription options byte (whole)
};

struct MqttMessage : bus::Event {
  static constexpr bus::EventKind kKind = bus::EventKind::kMqttMessage;
  MqttMessage() noexcept : bus::Event(kKind) {}

  PacketType type = PacketType::kReserved;
  bool dup = false;
  std::uint8_t qos = 0;
  bool retain = false;
  std::uint32_t remaining_length = 0;
  std::uint8_t protocol_version = 0;  // of the connection (from CONNECT; 0 if not seen)
  std::optional<std::uint16_t> packet_id;

  // CONNECT (MQTT 5.0 §3.1)
  std::string_view protocol_name;  // "MQTT" or "MQIsdp"
  bool flag_username = false, flag_password = false, flag_will = false, flag_will_retain = false,
       flag_clean_session = false;
  std::uint8_t will_qos = 0;
  std::uint16_t keep_alive = 0;
  std::string_view client_id;
  std::string_view will_topic;
  ByteView will_payload;
  std::span<const Property> will_properties;
  std::string_view username;
  bool has_password = false;  // the password itself is never exposed in events
  // The user name and password checked against parsers/auth (factory accounts, weak
  // passwords) while the CONNECT is parsed; kNone without a password.
  auth::Verdict credentials;

  // CONNACK
  bool session_present = false;
  // CONNACK return code (3.1.x) or reason code (5.0); also PUBACK..PUBCOMP, DISCONNECT, AUTH
  // reason codes when present.
  std::optional<std::uint8_t> reason_code;

  // PUBLISH
  std::string_view topic;
  ByteView payload;  // the whole payload as received (bounded by the PDU limit)

  // SUBSCRIBE / UNSUBSCRIBE
  std::span<const TopicFilter> topics;
  // SUBACK / UNSUBACK (5.0) reason codes, one per topic
  std::span<const std::uint8_t> reason_codes;

  std::span<const Property> properties;  // MQTT 5 properties of this packet
};

// A completed exchange, with owned, bounded copies (for logs and the inventory).
struct MqttTransaction : bus::Event {
  static constexpr bus::EventKind kKind = bus::EventKind::kMqttTransaction;
  MqttTransaction() noexcept : bus::Event(kKind) {}

  enum class Kind : std::uint8_t { kConnect, kPublish, kSubscribe, kUnsubscribe };
  Kind kind = Kind::kConnect;
  TimeNs start_ts = 0;                             // when the request was seen
  bus::Direction dir = bus::Direction::kToServer;  // direction of the request
  std::uint8_t protocol_version = 0;

  // connect
  std::string proto_name;
  std::string client_id;
  std::string username;
  bool has_password = false;
  auth::Verdict credentials;  // see MqttMessage::credentials (detail: static text)
  std::string will_topic;
  std::string will_payload;    // excerpt
  std::string connect_status;  // "Connection Accepted", "Not authorized", ... or "" if no CONNACK
  std::optional<std::uint8_t> connack_code;
  // MQTT 5 properties of the request (CONNECT, PUBLISH, SUBSCRIBE, UNSUBSCRIBE): name -> value
  // as text, in wire order. Integers are decimal; binary data is copied raw (bounded);
  // authentication_data is replaced by "<n> bytes (redacted)"; a user property is stored as
  // ("user_property:" + key, value) so that keys keep their order and may repeat.
  std::vector<std::pair<std::string, std::string>> properties;
  // Added for the `mqtt` log (same encoding as `properties`):
  std::vector<std::pair<std::string, std::string>> will_properties;  // CONNECT will properties
  // Properties of the response that completed the exchange (CONNACK, PUBACK, PUBREC with a
  // failure reason, PUBCOMP, SUBACK, UNSUBACK).
  std::vector<std::pair<std::string, std::string>> ack_properties;
  bool clean_session = false;  // CONNECT flag (Clean Start in 5.0)
  bool will_retain = false;    // CONNECT will flags (meaningful when will_topic is set)
  std::uint8_t will_qos = 0;
  std::uint16_t keep_alive = 0;  // CONNECT keep alive, seconds
  bool session_present = false;  // CONNACK flag

  // publish
  std::string topic;
  std::string payload;  // excerpt (see LogOptions / Limits)
  std::uint32_t payload_len = 0;
  std::uint8_t qos = 0;
  bool retain = false;
  bool dup = false;
  // The PUBLISH was over mqtt.max_pdu_bytes: topic and identifier are known, the payload was
  // skipped (payload is empty, payload_len is its size). status is "truncated".
  bool truncated = false;
  std::uint64_t pdu_bytes = 0;  // size of the whole truncated PUBLISH (fixed header included)
  std::optional<std::uint16_t> packet_id;
  // Reason code of the PUBACK / PUBREC / PUBCOMP that ended the exchange (0 in 3.1.x).
  std::optional<std::uint8_t> ack_reason_code;
  // "ok"; "incomplete_qos1" / "incomplete_qos2" when the flow ended (or the transaction was
  // evicted) first; for MQTT 5 a non-success reason code of PUBACK/PUBREC/PUBCOMP names the
  // reason in snake_case ("no_matching_subscribers", "not_authorized", ...).
  std::string status;

  // subscribe / unsubscribe
  std::vector<std::string> topics;
  std::vector<std::uint8_t> qos_levels;
  // SUBACK codes; for UNSUBSCRIBE, the MQTT 5 UNSUBACK reason codes.
  std::vector<std::uint8_t> granted;
  bool ack = false;
};

}  // namespace ward::parsers::mqtt
