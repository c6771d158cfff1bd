// The `mqtt` log: one JSON object per MqttTransaction (connect, publish, subscribe,
// unsubscribe), with the field names of Zeek's mqtt_connect / mqtt_publish / mqtt_subscribe logs
// in one stream told apart by `msg_type`. README.md lists every field. Payload excerpts are cut
// to LogOptions::payload_excerpt_bytes, and the JSON members named in
// LogOptions::phi_json_fields carry their keyed hash instead of their value (common/phi_hash.h).
// Passwords are never part of a transaction, so never logged.
//
// The writer is a bus::Subscriber: it runs on the thread that publishes the events (one bus per
// worker), keeps no state between events, and is not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bus/bus.h"
#include "common/phi_hash.h"
#include "parsers/parser.h"

namespace ward::parsers::mqtt {

struct MqttTransaction;

class MqttLog final : public bus::Subscriber {
 public:
  // REQUIRES: `sink` outlives the writer.
  MqttLog(bus::LogSink& sink, const LogOptions& options)
      : sink_(sink),
        hasher_(options.phi_key),
        phi_json_fields_(options.phi_json_fields),
        payload_excerpt_bytes_(options.payload_excerpt_bytes) {}

  void on_event(const bus::EventContext& ctx, const bus::Event& event) override;

  // Appends the log record of `tx` (one JSON object, no newline) to `out`.
  void format(std::string& out, const bus::EventContext& ctx, const MqttTransaction& tx) const;

 private:
  // The payload as logged: cut to payload_excerpt_bytes_, PHI members hashed.
  [[nodiscard]] std::string excerpt(const std::string& payload) const;

  bus::LogSink& sink_;
  PhiHasher hasher_;
  std::vector<std::string> phi_json_fields_;
  std::uint32_t payload_excerpt_bytes_;
  std::string line_;  // reused between records
};

// ParserSpec::make_log for MQTT.
std::unique_ptr<bus::Subscriber> make_mqtt_log(bus::LogSink& sink, const LogOptions& options);

}  // namespace ward::parsers::mqtt
