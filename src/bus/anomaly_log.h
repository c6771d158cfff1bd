// Writes the `anomaly` log (like Zeek's weird.log) from AnomalyEvent. A flood of one anomaly
// does not become a flood of lines: each id is logged the first `kAlwaysLogged` times, then
// at every power of two of its count, with the running count in the record. The full counts
// are always available from counts().
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "bus/bus.h"

namespace ward::bus {

class AnomalyLog final : public Subscriber {
 public:
  static constexpr std::uint64_t kAlwaysLogged = 100;
  explicit AnomalyLog(LogSink& sink) : sink_(sink) {}
  void on_event(const EventContext& ctx, const Event& e) override;
  [[nodiscard]] const std::map<std::string, std::uint64_t, std::less<>>& counts() const {
    return counts_;
  }

 private:
  LogSink& sink_;
  std::string line_;
  std::map<std::string, std::uint64_t, std::less<>> counts_;
};

}  // namespace ward::bus
