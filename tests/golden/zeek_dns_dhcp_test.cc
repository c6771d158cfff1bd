// Golden test against Zeek's DNS and DHCP baselines (../shared/data/pcap/zeek/baselines/
// scripts.base.protocols.{dns,dhcp}.*, traces in ../shared/data/pcap/zeek/traces). Ward's `dns`
// and `dhcp` records are projected onto the columns of Zeek's dns.log / dhcp.log and compared
// field by field as multisets of rows (the tools write records at different moments). Baselines
// that are script output rather than a log (caa, https, huge-ttl, naptr, hw-type0,
// max-compression-depth's weird.log) are compared with the matching Ward field.
//
// Not compared, and why: ts (Zeek's baselines mask it), uid/uids values (Zeek's are random;
// the number of uids in a DHCP record is compared instead).
// Intended differences: see kDnsDifferences / kDhcpDifferences below, each with its reason.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "golden/dns_dhcp_golden_util.h"

namespace ward::testing {
namespace {

using Json = nlohmann::json;
using Row = ZeekRow;

std::string zeek_dir() { return shared_data_dir() + "/pcap/zeek"; }

const std::set<std::string> kIntervalColumns = {"rtt", "TTLs", "lease_time", "duration"};

// Zeek lowercases DNS names (the query and the names in answers, not TXT data); Ward keeps
// them as on the wire, like Suricata and tshark. The comparison lowercases Ward's names.
std::string lower(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

std::string lower_names(const Json& answers) {
  std::string out;
  for (const Json& a : answers) {
    std::string s = a.get<std::string>();
    bool data = false;  // TXT, SPF, HINFO, CAA, NAPTR strings are data, not names
    for (const char* keep : {"TXT ", "SPF ", "HINFO ", "CAA ", "NAPTR "})
      data = data || s.rfind(keep, 0) == 0;
    if (s.rfind("RRSIG ", 0) == 0) {
      s = "RRSIG " + lower(s.substr(6));
    } else if (!data) {
      s = lower(s);
    }
    out += (out.empty() ? "" : ",") + zeek_escape(s);
  }
  return out.empty() ? "(empty)" : out;
}

std::vector<Row> project(const std::vector<Json>& records, const std::vector<std::string>& cols) {
  std::vector<Row> out;
  for (const Json& r : records) {
    Row row;
    for (const std::string& c : cols) {
      if (c == "query" && r.contains(c)) {
        row[c] = lower(zeek_value(r[c]));
      } else if (c == "answers" && r.contains(c)) {
        row[c] = lower_names(r[c]);
      } else if (c == "uids") {
        row[c] = std::to_string(r.value("uids", Json::array()).size());
      } else {
        row[c] = r.contains(c) ? zeek_value(r[c], kIntervalColumns.count(c) != 0) : "-";
      }
    }
    out.push_back(row);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<Row> zeek_rows(const std::string& path, const std::vector<std::string>& cols) {
  std::vector<Row> rows = read_zeek_log(path);
  for (Row& r : rows) {
    Row keep;
    for (const std::string& c : cols) {
      if (c == "uids") {
        const std::string& u = r[c];
        keep[c] = std::to_string(u == "-" ? 0 : std::count(u.begin(), u.end(), ',') + 1);
      } else {
        keep[c] = r.count(c) != 0 ? r[c] : "-";
      }
    }
    r = keep;
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

std::string describe_rows(const std::vector<Row>& rows) {
  std::string out;
  for (const Row& r : rows) {
    out += "\n  ";
    for (const auto& [k, v] : r) out += k + "=" + v + " ";
  }
  return out;
}

const std::vector<std::string> kDnsColumns = {
    "id.orig_h", "id.orig_p",  "id.resp_h", "id.resp_p",   "proto",  "trans_id",
    "rtt",       "query",      "qclass",    "qclass_name", "qtype",  "qtype_name",
    "rcode",     "rcode_name", "AA",        "TC",          "RD",     "RA",
    "Z",         "answers",    "TTLs",      "rejected",    "opcode", "opcode_name"};

const std::vector<std::string> kDhcpColumns = {
    "uids",           "client_addr",    "server_addr",    "mac",           "host_name",
    "client_fqdn",    "domain",         "requested_addr", "assigned_addr", "lease_time",
    "client_message", "server_message", "msg_types",      "duration"};

struct LogCase {
  const char* baseline;  // scripts.base.protocols.<x>
  const char* log;
  const char* trace;  // under traces/
  std::vector<std::pair<std::string, std::uint64_t>> limits;
  std::vector<std::string> extra_columns;
  // Columns left out for this baseline, with the reason (an intended difference).
  std::vector<std::string> skipped_columns = {};
  const char* why_skipped = "";
};

// Baselines Ward differs from on purpose, with the reason (checked: they must still differ).
const std::map<std::string, std::string> kDhcpDifferences = {};

int g_compared = 0;
int g_agreeing = 0;

void compare_log(const LogCase& c, const std::string& ward_log,
                 const std::vector<std::string>& base_cols,
                 const std::map<std::string, std::string>& differences) {
  const std::string trace = zeek_dir() + "/traces/" + c.trace;
  const std::string base =
      zeek_dir() + "/baselines/scripts.base.protocols." + c.baseline + "/" + c.log;
  if (!file_exists(trace) || !file_exists(base)) {
    ADD_FAILURE() << "missing " << trace << " or " << base;
    return;
  }
  std::vector<std::string> cols = base_cols;
  cols.insert(cols.end(), c.extra_columns.begin(), c.extra_columns.end());
  for (const std::string& s : c.skipped_columns) {
    cols.erase(std::remove(cols.begin(), cols.end(), s), cols.end());
    std::printf("  %s: %s not compared: %s\n", c.baseline, s.c_str(), c.why_skipped);
  }
  TempDir tmp;
  run_with_limits(trace, tmp, c.limits);
  const auto ours = project(read_log(tmp.path() + "/logs", ward_log), cols);
  const auto theirs = zeek_rows(base, cols);
  ASSERT_FALSE(theirs.empty()) << base;
  ++g_compared;
  const bool agree = ours == theirs;
  g_agreeing += agree ? 1 : 0;
  const auto known = differences.find(c.baseline);
  if (known != differences.end()) {
    EXPECT_FALSE(agree) << c.baseline << " now agrees: remove it from the differences";
    return;
  }
  EXPECT_TRUE(agree) << c.baseline << "\nward:" << describe_rows(ours)
                     << "\nzeek:" << describe_rows(theirs);
}

TEST(ZeekDns, DnsLogsMatchZeeksBaselinesFieldByField) {
  if (!file_exists(zeek_dir() + "/traces/dns53.pcap")) GTEST_SKIP() << "shared data not present";
  const std::vector<LogCase> cases = {
      {"dns.duplicate-reponses", "dns.log", "dns-two-responses.pcap", {}, {}},
      {"dns.flip", "dns.log", "dns53.pcap", {}, {}},
      {"dns.multiple-txt-strings",
       "dns.log",
       "dns-txt-multiple.pcap",
       {},
       {},
       {"rtt", "qclass", "qclass_name", "qtype", "qtype_name", "RD"},
       "the query has bad IP and UDP checksums: Zeek drops it, Ward does not verify checksums "
       "(offloaded captures carry unfinished ones), so Ward has the query's fields"},
      {"dns.zero-responses", "dns.log", "dns-zero-RRs.pcap", {}, {}},
  };
  for (const LogCase& c : cases) compare_log(c, "dns", kDnsColumns, {});
  // naptr: a cut of dns.log with uid, query, qclass_name, qtype_name, answers.
  {
    TempDir tmp;
    run_with_limits(zeek_dir() + "/traces/dns/naptr.pcap", tmp);
    const auto ours = read_log(tmp.path() + "/logs", "dns");
    ASSERT_EQ(ours.size(), 1u);
    const std::string cut =
        read_file(zeek_dir() + "/baselines/scripts.base.protocols.dns.naptr/dns.log.cut");
    const std::string row =
        ours[0]["query"].get<std::string>() + "\t" + ours[0]["qclass_name"].get<std::string>() +
        "\t" + ours[0]["qtype_name"].get<std::string>() + "\t" + zeek_value(ours[0]["answers"]);
    ++g_compared;
    const bool agree = cut.find(row) != std::string::npos;
    g_agreeing += agree ? 1 : 0;
    EXPECT_TRUE(agree) << row;
  }
  std::printf("zeek dns: %d dns.log baselines compared (%zu columns each), %d agree\n", g_compared,
              kDnsColumns.size(), g_agreeing);
}

TEST(ZeekDns, ScriptOutputBaselinesAgreeWithWardsRecords) {
  if (!file_exists(zeek_dir() + "/traces/dns-caa.pcap")) GTEST_SKIP() << "shared data not present";
  const std::string base = zeek_dir() + "/baselines/scripts.base.protocols.dns.";
  // caa: "0, issue, symantec.com" (flags, tag, value).
  {
    TempDir tmp;
    run_with_limits(zeek_dir() + "/traces/dns-caa.pcap", tmp);
    const auto ours = read_log(tmp.path() + "/logs", "dns");
    ASSERT_FALSE(ours.empty());
    std::string seen;
    for (const Json& r : ours)
      for (const Json& a : r.value("answers", Json::array())) seen += a.get<std::string>() + ";";
    EXPECT_NE(seen.find("CAA 0 issue symantec.com"), std::string::npos) << seen;
    EXPECT_NE(read_file(base + "caa/.stdout").find("0, issue, symantec.com"), std::string::npos);
  }
  // https: svc_priority=1, target_name=. for the HTTPS answer.
  {
    TempDir tmp;
    run_with_limits(zeek_dir() + "/traces/dns-https.pcap", tmp);
    const auto ours = read_log(tmp.path() + "/logs", "dns");
    std::string seen;
    for (const Json& r : ours)
      for (const Json& a : r.value("answers", Json::array())) seen += a.get<std::string>() + ";";
    EXPECT_NE(seen.find("HTTPS 1 ."), std::string::npos) << seen;
    EXPECT_NE(read_file(base + "https/output").find("svc_priority=1, target_name=."),
              std::string::npos);
  }
  // huge-ttl: the first answer's TTL is 2^32-1 seconds (49710 days 6 h 28 min 15 s), the others
  // 15 minutes.
  {
    TempDir tmp;
    run_with_limits(zeek_dir() + "/traces/dns-huge-ttl.pcap", tmp);
    const auto ours = read_log(tmp.path() + "/logs", "dns");
    std::vector<double> ttls;
    for (const Json& r : ours)
      for (const Json& t : r.value("TTLs", Json::array())) ttls.push_back(t.get<double>());
    ASSERT_EQ(ttls.size(), 8u);
    EXPECT_EQ(ttls[0], 4294967295.0);
    for (std::size_t i = 1; i < ttls.size(); ++i) EXPECT_EQ(ttls[i], 900.0);
  }
  // max-compression-depth: Zeek reports DNS_max_compression_chain_depth_exceeded for the flow;
  // Ward reports dns.compression_depth_exceeded.
  {
    TempDir tmp;
    run_with_limits(zeek_dir() + "/traces/dns/max-compression-depth.pcap", tmp);
    int n = 0;
    for (const Json& a : read_log(tmp.path() + "/logs", "anomaly"))
      n += a.value("name", "") == "dns.compression_depth_exceeded" ? 1 : 0;
    EXPECT_GE(n, 1);
    EXPECT_NE(read_file(base + "max-compression-depth/weird.log")
                  .find("DNS_max_compression_chain_depth_exceeded"),
              std::string::npos);
  }
}

TEST(ZeekDhcp, DhcpLogsMatchZeeksBaselinesFieldByField) {
  if (!file_exists(zeek_dir() + "/traces/dhcp/dhcp.pcap"))
    GTEST_SKIP() << "shared data not present";
  g_compared = 0;
  g_agreeing = 0;
  const std::vector<LogCase> cases = {
      {"dhcp.dhcp-ack-msg-types",
       "dhcp.log",
       "dhcp/dhcp_ack_subscriber_id_and_agent_remote_id.pcap",
       {},
       {}},
      {"dhcp.cluster",
       "manager.dhcp.log",
       "dhcp/dhcp_ack_subscriber_id_and_agent_remote_id.pcap",
       {},
       {}},
      {"dhcp.dhcp-all-msg-types", "dhcp.log", "dhcp/dhcp.pcap", {}, {}},
      {"dhcp.dhcp-discover-msg-types",
       "dhcp.log",
       "dhcp/dhcp_discover_param_req_and_client_id.pcap",
       {},
       {}},
      {"dhcp.dhcp-sub-opts",
       "dhcp.log",
       "dhcp/dhcp_ack_subscriber_id_and_agent_remote_id.pcap",
       {},
       {"circuit_id", "agent_remote_id", "subscriber_id"}},
      {"dhcp.inform", "dhcp.log", "dhcp/dhcp_inform.pcap", {}, {}},
      {"dhcp.dhcp-prevent-large-msgtypes",
       "dhcp.log",
       "dhcp/dhcp_flood.pcap",
       {{"dhcp.max_msg_types_per_log", 8}},
       {}},
      {"dhcp.dhcp-prevent-large-uids",
       "dhcp.log",
       "dhcp/dhcp_flood.pcap",
       {{"dhcp.max_uids_per_log", 5}},
       {}},
  };
  for (const LogCase& c : cases) compare_log(c, "dhcp", kDhcpColumns, kDhcpDifferences);
  // hw-type0: Zeek prints the client id option as hwtype=0, hwaddr=cisco-cc00.0ac4.0000-Fa0/0.
  {
    TempDir tmp;
    run_with_limits(zeek_dir() + "/traces/dhcp/hw-type0.pcap", tmp);
    std::string hex = "00";
    for (char ch : std::string("cisco-cc00.0ac4.0000-Fa0/0")) {
      char buf[4];
      std::snprintf(buf, sizeof buf, ":%02x", static_cast<unsigned char>(ch));
      hex += buf;
    }
    bool found = false;
    for (const Json& r : read_log(tmp.path() + "/logs", "dhcp"))
      found = found || r.value("client_id", "") == hex;
    ++g_compared;
    g_agreeing += found ? 1 : 0;
    EXPECT_TRUE(found) << hex;
  }
  std::printf("zeek dhcp: %d baselines compared, %d agree\n", g_compared, g_agreeing);
}

}  // namespace
}  // namespace ward::testing
