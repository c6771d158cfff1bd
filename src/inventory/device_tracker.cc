#include "inventory/device_tracker.h"

#include "clinical/infusion.h"
#include "flow/flow_events.h"
#include "parsers/hl7_mllp/hl7_events.h"
#include "parsers/mqtt/mqtt_events.h"

namespace ward::inventory {

void DeviceTracker::add(std::set<std::string>& s, std::string v) {
  if (v.empty() || s.size() >= kMaxNames) return;
  s.insert(std::move(v));
}

Device* DeviceTracker::get(const IpAddr& ip, TimeNs ts) {
  auto it = devices_.find(ip);
  if (it == devices_.end()) {
    if (devices_.size() >= max_devices_) {
      ++dropped_;
      return nullptr;
    }
    it = devices_.emplace(ip, Device{}).first;
    it->second.ip = ip;
    it->second.first_seen = ts;
  }
  Device& d = it->second;
  d.first_seen = std::min(d.first_seen, ts);
  d.last_seen = std::max(d.last_seen, ts);
  return &d;
}

void DeviceTracker::on_event(const bus::EventContext& ctx, const bus::Event& e) {
  if (const auto* c = bus::event_cast<flow::ConnRecord>(e)) {
    Device* o = get(ctx.orig_h, ctx.ts);
    Device* r = get(ctx.resp_h, ctx.ts);
    const TimeNs end = ctx.ts + c->duration;
    if (o != nullptr) {
      o->last_seen = std::max(o->last_seen, end);
      ++o->flows;
      o->bytes += c->orig_ip_bytes;
      if (!ctx.orig_mac.is_zero()) o->mac = ctx.orig_mac;
      if (!ctx.service.empty()) add(o->services_used, std::string(ctx.service));
    }
    if (r != nullptr) {
      r->last_seen = std::max(r->last_seen, end);
      ++r->flows;
      r->bytes += c->resp_ip_bytes;
      if (!ctx.resp_mac.is_zero()) r->mac = ctx.resp_mac;
      if (!ctx.service.empty()) add(r->services_offered, std::string(ctx.service));
    }
    return;
  }
  if (const auto* m = bus::event_cast<parsers::hl7::Hl7Message>(e)) {
    Device* s = get(ctx.src_h(), ctx.ts);
    if (s == nullptr) return;
    std::string app(m->sending_application);
    if (!m->sending_facility.empty()) app += "@" + std::string(m->sending_facility);
    add(s->names, "hl7:" + app);
    const bool ack = m->pcd == parsers::hl7::PcdProfile::kAck || m->message_code == "ACK";
    add(s->roles, ack ? "hl7 receiver" : "hl7 sender");
    for (const auto& obx : m->observations) add(s->device_ids, std::string(obx.equipment_id));
    return;
  }
  if (const auto* t = bus::event_cast<parsers::mqtt::MqttTransaction>(e)) {
    if (t->kind != parsers::mqtt::MqttTransaction::Kind::kConnect) return;
    if (Device* c = get(ctx.orig_h, ctx.ts)) {
      add(c->names, "mqtt-client:" + t->client_id);
      add(c->roles, "mqtt client");
    }
    if (Device* b = get(ctx.resp_h, ctx.ts)) add(b->roles, "mqtt broker");
    return;
  }
  if (const auto* p = bus::event_cast<clinical::InfusionProgram>(e)) {
    if (Device* s = get(ctx.src_h(), ctx.ts)) {
      add(s->roles, "pump programmer");
      add(s->device_ids, std::string(p->pump_id));
    }
  }
}

}  // namespace ward::inventory
