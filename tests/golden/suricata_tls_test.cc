// Golden test against suricata-verify's TLS, JA3 and JA4 tests (../shared/data/pcap/
// suricata-verify/{tls/*,tls-*,ja4-*,bug-5713-02-ja4,detect-bidir-ja3,sslv2-tls-upgrade-01,
// bug-7264-*}): each test's capture goes through `ward monitor` (in-process), Ward's `tls`
// records are converted into Suricata's EVE `tls` shape, and every `filter` check of the
// test.yaml about `event_type: tls` is evaluated field by field: the number of Ward events that
// match all its compared fields must equal the expected count.
//
// What is not compared, and why (each intended difference of output):
//   - alert.*, stats, frames, lua and file-store checks: Suricata's rule engine and file store.
//   - pcap_cnt, pkt_src, has-key / not-has-key of tls.certificate, tls.chain (base64 DER) and
//     tls.client.* certificate details: Suricata internals, or PEM/DER dumps Ward does not log
//     (Ward logs fingerprints and decoded fields, in the x509 log).
//   - tls.subjectaltname[i]: Ward logs SANs in the x509 log (san.dns), not in the tls record.
// Converted fields: tls.subject / tls.issuerdn (Ward's RFC 2253 names reversed into Suricata's
// "C=.., CN=.." order, emailAddress spelled "Email"), tls.serial (colon-separated bytes with
// DER's leading 00 when the high bit is set), tls.fingerprint (SHA-1, colon-separated),
// tls.notbefore / tls.notafter (ISO 8601 UTC), tls.version (Suricata's spelling), tls.sni,
// tls.ja3.*, tls.ja3s.*, tls.ja4, tls.session_resumed, tls.client_alpns / tls.server_alpns,
// tls.client_handshake.* / tls.server_handshake.* (wire numbers), 5-tuple.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <ctime>
#include <filesystem>
#include <set>

#include "golden/tls_golden_util.h"

namespace ward::testing {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

// Suricata's TLS versions: TLS 1.0 is "TLSv1"; drafts before 16 are "TLS 1.3 draft-<16".
std::string eve_version(const std::string& zeek) {
  if (zeek == "TLSv10") return "TLSv1";
  if (zeek.rfind("TLSv13-draft", 0) == 0 && std::stoi(zeek.substr(12)) < 16)
    return "TLS 1.3 draft-<16";
  return suricata_version(zeek);
}

std::string eve_name(const std::string& rfc2253) {
  std::vector<std::string> rdns;
  std::string cur;
  for (std::size_t i = 0; i < rfc2253.size(); ++i) {
    const char c = rfc2253[i];
    if (c == '\\' && i + 1 < rfc2253.size()) {
      cur.push_back(rfc2253[++i]);
    } else if (c == ',') {
      rdns.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  rdns.push_back(cur);
  std::string out;
  for (auto it = rdns.rbegin(); it != rdns.rend(); ++it) {
    std::string rdn = *it;
    if (rdn.rfind("emailAddress=", 0) == 0) rdn = "Email=" + rdn.substr(13);
    out += (out.empty() ? "" : ", ") + rdn;
  }
  return out;
}

std::string eve_serial(std::string hex) {
  if (hex.size() % 2 != 0) hex = "0" + hex;
  if (!hex.empty() && std::string("89ABCDEF").find(hex[0]) != std::string::npos) hex = "00" + hex;
  std::string out;
  for (std::size_t i = 0; i < hex.size(); i += 2) out += (i ? ":" : "") + hex.substr(i, 2);
  return out;
}

std::string colon_hex(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) out += (i ? ":" : "") + hex.substr(i, 2);
  return out;
}

std::string iso_time(std::int64_t s) {
  const std::time_t t = static_cast<std::time_t>(s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return buf;
}

// One Ward `tls` record as Suricata's flattened EVE keys.
std::map<std::string, Json> to_eve(const Json& r) {
  std::map<std::string, Json> e;
  e["event_type"] = "tls";
  e["src_ip"] = r["id.orig_h"];
  e["src_port"] = r["id.orig_p"];
  e["dest_ip"] = r["id.resp_h"];
  e["dest_port"] = r["id.resp_p"];
  e["proto"] = "TCP";
  e["tls.version"] = r.contains("version") ? eve_version(r["version"]) : "UNDETERMINED";
  if (r.value("tls13_draft_layout", false)) e["tls.version"] = "TLS 1.3 draft-<16";
  if (r.contains("server_name")) e["tls.sni"] = r["server_name"];
  if (r.contains("subject")) e["tls.subject"] = eve_name(r["subject"]);
  if (r.contains("issuer")) e["tls.issuerdn"] = eve_name(r["issuer"]);
  if (r.contains("cert_serial")) e["tls.serial"] = eve_serial(r["cert_serial"]);
  if (r.contains("cert_sha1")) e["tls.fingerprint"] = colon_hex(r["cert_sha1"]);
  if (r.contains("cert_not_before")) e["tls.notbefore"] = iso_time(r["cert_not_before"]);
  if (r.contains("cert_not_after")) e["tls.notafter"] = iso_time(r["cert_not_after"]);
  if (r.contains("ja3")) e["tls.ja3.hash"] = r["ja3"];
  if (r.contains("ja3_string")) e["tls.ja3.string"] = r["ja3_string"];
  if (r.contains("ja3s")) e["tls.ja3s.hash"] = r["ja3s"];
  if (r.contains("ja3s_string")) e["tls.ja3s.string"] = r["ja3s_string"];
  if (r.contains("ja4")) e["tls.ja4"] = r["ja4"];
  if (r.value("resumed", false)) e["tls.session_resumed"] = true;
  if (r.contains("orig_alpn"))
    for (std::size_t i = 0; i < r["orig_alpn"].size(); ++i)
      e["tls.client_alpns[" + std::to_string(i) + "]"] = r["orig_alpn"][i];
  if (r.contains("next_protocol")) e["tls.server_alpns[0]"] = r["next_protocol"];
  auto version_of = [](unsigned v) {
    switch (v) {
      case 0x0301:
        return std::string("TLSv1");
      case 0x0302:
        return std::string("TLS 1.1");
      case 0x0303:
        return std::string("TLS 1.2");
      case 0x0304:
        return std::string("TLS 1.3");
      case 0x0300:
        return std::string("SSLv3");
      default:
        return std::to_string(v);
    }
  };
  if (r.contains("client_version"))
    e["tls.client_handshake.version"] = version_of(r["client_version"].get<unsigned>());
  if (r.contains("client_ciphers")) e["tls.client_handshake.ciphers"] = r["client_ciphers"];
  if (r.contains("ssl_client_exts")) e["tls.client_handshake.exts"] = r["ssl_client_exts"];
  if (r.contains("signature_schemes")) e["tls.client_handshake.sig_algs"] = r["signature_schemes"];
  if (r.contains("server_version"))
    e["tls.server_handshake.version"] = version_of(r["server_version"].get<unsigned>());
  if (r.contains("server_cipher")) e["tls.server_handshake.cipher"] = r["server_cipher"];
  if (r.contains("ssl_server_exts")) e["tls.server_handshake.exts"] = r["ssl_server_exts"];
  return e;
}

bool not_compared(const std::string& key) {
  return key == "pcap_cnt" || key == "pkt_src" || key.rfind("tls.subjectaltname", 0) == 0 ||
         key.rfind("tls.client.", 0) == 0;
}

Json yaml_to_json(const YAML::Node& n) {
  if (n.IsSequence()) {
    Json a = Json::array();
    for (const auto& x : n) a.push_back(yaml_to_json(x));
    return a;
  }
  const std::string s = n.as<std::string>();
  if (n.Tag() == "!") return s;  // a quoted scalar stays a string ("55")
  if (s == "true") return true;
  if (s == "false") return false;
  if (!s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(c) != 0; }))
    return std::stoll(s);
  return s;
}

std::vector<fs::path> test_dirs() {
  std::vector<fs::path> out;
  const fs::path sv = shared_data_dir() + "/pcap/suricata-verify";
  if (!fs::exists(sv)) return out;
  for (const auto& e : fs::directory_iterator(sv / "tls")) out.push_back(e.path());
  for (const auto& e : fs::directory_iterator(sv)) {
    const std::string n = e.path().filename().string();
    if (n.rfind("tls-", 0) == 0 || n.rfind("ja4-", 0) == 0 || n == "bug-5713-02-ja4" ||
        n == "detect-bidir-ja3" || n == "sslv2-tls-upgrade-01" || n.rfind("bug-7264-", 0) == 0)
      out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

fs::path capture_of(const fs::path& dir, const YAML::Node& y) {
  if (y["pcap"]) return fs::weakly_canonical(dir / y["pcap"].as<std::string>());
  for (const auto& f : fs::directory_iterator(dir)) {
    const std::string ext = f.path().extension().string();
    if (ext == ".pcap" || ext == ".pcapng") return f.path();
  }
  return {};
}

// Tests whose captures Ward reads differently on purpose, with the reason.
const std::map<std::string, std::string> kIntended = {
    // The ClientHello is carried in QUIC Initial packets; Ward has no QUIC parser.
    {"tls-alpn-client-log-01", "TLS inside QUIC (no QUIC parser in Ward)"},
};

TEST(SuricataTls, EveTlsChecksAgreeFieldByField) {
  const auto dirs = test_dirs();
  if (dirs.empty()) GTEST_SKIP() << "shared test data not present";
  int tests = 0, agree = 0, checks = 0, fields = 0;
  std::vector<std::string> failed;
  for (const fs::path& dir : dirs) {
    if (!fs::exists(dir / "test.yaml")) continue;
    const YAML::Node y = YAML::LoadFile((dir / "test.yaml").string());
    std::vector<YAML::Node> tls_checks;
    for (const auto& c : y["checks"]) {
      const YAML::Node f = c["filter"];
      if (!f || !f["match"]) continue;
      if (f["match"]["event_type"] && f["match"]["event_type"].as<std::string>() == "tls")
        tls_checks.push_back(f);
    }
    if (tls_checks.empty()) continue;  // rule-engine-only test
    const fs::path cap = capture_of(dir, y);
    if (cap.empty() || !fs::exists(cap)) continue;
    const std::string name = dir.filename().string();
    if (kIntended.count(name) != 0) continue;
    ++tests;
    std::vector<std::map<std::string, Json>> events;
    for (const Json& r : tls_run(cap.string()).tls) events.push_back(to_eve(r));
    bool ok = true;
    for (const YAML::Node& f : tls_checks) {
      const int expected = f["count"] ? f["count"].as<int>() : 1;
      int matched = 0;
      std::string why;
      for (const auto& ev : events) {
        bool all = true;
        for (const auto& kv : f["match"]) {
          const std::string key = kv.first.as<std::string>();
          if (key == "has-key" || key == "not-has-key" || not_compared(key)) continue;
          const Json want = yaml_to_json(kv.second);
          auto it = ev.find(key);
          if (it == ev.end() || it->second != want) {
            all = false;
            if (why.empty())
              why = key + ": want " + want.dump() + " have " +
                    (it == ev.end() ? std::string("(absent)") : it->second.dump());
          }
        }
        if (all) ++matched;
      }
      ++checks;
      fields += static_cast<int>(f["match"].size());
      if (matched != expected) {
        ok = false;
        ADD_FAILURE() << name << ": " << matched << " events match, " << expected
                      << " expected; first difference " << why;
      }
    }
    if (ok) ++agree;
  }
  std::printf("suricata tls: %d/%d tests agree (%d checks, %d fields)\n", agree, tests, checks,
              fields);
  EXPECT_GE(tests, 20);
  EXPECT_GE(agree * 100, tests * 80);
}

}  // namespace
}  // namespace ward::testing
