// Events of the WS-Discovery parser (SOAP-over-UDP, port 3702). One WsdMessage per datagram
// that holds a WS-Discovery message. Views point into the datagram or into the parser's bounded
// scratch (entity-decoded text); all are valid during the callback only. Values of patient
// context scopes (sdc.ctxt.pat) are PHI: never log them in clear. The parser additionally emits
// clinical::PhiObserved when a message carries a patient context scope.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "bus/event.h"

namespace ward::parsers::wsd {

// WS-Discovery 1.1 §4-§6 (and the 2005/04 draft): the message kinds.
enum class MessageKind : std::uint8_t {
  kUnknown,
  kHello,
  kBye,
  kProbe,
  kProbeMatches,
  kResolve,
  kResolveMatches,
};
std::string_view message_kind_name(MessageKind k) noexcept;  // "Hello", ..., "" for kUnknown

enum class DeviceClass : std::uint8_t {
  kUnknown,
  kSdcMedicalDevice,  // IEEE 11073-20702 MDPWS MedicalDevice type or sdc.* scopes
  kOnvifCamera,       // ONVIF NetworkVideoTransmitter type or onvif:// scopes
  kDpwsDevice,        // another DPWS device
  kOther,
};
std::string_view device_class_name(DeviceClass c) noexcept;  // "sdc_medical_device", ...

// A qualified name from a Types list, with its prefix resolved in scope.
struct QName {
  std::string_view text;   // as written: "mdpws:MedicalDevice"
  std::string_view ns;     // namespace URI, empty if the prefix was not declared
  std::string_view local;  // "MedicalDevice"
};

// One endpoint a message describes (Hello, Bye, ProbeMatch, ResolveMatch) or asks for (Probe,
// Resolve: only types, scopes and address are meaningful).
struct Endpoint {
  std::string_view address;  // wsa:EndpointReference/wsa:Address ("urn:uuid:...")
  std::span<const QName> types;
  std::span<const std::string_view> scopes;  // entity-decoded URIs
  std::span<const std::string_view> xaddrs;
  bool has_metadata_version = false;
  std::uint64_t metadata_version = 0;
  DeviceClass device_class = DeviceClass::kUnknown;
  // IEEE 11073-20701 §9.4.1.1 location scope (sdc.ctxt.loc) query fields, when present.
  std::string_view loc_facility, loc_building, loc_floor, loc_point_of_care, loc_room, loc_bed;
  bool patient_context = false;  // an sdc.ctxt.pat scope is among `scopes` (PHI)
};

struct WsdMessage : bus::Event {
  static constexpr bus::EventKind kKind = bus::EventKind::kWsdMessage;
  WsdMessage() noexcept : bus::Event(kKind) {}

  MessageKind kind = MessageKind::kUnknown;
  std::string_view version;     // "1.1" (OASIS 2009/01) or "2005/04"
  std::string_view action;      // wsa:Action
  std::string_view message_id;  // wsa:MessageID
  std::string_view relates_to;  // wsa:RelatesTo
  bool has_app_sequence = false;
  std::uint64_t instance_id = 0;     // d:AppSequence/@InstanceId
  std::uint64_t message_number = 0;  // d:AppSequence/@MessageNumber
  std::span<const Endpoint> endpoints;
  bool multicast_kind = false;  // Hello, Bye, Probe, Resolve are multicast in ad hoc mode (§3)
};

}  // namespace ward::parsers::wsd
