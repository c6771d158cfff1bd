// Unit tests of the crypto-hygiene detector with synthetic events: deprecated versions and weak
// suites from ServerHellos, expired and self-signed server certificates on medical devices
// (by zone, by inventory class, and on every server when the policy has no zones), Telnet/FTP
// sessions to medical devices, and cleartext protocols with zones that require encryption.
#include "detect/crypto_detector.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "flow/flow_events.h"
#include "parsers/mqtt/mqtt_events.h"
#include "parsers/tls/tls_events.h"

namespace ward::detect {
namespace {

namespace tls = parsers::tls;

constexpr std::string_view kPolicy = R"(version: 1
zones:
  - name: clinical_servers
    cidrs: [10.10.1.0/24]
  - name: infusion_pumps
    cidrs: [10.10.2.0/24]
    medical: true
    require_encryption: true
  - name: monitors
    cidrs: [10.10.5.0/24]
    medical: true
  - name: imaging
    device_classes: [imaging_modality]
    medical: true
)";

struct Classes : DeviceClassSource {
  std::map<std::string, std::string> by_ip;
  void refresh(TimeNs, bool) override {}
  [[nodiscard]] std::string_view device_class(const IpAddr& ip) const override {
    const auto it = by_ip.find(ip.to_string());
    return it == by_ip.end() ? "unknown" : std::string_view(it->second);
  }
};

struct Alert {
  std::string rule, severity, technique, summary, id, src, dst, dst_role;
  std::map<std::string, std::string> evidence;
};

IpAddr ip(const char* s) {
  IpAddr a;
  EXPECT_TRUE(IpAddr::parse(s, a)) << s;
  return a;
}

struct Harness : bus::Subscriber {
  policy::Policy policy;
  bus::EventBus bus;
  DetectorStats stats;
  Classes classes;
  std::unique_ptr<CryptoDetector> detector;
  std::vector<Alert> alerts;
  int counter = 0;

  explicit Harness(std::string_view yaml = kPolicy, bool with_classes = true) {
    auto p = policy::parse_policy(yaml, "ward.yaml");
    EXPECT_TRUE(p.ok()) << p.error().to_string();
    policy = std::move(*p);
    detector =
        std::make_unique<CryptoDetector>(policy, bus, stats, with_classes ? &classes : nullptr);
    bus.subscribe(*detector);
    bus.subscribe(*this);
  }
  void on_event(const bus::EventContext& ctx, const bus::Event& e) override {
    const auto* a = bus::event_cast<AlertEvent>(e);
    if (a == nullptr) return;
    Alert c{std::string(a->rule),
            std::string(severity_name(a->severity)),
            std::string(a->technique.id),
            a->summary,
            a->alert_id,
            ctx.src_h().to_string(),
            ctx.dst_h().to_string(),
            a->dst_role,
            {}};
    for (const auto& [k, v] : a->evidence) c.evidence[std::string(k)] = v;
    alerts.push_back(std::move(c));
  }
  bus::EventContext conn(const char* client, const char* server, std::uint16_t port, double sec,
                         bus::Direction dir = bus::Direction::kToClient) {
    bus::EventContext c;
    uid = "CCRY" + std::to_string(++counter);
    c.uid = uid;
    c.orig_h = ip(client);
    c.resp_h = ip(server);
    c.orig_p = 50000;
    c.resp_p = port;
    c.proto = bus::Transport::kTcp;
    c.dir = dir;
    c.ts = static_cast<TimeNs>(sec * kNsPerSec);
    return c;
  }
  void server_hello(const char* client, const char* server, std::uint16_t version,
                    std::uint16_t cipher, double sec = 1) {
    tls::TlsServerHello sh;
    sh.version = version;
    sh.negotiated_version = version;
    sh.cipher = cipher;
    const bus::EventContext c = conn(client, server, 443, sec);
    bus.publish(c, sh);
  }
  // The server's certificate #index, valid [nb, na] (Unix seconds), seen at `sec`.
  void certificate(const char* client, const char* server, double sec, bool self_signed,
                   std::int64_t nb, std::int64_t na, std::uint32_t index = 0,
                   bool from_client = false, const std::string& sha = "ab12") {
    tls::X509Info x;
    x.subject = self_signed ? "CN=pump-22.local" : "CN=pump-22.local,O=Vendor";
    x.issuer = self_signed ? x.subject : "CN=Vendor Device CA,O=Vendor";
    x.self_signed = self_signed;
    x.not_before = nb;
    x.not_after = na;
    x.sha256 = sha;
    tls::TlsCertificate c;
    c.info = &x;
    c.index = index;
    c.from_client = from_client;
    c.version = tls::kTls12;
    const std::int64_t now = static_cast<std::int64_t>(sec);
    c.expired = now > na;
    c.not_yet_valid = now < nb;
    const bus::EventContext ctx = conn(client, server, 443, sec);
    bus.publish(ctx, c);
  }
  // A TCP connection record client -> server:port with `resp_bytes` from the server.
  void session(const char* client, const char* server, std::uint16_t port, std::uint64_t resp_bytes,
               double sec = 1, std::string_view service = "") {
    bus::EventContext c = conn(client, server, port, sec, bus::Direction::kToServer);
    c.service = service;
    flow::ConnRecord r;
    r.conn_state = resp_bytes > 0 ? "SF" : "S0";
    r.orig_bytes = resp_bytes > 0 ? 40 : 0;
    r.resp_bytes = resp_bytes;
    bus.publish(c, r);
  }
  std::string uid;
};

std::string rules(const std::vector<Alert>& alerts) {
  std::string s;
  for (const Alert& a : alerts) s += a.rule + "(" + a.src + ">" + a.dst + ") ";
  return s;
}

constexpr std::int64_t kDay = 86400;
constexpr double kNow = 1.7e9;  // 2023-11-14

// ------------------------------------------------------------------------------ TLS versions

TEST(CryptoDetector, Tls10IsOneAlertPerClientServerAndVersionNotPerConnection) {
  Harness h;
  for (int i = 0; i < 5; ++i) h.server_hello("10.10.1.5", "10.10.2.21", tls::kTls10, 0x002F, i);
  ASSERT_EQ(h.alerts.size(), 1u) << rules(h.alerts);
  const Alert& a = h.alerts[0];
  EXPECT_EQ(a.rule, "ward.crypto.deprecated_tls");
  EXPECT_EQ(a.severity, "medium");
  EXPECT_EQ(a.technique, "T0830");
  EXPECT_EQ(a.src, "10.10.1.5");   // the client
  EXPECT_EQ(a.dst, "10.10.2.21");  // the server that chose the version
  EXPECT_EQ(a.dst_role, "server (medical device)");
  EXPECT_EQ(a.evidence.at("version"), "TLSv10");
  EXPECT_EQ(a.evidence.at("deprecated_by"), "RFC 8996");
  EXPECT_EQ(a.evidence.at("cipher"), "TLS_RSA_WITH_AES_128_CBC_SHA");
  EXPECT_EQ(h.stats.repeats, 4u);

  h.server_hello("10.10.1.5", "10.10.2.21", tls::kTls11, 0x002F);  // another version
  h.server_hello("10.10.1.6", "10.10.2.21", tls::kTls10, 0x002F);  // another client
  ASSERT_EQ(h.alerts.size(), 3u) << rules(h.alerts);
  EXPECT_EQ(h.alerts[1].evidence.at("version"), "TLSv11");
  EXPECT_EQ(h.alerts[2].src, "10.10.1.6");
}

TEST(CryptoDetector, SslAndDtls10AreDeprecatedSsl3AtHighSeverity) {
  Harness h;
  h.server_hello("10.10.1.5", "10.10.1.7", tls::kSsl3, 0x002F);
  h.server_hello("10.10.1.5", "10.10.1.8", tls::kDtls10, 0xC014);
  ASSERT_EQ(h.alerts.size(), 2u) << rules(h.alerts);
  EXPECT_EQ(h.alerts[0].severity, "high");
  EXPECT_EQ(h.alerts[0].evidence.at("version"), "SSLv3");
  EXPECT_EQ(h.alerts[0].evidence.at("deprecated_by"), "RFC 7568");
  EXPECT_EQ(h.alerts[0].dst_role, "server");
  EXPECT_EQ(h.alerts[1].evidence.at("version"), "DTLSv10");
}

TEST(CryptoDetector, ModernVersionsWithSoundSuitesRaiseNothing) {
  Harness h;
  h.server_hello("10.10.1.5", "10.10.2.21", tls::kTls12, 0xC02F);  // ECDHE-RSA-AES128-GCM
  h.server_hello("10.10.1.5", "10.10.2.21", tls::kTls13, 0x1301);
  h.server_hello("10.10.1.5", "10.10.2.21", tls::kDtls12, 0xC02B);
  tls::TlsServerHello hrr;  // a HelloRetryRequest decides nothing
  hrr.hello_retry_request = true;
  hrr.version = tls::kTls12;
  hrr.negotiated_version = tls::kTls10;
  h.bus.publish(h.conn("10.10.1.5", "10.10.2.21", 443, 1), hrr);
  EXPECT_TRUE(h.alerts.empty()) << rules(h.alerts);
}

TEST(CryptoDetector, ClientAndServerComeFromTheHelloDirectionNotTheFlowOrientation) {
  Harness h;
  tls::TlsServerHello sh;  // the flow's originator answered: a flipped session
  sh.version = sh.negotiated_version = tls::kTls11;
  sh.cipher = 0x002F;
  h.bus.publish(h.conn("10.10.2.21", "10.10.1.5", 443, 1, bus::Direction::kToServer), sh);
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].src, "10.10.1.5");
  EXPECT_EQ(h.alerts[0].dst, "10.10.2.21");
}

// ------------------------------------------------------------------------------ cipher suites

TEST(CryptoDetector, WeakSuitesAreNamedWithTheirWeakness) {
  Harness h;
  h.server_hello("10.10.1.5", "10.10.1.7", tls::kTls12, 0x0005);  // TLS_RSA_WITH_RC4_128_SHA
  h.server_hello("10.10.1.5", "10.10.1.7", tls::kTls12, 0x0005, 2);
  h.server_hello("10.10.1.5", "10.10.1.8", tls::kTls12, 0x000A);  // 3DES
  h.server_hello("10.10.1.5", "10.10.1.9", tls::kTls12, 0x0018);  // DH_anon RC4 MD5
  h.server_hello("10.10.1.5", "10.10.1.9", tls::kTls12, 0x0002);  // TLS_RSA_WITH_NULL_SHA
  ASSERT_EQ(h.alerts.size(), 4u) << rules(h.alerts);
  for (const Alert& a : h.alerts) EXPECT_EQ(a.rule, "ward.crypto.weak_cipher");
  EXPECT_EQ(h.alerts[0].evidence.at("cipher"), "TLS_RSA_WITH_RC4_128_SHA");
  EXPECT_EQ(h.alerts[0].evidence.at("cipher_id"), "0x0005");
  EXPECT_EQ(h.alerts[0].evidence.at("weakness"), "rc4");
  EXPECT_EQ(h.alerts[0].severity, "medium");
  EXPECT_EQ(h.alerts[1].evidence.at("weakness"), "3des");
  EXPECT_EQ(h.alerts[2].evidence.at("weakness"), "anon,rc4,md5");
  EXPECT_EQ(h.alerts[2].severity, "high");  // no authentication at all
  EXPECT_EQ(h.alerts[3].evidence.at("weakness"), "null");
  EXPECT_EQ(h.alerts[3].severity, "high");
}

TEST(CryptoDetector, Tls10WithRc4IsBothADeprecatedVersionAndAWeakSuite) {
  Harness h;
  h.server_hello("192.168.1.105", "74.125.224.79", tls::kTls10, 0xC011);
  ASSERT_EQ(h.alerts.size(), 2u) << rules(h.alerts);
  EXPECT_EQ(h.alerts[0].rule, "ward.crypto.deprecated_tls");
  EXPECT_EQ(h.alerts[1].rule, "ward.crypto.weak_cipher");
  EXPECT_EQ(h.alerts[1].evidence.at("cipher"), "TLS_ECDHE_RSA_WITH_RC4_128_SHA");
}

// ------------------------------------------------------------------------------ certificates

TEST(CryptoDetector, SelfSignedCertificateOfAMedicalZoneHostIsOneAlertPerCertificate) {
  Harness h;
  h.certificate("10.10.1.5", "10.10.2.21", kNow, true, kNow - 10 * kDay, kNow + 300 * kDay);
  h.certificate("10.10.1.6", "10.10.2.21", kNow + 5, true, kNow - 10 * kDay, kNow + 300 * kDay);
  ASSERT_EQ(h.alerts.size(), 1u) << rules(h.alerts);
  const Alert& a = h.alerts[0];
  EXPECT_EQ(a.rule, "ward.crypto.certificate_self_signed");
  EXPECT_EQ(a.severity, "medium");
  EXPECT_EQ(a.technique, "T0830");
  EXPECT_EQ(a.dst, "10.10.2.21");
  EXPECT_EQ(a.evidence.at("subject"), "CN=pump-22.local");
  EXPECT_EQ(a.evidence.at("self_signed_by"), "key");
  EXPECT_EQ(a.evidence.at("server_scope"), "medical device");
  // Another certificate on the same server is another finding.
  h.certificate("10.10.1.5", "10.10.2.21", kNow + 9, true, kNow, kNow + kDay, 0, false, "cd34");
  EXPECT_EQ(h.alerts.size(), 2u);
}

TEST(CryptoDetector, ExpiredCertificateGivesTheDatesAndDays) {
  Harness h;
  h.certificate("10.10.1.5", "10.10.5.41", kNow, false, kNow - 400 * kDay, kNow - 30 * kDay);
  ASSERT_EQ(h.alerts.size(), 1u) << rules(h.alerts);
  const Alert& a = h.alerts[0];
  EXPECT_EQ(a.rule, "ward.crypto.certificate_expired");
  EXPECT_EQ(a.evidence.at("days_expired"), "30");
  EXPECT_EQ(a.evidence.at("not_after"), "2023-10-15T22:13:20Z");
  EXPECT_EQ(a.evidence.at("packet_time"), "2023-11-14T22:13:20Z");
}

TEST(CryptoDetector, CertificatesOfNonMedicalServersChainCertsAndClientCertsRaiseNothing) {
  Harness h;
  // A server in a zone that is not medical, and an unzoned one the inventory does not know.
  h.certificate("10.10.2.21", "10.10.1.5", kNow, true, kNow - kDay, kNow - 1);
  h.certificate("10.10.2.21", "10.10.9.9", kNow, true, kNow - kDay, kNow - 1);
  // Medical server: a valid CA-issued leaf, an expired intermediate, a self-signed client cert.
  h.certificate("10.10.1.5", "10.10.2.21", kNow, false, kNow - kDay, kNow + kDay);
  h.certificate("10.10.1.5", "10.10.2.21", kNow, true, kNow - kDay, kNow - 1, 1);
  h.certificate("10.10.1.5", "10.10.2.21", kNow, true, kNow - kDay, kNow - 1, 0, true);
  h.detector->on_finish();
  EXPECT_TRUE(h.alerts.empty()) << rules(h.alerts);
}

TEST(CryptoDetector, WithoutZonesEveryServerIsReportedAtLowSeverity) {
  Harness h("version: 1\n");
  h.certificate("192.168.1.2", "192.168.1.20", kNow, true, kNow - kDay, kNow - 1);
  ASSERT_EQ(h.alerts.size(), 2u) << rules(h.alerts);
  EXPECT_EQ(h.alerts[0].rule, "ward.crypto.certificate_expired");
  EXPECT_EQ(h.alerts[1].rule, "ward.crypto.certificate_self_signed");
  for (const Alert& a : h.alerts) {
    EXPECT_EQ(a.severity, "low");
    EXPECT_EQ(a.evidence.at("server_scope"), "any server (the policy has no zones)");
  }
  // ... unless the inventory already knows it as a medical device.
  h.classes.by_ip = {{"192.168.1.30", "patient_monitor"}};
  h.certificate("192.168.1.2", "192.168.1.30", kNow, true, kNow - kDay, kNow + kDay);
  ASSERT_EQ(h.alerts.size(), 3u);
  EXPECT_EQ(h.alerts[2].severity, "medium");
}

TEST(CryptoDetector, AServerTheInventoryLaterIdentifiesAsMedicalIsReportedThen) {
  Harness h;
  // 10.10.9.50 is unzoned; the inventory identifies it as an imaging modality later on.
  h.certificate("10.10.1.5", "10.10.9.50", kNow, true, kNow - kDay, kNow + kDay);
  h.certificate("10.10.1.5", "10.10.9.51", kNow, true, kNow - kDay, kNow + kDay);  // never
  EXPECT_TRUE(h.alerts.empty());
  h.classes.by_ip = {{"10.10.9.50", "imaging_modality"}};
  h.session("10.10.1.5", "10.10.1.6", 80, 10, kNow + 20);  // a conn record: the sweep runs
  ASSERT_EQ(h.alerts.size(), 1u) << rules(h.alerts);
  EXPECT_EQ(h.alerts[0].dst, "10.10.9.50");
  EXPECT_EQ(h.alerts[0].evidence.at("server_scope"), "medical device (inventory)");
  h.detector->on_finish();
  EXPECT_EQ(h.alerts.size(), 1u) << rules(h.alerts);  // .51 stayed unknown
}

TEST(CryptoDetector, HeldFindingsAreDecidedAtTheEndOfInput) {
  Harness h;
  h.certificate("10.10.1.5", "10.10.9.50", kNow, true, kNow - kDay, kNow + kDay);
  h.classes.by_ip = {{"10.10.9.50", "infusion_pump"}};
  EXPECT_TRUE(h.alerts.empty());
  h.detector->on_finish();
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].rule, "ward.crypto.certificate_self_signed");
}

// ------------------------------------------------------------------------------ cleartext

TEST(CryptoDetector, TelnetAndFtpSessionsToAMedicalDeviceAreHighOncePerClientServerService) {
  Harness h;
  h.session("10.10.1.5", "10.10.5.41", 23, 120);
  h.session("10.10.1.5", "10.10.5.41", 23, 80, 2);
  h.session("10.10.1.5", "10.10.5.41", 21, 60);
  ASSERT_EQ(h.alerts.size(), 2u) << rules(h.alerts);
  EXPECT_EQ(h.alerts[0].rule, "ward.crypto.cleartext_protocol");
  EXPECT_EQ(h.alerts[0].severity, "high");
  EXPECT_EQ(h.alerts[0].technique, "T0842");
  EXPECT_EQ(h.alerts[0].src, "10.10.1.5");
  EXPECT_EQ(h.alerts[0].dst, "10.10.5.41");
  EXPECT_EQ(h.alerts[0].evidence.at("service"), "telnet");
  EXPECT_EQ(h.alerts[0].evidence.at("resp_bytes"), "120");
  EXPECT_EQ(h.alerts[1].evidence.at("service"), "ftp");
}

TEST(CryptoDetector, ProbesAndNonMedicalServersAreNotCleartextSessions) {
  Harness h;
  h.session("10.10.9.66", "10.10.5.41", 23, 0);  // a scan's SYN: the server never spoke
  h.session("10.10.9.66", "10.10.5.41", 21, 0);
  h.session("10.10.5.41", "10.10.1.5", 21, 300);  // from the device to a server: not "to"
  h.session("10.10.1.5", "10.10.1.6", 23, 300);   // between two non-medical servers
  h.session("10.10.1.5", "10.10.5.41", 2323, 300);
  h.detector->on_finish();
  EXPECT_TRUE(h.alerts.empty()) << rules(h.alerts);
}

TEST(CryptoDetector, WithoutZonesTelnetToAnyHostIsLow) {
  Harness h("version: 1\n");
  h.session("192.168.0.2", "192.168.0.1", 23, 1500);
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].severity, "low");
}

TEST(CryptoDetector, CleartextApplicationTrafficIntoOrFromAZoneRequiringEncryption) {
  Harness h;
  // MQTT from a pump to the broker: the pump's zone requires encryption. Many messages, one alert.
  for (int i = 0; i < 3; ++i) {
    bus::EventContext c = h.conn("10.10.2.21", "10.10.1.10", 1883, 1, bus::Direction::kToServer);
    c.uid = "CMQTT1";
    c.service = "mqtt";
    parsers::mqtt::MqttMessage m;
    h.bus.publish(c, m);
  }
  // HL7 into the zone, seen in the connection record only.
  h.session("10.10.1.5", "10.10.2.21", 2575, 200, 1, "hl7");
  ASSERT_EQ(h.alerts.size(), 2u) << rules(h.alerts);
  EXPECT_EQ(h.alerts[0].rule, "ward.crypto.cleartext_protocol");
  EXPECT_EQ(h.alerts[0].severity, "medium");
  EXPECT_EQ(h.alerts[0].evidence.at("service"), "mqtt");
  EXPECT_EQ(h.alerts[0].evidence.at("zone"), "infusion_pumps");
  EXPECT_EQ(h.alerts[0].evidence.at("zone_where"), "ward.yaml:5:5");
  EXPECT_EQ(h.alerts[0].summary,
            "cleartext mqtt from zone infusion_pumps, which requires encryption (10.10.2.21 -> "
            "10.10.1.10:1883)");
  EXPECT_EQ(h.alerts[1].evidence.at("service"), "hl7");
  EXPECT_EQ(h.alerts[1].dst, "10.10.2.21");
}

TEST(CryptoDetector, EncryptedOrUnlistedTrafficAndZonesWithoutTheKeyRaiseNothing) {
  Harness h;
  h.session("10.10.1.5", "10.10.2.21", 443, 200, 1, "tls");   // encrypted
  h.session("10.10.1.5", "10.10.2.21", 53, 200, 1, "dns");    // not a listed protocol
  h.session("10.10.1.5", "10.10.5.41", 2575, 200, 1, "hl7");  // monitors: no require_encryption
  h.session("10.10.1.5", "10.10.1.6", 80, 200, 1, "http");    // servers: neither
  h.session("10.10.1.5", "10.10.2.21", 8080, 200, 1, "");     // no parser recognised it
  h.detector->on_finish();
  EXPECT_TRUE(h.alerts.empty()) << rules(h.alerts);
}

TEST(CryptoDetector, SuppressionsApplyToCryptoRules) {
  Harness h(std::string(kPolicy) +
            "alerts:\n  suppress:\n    - rule: ward.crypto.deprecated_tls\n      hosts: "
            "[10.10.2.21]\n");
  h.server_hello("10.10.1.5", "10.10.2.21", tls::kTls10, 0x002F);
  EXPECT_TRUE(h.alerts.empty());
  EXPECT_EQ(h.stats.suppressed, 1u);
}

}  // namespace
}  // namespace ward::detect
