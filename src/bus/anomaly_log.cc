#include "bus/anomaly_log.h"

#include "bus/anomaly.h"
#include "bus/log_fields.h"

namespace ward::bus {

void AnomalyLog::on_event(const EventContext& ctx, const Event& e) {
  const auto* a = event_cast<AnomalyEvent>(e);
  if (a == nullptr) return;
  auto it = counts_.find(a->id);
  if (it == counts_.end()) it = counts_.emplace(std::string(a->id), 0).first;
  const std::uint64_t n = ++it->second;
  if (n > kAlwaysLogged && (n & (n - 1)) != 0) return;
  line_.clear();
  JsonWriter w(line_);
  w.begin_object();
  if (ctx.uid.empty()) {
    w.key("ts").raw(format_ts(ctx.ts));
    w.kv("id.orig_h", ctx.orig_h.to_string()).kv("id.resp_h", ctx.resp_h.to_string());
  } else {
    write_conn_id(w, ctx);
  }
  w.kv("name", a->id);
  if (!a->detail.empty()) w.kv("addl", a->detail);
  const auto dot = a->id.find('.');
  w.kv("source", a->id.substr(0, dot));
  if (n > kAlwaysLogged) w.kv("count", n);
  w.end_object();
  sink_.write("anomaly", line_);
}

}  // namespace ward::bus
