// HL7 v2 over MLLP: the incremental parser, its limits, content probe and registration.
//
// One Hl7Parser serves one TCP connection, both directions, from one thread. It frames MLLP
// (0x0B message 0x1C 0x0D) per direction, decodes each message's MSH, MSA/ERR, PID (PHI
// presence only), PV1, ORC, RXG, OBX and PRT segments and emits, per message:
//   Hl7Message                 always (hl7_events.h)
//   clinical::InfusionProgram  for IHE PCD-03 RGV^O15 with an RXG segment
//   clinical::PhiObserved      when the message has a PID segment with PHI in it
// Views in the events point into the input or into the parser's bounded scratch space and are
// valid during the EventSink callback only. See README.md for the framing state machine, the
// anomaly ids and the PHI rules.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "parsers/hl7_mllp/hl7_events.h"
#include "parsers/parser.h"

namespace ward::parsers::hl7 {

// Every bound the parser keeps (STYLE.md section 2). Config keys are "hl7.<member name>".
struct Limits {
  // Largest message between the MLLP start and end blocks. A longer one is skipped without
  // buffering (hl7.message_too_large). limits_from() caps it at kMaxMessageBytesCeiling so the
  // StreamDriver tail (1 MiB) can always hold one message plus the next delivery.
  std::uint32_t max_message_bytes = 256 * 1024;
  std::uint32_t max_segments = 512;      // segments decoded per message (hl7.too_many_segments)
  std::uint32_t max_observations = 256;  // OBX kept per message (hl7.too_many_observations)
  std::uint32_t max_errors = 16;         // ERR kept per message (hl7.too_many_errors)
  std::uint32_t max_udis = 16;           // PRT device identifiers kept (hl7.too_many_udis)
  // Scratch bytes for unescaped values (HL7 v2.5 §2.7) per message; allocated on first use.
  std::uint32_t max_unescape_bytes = 64 * 1024;
};

inline constexpr std::uint32_t kMaxMessageBytesCeiling = 512 * 1024;

// Reads "hl7.max_message_bytes", "hl7.max_segments", "hl7.max_observations", "hl7.max_errors",
// "hl7.max_udis" and "hl7.max_unescape_bytes"; values are clamped to a sane range (README.md).
Limits limits_from(const LimitOverrides& overrides);

// kYes iff the bytes start (after optional CR/LF) with the MLLP start block and "MSH";
// kMaybe while fewer bytes than that are present; else kNo.
Probe probe(Direction dir, ByteView first_bytes) noexcept;

// The registration entry for parsers/registry.cc: name "hl7", TCP ports 2575, 3000, 3001, 6661.
const ParserSpec& parser_spec();

class Hl7ParserFactory : public ParserFactory {
 public:
  explicit Hl7ParserFactory(Limits limits) noexcept : limits_(limits) {}
  [[nodiscard]] std::unique_ptr<StreamParser> make(EventSink& sink) const override;
  [[nodiscard]] const Limits& limits() const noexcept { return limits_; }

 private:
  Limits limits_;
};

// Stable anomaly ids (a public interface: never rename). README.md says when each fires.
namespace anomaly {
inline constexpr std::string_view kMissingStartBlock = "hl7.missing_start_block";
inline constexpr std::string_view kUnexpectedStartBlock = "hl7.unexpected_start_block";
inline constexpr std::string_view kMessageTooLarge = "hl7.message_too_large";
inline constexpr std::string_view kNotMshFirst = "hl7.not_msh_first";
inline constexpr std::string_view kBadDelimiters = "hl7.bad_delimiters";
inline constexpr std::string_view kTooManySegments = "hl7.too_many_segments";
inline constexpr std::string_view kInvalidEscape = "hl7.invalid_escape";
inline constexpr std::string_view kInvalidNumber = "hl7.invalid_number";
inline constexpr std::string_view kTruncatedAtEnd = "hl7.truncated_at_end";
inline constexpr std::string_view kNak = "hl7.nak";
inline constexpr std::string_view kMissingRequiredSegment = "hl7.missing_required_segment";
inline constexpr std::string_view kInvalidSegmentId = "hl7.invalid_segment_id";
inline constexpr std::string_view kUnknownVersion = "hl7.unknown_version";
inline constexpr std::string_view kTooManyObservations = "hl7.too_many_observations";
inline constexpr std::string_view kTooManyErrors = "hl7.too_many_errors";
inline constexpr std::string_view kTooManyUdis = "hl7.too_many_udis";
inline constexpr std::string_view kUnescapeScratchFull = "hl7.unescape_scratch_full";
}  // namespace anomaly

// Parses an HL7 NM value (HL7 v2.5 §2.A.47: optional sign, digits, optional decimal point).
// Returns false for anything else, including NaN, infinities, exponents and empty text.
bool parse_number(std::string_view text, double& out) noexcept;

}  // namespace ward::parsers::hl7
