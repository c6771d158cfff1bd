// Writes alerts in Suricata's EVE JSON format (`eve.jsonl`, event_type "alert"), beside Ward's
// own alert log, so SIEM pipelines built for Suricata ingest Ward's alerts unchanged
// (docs/storage.md "EVE alerts"). Ward's rule id becomes the signature; its signature_id is a
// stable number derived from the rule id (eve_signature_id), gid 1, rev 1; severity follows
// Suricata's scale (1 = critical/high, 2 = medium, 3 = low/info); ATT&CK and Ward's own ids go
// in `alert.metadata` as lists of strings, as Suricata writes rule metadata.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "bus/bus.h"

namespace ward::detect {

// 9,000,000 + (FNV-1a 32 of the rule id) mod 1,000,000: the same rule always gets the same id.
std::uint32_t eve_signature_id(std::string_view rule) noexcept;

class EveAlertLog final : public bus::Subscriber {
 public:
  explicit EveAlertLog(bus::LogSink& sink) : sink_(sink) {}
  void on_event(const bus::EventContext& ctx, const bus::Event& e) override;

 private:
  bus::LogSink& sink_;
  std::string line_;
};

}  // namespace ward::detect
