#include "flow/conn_log.h"

#include "bus/log_fields.h"
#include "flow/flow_events.h"

namespace ward::flow {

void ConnLog::on_event(const bus::EventContext& ctx, const bus::Event& e) {
  const auto* r = bus::event_cast<ConnRecord>(e);
  if (r == nullptr) return;
  line_.clear();
  JsonWriter w(line_);
  w.begin_object();
  bus::write_conn_id(w, ctx);
  w.kv("proto", bus::transport_name(ctx.proto));
  if (!ctx.service.empty()) w.kv("service", ctx.service);
  // As Zeek's conn.log: duration and byte counts only for connections that lasted.
  if (r->duration > 0) {
    w.key("duration").raw(format_ts(r->duration));
    w.kv("orig_bytes", r->orig_bytes);
    w.kv("resp_bytes", r->resp_bytes);
  }
  w.kv("conn_state", r->conn_state);
  w.kv("missed_bytes", r->missed_bytes);
  w.kv("history", r->history);
  w.kv("orig_pkts", r->orig_pkts);
  w.kv("orig_ip_bytes", r->orig_ip_bytes);
  w.kv("resp_pkts", r->resp_pkts);
  w.kv("resp_ip_bytes", r->resp_ip_bytes);
  if (!ctx.orig_mac.is_zero()) w.kv("orig_l2_addr", ctx.orig_mac.to_string());
  if (!ctx.resp_mac.is_zero()) w.kv("resp_l2_addr", ctx.resp_mac.to_string());
  if (r->vlan != 0) w.kv("vlan", static_cast<unsigned>(r->vlan));
  if (r->inner_vlan != 0) w.kv("inner_vlan", static_cast<unsigned>(r->inner_vlan));
  w.kv("end_reason", r->end_reason);
  if (r->partial) w.kv("partial", true);
  w.end_object();
  sink_.write("conn", line_);
}

}  // namespace ward::flow
