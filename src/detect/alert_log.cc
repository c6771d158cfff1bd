#include "detect/alert_log.h"

#include "bus/log_fields.h"
#include "detect/alert.h"

namespace ward::detect {

void AlertLog::on_event(const bus::EventContext& ctx, const bus::Event& e) {
  const auto* a = bus::event_cast<AlertEvent>(e);
  if (a == nullptr) return;
  line_.clear();
  JsonWriter w(line_);
  w.begin_object();
  bus::write_conn_id(w, ctx);
  w.kv("alert_id", a->alert_id);
  w.kv("rule", a->rule);
  w.kv("severity", severity_name(a->severity));
  w.key("technique").begin_object();
  w.kv("id", a->technique.id).kv("name", a->technique.name).kv("tactic", a->technique.tactic);
  w.end_object();
  w.kv("summary", a->summary);
  w.key("src").begin_object().kv("ip", ctx.src_h().to_string());
  if (!a->src_role.empty()) w.kv("role", a->src_role);
  w.end_object();
  w.key("dst").begin_object().kv("ip", ctx.dst_h().to_string());
  if (!a->dst_role.empty()) w.kv("role", a->dst_role);
  w.end_object();
  if (!a->device_id.empty()) w.kv("device_id", a->device_id);
  if (!ctx.service.empty()) w.kv("service", ctx.service);
  w.key("evidence").begin_object();
  for (const auto& [k, v] : a->evidence) w.kv(k, v);
  w.end_object();
  w.end_object();
  sink_.write("alert", line_);
}

}  // namespace ward::detect
