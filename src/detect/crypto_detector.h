// Crypto hygiene: what the TLS parser, the flow table and the application parsers show about
// how well traffic is protected, judged against the policy's zones.
//
//   ward.crypto.deprecated_tls          a ServerHello that selects SSLv2, SSLv3, TLS 1.0, TLS 1.1
//       or DTLS 1.0 (RFC 8996). One alert per (client, server, version). T0830
//       Adversary-in-the-Middle.
//   ward.crypto.weak_cipher             a ServerHello that selects a suite
//       parsers::tls::is_weak_cipher() calls weak (NULL, anon, EXPORT, RC4, DES, 3DES, IDEA,
//       MD5 MAC). One alert per (client, server, suite). T0830.
//   ward.crypto.certificate_expired     the server's end-entity certificate is past its
//       notAfter at the packet time of its Certificate message. T0830.
//   ward.crypto.certificate_self_signed the server's end-entity certificate is self-signed
//       (OpenSSL's self-signed flag, or issuer equal to subject): nothing can vouch for it.
//       T0830. Both certificate rules: one alert per (server, port, certificate), for
//       certificates a medical device presents; with no zones in the policy, for every server
//       at low severity.
//   ward.crypto.cleartext_protocol      a Telnet (tcp/23) or FTP (tcp/21) session to a medical
//       device (with no zones in the policy: to any host, at low severity), or a cleartext HL7,
//       MQTT, HTTP, DICOM, RTSP, Telnet or FTP session with an endpoint in a zone that has
//       `require_encryption: true`. A session is one in which the server sent payload (a port
//       scan's probes are not sessions). One alert per (client, server, service). T0842 Network
//       Sniffing.
//
// A medical device is a host in a zone with `medical: true` or one the inventory classes as a
// medical device (policy::is_medical_class). The inventory identifies a device from its own
// traffic, so with zones in the policy a finding about a host that is not (yet) known to be
// medical is held for up to kIdentifyGrace of packet time (or to the end of input) and raised
// if the host turns out to be one. Every alert names the client as src and the server as dst.
// Single-threaded, like the bus.
#pragma once

#include <cstddef>
#include <string>
#include <unordered_set>
#include <vector>

#include "detect/detector.h"
#include "detect/segmentation_detector.h"

namespace ward::detect {

class CryptoDetector final : public Detector {
 public:
  static constexpr TimeNs kIdentifyGrace = 300 * kNsPerSec;
  static constexpr std::size_t kMaxPending = 4096;
  static constexpr std::size_t kMaxCheckedFlows = 65536;

  // `classes` may be null: medical devices are then those of medical zones only.
  CryptoDetector(const policy::Policy& policy, const bus::EventBus& bus, DetectorStats& stats,
                 DeviceClassSource* classes);
  void on_event(const bus::EventContext& ctx, const bus::Event& e) override;
  void on_finish() override;

 private:
  // How a finding about a server is judged: a medical device (kMedical), any server because
  // the policy has no zones (kAnyServer), not one the policy cares about (kNone), or not known
  // yet (kUndecided: the inventory may still identify it).
  enum class Scope { kNone, kMedical, kAnyServer, kUndecided };

  // A finding held until the inventory has had time to identify its server.
  struct Pending {
    AlertEvent alert;
    Severity medical_severity = Severity::kMedium;
    TimeNs ts = 0;
    std::string uid, service;
    IpAddr orig_h, resp_h;
    std::uint16_t orig_p = 0, resp_p = 0;
    bus::Transport proto = bus::Transport::kNone;
    bus::Direction dir = bus::Direction::kToServer;
    IpAddr server;
  };

  void on_server_hello(const bus::EventContext& ctx, const bus::Event& e);
  void on_certificate(const bus::EventContext& ctx, const bus::Event& e);
  void on_conn(const bus::EventContext& ctx, const bus::Event& e);
  void on_application(const bus::EventContext& ctx);

  // True iff `ip` is a medical device as of packet time `now` (refreshing the inventory's
  // answers first iff `refresh`).
  [[nodiscard]] bool medical(const IpAddr& ip, TimeNs now, bool refresh = true);
  [[nodiscard]] Scope scope_of(const IpAddr& server, TimeNs now);
  // The zone of `ip` that requires encryption, or nullptr.
  [[nodiscard]] const policy::Zone* encrypted_zone(const IpAddr& ip) const;
  // Raises `a` for a finding about `server` under its scope: at `medical_severity` for a
  // medical device, low for kAnyServer, held for kUndecided, dropped for kNone.
  void raise_scoped(const bus::EventContext& ctx, AlertEvent& a, const IpAddr& server,
                    Severity medical_severity);
  void sweep(TimeNs now, bool force);

  DeviceClassSource* classes_;
  bool any_encrypted_zone_ = false;                // some zone has require_encryption
  std::vector<Pending> pending_;                   // bounded by kMaxPending
  std::unordered_set<std::string> checked_flows_;  // uids already judged for require_encryption
  TimeNs last_sweep_ = 0;
};

}  // namespace ward::detect
