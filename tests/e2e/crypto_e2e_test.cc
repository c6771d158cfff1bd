// The crypto-hygiene detector through the whole monitor on real captures (../shared/data):
// Zeek's TLS traces against the version and cipher columns of Zeek's ssl.log baselines and its
// SSL notices (Old_Version, Weak_Cipher, Certificate_Expired); suricata-verify's tests that
// assert `tls.version`, `tls.subject` and `tls.issuerdn`; nDPI's Telnet and FTP captures (its
// "Unsafe Protocol" risk) and scan capture; the nDPI HL7 capture with a zone that requires
// encryption; and the demo capture with the demo policy.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "e2e/test_util.h"

namespace ward::testing {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

struct MonitorRun {
  std::vector<Json> alerts;  // ward.crypto.* only
  std::vector<Json> tls;     // the tls log
};

// The monitor over `capture` (absolute, or under ../shared/data/pcap) with `policy` (YAML text)
// as the policy if given.
MonitorRun run_capture(const std::string& capture, const std::string& policy = "") {
  const std::string path = capture[0] == '/' ? capture : shared_data_dir() + "/pcap/" + capture;
  MonitorRun out;
  if (!file_exists(path)) {
    ADD_FAILURE() << "missing capture " << path;
    return out;
  }
  TempDir tmp;
  std::string policy_path;
  if (!policy.empty()) {
    policy_path = tmp.path() + "/ward.yaml";
    std::ofstream(policy_path) << policy;
  }
  (void)run_on(path, tmp, policy_path);
  for (auto& a : read_log(tmp.path() + "/logs", "alert"))
    if (a["rule"].get<std::string>().rfind("ward.crypto.", 0) == 0) out.alerts.push_back(a);
  out.tls = read_log(tmp.path() + "/logs", "tls");
  return out;
}

std::vector<Json> with_rule(const std::vector<Json>& alerts, const std::string& rule) {
  std::vector<Json> out;
  for (const auto& a : alerts)
    if (a["rule"] == rule) out.push_back(a);
  return out;
}

std::string rules_of(const std::vector<Json>& alerts) {
  std::string s;
  for (const auto& a : alerts)
    s += a["rule"].get<std::string>() + "(" + a["src"]["ip"].get<std::string>() + ">" +
         a["dst"]["ip"].get<std::string>() + ") ";
  return s;
}

bool deprecated(const std::string& zeek_version) {
  return zeek_version == "SSLv2" || zeek_version == "SSLv3" || zeek_version == "TLSv10" ||
         zeek_version == "TLSv11" || zeek_version == "DTLSv10";
}

// The suites the crypto rules call weak, by the words of their IANA names.
bool weak(const std::string& cipher) {
  for (const char* w : {"NULL", "EXPORT", "anon", "RC4", "DES", "IDEA", "MD5"})
    if (cipher.find(w) != std::string::npos) return true;
  return false;
}

// Every Zeek TLS trace through the monitor once, without a policy.
struct ZeekTraces {
  std::map<std::string, Json> tls_by_tuple;  // "orig_h|orig_p|resp_h|resp_p"
  std::vector<Json> alerts;
  int traces = 0;
};

const ZeekTraces& zeek_traces() {
  static const ZeekTraces t = [] {
    ZeekTraces z;
    const std::string dir = shared_data_dir() + "/pcap/zeek/traces/tls";
    if (!fs::exists(dir)) return z;
    std::vector<std::string> paths;
    for (const auto& e : fs::directory_iterator(dir))  // the .pcap.gz has its own test below
      if (e.path().extension() == ".pcap") paths.push_back(e.path().string());
    std::sort(paths.begin(), paths.end());
    for (const std::string& p : paths) {
      MonitorRun r = run_capture(p);
      ++z.traces;
      for (auto& s : r.tls) {
        const std::string key = s["id.orig_h"].get<std::string>() + "|" +
                                std::to_string(s["id.orig_p"].get<int>()) + "|" +
                                s["id.resp_h"].get<std::string>() + "|" +
                                std::to_string(s["id.resp_p"].get<int>());
        z.tls_by_tuple[key] = s;
      }
      for (auto& a : r.alerts) z.alerts.push_back(a);
    }
    return z;
  }();
  return t;
}

// Zeek's ssl.log baselines: every row with a version, of the connections Ward saw in the traces.
// The deprecated_tls alert for (client, server) must name Zeek's version iff that version is
// deprecated, and weak_cipher Zeek's cipher iff that suite is weak; conversely no such alert
// for a pair whose covered rows do not call for it.
TEST(CryptoCaptures, DeprecatedVersionAndWeakSuiteAlertsAgreeWithZeekSslLog) {
  const ZeekTraces& z = zeek_traces();
  ASSERT_GT(z.traces, 20);
  std::set<std::tuple<std::string, std::string, std::string>> ward_dep, ward_weak;
  for (const auto& a : z.alerts) {
    const std::string src = a["src"]["ip"], dst = a["dst"]["ip"];
    if (a["rule"] == "ward.crypto.deprecated_tls")
      ward_dep.emplace(src, dst, a["evidence"]["version"].get<std::string>());
    if (a["rule"] == "ward.crypto.weak_cipher")
      ward_weak.emplace(src, dst, a["evidence"]["cipher"].get<std::string>());
  }
  std::set<std::tuple<std::string, std::string, std::string, std::string>> rows;  // unique
  const fs::path base = shared_data_dir() + "/pcap/zeek/baselines";
  ASSERT_TRUE(fs::exists(base));
  for (const auto& d : fs::directory_iterator(base)) {
    const std::string name = d.path().filename().string();
    if (name.find("protocols.ssl.") == std::string::npos || !d.is_directory()) continue;
    for (const auto& f : fs::directory_iterator(d.path())) {
      const std::string fn = f.path().filename().string();
      if (fn.rfind("ssl", 0) != 0 || f.path().extension() != ".log") continue;
      for (const ZeekRow& r : read_zeek_log(f.path().string())) {
        if (!r.count("version") || r.at("version") == "-") continue;
        const std::string key = r.at("id.orig_h") + "|" + r.at("id.orig_p") + "|" +
                                r.at("id.resp_h") + "|" + r.at("id.resp_p");
        if (z.tls_by_tuple.count(key) == 0) continue;  // a trace not in the shared data
        rows.emplace(r.at("id.orig_h"), r.at("id.resp_h"), r.at("version"), r.at("cipher"));
      }
    }
  }
  int checked = 0, agree = 0, dep_rows = 0, weak_rows = 0;
  std::set<std::pair<std::string, std::string>> pairs;
  for (const auto& [orig, resp, version, cipher] : rows) {
    ++checked;
    pairs.emplace(orig, resp);
    const bool want_dep = deprecated(version);
    const bool want_weak = weak(cipher);
    dep_rows += want_dep;
    weak_rows += want_weak;
    const bool has_dep = ward_dep.count({orig, resp, version}) != 0;
    const bool has_weak = ward_weak.count({orig, resp, cipher}) != 0;
    EXPECT_EQ(has_dep, want_dep) << orig << " > " << resp << " Zeek version " << version;
    EXPECT_EQ(has_weak, want_weak) << orig << " > " << resp << " Zeek cipher " << cipher;
    agree += (has_dep == want_dep && has_weak == want_weak);
  }
  // Conversely: each alert about a pair Zeek logged names a version or suite Zeek logged.
  for (const auto& [src, dst, version] : ward_dep) {
    if (pairs.count({src, dst}) == 0) continue;
    bool found = false;
    for (const auto& r : rows)
      found |= std::get<0>(r) == src && std::get<1>(r) == dst && std::get<2>(r) == version;
    EXPECT_TRUE(found) << "deprecated_tls " << src << " > " << dst << " " << version;
  }
  for (const auto& [src, dst, cipher] : ward_weak) {
    if (pairs.count({src, dst}) == 0) continue;
    bool found = false;
    for (const auto& r : rows)
      found |= std::get<0>(r) == src && std::get<1>(r) == dst && std::get<3>(r) == cipher;
    EXPECT_TRUE(found) << "weak_cipher " << src << " > " << dst << " " << cipher;
  }
  std::cout << "[ figures  ] Zeek ssl.log rows checked " << checked << " (deprecated " << dep_rows
            << ", weak suite " << weak_rows << "), agreeing " << agree << "; Ward alerts "
            << ward_dep.size() << " deprecated_tls, " << ward_weak.size() << " weak_cipher over "
            << z.traces << " traces\n";
  EXPECT_GE(checked, 20);
  EXPECT_GE(dep_rows, 7);
  EXPECT_GE(weak_rows, 4);
  EXPECT_EQ(agree, checked);
}

// Zeek's policy/protocols/ssl/weak-keys.zeek notices on the same traces: SSL::Old_Version for
// 192.168.4.149 -> 91.227.4.92 (SSLv2) and SSL::Weak_Cipher for 192.150.187.164 ->
// 194.127.84.106 (TLS_RSA_WITH_RC4_128_MD5, three connections, one notice).
// Zeek's gzip-compressed trace of a handshake fragmented over many records, read as it is
// shipped (.pcap.gz), against Zeek's ssl.log for it (scripts.base.protocols.ssl.fragment).
TEST(CryptoCaptures, GzipCompressedFragmentedHandshakeAgreesWithZeekSslLog) {
  const std::string trace =
      shared_data_dir() + "/pcap/zeek/traces/tls/tls-fragmented-handshake.pcap.gz";
  ASSERT_TRUE(fs::exists(trace)) << trace;
  const MonitorRun r = run_capture(trace);
  ASSERT_EQ(r.tls.size(), 1u);
  const Json& t = r.tls[0];
  // Zeek: 192.168.6.86 61454 104.236.167.107 4433 TLSv12 TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384
  // secp256r1 104.236.167.107 resumed F established F history Csxkn.
  EXPECT_EQ(t["id.orig_h"], "192.168.6.86");
  EXPECT_EQ(t["id.resp_p"], 4433);
  EXPECT_EQ(t["version"], "TLSv12");
  EXPECT_EQ(t["cipher"], "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384");
  EXPECT_EQ(t["curve"], "secp256r1");
  EXPECT_EQ(t["server_name"], "104.236.167.107");
  EXPECT_EQ(t["resumed"], false);
  EXPECT_EQ(t["established"], false);
  EXPECT_EQ(t["ssl_history"], "Csxkn");
}

TEST(CryptoCaptures, ZeekOldVersionAndWeakCipherNoticesAreOneAlertEach) {
  const MonitorRun v2 = run_capture("zeek/traces/tls/ssl-v2.pcap");
  const auto dep = with_rule(v2.alerts, "ward.crypto.deprecated_tls");
  ASSERT_EQ(dep.size(), 1u) << rules_of(v2.alerts);
  EXPECT_EQ(dep[0]["src"]["ip"], "192.168.4.149");
  EXPECT_EQ(dep[0]["dst"]["ip"], "91.227.4.92");
  EXPECT_EQ(dep[0]["evidence"]["version"], "SSLv2");
  EXPECT_EQ(dep[0]["evidence"]["deprecated_by"], "RFC 6176");
  EXPECT_EQ(dep[0]["severity"], "high");

  const MonitorRun rc4 = run_capture("zeek/traces/tls/ssl.v3.pcap");
  ASSERT_EQ(rc4.tls.size(), 3u);
  const auto weak_alerts = with_rule(rc4.alerts, "ward.crypto.weak_cipher");
  ASSERT_EQ(weak_alerts.size(), 1u) << rules_of(rc4.alerts);
  EXPECT_EQ(weak_alerts[0]["src"]["ip"], "192.150.187.164");
  EXPECT_EQ(weak_alerts[0]["dst"]["ip"], "194.127.84.106");
  EXPECT_EQ(weak_alerts[0]["evidence"]["cipher"], "TLS_RSA_WITH_RC4_128_MD5");
  EXPECT_EQ(weak_alerts[0]["evidence"]["weakness"], "rc4,md5");
  EXPECT_EQ(weak_alerts[0]["technique"]["id"], "T0830");
}

// Zeek's expiring-certs notice.log over tls-expired-cert.pcap: SSL::Certificate_Expired for
// 87.98.220.10 ("CN=www.spidh.org ... expired at 2014-03-04-23:59:59"), only
// Certificate_Expires_Soon for 122.1.240.204. Without zones every server is in scope (low);
// with 87.98.220.10 in a medical zone the alert is medium; in a zone that is not medical, none.
TEST(CryptoCaptures, ExpiredCertificateAgreesWithZeekExpiringCertsNotice) {
  const MonitorRun r = run_capture("zeek/traces/tls/tls-expired-cert.pcap");
  const auto exp = with_rule(r.alerts, "ward.crypto.certificate_expired");
  ASSERT_EQ(exp.size(), 1u) << rules_of(r.alerts);
  EXPECT_EQ(exp[0]["dst"]["ip"], "87.98.220.10");
  EXPECT_EQ(exp[0]["src"]["ip"], "192.168.4.149");
  EXPECT_EQ(exp[0]["severity"], "low");
  EXPECT_EQ(exp[0]["evidence"]["not_after"], "2014-03-04T23:59:59Z");
  EXPECT_NE(exp[0]["evidence"]["subject"].get<std::string>().find("CN=www.spidh.org"),
            std::string::npos);

  const std::string zone = "zones:\n  - name: vendor\n    cidrs: [87.98.220.10/32]\n";
  const MonitorRun med =
      run_capture("zeek/traces/tls/tls-expired-cert.pcap", zone + "    medical: true\n");
  const auto med_exp = with_rule(med.alerts, "ward.crypto.certificate_expired");
  ASSERT_EQ(med_exp.size(), 1u) << rules_of(med.alerts);
  EXPECT_EQ(med_exp[0]["severity"], "medium");
  EXPECT_EQ(med_exp[0]["evidence"]["server_scope"], "medical device");

  const MonitorRun other = run_capture("zeek/traces/tls/tls-expired-cert.pcap", zone);
  EXPECT_TRUE(with_rule(other.alerts, "ward.crypto.certificate_expired").empty())
      << rules_of(other.alerts);
  EXPECT_TRUE(with_rule(other.alerts, "ward.crypto.certificate_self_signed").empty());
}

// suricata-verify tls-subject / tls-issuerdn over tls-cert-issuer/tls.pcap: the server's
// certificate has tls.subject == tls.issuerdn == "C=FR, ST=IDF, L=Paris, O=Stamus, CN=SELKS"
// (Ward prints RFC 2253, most specific first); tls-cert-validity counts 4 tls events with it
// (a fifth connection resumes without a certificate). One self-signed alert for the four, and
// not expired (notafter 2025-02-09; the capture is from 2015).
TEST(CryptoCaptures, SuricataSelfSignedSelksCertificateIsOneAlertForFourConnections) {
  const MonitorRun r = run_capture("suricata-verify/tls/tls-cert-issuer/tls.pcap");
  int with_cert = 0;
  for (const auto& t : r.tls) with_cert += t.contains("subject") ? 1 : 0;
  EXPECT_EQ(with_cert, 4);
  const auto ss = with_rule(r.alerts, "ward.crypto.certificate_self_signed");
  ASSERT_EQ(ss.size(), 1u) << rules_of(r.alerts);
  EXPECT_EQ(ss[0]["evidence"]["subject"], "CN=SELKS,O=Stamus,L=Paris,ST=IDF,C=FR");
  EXPECT_EQ(ss[0]["dst"]["ip"], "192.168.56.101");
  EXPECT_EQ(ss[0]["severity"], "low");  // no zones
  EXPECT_EQ(ss[0]["evidence"]["issuer"], ss[0]["evidence"]["subject"]);
  EXPECT_EQ(ss[0]["evidence"]["not_after"], "2025-02-09T18:07:27Z");
  EXPECT_TRUE(with_rule(r.alerts, "ward.crypto.certificate_expired").empty());
}

// Every suricata-verify test.yaml check on an `event_type: tls` record that asserts
// `tls.version`: "TLSv1" (TLS 1.0), "TLSv1.1", "SSLv3" and "SSLv2" must give a deprecated_tls
// alert for that client and server naming the same version; "TLSv1.2" and "TLSv1.3" none.
TEST(CryptoCaptures, DeprecatedTlsAgreesWithSuricataVerifyTlsVersion) {
  const fs::path root = shared_data_dir() + "/pcap/suricata-verify";
  ASSERT_TRUE(fs::exists(root));
  const std::map<std::string, std::string> kVersion = {
      {"TLSv1", "TLSv10"}, {"TLSv1.1", "TLSv11"}, {"SSLv3", "SSLv3"}, {"SSLv2", "SSLv2"}};
  std::map<std::string, MonitorRun> runs;
  int checked = 0, deprecated_checks = 0, missing_pcap = 0;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.path().filename() != "test.yaml") continue;
    const fs::path dir = e.path().parent_path();
    YAML::Node y;
    try {
      y = YAML::LoadFile(e.path().string());
    } catch (const YAML::Exception&) {
      continue;  // not ours to judge
    }
    if (!y["checks"] || !y["checks"].IsSequence()) continue;
    fs::path pcap;
    if (y["pcap"] && y["pcap"].IsScalar()) {
      pcap = dir / y["pcap"].as<std::string>();
    } else {
      for (const auto& f : fs::directory_iterator(dir))
        if (f.path().extension() == ".pcap" || f.path().extension() == ".pcapng") pcap = f.path();
    }
    for (const auto& check : y["checks"]) {
      const YAML::Node m = check["filter"] ? check["filter"]["match"] : YAML::Node();
      if (!m || !m["tls.version"] || !m["event_type"] || m["event_type"].as<std::string>() != "tls")
        continue;
      if (pcap.empty() || !fs::exists(pcap)) {
        ++missing_pcap;
        continue;
      }
      const std::string key = fs::weakly_canonical(pcap).string();
      if (runs.count(key) == 0) runs[key] = run_capture(key);
      const MonitorRun& r = runs[key];
      const std::string sv = m["tls.version"].as<std::string>();
      const auto it = kVersion.find(sv);
      ++checked;
      std::vector<Json> found;
      for (const auto& a : with_rule(r.alerts, "ward.crypto.deprecated_tls")) {
        if (m["src_ip"] && a["src"]["ip"] != m["src_ip"].as<std::string>()) continue;
        if (m["dest_ip"] && a["dst"]["ip"] != m["dest_ip"].as<std::string>()) continue;
        found.push_back(a);
      }
      if (it == kVersion.end()) {
        EXPECT_TRUE(found.empty()) << dir << ": Suricata says " << sv << "; " << rules_of(found);
        continue;
      }
      ++deprecated_checks;
      ASSERT_EQ(found.size(), 1u) << dir << ": Suricata says " << sv << "; " << rules_of(r.alerts);
      EXPECT_EQ(found[0]["evidence"]["version"], it->second) << dir;
    }
  }
  std::cout << "[ figures  ] suricata-verify tls.version checks " << checked << " (deprecated "
            << deprecated_checks << "), captures " << runs.size() << ", checks whose capture is "
            << "not in the shared data " << missing_pcap << "\n";
  EXPECT_GE(deprecated_checks, 5);
}

// suricata-verify ssl_version_negated: `ssl_version:tls1.0` (sid 3) matches and
// `ssl_version:!tls1.0` (sid 4) never does, on every packet of the session. One alert.
TEST(CryptoCaptures, SuricataSslVersionRulesAndWardAgreeOnTls10) {
  const MonitorRun r = run_capture("suricata-verify/ssl_version_negated/input.pcap");
  ASSERT_EQ(r.alerts.size(), 1u) << rules_of(r.alerts);
  EXPECT_EQ(r.alerts[0]["rule"], "ward.crypto.deprecated_tls");
  EXPECT_EQ(r.alerts[0]["evidence"]["version"], "TLSv10");
  EXPECT_EQ(r.alerts[0]["dst"]["ip"], "10.157.4.11");
}

// nDPI telnet.pcap: one Telnet session 192.168.0.2 -> 192.168.0.1:23 (nDPI: Telnet, risk
// "Unsafe Protocol"). Without zones: one low alert. With the server in a medical zone: high.
// With it in a zone that is not medical: none.
TEST(CryptoCaptures, NdpiTelnetSessionToAMedicalDeviceIsHigh) {
  const MonitorRun plain = run_capture("ndpi/telnet.pcap");
  ASSERT_EQ(plain.alerts.size(), 1u) << rules_of(plain.alerts);
  EXPECT_EQ(plain.alerts[0]["rule"], "ward.crypto.cleartext_protocol");
  EXPECT_EQ(plain.alerts[0]["severity"], "low");
  EXPECT_EQ(plain.alerts[0]["technique"]["id"], "T0842");
  EXPECT_EQ(plain.alerts[0]["src"]["ip"], "192.168.0.2");
  EXPECT_EQ(plain.alerts[0]["dst"]["ip"], "192.168.0.1");
  EXPECT_EQ(plain.alerts[0]["evidence"]["service"], "telnet");

  const std::string zone = "zones:\n  - name: monitors\n    cidrs: [192.168.0.1/32]\n";
  const MonitorRun med = run_capture("ndpi/telnet.pcap", zone + "    medical: true\n");
  ASSERT_EQ(med.alerts.size(), 1u) << rules_of(med.alerts);
  EXPECT_EQ(med.alerts[0]["severity"], "high");
  EXPECT_TRUE(run_capture("ndpi/telnet.pcap", zone).alerts.empty());
}

// nDPI ftp_failed.pcap (FTP_CONTROL over IPv6, "Unsafe Protocol") and Zeek's FTP brute-force
// trace (30 sessions of one client to one server): one alert each.
TEST(CryptoCaptures, FtpSessionsAreOneAlertPerClientAndServer) {
  const MonitorRun v6 = run_capture("ndpi/ftp_failed.pcap");
  ASSERT_EQ(v6.alerts.size(), 1u) << rules_of(v6.alerts);
  EXPECT_EQ(v6.alerts[0]["dst"]["ip"], "2a00:800:1010::1");
  EXPECT_EQ(v6.alerts[0]["evidence"]["service"], "ftp");
  const MonitorRun bf = run_capture("zeek/traces/ftp/bruteforce.pcap");
  ASSERT_EQ(bf.alerts.size(), 1u) << rules_of(bf.alerts);
  EXPECT_EQ(bf.alerts[0]["src"]["ip"], "192.168.56.1");
  EXPECT_EQ(bf.alerts[0]["dst"]["ip"], "192.168.56.101");
}

// nDPI synscan.pcap probes ports 21 and 23 among ~1000 (nDPI names them FTP_CONTROL and Telnet
// "Match by port", one 58-byte packet each): probes, not sessions, so no cleartext alert.
TEST(CryptoCaptures, ScanProbesOfTelnetAndFtpPortsAreNotSessions) {
  const MonitorRun r = run_capture("ndpi/synscan.pcap");
  EXPECT_TRUE(r.alerts.empty()) << rules_of(r.alerts);
}

// nDPI hl7.pcap: HL7 over MLLP 10.0.0.155 -> 10.0.0.126:6661 in clear. With the receiver's
// zone requiring encryption: one cleartext_protocol alert; without the key: none.
TEST(CryptoCaptures, CleartextHl7IntoAZoneThatRequiresEncryption) {
  const std::string zone = "zones:\n  - name: lab\n    cidrs: [10.0.0.126/32]\n";
  const MonitorRun r = run_capture("ndpi/hl7.pcap", zone + "    require_encryption: true\n");
  ASSERT_EQ(r.alerts.size(), 1u) << rules_of(r.alerts);
  EXPECT_EQ(r.alerts[0]["rule"], "ward.crypto.cleartext_protocol");
  EXPECT_EQ(r.alerts[0]["severity"], "medium");
  EXPECT_EQ(r.alerts[0]["src"]["ip"], "10.0.0.155");
  EXPECT_EQ(r.alerts[0]["dst"]["ip"], "10.0.0.126");
  EXPECT_EQ(r.alerts[0]["evidence"]["service"], "hl7");
  EXPECT_EQ(r.alerts[0]["evidence"]["zone"], "lab");
  EXPECT_TRUE(run_capture("ndpi/hl7.pcap", zone).alerts.empty());
  EXPECT_TRUE(run_capture("ndpi/hl7.pcap").alerts.empty());
}

// The demo's benign capture with the demo policy: no crypto finding.
TEST(CryptoCaptures, DemoCaptureWithTheDemoPolicyHasNoCryptoFinding) {
  const MonitorRun r =
      run_capture(source_dir() + "/tests/data/synthetic-ward/capture.pcap",
                  read_file(source_dir() + "/tests/data/synthetic-ward/ward.yaml"));
  EXPECT_TRUE(r.alerts.empty()) << rules_of(r.alerts);
}

}  // namespace
}  // namespace ward::testing
