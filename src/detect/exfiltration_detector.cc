#include "detect/exfiltration_detector.h"

#include "detect/segmentation_detector.h"
#include "flow/flow_events.h"
#include "parsers/http/http_events.h"
#include "parsers/mqtt/mqtt_events.h"

namespace ward::detect {

void ExfiltrationDetector::on_event(const bus::EventContext& ctx, const bus::Event& e) {
  if (policy_.roles.upload_destinations.empty() || classes_ == nullptr) return;
  if (const auto* m = bus::event_cast<parsers::mqtt::MqttMessage>(e)) {
    if (m->type == parsers::mqtt::PacketType::kPublish && ctx.dir == bus::Direction::kToServer)
      check(ctx, "MQTT PUBLISH", m->topic, m->payload.size());
    return;
  }
  if (const auto* h = bus::event_cast<parsers::http::HttpTransaction>(e)) {
    const bool upload = h->method == "PUT" || h->method == "POST" || h->method == "PATCH";
    if (h->has_request && upload && h->request_body_len > 0)
      check(ctx, "HTTP " + std::string(h->method), h->uri, h->request_body_len);
    return;
  }
  if (const auto* c = bus::event_cast<flow::ConnRecord>(e)) {
    if (static_cast<double>(c->orig_bytes) >= policy_.thresholds.exfiltration_bytes)
      check(ctx, "connection", ctx.service, c->orig_bytes);
  }
}

void ExfiltrationDetector::check(const bus::EventContext& ctx, std::string_view how,
                                 std::string_view detail, std::uint64_t bytes) {
  // The originator is the device sending its data (MQTT client, HTTP client, uploader).
  const IpAddr& device = ctx.orig_h;
  const IpAddr& dest = ctx.resp_h;
  classes_->refresh(ctx.ts, false);
  const std::string_view cls = classes_->device_class(device);
  if (!policy_.uploads_restricted(cls) || policy_.upload_destination(cls, dest) != nullptr) return;
  AlertEvent a;
  a.rule = "ward.privacy.exfiltration";
  a.severity = Severity::kHigh;
  a.technique = techniques::kTheftOfOperationalInformation;
  a.alert_id = make_alert_id(a.rule, "", device.to_string() + ">" + dest.to_string());
  a.src_role = std::string(cls);
  a.dst_role = "unlisted destination";
  std::string listed;
  for (const policy::HostGroup& g : policy_.roles.upload_destinations)
    for (const std::string& c : g.device_classes)
      if (c == cls) listed += (listed.empty() ? "" : ", ") + g.name;
  a.summary = std::string(cls) + " " + device.to_string() + " sends its data (" + std::string(how) +
              ") to " + dest.to_string() + ", which is not one of its upload destinations (" +
              listed + ")";
  a.evidence.emplace_back("transfer", std::string(how));
  if (!detail.empty())
    a.evidence.emplace_back(how == "MQTT PUBLISH" ? "topic" : "detail", std::string(detail));
  a.evidence.emplace_back("bytes", std::to_string(bytes));
  a.evidence.emplace_back("destination", dest.to_string());
  a.evidence.emplace_back("allowed_destinations", listed);
  // An HTTP transaction is published with its response: src is the uploading device.
  bus::EventContext from_device = ctx;
  from_device.dir = bus::Direction::kToServer;
  raise(from_device, a);
}

}  // namespace ward::detect
