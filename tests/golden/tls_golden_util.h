// Shared by the TLS golden tests: runs `ward monitor` once per capture (in-process, cached for
// the whole test binary) and returns its `tls` and `x509` records. Gzipped captures are
// decompressed into a temporary folder first (gzip -dc, bounded with timeout).
#pragma once

#include <cstdlib>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "e2e/test_util.h"

namespace ward::testing {

struct TlsRun {
  std::vector<nlohmann::json> tls;
  std::vector<nlohmann::json> x509;
  std::vector<nlohmann::json> anomaly;
};

// REQUIRES: `capture` exists. Runs with uid seed 1.
inline const TlsRun& tls_run(const std::string& capture) {
  static std::map<std::string, TlsRun> cache;
  static TempDir scratch;
  auto it = cache.find(capture);
  if (it != cache.end()) return it->second;
  std::string path = capture;
  if (capture.size() > 3 && capture.compare(capture.size() - 3, 3, ".gz") == 0) {
    path = scratch.path() + "/" + std::to_string(cache.size()) + ".pcap";
    const std::string cmd = "timeout 60 gzip -dc '" + capture + "' > '" + path + "'";
    if (std::system(cmd.c_str()) != 0) path = capture;
  }
  TempDir tmp;
  (void)run_on(path, tmp);
  TlsRun r;
  r.tls = read_log(tmp.path() + "/logs", "tls");
  r.x509 = read_log(tmp.path() + "/logs", "x509");
  r.anomaly = read_log(tmp.path() + "/logs", "anomaly");
  return cache.emplace(capture, std::move(r)).first->second;
}

// Suricata's spelling of a version ("TLS 1.2", "SSLv3", "TLS 1.3 draft-28"), from Ward's
// Zeek-style name.
inline std::string suricata_version(const std::string& zeek) {
  if (zeek == "TLSv10") return "TLS 1.0";
  if (zeek == "TLSv11") return "TLS 1.1";
  if (zeek == "TLSv12") return "TLS 1.2";
  if (zeek == "TLSv13") return "TLS 1.3";
  if (zeek.rfind("TLSv13-draft", 0) == 0) return "TLS 1.3 draft-" + zeek.substr(12);
  if (zeek == "DTLSv10") return "DTLS 1.0";
  if (zeek == "DTLSv12") return "DTLS 1.2";
  return zeek;  // SSLv2, SSLv3
}

}  // namespace ward::testing
