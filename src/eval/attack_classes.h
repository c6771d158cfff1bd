// The attack-class vocabulary shared by the testbed's labels and the detection scorecard
// (docs/eval.md), and which alert rules count as detecting which class.
#pragma once

#include <span>
#include <string_view>

namespace ward::eval {

// Every class a label may name, in the order reports list them.
std::span<const std::string_view> attack_classes();
bool is_attack_class(std::string_view name);

// The class an alert rule detects ("ward.scan.port" -> "recon_scan"), or "" for rules that
// detect no attack class (hygiene findings such as an unknown drug in an order).
std::string_view class_of_rule(std::string_view rule);
// The class of an alert: its rule's class, except that a malformed-protocol alert on an MQTT
// connection (`service` "mqtt") is `mqtt_malformed` (the CICIoMT2024 class).
std::string_view class_of_alert(std::string_view rule, std::string_view service);

}  // namespace ward::eval
