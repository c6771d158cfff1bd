// tshark as a differential oracle for the TLS parser, over every capture the TLS golden tests
// use (Zeek traces, suricata-verify and nDPI TLS captures): whatever tshark's TLS dissector
// decodes, Ward reports too. Per capture, each of these tshark sets must be contained in
// Ward's: SNIs (tls.handshake.extensions_server_name), JA3 and JA3S hashes
// (tls.handshake.ja3 / ja3s), the ServerHello cipher suite (tls.handshake.ciphersuite of a
// packet holding a ServerHello), and the SHA-256 of every certificate
// (tls.handshake.certificate) against the x509 log's fingerprints; the SANs
// (x509ce.dNSName) against the x509 log's san.dns.
// JA3 and JA3S go the other way: Ward's (first ClientHello, the ServerHello that is not a
// HelloRetryRequest) must be among tshark's.
// Not compared: the JA3S of a connection with a HelloRetryRequest (tshark 4.0 does not
// dissect the ServerHello after it in hrr.pcap; Zeek's baseline agrees with Ward there), DTLS
// (tshark's dtls.* fields; covered by the Zeek DTLS baselines) and TLS inside QUIC (no QUIC
// parser). Ward keeps the first ClientHello of a connection, tshark sees every one: a second hello
// (after a HelloRetryRequest, a renegotiation) is compared only for its SNI, which repeats the
// first.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <sstream>
#include <tuple>

#include "e2e/tshark.h"
#include "golden/tls_golden_util.h"
#include "parsers/tls/tls_x509.h"

namespace ward::testing {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string x; std::getline(ss, x, ',');)
    if (!x.empty()) out.push_back(x);
  return out;
}

std::vector<std::uint8_t> unhex(const std::string& h) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2)
    out.push_back(static_cast<std::uint8_t>(std::stoi(h.substr(i, 2), nullptr, 16)));
  return out;
}

std::vector<std::string> all_captures() {
  std::vector<std::string> out;
  const std::string d = shared_data_dir() + "/pcap/";
  for (const char* z : {"zeek/traces/tls"}) {
    if (!fs::exists(d + z)) continue;
    for (const auto& e : fs::directory_iterator(d + z))
      if (e.path().extension() != ".gz") out.push_back(e.path().string());
  }
  for (const char* n :
       {"ndpi/443-curl.pcap", "ndpi/443-git.pcap", "ndpi/443-safari.pcap", "ndpi/chrome.pcap",
        "ndpi/firefox.pcap", "ndpi/android.pcap", "ndpi/iphone.pcap", "ndpi/tls_alert.pcap",
        "ndpi/tls_long_cert.pcap", "ndpi/tls-rdn-extract.pcap",
        "ndpi/ja3_lots_of_cipher_suites.pcap", "suricata-verify/tls/tls-cert-issuer/tls.pcap",
        "suricata-verify/tls/tls13-draft28/tls13_draft28.pcap",
        "suricata-verify/ja4-tls/input.pcap", "suricata-verify/sslv2-tls-upgrade-01/ssl-v2-s1.pcap",
        "suricata-verify/tls/tls-certs-alert/input.pcap",
        "suricata-verify/tls/tls-client-hello-frag-01/dump_mtu300.pcap"})
    if (fs::exists(d + n)) out.push_back(d + n);
  std::sort(out.begin(), out.end());
  return out;
}

TEST(TsharkTls, SniJa3CipherAndCertificatesAgree) {
  if (!tshark_available()) GTEST_SKIP() << "tshark not installed";
  const auto caps = all_captures();
  if (caps.empty()) GTEST_SKIP() << "shared test data not present";
  int compared = 0;
  for (const std::string& cap : caps) {
    std::set<std::string> sni, ja3, ja3s, ciphers, fps, sans;
    for (const auto& r :
         tshark_fields(cap, "tls.handshake && !quic && !dtls",
                       {"tls.handshake.type", "tls.handshake.extensions_server_name",
                        "tls.handshake.ja3", "tls.handshake.ja3s", "tls.handshake.ciphersuite",
                        "tls.handshake.certificate", "x509ce.dNSName"})) {
      const auto types = split(r[0]);
      const bool has_sh = std::find(types.begin(), types.end(), "2") != types.end();
      const bool has_ch = std::find(types.begin(), types.end(), "1") != types.end();
      for (const auto& s : split(r[1])) sni.insert(s);
      for (const auto& s : split(r[2])) ja3.insert(s);
      for (const auto& s : split(r[3])) ja3s.insert(s);
      if (has_sh && !has_ch)
        for (const auto& s : split(r[4])) ciphers.insert(std::to_string(std::stoul(s, nullptr, 0)));
      for (const auto& c : split(r[5])) {
        std::string hex;
        for (char ch : c)
          if (ch != ':') hex.push_back(ch);
        fps.insert(parsers::tls::detail::sha256_hex(unhex(hex)));
      }
      for (const auto& s : split(r[6])) sans.insert(s);
    }
    const auto& run = tls_run(cap);
    std::set<std::string> w_sni, w_ja3, w_ja3s, w_ciphers, w_fps, w_sans;
    for (const Json& t : run.tls) {
      if (t.value("dtls", false)) continue;  // tshark's dtls.* fields are not compared
      if (t.contains("server_name")) w_sni.insert(t["server_name"]);
      if (t.contains("ja3")) w_ja3.insert(t["ja3"]);
      // tshark 4.0 does not dissect the ServerHello that follows a HelloRetryRequest in
      // hrr.pcap (Zeek's baseline has it, and agrees with Ward's).
      if (t.contains("ja3s") && !t.value("hello_retry_request", false)) w_ja3s.insert(t["ja3s"]);
      if (t.contains("server_cipher")) w_ciphers.insert(t["server_cipher"].dump());
      if (t.contains("cert_chain_fps"))
        for (const auto& f : t["cert_chain_fps"]) w_fps.insert(f);
      if (t.contains("client_cert_chain_fps"))
        for (const auto& f : t["client_cert_chain_fps"]) w_fps.insert(f);
    }
    for (const Json& x : run.x509)
      if (x.contains("san.dns"))
        for (const auto& s : x["san.dns"]) w_sans.insert(s);
    auto contained = [&](const char* what, const std::set<std::string>& theirs,
                         const std::set<std::string>& ours) {
      for (const auto& v : theirs) {
        ++compared;
        EXPECT_TRUE(ours.count(v) != 0)
            << fs::path(cap).filename() << ": tshark " << what << " " << v << " not in Ward's";
      }
    };
    contained("sni", sni, w_sni);
    contained("cipher", ciphers, w_ciphers);
    contained("certificate sha256", fps, w_fps);
    contained("san.dns", sans, w_sans);
    // Ward's JA3 is the first ClientHello's and its JA3S the ServerHello's (not a
    // HelloRetryRequest's): each must be one tshark computed.
    for (const auto& [what, ours, theirs] :
         {std::tuple{"ja3", &w_ja3, &ja3}, std::tuple{"ja3s", &w_ja3s, &ja3s}}) {
      for (const auto& v : *ours) {
        ++compared;
        EXPECT_TRUE(theirs->count(v) != 0) << fs::path(cap).filename() << ": Ward " << what << " "
                                           << v << " not computed by tshark";
      }
    }
  }
  std::printf("tshark tls: %zu captures, %d values compared\n", caps.size(), compared);
}

}  // namespace
}  // namespace ward::testing
