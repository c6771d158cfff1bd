#include "detect/mqtt_clinical.h"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "clinical/infusion.h"
#include "clinical/phi.h"
#include "common/phi_hash.h"
#include "parsers/mqtt/mqtt_events.h"

namespace ward::detect {
namespace {

using Json = nlohmann::json;

std::string_view str_field(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return {};
  return it->get_ref<const std::string&>();
}

std::optional<double> num_field(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return std::nullopt;
  if (it->is_number()) return it->get<double>();
  if (it->is_string()) {
    const std::string& s = it->get_ref<const std::string&>();
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (!s.empty() && end != nullptr && *end == '\0' && std::isfinite(v)) return v;
  }
  return std::nullopt;
}

bool looks_like_json_object(std::string_view s) {
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    return c == '{';
  }
  return false;
}

}  // namespace

MqttClinical::MqttClinical(const policy::Policy& policy, const bus::EventBus& bus)
    : policy_(policy), bus_(bus) {}

bool MqttClinical::is_command_topic(std::string_view topic) const noexcept {
  for (const auto& f : policy_.mqtt_command_topics)
    if (policy::topic_matches(f, topic)) return true;
  return false;
}

void MqttClinical::on_event(const bus::EventContext& ctx, const bus::Event& e) {
  const auto* m = bus::event_cast<parsers::mqtt::MqttMessage>(e);
  if (m == nullptr || m->type != parsers::mqtt::PacketType::kPublish) return;
  const std::string_view payload = as_chars(m->payload);
  const bool command = !policy_.mqtt_command_topics.empty() && is_command_topic(m->topic);
  if (!looks_like_json_object(payload)) {
    if (command)
      bus_.anomaly(ctx, "mqtt.command_not_json",
                   "payload on a pump command topic is not a JSON object");
    return;
  }
  const bool maybe_phi =
      policy_.phi_detect_cleartext && json_mentions_any(payload, policy_.phi_json_fields);
  if (!command && !maybe_phi) return;

  const Json j = Json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    if (command)
      bus_.anomaly(ctx, "mqtt.command_not_json",
                   "payload on a pump command topic is not valid JSON");
    return;
  }

  if (maybe_phi) {
    std::vector<clinical::PhiField> fields;
    for (const auto& k : policy_.phi_json_fields) {
      auto it = j.find(k);
      if (it == j.end() || it->is_null()) continue;
      const std::string_view v = it->is_string()
                                     ? std::string_view(it->get_ref<const std::string&>())
                                     : std::string_view("(non-string)");
      if (!v.empty()) fields.push_back({k, v});
    }
    if (!fields.empty()) {
      clinical::PhiObserved phi;
      phi.protocol = "mqtt";
      phi.where = m->topic;
      phi.fields = fields;
      bus_.publish(ctx, phi);
    }
  }

  if (command) {
    clinical::InfusionProgram p;
    p.source = clinical::ProgramSource::kMqttJson;
    p.topic = m->topic;
    p.message_control_id = str_field(j, "id");
    p.order_control = str_field(j, "order_control");
    p.drug_name = str_field(j, "drug");
    p.drug_id = str_field(j, "drug_id");
    p.care_area = str_field(j, "care_area");
    p.pump_id = str_field(j, "pump_id");
    p.patient_weight_kg = num_field(j, "patient_weight_kg");
    for (const auto& [value_key, units_key, default_units] :
         {std::tuple{"dose_rate", "dose_rate_units", ""}, std::tuple{"rate", "rate_units", "mL/h"},
          std::tuple{"dose", "dose_units", ""}}) {
      if (auto v = num_field(j, value_key)) {
        p.rate = v;
        std::string_view u = str_field(j, units_key);
        p.rate_units = clinical::canonical_units(u.empty() ? std::string_view(default_units) : u);
        p.rate_kind = clinical::rate_kind_for_units(p.rate_units);
        break;
      }
    }
    if (auto v = num_field(j, "vtbi")) p.vtbi_ml = v;
    bus_.publish(ctx, p);
  }
}

}  // namespace ward::detect
