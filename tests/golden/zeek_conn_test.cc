// Golden test of the flow layer against Zeek's conn.log baselines for the same traces
// (../shared/data/pcap/zeek, btest baselines named in data/SOURCES.md). For every connection
// Zeek logged, Ward's conn record must agree on the fields below; `service` is not compared
// (Ward does not parse HTTP, DNS, DHCP or FTP yet) and neither are uids and ts (random and
// masked in the baselines). Intended differences are listed per trace with the reason.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "e2e/test_util.h"

namespace ward::testing {
namespace {

struct Trace {
  const char* trace;     // under pcap/zeek/traces
  const char* baseline;  // under pcap/zeek/baselines: a conn.log, or a cut of one
  // For cuts without a header line: their columns.
  std::vector<std::string> columns = {};
};

const auto traces = std::to_array<Trace>({
    {"http/get.pcap", "core.tcp.reassembly-known-ports/conn.log"},
    {"dhcp/dhcp.pcap", "scripts.base.protocols.dhcp.dhcp-all-msg-types/conn.log"},
    {"dns/dns-corrupt.pcap", "core.udp-corrupt/conn.log"},
    {"dns/max-compression-depth.pcap", "scripts.base.protocols.dns.max-compression-depth/conn.log"},
    {"http/content-length-overflow.pcap",
     "scripts.base.protocols.http.content-length-overflow/conn.log"},
    {"http/261/variant-01-chunk_2pow64_overflow.pcap",
     "scripts.base.protocols.http.261.chunk-2pow64-overflow/conn.log"},
    {"http/261/variant-02-cl_uint64max.pcap",
     "scripts.base.protocols.http.261.cl-uint64max/conn.log"},
    {"http/261/variant-03-cl_negative.pcap",
     "scripts.base.protocols.http.261.cl-negative/conn.log"},
    {"http/261/variant-04-te_cl_desync.pcap",
     "scripts.base.protocols.http.261.te-cl-desync/conn.log"},
    {"ftp/ftp-password-pass-command.pcap",
     "scripts.base.protocols.ftp.ftp-password-pass-command/conn.log"},
    {"tcp/syn-bad.pcap", "core.tcp.bad-checksum-syn/conn.log"},
    {"tcp/missing-syn.pcap", "core.tcp.missing-syn/conn.log"},
    {"tcp/handshake-reorder.pcap",
     "scripts.policy.protocols.conn.community-id-logging-flipped/conn.log.cut",
     {"id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "service", "community_id"}},
    {"udp-broadcast.pcap", "core.udp-broadcast-no-flip/conn.log.cut"},
});

// "<trace> <field>" -> why Ward differs on purpose.
const std::map<std::string, std::string> intended_differences = {
    // Zeek drops packets with bad checksums (history C/c, 0 packets counted, OTH); Ward does not
    // verify checksums (captures often carry offloaded, unfinished ones) and counts them.
    {"dns/dns-corrupt.pcap orig_pkts", "no checksum verification"},
    {"dns/dns-corrupt.pcap resp_pkts", "no checksum verification"},
    {"dns/dns-corrupt.pcap history", "no checksum verification"},
    {"dns/dns-corrupt.pcap conn_state", "no checksum verification"},
    {"tcp/syn-bad.pcap orig_pkts", "no checksum verification"},
    {"tcp/syn-bad.pcap resp_pkts", "no checksum verification"},
    {"tcp/syn-bad.pcap history", "no checksum verification"},
    {"tcp/syn-bad.pcap conn_state", "no checksum verification"},
    // Zeek's DNS analyzer flips this one-packet flow after parsing it and marks the history
    // ("D^X"); Ward has no DNS parser yet and keeps the first orientation's history ("D").
    {"dns/max-compression-depth.pcap history", "no DNS parser yet"},
};

constexpr std::array kFields = {"id.orig_h",     "id.orig_p",    "id.resp_h",    "id.resp_p",
                                "proto",         "duration",     "orig_bytes",   "resp_bytes",
                                "conn_state",    "missed_bytes", "history",      "orig_pkts",
                                "orig_ip_bytes", "resp_pkts",    "resp_ip_bytes"};

std::string as_zeek(const nlohmann::json& j) {
  if (j.is_string()) return j.get<std::string>().empty() ? "(empty)" : j.get<std::string>();
  if (j.is_number_float()) {
    std::array<char, 32> buf{};
    std::snprintf(buf.data(), buf.size(), "%.6f", j.get<double>());
    return buf.data();
  }
  return j.dump();
}

// A Zeek log or a `zeek-cut` of one: columns from "#fields", else from a header line naming
// "uid", else as given.
std::vector<ZeekRow> read_zeek_cut(const std::string& path, const std::vector<std::string>& given) {
  auto rows = read_zeek_log(path);
  if (!rows.empty() && !rows[0].empty()) return rows;  // it had a #fields header
  rows.clear();
  std::vector<std::string> columns = given;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cells;
    std::stringstream ss(line);
    for (std::string c; std::getline(ss, c, '\t');) cells.push_back(c);
    if (columns.empty() && std::find(cells.begin(), cells.end(), "uid") != cells.end()) {
      columns = cells;
      continue;
    }
    ZeekRow r;
    for (std::size_t i = 0; i < cells.size() && i < columns.size(); ++i) r[columns[i]] = cells[i];
    rows.push_back(r);
  }
  return rows;
}

TEST(ZeekConn, ConnectionRecordsAgreeWithZeeksConnLog) {
  const std::string zeek = shared_data_dir() + "/pcap/zeek";
  if (!file_exists(zeek)) GTEST_SKIP() << "shared test data not present";
  int rows = 0;
  int fields = 0;
  int agreeing = 0;
  int known_differences = 0;
  for (const Trace& t : traces) {
    const auto want = read_zeek_cut(zeek + "/baselines/" + t.baseline, t.columns);
    ASSERT_FALSE(want.empty()) << t.baseline;
    TempDir tmp;
    (void)run_on(zeek + "/traces/" + t.trace, tmp);
    const auto got = read_log(tmp.path() + "/logs", "conn");
    for (const auto& w : want) {
      ++rows;
      // The same connection: same 5-tuple (Zeek's orientation).
      const nlohmann::json* match = nullptr;
      // A cut without addresses describes the trace's single connection.
      if (w.count("id.orig_h") == 0 && got.size() == 1) match = &got[0];
      for (const auto& g : got) {
        if (w.count("id.orig_h") == 0) break;
        if (as_zeek(g["id.orig_h"]) == w.at("id.orig_h") &&
            as_zeek(g["id.orig_p"]) == w.at("id.orig_p") &&
            as_zeek(g["id.resp_h"]) == w.at("id.resp_h") &&
            as_zeek(g["id.resp_p"]) == w.at("id.resp_p"))
          match = &g;
      }
      if (match == nullptr) {
        ADD_FAILURE() << t.trace << ": no conn record for " << w.at("id.orig_h") << ":"
                      << w.at("id.orig_p") << " -> " << w.at("id.resp_h") << ":"
                      << w.at("id.resp_p");
        continue;
      }
      for (const char* f : kFields) {
        if (w.count(f) == 0) continue;  // older baselines lack some columns
        ++fields;
        const std::string mine = match->contains(f) ? as_zeek((*match)[f]) : "-";
        const auto known = intended_differences.find(std::string(t.trace) + " " + f);
        if (mine == w.at(f)) {
          ++agreeing;
        } else if (known != intended_differences.end()) {
          ++known_differences;
        } else {
          ADD_FAILURE() << t.trace << ": " << f << " is " << mine << ", Zeek says " << w.at(f);
        }
      }
    }
  }
  std::printf("zeek conn: %zu traces, %d connections, %d/%d fields agree, %d known differences\n",
              std::size(traces), rows, agreeing, fields, known_differences);
}

}  // namespace
}  // namespace ward::testing
