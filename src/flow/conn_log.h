// Writes the `conn` log (Zeek conn.log fields, JSON Lines) from flow::ConnRecord events.
#pragma once

#include "bus/bus.h"

namespace ward::flow {

class ConnLog final : public bus::Subscriber {
 public:
  explicit ConnLog(bus::LogSink& sink) : sink_(sink) {}
  void on_event(const bus::EventContext& ctx, const bus::Event& e) override;

 private:
  bus::LogSink& sink_;
  std::string line_;
};

}  // namespace ward::flow
