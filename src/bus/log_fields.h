// Field helpers shared by every log writer so that all logs name things the way Zeek does.
#pragma once

#include "bus/event.h"
#include "common/json_writer.h"

namespace ward::bus {

// Writes "ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p" into an open object.
// `ts` is given separately because a transaction is logged with the time it started.
void write_conn_id(JsonWriter& w, const EventContext& ctx, TimeNs ts);
inline void write_conn_id(JsonWriter& w, const EventContext& ctx) { write_conn_id(w, ctx, ctx.ts); }

}  // namespace ward::bus
