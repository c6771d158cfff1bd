#include "parsers/dicom/dicom_log.h"

#include <algorithm>
#include <array>
#include <cstdio>

#include "bus/log_fields.h"
#include "common/json_writer.h"
#include "parsers/dicom/dicom_events.h"
#include "parsers/dicom/dicom_uids.h"

namespace ward::parsers::dicom {
namespace {

void write_if(JsonWriter& w, std::string_view key, std::string_view value) {
  if (!value.empty()) w.kv(key, value);
}

// A UID and, when the table knows it, its name under `<key>_name`.
void write_uid(JsonWriter& w, std::string_view key, std::string_view uid) {
  if (uid.empty()) return;
  w.kv(key, uid);
  const std::string_view name = uid_name(uid);
  if (!name.empty()) {
    std::string k(key);
    k += "_name";
    w.kv(k, name);
  }
}

std::string upper_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

std::string hex16(std::uint16_t v) {
  std::array<char, 8> buf{};
  const int n = std::snprintf(buf.data(), buf.size(), "0x%04X", static_cast<unsigned>(v));
  return std::string(buf.data(), static_cast<std::size_t>(std::max(n, 0)));
}

}  // namespace

void DicomLog::on_event(const bus::EventContext& ctx, const bus::Event& event) {
  if (const auto* a = bus::event_cast<DicomAssociation>(event)) write(ctx, *a);
  if (const auto* c = bus::event_cast<DicomCommand>(event)) write(ctx, *c);
}

void DicomLog::write(const bus::EventContext& ctx, const DicomAssociation& a) {
  line_.clear();
  JsonWriter w(line_);
  w.begin_object();
  bus::write_conn_id(w, ctx);
  w.kv("record", "association");
  w.kv("request_seen", a.request_seen);
  write_if(w, "calling_ae", a.calling_ae);
  write_if(w, "called_ae", a.called_ae);
  write_uid(w, "application_context", a.application_context);
  write_if(w, "implementation_class_uid", a.requestor_implementation_class_uid);
  write_if(w, "implementation_version", a.requestor_implementation_version_name);
  if (a.requestor_max_pdu) w.kv("max_pdu_length", *a.requestor_max_pdu);
  write_if(w, "responder_implementation_class_uid", a.acceptor_implementation_class_uid);
  write_if(w, "responder_implementation_version", a.acceptor_implementation_version_name);
  if (a.acceptor_max_pdu) w.kv("responder_max_pdu_length", *a.acceptor_max_pdu);
  if (a.user_identity_type != 0) w.kv("user_identity_type", a.user_identity_type);

  std::size_t accepted = 0;
  for (const PresentationContext& pc : a.contexts)
    if (pc.result && *pc.result == 0) ++accepted;
  w.kv("contexts_proposed", a.contexts.size() + a.contexts_dropped);
  w.kv("contexts_accepted", accepted);
  if (!a.contexts.empty()) {
    w.key("contexts").begin_array();
    const std::size_t n = std::min(a.contexts.size(), kLoggedContexts);
    for (const PresentationContext& pc : std::span(a.contexts).first(n)) {
      w.begin_object();
      w.kv("id", pc.id);
      write_uid(w, "abstract_syntax", pc.abstract_syntax);
      if (!pc.transfer_syntaxes.empty()) {
        w.key("proposed_transfer_syntaxes").begin_array();
        for (const std::string& ts : pc.transfer_syntaxes) w.value(ts);
        w.end_array();
      }
      if (pc.result) {
        const std::string_view name = context_result_name(*pc.result);
        if (name.empty()) {
          w.kv("result", *pc.result);
        } else {
          w.kv("result", name);
        }
      }
      write_uid(w, "transfer_syntax", pc.accepted_transfer_syntax);
      w.end_object();
    }
    w.end_array();
  }

  w.kv("result", association_result_name(a.result));
  if (a.result == DicomAssociation::Result::kRejected) {
    w.kv("reject_result", a.reject_result);
    write_if(w, "reject_result_name", reject_result_name(a.reject_result));
    w.kv("reject_source", a.reject_source);
    write_if(w, "reject_source_name", reject_source_name(a.reject_source));
    w.kv("reject_reason", a.reject_reason);
    write_if(w, "reject_reason_name", reject_reason_name(a.reject_source, a.reject_reason));
  }
  w.kv("end", association_end_name(a.end));
  if (a.end == DicomAssociation::End::kAborted) {
    w.kv("abort_source", a.abort_source);
    write_if(w, "abort_source_name", abort_source_name(a.abort_source));
    w.kv("abort_reason", a.abort_reason);
    write_if(w, "abort_reason_name", abort_reason_name(a.abort_reason));
    w.kv("abort_by", a.abort_dir == bus::Direction::kToServer ? "orig" : "resp");
  }
  w.kv("commands", a.commands);
  w.kv("pdata_bytes", a.pdata_bytes);
  w.kv("phi_in_clear", a.phi_in_clear);
  w.end_object();
  sink_.write("dicom", line_);
}

void DicomLog::write(const bus::EventContext& ctx, const DicomCommand& c) {
  line_.clear();
  JsonWriter w(line_);
  w.begin_object();
  bus::write_conn_id(w, ctx, c.request_ts != 0 ? c.request_ts : ctx.ts);
  w.kv("record", "command");
  if (c.operation.empty()) {
    w.kv("command", hex16(c.command_field));
  } else {
    w.kv("command", c.operation);
  }
  w.kv("message_id", c.message_id);
  w.kv("request_seen", c.request_seen);
  w.kv("response_seen", c.response_seen);
  w.kv("requested_by", c.request_dir == bus::Direction::kToServer ? "orig" : "resp");
  w.kv("context_id", c.context_id);
  write_uid(w, "sop_class", c.sop_class);
  write_if(w, "sop_instance", c.sop_instance);
  write_if(w, "move_destination", c.move_destination);
  if (c.priority) w.kv("priority", *c.priority);
  if (c.status) {
    w.kv("status", *c.status);
    w.kv("status_hex", hex16(*c.status));
    write_if(w, "status_name", status_name(*c.status));
  }
  if (c.pending_responses > 0) w.kv("pending_responses", c.pending_responses);
  if (c.completed) w.kv("completed", *c.completed);
  if (c.failed) w.kv("failed", *c.failed);
  if (c.warning) w.kv("warning", *c.warning);
  w.kv("request_data_set", c.request_data_set);
  if (c.response_data_sets > 0) w.kv("response_data_sets", c.response_data_sets);
  w.kv("phi_in_clear", c.phi_in_clear);
  // PHI: keyed hashes only; the name upper-cased as the hl7 log does (PN is case-insensitive
  // in practice), so the same patient hashes alike across protocols.
  if (!c.patient_name.empty()) w.kv("patient_name_hash", hasher_.hash(upper_ascii(c.patient_name)));
  if (!c.patient_id.empty()) w.kv("patient_id_hash", hasher_.hash(c.patient_id));
  w.end_object();
  sink_.write("dicom", line_);
}

std::unique_ptr<bus::Subscriber> make_dicom_log(bus::LogSink& sink, const LogOptions& options) {
  return std::make_unique<DicomLog>(sink, options);
}

}  // namespace ward::parsers::dicom
