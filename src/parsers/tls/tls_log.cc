#include "parsers/tls/tls_log.h"

#include "bus/log_fields.h"
#include "common/json_writer.h"
#include "parsers/tls/tls_names.h"

namespace ward::parsers::tls {
namespace {

// Zeek's SSLv2 cipher names (base/protocols/ssl/consts.zeek).
std::string sslv2_cipher_name(std::uint32_t c) {
  switch (c) {
    case 0x010080:
      return "SSLv20_CK_RC4_128_WITH_MD5";
    case 0x020080:
      return "SSLv20_CK_RC4_128_EXPORT40_WITH_MD5";
    case 0x030080:
      return "SSLv20_CK_RC2_128_CBC_WITH_MD5";
    case 0x040080:
      return "SSLv20_CK_RC2_128_CBC_EXPORT40_WITH_MD5";
    case 0x050080:
      return "SSLv20_CK_IDEA_128_CBC_WITH_MD5";
    case 0x060040:
      return "SSLv20_CK_DES_64_CBC_WITH_MD5";
    case 0x0700c0:
      return "SSLv20_CK_DES_192_EDE3_CBC_WITH_MD5";
    default:
      return "unknown-" + std::to_string(c);
  }
}

template <typename T>
void number_list(JsonWriter& w, std::string_view key, const std::vector<T>& v) {
  if (v.empty()) return;
  w.key(key).begin_array();
  for (const T x : v) w.value(static_cast<std::uint64_t>(x));
  w.end_array();
}

void string_list(JsonWriter& w, std::string_view key, const std::vector<std::string>& v) {
  if (v.empty()) return;
  w.key(key).begin_array();
  for (const std::string& x : v) w.value(std::string_view(x));
  w.end_array();
}

void nonempty(JsonWriter& w, std::string_view key, const std::string& v) {
  if (!v.empty()) w.kv(key, std::string_view(v));
}

}  // namespace

std::string_view outcome_name(Outcome o) noexcept {
  switch (o) {
    case Outcome::kEstablished:
      return "established";
    case Outcome::kAlert:
      return "alert";
    case Outcome::kIncomplete:
      break;
  }
  return "incomplete";
}

void TlsLog::format_session(std::string& out, const bus::EventContext& ctx, const TlsSession& s) {
  JsonWriter w(out);
  w.begin_object();
  bus::write_conn_id(w, ctx, s.start_ts != 0 ? s.start_ts : ctx.ts);
  if (s.version != 0) w.kv("version", std::string_view(version_name(s.version)));
  if (s.sslv2_cipher) {
    w.kv("cipher", std::string_view(sslv2_cipher_name(*s.sslv2_cipher)));
  } else if (s.cipher) {
    w.kv("cipher", std::string_view(cipher_display_name(*s.cipher)));
  }
  if (s.cipher) w.kv("server_cipher", static_cast<unsigned>(*s.cipher));
  if (s.curve) w.kv("curve", std::string_view(group_name(*s.curve)));
  nonempty(w, "server_name", s.server_name);
  w.kv("resumed", s.resumed);
  if (s.last_alert) w.kv("last_alert", std::string_view(alert_name(*s.last_alert)));
  nonempty(w, "next_protocol", s.next_protocol);
  w.kv("established", s.established);
  w.kv("outcome", outcome_name(s.outcome));
  nonempty(w, "ssl_history", s.history);
  string_list(w, "cert_chain_fps", s.cert_chain_fps);
  string_list(w, "client_cert_chain_fps", s.client_cert_chain_fps);
  nonempty(w, "subject", s.subject);
  nonempty(w, "issuer", s.issuer);
  nonempty(w, "client_subject", s.client_subject);
  nonempty(w, "client_issuer", s.client_issuer);
  if (s.sni_matches_cert) w.kv("sni_matches_cert", *s.sni_matches_cert);
  nonempty(w, "cert_sha1", s.cert_sha1);
  nonempty(w, "cert_serial", s.cert_serial);
  if (!s.cert_sha1.empty()) {
    w.kv("cert_not_before", s.cert_not_before);
    w.kv("cert_not_after", s.cert_not_after);
  }
  if (s.dtls) w.kv("dtls", true);
  if (s.tls13_draft_layout) w.kv("tls13_draft_layout", true);
  if (s.hello_retry_request) w.kv("hello_retry_request", true);
  nonempty(w, "ja3", s.ja3);
  nonempty(w, "ja3s", s.ja3s);
  nonempty(w, "ja4", s.ja4);
  nonempty(w, "ja4s", s.ja4s);
  nonempty(w, "ja3_string", s.ja3_string);
  nonempty(w, "ja3s_string", s.ja3s_string);
  string_list(w, "orig_alpn", s.client_alpn);
  // Zeek's policy/protocols/ssl/ssl-log-ext.zeek fields, as wire numbers.
  if (s.server_version != 0) w.kv("server_version", static_cast<unsigned>(s.server_version));
  if (s.client_version != 0) w.kv("client_version", static_cast<unsigned>(s.client_version));
  number_list(w, "client_ciphers", s.client_ciphers);
  number_list(w, "ssl_client_exts", s.client_exts);
  number_list(w, "ssl_server_exts", s.server_exts);
  if (s.ticket_lifetime_hint)
    w.kv("ticket_lifetime_hint", static_cast<std::uint64_t>(*s.ticket_lifetime_hint));
  if (s.dh_param_size) w.kv("dh_param_size", static_cast<std::uint64_t>(*s.dh_param_size));
  number_list(w, "point_formats", s.point_formats);
  number_list(w, "client_curves", s.client_curves);
  number_list(w, "client_supported_versions", s.client_supported_versions);
  if (s.server_supported_version)
    w.kv("server_supported_version", static_cast<unsigned>(*s.server_supported_version));
  number_list(w, "psk_key_exchange_modes", s.psk_key_exchange_modes);
  number_list(w, "client_key_share_groups", s.client_key_share_groups);
  if (s.server_key_share_group)
    w.kv("server_key_share_group", static_cast<unsigned>(*s.server_key_share_group));
  number_list(w, "client_comp_methods", s.client_comp_methods);
  if (s.comp_method) w.kv("comp_method", static_cast<unsigned>(*s.comp_method));
  // Zeek splits each SignatureScheme into its TLS 1.2 hash (high byte) and signature (low byte).
  if (!s.sigalgs.empty()) {
    std::vector<std::uint8_t> sig, hash;
    for (const std::uint16_t a : s.sigalgs) {
      hash.push_back(static_cast<std::uint8_t>(a >> 8));
      sig.push_back(static_cast<std::uint8_t>(a & 0xffU));
    }
    number_list(w, "sigalgs", sig);
    number_list(w, "hashalgs", hash);
    number_list(w, "signature_schemes", s.sigalgs);
  }
  if (s.ech) w.kv("ech", true);
  if (s.ech_kdf_id) w.kv("ech_kdf_id", static_cast<unsigned>(*s.ech_kdf_id));
  if (s.ech_aead_id) w.kv("ech_aead_id", static_cast<unsigned>(*s.ech_aead_id));
  w.end_object();
}

void TlsLog::format_certificate(std::string& out, const bus::EventContext& ctx,
                                const TlsCertificate& c) {
  const X509Info& x = *c.info;
  JsonWriter w(out);
  w.begin_object();
  w.key("ts").raw(format_ts(ctx.ts));
  if (!ctx.uid.empty()) w.kv("uid", ctx.uid);
  w.kv("fingerprint", std::string_view(x.sha256));
  w.kv("sha1", std::string_view(x.sha1));
  w.kv("certificate.version", static_cast<unsigned>(x.version));
  w.kv("certificate.serial", std::string_view(x.serial));
  w.kv("certificate.subject", std::string_view(x.subject));
  w.kv("certificate.issuer", std::string_view(x.issuer));
  w.kv("certificate.not_valid_before", x.not_before);
  w.kv("certificate.not_valid_after", x.not_after);
  nonempty(w, "certificate.key_alg", x.key_alg);
  nonempty(w, "certificate.sig_alg", x.sig_alg);
  nonempty(w, "certificate.key_type", x.key_type);
  if (x.key_length != 0) w.kv("certificate.key_length", static_cast<unsigned>(x.key_length));
  nonempty(w, "certificate.exponent", x.exponent);
  nonempty(w, "certificate.curve", x.curve);
  string_list(w, "san.dns", x.san_dns);
  string_list(w, "san.uri", x.san_uri);
  string_list(w, "san.email", x.san_email);
  string_list(w, "san.ip", x.san_ip);
  if (x.basic_constraints_ca) w.kv("basic_constraints.ca", *x.basic_constraints_ca);
  if (x.basic_constraints_path_len)
    w.kv("basic_constraints.path_len", static_cast<unsigned>(*x.basic_constraints_path_len));
  // Zeek: host_cert / client_cert mark the end-entity certificate of the server / client chain.
  w.kv("host_cert", !c.from_client && c.index == 0);
  w.kv("client_cert", c.from_client && c.index == 0);
  w.kv("chain_index", static_cast<unsigned>(c.index));
  w.kv("self_signed", x.self_signed);
  w.kv("expired", c.expired);
  w.end_object();
}

void TlsLog::on_event(const bus::EventContext& ctx, const bus::Event& event) {
  if (const auto* s = bus::event_cast<TlsSession>(event)) {
    line_.clear();
    format_session(line_, ctx, *s);
    sink_.write("tls", line_);
    return;
  }
  if (const auto* c = bus::event_cast<TlsCertificate>(event)) {
    if (logged_.count(c->info->sha256) != 0) return;
    if (logged_.size() >= kMaxRemembered) logged_.clear();
    logged_.insert(c->info->sha256);
    line_.clear();
    format_certificate(line_, ctx, *c);
    sink_.write("x509", line_);
  }
}

std::unique_ptr<bus::Subscriber> make_tls_log(bus::LogSink& sink, const LogOptions& /*options*/) {
  return std::make_unique<TlsLog>(sink);
}

}  // namespace ward::parsers::tls
