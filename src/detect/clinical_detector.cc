#include "detect/clinical_detector.h"

#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "clinical/infusion.h"
#include "detect/segmentation_detector.h"
#include "flow/flow_events.h"
#include "parsers/hl7_mllp/hl7_events.h"
#include "parsers/http/http_events.h"

namespace ward::detect {
namespace {

using parsers::hl7::Hl7Message;
using parsers::hl7::Observation;
using parsers::hl7::PcdProfile;

namespace mdc {  // IEEE 11073 codes (DOMAIN.md section 2) and their reference ids
inline constexpr std::string_view kLibraryVersion = "184517";
inline constexpr std::string_view kFlowRate = "157784";  // MDC_FLOW_FLUID_PUMP, mL/h
inline constexpr std::string_view kDoseRate = "157924";  // MDC_RATE_DOSE
inline constexpr std::string_view kEventPhase = "68481";
inline constexpr std::string_view kAlarmState = "68482";
inline constexpr std::string_view kInactivation = "68483";
}  // namespace mdc

std::string_view component(std::string_view field, char sep, int index) {
  for (int i = 0; i < index; ++i) {
    const std::size_t p = field.find(sep);
    if (p == std::string_view::npos) return {};
    field.remove_prefix(p + 1);
  }
  return field.substr(0, std::min(field.find(sep), field.find('~')));
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const char x = static_cast<char>(std::tolower(static_cast<unsigned char>(a[i])));
    const char y = static_cast<char>(std::tolower(static_cast<unsigned char>(b[i])));
    if (x != y && !((x == '-' || x == '_') && (y == '-' || y == '_'))) return false;
  }
  return true;
}

bool is_code(const Observation& o, std::string_view code) { return o.code == code; }

const Observation* find_obs(const Hl7Message& m, std::string_view code) {
  for (const Observation& o : m.observations)
    if (is_code(o, code)) return &o;
  return nullptr;
}

std::string_view obs_value(const Hl7Message& m, std::string_view code) {
  const Observation* o = find_obs(m, code);
  return o == nullptr ? std::string_view() : o->value;
}

std::optional<double> obs_number(const Hl7Message& m, std::string_view code) {
  const std::string_view v = obs_value(m, code);
  if (v.empty() || v.size() > 32) return std::nullopt;
  const std::string s(v);
  char* end = nullptr;
  const double d = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || *end != '\0' || !std::isfinite(d)) return std::nullopt;
  return d;
}

// The device a report speaks for: the entity id (or universal id) of the first equipment
// identifier (OBX-18, inherited from the top device level), else the sending application.
std::string device_identity(const Hl7Message& m) {
  for (const Observation& o : m.observations) {
    if (o.equipment_id.empty()) continue;
    std::string_view id = component(o.equipment_id, m.component_sep, 0);
    if (id.empty()) id = component(o.equipment_id, m.component_sep, 2);
    if (!id.empty()) return std::string(id);
  }
  return std::string(component(m.sending_application, m.component_sep, 0));
}

// True iff the report speaks for an infusion pump (IEEE 11073 pump device levels).
bool reports_a_pump(const Hl7Message& m) {
  for (const Observation& o : m.observations)
    if (o.code == "69985" || o.code == "69986" || o.code == "70049" || o.code == "70050" ||
        o.code_name.find("MDC_DEV_PUMP") != std::string_view::npos)
      return true;
  return false;
}

// A PCD-04 that ends the alarm or reports it inactive.
bool alarm_ended(const Hl7Message& m) {
  return iequals(obs_value(m, mdc::kEventPhase), "end") ||
         iequals(obs_value(m, mdc::kAlarmState), "inactive");
}

// A PCD-04 whose inactivation state silences the alarm (IEEE 11073-10101 alert inactivation).
bool alarm_switched_off(const Hl7Message& m) {
  const std::string_view v = obs_value(m, mdc::kInactivation);
  for (std::string_view off : {"alarm-off", "alarm-paused", "audio-off", "audio-paused"})
    if (iequals(v, off)) return true;
  return false;
}

std::string number(double v) {
  std::array<char, 32> buf{};
  std::snprintf(buf.data(), buf.size(), "%g", v);
  return buf.data();
}

TimeNs seconds(double s) { return static_cast<TimeNs>(s * 1e9); }

void add_message(AlertEvent& a, const Hl7Message& m) {
  a.evidence.emplace_back("message_type", std::string(m.message_type));
  a.evidence.emplace_back("profile", std::string(parsers::hl7::pcd_profile_name(m.pcd)));
  if (!m.control_id.empty())
    a.evidence.emplace_back("message_control_id", std::string(m.control_id));
}

}  // namespace

std::size_t ClinicalDetector::count(const std::string& key, TimeNs ts, TimeNs window,
                                    std::size_t cap) {
  auto it = counters_.find(key);
  if (it == counters_.end()) {
    if (counters_.size() >= kMaxCounters) {
      for (auto c = counters_.begin(); c != counters_.end();)
        c = c->second.empty() || c->second.back() < ts - window ? counters_.erase(c) : ++c;
      if (counters_.size() >= kMaxCounters) return 0;
    }
    it = counters_.emplace(key, Window{}).first;
  }
  Window& w = it->second;
  w.push_back(ts);
  while (!w.empty() && (w.front() < ts - window || w.size() > cap)) w.pop_front();
  return w.size();
}

bool ClinicalDetector::is_pump(const IpAddr& ip) {
  if (pump_hosts_.count(ip) != 0) return true;
  if (classes_ == nullptr) return false;
  return classes_->device_class(ip) == "infusion_pump";
}

void ClinicalDetector::on_event(const bus::EventContext& ctx, const bus::Event& e) {
  if (const auto* m = bus::event_cast<Hl7Message>(e)) {
    if (m->pcd == PcdProfile::kPcd01 || m->pcd == PcdProfile::kPcd04 ||
        m->pcd == PcdProfile::kPcd10)
      on_report(ctx, *m);
    if (!m->errors.empty()) on_rejections(ctx, *m);
    return;
  }
  if (const auto* p = bus::event_cast<clinical::InfusionProgram>(e)) {
    if (p->pump_id.empty()) return;
    if (orders_.size() >= kMaxDevices && orders_.count(std::string(p->pump_id)) == 0) {
      const TimeNs horizon = ctx.ts - seconds(policy_.thresholds.infusion_order_window_s);
      for (auto it = orders_.begin(); it != orders_.end();)
        it = it->second < horizon ? orders_.erase(it) : ++it;
      if (orders_.size() >= kMaxDevices) return;
    }
    orders_[std::string(p->pump_id)] = ctx.ts;
    return;
  }
  if (const auto* h = bus::event_cast<parsers::http::HttpTransaction>(e)) {
    const bool upload = h->method == "PUT" || h->method == "POST" || h->method == "PATCH";
    if (h->has_request && upload && h->request_body_len > 0 && is_pump(ctx.resp_h))
      on_upload(ctx, "HTTP " + std::string(h->method), std::string(h->uri));
    return;
  }
  if (const auto* c = bus::event_cast<flow::ConnRecord>(e)) {
    // A session the pump answered and the client sent data in; a scan's probe is not one.
    const bool ftp = ctx.proto == bus::Transport::kTcp && ctx.resp_p == 21;
    const bool tftp = ctx.proto == bus::Transport::kUdp && ctx.resp_p == 69;
    if ((ftp || tftp) && c->orig_bytes > 0 && c->resp_bytes > 0 && is_pump(ctx.resp_h))
      on_upload(ctx, ftp ? "FTP" : "TFTP", "");
  }
}

void ClinicalDetector::on_report(const bus::EventContext& ctx, const Hl7Message& m) {
  const std::string device = device_identity(m);
  if (device.empty()) return;
  const IpAddr& sender = ctx.src_h();
  const bool gateway = policy::Policy::find_host(policy_.roles.device_gateways, sender) != nullptr;
  if (!gateway && reports_a_pump(m) && pump_hosts_.size() < kMaxPumpHosts)
    pump_hosts_.insert(sender);

  auto it = devices_.find(device);
  if (it == devices_.end()) {
    if (devices_.size() >= kMaxDevices) return;
    it = devices_.emplace(device, Device{}).first;
    it->second.host = sender;
  } else if (it->second.host != sender && !gateway) {
    if (ctx.ts - it->second.last_seen > seconds(policy_.thresholds.report_rebind_s)) {
      it->second.host = sender;  // the device moved (new lease) after a silence
    } else {
      // Someone else speaks in this device's name. Its values are not the device's: keep them
      // out of the device's state.
      const bool suppression =
          m.pcd == PcdProfile::kPcd04 && (alarm_ended(m) || alarm_switched_off(m));
      AlertEvent a;
      a.device_id = device;
      a.src_role = "impostor";
      a.dst_role = "device observation consumer";
      if (suppression) {
        a.rule = "ward.infusion.alarm_suppression";
        a.severity = Severity::kCritical;
        a.technique = techniques::kAlarmSuppression;
        a.summary = "alarm of " + device + " ended or switched off by " + sender.to_string() +
                    ", which is not the host the device reports from (" +
                    it->second.host.to_string() + ")";
        a.evidence.emplace_back("event_phase", std::string(obs_value(m, mdc::kEventPhase)));
        a.evidence.emplace_back("alarm_state", std::string(obs_value(m, mdc::kAlarmState)));
        a.evidence.emplace_back("inactivation", std::string(obs_value(m, mdc::kInactivation)));
      } else {
        a.rule = "ward.clinical.spoofed_observation";
        a.severity = Severity::kHigh;
        a.technique = techniques::kSpoofReportingMessage;
        a.summary = std::string(parsers::hl7::pcd_profile_name(m.pcd)) + " report in the name of " +
                    device + " from " + sender.to_string() + ", but the device reports from " +
                    it->second.host.to_string();
      }
      a.alert_id = make_alert_id(a.rule, "", device + "|" + sender.to_string());
      add_message(a, m);
      a.evidence.emplace_back("device", device);
      a.evidence.emplace_back("sender", sender.to_string());
      a.evidence.emplace_back("device_host", it->second.host.to_string());
      a.evidence.emplace_back("sending_application", std::string(m.sending_application));
      raise(ctx, a);
      return;
    }
  }
  Device& d = it->second;
  d.last_seen = ctx.ts;
  const std::string_view app = component(m.sending_application, m.component_sep, 0);
  if (!app.empty() && app != device) d.aliases[0] = std::string(app);
  for (const Observation& o : m.observations) {
    if (o.equipment_id.empty()) continue;
    const std::string_view uid = component(o.equipment_id, m.component_sep, 2);
    if (!uid.empty() && uid != device) d.aliases[1] = std::string(uid);
    break;
  }
  // A PCD-10 is the pump's own account of an infusion event (programming at the pump): it
  // counts as the order for what follows.
  if (m.pcd == PcdProfile::kPcd10) orders_[device] = ctx.ts;
  on_values(ctx, m, device, d);
  if (m.pcd == PcdProfile::kPcd04) on_alarm(ctx, m, device);
}

void ClinicalDetector::on_values(const bus::EventContext& ctx, const Hl7Message& m,
                                 const std::string& device, Device& d) {
  const std::string_view version = obs_value(m, mdc::kLibraryVersion);
  if (!version.empty() && version != d.library_version) {
    const std::string old = d.library_version;
    d.library_version = std::string(version);
    const policy::MaintenanceWindow* window = policy_.maintenance_window_at(ctx.ts);
    if (!old.empty() && window == nullptr) {
      AlertEvent a;
      a.rule = "ward.infusion.drug_library_change";
      a.severity = Severity::kHigh;
      a.technique = techniques::kProgramDownload;
      a.alert_id = make_alert_id(a.rule, "", device + "|" + old + "|" + d.library_version);
      a.device_id = device;
      a.src_role = "infusion pump";
      a.dst_role = "device observation consumer";
      a.summary =
          "pump " + device + " now runs drug library " + d.library_version + " (was " + old + ")" +
          (policy_.maintenance_windows.empty() ? std::string(": no maintenance window is set")
                                               : std::string(" outside every maintenance window"));
      add_message(a, m);
      a.evidence.emplace_back("previous_version", old);
      a.evidence.emplace_back("version", d.library_version);
      if (!policy_.drug_library_version.empty())
        a.evidence.emplace_back("policy_version", policy_.drug_library_version);
      raise(ctx, a);
    }
    if (!policy_.drug_library_version.empty() &&
        d.library_version != policy_.drug_library_version) {
      AlertEvent a;
      a.rule = "ward.infusion.drug_library_mismatch";
      a.severity = Severity::kMedium;
      a.technique = techniques::kModifyParameter;
      a.alert_id = make_alert_id(a.rule, "", device + "|" + d.library_version);
      a.device_id = device;
      a.src_role = "infusion pump";
      a.dst_role = "device observation consumer";
      a.summary = "pump " + device + " runs drug library " + d.library_version +
                  ", not the hospital's " + policy_.drug_library_version;
      add_message(a, m);
      a.evidence.emplace_back("version", d.library_version);
      a.evidence.emplace_back("policy_version", policy_.drug_library_version);
      if (window != nullptr) a.evidence.emplace_back("maintenance_window", window->name);
      raise(ctx, a);
    }
  }

  if (m.pcd != PcdProfile::kPcd01) return;  // PCD-10 values are the pump's own events
  const auto check = [&](std::string_view code, std::string_view quantity, double& last) {
    const std::optional<double> v = obs_number(m, code);
    if (!v) return;
    const double before = last;
    last = *v;
    if (before < 0 || *v == 0 || std::fabs(*v - before) <= 1e-9 * std::max(1.0, before)) return;
    const TimeNs horizon = ctx.ts - seconds(policy_.thresholds.infusion_order_window_s);
    for (const std::string* name :
         std::array<const std::string*, 3>{&device, &d.aliases[0], &d.aliases[1]}) {
      if (name->empty()) continue;
      const auto o = orders_.find(*name);
      if (o != orders_.end() && o->second >= horizon) return;  // ordered
    }
    AlertEvent a;
    a.rule = "ward.infusion.unordered_change";
    a.severity = Severity::kMedium;
    a.technique = techniques::kModifyParameter;
    a.alert_id = make_alert_id(a.rule, "", device + "|" + std::string(quantity) + "|" + number(*v));
    a.device_id = device;
    a.src_role = "infusion pump";
    a.dst_role = "device observation consumer";
    a.summary = "pump " + device + " reports " + std::string(quantity) + " " + number(*v) +
                " (was " + number(before) +
                ") with no PCD-03 order or pump event for it in the last " +
                number(policy_.thresholds.infusion_order_window_s) + " s";
    add_message(a, m);
    a.evidence.emplace_back("field", std::string(quantity));
    a.evidence.emplace_back("value", number(*v));
    a.evidence.emplace_back("previous_value", number(before));
    raise(ctx, a);
  };
  check(mdc::kFlowRate, "rate", d.rate);
  check(mdc::kDoseRate, "dose_rate", d.dose_rate);
}

void ClinicalDetector::on_alarm(const bus::EventContext& ctx, const Hl7Message& m,
                                const std::string& device) {
  const auto& t = policy_.thresholds;
  const TimeNs window = seconds(t.alarm_window_s);
  const auto storm_cap = static_cast<std::size_t>(t.alarm_storm_count);
  if (count("storm|" + device, ctx.ts, window, storm_cap) >= storm_cap) {
    AlertEvent a;
    a.rule = "ward.infusion.alarm_storm";
    a.severity = Severity::kMedium;
    a.technique = techniques::kAlarmSuppression;
    a.alert_id = make_alert_id(a.rule, "", device + "|" + std::to_string(ctx.ts / window));
    a.device_id = device;
    a.src_role = "alert reporter";
    a.dst_role = "alert manager";
    a.summary = device + " reported " + std::to_string(storm_cap) + " alarms within " +
                number(t.alarm_window_s) + " s: an alarm storm hides the alarms that matter";
    add_message(a, m);
    a.evidence.emplace_back("alarms", std::to_string(storm_cap));
    a.evidence.emplace_back("window_s", number(t.alarm_window_s));
    raise(ctx, a);
  }
  if (!alarm_switched_off(m)) return;
  const std::string sender = ctx.src_h().to_string();
  const auto cap = static_cast<std::size_t>(t.alarm_inactivations);
  if (count("off|" + sender, ctx.ts, window, cap) >= cap) {
    AlertEvent a;
    a.rule = "ward.infusion.alarm_inactivation_burst";
    a.severity = Severity::kHigh;
    a.technique = techniques::kAlarmSuppression;
    a.alert_id = make_alert_id(a.rule, "", sender + "|" + std::to_string(ctx.ts / window));
    a.device_id = device;
    a.src_role = "alert reporter";
    a.dst_role = "alert manager";
    a.summary = sender + " switched off or paused " + std::to_string(cap) + " alarms within " +
                number(t.alarm_window_s) + " s";
    add_message(a, m);
    a.evidence.emplace_back("inactivation", std::string(obs_value(m, mdc::kInactivation)));
    a.evidence.emplace_back("count", std::to_string(cap));
    raise(ctx, a);
  }
}

void ClinicalDetector::on_rejections(const bus::EventContext& ctx, const Hl7Message& m) {
  for (const parsers::hl7::ErrorInfo& err : m.errors) {
    if (err.app_code != "9018") continue;
    const auto& t = policy_.thresholds;
    const auto cap = static_cast<std::size_t>(t.infusion_rejections);
    const TimeNs window = seconds(t.infusion_rejection_window_s);
    // The consumer (pump server or pump) answers the programmer: key by both.
    const std::string key = ctx.src_h().to_string() + ">" + ctx.dst_h().to_string();
    if (count("9018|" + key, ctx.ts, window, cap) < cap) continue;
    AlertEvent a;
    a.rule = "ward.infusion.library_rejections";
    a.severity = Severity::kHigh;
    a.technique = techniques::kModifyParameter;
    a.alert_id = make_alert_id(a.rule, "", key + "|" + std::to_string(ctx.ts / window));
    a.src_role = "infusion order consumer";
    a.dst_role = "programmer";
    a.summary = std::to_string(cap) + " orders from " + ctx.dst_h().to_string() +
                " rejected as not matching the drug library (9018) within " +
                number(t.infusion_rejection_window_s) + " s: someone is probing the limits";
    add_message(a, m);
    a.evidence.emplace_back("error", std::string(err.app_code));
    if (!err.text.empty()) a.evidence.emplace_back("error_text", std::string(err.text));
    raise(ctx, a);
  }
}

void ClinicalDetector::on_upload(const bus::EventContext& ctx, std::string_view how,
                                 std::string_view detail) {
  const policy::Programmer* programmer = policy_.find_programmer(ctx.orig_h);
  if (programmer != nullptr) return;  // the pump server installing a library
  AlertEvent a;
  a.rule = "ward.infusion.file_transfer";
  a.severity = policy_.programmers.empty() ? Severity::kMedium : Severity::kHigh;
  a.technique = techniques::kProgramDownload;
  a.alert_id = make_alert_id(
      a.rule, "", ctx.orig_h.to_string() + ">" + ctx.resp_h.to_string() + "|" + std::string(how));
  a.src_role = "uploader";
  a.dst_role = "infusion pump";
  a.summary = std::string(how) + " transfer to pump " + ctx.resp_h.to_string() + " from " +
              ctx.orig_h.to_string() +
              (policy_.programmers.empty() ? std::string(" (no authorised programmers are listed)")
                                           : std::string(", which may not program pumps"));
  a.evidence.emplace_back("transfer", std::string(how));
  if (!detail.empty()) a.evidence.emplace_back("uri", std::string(detail));
  a.evidence.emplace_back("sender", ctx.orig_h.to_string());
  // HTTP transactions and connection records arrive in the response's or no direction: src is
  // the client that sent the file.
  bus::EventContext from_client = ctx;
  from_client.dir = bus::Direction::kToServer;
  raise(from_client, a);
}

}  // namespace ward::detect
