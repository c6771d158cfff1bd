#include "detect/segmentation_detector.h"

#include <algorithm>

#include "flow/flow_events.h"

namespace ward::detect {
namespace {

std::string port_text(bus::Transport proto, std::uint16_t port) {
  std::string out(bus::transport_name(proto));
  if (proto == bus::Transport::kTcp || proto == bus::Transport::kUdp)
    out += "/" + std::to_string(port);
  return out;
}

// The conduits between two zones, either way, as the evidence of what was searched.
std::string conduits_between(const policy::Policy& p, policy::ZoneId a, policy::ZoneId b) {
  std::string out;
  for (const policy::Conduit& c : p.conduits) {
    const bool forward = c.from_id == a && c.to_id == b;
    const bool backward = c.from_id == b && c.to_id == a;
    if (!forward && !backward) continue;
    if (!out.empty()) out += "; ";
    out += c.from + (c.bidirectional ? " <-> " : " -> ") + c.to + " [";
    for (std::size_t i = 0; i < c.ports.size(); ++i) {
      if (i > 0 && c.ports[i].text == c.ports[i - 1].text) continue;  // "dicom" twice
      out += (i == 0 ? "" : ", ") + c.ports[i].text;
    }
    out += "] at " + c.where;
  }
  return out.empty() ? "none between these zones" : out;
}

}  // namespace

policy::ZoneId SegmentationDetector::zone_of(const IpAddr& ip) const {
  const policy::ZoneId z = policy_.zone_of(ip);
  if (z != policy::kUnzoned || classes_ == nullptr) return z;
  return policy_.zone_for_class(classes_->device_class(ip));
}

void SegmentationDetector::on_event(const bus::EventContext& ctx, const bus::Event& e) {
  if (policy_.zones.empty()) return;
  if (bus::event_cast<flow::FlowStart>(e) != nullptr) {
    check_flow(ctx);
    return;
  }
  if (e.kind == bus::EventKind::kConnRecord && classes_ != nullptr &&
      ctx.ts - last_sweep_ >= kNsPerSec * 10) {
    // Decide the hosts whose identification grace has passed (at most every 10 s of packets).
    last_sweep_ = ctx.ts;
    bool refreshed = false;
    for (auto& [ip, h] : medical_hosts_) {
      if (h.decided || ctx.ts - h.first_ts < kIdentifyGrace) continue;
      if (!refreshed) classes_->refresh(ctx.ts, false);
      refreshed = true;
      decide(ip, h);
    }
  }
}

void SegmentationDetector::on_finish() {
  if (policy_.zones.empty() || classes_ == nullptr) return;
  classes_->refresh(0, true);
  for (auto& [ip, h] : medical_hosts_)
    if (!h.decided) decide(ip, h);
}

void SegmentationDetector::check_flow(const bus::EventContext& in) {
  if (!policy::is_unicast(in.orig_h) || !policy::is_unicast(in.resp_h)) return;
  if (classes_ != nullptr && class_zones_) classes_->refresh(in.ts, false);
  const policy::ZoneId zo = zone_of(in.orig_h);
  const policy::ZoneId zr = zone_of(in.resp_h);
  const policy::Zone* orig_zone = policy_.zone(zo);
  const policy::Zone* resp_zone = policy_.zone(zr);
  if (classes_ != nullptr) {
    if (orig_zone != nullptr && orig_zone->medical) note_host(in.orig_h, zo, in);
    if (resp_zone != nullptr && resp_zone->medical) note_host(in.resp_h, zr, in);
  }
  if (!policy_.needs_conduit(zo, zr)) return;
  if (policy_.conduit_allowing(zo, zr, in.proto, in.resp_p) != nullptr) return;

  bus::EventContext ctx = in;
  ctx.dir = bus::Direction::kToServer;  // the alert is about the originator's connection
  const std::string port = port_text(in.proto, in.resp_p);
  const std::string_view app = policy::application_of(in.proto, in.resp_p);
  const std::string orig_name(policy_.zone_name(zo));
  const std::string resp_name(policy_.zone_name(zr));
  const bool medical_internet =
      (zo == policy::kInternet && resp_zone != nullptr && resp_zone->medical) ||
      (zr == policy::kInternet && orig_zone != nullptr && orig_zone->medical);
  AlertEvent a;
  a.rule = medical_internet ? "ward.segmentation.medical_internet"
                            : "ward.segmentation.conduit_violation";
  a.technique =
      medical_internet ? techniques::kInternetAccessibleDevice : techniques::kRemoteServices;
  const bool medical =
      (orig_zone != nullptr && orig_zone->medical) || (resp_zone != nullptr && resp_zone->medical);
  a.severity = medical ? Severity::kHigh : Severity::kMedium;
  const std::string key = orig_name + ">" + resp_name + "|" + in.orig_h.to_string() + ">" +
                          in.resp_h.to_string() + "|" + port;
  a.alert_id = make_alert_id(a.rule, "", key);

  // Bounded per originator (a scan across a zone boundary is one story, not thousands) and per
  // responder (a flood from many, possibly spoofed, sources).
  if (per_source_.size() >= kMaxTrackedHosts) per_source_.clear();
  if (per_target_.size() >= kMaxTrackedHosts) per_target_.clear();
  std::size_t& n_src = per_source_[in.orig_h.to_string()];
  std::size_t& n_dst = per_target_[in.resp_h.to_string()];
  if (n_src > kMaxAlertsPerSource || n_dst > kMaxAlertsPerSource) return;
  const bool src_full = n_src == kMaxAlertsPerSource;
  const bool dst_full = n_dst == kMaxAlertsPerSource;
  if (src_full || dst_full) {
    if (was_raised(a.alert_id)) return;
    a.alert_id = make_alert_id(
        a.rule, "",
        src_full ? "more|" + in.orig_h.to_string() : "more-to|" + in.resp_h.to_string());
  }
  std::string summary;
  if (src_full) {
    summary = in.orig_h.to_string() + " (" + orig_name +
              ") keeps opening flows no conduit allows; after " +
              std::to_string(kMaxAlertsPerSource) +
              " alerts, further ones from this host are not raised one by one";
  } else if (dst_full) {
    summary = in.resp_h.to_string() + " (" + resp_name +
              ") keeps receiving flows no conduit allows; after " +
              std::to_string(kMaxAlertsPerSource) +
              " alerts, further ones to this host are not raised one by one";
  } else if (medical_internet) {
    summary = zo == policy::kInternet
                  ? "internet host " + in.orig_h.to_string() + " reached medical zone " +
                        resp_name + " (" + in.resp_h.to_string() + ", " + port + ")"
                  : "medical zone " + orig_name + " host " + in.orig_h.to_string() +
                        " talks to the internet (" + in.resp_h.to_string() + ", " + port + ")";
  } else {
    summary = "no conduit allows " + orig_name + " -> " + resp_name + " " + port + " (" +
              in.orig_h.to_string() + " -> " + in.resp_h.to_string() + ")";
  }
  a.summary = std::move(summary);
  a.src_role = "originator";
  a.dst_role = "responder";
  a.evidence.emplace_back("src_zone", orig_name);
  a.evidence.emplace_back("dst_zone", resp_name);
  a.evidence.emplace_back("port", port);
  if (!app.empty()) a.evidence.emplace_back("application", std::string(app));
  a.evidence.emplace_back("conduits_searched", conduits_between(policy_, zo, zr));
  for (const policy::Zone* z : {orig_zone, resp_zone}) {
    if (z == nullptr) continue;
    a.evidence.emplace_back(z == orig_zone ? "src_zone_where" : "dst_zone_where", z->where);
    if (z->security_level > 0)
      a.evidence.emplace_back(z == orig_zone ? "src_zone_sl" : "dst_zone_sl",
                              "SL" + std::to_string(z->security_level));
  }
  if (raise(ctx, a)) {
    ++n_src;
    ++n_dst;
  }
}

void SegmentationDetector::note_host(const IpAddr& ip, policy::ZoneId z,
                                     const bus::EventContext& ctx) {
  auto it = medical_hosts_.find(ip);
  if (it == medical_hosts_.end()) {
    if (medical_hosts_.size() >= kMaxTrackedHosts) return;  // bounded: later hosts unchecked
    Host h;
    h.zone = z;
    h.first_ts = ctx.ts;
    h.uid = std::string(ctx.uid);
    it = medical_hosts_.emplace(ip, std::move(h)).first;
  }
  it->second.last_ts = std::max(it->second.last_ts, ctx.ts);
}

void SegmentationDetector::decide(const IpAddr& ip, Host& h) {
  h.decided = true;
  const policy::Zone* zone = policy_.zone(h.zone);
  if (zone == nullptr) return;
  const std::string_view cls = classes_->device_class(ip);
  const bool listed = std::find(zone->device_classes.begin(), zone->device_classes.end(), cls) !=
                      zone->device_classes.end();
  const bool unidentified = cls.empty() || cls == "unknown";
  if (zone->device_classes.empty() ? !unidentified : listed) return;
  AlertEvent a;
  a.rule = "ward.segmentation.unknown_device";
  a.technique = techniques::kRogueMaster;
  a.severity = Severity::kHigh;
  a.alert_id = make_alert_id(a.rule, "", zone->name + "|" + ip.to_string());
  a.summary = unidentified ? "a device the inventory cannot identify is in medical zone " +
                                 zone->name + " (" + ip.to_string() + ")"
                           : "a " + std::string(cls) + " is in medical zone " + zone->name +
                                 ", which does not list that class (" + ip.to_string() + ")";
  a.src_role = "device";
  a.evidence.emplace_back("zone", zone->name);
  a.evidence.emplace_back("device_class", std::string(unidentified ? "unknown" : cls));
  std::string allowed;
  for (const std::string& c : zone->device_classes) allowed += (allowed.empty() ? "" : ", ") + c;
  a.evidence.emplace_back("zone_device_classes", allowed.empty() ? "(any identified)" : allowed);
  a.evidence.emplace_back("zone_where", zone->where);
  bus::EventContext ctx;
  ctx.ts = h.last_ts;
  ctx.uid = h.uid;
  ctx.orig_h = ip;
  raise(ctx, a);
}

}  // namespace ward::detect
