// Clinical meaning of MQTT payloads. Not a detector itself: it turns MQTT PUBLISH messages into
// the clinical events detectors understand, and publishes them on the bus:
//   - a JSON object on a topic that matches infusion.mqtt_command_topics becomes a
//     clinical::InfusionProgram (fields: id, pump_id, drug, drug_id, rate + rate_units,
//     dose_rate + dose_rate_units, dose + dose_units, vtbi (mL), care_area, order_control,
//     patient_weight_kg; dose_rate wins over rate over dose when several are present);
//   - a JSON object with keys listed in phi.mqtt_json_fields becomes clinical::PhiObserved.
// Payloads are parsed only when a cheap pre-check says they may matter (bounded by the MQTT
// parser's PDU limit); invalid JSON on a command topic is an anomaly `mqtt.command_not_json`.
#pragma once

#include "bus/bus.h"
#include "policy/policy.h"

namespace ward::detect {

class MqttClinical final : public bus::Subscriber {
 public:
  MqttClinical(const policy::Policy& policy, const bus::EventBus& bus);
  void on_event(const bus::EventContext& ctx, const bus::Event& e) override;

 private:
  [[nodiscard]] bool is_command_topic(std::string_view topic) const noexcept;

  const policy::Policy& policy_;
  const bus::EventBus& bus_;
};

}  // namespace ward::detect
