// Anomaly events: something in the input was malformed, evasive or over a limit. Stable dotted
// ids (`mqtt.missing_connect`, `flow.table_full_evicted`) are a public interface: never rename.
#pragma once

#include <string_view>

#include "bus/event.h"

namespace ward::bus {

struct AnomalyEvent : Event {
  static constexpr EventKind kKind = EventKind::kAnomaly;
  AnomalyEvent() noexcept : Event(kKind) {}
  std::string_view id;      // static storage
  std::string_view detail;  // valid during the callback
};

}  // namespace ward::bus
