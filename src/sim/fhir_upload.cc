#include "sim/fhir_upload.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

#include <cstdio>
#include <memory>

#include "sim/mllp_net.h"

namespace ward::sim {
namespace {

std::string iso_utc(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// JSON string contents: the ids and references here are ours, but escape anyway.
std::string json_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
    } else {
      out += c;
    }
  }
  return out;
}

std::string component(std::string_view system, std::string_view code, std::string_view display,
                      double value, std::string_view unit, std::string_view ucum) {
  return fmt::format(
      R"({{"code":{{"coding":[{{"system":"{}","code":"{}","display":"{}"}}]}},)"
      R"("valueQuantity":{{"value":{},"unit":"{}","system":"http://unitsofmeasure.org","code":"{}"}}}})",
      system, code, display, value, unit, ucum);
}

std::string openssl_error(std::string_view what) {
  std::string e(what);
  const unsigned long code = ERR_get_error();
  if (code != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    e += ": ";
    e += buf;
  }
  ERR_clear_error();
  return e;
}

std::FILE* g_keylog = nullptr;

void write_keylog(const SSL* /*ssl*/, const char* line) {
  if (g_keylog == nullptr) return;
  std::fprintf(g_keylog, "%s\n", line);
  std::fflush(g_keylog);
}

struct CtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct SslFree {
  void operator()(SSL* s) const { SSL_free(s); }
};

}  // namespace

bool set_tls_keylog(const std::string& path) {
  if (g_keylog != nullptr) std::fclose(g_keylog);
  g_keylog = std::fopen(path.c_str(), "a");
  return g_keylog != nullptr;
}

SSL_CTX* new_verifying_client_ctx(const std::string& cafile, const std::string& host,
                                  std::string& error) {
  std::unique_ptr<SSL_CTX, CtxFree> ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) {
    error = openssl_error("SSL_CTX_new");
    return nullptr;
  }
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  if (SSL_CTX_load_verify_locations(ctx.get(), cafile.c_str(), nullptr) != 1) {
    error = openssl_error("CA file " + cafile);
    return nullptr;
  }
  X509_VERIFY_PARAM* param = SSL_CTX_get0_param(ctx.get());
  const bool ok = X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) == 1 ||
                  X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size()) == 1;
  ERR_clear_error();  // set1_ip_asc's complaint about a DNS name
  if (!ok) {
    error = "bad host name " + host;
    return nullptr;
  }
  if (g_keylog != nullptr) SSL_CTX_set_keylog_callback(ctx.get(), write_keylog);
  return ctx.release();
}

std::string fhir_observation_json(const CogSummary& s) {
  constexpr std::string_view kLoinc = "http://loinc.org";
  constexpr std::string_view kVendor = "urn:ward-sim:cogmon";
  std::string comps;
  comps += component(kLoinc, "8867-4", "Heart rate", s.mean_heart_rate, "beats/minute", "/min");
  comps += ',' + component(kLoinc, "55423-8", "Number of steps", s.steps, "steps", "{steps}");
  comps += ',' + component(kLoinc, "93832-4", "Sleep duration", s.sleep_hours, "h", "h");
  comps += ',' + component(kVendor, "gait-speed", "Gait speed", s.gait_speed_m_s, "m/s", "m/s");
  comps += ',' + component(kVendor, "night-wandering", "Night wandering episodes",
                           s.night_wandering_events, "episodes", "{episodes}");
  return fmt::format(
      R"({{"resourceType":"Observation","status":"final",)"
      R"("category":[{{"coding":[{{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"activity","display":"Activity"}}]}}],)"
      R"("code":{{"coding":[{{"system":"{}","code":"daily-summary","display":"Cognitive monitor summary"}}],"text":"Cognitive monitor summary"}},)"
      R"("subject":{{"reference":"{}"}},"effectivePeriod":{{"start":"{}","end":"{}"}},"issued":"{}",)"
      R"("device":{{"display":"{}"}},"component":[{}]}})",
      kVendor, json_escape(s.subject), iso_utc(s.start), iso_utc(s.end), iso_utc(s.end),
      json_escape(s.device_id), comps);
}

std::optional<int> http_status_of(std::string_view head) {
  const std::size_t eol = head.find('\n');
  const std::string_view line = head.substr(0, eol);
  // "HTTP/1.0 201" or "HTTP/1.1 201", then a space or the end of the line.
  if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || line[8] != ' ') return std::nullopt;
  int code = 0;
  for (std::size_t i = 9; i < 12; ++i) {
    if (line[i] < '0' || line[i] > '9') return std::nullopt;
    code = code * 10 + (line[i] - '0');
  }
  if (line.size() > 12 && line[12] != ' ' && line[12] != '\r') return std::nullopt;
  if (code < 100) return std::nullopt;
  return code;
}

std::optional<int> https_post(const HttpsPost& req, int timeout_ms, std::string& error) {
  std::unique_ptr<SSL_CTX, CtxFree> ctx(new_verifying_client_ctx(req.cafile, req.host, error));
  if (!ctx) return std::nullopt;
  Socket sock = connect_to(Endpoint{req.host, req.port}, timeout_ms, error);
  if (!sock.valid()) return std::nullopt;
  // Blocking from here on, every read and write bounded by the socket timeouts.
  const int flags = fcntl(sock.fd(), F_GETFL);
  fcntl(sock.fd(), F_SETFL, flags & ~O_NONBLOCK);
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  setsockopt(sock.fd(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(sock.fd(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);

  std::unique_ptr<SSL, SslFree> ssl(SSL_new(ctx.get()));
  if (!ssl || SSL_set_fd(ssl.get(), sock.fd()) != 1 ||
      SSL_set_tlsext_host_name(ssl.get(), req.host.c_str()) != 1) {
    error = openssl_error("SSL setup");
    return std::nullopt;
  }
  if (SSL_connect(ssl.get()) != 1) {
    const long v = SSL_get_verify_result(ssl.get());
    error = v != X509_V_OK ? std::string("certificate: ") + X509_verify_cert_error_string(v)
                           : openssl_error("TLS handshake");
    return std::nullopt;
  }
  const std::string msg = fmt::format(
      "POST {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: ward-sim-cogmon/1.0\r\n"
      "Content-Type: {}\r\nAccept: application/fhir+json\r\nContent-Length: {}\r\n"
      "Connection: close\r\n\r\n{}",
      req.path, req.port == 443 ? req.host : fmt::format("{}:{}", req.host, req.port),
      req.content_type, req.body.size(), req.body);
  std::size_t written = 0;
  while (written < msg.size()) {
    const int n =
        SSL_write(ssl.get(), msg.data() + written, static_cast<int>(msg.size() - written));
    if (n <= 0) {
      error = openssl_error("TLS write");
      return std::nullopt;
    }
    written += static_cast<std::size_t>(n);
  }
  std::string head;
  char buf[4096];
  while (head.size() < kMaxResponseHead && head.find("\r\n\r\n") == std::string::npos) {
    const int n = SSL_read(ssl.get(), buf, static_cast<int>(sizeof buf));
    if (n <= 0) break;
    head.append(buf, static_cast<std::size_t>(n));
  }
  SSL_shutdown(ssl.get());
  const auto status = http_status_of(head);
  if (!status) error = head.empty() ? "no response" : "not an HTTP response";
  return status;
}

}  // namespace ward::sim
