#include "detect/infusion_detector.h"

#include <array>
#include <cstdio>
#include <string>

#include "clinical/infusion.h"

namespace ward::detect {
namespace {

std::string number(double v) {
  std::array<char, 32> buf{};
  std::snprintf(buf.data(), buf.size(), "%g", v);
  return buf.data();
}

std::string describe_drug(const clinical::InfusionProgram& p) {
  if (!p.drug_name.empty()) return std::string(p.drug_name);
  if (!p.drug_id.empty()) return std::string(p.drug_id);
  return "(no drug named)";
}

void add_common(AlertEvent& a, const clinical::InfusionProgram& p) {
  a.src_role = "programmer";
  a.dst_role =
      p.source == clinical::ProgramSource::kMqttJson ? "mqtt broker" : "infusion order consumer";
  a.device_id = std::string(p.pump_id);
  a.evidence.emplace_back("source", std::string(clinical::program_source_name(p.source)));
  if (!p.message_control_id.empty())
    a.evidence.emplace_back("message_control_id", std::string(p.message_control_id));
  if (!p.order_control.empty())
    a.evidence.emplace_back("order_control", std::string(p.order_control));
  if (!p.topic.empty()) a.evidence.emplace_back("topic", std::string(p.topic));
  if (!p.drug_id.empty()) a.evidence.emplace_back("drug_id", std::string(p.drug_id));
  if (!p.drug_name.empty()) a.evidence.emplace_back("drug", std::string(p.drug_name));
  if (!p.care_area.empty()) a.evidence.emplace_back("care_area", std::string(p.care_area));
  if (!p.pump_id.empty()) a.evidence.emplace_back("pump_id", std::string(p.pump_id));
}

// A key that names this programming message within its flow.
std::string occurrence(const clinical::InfusionProgram& p, std::string_view what) {
  std::string k(what);
  k += '|';
  k += p.message_control_id;
  k += '|';
  k += p.pump_id;
  return k;
}

}  // namespace

void InfusionDetector::on_event(const bus::EventContext& ctx, const bus::Event& e) {
  const auto* p = bus::event_cast<clinical::InfusionProgram>(e);
  if (p == nullptr) return;
  const std::string drug = describe_drug(*p);

  if (!policy_.programmers.empty() && policy_.find_programmer(ctx.src_h()) == nullptr) {
    AlertEvent a;
    a.rule = "ward.infusion.unauthorized_programmer";
    a.severity = Severity::kCritical;
    a.technique = techniques::kUnauthorizedCommand;
    a.alert_id = make_alert_id(a.rule, ctx.uid, occurrence(*p, "auth"));
    a.summary = "infusion programming (" + drug + ") from " + ctx.src_h().to_string() +
                ", which the policy does not list as an authorised programmer";
    add_common(a, *p);
    a.evidence.emplace_back("sender", ctx.src_h().to_string());
    std::string listed;
    for (const auto& pr : policy_.programmers) listed += (listed.empty() ? "" : ", ") + pr.name;
    a.evidence.emplace_back("authorized_programmers", listed);
    raise(ctx, a);
  }

  if (policy_.drugs.empty()) return;  // no drug library loaded: nothing to compare with
  const policy::Drug* d = policy_.find_drug(p->drug_id, p->drug_name);
  if (d == nullptr) {
    AlertEvent a;
    a.rule = "ward.infusion.unknown_drug";
    a.severity = Severity::kHigh;
    a.technique = techniques::kModifyParameter;
    a.alert_id = make_alert_id(a.rule, ctx.uid, occurrence(*p, "drug"));
    a.summary = "infusion programmed with " + drug + ", which is not in drug library " +
                (policy_.drug_library_version.empty() ? std::string("(unversioned)")
                                                      : policy_.drug_library_version);
    add_common(a, *p);
    a.evidence.emplace_back("drug_library_version", policy_.drug_library_version);
    raise(ctx, a);
    return;
  }
  const policy::CareAreaLimits* limits =
      policy::Policy::limits_for(*d, p->care_area, policy_.default_care_area);
  if (limits == nullptr) {
    AlertEvent a;
    a.rule = "ward.infusion.no_care_area_limits";
    a.severity = Severity::kMedium;
    a.technique = techniques::kModifyParameter;
    a.alert_id = make_alert_id(a.rule, ctx.uid, occurrence(*p, "area"));
    a.summary = "drug library has no limits for " + d->name + " in care area '" +
                std::string(p->care_area.empty() ? policy_.default_care_area : p->care_area) + "'";
    add_common(a, *p);
    raise(ctx, a);
    return;
  }

  auto check = [&](std::string_view quantity, double value, std::string_view units,
                   const policy::Limit& lim) {
    if (units != lim.units) {
      AlertEvent a;
      a.rule = "ward.infusion.units_mismatch";
      a.severity = Severity::kHigh;
      a.technique = techniques::kModifyParameter;
      a.alert_id = make_alert_id(a.rule, ctx.uid, occurrence(*p, quantity));
      a.summary = d->name + " " + std::string(quantity) + " programmed in " + std::string(units) +
                  " but the drug library limits it in " + lim.units +
                  ": the dose cannot be verified";
      add_common(a, *p);
      a.evidence.emplace_back("field", std::string(quantity));
      a.evidence.emplace_back("value", number(value));
      a.evidence.emplace_back("units", std::string(units));
      a.evidence.emplace_back("limit_units", lim.units);
      raise(ctx, a);
      return;
    }
    const char* which = nullptr;
    double bound = 0;
    bool hard = false;
    if (lim.hard_max && value > *lim.hard_max)
      which = "hard_max", bound = *lim.hard_max, hard = true;
    else if (lim.hard_min && value < *lim.hard_min)
      which = "hard_min", bound = *lim.hard_min, hard = true;
    else if (lim.soft_max && value > *lim.soft_max)
      which = "soft_max", bound = *lim.soft_max;
    else if (lim.soft_min && value < *lim.soft_min)
      which = "soft_min", bound = *lim.soft_min;
    if (which == nullptr) return;
    AlertEvent a;
    a.rule = hard ? "ward.infusion.hard_limit" : "ward.infusion.soft_limit";
    a.severity = hard ? Severity::kCritical : Severity::kMedium;
    a.technique = techniques::kModifyParameter;
    a.alert_id = make_alert_id(a.rule, ctx.uid, occurrence(*p, quantity));
    const bool above = which[5] == 'm' && which[6] == 'a';
    a.summary = d->name + " " + std::string(quantity) + " " + number(value) + " " +
                std::string(units) + (above ? " exceeds the " : " is below the ") +
                (hard ? "hard " : "soft ") + (above ? "maximum " : "minimum ") + number(bound) +
                " for care area " + limits->care_area;
    add_common(a, *p);
    a.evidence.emplace_back("field", std::string(quantity));
    a.evidence.emplace_back("value", number(value));
    a.evidence.emplace_back("units", std::string(units));
    a.evidence.emplace_back("limit", which);
    a.evidence.emplace_back("limit_value", number(bound));
    a.evidence.emplace_back("limit_care_area", limits->care_area);
    a.evidence.emplace_back("limit_defined_at", lim.where);
    if (!policy_.drug_library_version.empty())
      a.evidence.emplace_back("drug_library_version", policy_.drug_library_version);
    raise(ctx, a);
  };

  if (p->rate) {
    const std::optional<policy::Limit>* lim = nullptr;
    std::string_view quantity;
    switch (p->rate_kind) {
      case clinical::RateKind::kVolumeRate:
        lim = &limits->rate, quantity = "rate";
        break;
      case clinical::RateKind::kDoseRate:
        lim = &limits->dose_rate, quantity = "dose_rate";
        break;
      case clinical::RateKind::kDose:
        lim = &limits->dose, quantity = "dose";
        break;
      case clinical::RateKind::kUnknown: {
        // Units the library cannot interpret: compare against whichever limit names them.
        for (const auto* l : {&limits->rate, &limits->dose_rate, &limits->dose})
          if (*l && (*l)->units == p->rate_units) lim = l, quantity = "rate";
        if (lim == nullptr)
          lim = limits->dose_rate ? &limits->dose_rate : &limits->rate, quantity = "rate";
        break;
      }
    }
    if (lim == nullptr || !*lim) {
      // The library limits this drug by another quantity (a dose rate, say, while the pump was
      // programmed in mL/h): compare against it, which reports the units it cannot verify.
      for (const auto* l : {&limits->dose_rate, &limits->rate, &limits->dose}) {
        if (*l) {
          lim = l;
          break;
        }
      }
    }
    if (lim != nullptr && *lim) check(quantity, *p->rate, p->rate_units, **lim);
  }
  if (p->vtbi_ml && limits->vtbi) check("vtbi", *p->vtbi_ml, "mL", *limits->vtbi);
}

}  // namespace ward::detect
