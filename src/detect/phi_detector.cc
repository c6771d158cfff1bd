#include "detect/phi_detector.h"

#include "clinical/phi.h"

namespace ward::detect {

void PhiDetector::on_event(const bus::EventContext& ctx, const bus::Event& e) {
  const auto* phi = bus::event_cast<clinical::PhiObserved>(e);
  if (phi == nullptr || !policy_.phi_detect_cleartext || phi->fields.empty()) return;
  AlertEvent a;
  a.rule = "ward.privacy.phi_cleartext";
  a.severity = Severity::kHigh;
  a.technique = techniques::kNetworkSniffing;
  a.alert_id = make_alert_id(a.rule, ctx.uid, phi->protocol);
  std::string names;
  for (const auto& f : phi->fields) names += (names.empty() ? "" : ", ") + std::string(f.name);
  a.summary = "patient data in cleartext over " + std::string(phi->protocol) + " (" + names + ")";
  a.src_role = "sender";
  a.dst_role = "receiver";
  a.evidence.emplace_back("protocol", std::string(phi->protocol));
  a.evidence.emplace_back("where", std::string(phi->where));
  a.evidence.emplace_back("fields", names);
  raise(ctx, a);
}

}  // namespace ward::detect
