#include "parsers/http/http_log.h"

#include <algorithm>
#include <array>

#include "bus/log_fields.h"
#include "common/json_writer.h"
#include "parsers/http/http_events.h"

namespace ward::parsers::http {
namespace {

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// FHIR R4 search parameters whose values identify a patient (same list as the parser's).
bool is_phi_param(std::string_view name) noexcept {
  if (const std::size_t colon = name.find(':'); colon != std::string_view::npos)
    name = name.substr(0, colon);
  constexpr std::array<std::string_view, 8> kNames = {
      "patient", "subject", "name", "family", "given", "birthdate", "identifier", "phone"};
  return std::any_of(kNames.begin(), kNames.end(),
                     [&](std::string_view n) { return iequals(n, name); });
}

void write_if(JsonWriter& w, std::string_view key, std::string_view value) {
  if (!value.empty()) w.kv(key, value);
}

}  // namespace

HttpLog::HttpLog(bus::LogSink& sink, const LogOptions& options)
    : sink_(sink), hasher_(options.phi_key) {}

void HttpLog::on_event(const bus::EventContext& ctx, const bus::Event& event) {
  const auto* tx = bus::event_cast<HttpTransaction>(event);
  if (tx == nullptr) return;
  line_.clear();
  format(line_, ctx, *tx);
  sink_.write("http", line_);
}

std::string HttpLog::logged_uri(const HttpTransaction& tx) const {
  const std::size_t q = tx.uri.find('?');
  if (!tx.fhir || q == std::string_view::npos) return std::string(tx.uri);
  std::string out(tx.uri.substr(0, q + 1));
  std::string_view query = tx.uri.substr(q + 1);
  bool first = true;
  while (true) {
    const std::size_t amp = query.find('&');
    const std::string_view param = query.substr(0, amp);
    const std::size_t eq = param.find('=');
    if (!first) out += '&';
    first = false;
    if (eq != std::string_view::npos && eq + 1 < param.size() &&
        is_phi_param(param.substr(0, eq))) {
      out.append(param.substr(0, eq + 1)).append(hasher_.hash(param.substr(eq + 1)));
    } else {
      out.append(param);
    }
    if (amp == std::string_view::npos) break;
    query = query.substr(amp + 1);
  }
  return out;
}

void HttpLog::format(std::string& out, const bus::EventContext& ctx,
                     const HttpTransaction& tx) const {
  JsonWriter w(out);
  w.begin_object();
  bus::write_conn_id(w, ctx, tx.ts);
  w.kv("trans_depth", tx.trans_depth);
  write_if(w, "method", tx.method);
  write_if(w, "host", tx.host);
  if (tx.has_request) w.kv("uri", logged_uri(tx));
  write_if(w, "referrer", tx.referrer);
  // Zeek's `version` is the reply's version; the request's is `request_version`.
  write_if(w, "version", tx.response_version);
  write_if(w, "request_version", tx.version);
  write_if(w, "user_agent", tx.user_agent);
  write_if(w, "origin", tx.origin);
  w.kv("request_body_len", tx.request_body_len);
  w.kv("response_body_len", tx.response_body_len);
  if (tx.status_code != 0) {
    w.kv("status_code", static_cast<unsigned>(tx.status_code));
    w.kv("status_msg", tx.status_msg);
  }
  if (tx.info_code != 0) {
    w.kv("info_code", static_cast<unsigned>(tx.info_code));
    w.kv("info_msg", tx.info_msg);
  }
  w.key("tags").begin_array();
  for (const std::string_view t : tx.tags) w.value(t);
  w.end_array();
  write_if(w, "username", tx.username);
  write_if(w, "credentials", auth::weakness_name(tx.credential_weakness));
  write_if(w, "auth_scheme", auth_scheme_name(tx.auth_scheme));
  write_if(w, "request_content_type", tx.request_content_type);
  write_if(w, "response_content_type", tx.response_content_type);
  write_if(w, "server", tx.server);
  w.kv("request_header_count", tx.request_header_count);
  if (tx.has_response) w.kv("response_header_count", tx.response_header_count);
  if (tx.fhir) {
    w.kv("fhir", true);
    write_if(w, "fhir_resource_type", tx.fhir_resource_type);
    write_if(w, "fhir_id", tx.fhir_id);
  }
  if (!tx.phi_fields.empty()) {
    w.key("phi_fields").begin_array();
    for (const std::string_view f : tx.phi_fields) w.value(f);
    w.end_array();
  }
  w.end_object();
}

std::unique_ptr<bus::Subscriber> make_http_log(bus::LogSink& sink, const LogOptions& options) {
  return std::make_unique<HttpLog>(sink, options);
}

}  // namespace ward::parsers::http
