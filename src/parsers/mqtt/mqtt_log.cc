#include "parsers/mqtt/mqtt_log.h"

#include <algorithm>
#include <charconv>
#include <string_view>
#include <utility>
#include <vector>

#include "bus/log_fields.h"
#include "common/json_writer.h"
#include "parsers/mqtt/mqtt_events.h"
#include "parsers/mqtt/mqtt_parser.h"

namespace ward::parsers::mqtt {
namespace {

using PropertyList = std::vector<std::pair<std::string, std::string>>;

constexpr std::string_view kUserPropertyPrefix = "user_property:";

bool is_user_property(const std::string& name) {
  return name.compare(0, kUserPropertyPrefix.size(), kUserPropertyPrefix) == 0;
}

// Zeek's MQTT::qos_levels.
std::string_view qos_name(std::uint8_t qos) {
  switch (qos) {
    case 0:
      return "at most once";
    case 1:
      return "at least once";
    case 2:
      return "exactly once";
    default:
      return "unknown";
  }
}

void write_property_value(JsonWriter& w, const std::string& name, const std::string& value) {
  if (property_kind(name) == Property::Kind::kInteger) {
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec == std::errc() && end == value.data() + value.size()) {
      w.value(n);
      return;
    }
  }
  w.value(std::string_view(value));
}

// Writes `props` as an object name -> value. A name that repeats (subscription_identifier may)
// gets an array of its values; user properties go, in wire order, into
// "user_property": [{"key": k, "value": v}, ...] because their keys may repeat.
void write_properties(JsonWriter& w, std::string_view key, const PropertyList& props) {
  if (props.empty()) return;
  w.key(key).begin_object();
  for (std::size_t i = 0; i < props.size(); ++i) {
    const std::string& name = props[i].first;
    if (is_user_property(name)) continue;
    const auto first_index = static_cast<std::size_t>(
        std::find_if(props.begin(), props.end(), [&](const auto& p) { return p.first == name; }) -
        props.begin());
    if (first_index != i) continue;  // written with its first occurrence
    const auto count = std::count_if(props.begin() + static_cast<std::ptrdiff_t>(i), props.end(),
                                     [&](const auto& p) { return p.first == name; });
    w.key(name);
    if (count == 1) {
      write_property_value(w, name, props[i].second);
      continue;
    }
    w.begin_array();
    for (std::size_t j = i; j < props.size(); ++j)
      if (props[j].first == name) write_property_value(w, name, props[j].second);
    w.end_array();
  }
  const bool any_user = std::any_of(props.begin(), props.end(),
                                    [](const auto& p) { return is_user_property(p.first); });
  if (any_user) {
    w.key("user_property").begin_array();
    for (const auto& [name, value] : props) {
      if (!is_user_property(name)) continue;
      w.begin_object();
      w.kv("key", std::string_view(name).substr(kUserPropertyPrefix.size()));
      w.kv("value", std::string_view(value));
      w.end_object();
    }
    w.end_array();
  }
  w.end_object();
}

void write_codes(JsonWriter& w, std::string_view key, const std::vector<std::uint8_t>& codes) {
  w.key(key).begin_array();
  for (std::uint8_t c : codes) w.value(static_cast<unsigned>(c));
  w.end_array();
}

void write_nonempty(JsonWriter& w, std::string_view key, const std::string& value) {
  if (!value.empty()) w.kv(key, std::string_view(value));
}

}  // namespace

std::string MqttLog::excerpt(const std::string& payload) const {
  const std::string_view cut = std::string_view(payload).substr(0, payload_excerpt_bytes_);
  if (phi_json_fields_.empty()) return std::string(cut);
  return redact_json_fields(cut, phi_json_fields_, hasher_);
}

void MqttLog::format(std::string& out, const bus::EventContext& ctx,
                     const MqttTransaction& tx) const {
  JsonWriter w(out);
  w.begin_object();
  bus::write_conn_id(w, ctx, tx.start_ts);
  switch (tx.kind) {
    case MqttTransaction::Kind::kConnect: {
      w.kv("msg_type", "connect");
      write_nonempty(w, "proto_name", tx.proto_name);
      const std::string_view version = version_name(tx.protocol_version);
      if (!version.empty()) {
        w.kv("proto_version", version);
      } else {
        w.kv("proto_version", "unknown-version-" + std::to_string(tx.protocol_version));
      }
      write_nonempty(w, "client_id", tx.client_id);
      write_nonempty(w, "connect_status", tx.connect_status);
      write_nonempty(w, "will_topic", tx.will_topic);
      write_nonempty(w, "will_payload", excerpt(tx.will_payload));
      if (!tx.will_topic.empty()) {
        w.kv("will_retain", tx.will_retain);
        w.kv("will_qos", static_cast<unsigned>(tx.will_qos));
      }
      write_nonempty(w, "username", tx.username);
      if (tx.proto_name.empty()) {
        // Picked up midstream: only the CONNACK was seen, the CONNECT's fields are unknown.
        w.kv("connect_seen", false);
      } else {
        w.kv("password_present", tx.has_password);
        if (tx.credentials.weakness != auth::Weakness::kNone)
          w.kv("credentials", auth::weakness_name(tx.credentials.weakness));
        w.kv("clean_session", tx.clean_session);
        w.kv("keep_alive", static_cast<unsigned>(tx.keep_alive));
      }
      if (tx.connack_code) {
        w.kv("connack_code", static_cast<unsigned>(*tx.connack_code));
        w.kv("session_present", tx.session_present);
      }
      write_properties(w, "properties", tx.properties);
      write_properties(w, "will_properties", tx.will_properties);
      write_properties(w, "connack_properties", tx.ack_properties);
      break;
    }
    case MqttTransaction::Kind::kPublish: {
      w.kv("msg_type", "publish");
      w.kv("from_client", tx.dir == bus::Direction::kToServer);
      w.kv("retain", tx.retain);
      w.kv("dup", tx.dup);
      w.kv("qos", qos_name(tx.qos));
      write_nonempty(w, "status", tx.status);
      write_nonempty(w, "topic", tx.topic);
      write_nonempty(w, "payload", excerpt(tx.payload));
      w.kv("payload_len", static_cast<unsigned>(tx.payload_len));
      if (tx.truncated) w.kv("truncated", true).kv("pdu_bytes", tx.pdu_bytes);
      if (tx.packet_id) w.kv("packet_id", static_cast<unsigned>(*tx.packet_id));
      if (tx.ack_reason_code) w.kv("ack_reason_code", static_cast<unsigned>(*tx.ack_reason_code));
      write_properties(w, "properties", tx.properties);
      write_properties(w, "ack_properties", tx.ack_properties);
      break;
    }
    case MqttTransaction::Kind::kSubscribe:
    case MqttTransaction::Kind::kUnsubscribe: {
      const bool sub = tx.kind == MqttTransaction::Kind::kSubscribe;
      w.kv("msg_type", sub ? "subscribe" : "unsubscribe");
      w.kv("action", sub ? "subscribe" : "unsubscribe");
      w.key("topics").begin_array();
      for (const std::string& t : tx.topics) w.value(std::string_view(t));
      w.end_array();
      if (sub) write_codes(w, "qos_levels", tx.qos_levels);
      if (tx.ack && !tx.granted.empty())
        write_codes(w, sub ? "granted_qos_levels" : "reason_codes", tx.granted);
      w.kv("ack", tx.ack);
      if (tx.packet_id) w.kv("packet_id", static_cast<unsigned>(*tx.packet_id));
      write_properties(w, "properties", tx.properties);
      write_properties(w, "ack_properties", tx.ack_properties);
      break;
    }
  }
  w.end_object();
}

void MqttLog::on_event(const bus::EventContext& ctx, const bus::Event& event) {
  if (const auto* m = bus::event_cast<MqttMessage>(event)) {
    // DISCONNECT and AUTH are logged as they come: they end or authenticate a session and
    // carry a reason code and (5.0) properties, but open no exchange.
    if (m->type != PacketType::kDisconnect && m->type != PacketType::kAuth) return;
    line_.clear();
    JsonWriter w(line_);
    w.begin_object();
    bus::write_conn_id(w, ctx);
    w.kv("msg_type", m->type == PacketType::kDisconnect ? "disconnect" : "auth");
    w.kv("from_client", ctx.dir == bus::Direction::kToServer);
    if (m->reason_code) w.kv("reason_code", static_cast<unsigned>(*m->reason_code));
    PropertyList props;
    for (const Property& p : m->properties) {
      if (p.name == "authentication_data") {
        props.emplace_back(std::string(p.name), std::to_string(p.str.size()) + " bytes (redacted)");
      } else if (p.kind == Property::Kind::kStringPair) {
        props.emplace_back(std::string(kUserPropertyPrefix) + std::string(p.str),
                           std::string(p.str2));
      } else if (p.kind == Property::Kind::kInteger) {
        props.emplace_back(std::string(p.name), std::to_string(p.integer));
      } else {
        props.emplace_back(std::string(p.name),
                           std::string(p.str.substr(0, payload_excerpt_bytes_)));
      }
    }
    write_properties(w, "properties", props);
    w.end_object();
    sink_.write("mqtt", line_);
    return;
  }
  const auto* tx = bus::event_cast<MqttTransaction>(event);
  if (tx == nullptr) return;
  line_.clear();
  format(line_, ctx, *tx);
  sink_.write("mqtt", line_);
}

std::unique_ptr<bus::Subscriber> make_mqtt_log(bus::LogSink& sink, const LogOptions& options) {
  return std::make_unique<MqttLog>(sink, options);
}

}  // namespace ward::parsers::mqtt
