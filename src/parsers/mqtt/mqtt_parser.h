// The MQTT parser (MQTT 3.1 "MQIsdp" level 3, 3.1.1 level 4, 5.0 level 5): an incremental
// StreamParser that decodes every control packet of one TCP connection into MqttMessage events
// and pairs requests with their responses into MqttTransaction events (mqtt_events.h).
//
// Usage: the registry holds parser_spec(); the flow layer calls spec.configure(overrides) once
// to get a factory and factory.make(sink) per connection. A parser instance serves one
// connection from one thread; the factory is immutable and may be shared between threads.
// See README.md for the state machine, the limits and the anomaly ids.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "parsers/mqtt/mqtt_events.h"
#include "parsers/parser.h"

namespace ward::parsers::mqtt {

// Bounds on everything the parser buffers or copies. Each is configurable as
// "mqtt.<field name>" (limits_from); README.md has the table.
struct Limits {
  // Largest PDU (fixed header + remaining length) that is buffered and decoded. A larger one is
  // skipped without buffering (anomaly mqtt.pdu_too_large). Clamped to the StreamDriver's
  // default pending limit (1 MiB) so the driver never drops a PDU the parser asked for.
  std::uint32_t max_pdu_bytes = 256 * 1024;
  // Requests waiting for their response (CONNECT, PUBLISH QoS 1/2, SUBSCRIBE, UNSUBSCRIBE).
  // When full, the oldest is emitted as incomplete (anomaly mqtt.too_many_transactions).
  std::uint32_t max_pending_transactions = 64;
  // Topic filters kept per SUBSCRIBE/UNSUBSCRIBE (more are decoded, not kept:
  // anomaly mqtt.too_many_topics).
  std::uint32_t max_topics_per_subscribe = 64;
  // MQTT 5 properties kept per property list (more are decoded, not kept:
  // anomaly mqtt.too_many_properties).
  std::uint32_t max_properties = 64;
  // Bytes of a PUBLISH payload / will payload copied into a transaction.
  std::uint32_t payload_excerpt_bytes = 128;
  // Bytes of any other string (topic, client id, user name, property value) copied into a
  // transaction or a topic-alias table entry.
  std::uint32_t max_string_bytes = 4096;
  // MQTT 5 topic aliases remembered per direction (anomaly mqtt.too_many_topic_aliases).
  std::uint32_t max_topic_aliases = 64;
};

// Limits with the overrides "mqtt.max_pdu_bytes", "mqtt.max_pending_transactions",
// "mqtt.max_topics_per_subscribe", "mqtt.max_properties", "mqtt.payload_excerpt_bytes",
// "mqtt.max_string_bytes" and "mqtt.max_topic_aliases" applied. Values are clamped to sane
// ranges (README.md); absent keys keep the defaults.
[[nodiscard]] Limits limits_from(const LimitOverrides& overrides);

// Content detection: kYes iff `first_bytes` start with a CONNECT (first byte 0x10, a valid
// remaining length, protocol name "MQTT" or "MQIsdp" and level 3, 4 or 5); kMaybe iff they are a
// prefix of one; kNo otherwise. The direction is ignored.
[[nodiscard]] Probe probe(Direction dir, ByteView first_bytes) noexcept;

class MqttParserFactory final : public ParserFactory {
 public:
  explicit MqttParserFactory(const Limits& limits) noexcept : limits_(limits) {}
  // REQUIRES: `sink` outlives the parser.
  [[nodiscard]] std::unique_ptr<StreamParser> make(EventSink& sink) const override;
  [[nodiscard]] const Limits& limits() const noexcept { return limits_; }

 private:
  Limits limits_;
};

// The registry entry: name "mqtt", TCP port 1883, probe(), configure and the `mqtt` log writer.
const ParserSpec& parser_spec();

// The Kind of the MQTT 5 property called `name` (MQTT 5.0 §2.2.2.2, Suricata's snake_case
// names), or nullopt for an unknown name. Log writers use it to print integers as numbers.
[[nodiscard]] std::optional<Property::Kind> property_kind(std::string_view name) noexcept;

// "3.1", "3.1.1", "5.0" (Zeek's names) or "" for another level.
[[nodiscard]] std::string_view version_name(std::uint8_t protocol_level) noexcept;

}  // namespace ward::parsers::mqtt
