#include "parsers/rtsp/rtsp_log.h"

#include <array>
#include <string_view>

#include "bus/log_fields.h"
#include "common/json_writer.h"
#include "parsers/rtsp/rtsp_events.h"

namespace ward::parsers::rtsp {
namespace {

void write_if(JsonWriter& w, std::string_view key, std::string_view value) {
  if (!value.empty()) w.kv(key, value);
}

// "5000-5001", "5000", or nothing.
void write_range(JsonWriter& w, std::string_view key, const std::array<int, 2>& r) {
  if (r[0] < 0) return;
  std::string v = std::to_string(r[0]);
  if (r[1] >= 0) v += "-" + std::to_string(r[1]);
  w.kv(key, v);
}

void write_transport(JsonWriter& w, const TransportInfo& t) {
  w.kv("transport", t.raw);
  w.kv("lower_transport", t.tcp() ? "tcp" : "udp");
  w.kv("cast", t.multicast ? "multicast" : "unicast");
  w.kv("srtp", t.srtp());
  write_range(w, "client_port", t.client_port);
  write_range(w, "server_port", t.server_port);
  write_range(w, "interleaved", t.interleaved);
  write_if(w, "destination", t.destination);
}

void write_sdp(JsonWriter& w, const SdpSummary& sdp) {
  if (sdp.crypto) w.kv("sdp_crypto", true);
  w.key("media").begin_array();
  for (const SdpMedia& m : sdp.media) {
    w.begin_object();
    w.kv("type", m.media);
    w.kv("port", m.port);
    write_if(w, "proto", m.proto);
    write_if(w, "formats", m.formats);
    if (!m.codecs.empty()) {
      w.key("codecs").begin_array();
      for (const std::string& c : m.codecs) w.value(c);
      w.end_array();
    }
    w.end_object();
  }
  w.end_array();
}

}  // namespace

void RtspLog::on_event(const bus::EventContext& ctx, const bus::Event& event) {
  const auto* tx = bus::event_cast<RtspTransaction>(event);
  if (tx == nullptr) return;
  line_.clear();
  format(line_, ctx, *tx);
  sink_.write("rtsp", line_);
}

void RtspLog::format(std::string& out, const bus::EventContext& ctx, const RtspTransaction& tx) {
  const RtspRequest* r = tx.request;
  JsonWriter w(out);
  w.begin_object();
  bus::write_conn_id(w, ctx, r != nullptr ? r->ts : tx.response_ts);
  if (r != nullptr) {
    if (r->dir == bus::Direction::kToClient) w.kv("from_server", true);
    w.kv("method", r->method);
    w.kv("uri", r->uri);
    write_if(w, "url_user", r->url_user);
    if (r->credentials_in_url) w.kv("credentials_in_url", true);
    w.kv("version", r->version);
    if (r->has_cseq) w.kv("cseq", r->cseq);
    write_if(w, "user_agent", r->user_agent);
    write_if(w, "auth_scheme", r->auth_scheme);
    write_if(w, "username", r->auth_user);
    write_if(w, "credentials", auth::weakness_name(r->credential_weakness));
    if (r->body_bytes > 0) w.kv("request_body_len", r->body_bytes);
  } else if (tx.response_has_cseq) {
    w.kv("cseq", tx.response_cseq);
  }
  if (tx.has_response) {
    w.kv("status", tx.status);
    write_if(w, "reason", tx.reason);
    write_if(w, "server", tx.server);
    if (tx.response_body_bytes > 0) w.kv("response_body_len", tx.response_body_bytes);
    write_if(w, "content_type", tx.content_type);
    write_if(w, "www_authenticate", tx.www_authenticate);
  }
  write_if(w, "auth_result", tx.auth_result);
  // The session a request names, else the one the response assigns (SETUP).
  const std::string_view session =
      r != nullptr && !r->session.empty() ? std::string_view(r->session) : tx.session;
  write_if(w, "session", session);
  if (tx.response_transport != nullptr) {
    write_transport(w, *tx.response_transport);
    // What the client asked for, when the server answered with its choice.
    if (r != nullptr && r->transport.present()) w.kv("request_transport", r->transport.raw);
  } else if (r != nullptr && r->transport.present()) {
    write_transport(w, r->transport);
  }
  if (tx.response_sdp != nullptr) {
    write_sdp(w, *tx.response_sdp);
  } else if (r != nullptr && r->sdp.present) {
    write_sdp(w, r->sdp);
  }
  w.end_object();
}

std::unique_ptr<bus::Subscriber> make_rtsp_log(bus::LogSink& sink, const LogOptions& /*options*/) {
  return std::make_unique<RtspLog>(sink);
}

}  // namespace ward::parsers::rtsp
