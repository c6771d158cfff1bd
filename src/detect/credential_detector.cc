#include "detect/credential_detector.h"

#include "detect/segmentation_detector.h"
#include "parsers/http/http_events.h"
#include "parsers/mqtt/mqtt_events.h"
#include "parsers/rtsp/rtsp_events.h"

namespace ward::detect {

// What one accepted request tells, whichever protocol carried it.
struct CredentialDetector::Accepted {
  std::string_view protocol;  // "rtsp", "http"
  std::string_view scheme;    // "Basic", "Digest", "url"
  std::string_view user;
  parsers::auth::Weakness weakness = parsers::auth::Weakness::kNone;
  std::string_view detail;
  std::string_view method;
  std::string_view uri;
  int status = 0;
  std::string_view server;
};

void CredentialDetector::on_event(const bus::EventContext& ctx, const bus::Event& e) {
  using parsers::auth::Weakness;
  if (const auto* t = bus::event_cast<parsers::rtsp::RtspTransaction>(e)) {
    const parsers::rtsp::RtspRequest* r = t->request;
    if (r == nullptr || r->credential_weakness == Weakness::kNone) return;
    if (!t->has_response || t->status < 200 || t->status >= 400) return;
    Accepted a;
    a.protocol = "rtsp";
    a.scheme = r->auth_scheme.empty() ? std::string_view("url") : std::string_view(r->auth_scheme);
    a.user = r->auth_user.empty() ? r->url_user : r->auth_user;
    a.weakness = r->credential_weakness;
    a.detail = r->credential_detail;
    a.method = r->method;
    a.uri = r->uri;
    a.status = t->status;
    a.server = t->server;
    report(ctx, a);
    return;
  }
  if (const auto* t = bus::event_cast<parsers::http::HttpTransaction>(e)) {
    if (t->credential_weakness == Weakness::kNone || !t->has_response) return;
    if (t->status_code < 200 || t->status_code >= 400) return;
    Accepted a;
    a.protocol = "http";
    a.scheme = parsers::http::auth_scheme_name(t->auth_scheme);
    a.user = t->username;
    a.weakness = t->credential_weakness;
    a.detail = t->credential_detail;
    a.method = t->method;
    a.uri = t->uri;
    a.status = t->status_code;
    a.server = t->server;
    report(ctx, a);
    return;
  }
  if (const auto* t = bus::event_cast<parsers::mqtt::MqttTransaction>(e)) {
    using Kind = parsers::mqtt::MqttTransaction::Kind;
    if (t->kind != Kind::kConnect || t->credentials.weakness == Weakness::kNone) return;
    if (t->connack_code != std::uint8_t{0}) return;  // 0: accepted (3.1.1 and 5.0)
    Accepted a;
    a.protocol = "mqtt";
    a.scheme = "CONNECT";
    a.user = t->username;
    a.weakness = t->credentials.weakness;
    a.detail = t->credentials.detail;
    a.method = "CONNECT";
    a.uri = t->client_id;
    a.status = 0;
    report(ctx, a);
  }
}

void CredentialDetector::report(const bus::EventContext& ctx, const Accepted& in) {
  const bool factory = in.weakness == parsers::auth::Weakness::kDefault;
  const std::string_view cls = classes_ != nullptr ? classes_->device_class(ctx.resp_h) : "";
  const std::string device =
      (cls.empty() || cls == "unknown" ? std::string("server") : std::string(cls)) + " " +
      ctx.resp_h.to_string();
  AlertEvent a;
  a.rule = factory ? "ward.auth.default_credentials" : "ward.auth.weak_credentials";
  a.severity = factory ? Severity::kHigh : Severity::kMedium;
  a.technique = factory ? techniques::kDefaultCredentials : techniques::kValidAccounts;
  a.alert_id = make_alert_id(a.rule, "", ctx.resp_h.to_string() + "|" + std::string(in.user));
  a.src_role = "client";
  a.dst_role = cls.empty() || cls == "unknown" ? "server" : std::string(cls);
  a.summary = device + " accepted " +
              (factory ? "the " + std::string(in.detail) + " (" + std::string(in.user) + ")"
                       : "a weak password for " + std::string(in.user) + " (" +
                             std::string(in.detail) + ")") +
              " over " + std::string(in.protocol) + " from " + ctx.orig_h.to_string();
  a.evidence.emplace_back("protocol", std::string(in.protocol));
  a.evidence.emplace_back("scheme", std::string(in.scheme));
  a.evidence.emplace_back("user", std::string(in.user));
  a.evidence.emplace_back("credentials", std::string(parsers::auth::weakness_name(in.weakness)));
  a.evidence.emplace_back("why", std::string(in.detail));
  a.evidence.emplace_back("method", std::string(in.method));
  a.evidence.emplace_back(in.protocol == "mqtt" ? "client_id" : "uri", std::string(in.uri));
  a.evidence.emplace_back("status", std::to_string(in.status));
  if (!in.server.empty()) a.evidence.emplace_back("server", std::string(in.server));
  bus::EventContext from_client = ctx;  // published with the response: src is the client
  from_client.dir = bus::Direction::kToServer;
  raise(from_client, a);
}

}  // namespace ward::detect
