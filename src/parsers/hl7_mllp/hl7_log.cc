#include "parsers/hl7_mllp/hl7_log.h"

#include <algorithm>
#include <array>

#include "bus/log_fields.h"
#include "clinical/infusion.h"
#include "common/json_writer.h"
#include "parsers/hl7_mllp/hl7_events.h"

namespace ward::parsers::hl7 {
namespace {

// Bound on identifiers and codes copied into a record (they are short in practice).
constexpr std::size_t kIdBytes = 256;

std::string_view clip(std::string_view s, std::size_t n) noexcept {
  return s.substr(0, std::min(s.size(), n));
}

enum class ValuePolicy : std::uint8_t { kWrite, kCodedPrefix, kRedact };

// Which OBX-5 values may be written. Numbers, dates and codes carry no free text; device
// strings (ST with an MDC code: states, labels, drug names) are device output. Everything
// else (TX, FT, ED, PN, XPN, XCN, CX, ST from other coding systems, no type) may hold PHI.
ValuePolicy value_policy(const Observation& o) noexcept {
  constexpr std::array<std::string_view, 10> kPlain = {"NM", "SN", "NA", "NR", "DTM",
                                                       "TS", "DT", "TM", "ID", "IS"};
  constexpr std::array<std::string_view, 4> kCoded = {"CWE", "CNE", "CE", "CF"};
  const std::string_view t = o.value_type;
  if (std::find(kPlain.begin(), kPlain.end(), t) != kPlain.end()) return ValuePolicy::kWrite;
  // Coded values: only identifier^text, not the free "original text" components.
  if (std::find(kCoded.begin(), kCoded.end(), t) != kCoded.end()) return ValuePolicy::kCodedPrefix;
  if (t == "ST" && o.code_name.substr(0, 4) == "MDC_") return ValuePolicy::kWrite;
  return ValuePolicy::kRedact;
}

// The first `n` components of a composite value, as on the wire.
std::string_view leading_components(std::string_view v, char sep, std::size_t n) noexcept {
  std::size_t p = 0;
  for (std::size_t i = 0; i < n; ++i) {
    p = v.find(sep, p);
    if (p == std::string_view::npos) return v;
    if (i + 1 < n) ++p;
  }
  return v.substr(0, p);
}

std::string upper_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

void write_if(JsonWriter& w, std::string_view key, std::string_view value) {
  if (!value.empty()) w.kv(key, clip(value, kIdBytes));
}

}  // namespace

Hl7Log::Hl7Log(bus::LogSink& sink, const LogOptions& options)
    : sink_(sink), hasher_(options.phi_key), text_bytes_(options.payload_excerpt_bytes) {}

void Hl7Log::on_event(const bus::EventContext& ctx, const bus::Event& event) {
  // InfusionProgram and PhiObserved of HL7 are written from the Hl7Message they follow.
  if (const auto* m = bus::event_cast<Hl7Message>(event)) write(ctx, *m);
}

void Hl7Log::write(const bus::EventContext& ctx, const Hl7Message& m) {
  line_.clear();
  JsonWriter w(line_);
  w.begin_object();
  bus::write_conn_id(w, ctx);
  w.kv("msg_type", clip(m.message_type, kIdBytes));
  write_if(w, "message_code", m.message_code);
  write_if(w, "trigger_event", m.trigger_event);
  write_if(w, "control_id", m.control_id);
  write_if(w, "version", m.version);
  write_if(w, "processing_id", m.processing_id);
  write_if(w, "sending_application", m.sending_application);
  write_if(w, "sending_facility", m.sending_facility);
  write_if(w, "receiving_application", m.receiving_application);
  write_if(w, "receiving_facility", m.receiving_facility);
  write_if(w, "pcd_profile", pcd_profile_name(m.pcd));
  w.kv("segments", m.segment_count);
  write_if(w, "ack_code", m.ack_code);
  write_if(w, "ack_control_id", m.ack_control_id);

  if (!m.errors.empty()) {
    w.key("errors").begin_array();
    for (const ErrorInfo& e : m.errors) {
      w.begin_object();
      write_if(w, "code", e.code);
      write_if(w, "severity", e.severity);
      write_if(w, "app_code", e.app_code);
      if (!e.text.empty()) w.kv("text", clip(e.text, text_bytes_));
      w.end_object();
    }
    w.end_array();
  }

  write_if(w, "order_control", m.order_control);
  write_if(w, "point_of_care", m.point_of_care);

  if (!m.observations.empty()) {
    w.kv("observations_total", m.observations.size());
    w.key("observations").begin_array();
    const std::size_t n = std::min(m.observations.size(), kLoggedObservations);
    for (const Observation& o : m.observations.first(n)) {
      w.begin_object();
      write_if(w, "code", o.code);
      write_if(w, "name", o.code_name);
      write_if(w, "sub_id", o.sub_id);
      write_if(w, "type", o.value_type);
      if (!o.value.empty()) {
        switch (value_policy(o)) {
          case ValuePolicy::kWrite:
            w.kv("value", clip(o.value, text_bytes_));
            break;
          case ValuePolicy::kCodedPrefix:
            w.kv("value", clip(leading_components(o.value, m.component_sep, 2), text_bytes_));
            break;
          case ValuePolicy::kRedact:
            w.kv("value_redacted", true);
            break;
        }
      }
      write_if(w, "units", o.units);
      write_if(w, "equipment_id", o.equipment_id);
      write_if(w, "status", o.status);
      w.end_object();
    }
    w.end_array();
  }

  if (!m.udis.empty()) {
    // IHE PCD TF-2 B.10.2: the UDI serial may identify the patient; only the device
    // identifier is written in clear.
    w.key("udis").begin_array();
    for (const DeviceUdi& u : m.udis) {
      w.begin_object();
      write_if(w, "udi_di", u.udi_di);
      if (!u.serial.empty()) w.kv("serial_hash", hasher_.hash(u.serial));
      if (!u.udi.empty()) w.kv("udi_hash", hasher_.hash(u.udi));
      w.end_object();
    }
    w.end_array();
  }

  if (const clinical::InfusionProgram* p = m.program) {
    w.key("program").begin_object();
    write_if(w, "order_control", p->order_control);
    write_if(w, "drug_id", p->drug_id);
    write_if(w, "drug_name", p->drug_name);
    if (p->rate) w.kv("rate", *p->rate);
    write_if(w, "rate_units", p->rate_units);
    w.kv("rate_kind", clinical::rate_kind_name(p->rate_kind));
    if (p->vtbi_ml) w.kv("vtbi_ml", *p->vtbi_ml);
    write_if(w, "care_area", p->care_area);
    write_if(w, "pump_id", p->pump_id);
    if (p->patient_weight_kg) w.kv("patient_weight_kg", *p->patient_weight_kg);
    w.end_object();
  }

  // PHI: keyed hashes keep records linkable (same patient, same hash) without disclosure.
  if (!m.patient_id.empty()) w.kv("patient_id_hash", hasher_.hash(m.patient_id));
  if (!m.patient_name.empty()) w.kv("patient_name_hash", hasher_.hash(upper_ascii(m.patient_name)));
  if (!m.phi_fields.empty()) {
    w.key("phi_fields").begin_array();
    for (const clinical::PhiField& f : m.phi_fields) w.value(f.name);
    w.end_array();
  }
  w.end_object();
  sink_.write("hl7", line_);
}

std::unique_ptr<bus::Subscriber> make_hl7_log(bus::LogSink& sink, const LogOptions& options) {
  return std::make_unique<Hl7Log>(sink, options);
}

}  // namespace ward::parsers::hl7
