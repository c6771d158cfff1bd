// DICOM upper layer (PS3.8) over TCP: the incremental parser, its limits, content probe and
// registration.
//
// One DicomParser serves one TCP connection, both directions, from one thread. It frames PDUs
// (type, reserved, 4-byte big-endian length) per direction. Association PDUs (A-ASSOCIATE-RQ/
// AC/RJ, A-RELEASE, A-ABORT) are decoded whole (bounded by max_association_pdu_bytes).
// P-DATA-TF PDUs are streamed, never buffered whole: PDV headers are read as they come, command
// fragments are reassembled into a bounded buffer and decoded as DIMSE command sets (implicit VR
// little endian, PS3.7 §E), and data set fragments are scanned on the fly (explicit or implicit
// VR, per the presentation context's transfer syntax) for the patient identifiers (0010,0010),
// (0010,0020) and (0010,0030). It emits (dicom_events.h):
//   DicomAssociation       when an association ends (RJ, release, abort, end of connection)
//   DicomCommand           per DIMSE request/response pair
//   clinical::PhiObserved  per data set carrying PHI in the clear
// See README.md for the state machine, the anomaly ids and the limits.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "parsers/dicom/dicom_events.h"
#include "parsers/parser.h"

namespace ward::parsers::dicom {

// Every bound the parser keeps (STYLE.md section 2). Config keys are "dicom.<member name>".
struct Limits {
  // Largest association PDU (types 1, 2, 3, 5, 6, 7), buffered whole to be decoded. A larger
  // one is skipped (dicom.pdu_too_large). Capped below the StreamDriver's 1 MiB tail.
  std::uint32_t max_association_pdu_bytes = 64 * 1024;
  // Largest P-DATA-TF PDU. P-DATA is streamed (not buffered), so this only bounds what a peer
  // may claim; a larger one is skipped with dicom.pdu_too_large.
  std::uint32_t max_pdata_pdu_bytes = 16 * 1024 * 1024;
  // Bytes of one DIMSE command set reassembled from its fragments (dicom.command_too_large).
  std::uint32_t max_command_bytes = 16 * 1024;
  // Presentation contexts kept per association (dicom.too_many_contexts), and transfer
  // syntaxes kept per proposed context (the rest are counted, not kept).
  std::uint32_t max_presentation_contexts = 256;
  std::uint32_t max_transfer_syntaxes = 32;
  // Requests waiting for their final response (dicom.too_many_pending_commands).
  std::uint32_t max_pending_commands = 64;
  // Bytes of a PHI value kept for clinical::PhiObserved; a longer value keeps this prefix.
  std::uint32_t max_phi_value_bytes = 256;
  // Nesting of undefined-length sequences and items followed by the data set scan.
  std::uint32_t max_sequence_depth = 32;
};

inline constexpr std::uint32_t kMaxAssociationPduBytesCeiling = 512 * 1024;

// Reads "dicom.<member>" for every Limits member; values are clamped (README.md).
Limits limits_from(const LimitOverrides& overrides);

// kYes iff the bytes start with an A-ASSOCIATE-RQ header: type 0x01, a length between 68 and
// max_association_pdu_bytes' ceiling, protocol version 0x0001 (PS3.8 §9.3.2); kMaybe while
// fewer than 8 bytes are present; else kNo.
Probe probe(Direction dir, ByteView first_bytes) noexcept;

// The registration entry for parsers/registry.cc: name "dicom", TCP ports 104, 11112, 4242.
const ParserSpec& parser_spec();

class DicomParserFactory : public ParserFactory {
 public:
  explicit DicomParserFactory(Limits limits) noexcept : limits_(limits) {}
  [[nodiscard]] std::unique_ptr<StreamParser> make(EventSink& sink) const override;
  [[nodiscard]] const Limits& limits() const noexcept { return limits_; }

 private:
  Limits limits_;
};

// Stable anomaly ids (a public interface: never rename). README.md says when each fires.
namespace anomaly {
inline constexpr std::string_view kInvalidPduType = "dicom.invalid_pdu_type";
inline constexpr std::string_view kPduTooLarge = "dicom.pdu_too_large";
inline constexpr std::string_view kPduExceedsNegotiatedMax = "dicom.pdu_exceeds_negotiated_max";
inline constexpr std::string_view kMalformedPdu = "dicom.malformed_pdu";
inline constexpr std::string_view kMalformedPdv = "dicom.malformed_pdv";
inline constexpr std::string_view kUnknownProtocolVersion = "dicom.unknown_protocol_version";
inline constexpr std::string_view kTooManyContexts = "dicom.too_many_contexts";
inline constexpr std::string_view kCommandTooLarge = "dicom.command_too_large";
inline constexpr std::string_view kMalformedCommand = "dicom.malformed_command";
inline constexpr std::string_view kUnknownContext = "dicom.unknown_presentation_context";
inline constexpr std::string_view kTooManyPendingCommands = "dicom.too_many_pending_commands";
inline constexpr std::string_view kUnexpectedPdu = "dicom.unexpected_pdu";
inline constexpr std::string_view kMalformedDataSet = "dicom.malformed_data_set";
inline constexpr std::string_view kDataSetNotScanned = "dicom.data_set_not_scanned";
inline constexpr std::string_view kUserIdentityInClear = "dicom.user_identity_in_clear";
inline constexpr std::string_view kTruncatedPdu = "dicom.truncated_pdu";
inline constexpr std::string_view kGapResynced = "dicom.gap_resynced";
inline constexpr std::string_view kGapUnrecoverable = "dicom.gap_unrecoverable";
}  // namespace anomaly

}  // namespace ward::parsers::dicom
