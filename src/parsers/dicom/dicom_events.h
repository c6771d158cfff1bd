// Events of the DICOM upper-layer parser (DICOM PS3.8). Two kinds, both summaries that the parser
// builds from owned, bounded state and emits when they are complete:
//   DicomAssociation  one per association: A-ASSOCIATE-RQ/AC/RJ, then release or abort (or the
//                     end of the connection)
//   DicomCommand      one per DIMSE request/response pair (PS3.7 §9, §10), or an unpaired
//                     request or response
// The parser additionally emits clinical::PhiObserved when a data set carries patient
// identifiers in the clear. All views and spans are valid during the EventSink callback only.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bus/event.h"

namespace ward::parsers::dicom {

// PS3.8 §9.3.1: PDU types.
enum class PduType : std::uint8_t {
  kAssociateRq = 0x01,
  kAssociateAc = 0x02,
  kAssociateRj = 0x03,
  kPDataTf = 0x04,
  kReleaseRq = 0x05,
  kReleaseRp = 0x06,
  kAbort = 0x07,
};

// One presentation context, as proposed in the A-ASSOCIATE-RQ and answered in the -AC.
struct PresentationContext {
  std::uint8_t id = 0;
  std::string abstract_syntax;                 // the SOP class UID (RQ item 0x30)
  std::vector<std::string> transfer_syntaxes;  // proposed (RQ items 0x40), bounded
  std::optional<std::uint8_t> result;          // PS3.8 §9.3.3.2 (AC item 0x21): 0 = acceptance
  std::string accepted_transfer_syntax;        // the AC's transfer syntax when accepted
};

// PS3.8 Table 9-21 results of a presentation context; "" for other values.
std::string_view context_result_name(std::uint8_t result) noexcept;

struct DicomAssociation : bus::Event {
  static constexpr bus::EventKind kKind = bus::EventKind::kDicomAssociation;
  DicomAssociation() noexcept : bus::Event(kKind) {}

  enum class Result : std::uint8_t { kNoResponse, kAccepted, kRejected };
  enum class End : std::uint8_t {
    kOpen,               // the connection ended (or the capture) without release or abort
    kReleased,           // A-RELEASE-RQ answered by A-RELEASE-RP
    kReleaseIncomplete,  // A-RELEASE-RQ without an RP before the connection ended
    kAborted,            // A-ABORT
    kRejected,           // A-ASSOCIATE-RJ ended it
  };

  bool request_seen = false;    // false: picked up mid-association (only the AC or P-DATA seen)
  std::string_view calling_ae;  // RQ calling AE title, padding removed
  std::string_view called_ae;   // RQ called AE title
  std::string_view application_context;  // item 0x10 (1.2.840.10008.3.1.1.1)
  std::span<const PresentationContext> contexts;
  std::uint32_t contexts_dropped = 0;  // proposed beyond Limits::max_presentation_contexts

  // User information (item 0x50) of the requestor and of the acceptor.
  std::optional<std::uint32_t> requestor_max_pdu;          // sub-item 0x51 (0 = unlimited)
  std::string_view requestor_implementation_class_uid;     // sub-item 0x52
  std::string_view requestor_implementation_version_name;  // sub-item 0x55
  std::optional<std::uint32_t> acceptor_max_pdu;
  std::string_view acceptor_implementation_class_uid;
  std::string_view acceptor_implementation_version_name;
  // PS3.7 §D.3.3.7: user identity negotiation (sub-item 0x58) type: 1 username, 2 username and
  // passcode, 3 Kerberos, 4 SAML, 5 JWT; 0 when absent. The identity itself is never kept.
  std::uint8_t user_identity_type = 0;

  Result result = Result::kNoResponse;
  // A-ASSOCIATE-RJ (PS3.8 §9.3.4): result, source, reason/diag.
  std::uint8_t reject_result = 0;
  std::uint8_t reject_source = 0;
  std::uint8_t reject_reason = 0;

  End end = End::kOpen;
  // A-ABORT (PS3.8 §9.3.8): source and reason/diag; direction of the abort.
  std::uint8_t abort_source = 0;
  std::uint8_t abort_reason = 0;
  bus::Direction abort_dir = bus::Direction::kToServer;

  std::uint32_t commands = 0;     // DIMSE messages (requests and responses) seen
  std::uint64_t pdata_bytes = 0;  // P-DATA-TF PDU bytes, both directions
  bool phi_in_clear = false;      // a data set on this association carried PHI
};

std::string_view association_result_name(DicomAssociation::Result r) noexcept;
std::string_view association_end_name(DicomAssociation::End e) noexcept;
// PS3.8 Table 9-21 (A-ASSOCIATE-RJ) and Table 9-26 (A-ABORT) wording, short forms.
std::string_view reject_result_name(std::uint8_t result) noexcept;
std::string_view reject_source_name(std::uint8_t source) noexcept;
std::string_view reject_reason_name(std::uint8_t source, std::uint8_t reason) noexcept;
std::string_view abort_source_name(std::uint8_t source) noexcept;
std::string_view abort_reason_name(std::uint8_t reason) noexcept;

// A DIMSE command decoded from the command set (PS3.7 §E.1, implicit VR little endian).
struct CommandSet {
  std::uint16_t command_field = 0;               // (0000,0100)
  std::optional<std::uint16_t> message_id;       // (0000,0110)
  std::optional<std::uint16_t> responded_to_id;  // (0000,0120)
  std::string_view affected_sop_class;           // (0000,0002), or requested (0000,0003)
  std::string_view affected_sop_instance;        // (0000,1000), or requested (0000,1001)
  std::string_view move_destination;             // (0000,0600)
  std::optional<std::uint16_t> priority;         // (0000,0700)
  std::optional<std::uint16_t> data_set_type;    // (0000,0800): 0x0101 = no data set
  std::optional<std::uint16_t> status;           // (0000,0900)
  std::optional<std::uint16_t> remaining, completed, failed, warning;  // (0000,1020..1023)
  [[nodiscard]] bool has_data_set() const noexcept {
    return data_set_type.has_value() && *data_set_type != 0x0101;
  }
};

// "C-STORE-RQ", "C-FIND-RSP", "N-EVENT-REPORT-RQ", "C-CANCEL-RQ"; "" for unknown values.
std::string_view command_field_name(std::uint16_t command_field) noexcept;
// The operation without -RQ/-RSP: "C-STORE"; "" for unknown values.
std::string_view operation_name(std::uint16_t command_field) noexcept;
// PS3.7 Annex C status classes and the common specific codes: "Success", "Pending", ...
std::string_view status_name(std::uint16_t status) noexcept;

// One request with its final response (C-FIND/C-MOVE/C-GET pending responses counted).
struct DicomCommand : bus::Event {
  static constexpr bus::EventKind kKind = bus::EventKind::kDicomCommand;
  DicomCommand() noexcept : bus::Event(kKind) {}

  std::uint16_t command_field = 0;  // of the request (or of the response when unpaired)
  std::string_view operation;       // "C-STORE"
  bool request_seen = false;
  bool response_seen = false;
  bus::Direction request_dir = bus::Direction::kToServer;
  std::uint8_t context_id = 0;    // presentation context of the request
  std::uint16_t message_id = 0;   // request message id (or the response's responded-to id)
  std::string_view sop_class;     // affected SOP class (request, else response)
  std::string_view sop_instance;  // affected SOP instance (request, else response)
  std::string_view move_destination;
  std::optional<std::uint16_t> priority;
  std::optional<std::uint16_t> status;  // of the final response
  std::uint32_t pending_responses = 0;  // responses with a Pending status before the final one
  std::optional<std::uint16_t> completed, failed, warning;  // sub-operations (C-MOVE/C-GET)
  bool request_data_set = false;                            // a data set followed the request
  std::uint32_t response_data_sets = 0;                     // data sets that followed responses
  bool phi_in_clear = false;                                // one of those data sets carried PHI
  // PHI: never log these in clear (the log writer writes keyed hashes, common/phi_hash.h).
  // The first (0010,0010) and (0010,0020) values of those data sets, or empty.
  std::string_view patient_name;
  std::string_view patient_id;
  TimeNs request_ts = 0;  // packet time of the request (0 if unseen)
};

}  // namespace ward::parsers::dicom
