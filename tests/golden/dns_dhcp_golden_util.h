// Helpers shared by the DNS and DHCP golden tests: running `ward monitor` in-process with
// limit overrides, and rendering Ward's JSON values the way Zeek's TSV logs print them.
#pragma once

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "e2e/test_util.h"

namespace ward::testing {

// Runs the monitor on `capture` (uid seed 1) with the given limit overrides; logs in
// <tmp>/logs. Fails the test if the run fails.
inline void run_with_limits(const std::string& capture, const TempDir& tmp,
                            std::vector<std::pair<std::string, std::uint64_t>> limits = {}) {
  engine::MonitorOptions o;
  o.read_path = capture;
  o.out_dir = tmp.path() + "/logs";
  o.phi_key_path = tmp.path() + "/phi.key";
  o.uid_seed = 1;
  o.limits = std::move(limits);
  auto r = engine::run_monitor(o);
  EXPECT_TRUE(r.ok()) << capture << ": " << (r.ok() ? "" : r.error().to_string());
}

// Zeek's TSV rendering of a string: bytes outside printable ASCII as \xNN.
inline std::string zeek_escape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

inline std::string fixed6(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6f", v);
  return buf;
}

// A Ward JSON value as Zeek prints it: T/F, "(empty)", comma-joined vectors; `interval`
// values (durations, TTLs) with six decimals.
inline std::string zeek_value(const nlohmann::json& j, bool interval = false) {
  if (j.is_null()) return "-";
  if (j.is_boolean()) return j.get<bool>() ? "T" : "F";
  if (j.is_number()) return interval ? fixed6(j.get<double>()) : j.dump();
  if (j.is_array()) {
    std::string out;
    for (const auto& e : j) out += (out.empty() ? "" : ",") + zeek_value(e, interval);
    return out.empty() ? "(empty)" : out;
  }
  const std::string s = j.get<std::string>();
  return s.empty() ? "(empty)" : zeek_escape(s);
}

}  // namespace ward::testing
