// MQTT 3.1 / 3.1.1 / 5.0 stream parser. Specs cited below:
//   MQTT 3.1.1: OASIS Standard, 29 October 2014 (section numbers "3.1.1 §x")
//   MQTT 5.0:   OASIS Standard, 7 March 2019 ("§x" alone)
//   MQTT 3.1:   IBM/Eurotech V3.1 protocol specification ("MQIsdp", level 3; same layout as
//               3.1.1 for every packet this parser reads)
#include "parsers/mqtt/mqtt_parser.h"

#include <algorithm>
#include <array>
#include <limits>
#include <list>
#include <string>
#include <utility>
#include <vector>

#include "parsers/mqtt/mqtt_log.h"
#include "parsers/stream_driver.h"

namespace ward::parsers::mqtt {

std::string_view packet_type_name(PacketType t) noexcept {
  switch (t) {
    case PacketType::kReserved:
      return "reserved";
    case PacketType::kConnect:
      return "connect";
    case PacketType::kConnack:
      return "connack";
    case PacketType::kPublish:
      return "publish";
    case PacketType::kPuback:
      return "puback";
    case PacketType::kPubrec:
      return "pubrec";
    case PacketType::kPubrel:
      return "pubrel";
    case PacketType::kPubcomp:
      return "pubcomp";
    case PacketType::kSubscribe:
      return "subscribe";
    case PacketType::kSuback:
      return "suback";
    case PacketType::kUnsubscribe:
      return "unsubscribe";
    case PacketType::kUnsuback:
      return "unsuback";
    case PacketType::kPingreq:
      return "pingreq";
    case PacketType::kPingresp:
      return "pingresp";
    case PacketType::kDisconnect:
      return "disconnect";
    case PacketType::kAuth:
      return "auth";
  }
  return "unknown";
}

std::string_view version_name(std::uint8_t protocol_level) noexcept {
  switch (protocol_level) {
    case 3:
      return "3.1";
    case 4:
      return "3.1.1";
    case 5:
      return "5.0";
    default:
      return "";
  }
}

namespace {

// Anomaly ids: a public interface (README.md), mirroring Suricata's MQTT events where one exists.
constexpr std::string_view kMissingConnect = "mqtt.missing_connect";
constexpr std::string_view kMissingPublish = "mqtt.missing_publish";
constexpr std::string_view kMissingSubscribe = "mqtt.missing_subscribe";
constexpr std::string_view kMissingUnsubscribe = "mqtt.missing_unsubscribe";
constexpr std::string_view kDoubleConnect = "mqtt.double_connect";
constexpr std::string_view kUnintroducedMessage = "mqtt.unintroduced_message";
constexpr std::string_view kInvalidQosLevel = "mqtt.invalid_qos_level";
constexpr std::string_view kMissingMsgId = "mqtt.missing_msg_id";
constexpr std::string_view kUnassignedMsgType = "mqtt.unassigned_msg_type";
constexpr std::string_view kMalformed = "mqtt.malformed";
constexpr std::string_view kPduTooLarge = "mqtt.pdu_too_large";
constexpr std::string_view kTooManyTransactions = "mqtt.too_many_transactions";
constexpr std::string_view kInvalidRemainingLength = "mqtt.invalid_remaining_length";
constexpr std::string_view kTooManyProperties = "mqtt.too_many_properties";
constexpr std::string_view kTooManyTopics = "mqtt.too_many_topics";
constexpr std::string_view kTooManyTopicAliases = "mqtt.too_many_topic_aliases";
constexpr std::string_view kUnknownTopicAlias = "mqtt.unknown_topic_alias";
constexpr std::string_view kGapResynced = "mqtt.gap_resynced";
constexpr std::string_view kGapUnrecoverable = "mqtt.gap_unrecoverable";
constexpr std::string_view kTruncatedPdu = "mqtt.truncated_pdu";

// ---------------------------------------------------------------------------------------------
// MQTT 5.0 §2.2.2.2: property identifiers and their data types.

enum class Wire : std::uint8_t { kByte, kTwoByte, kFourByte, kVarInt, kString, kBinary, kPair };

struct PropertyDef {
  std::uint8_t id;
  std::string_view name;
  Wire wire;
};

constexpr std::uint8_t kAuthenticationDataId = 0x16;
constexpr std::uint8_t kTopicAliasId = 0x23;

constexpr std::array<PropertyDef, 27> kPropertyDefs = {{
    {0x01, "payload_format_indicator", Wire::kByte},
    {0x02, "message_expiry_interval", Wire::kFourByte},
    {0x03, "content_type", Wire::kString},
    {0x08, "response_topic", Wire::kString},
    {0x09, "correlation_data", Wire::kBinary},
    {0x0B, "subscription_identifier", Wire::kVarInt},
    {0x11, "session_expiry_interval", Wire::kFourByte},
    {0x12, "assigned_client_identifier", Wire::kString},
    {0x13, "server_keep_alive", Wire::kTwoByte},
    {0x15, "authentication_method", Wire::kString},
    {kAuthenticationDataId, "authentication_data", Wire::kBinary},
    {0x17, "request_problem_information", Wire::kByte},
    {0x18, "will_delay_interval", Wire::kFourByte},
    {0x19, "request_response_information", Wire::kByte},
    {0x1A, "response_information", Wire::kString},
    {0x1C, "server_reference", Wire::kString},
    {0x1F, "reason_string", Wire::kString},
    {0x21, "receive_maximum", Wire::kTwoByte},
    {0x22, "topic_alias_maximum", Wire::kTwoByte},
    {kTopicAliasId, "topic_alias", Wire::kTwoByte},
    {0x24, "maximum_qos", Wire::kByte},
    {0x25, "retain_available", Wire::kByte},
    {0x26, "user_property", Wire::kPair},
    {0x27, "maximum_packet_size", Wire::kFourByte},
    {0x28, "wildcard_subscription_available", Wire::kByte},
    {0x29, "subscription_identifier_available", Wire::kByte},
    {0x2A, "shared_subscription_available", Wire::kByte},
}};

const PropertyDef* find_property(std::uint32_t id) noexcept {
  for (const PropertyDef& d : kPropertyDefs)
    if (d.id == id) return &d;
  return nullptr;
}

Property::Kind kind_of(Wire w) noexcept {
  switch (w) {
    case Wire::kString:
      return Property::Kind::kString;
    case Wire::kBinary:
      return Property::Kind::kBinary;
    case Wire::kPair:
      return Property::Kind::kStringPair;
    default:
      return Property::Kind::kInteger;
  }
}

// ---------------------------------------------------------------------------------------------
// Reason codes. MQTT 3.1.1 §3.2.2.3 (CONNACK return codes, in Zeek's wording) and MQTT 5.0 §2.4.

std::string connack_status(std::uint8_t level, std::uint8_t code);

struct ReasonName {
  std::uint8_t code;
  std::string_view name;  // the spec's wording
};

// MQTT 5.0 §2.4, Table 2-6 (0x00 has several names; the packet decides which applies).
constexpr std::array<ReasonName, 43> kReasonNames = {{
    {0x00, "Success"},
    {0x01, "Granted QoS 1"},
    {0x02, "Granted QoS 2"},
    {0x04, "Disconnect with Will Message"},
    {0x10, "No matching subscribers"},
    {0x11, "No subscription existed"},
    {0x18, "Continue authentication"},
    {0x19, "Re-authenticate"},
    {0x80, "Unspecified error"},
    {0x81, "Malformed Packet"},
    {0x82, "Protocol Error"},
    {0x83, "Implementation specific error"},
    {0x84, "Unsupported Protocol Version"},
    {0x85, "Client Identifier not valid"},
    {0x86, "Bad User Name or Password"},
    {0x87, "Not authorized"},
    {0x88, "Server unavailable"},
    {0x89, "Server busy"},
    {0x8A, "Banned"},
    {0x8B, "Server shutting down"},
    {0x8C, "Bad authentication method"},
    {0x8D, "Keep Alive timeout"},
    {0x8E, "Session taken over"},
    {0x8F, "Topic Filter invalid"},
    {0x90, "Topic Name invalid"},
    {0x91, "Packet Identifier in use"},
    {0x92, "Packet Identifier not found"},
    {0x93, "Receive Maximum exceeded"},
    {0x94, "Topic Alias invalid"},
    {0x95, "Packet too large"},
    {0x96, "Message rate too high"},
    {0x97, "Quota exceeded"},
    {0x98, "Administrative action"},
    {0x99, "Payload format invalid"},
    {0x9A, "Retain not supported"},
    {0x9B, "QoS not supported"},
    {0x9C, "Use another server"},
    {0x9D, "Server moved"},
    {0x9E, "Shared Subscriptions not supported"},
    {0x9F, "Connection rate exceeded"},
    {0xA0, "Maximum connect time"},
    {0xA1, "Subscription Identifiers not supported"},
    {0xA2, "Wildcard Subscriptions not supported"},
}};

std::string_view reason_name(std::uint8_t code) noexcept {
  for (const ReasonName& r : kReasonNames)
    if (r.code == code) return r.name;
  return {};
}

std::string hex_byte(std::uint8_t b) {
  constexpr std::string_view kHex = "0123456789abcdef";
  std::string s = "0x";
  s.push_back(kHex[b >> 4]);
  s.push_back(kHex[b & 0xf]);
  return s;
}

// "no_matching_subscribers" for 0x10; "reason_0xNN" for a code the spec does not define.
std::string reason_status(std::uint8_t code) {
  const std::string_view name = reason_name(code);
  if (name.empty()) return "reason_" + hex_byte(code);
  std::string s;
  for (char c : name) {
    if (c >= 'A' && c <= 'Z') {
      s.push_back(static_cast<char>(c - 'A' + 'a'));
    } else if (c == ' ' || c == '-') {
      s.push_back('_');
    } else {
      s.push_back(c);
    }
  }
  return s;
}

std::string connack_status(std::uint8_t level, std::uint8_t code) {
  if (level == 5) {
    const std::string_view name = reason_name(code);
    if (!name.empty() && (code == 0 || code >= 0x80)) return std::string(name);
  } else {
    // MQTT 3.1.1 §3.2.2.3, Table 3.1 (also 3.1), in Zeek's wording.
    constexpr std::array<std::string_view, 6> kReturnCodes = {
        "Connection Accepted",
        "Refused: unacceptable protocol version",
        "Refused: identifier rejected",
        "Refused: server unavailable",
        "Refused: bad user name or password",
        "Refused: not authorized",
    };
    if (code < kReturnCodes.size()) return std::string(kReturnCodes[code]);
  }
  return "unknown-return-code-" + std::to_string(code);
}

// ---------------------------------------------------------------------------------------------
// Wire primitives (MQTT 5.0 §1.5), all through ByteReader.

enum class Read : std::uint8_t { kOk, kNeedMore, kInvalid };

// MQTT 5.0 §1.5.5 / 3.1.1 §2.2.3: Variable Byte Integer, at most four bytes.
Read read_varint(ByteReader& r, std::uint32_t& out) noexcept {
  std::uint32_t value = 0;
  for (int i = 0; i < 4; ++i) {
    const auto b = r.u8();
    if (!b) return Read::kNeedMore;
    value |= static_cast<std::uint32_t>(*b & 0x7fU) << (7 * i);
    if ((*b & 0x80U) == 0) {
      out = value;
      return Read::kOk;
    }
  }
  return Read::kInvalid;
}

struct FixedHeader {
  std::uint8_t first = 0;          // packet type (high nibble) and flags (low nibble)
  std::uint32_t remaining = 0;     // Remaining Length
  std::uint32_t header_bytes = 0;  // 2..5
};

// MQTT 5.0 §2.1.1 / 3.1.1 §2.2: fixed header.
Read read_fixed_header(ByteView in, FixedHeader& h) noexcept {
  ByteReader r(in);
  const auto first = r.u8();
  if (!first) return Read::kNeedMore;
  std::uint32_t remaining = 0;
  const Read st = read_varint(r, remaining);
  if (st != Read::kOk) return st;
  h.first = *first;
  h.remaining = remaining;
  h.header_bytes = static_cast<std::uint32_t>(r.position());
  return Read::kOk;
}

// MQTT 5.0 §1.5.4: UTF-8 Encoded String (two-byte length prefix). Well-formedness is not
// enforced (README "Known gaps"); log writers escape invalid bytes.
bool read_string(ByteReader& r, std::string_view& out) noexcept {
  const auto len = r.u16be();
  if (!len) return false;
  const auto b = r.bytes(*len);
  if (!b) return false;
  out = as_chars(*b);
  return true;
}

// MQTT 5.0 §1.5.6: Binary Data.
bool read_binary(ByteReader& r, ByteView& out) noexcept {
  const auto len = r.u16be();
  if (!len) return false;
  const auto b = r.bytes(*len);
  if (!b) return false;
  out = *b;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Packet decoding. Decoding never emits anything: the caller may try two protocol versions
// (midstream) and keeps the result of the one that parses.

struct Scratch {
  std::vector<Property> properties;
  std::vector<Property> will_properties;
  std::vector<TopicFilter> topics;
};

struct Notes {
  std::string_view error;  // why the body did not parse (anomaly detail)
  bool properties_truncated = false;
  bool topics_truncated = false;
};

class Decoder {
 public:
  Decoder(const Limits& limits, Scratch& scratch, Notes& notes) noexcept
      : limits_(limits), s_(scratch), n_(notes) {}

  // Decodes `body` (exactly Remaining Length bytes) as a packet of protocol level `level`
  // (3, 4 or 5; CONNECT carries its own). Returns true iff the whole body parses.
  bool decode(std::uint8_t level, const FixedHeader& h, ByteView body, MqttMessage& m) {
    s_.properties.clear();
    s_.will_properties.clear();
    s_.topics.clear();
    n_ = Notes{};
    v5_ = level == 5;
    level_ = level;
    m.type = static_cast<PacketType>(h.first >> 4);
    m.dup = (h.first & 0x08U) != 0;
    m.qos = static_cast<std::uint8_t>((h.first >> 1) & 0x03U);
    m.retain = (h.first & 0x01U) != 0;
    m.remaining_length = h.remaining;
    ByteReader r(body);
    bool ok = false;
    switch (m.type) {
      case PacketType::kConnect:
        ok = connect(r, m);
        break;
      case PacketType::kConnack:
        ok = connack(r, m);
        break;
      case PacketType::kPublish:
        ok = publish(r, m);
        break;
      case PacketType::kPuback:
      case PacketType::kPubrec:
      case PacketType::kPubrel:
      case PacketType::kPubcomp:
        ok = packet_id_and_reason(r, m);
        break;
      case PacketType::kSubscribe:
        ok = subscribe(r, m);
        break;
      case PacketType::kSuback:
        ok = suback(r, m);
        break;
      case PacketType::kUnsubscribe:
        ok = unsubscribe(r, m);
        break;
      case PacketType::kUnsuback:
        ok = unsuback(r, m);
        break;
      case PacketType::kPingreq:
      case PacketType::kPingresp:
        ok = at_end(r);
        break;
      case PacketType::kDisconnect:
      case PacketType::kAuth:
        ok = reason_and_properties(r, m);
        break;
      case PacketType::kReserved:
        ok = fail("reserved packet type");
        break;
    }
    if (!ok) return false;
    m.properties = s_.properties;
    m.will_properties = s_.will_properties;
    m.topics = s_.topics;
    return true;
  }

 private:
  bool fail(std::string_view why) {
    if (n_.error.empty()) n_.error = why;
    return false;
  }
  bool at_end(const ByteReader& r) {
    return r.empty() || fail("unexpected bytes after the packet");
  }

  bool text(ByteReader& r, std::string_view& out, std::string_view what) {
    return read_string(r, out) || fail(what);
  }

  // MQTT 5.0 §2.2.2: Property Length, then properties. Unknown identifiers make the packet
  // malformed (their length is unknown).
  bool properties(ByteReader& r, std::vector<Property>& out) {
    std::uint32_t len = 0;
    if (read_varint(r, len) != Read::kOk) return fail("bad property length");
    const auto block = r.bytes(len);
    if (!block) return fail("property length exceeds the packet");
    ByteReader p(*block);
    while (!p.empty()) {
      std::uint32_t id = 0;
      if (read_varint(p, id) != Read::kOk) return fail("bad property identifier");
      const PropertyDef* def = find_property(id);
      if (def == nullptr) return fail("unknown property identifier");
      Property prop;
      prop.id = def->id;
      prop.name = def->name;
      prop.kind = kind_of(def->wire);
      bool ok = true;
      switch (def->wire) {
        case Wire::kByte: {
          const auto v = p.u8();
          ok = v.has_value();
          if (ok) prop.integer = *v;
          break;
        }
        case Wire::kTwoByte: {
          const auto v = p.u16be();
          ok = v.has_value();
          if (ok) prop.integer = *v;
          break;
        }
        case Wire::kFourByte: {
          const auto v = p.u32be();
          ok = v.has_value();
          if (ok) prop.integer = *v;
          break;
        }
        case Wire::kVarInt:
          ok = read_varint(p, prop.integer) == Read::kOk;
          break;
        case Wire::kString:
          ok = read_string(p, prop.str);
          break;
        case Wire::kBinary: {
          ByteView b;
          ok = read_binary(p, b);
          if (ok && def->id == kAuthenticationDataId) {
            prop.integer = static_cast<std::uint32_t>(b.size());  // never exposed, only its size
          } else if (ok) {
            prop.str = as_chars(b);
          }
          break;
        }
        case Wire::kPair:
          ok = read_string(p, prop.str) && read_string(p, prop.str2);
          break;
      }
      if (!ok) return fail("truncated property value");
      if (out.size() < limits_.max_properties) {
        out.push_back(prop);
      } else {
        n_.properties_truncated = true;
      }
    }
    return true;
  }

  // MQTT 5.0 §3.1 / 3.1.1 §3.1: CONNECT.
  bool connect(ByteReader& r, MqttMessage& m) {
    if (!text(r, m.protocol_name, "truncated protocol name")) return false;
    const auto level = r.u8();
    const auto flags = r.u8();
    const auto keep_alive = r.u16be();
    if (!level || !flags || !keep_alive) return fail("truncated CONNECT variable header");
    // §3.1.2.1 / §3.1.2.2: "MQTT" levels 4 and 5, "MQIsdp" level 3 (accepted with either name).
    if (m.protocol_name != "MQTT" && m.protocol_name != "MQIsdp")
      return fail("unknown protocol name");
    if (*level < 3 || *level > 5) return fail("unsupported protocol level");
    // §3.1.2.3: bit 0 is reserved and must be 0; §3.1.2.6: will QoS 3 is malformed.
    if ((*flags & 0x01U) != 0) return fail("reserved CONNECT flag set");
    m.protocol_version = *level;
    m.flag_username = (*flags & 0x80U) != 0;
    m.flag_password = (*flags & 0x40U) != 0;
    m.flag_will_retain = (*flags & 0x20U) != 0;
    m.will_qos = static_cast<std::uint8_t>((*flags >> 3) & 0x03U);
    m.flag_will = (*flags & 0x04U) != 0;
    m.flag_clean_session = (*flags & 0x02U) != 0;
    m.keep_alive = *keep_alive;
    if (m.will_qos == 3) return fail("will QoS 3");
    const bool v5 = *level == 5;
    if (v5 && !properties(r, s_.properties)) return false;
    // §3.1.3: payload.
    if (!text(r, m.client_id, "truncated client identifier")) return false;
    if (m.flag_will) {
      if (v5 && !properties(r, s_.will_properties)) return false;
      if (!text(r, m.will_topic, "truncated will topic")) return false;
      if (!read_binary(r, m.will_payload)) return fail("truncated will payload");
    }
    if (m.flag_username && !text(r, m.username, "truncated user name")) return false;
    if (m.flag_password) {
      ByteView password;  // read past, never kept
      if (!read_binary(r, password)) return fail("truncated password");
      m.has_password = true;
      m.credentials = auth::check_password(m.username, as_chars(password));
    }
    return at_end(r);
  }

  // §3.2 / 3.1.1 §3.2: CONNACK.
  bool connack(ByteReader& r, MqttMessage& m) {
    const auto ack_flags = r.u8();
    const auto code = r.u8();
    if (!ack_flags || !code) return fail("truncated CONNACK");
    // 3.1.1 §3.2.2.1 / §3.2.2.1: bits 7-1 are reserved (3.1 left the whole byte unused).
    if (level_ != 3 && (*ack_flags & 0xFEU) != 0) return fail("reserved CONNACK flags set");
    m.session_present = level_ != 3 && (*ack_flags & 0x01U) != 0;
    m.reason_code = *code;
    // A 3.1.1 server refusing a 5.0 CONNECT answers without properties: accept that too.
    if (v5_ && !r.empty() && !properties(r, s_.properties)) return false;
    return at_end(r);
  }

  // §3.3 / 3.1.1 §3.3: PUBLISH.
  bool publish(ByteReader& r, MqttMessage& m) {
    if (!text(r, m.topic, "truncated topic name")) return false;
    // 3.1.1 §4.7.3: a topic name has at least one character (5.0 allows "" with a topic alias).
    if (!v5_ && m.topic.empty()) return fail("empty topic name");
    if (m.qos > 0) {  // QoS 3 is reported by the caller; it is read like QoS 1 and 2
      const auto id = r.u16be();
      if (!id) return fail("truncated packet identifier");
      m.packet_id = *id;
    }
    if (v5_ && !properties(r, s_.properties)) return false;
    m.payload = r.rest();
    return true;
  }

  // §3.4-§3.7 / 3.1.1 §3.4-§3.7: PUBACK, PUBREC, PUBREL, PUBCOMP.
  bool packet_id_and_reason(ByteReader& r, MqttMessage& m) {
    const auto id = r.u16be();
    if (!id) return fail("truncated packet identifier");
    m.packet_id = *id;
    if (!v5_) return at_end(r);
    // §3.4.2.1: reason code and properties may be omitted (Remaining Length 2 or 3).
    m.reason_code = 0;
    if (r.empty()) return true;
    m.reason_code = *r.u8();
    if (!r.empty() && !properties(r, s_.properties)) return false;
    return at_end(r);
  }

  // §3.8 / 3.1.1 §3.8: SUBSCRIBE.
  bool subscribe(ByteReader& r, MqttMessage& m) {
    const auto id = r.u16be();
    if (!id) return fail("truncated packet identifier");
    m.packet_id = *id;
    if (v5_ && !properties(r, s_.properties)) return false;
    std::size_t count = 0;
    while (!r.empty()) {
      TopicFilter t;
      if (!text(r, t.filter, "truncated topic filter")) return false;
      const auto options = r.u8();
      if (!options) return fail("truncated subscription options");
      if (t.filter.empty()) return fail("empty topic filter");
      // §3.8.3.1: bits 7-6 reserved, QoS 3 and Retain Handling 3 are malformed.
      // 3.1.1 §3.8.3.1: bits 7-2 reserved.
      const std::uint8_t reserved_mask = v5_ ? 0xC0U : 0xFCU;
      if ((*options & reserved_mask) != 0) return fail("reserved subscription option bits set");
      if ((*options & 0x03U) == 3) return fail("requested QoS 3");
      if (v5_ && ((*options >> 4) & 0x03U) == 3) return fail("retain handling 3");
      t.qos = static_cast<std::uint8_t>(*options & 0x03U);
      t.options = *options;
      ++count;
      if (s_.topics.size() < limits_.max_topics_per_subscribe) {
        s_.topics.push_back(t);
      } else {
        n_.topics_truncated = true;
      }
    }
    // §3.8.3: at least one topic filter.
    return count > 0 || fail("SUBSCRIBE without topic filters");
  }

  // §3.9 / 3.1.1 §3.9: SUBACK.
  bool suback(ByteReader& r, MqttMessage& m) {
    const auto id = r.u16be();
    if (!id) return fail("truncated packet identifier");
    m.packet_id = *id;
    if (v5_ && !properties(r, s_.properties)) return false;
    m.reason_codes = r.rest();
    if (m.reason_codes.empty()) return fail("SUBACK without return codes");
    if (!v5_) {
      // 3.1.1 §3.9.3: 0x00, 0x01, 0x02 (granted QoS) or 0x80 (failure).
      for (std::uint8_t c : m.reason_codes)
        if (c > 2 && c != 0x80) return fail("invalid SUBACK return code");
    }
    return true;
  }

  // §3.10 / 3.1.1 §3.10: UNSUBSCRIBE.
  bool unsubscribe(ByteReader& r, MqttMessage& m) {
    const auto id = r.u16be();
    if (!id) return fail("truncated packet identifier");
    m.packet_id = *id;
    if (v5_ && !properties(r, s_.properties)) return false;
    std::size_t count = 0;
    while (!r.empty()) {
      TopicFilter t;
      if (!text(r, t.filter, "truncated topic filter")) return false;
      if (t.filter.empty()) return fail("empty topic filter");
      ++count;
      if (s_.topics.size() < limits_.max_topics_per_subscribe) {
        s_.topics.push_back(t);
      } else {
        n_.topics_truncated = true;
      }
    }
    return count > 0 || fail("UNSUBSCRIBE without topic filters");
  }

  // §3.11 / 3.1.1 §3.11: UNSUBACK (reason codes only in 5.0).
  bool unsuback(ByteReader& r, MqttMessage& m) {
    const auto id = r.u16be();
    if (!id) return fail("truncated packet identifier");
    m.packet_id = *id;
    if (!v5_) return at_end(r);
    if (!properties(r, s_.properties)) return false;
    m.reason_codes = r.rest();
    return true;
  }

  // §3.14 DISCONNECT and §3.15 AUTH: in 5.0 an optional reason code and optional properties;
  // 3.1.1 §3.14: DISCONNECT has no variable header.
  bool reason_and_properties(ByteReader& r, MqttMessage& m) {
    if (!v5_) return at_end(r);
    m.reason_code = 0;
    if (r.empty()) return true;
    m.reason_code = *r.u8();
    if (!r.empty() && !properties(r, s_.properties)) return false;
    return at_end(r);
  }

  const Limits& limits_;
  Scratch& s_;
  Notes& n_;
  bool v5_ = false;
  std::uint8_t level_ = 4;
};

// ---------------------------------------------------------------------------------------------
// Owned, bounded copies for transactions.

std::string bounded(std::string_view s, std::uint32_t max_bytes) {
  return std::string(s.substr(0, max_bytes));
}

void append_properties(std::vector<std::pair<std::string, std::string>>& out,
                       std::span<const Property> props, const Limits& limits) {
  for (const Property& p : props) {
    switch (p.kind) {
      case Property::Kind::kInteger:
        out.emplace_back(std::string(p.name), std::to_string(p.integer));
        break;
      case Property::Kind::kString:
        out.emplace_back(std::string(p.name), bounded(p.str, limits.max_string_bytes));
        break;
      case Property::Kind::kBinary:
        if (p.id == kAuthenticationDataId) {
          out.emplace_back(std::string(p.name), std::to_string(p.integer) + " bytes (redacted)");
        } else {
          out.emplace_back(std::string(p.name), bounded(p.str, limits.max_string_bytes));
        }
        break;
      case Property::Kind::kStringPair:
        out.emplace_back("user_property:" + bounded(p.str, limits.max_string_bytes),
                         bounded(p.str2, limits.max_string_bytes));
        break;
    }
  }
}

// ---------------------------------------------------------------------------------------------

class MqttParser final : public StreamParser {
 public:
  MqttParser(EventSink& sink, const Limits& limits) : sink_(sink), limits_(limits) {}

  Result<Progress, ParseError> on_data(Direction dir, ByteView input) noexcept override;
  void on_gap(Direction dir, std::uint64_t missing_bytes) noexcept override;
  void on_end(Direction dir) noexcept override;

 private:
  struct PerDirection {
    std::uint64_t skip = 0;           // bytes of an oversized or lost PDU still to discard
    bool partial = false;             // the driver holds the start of an unfinished PDU
    std::uint64_t partial_total = 0;  // that PDU's size (0: its fixed header is incomplete)
    bool desynced = false;            // lost PDU boundaries in a gap: nothing more is parsed
    bool ended = false;
    // MQTT 5.0 §3.3.2.3.4: topic aliases set by this direction's sender.
    std::vector<std::pair<std::uint16_t, std::string>> aliases;
  };

  struct Pending {
    MqttTransaction tx;
    bool rec = false;  // QoS 2: PUBREC seen
    bool rel = false;  // QoS 2: PUBREL seen
  };
  using PendingIt = std::list<Pending>::iterator;

  // Decodes and processes one complete PDU. Returns the anomaly id that stops the direction, or
  // an empty view.
  std::string_view handle_pdu(Direction dir, const FixedHeader& h, ByteView body);
  void process(Direction dir, MqttMessage& m);
  void on_connect(Direction dir, const MqttMessage& m);
  void on_connack(Direction dir, const MqttMessage& m);
  void on_publish(Direction dir, MqttMessage& m);
  // Bytes of an over-limit PUBLISH needed to read its topic and packet identifier (0 if the
  // topic length itself is not there yet: then the fixed header plus 2).
  static std::size_t publish_header_bytes(ByteView rest, const FixedHeader& h) noexcept;
  // Opens (QoS 0: emits) a publish transaction with status "truncated" for an over-limit
  // PUBLISH whose variable header is in `rest`, so that its acknowledgement pairs with it.
  void on_truncated_publish(Direction dir, const FixedHeader& h, ByteView rest);
  void on_publish_response(Direction dir, const MqttMessage& m);
  void on_subscribe(Direction dir, const MqttMessage& m);
  void on_subscribe_response(Direction dir, const MqttMessage& m);
  void resolve_topic_alias(Direction dir, MqttMessage& m);

  Pending& add_pending(MqttTransaction::Kind kind, Direction dir);
  PendingIt find_pending(MqttTransaction::Kind kind, Direction request_dir,
                         std::optional<std::uint16_t> packet_id, std::uint8_t qos = 0);
  void complete(PendingIt it);
  void complete_incomplete(PendingIt it);
  void anomaly_once(bool& reported, std::string_view id, std::string_view detail);

  EventSink& sink_;
  const Limits limits_;
  Scratch scratch_;
  PerDirection dirs_[2];
  std::list<Pending> pending_;  // oldest first; at most limits_.max_pending_transactions

  std::uint8_t version_ = 0;  // protocol level from the last CONNECT; 0 if none was seen
  bool inferred_v5_ = false;  // midstream: only the 5.0 reading of some packet parsed
  bool confirmed_ = false;
  bool connect_seen_ = false;
  bool connected_ = false;  // a CONNACK accepted the CONNECT
  bool missing_connect_reported_ = false;
  bool unintroduced_reported_ = false;
  bool unknown_alias_reported_ = false;
  bool alias_table_full_reported_ = false;
};

void MqttParser::anomaly_once(bool& reported, std::string_view id, std::string_view detail) {
  if (reported) return;
  reported = true;
  sink_.anomaly(id, detail);
}

Result<Progress, ParseError> MqttParser::on_data(Direction dir, ByteView input) noexcept {
  PerDirection& d = dirs_[bus::index(dir)];
  // Progress counts in 32 bits; the driver calls again with whatever is left.
  if (input.size() > std::numeric_limits<std::uint32_t>::max())
    input = input.first(std::numeric_limits<std::uint32_t>::max());
  d.partial = false;
  if (d.desynced || d.ended) return Progress{static_cast<std::uint32_t>(input.size()), 0};

  std::size_t pos = 0;
  if (d.skip > 0) {  // Suricata's TRUNCATED mode: discard the rest of a skipped PDU
    const std::uint64_t n = std::min<std::uint64_t>(d.skip, input.size());
    d.skip -= n;
    pos = static_cast<std::size_t>(n);
  }
  while (pos < input.size()) {
    const ByteView rest = input.subspan(pos);
    FixedHeader h;
    const Read st = read_fixed_header(rest, h);
    if (st == Read::kInvalid) return unexpected(ParseError{kInvalidRemainingLength});
    if (st == Read::kNeedMore) {
      d.partial = true;
      d.partial_total = 0;
      return Progress{static_cast<std::uint32_t>(pos), 1};
    }
    const std::uint64_t total = std::uint64_t{h.header_bytes} + h.remaining;
    if (total > limits_.max_pdu_bytes) {
      // An oversized PUBLISH is still logged, as truncated, when its variable header (topic
      // and packet identifier) can be read: wait for those few bytes first (bounded by the
      // 65535-byte topic length), then skip the rest without buffering it.
      if (static_cast<PacketType>(h.first >> 4) == PacketType::kPublish) {
        const std::size_t want = publish_header_bytes(rest, h);
        if (want > rest.size() && want <= h.header_bytes + std::size_t{h.remaining}) {
          d.partial = true;
          d.partial_total = 0;
          return Progress{static_cast<std::uint32_t>(pos),
                          static_cast<std::uint32_t>(want - rest.size())};
        }
        on_truncated_publish(dir, h, rest);
      }
      const std::string detail =
          std::string(packet_type_name(static_cast<PacketType>(h.first >> 4))) + " of " +
          std::to_string(total) + " bytes skipped (limit " + std::to_string(limits_.max_pdu_bytes) +
          ")";
      sink_.anomaly(kPduTooLarge, detail);
      const std::uint64_t n = std::min<std::uint64_t>(total, rest.size());
      pos += static_cast<std::size_t>(n);
      d.skip = total - n;
      continue;
    }
    if (rest.size() < total) {
      d.partial = true;
      d.partial_total = total;
      return Progress{static_cast<std::uint32_t>(pos),
                      static_cast<std::uint32_t>(total - rest.size())};
    }
    const std::string_view fatal = handle_pdu(dir, h, rest.subspan(h.header_bytes, h.remaining));
    if (!fatal.empty()) return unexpected(ParseError{fatal});
    pos += static_cast<std::size_t>(total);
  }
  return Progress{static_cast<std::uint32_t>(pos), 0};
}

void MqttParser::on_gap(Direction dir, std::uint64_t missing_bytes) noexcept {
  PerDirection& d = dirs_[bus::index(dir)];
  if (d.desynced || d.ended) return;
  if (missing_bytes == 0) {
    // The StreamDriver dropped our unfinished PDU because the direction ended.
    if (d.partial) sink_.anomaly(kTruncatedPdu, "the stream ended inside a PDU");
    d.partial = false;
    return;
  }
  // The loss lies inside a PDU being skipped: keep skipping.
  if (d.skip > 0 && missing_bytes <= d.skip) {
    d.skip -= missing_bytes;
    return;
  }
  // The StreamDriver counts the unfinished PDU's buffered bytes in `missing_bytes`; when the loss
  // ends inside that PDU its known length says where the next one starts.
  if (d.skip == 0 && d.partial && d.partial_total > 0 && missing_bytes <= d.partial_total) {
    d.skip = d.partial_total - missing_bytes;
    d.partial = false;
    sink_.anomaly(kGapResynced, "a PDU was lost in a capture gap; parsing resumes after it");
    return;
  }
  d.desynced = true;
  d.partial = false;
  d.skip = 0;
  sink_.anomaly(kGapUnrecoverable,
                "PDU boundaries lost in a capture gap; this direction is no longer parsed");
}

void MqttParser::on_end(Direction dir) noexcept {
  PerDirection& d = dirs_[bus::index(dir)];
  d.ended = true;
  const bool both_ended = dirs_[0].ended && dirs_[1].ended;
  // Requests whose response would have travelled in `dir` can no longer complete.
  for (auto it = pending_.begin(); it != pending_.end();) {
    auto next = std::next(it);
    if (both_ended || it->tx.dir == bus::opposite(dir)) complete_incomplete(it);
    it = next;
  }
}

std::string_view MqttParser::handle_pdu(Direction dir, const FixedHeader& h, ByteView body) {
  const auto type = static_cast<PacketType>(h.first >> 4);
  Notes notes;
  Decoder decoder(limits_, scratch_, notes);
  std::optional<MqttMessage> msg;
  std::string_view failure;
  std::string_view detail;

  if (type == PacketType::kReserved) {
    failure = kUnassignedMsgType;
    detail = "packet type 0";
  } else if (type == PacketType::kConnect) {
    msg.emplace();
    if (!decoder.decode(0, h, body, *msg)) failure = kMalformed;
  } else {
    const std::uint8_t level = version_ != 0 ? version_ : (inferred_v5_ ? 5 : 0);
    if (level == 0) {
      // Midstream: assume 3.1.1, switch to 5.0 when that is the only reading that parses.
      bool ok = false;
      std::string_view error_v4;
      if (type != PacketType::kAuth) {
        msg.emplace();
        ok = decoder.decode(4, h, body, *msg);
        error_v4 = notes.error;
      }
      if (!ok) {
        msg.emplace();
        ok = decoder.decode(5, h, body, *msg);
        if (ok) {
          inferred_v5_ = true;
        } else if (type == PacketType::kAuth) {
          failure = kUnassignedMsgType;
          detail = "packet type 15 (AUTH) before MQTT 5.0";
        } else {
          failure = kMalformed;
          notes.error = error_v4;
        }
      }
    } else if (type == PacketType::kAuth && level != 5) {
      failure = kUnassignedMsgType;
      detail = "packet type 15 (AUTH) before MQTT 5.0";
    } else {
      msg.emplace();
      if (!decoder.decode(level, h, body, *msg)) failure = kMalformed;
    }
  }

  if (!failure.empty()) {
    // Before the first clean PDU these bytes are most likely not MQTT: stop the direction (the
    // driver reports the id) instead of reporting every misread "PDU".
    if (!confirmed_) return failure;
    sink_.anomaly(failure, failure == kMalformed ? notes.error : detail);
    return {};
  }
  if (!confirmed_) {
    confirmed_ = true;
    sink_.confirm_protocol();
  }
  if (notes.properties_truncated)
    sink_.anomaly(kTooManyProperties, "properties beyond mqtt.max_properties were not kept");
  if (notes.topics_truncated)
    sink_.anomaly(kTooManyTopics,
                  "topic filters beyond mqtt.max_topics_per_subscribe were not kept");
  process(dir, *msg);
  return {};
}

void MqttParser::process(Direction dir, MqttMessage& m) {
  if (m.type != PacketType::kConnect) {
    m.protocol_version = version_;
    if (!connect_seen_) {
      anomaly_once(missing_connect_reported_, kMissingConnect,
                   "traffic without a CONNECT (midstream pickup); assuming MQTT 3.1.1");
    } else if (!connected_ && m.type != PacketType::kConnack) {
      anomaly_once(unintroduced_reported_, kUnintroducedMessage,
                   "a packet before the CONNECT was accepted by a CONNACK");
    }
  }
  // §2.2.1 / 3.1.1 §2.3.1: these packets carry a non-zero Packet Identifier.
  if (m.packet_id && *m.packet_id == 0) sink_.anomaly(kMissingMsgId, "packet identifier 0");

  switch (m.type) {
    case PacketType::kConnect:
      on_connect(dir, m);
      sink_.emit(m);
      break;
    case PacketType::kConnack:
      sink_.emit(m);
      on_connack(dir, m);
      break;
    case PacketType::kPublish:
      on_publish(dir, m);  // emits the message itself (after resolving a topic alias)
      break;
    case PacketType::kPuback:
    case PacketType::kPubrec:
    case PacketType::kPubrel:
    case PacketType::kPubcomp:
      sink_.emit(m);
      on_publish_response(dir, m);
      break;
    case PacketType::kSubscribe:
    case PacketType::kUnsubscribe:
      sink_.emit(m);
      on_subscribe(dir, m);
      break;
    case PacketType::kSuback:
    case PacketType::kUnsuback:
      sink_.emit(m);
      on_subscribe_response(dir, m);
      break;
    default:  // PINGREQ, PINGRESP, DISCONNECT, AUTH: no exchange to track
      sink_.emit(m);
      break;
  }
}

void MqttParser::on_connect(Direction dir, const MqttMessage& m) {
  if (connect_seen_) sink_.anomaly(kDoubleConnect, "a second CONNECT on the connection");
  for (auto it = pending_.begin(); it != pending_.end(); ++it) {
    if (it->tx.kind == MqttTransaction::Kind::kConnect) {
      complete_incomplete(it);
      break;
    }
  }
  connect_seen_ = true;
  connected_ = false;
  version_ = m.protocol_version;
  inferred_v5_ = false;
  for (PerDirection& d : dirs_) d.aliases.clear();

  Pending& p = add_pending(MqttTransaction::Kind::kConnect, dir);
  MqttTransaction& tx = p.tx;
  tx.protocol_version = m.protocol_version;
  tx.proto_name = bounded(m.protocol_name, limits_.max_string_bytes);
  tx.client_id = bounded(m.client_id, limits_.max_string_bytes);
  tx.username = bounded(m.username, limits_.max_string_bytes);
  tx.has_password = m.has_password;
  tx.credentials = m.credentials;
  tx.clean_session = m.flag_clean_session;
  tx.keep_alive = m.keep_alive;
  if (m.flag_will) {
    tx.will_retain = m.flag_will_retain;
    tx.will_qos = m.will_qos;
    tx.will_topic = bounded(m.will_topic, limits_.max_string_bytes);
    tx.will_payload = bounded(as_chars(m.will_payload), limits_.payload_excerpt_bytes);
  }
  append_properties(tx.properties, m.properties, limits_);
  append_properties(tx.will_properties, m.will_properties, limits_);
}

void MqttParser::on_connack(Direction dir, const MqttMessage& m) {
  const std::uint8_t code = m.reason_code.value_or(0);
  for (auto it = pending_.begin(); it != pending_.end(); ++it) {
    if (it->tx.kind != MqttTransaction::Kind::kConnect || it->tx.dir != bus::opposite(dir))
      continue;
    MqttTransaction& tx = it->tx;
    tx.connack_code = code;
    tx.connect_status = connack_status(tx.protocol_version, code);
    tx.session_present = m.session_present;
    append_properties(tx.ack_properties, m.properties, limits_);
    connected_ = code == 0;
    complete(it);
    return;
  }
  // No CONNECT waits for this CONNACK. Midstream, mqtt.missing_connect was already reported.
  if (connect_seen_) {
    sink_.anomaly(kMissingConnect, "CONNACK without a pending CONNECT");
    return;
  }
  // Midstream pickup just after the CONNECT: the session's outcome is still worth a record
  // (what the client sent is unknown; connect_status says whether the broker accepted it).
  MqttTransaction tx;
  tx.kind = MqttTransaction::Kind::kConnect;
  tx.start_ts = sink_.packet_time();
  tx.dir = bus::opposite(dir);
  tx.protocol_version = version_;
  tx.connack_code = code;
  tx.connect_status = connack_status(version_, code);
  tx.session_present = m.session_present;
  append_properties(tx.ack_properties, m.properties, limits_);
  connected_ = code == 0;
  sink_.emit(tx);
}

void MqttParser::resolve_topic_alias(Direction dir, MqttMessage& m) {
  const auto it = std::find_if(m.properties.begin(), m.properties.end(),
                               [](const Property& p) { return p.id == kTopicAliasId; });
  if (it == m.properties.end()) return;
  const auto alias = static_cast<std::uint16_t>(it->integer);
  auto& table = dirs_[bus::index(dir)].aliases;
  auto entry =
      std::find_if(table.begin(), table.end(), [alias](const auto& e) { return e.first == alias; });
  if (!m.topic.empty() && alias != 0) {
    // §3.3.2.3.4: a PUBLISH with a topic name and an alias (re)defines the alias.
    if (entry != table.end()) {
      entry->second = bounded(m.topic, limits_.max_string_bytes);
    } else if (table.size() < limits_.max_topic_aliases) {
      table.emplace_back(alias, bounded(m.topic, limits_.max_string_bytes));
    } else {
      anomaly_once(alias_table_full_reported_, kTooManyTopicAliases,
                   "topic aliases beyond mqtt.max_topic_aliases are not resolved");
    }
    return;
  }
  if (m.topic.empty() && entry != table.end() && alias != 0) {
    m.topic = entry->second;
    return;
  }
  // Alias 0, or an alias never defined. Midstream the definition may predate the capture.
  if (connect_seen_)
    anomaly_once(unknown_alias_reported_, kUnknownTopicAlias,
                 "PUBLISH with an undefined topic alias");
}

void MqttParser::on_publish(Direction dir, MqttMessage& m) {
  if (!m.properties.empty()) resolve_topic_alias(dir, m);
  sink_.emit(m);
  if (m.qos == 3) {  // §3.3.1.2: QoS 3 is malformed; there is no exchange to follow
    sink_.anomaly(kInvalidQosLevel, "PUBLISH with QoS 3");
    return;
  }
  MqttTransaction tmp;
  MqttTransaction* tx = &tmp;
  Pending* p = nullptr;
  if (m.qos > 0) {
    // A new PUBLISH reusing a pending packet identifier ends the older exchange.
    const PendingIt old = find_pending(MqttTransaction::Kind::kPublish, dir, m.packet_id, 0);
    if (old != pending_.end()) complete_incomplete(old);
    p = &add_pending(MqttTransaction::Kind::kPublish, dir);
    tx = &p->tx;
  } else {
    tmp.kind = MqttTransaction::Kind::kPublish;
    tmp.start_ts = sink_.packet_time();
    tmp.dir = dir;
  }
  tx->protocol_version = version_;
  tx->topic = bounded(m.topic, limits_.max_string_bytes);
  tx->payload = bounded(as_chars(m.payload), limits_.payload_excerpt_bytes);
  tx->payload_len = static_cast<std::uint32_t>(m.payload.size());
  tx->qos = m.qos;
  tx->retain = m.retain;
  tx->dup = m.dup;
  tx->packet_id = m.packet_id;
  append_properties(tx->properties, m.properties, limits_);
  if (m.qos == 0) {
    tmp.status = "ok";
    sink_.emit(tmp);
  }
}

std::size_t MqttParser::publish_header_bytes(ByteView rest, const FixedHeader& h) noexcept {
  ByteReader r(rest);
  if (!r.skip(h.header_bytes)) return h.header_bytes + 2;
  const auto topic_len = r.u16be();
  if (!topic_len) return h.header_bytes + 2;
  const std::uint8_t qos = (h.first >> 1) & 3;
  return h.header_bytes + 2 + std::size_t{*topic_len} + (qos > 0 ? 2 : 0);
}

void MqttParser::on_truncated_publish(Direction dir, const FixedHeader& h, ByteView rest) {
  const std::uint8_t qos = (h.first >> 1) & 3;
  if (qos == 3) return;  // reported as mqtt.invalid_qos_level only when parsed
  ByteReader r(rest);
  if (!r.skip(h.header_bytes)) return;
  const auto topic_len = r.u16be();
  if (!topic_len) return;
  const auto topic = r.bytes(*topic_len);
  if (!topic) return;
  std::optional<std::uint16_t> packet_id;
  if (qos > 0) {
    const auto id = r.u16be();
    if (!id) return;
    packet_id = *id;
  }
  MqttTransaction tmp;
  MqttTransaction* tx = &tmp;
  if (qos > 0) {
    const PendingIt old = find_pending(MqttTransaction::Kind::kPublish, dir, packet_id, 0);
    if (old != pending_.end()) complete_incomplete(old);
    tx = &add_pending(MqttTransaction::Kind::kPublish, dir).tx;
  } else {
    tmp.kind = MqttTransaction::Kind::kPublish;
    tmp.start_ts = sink_.packet_time();
    tmp.dir = dir;
  }
  tx->protocol_version = version_;
  tx->topic = bounded(as_chars(*topic), limits_.max_string_bytes);
  const std::uint32_t var_header = 2 + *topic_len + (qos > 0 ? 2 : 0);
  tx->payload_len = h.remaining > var_header ? h.remaining - var_header : 0;
  tx->qos = qos;
  tx->retain = (h.first & 1) != 0;
  tx->dup = (h.first & 8) != 0;
  tx->packet_id = packet_id;
  tx->truncated = true;
  tx->pdu_bytes = std::uint64_t{h.header_bytes} + h.remaining;
  tx->status = "truncated";
  if (qos == 0) sink_.emit(tmp);
}

void MqttParser::on_publish_response(Direction dir, const MqttMessage& m) {
  const std::uint8_t reason = m.reason_code.value_or(0);
  PendingIt it = pending_.end();
  switch (m.type) {
    case PacketType::kPuback:  // §4.3.2: QoS 1, from the receiver
      it = find_pending(MqttTransaction::Kind::kPublish, bus::opposite(dir), m.packet_id, 1);
      if (it == pending_.end()) break;
      if (!it->tx.truncated) it->tx.status = reason == 0 ? "ok" : reason_status(reason);
      it->tx.ack_reason_code = reason;
      append_properties(it->tx.ack_properties, m.properties, limits_);
      complete(it);
      return;
    case PacketType::kPubrec:  // §4.3.3: QoS 2 step 1, from the receiver
      it = find_pending(MqttTransaction::Kind::kPublish, bus::opposite(dir), m.packet_id, 2);
      if (it == pending_.end()) break;
      it->rec = true;
      if (reason >= 0x80) {  // §3.5.2.1: a failure ends the exchange here
        it->tx.status = reason_status(reason);
        it->tx.ack_reason_code = reason;
        append_properties(it->tx.ack_properties, m.properties, limits_);
        complete(it);
      }
      return;
    case PacketType::kPubrel:  // QoS 2 step 2, from the sender
      it = find_pending(MqttTransaction::Kind::kPublish, dir, m.packet_id, 2);
      if (it == pending_.end()) break;
      it->rel = true;
      return;
    case PacketType::kPubcomp:  // QoS 2 step 3, from the receiver
      it = find_pending(MqttTransaction::Kind::kPublish, bus::opposite(dir), m.packet_id, 2);
      if (it == pending_.end()) break;
      it->tx.status = reason == 0 ? "ok" : reason_status(reason);
      it->tx.ack_reason_code = reason;
      append_properties(it->tx.ack_properties, m.properties, limits_);
      complete(it);
      return;
    default:
      return;
  }
  sink_.anomaly(kMissingPublish,
                std::string(packet_type_name(m.type)) + " without a pending PUBLISH");
}

void MqttParser::on_subscribe(Direction dir, const MqttMessage& m) {
  const bool sub = m.type == PacketType::kSubscribe;
  const auto kind = sub ? MqttTransaction::Kind::kSubscribe : MqttTransaction::Kind::kUnsubscribe;
  const PendingIt old = find_pending(kind, dir, m.packet_id);
  if (old != pending_.end()) complete_incomplete(old);
  Pending& p = add_pending(kind, dir);
  MqttTransaction& tx = p.tx;
  tx.protocol_version = version_;
  tx.packet_id = m.packet_id;
  for (const TopicFilter& t : m.topics) {
    tx.topics.push_back(bounded(t.filter, limits_.max_string_bytes));
    if (sub) tx.qos_levels.push_back(t.qos);
  }
  append_properties(tx.properties, m.properties, limits_);
}

void MqttParser::on_subscribe_response(Direction dir, const MqttMessage& m) {
  const bool sub = m.type == PacketType::kSuback;
  const auto kind = sub ? MqttTransaction::Kind::kSubscribe : MqttTransaction::Kind::kUnsubscribe;
  const PendingIt it = find_pending(kind, bus::opposite(dir), m.packet_id);
  if (it == pending_.end()) {
    if (sub) {
      sink_.anomaly(kMissingSubscribe, "SUBACK without a pending SUBSCRIBE");
    } else {
      sink_.anomaly(kMissingUnsubscribe, "UNSUBACK without a pending UNSUBSCRIBE");
    }
    return;
  }
  MqttTransaction& tx = it->tx;
  tx.ack = true;
  const std::size_t n =
      std::min<std::size_t>(m.reason_codes.size(), limits_.max_topics_per_subscribe);
  tx.granted.assign(m.reason_codes.begin(),
                    m.reason_codes.begin() + static_cast<std::ptrdiff_t>(n));
  append_properties(tx.ack_properties, m.properties, limits_);
  complete(it);
}

MqttParser::Pending& MqttParser::add_pending(MqttTransaction::Kind kind, Direction dir) {
  if (pending_.size() >= limits_.max_pending_transactions && !pending_.empty()) {
    sink_.anomaly(kTooManyTransactions,
                  "pending transactions reached mqtt.max_pending_transactions; the oldest is "
                  "logged as incomplete");
    complete_incomplete(pending_.begin());
  }
  Pending& p = pending_.emplace_back();
  p.tx.kind = kind;
  p.tx.dir = dir;
  p.tx.start_ts = sink_.packet_time();
  return p;
}

MqttParser::PendingIt MqttParser::find_pending(MqttTransaction::Kind kind, Direction request_dir,
                                               std::optional<std::uint16_t> packet_id,
                                               std::uint8_t qos) {
  return std::find_if(pending_.begin(), pending_.end(), [&](const Pending& p) {
    return p.tx.kind == kind && p.tx.dir == request_dir && p.tx.packet_id == packet_id &&
           (qos == 0 || p.tx.qos == qos);
  });
}

void MqttParser::complete(PendingIt it) {
  sink_.emit(it->tx);
  pending_.erase(it);
}

void MqttParser::complete_incomplete(PendingIt it) {
  MqttTransaction& tx = it->tx;
  if (tx.kind == MqttTransaction::Kind::kPublish)
    tx.status = "incomplete_qos" + std::to_string(tx.qos);
  complete(it);
}

// ---------------------------------------------------------------------------------------------

std::unique_ptr<ParserFactory> configure(const LimitOverrides& overrides) {
  return std::make_unique<MqttParserFactory>(limits_from(overrides));
}

std::uint32_t clamped(const LimitOverrides& o, std::string_view key, std::uint32_t fallback,
                      std::uint32_t lo, std::uint32_t hi) {
  const std::uint64_t v = o.get(key, fallback);
  return static_cast<std::uint32_t>(std::clamp<std::uint64_t>(v, lo, hi));
}

constexpr std::array<std::uint16_t, 1> kTcpPorts = {1883};

constexpr ParserSpec kSpec{
    "mqtt", kTcpPorts, &probe, &configure, &make_mqtt_log,
};

}  // namespace

std::optional<Property::Kind> property_kind(std::string_view name) noexcept {
  for (const PropertyDef& d : kPropertyDefs)
    if (d.name == name) return kind_of(d.wire);
  return std::nullopt;
}

Limits limits_from(const LimitOverrides& o) {
  const Limits d;
  Limits l;
  // The PDU limit must leave the StreamDriver room to buffer a whole PDU.
  const std::uint32_t driver_max = StreamDriver::Limits{}.max_pending_bytes;
  l.max_pdu_bytes = clamped(o, "mqtt.max_pdu_bytes", d.max_pdu_bytes, 16, driver_max);
  l.max_pending_transactions =
      clamped(o, "mqtt.max_pending_transactions", d.max_pending_transactions, 1, 65536);
  l.max_topics_per_subscribe =
      clamped(o, "mqtt.max_topics_per_subscribe", d.max_topics_per_subscribe, 1, 65535);
  l.max_properties = clamped(o, "mqtt.max_properties", d.max_properties, 1, 65535);
  l.payload_excerpt_bytes =
      clamped(o, "mqtt.payload_excerpt_bytes", d.payload_excerpt_bytes, 0, driver_max);
  l.max_string_bytes = clamped(o, "mqtt.max_string_bytes", d.max_string_bytes, 1, 65535);
  l.max_topic_aliases = clamped(o, "mqtt.max_topic_aliases", d.max_topic_aliases, 0, 65535);
  return l;
}

Probe probe(Direction /*dir*/, ByteView first_bytes) noexcept {
  ByteReader r(first_bytes);
  // §3.1.1: CONNECT fixed header, flags 0.
  const auto first = r.u8();
  if (!first) return Probe::kMaybe;
  if (*first != 0x10) return Probe::kNo;
  std::uint32_t remaining = 0;
  const Read st = read_varint(r, remaining);
  if (st == Read::kNeedMore) return Probe::kMaybe;
  if (st == Read::kInvalid) return Probe::kNo;
  // §3.1.2.1: protocol name; then the level byte.
  const auto name_len = r.u16be();
  if (!name_len) return Probe::kMaybe;
  std::string_view expected;
  if (*name_len == 4) {
    expected = "MQTT";
  } else if (*name_len == 6) {
    expected = "MQIsdp";
  } else {
    return Probe::kNo;
  }
  // Name, level, flags and keep alive, plus a client id length, must fit in the remaining length.
  if (remaining < 2U + *name_len + 1 + 1 + 2 + 2) return Probe::kNo;
  const ByteView name = r.rest().first(std::min<std::size_t>(r.remaining(), *name_len));
  if (as_chars(name) != expected.substr(0, name.size())) return Probe::kNo;
  if (!r.skip(*name_len)) return Probe::kMaybe;
  const auto level = r.u8();
  if (!level) return Probe::kMaybe;
  return *level >= 3 && *level <= 5 ? Probe::kYes : Probe::kNo;
}

std::unique_ptr<StreamParser> MqttParserFactory::make(EventSink& sink) const {
  return std::make_unique<MqttParser>(sink, limits_);
}

const ParserSpec& parser_spec() { return kSpec; }

}  // namespace ward::parsers::mqtt
