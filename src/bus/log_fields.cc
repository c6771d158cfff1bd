#include "bus/log_fields.h"

namespace ward::bus {

void write_conn_id(JsonWriter& w, const EventContext& ctx, TimeNs ts) {
  w.key("ts").raw(format_ts(ts));
  if (!ctx.uid.empty()) w.kv("uid", ctx.uid);
  w.kv("id.orig_h", ctx.orig_h.to_string());
  w.kv("id.orig_p", static_cast<unsigned>(ctx.orig_p));
  w.kv("id.resp_h", ctx.resp_h.to_string());
  w.kv("id.resp_p", static_cast<unsigned>(ctx.resp_p));
}

}  // namespace ward::bus
