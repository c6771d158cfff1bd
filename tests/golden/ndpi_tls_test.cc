// Golden test against nDPI's expected results (../shared/data/pcap/ndpi/<capture>.out) for the
// TLS captures there. Each TLS/DTLS flow line of the .out file is matched to Ward's `tls`
// record of the same connection (endpoints in either order) and these fields are compared:
// Hostname/SNI, (Advertised) ALPNs, (Negotiated) ALPN, the version token ([TLSv1.2]), JA3C,
// JA3S, JA4, Cipher, Certificate SHA-1, Validity, Issuer and Subject (Ward's RFC 2253 names in
// nDPI's order, as for Suricata). A flow agrees when every field nDPI printed is equal.
//
// Intended differences (named per capture and field, with the reason):
//   - flows nDPI printed without a TLS handshake ([Encrypted] application data picked up
//     mid-stream, unidirectional server data): Ward logs a tls record only when it saw a hello.
//   - JA4's ALPN characters for http/1.1: the FoxIO spec takes the first and last character
//     ("h1"), the nDPI build behind these files printed the first two ("ht"); the rest of the
//     JA4 must agree (counted as explained).
//   - names: nDPI prints only C, ST, L, O, OU and CN; Ward's other attributes are left out of
//     the comparison. nDPI's " (WEAK)" note after a JA3S is not part of the hash.
//   - tls-rdn-extract.pcap: a subject with 45 CN attributes; nDPI moves the first CN to the
//     end. Counted as explained when both hold the same RDNs.
//   - version without a ServerHello: nDPI prints the ClientHello's version; Ward logs no
//     version then (as Zeek), so the ClientHello's is compared.
//   - ja3_lots_of_cipher_suites_2_anon.pcap: TLS inside GTP-U; Ward's decoder does not
//     decapsulate GTP, so the capture is skipped.
//   - stun_dtls_rtp.pcapng: DTLS multiplexed with STUN/RTP on one UDP flow (RFC 7983). Ward's
//     UDP dispatch picks a parser by the flow's first datagram (STUN here), so DTLS on that flow
//     is not parsed.
#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "golden/tls_golden_util.h"

namespace ward::testing {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

// nDPI prints only these attribute types of a name (others, e.g. DC, serialNumber,
// businessCategory, jurisdiction*, are left out).
bool ndpi_prints(const std::string& rdn) {
  for (const char* a : {"C=", "ST=", "L=", "O=", "OU=", "CN="})
    if (rdn.rfind(a, 0) == 0) return true;
  return false;
}

std::string ndpi_name(const std::string& rfc2253) {
  // Same conversion as for Suricata: reverse the RDNs, ", " between them.
  std::vector<std::string> rdns;
  std::string cur;
  for (std::size_t i = 0; i < rfc2253.size(); ++i) {
    if (rfc2253[i] == '\\' && i + 1 < rfc2253.size()) {
      cur.push_back(rfc2253[++i]);
    } else if (rfc2253[i] == ',') {
      rdns.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(rfc2253[i]);
    }
  }
  rdns.push_back(cur);
  std::string out;
  for (auto it = rdns.rbegin(); it != rdns.rend(); ++it)
    if (ndpi_prints(*it)) out += (out.empty() ? "" : ", ") + *it;
  return out;
}

std::string ndpi_time(std::int64_t s) {
  const std::time_t t = static_cast<std::time_t>(s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string upper_colon(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    if (i) out += ':';
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(hex[i])));
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(hex[i + 1])));
  }
  return out;
}

std::string version_token(const std::string& v) {
  if (v == "TLSv10") return "TLSv1";
  if (v == "TLSv11") return "TLSv1.1";
  if (v == "TLSv12") return "TLSv1.2";
  if (v == "TLSv13") return "TLSv1.3";
  if (v == "DTLSv10") return "DTLSv1.0";
  if (v == "DTLSv12") return "DTLSv1.2";
  return v;
}

// nDPI's fields of one flow: key -> value, from "[Key: value]" and "[TLSv1.2]" tokens.
std::map<std::string, std::string> ndpi_fields(const std::string& line) {
  std::map<std::string, std::string> out;
  std::size_t pos = 0;
  while ((pos = line.find('[', pos)) != std::string::npos) {
    const std::size_t end = line.find(']', pos);
    if (end == std::string::npos) break;
    const std::string tok = line.substr(pos + 1, end - pos - 1);
    pos = end;
    const std::size_t colon = tok.find(": ");
    if (colon != std::string::npos) {
      std::string value = tok.substr(colon + 2);
      // nDPI's annotation of a JA3/JA3S it considers weak or malicious, not part of the hash.
      for (const char* note : {" (WEAK)", " (MALICIOUS)"}) {
        const std::size_t at = value.find(note);
        if (at != std::string::npos) value.erase(at);
      }
      out.emplace(tok.substr(0, colon), value);
    } else if (tok.rfind("TLSv", 0) == 0 || tok.rfind("DTLSv", 0) == 0 ||
               tok.rfind("SSLv", 0) == 0) {
      out.emplace("version", tok);
    }
  }
  return out;
}

// Parses "\t<n>\t<TCP|UDP> <a> <-> <b> [proto: <n>/TLS..." into the two endpoints.
bool ndpi_tls_flow(const std::string& line, std::string& a, std::string& b) {
  if (line.size() < 3 || line[0] != '\t' || !std::isdigit(static_cast<unsigned char>(line[1])))
    return false;
  std::istringstream in(line);
  std::string n, proto, arrow, proto_key, proto_val;
  if (!(in >> n >> proto >> a >> arrow >> b >> proto_key >> proto_val)) return false;
  if ((proto != "TCP" && proto != "UDP") || (arrow != "<->" && arrow != "->")) return false;
  if (proto_key != "[proto:") return false;
  return proto_val.find("/TLS") != std::string::npos ||
         proto_val.find("/DTLS") != std::string::npos;
}

std::map<std::string, std::string> ward_fields(const Json& r) {
  std::map<std::string, std::string> w;
  if (r.contains("server_name")) w["Hostname/SNI"] = r["server_name"];
  if (r.contains("orig_alpn")) {
    std::string a;
    for (const auto& x : r["orig_alpn"]) a += (a.empty() ? "" : ";") + x.get<std::string>();
    w["(Advertised) ALPNs"] = a;
  }
  if (r.contains("next_protocol")) w["(Negotiated) ALPN"] = r["next_protocol"];
  if (r.contains("version")) {
    w["version"] = version_token(r["version"]);
  } else if (r.contains("client_version")) {
    // Without a ServerHello nDPI prints the ClientHello's (legacy) version.
    static const std::map<unsigned, std::string> kNames = {{0x0300, "SSLv3"},
                                                           {0x0301, "TLSv1"},
                                                           {0x0302, "TLSv1.1"},
                                                           {0x0303, "TLSv1.2"},
                                                           {0x0304, "TLSv1.3"}};
    const auto it = kNames.find(r["client_version"].get<unsigned>());
    if (it != kNames.end()) w["version"] = it->second;
  }
  if (r.contains("ja3")) w["JA3C"] = r["ja3"];
  if (r.contains("ja3s")) w["JA3S"] = r["ja3s"];
  if (r.contains("ja4")) w["JA4"] = r["ja4"];
  if (r.contains("cipher")) w["Cipher"] = r["cipher"];
  if (r.contains("cert_sha1")) w["Certificate SHA-1"] = upper_colon(r["cert_sha1"]);
  if (r.contains("cert_not_before"))
    w["Validity"] = ndpi_time(r["cert_not_before"]) + " - " + ndpi_time(r["cert_not_after"]);
  if (r.contains("issuer")) w["Issuer"] = ndpi_name(r["issuer"]);
  if (r.contains("subject")) w["Subject"] = ndpi_name(r["subject"]);
  return w;
}

// JA4.md: the ALPN part is the first and last character of the first ALPN value ("h1" for
// http/1.1); the nDPI version that made these files printed its first two ("ht"). True iff
// `ours` and `theirs` differ only there.
bool ja4_alpn_only_difference(const std::string& ours, const std::string& theirs) {
  if (ours.size() != theirs.size() || ours.size() < 10) return false;
  return ours.substr(0, 8) == theirs.substr(0, 8) && ours.substr(10) == theirs.substr(10) &&
         ours[8] == theirs[8];
}

// True iff both names hold the same RDNs in another order (nDPI moves a repeated CN).
bool same_rdns(const std::string& a, const std::string& b) {
  auto rdns = [](const std::string& s) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos <= s.size()) {
      const std::size_t end = std::min(s.find(", ", pos), s.size());
      out.push_back(s.substr(pos, end - pos));
      pos = end + 2;
    }
    std::sort(out.begin(), out.end());
    return out;
  };
  return rdns(a) == rdns(b);
}

// Captures nDPI reads and Ward does not, on purpose: name -> reason.
const std::map<std::string, std::string> kIntendedCaptures = {
    {"ja3_lots_of_cipher_suites_2_anon.pcap",
     "TLS inside GTP-U tunnels: Ward's decoder does not decapsulate GTP"},
};

const std::vector<std::string> kCompared = {
    "Hostname/SNI", "(Advertised) ALPNs", "(Negotiated) ALPN", "version", "JA3C",   "JA3S", "JA4",
    "Cipher",       "Certificate SHA-1",  "Validity",          "Issuer",  "Subject"};

std::vector<std::string> captures() {
  std::vector<std::string> out;
  const std::string dir = shared_data_dir() + "/pcap/ndpi";
  if (!fs::exists(dir)) return out;
  auto wanted = [](const std::string& n) {
    for (const char* prefix : {"443-", "tls_", "ja3_lots_of_cipher_suites"})
      if (n.rfind(prefix, 0) == 0) return true;
    for (const char* exact : {"chrome.pcap", "firefox.pcap", "safari.pcap", "android.pcap",
                              "iphone.pcap", "tls-rdn-extract.pcap"})
      if (n == exact) return true;
    return false;
  };
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string n = e.path().filename().string();
    if (e.path().extension() != ".out" && wanted(n) && fs::exists(e.path().string() + ".out"))
      out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// "a:p" endpoints of an nDPI flow line, sorted.
std::string flow_key(const std::string& a, const std::string& b) {
  return a < b ? a + " " + b : b + " " + a;
}

TEST(NdpiTls, FlowFieldsAgree) {
  const auto caps = captures();
  if (caps.empty()) GTEST_SKIP() << "shared test data not present";
  int flows = 0, agree = 0, uncovered = 0, fields = 0, caps_covered = 0, caps_agree = 0;
  int explained = 0;
  for (const std::string& cap : caps) {
    if (kIntendedCaptures.count(fs::path(cap).filename().string()) != 0) continue;
    std::map<std::string, Json> ours;
    for (const Json& r : tls_run(cap).tls) {
      const auto host = [](const Json& h, const Json& p) {
        const std::string s = h.get<std::string>();
        return (s.find(':') != std::string::npos ? "[" + s + "]" : s) + ":" + p.dump();
      };
      ours.emplace(
          flow_key(host(r["id.orig_h"], r["id.orig_p"]), host(r["id.resp_h"], r["id.resp_p"])), r);
    }
    std::ifstream in(cap + ".out");
    int cap_flows = 0, cap_agree = 0;
    for (std::string line; std::getline(in, line);) {
      std::string ep_a, ep_b;
      if (!ndpi_tls_flow(line, ep_a, ep_b)) continue;
      const auto theirs = ndpi_fields(line);
      if (theirs.count("JA3C") == 0 && theirs.count("Hostname/SNI") == 0 &&
          theirs.count("JA4") == 0)
        continue;  // no handshake seen by nDPI either
      auto it = ours.find(flow_key(ep_a, ep_b));
      if (it == ours.end()) {
        ++uncovered;
        ADD_FAILURE() << fs::path(cap).filename() << ": no Ward record for " << ep_a << " " << ep_b;
        continue;
      }
      ++cap_flows;
      const auto w = ward_fields(it->second);
      std::string diff;
      for (const std::string& k : kCompared) {
        if (theirs.count(k) == 0) continue;
        ++fields;
        const auto wv = w.find(k);
        const std::string ours_v = wv == w.end() ? "(absent)" : wv->second;
        if ((k == "Subject" || k == "Issuer") && same_rdns(ours_v, theirs.at(k))) {
          ++explained;
          continue;
        }
        if (k == "JA4" && ja4_alpn_only_difference(ours_v, theirs.at(k))) {
          ++explained;
          continue;
        }
        if (ours_v != theirs.at(k))
          diff += "\n  " + k + ": ndpi=" + theirs.at(k) + " ward=" + ours_v;
      }
      if (diff.empty()) ++cap_agree;
      EXPECT_TRUE(diff.empty()) << fs::path(cap).filename() << " " << ep_a << diff;
    }
    flows += cap_flows;
    agree += cap_agree;
    if (cap_flows > 0) {
      ++caps_covered;
      if (cap_agree == cap_flows) ++caps_agree;
    }
  }
  std::printf(
      "ndpi tls: %d/%d captures agree, %d/%d flows (%d fields, %d JA4 ALPN / RDN "
      "order differences explained), %d flows not found\n",
      caps_agree, caps_covered, agree, flows, fields, explained, uncovered);
  EXPECT_GE(caps_covered, 10);
  EXPECT_GE(caps_agree * 100, caps_covered * 80);
}

}  // namespace
}  // namespace ward::testing
