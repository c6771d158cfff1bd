// PHI seen in cleartext, from any protocol (HL7 PID, FHIR Patient, MQTT JSON, DICOM tags).
// Emitted by parsers that recognise patient data; the PHI detector turns it into an alert and
// log writers never write the values, only keyed hashes (see common/phi_hash.h).
#pragma once

#include <span>
#include <string_view>

#include "bus/event.h"

namespace ward::clinical {

struct PhiField {
  std::string_view
      name;  // stable, static: "PID-5 patient name", "PID-3 patient id", "json.patient_name"
  std::string_view value;  // the cleartext value: never log it
};

struct PhiObserved : bus::Event {
  static constexpr bus::EventKind kKind = bus::EventKind::kPhiObserved;
  PhiObserved() noexcept : bus::Event(kKind) {}
  std::string_view protocol;  // "hl7", "mqtt"
  std::string_view where;     // message type or topic
  std::span<const PhiField> fields;
};

}  // namespace ward::clinical
