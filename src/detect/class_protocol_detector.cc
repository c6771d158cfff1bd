#include "detect/class_protocol_detector.h"

#include "detect/segmentation_detector.h"
#include "flow/flow_events.h"

namespace ward::detect {

void ClassProtocolDetector::on_event(const bus::EventContext& ctx, const bus::Event& e) {
  const auto* conn = bus::event_cast<flow::ConnRecord>(e);
  if (conn == nullptr || classes_ == nullptr || policy_.device_protocols.empty()) return;
  const std::string_view protocol = policy::flow_protocol(ctx.service, ctx.proto, ctx.resp_p);
  if (protocol.empty() || protocol == "telnet" || protocol == "ftp") return;
  // Only an exchange counts: a scan's probe of a closed port is neither side's protocol (the
  // scan detector reports scans), and an unanswered attempt names a port, not a protocol.
  const bool answered = conn->resp_pkts > 0 && (ctx.proto != bus::Transport::kTcp ||
                                                conn->resp_bytes > 0 || conn->conn_state == "SF");
  if (!answered) return;
  classes_->refresh(ctx.ts, false);
  if (policy::is_unicast(ctx.orig_h)) check(ctx, ctx.orig_h, ctx.resp_h, false, protocol);
  if (policy::is_unicast(ctx.resp_h)) check(ctx, ctx.resp_h, ctx.orig_h, true, protocol);
}

void ClassProtocolDetector::check(const bus::EventContext& in, const IpAddr& device,
                                  const IpAddr& peer, bool server, std::string_view protocol) {
  const std::string_view cls = classes_->device_class(device);
  const policy::ClassProtocols* allowed = policy_.protocols_for(cls);
  if (allowed == nullptr) return;
  for (const std::string& p : allowed->protocols)
    if (p == protocol) return;
  AlertEvent a;
  a.rule = "ward.segmentation.unexpected_protocol";
  a.technique = techniques::kRemoteServices;
  a.severity = policy::is_medical_class(cls) ? Severity::kHigh : Severity::kMedium;
  const std::string dev = device.to_string();
  const std::string proto(protocol);
  a.alert_id = make_alert_id(a.rule, "", dev + "|" + (server ? "server " : "client ") + proto);
  std::string list;
  for (const std::string& p : allowed->protocols) list += (list.empty() ? "" : ", ") + p;
  const std::string port = std::string(bus::transport_name(in.proto)) +
                           (in.proto == bus::Transport::kTcp || in.proto == bus::Transport::kUdp
                                ? "/" + std::to_string(in.resp_p)
                                : "");
  a.summary = std::string(cls) + " " + dev + (server ? " serves " : " uses ") + proto +
              (server ? " to " : " with ") + peer.to_string() + " (" + port +
              "), a protocol its class does not use";
  a.src_role = server ? "client" : std::string(cls);
  a.dst_role = server ? std::string(cls) : "server";
  a.evidence.emplace_back("device_class", std::string(cls));
  a.evidence.emplace_back("protocol", proto);
  a.evidence.emplace_back("role", server ? "server" : "client");
  a.evidence.emplace_back("port", port);
  a.evidence.emplace_back("class_protocols", list);
  a.evidence.emplace_back("class_protocols_where", allowed->where);
  bus::EventContext ctx = in;
  ctx.dir = bus::Direction::kToServer;
  raise(ctx, a);
}

}  // namespace ward::detect
