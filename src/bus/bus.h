// EventBus: fan-out of events to subscribers. Subscribe everything before the first publish;
// publish() is not thread-safe (one bus per worker thread).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "bus/event.h"

namespace ward::bus {

class Subscriber {
 public:
  virtual ~Subscriber() = default;
  virtual void on_event(const EventContext& ctx, const Event& event) = 0;
  // Called once when the input ends (after the flow table flushed). Default: nothing.
  virtual void on_finish() {}
};

class EventBus {
 public:
  // REQUIRES: `s` outlives the bus.
  void subscribe(Subscriber& s) { subscribers_.push_back(&s); }

  void publish(const EventContext& ctx, const Event& e) const {
    for (Subscriber* s : subscribers_) s->on_event(ctx, e);
  }
  // Convenience for anomalies.
  void anomaly(const EventContext& ctx, std::string_view id, std::string_view detail) const;
  void finish() const {
    for (Subscriber* s : subscribers_) s->on_finish();
  }

 private:
  std::vector<Subscriber*> subscribers_;
};

// Output of log records, one line of JSON per record, per named log (`conn`, `mqtt`, ...).
// Implemented by storage (files) and by tests (memory).
class LogSink {
 public:
  virtual ~LogSink() = default;
  // REQUIRES: json_line is one JSON object with no newline.
  virtual void write(std::string_view log_name, std::string_view json_line) = 0;
};

}  // namespace ward::bus
