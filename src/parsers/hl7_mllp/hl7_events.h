// Events of the HL7 v2 over MLLP parser. One Hl7Message per framed message (0x0B ... 0x1C 0x0D),
// with MSH, MSA/ERR and the IHE PCD content decoded. Field views point into the message bytes,
// or into the parser's bounded scratch space when a value had to be unescaped (HL7 v2.5 §2.7);
// all are valid during the callback only. A composite value (with component, repetition or
// subcomponent separators, e.g. MSH-9 whole) is given as on the wire, escapes included. The parser
// additionally emits clinical::InfusionProgram for PCD-03 and clinical::PhiObserved for PID
// content.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "bus/event.h"
#include "clinical/infusion.h"
#include "clinical/phi.h"

namespace ward::parsers::hl7 {

// Which IHE PCD transaction a message is (DOMAIN.md section 2).
enum class PcdProfile : std::uint8_t {
  kNone,   // another HL7 message (ADT, ORM, ...)
  kPcd01,  // ORU^R01: device observations (DEC)
  kPcd03,  // RGV^O15: infusion order (PIV)
  kPcd04,  // ORU^R40: alert (ACM)
  kPcd10,  // ORU^R42: infusion event (IPEC)
  kAck,    // ACK / RRG^O16 / ORA^R41 responses
};
std::string_view pcd_profile_name(PcdProfile p) noexcept;  // "PCD-01", ..., "ACK", ""

struct Observation {              // one OBX segment
  std::string_view set_id;        // OBX-1
  std::string_view value_type;    // OBX-2 (NM, ST, CWE ...)
  std::string_view code;          // OBX-3.1 (MDC numeric code, e.g. "157784")
  std::string_view code_name;     // OBX-3.2 (e.g. "MDC_FLOW_FLUID_PUMP")
  std::string_view sub_id;        // OBX-4 containment path "1.1.1.1"
  std::string_view value;         // OBX-5
  std::string_view units;         // OBX-6 (whole field)
  std::string_view status;        // OBX-11
  std::string_view equipment_id;  // OBX-18 (whole field), inherited from the enclosing
                                  // device level (MDS, VMD, channel) when empty
};

struct DeviceUdi {          // one PRT segment (HL7 2.7 back-port in IHE PCD)
  std::string_view udi;     // PRT-10
  std::string_view udi_di;  // PRT-16
  std::string_view serial;  // PRT-20
};

struct ErrorInfo {            // one ERR segment
  std::string_view code;      // ERR-3.1 HL7 error code
  std::string_view severity;  // ERR-4
  std::string_view app_code;  // ERR-5.1 application error (9018 = does not match drug library)
  std::string_view text;      // ERR-8 user message (or ERR-5.2)
};

struct Hl7Message : bus::Event {
  static constexpr bus::EventKind kKind = bus::EventKind::kHl7Message;
  Hl7Message() noexcept : bus::Event(kKind) {}

  std::string_view raw;  // the message without MLLP framing
  char field_sep = '|';
  // Added: the component separator in effect (MSH-2.1, or '^' after hl7.bad_delimiters).
  char component_sep = '^';
  std::string_view encoding_chars;         // MSH-2 ("^~\&")
  std::string_view sending_application;    // MSH-3 (whole field)
  std::string_view sending_facility;       // MSH-4
  std::string_view receiving_application;  // MSH-5
  std::string_view receiving_facility;     // MSH-6
  std::string_view message_time;           // MSH-7
  std::string_view message_type;           // MSH-9 whole ("RGV^O15^RGV_O15")
  std::string_view message_code;           // MSH-9.1 ("RGV")
  std::string_view trigger_event;          // MSH-9.2 ("O15")
  std::string_view control_id;             // MSH-10
  std::string_view processing_id;          // MSH-11
  std::string_view version;                // MSH-12
  std::string_view profile_id;             // MSH-21 (e.g. "IHE_PCD_010")
  PcdProfile pcd = PcdProfile::kNone;
  std::uint32_t segment_count = 0;

  std::string_view ack_code;        // MSA-1 (AA, AE, AR, CA, CE, CR)
  std::string_view ack_control_id;  // MSA-2
  std::span<const ErrorInfo> errors;

  std::string_view order_control;  // ORC-1
  std::string_view point_of_care;  // PV1-3.1
  std::span<const Observation> observations;
  std::span<const DeviceUdi> udis;

  // Added for the hl7 log writer, so one record can be written from this event alone without
  // holding state until the InfusionProgram/PhiObserved events that follow it.
  // PHI: never log these values in clear (hash them with PhiHasher).
  std::string_view patient_id;    // PID-3.1 of the first repetition (unescaped), or empty
  std::string_view patient_name;  // PID-5 first repetition, family^given (wire form), or empty
  std::span<const clinical::PhiField> phi_fields;  // the same fields as the PhiObserved event
  // The InfusionProgram emitted right after this message (PCD-03 with RXG only), else null.
  const clinical::InfusionProgram* program = nullptr;
};

}  // namespace ward::parsers::hl7
