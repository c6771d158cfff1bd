#include "detect/crypto_detector.h"

#include <cstdio>

#include "flow/flow_events.h"
#include "parsers/tls/tls_events.h"
#include "parsers/tls/tls_names.h"

namespace ward::detect {
namespace {

namespace tls = parsers::tls;

// RFC 8996 deprecates TLS 1.0, 1.1 and DTLS 1.0; RFC 7568 SSLv3; RFC 6176 SSLv2.
bool deprecated_version(std::uint16_t v) noexcept {
  return v == tls::kSsl2 || v == tls::kSsl3 || v == tls::kTls10 || v == tls::kTls11 ||
         v == tls::kDtls10;
}

// What the RFCs say about a deprecated version, for the evidence.
std::string_view deprecated_by(std::uint16_t v) noexcept {
  switch (v) {
    case tls::kSsl2:
      return "RFC 6176";
    case tls::kSsl3:
      return "RFC 7568";
    default:
      return "RFC 8996";
  }
}

// The cleartext application protocols `require_encryption` covers, by parser name.
bool cleartext_service(std::string_view s) noexcept {
  return s == "hl7" || s == "mqtt" || s == "http" || s == "dicom" || s == "rtsp";
}

// Telnet and FTP have no parser: they are recognised by the responder's port.
std::string_view remote_access_service(const bus::EventContext& ctx) noexcept {
  if (ctx.proto != bus::Transport::kTcp) return {};
  if (ctx.resp_p == 23) return "telnet";
  if (ctx.resp_p == 21) return "ftp";
  return {};
}

// "2026-03-01T06:47:30Z" for Unix seconds (proleptic Gregorian, UTC).
std::string utc_text(std::int64_t s) {
  std::int64_t days = s / 86400;
  std::int64_t rem = s % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  // H. Hinnant's civil_from_days.
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  char buf[128];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ",
                static_cast<long long>(y), static_cast<long long>(m), static_cast<long long>(d),
                static_cast<long long>(rem / 3600), static_cast<long long>(rem / 60 % 60),
                static_cast<long long>(rem % 60));
  return buf;
}

std::string endpoint(const IpAddr& ip, std::uint16_t port) {
  return ip.is_v4() ? ip.to_string() + ":" + std::to_string(port)
                    : "[" + ip.to_string() + "]:" + std::to_string(port);
}

}  // namespace

CryptoDetector::CryptoDetector(const policy::Policy& policy, const bus::EventBus& bus,
                               DetectorStats& stats, DeviceClassSource* classes)
    : Detector(policy, bus, stats), classes_(classes) {
  for (const policy::Zone& z : policy.zones) any_encrypted_zone_ |= z.require_encryption;
}

void CryptoDetector::on_event(const bus::EventContext& ctx, const bus::Event& e) {
  switch (e.kind) {
    case bus::EventKind::kTlsServerHello:
      on_server_hello(ctx, e);
      return;
    case bus::EventKind::kTlsCertificate:
      on_certificate(ctx, e);
      return;
    case bus::EventKind::kConnRecord:
      on_conn(ctx, e);
      return;
    case bus::EventKind::kHl7Message:
    case bus::EventKind::kMqttMessage:
    case bus::EventKind::kHttpTransaction:
    case bus::EventKind::kDicomAssociation:
    case bus::EventKind::kDicomCommand:
    case bus::EventKind::kRtspTransaction:
      on_application(ctx);
      return;
    default:
      return;
  }
}

void CryptoDetector::on_finish() { sweep(0, true); }

bool CryptoDetector::medical(const IpAddr& ip, TimeNs now, bool refresh) {
  if (const policy::Zone* z = policy_.zone(policy_.zone_of(ip)); z != nullptr && z->medical)
    return true;
  if (classes_ == nullptr) return false;
  if (refresh) classes_->refresh(now, false);
  const std::string_view cls = classes_->device_class(ip);
  if (policy::is_medical_class(cls)) return true;
  const policy::Zone* z = policy_.zone(policy_.zone_for_class(cls));
  return z != nullptr && z->medical;
}

CryptoDetector::Scope CryptoDetector::scope_of(const IpAddr& server, TimeNs now) {
  if (medical(server, now)) return Scope::kMedical;
  if (policy_.zones.empty()) return Scope::kAnyServer;
  return classes_ != nullptr ? Scope::kUndecided : Scope::kNone;
}

const policy::Zone* CryptoDetector::encrypted_zone(const IpAddr& ip) const {
  const policy::Zone* z = policy_.zone(policy_.zone_of(ip));
  if (z == nullptr && classes_ != nullptr)
    z = policy_.zone(policy_.zone_for_class(classes_->device_class(ip)));
  return z != nullptr && z->require_encryption ? z : nullptr;
}

void CryptoDetector::raise_scoped(const bus::EventContext& ctx, AlertEvent& a, const IpAddr& server,
                                  Severity medical_severity) {
  switch (scope_of(server, ctx.ts)) {
    case Scope::kMedical:
      a.severity = medical_severity;
      a.evidence.emplace_back("server_scope", "medical device");
      raise(ctx, a);
      return;
    case Scope::kAnyServer:
      a.severity = Severity::kLow;
      a.evidence.emplace_back("server_scope", "any server (the policy has no zones)");
      raise(ctx, a);
      return;
    case Scope::kNone:
      return;
    case Scope::kUndecided:
      break;
  }
  if (was_raised(a.alert_id) || pending_.size() >= kMaxPending) return;
  for (const Pending& p : pending_)
    if (p.alert.alert_id == a.alert_id) return;
  Pending p{std::move(a)};  // AlertEvent moves by construction only
  p.medical_severity = medical_severity;
  p.ts = ctx.ts;
  p.uid = std::string(ctx.uid);
  p.service = std::string(ctx.service);
  p.orig_h = ctx.orig_h;
  p.resp_h = ctx.resp_h;
  p.orig_p = ctx.orig_p;
  p.resp_p = ctx.resp_p;
  p.proto = ctx.proto;
  p.dir = ctx.dir;
  p.server = server;
  pending_.push_back(std::move(p));
}

void CryptoDetector::sweep(TimeNs now, bool force) {
  if (pending_.empty()) return;
  if (force && classes_ != nullptr) classes_->refresh(0, true);
  std::vector<Pending> keep;
  for (Pending& p : pending_) {
    const bool due = force || now - p.ts >= kIdentifyGrace;
    if (!medical(p.server, now, /*refresh=*/!force)) {
      if (!due) keep.push_back(std::move(p));
      continue;
    }
    bus::EventContext ctx;
    ctx.ts = p.ts;
    ctx.uid = p.uid;
    ctx.service = p.service;
    ctx.orig_h = p.orig_h;
    ctx.resp_h = p.resp_h;
    ctx.orig_p = p.orig_p;
    ctx.resp_p = p.resp_p;
    ctx.proto = p.proto;
    ctx.dir = p.dir;
    p.alert.severity = p.medical_severity;
    p.alert.evidence.emplace_back("server_scope", "medical device (inventory)");
    raise(ctx, p.alert);
  }
  pending_ = std::move(keep);
}

void CryptoDetector::on_server_hello(const bus::EventContext& in, const bus::Event& e) {
  const auto& sh = static_cast<const tls::TlsServerHello&>(e);
  if (sh.hello_retry_request) return;  // the ServerHello that follows decides
  const std::uint16_t version = sh.negotiated_version;
  const bool sslv2 = sh.format == tls::HelloFormat::kSslv2;
  const bool deprecated = deprecated_version(version);
  const std::string weak = sslv2 ? std::string() : tls::cipher_weaknesses(sh.cipher);
  if (!deprecated && weak.empty()) return;

  bus::EventContext ctx = in;
  ctx.dir = bus::opposite(in.dir);  // src = the client, dst = the server (the hello's sender)
  const IpAddr& client = ctx.src_h();
  const IpAddr& server = ctx.dst_h();
  const std::uint16_t server_port = in.dir == bus::Direction::kToClient ? in.resp_p : in.orig_p;
  const std::string version_name = tls::version_name(version);
  const std::string cipher_name = sslv2 ? std::string("-") : tls::cipher_display_name(sh.cipher);
  const std::string pair = client.to_string() + ">" + server.to_string();
  const bool medical_server = medical(server, in.ts);

  if (deprecated) {
    AlertEvent a;
    a.rule = "ward.crypto.deprecated_tls";
    a.technique = techniques::kAdversaryInTheMiddle;
    a.severity = version <= tls::kSsl3 ? Severity::kHigh : Severity::kMedium;
    a.alert_id = make_alert_id(a.rule, "", pair + "|" + version_name);
    a.summary = "server " + endpoint(server, server_port) + " negotiated deprecated " +
                version_name + " with " + client.to_string();
    a.src_role = "client";
    a.dst_role = medical_server ? "server (medical device)" : "server";
    a.evidence.emplace_back("version", version_name);
    a.evidence.emplace_back("deprecated_by", std::string(deprecated_by(version)));
    a.evidence.emplace_back("cipher", cipher_name);
    if (!sh.ja3s_hash.empty()) a.evidence.emplace_back("ja3s", std::string(sh.ja3s_hash));
    raise(ctx, a);
  }
  if (!weak.empty()) {
    AlertEvent a;
    a.rule = "ward.crypto.weak_cipher";
    a.technique = techniques::kAdversaryInTheMiddle;
    // No confidentiality or no authentication at all versus broken primitives.
    const bool none = weak.find("null") != std::string::npos ||
                      weak.find("anon") != std::string::npos ||
                      weak.find("export") != std::string::npos;
    a.severity = none ? Severity::kHigh : Severity::kMedium;
    a.alert_id = make_alert_id(a.rule, "", pair + "|" + cipher_name);
    a.summary = "server " + endpoint(server, server_port) + " selected weak suite " + cipher_name +
                " (" + weak + ") for " + client.to_string();
    a.src_role = "client";
    a.dst_role = medical_server ? "server (medical device)" : "server";
    a.evidence.emplace_back("cipher", cipher_name);
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%04X", static_cast<unsigned>(sh.cipher));
    a.evidence.emplace_back("cipher_id", hex);
    a.evidence.emplace_back("weakness", weak);
    a.evidence.emplace_back("version", version_name);
    raise(ctx, a);
  }
}

void CryptoDetector::on_certificate(const bus::EventContext& in, const bus::Event& e) {
  const auto& c = static_cast<const tls::TlsCertificate&>(e);
  if (c.from_client || c.index != 0 || c.info == nullptr) return;
  const tls::X509Info& x = *c.info;
  const bool self_signed = x.self_signed || (!x.subject.empty() && x.subject == x.issuer);
  if (!c.expired && !self_signed) return;

  bus::EventContext ctx = in;
  ctx.dir = bus::opposite(in.dir);  // src = the client, dst = the server presenting it
  const IpAddr server = ctx.dst_h();
  const std::uint16_t server_port = in.dir == bus::Direction::kToClient ? in.resp_p : in.orig_p;
  const std::string where = endpoint(server, server_port);
  const auto fill = [&](AlertEvent& a) {
    a.technique = techniques::kAdversaryInTheMiddle;
    a.src_role = "client";
    a.dst_role = "server";
    a.alert_id = make_alert_id(a.rule, "", where + "|" + x.sha256);
    a.evidence.emplace_back("subject", x.subject);
    a.evidence.emplace_back("issuer", x.issuer);
    a.evidence.emplace_back("not_before", utc_text(x.not_before));
    a.evidence.emplace_back("not_after", utc_text(x.not_after));
    a.evidence.emplace_back("sha256", x.sha256);
    a.evidence.emplace_back("version", tls::version_name(c.version));
  };
  if (c.expired) {
    AlertEvent a;
    a.rule = "ward.crypto.certificate_expired";
    const std::int64_t now_s = in.ts / kNsPerSec;
    const std::int64_t days = (now_s - x.not_after) / 86400;
    a.summary = "server " + where + " presents a certificate that expired " +
                utc_text(x.not_after) + " (" + std::to_string(days) + " days before) to " +
                ctx.src_h().to_string();
    fill(a);
    a.evidence.emplace_back("packet_time", utc_text(now_s));
    a.evidence.emplace_back("days_expired", std::to_string(days));
    raise_scoped(ctx, a, server, Severity::kMedium);
  }
  if (self_signed) {
    AlertEvent a;
    a.rule = "ward.crypto.certificate_self_signed";
    a.summary = "server " + where + " presents a self-signed certificate (" + x.subject + ") to " +
                ctx.src_h().to_string();
    fill(a);
    a.evidence.emplace_back("self_signed_by", x.self_signed ? "key" : "name");
    if (x.basic_constraints_ca)
      a.evidence.emplace_back("ca", *x.basic_constraints_ca ? "true" : "false");
    raise_scoped(ctx, a, server, Severity::kMedium);
  }
}

void CryptoDetector::on_conn(const bus::EventContext& ctx, const bus::Event& e) {
  const auto& conn = static_cast<const flow::ConnRecord&>(e);
  if (ctx.ts - last_sweep_ >= 10 * kNsPerSec) {  // held findings: at most every 10 s of packets
    last_sweep_ = ctx.ts;
    sweep(ctx.ts, false);
  }
  const std::string_view remote = remote_access_service(ctx);
  if (remote.empty()) {
    if (!ctx.service.empty()) on_application(ctx);
    return;
  }
  if (conn.resp_bytes == 0) return;  // the server never spoke: a probe, not a session
  bus::EventContext c = ctx;
  c.dir = bus::Direction::kToServer;
  AlertEvent a;
  a.rule = "ward.crypto.cleartext_protocol";
  a.technique = techniques::kNetworkSniffing;
  a.alert_id = make_alert_id(
      a.rule, "",
      ctx.orig_h.to_string() + ">" + ctx.resp_h.to_string() + "|" + std::string(remote));
  a.summary = std::string(remote == "telnet" ? "Telnet" : "FTP") + " session in cleartext from " +
              ctx.orig_h.to_string() + " to " + endpoint(ctx.resp_h, ctx.resp_p);
  a.src_role = "client";
  a.dst_role = "server";
  a.evidence.emplace_back("service", std::string(remote));
  a.evidence.emplace_back("port", "tcp/" + std::to_string(ctx.resp_p));
  a.evidence.emplace_back("orig_bytes", std::to_string(conn.orig_bytes));
  a.evidence.emplace_back("resp_bytes", std::to_string(conn.resp_bytes));
  const policy::Zone* zone = encrypted_zone(ctx.resp_h);
  if (zone == nullptr) zone = encrypted_zone(ctx.orig_h);
  if (zone != nullptr) {
    const bool med = medical(ctx.resp_h, ctx.ts);
    a.severity = med ? Severity::kHigh : Severity::kMedium;
    a.evidence.emplace_back("zone", zone->name);
    a.evidence.emplace_back("zone_where", zone->where);
    a.evidence.emplace_back("server_scope", med ? "medical device" : "zone requires encryption");
    raise(c, a);
    return;
  }
  raise_scoped(c, a, ctx.resp_h, Severity::kHigh);
}

void CryptoDetector::on_application(const bus::EventContext& ctx) {
  if (!any_encrypted_zone_ || ctx.uid.empty() || !cleartext_service(ctx.service)) return;
  if (checked_flows_.size() >= kMaxCheckedFlows) checked_flows_.clear();  // forget, not grow
  if (!checked_flows_.emplace(ctx.uid).second) return;
  const policy::Zone* resp_zone = encrypted_zone(ctx.resp_h);
  const policy::Zone* zone = resp_zone != nullptr ? resp_zone : encrypted_zone(ctx.orig_h);
  if (zone == nullptr) return;
  bus::EventContext c = ctx;
  c.dir = bus::Direction::kToServer;
  AlertEvent a;
  a.rule = "ward.crypto.cleartext_protocol";
  a.technique = techniques::kNetworkSniffing;
  a.severity = Severity::kMedium;
  const std::string service(ctx.service);
  a.alert_id = make_alert_id(a.rule, "",
                             ctx.orig_h.to_string() + ">" + ctx.resp_h.to_string() + "|" + service);
  a.summary = "cleartext " + service + " " + (resp_zone != nullptr ? "into" : "from") + " zone " +
              zone->name + ", which requires encryption (" + ctx.orig_h.to_string() + " -> " +
              endpoint(ctx.resp_h, ctx.resp_p) + ")";
  a.src_role = "client";
  a.dst_role = "server";
  a.evidence.emplace_back("service", service);
  a.evidence.emplace_back(
      "port", std::string(bus::transport_name(ctx.proto)) + "/" + std::to_string(ctx.resp_p));
  a.evidence.emplace_back("zone", zone->name);
  a.evidence.emplace_back("zone_where", zone->where);
  raise(c, a);
}

}  // namespace ward::detect
