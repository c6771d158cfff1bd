#include "parsers/wsdiscovery/wsd_log.h"

#include <algorithm>

#include "bus/log_fields.h"
#include "common/json_writer.h"
#include "parsers/wsdiscovery/wsd_events.h"

namespace ward::parsers::wsd {
namespace {

std::string_view clip(std::string_view s, std::size_t n) noexcept {
  return s.substr(0, std::min(s.size(), n));
}

}  // namespace

void WsdLog::on_event(const bus::EventContext& ctx, const bus::Event& event) {
  const auto* m = bus::event_cast<WsdMessage>(event);
  if (m == nullptr) return;
  line_.clear();
  format(line_, ctx, *m);
  sink_.write("wsd", line_);
}

void WsdLog::format(std::string& out, const bus::EventContext& ctx, const WsdMessage& m) const {
  const std::size_t n = std::max<std::size_t>(text_bytes_, 256);
  JsonWriter w(out);
  w.begin_object();
  bus::write_conn_id(w, ctx);
  w.kv("msg", message_kind_name(m.kind));
  w.kv("version", m.version);
  if (!m.action.empty()) w.kv("action", clip(m.action, n));
  if (!m.message_id.empty()) w.kv("message_id", clip(m.message_id, n));
  if (!m.relates_to.empty()) w.kv("relates_to", clip(m.relates_to, n));
  if (m.has_app_sequence) {
    w.kv("instance_id", m.instance_id);
    w.kv("message_number", m.message_number);
  }
  // The first endpoint's class at top level, for filtering.
  if (!m.endpoints.empty() && m.endpoints[0].device_class != DeviceClass::kUnknown)
    w.kv("device_class", device_class_name(m.endpoints[0].device_class));
  bool patient = false;
  w.key("endpoints").begin_array();
  for (const Endpoint& e : m.endpoints) {
    w.begin_object();
    if (!e.address.empty()) w.kv("address", clip(e.address, n));
    if (e.device_class != DeviceClass::kUnknown)
      w.kv("device_class", device_class_name(e.device_class));
    if (!e.types.empty()) {
      w.key("types").begin_array();
      for (const QName& q : e.types) w.value(clip(q.text, n));
      w.end_array();
    }
    if (!e.scopes.empty()) {
      w.key("scopes").begin_array();
      for (std::string_view s : e.scopes) {
        constexpr std::string_view kPat = "sdc.ctxt.pat:";
        if (s.substr(0, kPat.size()) == kPat) {
          // PHI: the patient identifier is never written; its keyed hash keeps records linkable.
          w.value(std::string(kPat) + hasher_.hash(s.substr(kPat.size())));
        } else {
          w.value(clip(s, n));
        }
      }
      w.end_array();
    }
    if (!e.xaddrs.empty()) {
      w.key("xaddrs").begin_array();
      for (std::string_view x : e.xaddrs) w.value(clip(x, n));
      w.end_array();
    }
    if (e.has_metadata_version) w.kv("metadata_version", e.metadata_version);
    const bool has_loc = !e.loc_facility.empty() || !e.loc_building.empty() ||
                         !e.loc_floor.empty() || !e.loc_point_of_care.empty() ||
                         !e.loc_room.empty() || !e.loc_bed.empty();
    if (has_loc) {
      w.key("location").begin_object();
      if (!e.loc_facility.empty()) w.kv("fac", clip(e.loc_facility, n));
      if (!e.loc_building.empty()) w.kv("bldng", clip(e.loc_building, n));
      if (!e.loc_floor.empty()) w.kv("flr", clip(e.loc_floor, n));
      if (!e.loc_point_of_care.empty()) w.kv("poc", clip(e.loc_point_of_care, n));
      if (!e.loc_room.empty()) w.kv("rm", clip(e.loc_room, n));
      if (!e.loc_bed.empty()) w.kv("bed", clip(e.loc_bed, n));
      w.end_object();
    }
    if (e.patient_context) {
      w.kv("patient_context", true);
      patient = true;
    }
    w.end_object();
  }
  w.end_array();
  if (patient) w.kv("patient_context", true);
  w.end_object();
}

std::unique_ptr<bus::Subscriber> make_wsd_log(bus::LogSink& sink, const LogOptions& options) {
  return std::make_unique<WsdLog>(sink, options);
}

}  // namespace ward::parsers::wsd
