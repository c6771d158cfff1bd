// Writes the `alert` log (JSON Lines) from AlertEvent.
#pragma once

#include <string>

#include "bus/bus.h"

namespace ward::detect {

class AlertLog final : public bus::Subscriber {
 public:
  explicit AlertLog(bus::LogSink& sink) : sink_(sink) {}
  void on_event(const bus::EventContext& ctx, const bus::Event& e) override;

 private:
  bus::LogSink& sink_;
  std::string line_;
};

}  // namespace ward::detect
