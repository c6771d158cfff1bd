// Unit tests of the TLS parser: hello fields and fingerprints, the session summary, handshake
// messages across records and records across segments (every split offset), limits, alerts,
// certificates (generated with OpenSSL in the test), SSLv2 and DTLS, content detection and the
// logs. Byte strings are built field by field with the spec's names in the comments.
#include "parsers/tls/tls_parser.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "parsers/testing/parser_test_util.h"
#include "parsers/tls/tls_fingerprint.h"
#include "parsers/tls/tls_log.h"
#include "parsers/tls/tls_names.h"
#include "parsers/tls/tls_x509.h"

namespace ward::parsers::tls {
namespace {

using testing::Chunk;
using testing::RecordingSink;

// ----------------------------------------------------------------------------- byte builders

struct Bytes {
  std::vector<std::uint8_t> v;
  Bytes& u8(unsigned x) {
    v.push_back(static_cast<std::uint8_t>(x));
    return *this;
  }
  Bytes& u16(unsigned x) { return u8(x >> 8).u8(x); }
  Bytes& u24(unsigned x) { return u8(x >> 16).u8(x >> 8).u8(x); }
  Bytes& u32(unsigned x) { return u16(x >> 16).u16(x); }
  Bytes& add(const std::vector<std::uint8_t>& b) {
    v.insert(v.end(), b.begin(), b.end());
    return *this;
  }
  Bytes& add(std::string_view s) {
    v.insert(v.end(), s.begin(), s.end());
    return *this;
  }
  Bytes& fill(std::size_t n, std::uint8_t b) {
    v.insert(v.end(), n, b);
    return *this;
  }
  // <..2^8-1>, <..2^16-1>, <..2^24-1> vectors (RFC 5246 §4.3).
  Bytes& vec8(const std::vector<std::uint8_t>& b) { return u8(b.size()).add(b); }
  Bytes& vec16(const std::vector<std::uint8_t>& b) { return u16(b.size()).add(b); }
  Bytes& vec24(const std::vector<std::uint8_t>& b) { return u24(b.size()).add(b); }
};

std::vector<std::uint8_t> ext(unsigned type, const std::vector<std::uint8_t>& data) {
  return Bytes().u16(type).vec16(data).v;
}
std::vector<std::uint8_t> sni_ext(std::string_view host) {
  // RFC 6066 §3: ServerNameList { NameType host_name(0), HostName }
  return ext(0, Bytes().vec16(Bytes().u8(0).vec16(Bytes().add(host).v).v).v);
}
std::vector<std::uint8_t> alpn_ext(const std::vector<std::string>& protos) {
  Bytes list;
  for (const auto& p : protos) list.vec8(Bytes().add(p).v);
  return ext(16, Bytes().vec16(list.v).v);
}
std::vector<std::uint8_t> u16_list_ext(unsigned type, const std::vector<unsigned>& values,
                                       bool len8 = false) {
  Bytes list;
  for (unsigned x : values) list.u16(x);
  return ext(type, len8 ? Bytes().vec8(list.v).v : Bytes().vec16(list.v).v);
}

std::vector<std::uint8_t> handshake(unsigned type, const std::vector<std::uint8_t>& body) {
  return Bytes().u8(type).vec24(body).v;
}
std::vector<std::uint8_t> record(unsigned type, const std::vector<std::uint8_t>& payload,
                                 unsigned version = 0x0303) {
  return Bytes().u8(type).u16(version).vec16(payload).v;
}

struct HelloSpec {
  unsigned version = 0x0303;
  std::vector<std::uint8_t> session_id;
  std::vector<unsigned> ciphers = {0x1a1a /* GREASE */, 0x1301, 0x1302, 0xc02f};
  std::vector<std::vector<std::uint8_t>> extensions;
};

std::vector<std::uint8_t> client_hello(const HelloSpec& h) {
  Bytes ciphers;
  for (unsigned c : h.ciphers) ciphers.u16(c);
  Bytes exts;
  for (const auto& e : h.extensions) exts.add(e);
  Bytes body;
  body.u16(h.version).fill(32, 0x11).vec8(h.session_id).vec16(ciphers.v).vec8({0}).vec16(exts.v);
  return handshake(1, body.v);
}

// A TLS 1.2 ServerHello choosing `cipher`, with renegotiation_info and ec_point_formats.
std::vector<std::uint8_t> server_hello(unsigned cipher,
                                       std::vector<std::vector<std::uint8_t>> extensions = {},
                                       const std::vector<std::uint8_t>& session_id = {},
                                       unsigned version = 0x0303, bool hrr = false) {
  Bytes exts;
  for (const auto& e : extensions) exts.add(e);
  Bytes body;
  body.u16(version);
  if (hrr) {
    // RFC 8446 §4.1.3: SHA-256("HelloRetryRequest")
    body.add(std::vector<std::uint8_t>{0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11,
                                       0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
                                       0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E,
                                       0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C});
  } else {
    body.fill(32, 0x22);
  }
  body.vec8(session_id).u16(cipher).u8(0).vec16(exts.v);
  return handshake(2, body.v);
}

// The standard browser-like ClientHello of these tests.
HelloSpec browser_hello() {
  HelloSpec h;
  h.extensions = {
      ext(0x2a2a, {}),                             // GREASE extension
      sni_ext("pump-gw.example.org"),              // server_name
      u16_list_ext(10, {0x3a3a, 0x001d, 0x0017}),  // supported_groups: GREASE, x25519, secp256r1
      ext(11, Bytes().vec8({0}).v),                // ec_point_formats: uncompressed
      u16_list_ext(13, {0x0403, 0x0804}),          // signature_algorithms
      alpn_ext({"h2", "http/1.1"}),                // ALPN
      u16_list_ext(43, {0x4a4a, 0x0304, 0x0303}, true),  // supported_versions
      ext(51, Bytes().vec16(Bytes().u16(0x001d).vec16(std::vector<std::uint8_t>(32, 7)).v).v),
  };
  return h;
}

std::string describe(const bus::Event& e) {
  if (const auto* ch = bus::event_cast<TlsClientHello>(e))
    return "client_hello v=" + std::to_string(ch->version) +
           " sni=" + std::string(ch->server_name) + " ja3=" + std::string(ch->ja3_hash) +
           " ja4=" + std::string(ch->ja4);
  if (const auto* sh = bus::event_cast<TlsServerHello>(e))
    return std::string(sh->hello_retry_request ? "hrr" : "server_hello") +
           " v=" + std::to_string(sh->negotiated_version) +
           " cipher=" + std::to_string(sh->cipher) + " ja3s=" + std::string(sh->ja3s_hash);
  if (const auto* c = bus::event_cast<TlsCertificate>(e))
    return "cert " + std::to_string(c->index) + " " + c->info->subject;
  if (const auto* a = bus::event_cast<TlsAlert>(e))
    return "alert " + std::to_string(a->level) + "/" + std::to_string(a->description);
  if (const auto* s = bus::event_cast<TlsSession>(e))
    return "session " + version_name(s->version) + " hist=" + s->history +
           " est=" + std::to_string(s->established) + " sni=" + s->server_name;
  return {};
}

// Keeps copies of the events a test inspects in detail.
class CapturingSink final : public EventSink {
 public:
  void emit(const bus::Event& e) override {
    if (const auto* s = bus::event_cast<TlsSession>(e)) sessions.push_back(*s);
    if (const auto* ch = bus::event_cast<TlsClientHello>(e)) {
      ja3.emplace_back(ch->ja3);
      ja4.emplace_back(ch->ja4);
      alpn.assign(ch->alpn.begin(), ch->alpn.end());
      alpn_copy.clear();
      for (auto a : ch->alpn) alpn_copy.emplace_back(a);
    }
    if (const auto* c = bus::event_cast<TlsCertificate>(e)) {
      certs.push_back(*c->info);
      expired.push_back(c->expired);
    }
    if (log) log->on_event(ctx, e);
  }
  void anomaly(std::string_view id, std::string_view /*detail*/) override {
    anomalies.emplace_back(id);
  }
  void confirm_protocol() override { ++confirmations; }
  [[nodiscard]] TimeNs packet_time() const override { return now; }

  std::vector<TlsSession> sessions;
  std::vector<std::string> ja3, ja4, anomalies, alpn_copy;
  std::vector<std::string_view> alpn;
  std::vector<X509Info> certs;
  std::vector<bool> expired;
  int confirmations = 0;
  TimeNs now = 1'700'000'000 * kNsPerSec;
  bus::Subscriber* log = nullptr;
  bus::EventContext ctx{};
};

const TlsParserFactory& factory() {
  static const TlsParserFactory f{Limits{}};
  return f;
}

void run_with(const TlsParserFactory& f, CapturingSink& sink, const std::vector<Chunk>& chunks) {
  const auto p = f.make(sink);
  for (const Chunk& c : chunks) {
    const auto r = p->on_data(c.dir, c.bytes);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->consumed, c.bytes.size()) << "the test feeds whole records";
  }
  p->on_end(Direction::kToServer);
  p->on_end(Direction::kToClient);
}

void run(CapturingSink& sink, const std::vector<Chunk>& chunks) {
  run_with(factory(), sink, chunks);
}

Chunk to_server(const std::vector<std::uint8_t>& b) { return testing::to_server(b); }
Chunk to_client(const std::vector<std::uint8_t>& b) { return testing::to_client(b); }

// ----------------------------------------------------------------------------- certificates

// A certificate made with OpenSSL for the test: EC P-256, signed by its own key.
std::vector<std::uint8_t> make_cert(const std::string& cn, const std::string& san_dns,
                                    long not_before_offset_s, long not_after_offset_s) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 0x1234);
  // Validity relative to the sinks' fixed packet time, not the wall clock.
  time_t base = 1'700'000'000;
  X509_time_adj_ex(X509_getm_notBefore(x), 0, not_before_offset_s, &base);
  X509_time_adj_ex(X509_getm_notAfter(x), 0, not_after_offset_s, &base);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("Ward Test"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509_set_pubkey(x, key);
  if (!san_dns.empty()) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
    X509_EXTENSION* e = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name,
                                            ("DNS:" + san_dns + ",IP:10.1.2.3").c_str());
    X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
  }
  X509_sign(x, key, EVP_sha256());
  unsigned char* der = nullptr;
  const int n = i2d_X509(x, &der);
  std::vector<std::uint8_t> out(der, der + n);
  OPENSSL_free(der);
  X509_free(x);
  EVP_PKEY_free(key);
  return out;
}

std::vector<std::uint8_t> certificate_msg(const std::vector<std::vector<std::uint8_t>>& chain) {
  Bytes list;
  for (const auto& c : chain) list.vec24(c);
  return handshake(11, Bytes().vec24(list.v).v);
}

// A full TLS 1.2 ECDHE handshake (RFC 5246 §7.3 figure 1) with application data both ways.
std::vector<Chunk> tls12_conversation(const std::vector<std::uint8_t>& cert) {
  HelloSpec h = browser_hello();
  const auto ske =
      handshake(12, Bytes().u8(3).u16(0x0017).vec8(std::vector<std::uint8_t>(65, 4)).v);
  Bytes server_flight;
  server_flight
      .add(server_hello(0xc02f, {ext(0xff01, {0}), ext(11, Bytes().vec8({0}).v), alpn_ext({"h2"})}))
      .add(certificate_msg({cert}))
      .add(ske)
      .add(handshake(14, {}));
  return {
      to_server(record(22, client_hello(h), 0x0301)),
      to_client(record(22, server_flight.v)),
      to_server(
          Bytes()
              .add(record(22, handshake(16, Bytes().vec8(std::vector<std::uint8_t>(65, 4)).v)))
              .add(record(20, {1}))
              .add(record(22, std::vector<std::uint8_t>(40, 0xee)))  // encrypted Finished
              .v),
      to_client(Bytes()
                    .add(record(22, handshake(4, Bytes().u32(0x1c).u16(0).v)))
                    .add(record(20, {1}))
                    .add(record(22, std::vector<std::uint8_t>(40, 0xdd)))
                    .v),
      to_server(record(23, std::vector<std::uint8_t>(100, 0xaa))),
      to_client(record(23, std::vector<std::uint8_t>(300, 0xbb))),
  };
}

// ----------------------------------------------------------------------------- tests

TEST(TlsFingerprint, Ja3DropsGreaseFromCiphersExtensionsAndGroups) {
  const HelloSpec h = browser_hello();
  CapturingSink sink;
  run(sink, {to_server(record(22, client_hello(h), 0x0301))});
  ASSERT_EQ(sink.ja3.size(), 1U);
  // 771 = 0x0303; ciphers 0x1301,0x1302,0xc02f; extensions 0,10,11,13,16,43,51; groups 29,23;
  // point formats 0.
  EXPECT_EQ(sink.sessions.at(0).ja3_string, "771,4865-4866-49199,0-10-11-13-16-43-51,29-23,0");
  EXPECT_EQ(sink.sessions.at(0).ja3,
            detail::md5_hex("771,4865-4866-49199,0-10-11-13-16-43-51,29-23,0"));
}

TEST(TlsFingerprint, Ja4FollowsTheFoxIoSpec) {
  CapturingSink sink;
  run(sink, {to_server(record(22, client_hello(browser_hello()), 0x0301))});
  ASSERT_EQ(sink.ja4.size(), 1U);
  // t, "13" from supported_versions, 'd' (SNI), 03 ciphers and 07 extensions without GREASE,
  // "h2"; b = sha256("1301,1302,c02f"); c = sha256 of the sorted extensions without SNI/ALPN
  // and the signature algorithms in wire order.
  const std::string b = detail::sha256_hex(as_bytes("1301,1302,c02f")).substr(0, 12);
  const std::string c =
      detail::sha256_hex(as_bytes("000a,000b,000d,002b,0033_0403,0804")).substr(0, 12);
  EXPECT_EQ(sink.ja4[0], "t13d0307h2_" + b + "_" + c);
}

TEST(TlsFingerprint, Ja4AlpnUsesHexForNonAlphanumericValuesAnd00WhenAbsent) {
  EXPECT_EQ(detail::ja4_alpn(false, {}), "00");
  const std::vector<std::uint8_t> odd = {0xab, 'x', 0x01};
  EXPECT_EQ(detail::ja4_alpn(true, odd), "a1");
  EXPECT_EQ(detail::ja4_alpn(true, as_bytes("http/1.1")), "h1");
  EXPECT_EQ(detail::ja4_version(0xfefd), "d2");
  EXPECT_EQ(detail::ja4_version(0x0300), "s3");
}

TEST(TlsParser, ClientHelloFieldsAreDecoded) {
  CapturingSink sink;
  run(sink, {to_server(record(22, client_hello(browser_hello()), 0x0301))});
  ASSERT_EQ(sink.sessions.size(), 1U);
  const TlsSession& s = sink.sessions[0];
  EXPECT_EQ(s.server_name, "pump-gw.example.org");
  EXPECT_EQ(s.client_alpn, (std::vector<std::string>{"h2", "http/1.1"}));
  EXPECT_EQ(s.client_supported_versions, (std::vector<std::uint16_t>{0x4a4a, 0x0304, 0x0303}));
  EXPECT_EQ(s.client_key_share_groups, (std::vector<std::uint16_t>{0x001d}));
  EXPECT_EQ(s.sigalgs, (std::vector<std::uint16_t>{0x0403, 0x0804}));
  EXPECT_EQ(s.client_comp_methods, (std::vector<std::uint8_t>{0}));
  EXPECT_EQ(s.client_record_version, 0x0301);
  EXPECT_EQ(s.history, "C");
  EXPECT_FALSE(s.established);
  EXPECT_EQ(s.outcome, Outcome::kIncomplete);
  EXPECT_EQ(sink.confirmations, 1);
  EXPECT_TRUE(sink.anomalies.empty());
}

TEST(TlsParser, FullTls12HandshakeIsSummarisedLikeZeek) {
  const auto cert = make_cert("pump-gw.example.org", "pump-gw.example.org", -3600, 86400 * 365);
  CapturingSink sink;
  run(sink, tls12_conversation(cert));
  ASSERT_EQ(sink.sessions.size(), 1U);
  const TlsSession& s = sink.sessions[0];
  EXPECT_EQ(version_name(s.version), "TLSv12");
  EXPECT_EQ(cipher_display_name(*s.cipher), "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
  EXPECT_EQ(group_name(*s.curve), "secp256r1");  // from the ServerKeyExchange
  EXPECT_EQ(s.history, "CsxknGIti");
  EXPECT_TRUE(s.established);
  EXPECT_EQ(s.outcome, Outcome::kEstablished);
  EXPECT_EQ(s.next_protocol, "h2");
  EXPECT_EQ(s.ticket_lifetime_hint, 0x1c);
  ASSERT_EQ(s.cert_chain_fps.size(), 1U);
  EXPECT_EQ(s.cert_chain_fps[0], detail::sha256_hex(cert));
  EXPECT_EQ(s.subject, "CN=pump-gw.example.org,O=Ward Test");
  EXPECT_EQ(s.issuer, s.subject);
  EXPECT_EQ(s.sni_matches_cert, true);
  EXPECT_EQ(s.encrypted_records[0], 2U);  // Finished + application data
  EXPECT_EQ(s.encrypted_records[1], 2U);
  EXPECT_EQ(s.change_cipher_specs[0], 1U);
  ASSERT_EQ(sink.certs.size(), 1U);
  const X509Info& x = sink.certs[0];
  EXPECT_EQ(x.version, 3U);
  EXPECT_EQ(x.serial, "1234");
  EXPECT_EQ(x.key_type, "ecdsa");
  EXPECT_EQ(x.key_alg, "id-ecPublicKey");
  EXPECT_EQ(x.sig_alg, "ecdsa-with-SHA256");
  EXPECT_EQ(x.key_length, 256U);
  EXPECT_EQ(x.curve, "prime256v1");
  EXPECT_EQ(x.san_dns, (std::vector<std::string>{"pump-gw.example.org"}));
  EXPECT_EQ(x.san_ip, (std::vector<std::string>{"10.1.2.3"}));
  EXPECT_TRUE(x.self_signed);
  EXPECT_FALSE(sink.expired[0]);
  EXPECT_EQ(sink.anomalies, (std::vector<std::string>{"tls.cert_self_signed"}));
}

TEST(TlsParser, ExpiredCertificateAndSniMismatchAreReported) {
  const auto cert = make_cert("other.example.org", "", -86400 * 30, -86400);
  CapturingSink sink;
  run(sink, tls12_conversation(cert));
  ASSERT_EQ(sink.expired.size(), 1U);
  EXPECT_TRUE(sink.expired[0]);
  EXPECT_EQ(sink.sessions.at(0).sni_matches_cert, false);
  EXPECT_NE(std::find(sink.anomalies.begin(), sink.anomalies.end(), "tls.cert_expired"),
            sink.anomalies.end());
}

TEST(TlsParser, SameEventsForEverySplitOfTheConversation) {
  const auto cert = make_cert("pump-gw.example.org", "pump-gw.example.org", -3600, 86400);
  // The handshake depends on cross-direction order (the session summary), so no interleaving.
  testing::expect_same_events_for_every_split(factory(), describe, tls12_conversation(cert),
                                              /*reply_in_between=*/false);
}

TEST(TlsParser, HandshakeMessageFragmentedAcrossRecordsIsReassembled) {
  const auto hello = client_hello(browser_hello());
  Bytes records;
  for (std::size_t off = 0; off < hello.size(); off += 7) {
    const std::size_t n = std::min<std::size_t>(7, hello.size() - off);
    records.add(record(22, std::vector<std::uint8_t>(hello.begin() + static_cast<long>(off),
                                                     hello.begin() + static_cast<long>(off + n))));
  }
  CapturingSink sink;
  run(sink, {to_server(records.v)});
  ASSERT_EQ(sink.sessions.size(), 1U);
  EXPECT_EQ(sink.sessions[0].server_name, "pump-gw.example.org");
  EXPECT_TRUE(sink.anomalies.empty());
  testing::expect_same_events_for_every_split(factory(), describe, {to_server(records.v)});
}

TEST(TlsParser, OversizedHandshakeMessageIsSkippedNotBuffered) {
  LimitOverrides o;
  o.set("tls.max_handshake_bytes", 1024);
  const TlsParserFactory small(limits_from(o));
  EXPECT_EQ(small.limits().max_handshake_bytes, 1024U);
  // A 3000-byte certificate message in 3 records, then a ServerHelloDone that must still parse.
  const auto big = handshake(11, std::vector<std::uint8_t>(3000, 0x30));
  Bytes in;
  in.add(record(22, std::vector<std::uint8_t>(big.begin(), big.begin() + 1000)));
  in.add(record(22, std::vector<std::uint8_t>(big.begin() + 1000, big.begin() + 2000)));
  in.add(record(22, Bytes()
                        .add(std::vector<std::uint8_t>(big.begin() + 2000, big.end()))
                        .add(handshake(14, {}))
                        .v));
  CapturingSink sink;
  const auto p = small.make(sink);
  ASSERT_TRUE(p->on_data(Direction::kToServer, record(22, client_hello(browser_hello()))).ok());
  const auto r = p->on_data(Direction::kToClient, in.v);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->consumed, in.v.size());
  p->on_end(Direction::kToServer);
  p->on_end(Direction::kToClient);
  EXPECT_EQ(sink.anomalies, (std::vector<std::string>{"tls.handshake_too_large"}));
  EXPECT_EQ(sink.sessions.at(0).history, "Cxn");
}

TEST(TlsParser, OversizedRecordIsSkippedWithAnAnomaly) {
  Bytes in;
  in.u8(22).u16(0x0303).u16(20000).fill(20000, 0);
  in.add(record(22, client_hello(browser_hello())));
  CapturingSink sink;
  run(sink, {to_server(in.v)});
  EXPECT_EQ(sink.anomalies, (std::vector<std::string>{"tls.record_too_large"}));
  EXPECT_EQ(sink.sessions.at(0).server_name, "pump-gw.example.org");
}

TEST(TlsParser, FatalAlertEndsTheHandshake) {
  CapturingSink sink;
  run(sink, {to_server(record(22, client_hello(browser_hello()))),
             to_client(record(21, {2, 40}))});  // fatal handshake_failure
  const TlsSession& s = sink.sessions.at(0);
  EXPECT_EQ(s.last_alert, 40);
  EXPECT_EQ(alert_name(40), "handshake_failure");
  EXPECT_EQ(s.history, "Cl");
  EXPECT_EQ(s.outcome, Outcome::kAlert);
  EXPECT_FALSE(s.established);
}

TEST(TlsParser, HelloRetryRequestAndSecondClientHelloAfterDummyCcs) {
  HelloSpec h = browser_hello();
  const auto hrr =
      server_hello(0x1301, {ext(43, Bytes().u16(0x0304).v), ext(51, Bytes().u16(0x0017).v)}, {},
                   0x0303, /*hrr=*/true);
  const auto sh = server_hello(
      0x1301, {ext(43, Bytes().u16(0x0304).v),
               ext(51, Bytes().u16(0x0017).vec16(std::vector<std::uint8_t>(65, 4)).v)});
  CapturingSink sink;
  run(sink, {to_server(record(22, client_hello(h))), to_client(record(22, hrr)),
             to_server(Bytes().add(record(20, {1})).add(record(22, client_hello(h))).v),
             to_client(Bytes()
                           .add(record(22, sh))
                           .add(record(20, {1}))
                           .add(record(23, std::vector<std::uint8_t>(50, 1)))
                           .v),
             to_server(record(23, std::vector<std::uint8_t>(50, 2)))});
  const TlsSession& s = sink.sessions.at(0);
  EXPECT_TRUE(s.hello_retry_request);
  EXPECT_EQ(s.history, "CjICsi");
  EXPECT_EQ(version_name(s.version), "TLSv13");
  EXPECT_EQ(group_name(*s.curve), "secp256r1");
  EXPECT_TRUE(s.established);
}

TEST(TlsParser, SessionIdEchoMeansResumed) {
  HelloSpec h = browser_hello();
  h.session_id = std::vector<std::uint8_t>(32, 0x5a);
  CapturingSink sink;
  run(sink, {to_server(record(22, client_hello(h))),
             to_client(record(22, server_hello(0xc02f, {}, h.session_id)))});
  EXPECT_TRUE(sink.sessions.at(0).resumed);
}

TEST(TlsParser, LegacyVersionIsReportedForDetectors) {
  CapturingSink sink;
  run(sink, {to_server(record(22, client_hello(HelloSpec{0x0301, {}, {0x002f}, {}}), 0x0301)),
             to_client(record(22, server_hello(0x002f, {}, {}, 0x0301), 0x0301))});
  EXPECT_EQ(version_name(sink.sessions.at(0).version), "TLSv10");
  EXPECT_EQ(sink.anomalies, (std::vector<std::string>{"tls.legacy_version"}));
}

TEST(TlsNames, WeakSuitesAreClassifiedWithTheirReasons) {
  EXPECT_EQ(cipher_weaknesses(0x0000), "null");            // TLS_NULL_WITH_NULL_NULL
  EXPECT_EQ(cipher_weaknesses(0x0003), "export,rc4,md5");  // TLS_RSA_EXPORT_WITH_RC4_40_MD5
  EXPECT_EQ(cipher_weaknesses(0x0004), "rc4,md5");         // TLS_RSA_WITH_RC4_128_MD5
  EXPECT_EQ(cipher_weaknesses(0x0009), "des");             // TLS_RSA_WITH_DES_CBC_SHA
  EXPECT_EQ(cipher_weaknesses(0x000A), "3des");            // TLS_RSA_WITH_3DES_EDE_CBC_SHA
  EXPECT_EQ(cipher_weaknesses(0x0014), "export,des");      // TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA
  EXPECT_EQ(cipher_weaknesses(0x0018), "anon,rc4,md5");    // TLS_DH_anon_WITH_RC4_128_MD5
  EXPECT_EQ(cipher_weaknesses(0xC011), "rc4");             // TLS_ECDHE_RSA_WITH_RC4_128_SHA
  EXPECT_EQ(cipher_weaknesses(0xC018), "anon");            // TLS_ECDH_anon_WITH_AES_128_CBC_SHA
  EXPECT_EQ(cipher_weaknesses(0xC0B4), "null");            // TLS_SHA256_SHA256 (RFC 9150)
  EXPECT_EQ(cipher_weaknesses(0x0007), "idea");            // TLS_RSA_WITH_IDEA_CBC_SHA
  EXPECT_EQ(cipher_weaknesses(0xFEFE), "des");             // SSL_RSA_FIPS_WITH_DES_CBC_SHA
  // Sound suites, and values the registry does not name.
  for (std::uint16_t ok : {0x002F, 0x0035, 0x009C, 0xC02F, 0xC030, 0xCCA8, 0x1301, 0x1302, 0x1303,
                           0x00FF, 0x5600, 0x0A0A})
    EXPECT_EQ(cipher_weaknesses(ok), "") << cipher_display_name(ok);
  // The two functions agree on every value.
  for (unsigned c = 0; c <= 0xFFFF; ++c) {
    const auto v = static_cast<std::uint16_t>(c);
    ASSERT_EQ(is_weak_cipher(v), !cipher_weaknesses(v).empty()) << cipher_display_name(v);
  }
}

TEST(TlsParser, Sslv2CompatibleClientHelloIsRecognised) {
  // RFC 5246 E.2: msg_type 1, version 3.1, cipher_spec_length 6, session_id_length 0,
  // challenge_length 16; two V2CipherSpecs: TLS_RSA_WITH_AES_128_CBC_SHA, SSL_CK_RC4_128_WITH_MD5.
  Bytes body;
  body.u8(1).u16(0x0301).u16(6).u16(0).u16(16).u24(0x00002f).u24(0x010080).fill(16, 0x99);
  Bytes rec;
  rec.u8(0x80 | (body.v.size() >> 8)).u8(body.v.size()).add(body.v);
  EXPECT_EQ(probe(Direction::kToServer, rec.v), Probe::kYes);
  CapturingSink sink;
  run(sink,
      {to_server(rec.v), to_client(record(22, server_hello(0x002f, {}, {}, 0x0301), 0x0301))});
  const TlsSession& s = sink.sessions.at(0);
  EXPECT_EQ(s.client_record_version, kSsl2);
  EXPECT_EQ(s.client_version, 0x0301);
  EXPECT_EQ(s.client_ciphers, (std::vector<std::uint16_t>{0x002f}));
  EXPECT_EQ(version_name(s.version), "TLSv10");
  EXPECT_EQ(s.history, "Cs");
}

TEST(TlsParser, HttpOnPort443IsNotTls) {
  CapturingSink sink;
  const auto p = factory().make(sink);
  const std::string req = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  const auto r = p->on_data(Direction::kToServer, as_bytes(req));
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(sink.anomalies, (std::vector<std::string>{"tls.invalid_record"}));
  p->on_end(Direction::kToServer);
  p->on_end(Direction::kToClient);
  EXPECT_TRUE(sink.sessions.empty());
  EXPECT_EQ(probe(Direction::kToServer, as_bytes(req)), Probe::kNo);
}

TEST(TlsParser, ProbeRecognisesHellosAndWaitsForShortInput) {
  EXPECT_EQ(probe(Direction::kToServer, record(22, client_hello(browser_hello()))), Probe::kYes);
  EXPECT_EQ(probe(Direction::kToClient, record(22, server_hello(0x1301))), Probe::kYes);
  EXPECT_EQ(probe(Direction::kToServer, std::vector<std::uint8_t>{22, 3}), Probe::kMaybe);
  EXPECT_EQ(probe(Direction::kToServer, record(23, {1, 2, 3, 4})), Probe::kNo);
  EXPECT_EQ(probe(Direction::kToServer, std::vector<std::uint8_t>{0x10, 0x0c, 0, 4, 'M', 'Q'}),
            Probe::kNo);  // MQTT CONNECT
}

TEST(TlsParser, GapInsideApplicationDataKeepsTheFraming) {
  CapturingSink sink;
  const auto p = factory().make(sink);
  const auto hello = record(22, client_hello(browser_hello()));
  ASSERT_TRUE(p->on_data(Direction::kToServer, hello).ok());
  ASSERT_TRUE(p->on_data(Direction::kToClient, record(22, server_hello(0xc02f))).ok());
  auto app = record(23, std::vector<std::uint8_t>(1000, 1));
  app.resize(500);
  ASSERT_TRUE(p->on_data(Direction::kToServer, app).ok());
  p->on_gap(Direction::kToServer, 505);                                    // the rest of the record
  ASSERT_TRUE(p->on_data(Direction::kToServer, record(21, {1, 0})).ok());  // after: parsed
  p->on_end(Direction::kToServer);
  p->on_end(Direction::kToClient);
  EXPECT_TRUE(sink.anomalies.empty());
}

TEST(TlsParser, DtlsClientHelloOverUdpWithCookieExchange) {
  // RFC 6347 §4.1 record header (type, version, epoch, sequence_number:48, length) and
  // §4.2.2 handshake header (msg_type, length, message_seq, fragment_offset, fragment_length).
  auto dtls = [](unsigned type, const std::vector<std::uint8_t>& body, unsigned seq,
                 unsigned frag_off, unsigned frag_len, unsigned epoch = 0) {
    Bytes hs;
    hs.u8(type).u24(body.size()).u16(seq).u24(frag_off).u24(frag_len);
    hs.add(std::vector<std::uint8_t>(body.begin() + frag_off, body.begin() + frag_off + frag_len));
    return Bytes().u8(22).u16(0xfefd).u16(epoch).u16(0).u32(seq).vec16(hs.v).v;
  };
  // DTLS ClientHello body: version, random, session_id, cookie, cipher_suites, compression, exts.
  auto ch_body = [](const std::vector<std::uint8_t>& cookie) {
    return Bytes()
        .u16(0xfefd)
        .fill(32, 3)
        .vec8({})
        .vec8(cookie)
        .vec16(Bytes().u16(0xc02b).v)
        .vec8({0})
        .vec16(sni_ext("infusion.example"))
        .v;
  };
  const auto hvr = Bytes().u16(0xfeff).vec8({9, 9, 9, 9}).v;  // HelloVerifyRequest
  const auto ch2 = ch_body({9, 9, 9, 9});
  const auto sh = Bytes().u16(0xfefd).fill(32, 4).vec8({}).u16(0xc02b).u8(0).v;
  EXPECT_EQ(udp_probe(Direction::kToServer, dtls(1, ch_body({}), 0, 0, ch_body({}).size())),
            Probe::kYes);
  EXPECT_EQ(udp_probe(Direction::kToServer, std::vector<std::uint8_t>{0, 1, 0, 8, 0x21, 0x12}),
            Probe::kNo);  // STUN binding request
  CapturingSink sink;
  const auto p = factory().make_datagram(sink);
  p->on_datagram(Direction::kToServer, dtls(1, ch_body({}), 0, 0, ch_body({}).size()));
  p->on_datagram(Direction::kToClient, dtls(3, hvr, 0, 0, hvr.size()));
  // The second ClientHello in two fragments.
  p->on_datagram(Direction::kToServer, dtls(1, ch2, 1, 0, 20));
  p->on_datagram(Direction::kToServer, dtls(1, ch2, 1, 20, ch2.size() - 20));
  p->on_datagram(Direction::kToClient, dtls(2, sh, 1, 0, sh.size()));
  p->on_end();
  const TlsSession& s = sink.sessions.at(0);
  EXPECT_TRUE(s.dtls);
  EXPECT_EQ(version_name(s.version), "DTLSv12");
  EXPECT_EQ(s.history, "CvCs");
  EXPECT_EQ(s.server_name, "infusion.example");
  EXPECT_EQ(sink.ja4.at(0).substr(0, 10), "dd2d010100");
  EXPECT_TRUE(sink.anomalies.empty());
}

TEST(TlsLog, SessionRecordHasZeekFieldNames) {
  const auto cert = make_cert("pump-gw.example.org", "pump-gw.example.org", -3600, 86400);
  struct Lines final : bus::LogSink {
    std::vector<std::pair<std::string, std::string>> lines;
    void write(std::string_view name, std::string_view line) override {
      lines.emplace_back(name, line);
    }
  } out;
  TlsLog log(out);
  CapturingSink sink;
  sink.log = &log;
  sink.ctx.uid = "Cabc";
  run(sink, tls12_conversation(cert));
  run(sink, tls12_conversation(cert));  // the same certificate again: one x509 record only
  ASSERT_EQ(out.lines.size(), 3U);
  EXPECT_EQ(out.lines[0].first, "x509");
  EXPECT_EQ(out.lines[1].first, "tls");
  const auto x = nlohmann::json::parse(out.lines[0].second);
  EXPECT_EQ(x["certificate.subject"], "CN=pump-gw.example.org,O=Ward Test");
  EXPECT_EQ(x["certificate.key_type"], "ecdsa");
  EXPECT_EQ(x["san.dns"], nlohmann::json::array({"pump-gw.example.org"}));
  EXPECT_EQ(x["host_cert"], true);
  const auto t = nlohmann::json::parse(out.lines[1].second);
  EXPECT_EQ(t["uid"], "Cabc");
  EXPECT_EQ(t["version"], "TLSv12");
  EXPECT_EQ(t["cipher"], "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
  EXPECT_EQ(t["curve"], "secp256r1");
  EXPECT_EQ(t["server_name"], "pump-gw.example.org");
  EXPECT_EQ(t["established"], true);
  EXPECT_EQ(t["ssl_history"], "CsxknGIti");
  EXPECT_EQ(t["next_protocol"], "h2");
  EXPECT_EQ(t["orig_alpn"], nlohmann::json::array({"h2", "http/1.1"}));
  EXPECT_EQ(t["ja3"].get<std::string>().size(), 32U);
  EXPECT_EQ(t["ja4"].get<std::string>().substr(0, 10), "t13d0307h2");
  EXPECT_EQ(t["ja3s_string"], "771,49199,65281-11-16");
  EXPECT_EQ(t["cert_chain_fps"], nlohmann::json::array({detail::sha256_hex(cert)}));
  EXPECT_EQ(t["sni_matches_cert"], true);
}

TEST(TlsX509, CacheDecodesEachDistinctCertificateOnceAndEvictsTheLeastRecentlyUsed) {
  const auto a = make_cert("a.example.org", "a.example.org", -3600, 86400);
  const auto b = make_cert("b.example.org", "b.example.org", -3600, 86400);
  const auto c = make_cert("c.example.org", "c.example.org", -3600, 86400);
  const std::vector<std::uint8_t> junk = {0x30, 0x82, 0xff, 0xff, 1, 2, 3};
  detail::X509Cache cache(2);
  const X509Info* first = cache.lookup(a, {});
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->san_dns, (std::vector<std::string>{"a.example.org"}));
  const std::string a_sha256 = first->sha256;
  ASSERT_NE(cache.lookup(a, {}), nullptr);  // same bytes, another handshake
  EXPECT_EQ(cache.hits(), 1U);
  EXPECT_EQ(cache.lookup(a, {})->sha256, a_sha256);
  EXPECT_EQ(cache.lookup(junk, {}), nullptr);  // failures are remembered too
  EXPECT_EQ(cache.lookup(junk, {}), nullptr);
  EXPECT_EQ(cache.hits(), 3U);
  EXPECT_EQ(cache.size(), 2U);
  // b evicts the least recently used entry: a (junk was looked up last).
  EXPECT_EQ(cache.lookup(b, {})->san_dns, (std::vector<std::string>{"b.example.org"}));
  EXPECT_EQ(cache.size(), 2U);
  EXPECT_EQ(cache.lookup(a, {})->san_dns, (std::vector<std::string>{"a.example.org"}));
  EXPECT_EQ(cache.hits(), 3U);  // a was decoded again
  EXPECT_EQ(cache.lookup(c, {})->san_dns, (std::vector<std::string>{"c.example.org"}));
  EXPECT_EQ(cache.size(), 2U);
  detail::X509Cache off(0);
  EXPECT_EQ(off.lookup(c, {})->san_dns, (std::vector<std::string>{"c.example.org"}));
  EXPECT_EQ(off.lookup(c, {})->san_dns, (std::vector<std::string>{"c.example.org"}));
  EXPECT_EQ(off.hits(), 0U);
  EXPECT_EQ(off.size(), 0U);
}

TEST(TlsParser, ConnectionsSharingACertificateReportItsValidityAtTheirOwnPacketTime) {
  // The cached decode must not carry one connection's clock into another's verdict.
  const auto cert = make_cert("pump-gw.example.org", "pump-gw.example.org", -3600, 86400);
  const TlsParserFactory shared(Limits{});
  CapturingSink now;
  run_with(shared, now, tls12_conversation(cert));
  CapturingSink later;
  later.now += 2 * 86400 * kNsPerSec;  // two days on: the certificate has expired
  run_with(shared, later, tls12_conversation(cert));
  ASSERT_EQ(now.expired.size(), 1U);
  ASSERT_EQ(later.expired.size(), 1U);
  EXPECT_FALSE(now.expired[0]);
  EXPECT_TRUE(later.expired[0]);
  EXPECT_EQ(now.certs.at(0).sha256, later.certs.at(0).sha256);
}

TEST(TlsX509, GarbageIsNotACertificate) {
  X509Info info;
  const std::vector<std::uint8_t> junk = {0x30, 0x82, 0xff, 0xff, 1, 2, 3};
  EXPECT_FALSE(detail::decode_x509(junk, {}, info));
  EXPECT_FALSE(detail::decode_x509({}, {}, info));
  EXPECT_EQ(detail::days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(detail::days_from_civil(1950, 1, 1), -7305);
  EXPECT_EQ(detail::days_from_civil(2500, 1, 1), 193579);
}

}  // namespace
}  // namespace ward::parsers::tls
