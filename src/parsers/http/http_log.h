// The `http` log: one JSON line per HttpTransaction, shaped like Zeek's http.log (ts, uid,
// id.*, trans_depth, method, host, uri, referrer, version (of the reply, as in Zeek),
// request_version, user_agent, origin,
// request_body_len, response_body_len, status_code, status_msg, info_code, info_msg, tags,
// username) plus Ward's fields: request/response content types, server, auth_scheme, the FHIR
// resource type and id, and the names of PHI fields seen in clear. Never written: passwords,
// tokens, body bytes, and the values of FHIR search parameters that identify a patient (the
// logged uri carries their keyed hash instead, common/phi_hash.h).
// One writer per bus (per worker thread); not thread-safe.
#pragma once

#include <memory>
#include <string>

#include "bus/bus.h"
#include "common/phi_hash.h"
#include "parsers/parser.h"

namespace ward::parsers::http {

struct HttpTransaction;

class HttpLog final : public bus::Subscriber {
 public:
  // REQUIRES: `sink` outlives the writer.
  HttpLog(bus::LogSink& sink, const LogOptions& options);
  void on_event(const bus::EventContext& ctx, const bus::Event& event) override;

  // Appends the record of `tx` (one JSON object, no newline) to `out`.
  void format(std::string& out, const bus::EventContext& ctx, const HttpTransaction& tx) const;

 private:
  // The uri as logged: for FHIR requests, patient-identifying search values are hashed.
  [[nodiscard]] std::string logged_uri(const HttpTransaction& tx) const;

  bus::LogSink& sink_;
  PhiHasher hasher_;
  std::string line_;  // reused between records
};

// ParserSpec::make_log for "http".
std::unique_ptr<bus::Subscriber> make_http_log(bus::LogSink& sink, const LogOptions& options);

}  // namespace ward::parsers::http
