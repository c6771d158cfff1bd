#include "detect/anomaly_detector.h"

#include "bus/anomaly.h"

namespace ward::detect {
namespace {

struct Mapping {
  std::string_view id;  // exact anomaly id, or a prefix ending in '*'
  std::string_view rule;
  Severity severity;
  Technique technique;
};

// Ids not listed here are informational (midstream pickup, NAKs, truncation at capture end).
// A plain array, sized by its initializer, so adding a mapping touches only its own lines.
constexpr Mapping kMappings[] = {
    {"mqtt.malformed", "ward.protocol.malformed", Severity::kMedium,
     techniques::kExploitRemoteServices},
    {"mqtt.invalid_remaining_length", "ward.protocol.malformed", Severity::kMedium,
     techniques::kExploitRemoteServices},
    {"mqtt.invalid_qos_level", "ward.protocol.malformed", Severity::kMedium,
     techniques::kExploitRemoteServices},
    {"mqtt.unassigned_msg_type", "ward.protocol.malformed", Severity::kMedium,
     techniques::kExploitRemoteServices},
    {"mqtt.missing_msg_id", "ward.protocol.malformed", Severity::kLow,
     techniques::kExploitRemoteServices},
    {"mqtt.invalid_*", "ward.protocol.malformed", Severity::kMedium,
     techniques::kExploitRemoteServices},
    {"mqtt.pdu_too_large", "ward.protocol.resource_limit", Severity::kMedium,
     techniques::kDenialOfService},
    {"mqtt.too_many_transactions", "ward.protocol.resource_limit", Severity::kLow,
     techniques::kDenialOfService},
    {"hl7.message_too_large", "ward.protocol.resource_limit", Severity::kMedium,
     techniques::kDenialOfService},
    {"hl7.too_many_segments", "ward.protocol.resource_limit", Severity::kMedium,
     techniques::kDenialOfService},
    {"hl7.bad_delimiters", "ward.protocol.malformed", Severity::kMedium,
     techniques::kExploitRemoteServices},
    {"hl7.not_msh_first", "ward.protocol.malformed", Severity::kMedium,
     techniques::kExploitRemoteServices},
    {"hl7.unexpected_start_block", "ward.protocol.malformed", Severity::kLow,
     techniques::kExploitRemoteServices},
    {"hl7.invalid_escape", "ward.protocol.malformed", Severity::kLow,
     techniques::kExploitRemoteServices},
    {"hl7.invalid_number", "ward.protocol.malformed", Severity::kMedium,
     techniques::kExploitRemoteServices},
    {"hl7.missing_required_segment", "ward.protocol.malformed", Severity::kMedium,
     techniques::kExploitRemoteServices},
    {"hl7.invalid_segment_id", "ward.protocol.malformed", Severity::kLow,
     techniques::kExploitRemoteServices},
    {"hl7.too_many_observations", "ward.protocol.resource_limit", Severity::kLow,
     techniques::kDenialOfService},
    {"hl7.too_many_errors", "ward.protocol.resource_limit", Severity::kLow,
     techniques::kDenialOfService},
    {"hl7.too_many_udis", "ward.protocol.resource_limit", Severity::kLow,
     techniques::kDenialOfService},
    {"hl7.unescape_scratch_full", "ward.protocol.resource_limit", Severity::kLow,
     techniques::kDenialOfService},
    {"stream.pending_limit", "ward.protocol.resource_limit", Severity::kMedium,
     techniques::kDenialOfService},
    {"decode.ip_fragment_overlap", "ward.protocol.evasion", Severity::kMedium,
     techniques::kExploitRemoteServices},
    {"decode.ip_fragment_inconsistent", "ward.protocol.evasion", Severity::kMedium,
     techniques::kExploitRemoteServices},
    {"mqtt.command_not_json", "ward.protocol.malformed", Severity::kMedium,
     techniques::kExploitRemoteServices},
    // Log4Shell (CVE-2021-44228): a JNDI lookup a vulnerable Log4j would resolve and run.
    {"http.jndi_lookup", "ward.exploit.jndi_injection", Severity::kHigh,
     techniques::kExploitPublicFacingApplication},
    // Camera credentials anyone on the path can read (RFC 7617 §4; RFC 3986 §7.5).
    {"rtsp.credentials_in_url", "ward.protocol.cleartext_credentials", Severity::kMedium,
     techniques::kNetworkSniffing},
    {"rtsp.basic_auth_cleartext", "ward.protocol.cleartext_credentials", Severity::kMedium,
     techniques::kNetworkSniffing},
    {"dicom.malformed_pdu", "ward.protocol.malformed", Severity::kMedium,
     techniques::kExploitRemoteServices},
    {"dicom.malformed_pdv", "ward.protocol.malformed", Severity::kMedium,
     techniques::kExploitRemoteServices},
    {"dicom.malformed_command", "ward.protocol.malformed", Severity::kMedium,
     techniques::kExploitRemoteServices},
    {"dicom.pdu_too_large", "ward.protocol.resource_limit", Severity::kMedium,
     techniques::kDenialOfService},
    {"dicom.command_too_large", "ward.protocol.resource_limit", Severity::kMedium,
     techniques::kDenialOfService},
    // PS3.7 §D.3.3.7: a user name (and passcode) in an A-ASSOCIATE-RQ crosses in clear.
    {"dicom.user_identity_in_clear", "ward.protocol.cleartext_credentials", Severity::kMedium,
     techniques::kNetworkSniffing},
    // TLS hellos, certificates or records that do not parse: fuzzing or exploit attempts
    // against TLS stacks (the informational tls.legacy_version / tls.cert_* are for issue 5).
    {"tls.malformed_*", "ward.protocol.malformed", Severity::kMedium,
     techniques::kExploitRemoteServices},
    {"tls.handshake_too_large", "ward.protocol.resource_limit", Severity::kLow,
     techniques::kDenialOfService},
    {"tls.record_too_large", "ward.protocol.resource_limit", Severity::kLow,
     techniques::kDenialOfService},
    // HTTP request smuggling indicators (RFC 9112 §6.3, §11.2).
    {"http.content_length_and_chunked", "ward.protocol.evasion", Severity::kMedium,
     techniques::kExploitRemoteServices},
    {"http.duplicate_content_length", "ward.protocol.evasion", Severity::kMedium,
     techniques::kExploitRemoteServices},
    // Basic credentials or a bearer token over plain HTTP (RFC 7617 §4, RFC 6750 §5.3).
    {"http.cleartext_credentials", "ward.protocol.cleartext_credentials", Severity::kMedium,
     techniques::kNetworkSniffing},
    // A DNS name whose compression pointers chain or loop past the limit: no resolver writes
    // one; it targets parsers (RFC 1035 §4.1.4 pointer loops).
    {"dns.compression_depth_exceeded", "ward.protocol.malformed", Severity::kMedium,
     techniques::kExploitRemoteServices},
};

const Mapping* find(std::string_view id) {
  for (const Mapping& m : kMappings) {
    if (m.id.back() == '*' ? id.substr(0, m.id.size() - 1) == m.id.substr(0, m.id.size() - 1)
                           : id == m.id)
      return &m;
  }
  return nullptr;
}

}  // namespace

void AnomalyDetector::on_event(const bus::EventContext& ctx, const bus::Event& e) {
  const auto* an = bus::event_cast<bus::AnomalyEvent>(e);
  if (an == nullptr) return;
  const Mapping* m = find(an->id);
  if (m == nullptr) return;
  AlertEvent a;
  a.rule = m->rule;
  a.severity = m->severity;
  a.technique = m->technique;
  a.alert_id = make_alert_id(
      a.rule, ctx.uid.empty() ? ctx.src_h().to_string() : std::string(ctx.uid), an->id);
  a.summary = std::string(an->id) + (an->detail.empty() ? "" : ": " + std::string(an->detail));
  a.evidence.emplace_back("anomaly", std::string(an->id));
  if (!an->detail.empty()) a.evidence.emplace_back("detail", std::string(an->detail));
  raise(ctx, a);
}

}  // namespace ward::detect
