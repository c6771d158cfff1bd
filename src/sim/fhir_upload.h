// FHIR summaries of a simulated cognitive monitor, and their upload over HTTPS (OpenSSL 3).
// Every network call is bounded in time and every buffer in size; nothing here throws.
#pragma once

#include <openssl/ssl.h>

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace ward::sim {

// A cognitive monitor's summary of one period (invented readings; no patient identity: the
// subject is a pseudonymous reference the hospital maps to the patient).
struct CogSummary {
  std::string device_id;  // e.g. COGMON-0032
  std::string subject = "Patient/pseudo-0032";
  std::time_t start = 0;  // the period summarised (UTC)
  std::time_t end = 0;
  double mean_heart_rate = 0;  // /min, LOINC 8867-4
  int steps = 0;               // LOINC 55423-8
  double sleep_hours = 0;      // LOINC 93832-4
  double gait_speed_m_s = 0;   // m/s, the vendor's own code
  int night_wandering_events = 0;
};

// A FHIR R4 Observation (application/fhir+json): status final, category activity, code a
// vendor panel, the period as effectivePeriod, one component per reading with its LOINC code
// and UCUM unit, the device as `device.display`.
std::string fhir_observation_json(const CogSummary& s);

// The status code of an HTTP/1.x response head ("HTTP/1.1 201 Created\r\n..."); nullopt when
// the first line is not a status line. Reads at most the first line of `head`.
std::optional<int> http_status_of(std::string_view head);

// The largest response head https_post reads; the rest of a longer response is ignored.
inline constexpr std::size_t kMaxResponseHead = 16 * 1024;

struct HttpsPost {
  std::string host;  // DNS name or dotted IPv4; the name the certificate must carry
  std::uint16_t port = 443;
  std::string path = "/fhir/Observation";
  std::string content_type = "application/fhir+json";
  std::string body;
  std::string cafile;  // the CA that signed the server's certificate (PEM)
};

// Testbed support: the secrets of every TLS connection made after this call (by https_post, and
// by every new_verifying_client_ctx context) are appended to `path` in the NSS key log format
// (SSLKEYLOGFILE), so that tshark can decrypt a testbed capture. False when path cannot be
// opened. Never for a real device: whoever has the file reads the traffic.
bool set_tls_keylog(const std::string& path);

// A TLS client context that verifies the server: TLS 1.2 at least, the chain against `cafile`
// (PEM), the name against `host` (DNS name, or an IPv4 address matched against IP SANs), the
// key log when one is set. nullptr with the reason in `error`. The caller frees it.
SSL_CTX* new_verifying_client_ctx(const std::string& cafile, const std::string& host,
                                  std::string& error);

// POSTs over TLS 1.2 or later, verifying the server's chain against `cafile` and its name
// against `host` (SNI sent). Returns the HTTP status, or nullopt with the reason in `error`.
// Each step (connect, handshake, write, read) is bounded by timeout_ms.
std::optional<int> https_post(const HttpsPost& req, int timeout_ms, std::string& error);

}  // namespace ward::sim
