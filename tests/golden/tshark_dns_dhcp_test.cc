// tshark (Debian's Wireshark dissectors) as a differential oracle for DNS and DHCP: for every
// capture the DNS/DHCP golden tests use, the key fields Ward logs agree with `tshark -T fields`
// on the same file:
//   DNS:  every query's (dns.id, dns.qry.name, dns.qry.type) and every response's (dns.id,
//         dns.flags.rcode), as multisets;
//   DHCP: every message's (dhcp.id, dhcp.option.dhcp, dhcp.hw.mac_addr, dhcp.option.hostname).
// Captures whose messages are malformed on purpose (dns-badlabel, dns-corrupt,
// dns-invalid-names, max-compression-depth) are left out: there both tools report a
// malformed packet, in different words.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <sstream>

#include "e2e/tshark.h"
#include "golden/dns_dhcp_golden_util.h"

namespace ward::testing {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

std::vector<std::string> dns_captures() {
  const std::string d = shared_data_dir() + "/pcap/";
  return {d + "zeek/traces/dns53.pcap",
          d + "zeek/traces/dns-caa.pcap",
          d + "zeek/traces/dns-https.pcap",
          d + "zeek/traces/dns-huge-ttl.pcap",
          d + "zeek/traces/dns-two-responses.pcap",
          d + "zeek/traces/dns-txt-multiple.pcap",
          d + "zeek/traces/dns-zero-RRs.pcap",
          d + "zeek/traces/dns/naptr.pcap",
          d + "zeek/traces/dns/mdns.pcap",
          d + "suricata-verify/dns-eve-type-filtering/test.pcap",
          d + "suricata-verify/dns-eve-v2-udp-nxdomain-soa/dns-udp-nxdomain-soa.pcap",
          d + "suricata-verify/dns-reversed-tcp-1/dns.pcap",
          d + "suricata-verify/dns-reversed-udp-1/input.pcap",
          d + "suricata-verify/dns-opcode/dns-notify.pcap",
          d + "suricata-verify/cond-log-dns-dig/input.pcap",
          d + "tcpdump/dns_udp.pcap",
          d + "tcpdump/dns_tcp.pcap",
          d + "tcpdump/dnssec.pcap"};
}

std::vector<std::string> dhcp_captures() {
  const std::string d = shared_data_dir() + "/pcap/";
  std::vector<std::string> out;
  for (const char* t : {"dhcp.pcap", "dhcp_ack_subscriber_id_and_agent_remote_id.pcap",
                        "dhcp_discover_param_req_and_client_id.pcap", "dhcp_inform.pcap",
                        "dhcp_time_and_nameserver.pcap", "hw-type0.pcap", "dhcp_flood.pcap"})
    out.push_back(d + "zeek/traces/dhcp/" + t);
  for (const char* t :
       {"dhcp-eve-extended/input.pcap", "dhcp-eve-extended-option-60/input.pcap",
        "dhcp-option-52-overload/input.pcap", "dhcp-option-52-overload-both/input.pcap"})
    out.push_back(d + "suricata-verify/" + t);
  for (const char* t :
       {"dhcp-mud.pcap", "dhcp-option-33.pcap", "dhcp-rfc3004.pcap", "dhcp-rfc5859.pcap"})
    out.push_back(d + "tcpdump/" + t);
  return out;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string t; std::getline(in, t, ',');) out.push_back(t);
  return out;
}

// tshark prints a DNS class/type number; Ward's log has the number too.
TEST(TsharkOracleDns, QueriesAndResponseCodesAgree) {
  if (!tshark_available()) GTEST_SKIP() << "tshark not installed";
  int compared = 0;
  for (const std::string& c : dns_captures()) {
    if (!fs::exists(c)) continue;
    std::multiset<std::string> theirs_q;
    std::multiset<std::string> theirs_r;
    for (const auto& r : tshark_fields(
             c, "dns || mdns",
             {"dns.flags.response", "dns.id", "dns.qry.name", "dns.qry.type", "dns.flags.rcode"})) {
      // Several DNS messages in one TCP segment come comma-joined; one message per row here.
      const auto resp = split(r[0]);
      const auto ids = split(r[1]);
      for (std::size_t i = 0; i < resp.size() && i < ids.size(); ++i) {
        const long id = std::strtol(ids[i].c_str(), nullptr, 0);
        if (resp[i] == "1" || resp[i] == "True") {
          const auto rc = split(r[4]);
          theirs_r.insert(std::to_string(id) + " " + (i < rc.size() ? rc[i] : ""));
        } else {
          const auto names = split(r[2]);
          const auto types = split(r[3]);
          if (!names.empty())
            theirs_q.insert(std::to_string(id) + " " + names[i < names.size() ? i : 0] + " " +
                            (types.empty() ? "" : types[i < types.size() ? i : 0]));
        }
      }
    }
    TempDir tmp;
    run_with_limits(c, tmp);
    std::multiset<std::string> ours_q;
    std::multiset<std::string> ours_r;
    for (const Json& r : read_log(tmp.path() + "/logs", "dns")) {
      const std::string id = std::to_string(r.value("trans_id", 0));
      if (r.value("saw_query", false))
        ours_q.insert(id + " " + r.value("query", "") + " " +
                      (r.contains("qtype") ? std::to_string(r["qtype"].get<int>()) : ""));
      if (r.value("saw_reply", false))
        ours_r.insert(id + " " +
                      (r.contains("rcode") ? std::to_string(r["rcode"].get<int>()) : ""));
    }
    ++compared;
    EXPECT_EQ(ours_q, theirs_q) << c;
    EXPECT_EQ(ours_r, theirs_r) << c;
  }
  EXPECT_GE(compared, 15);
}

TEST(TsharkOracleDhcp, MessageTypesMacsAndHostnamesAgree) {
  if (!tshark_available()) GTEST_SKIP() << "tshark not installed";
  int compared = 0;
  for (const std::string& c : dhcp_captures()) {
    if (!fs::exists(c)) continue;
    std::multiset<std::string> theirs;
    for (const auto& r : tshark_fields(
             c, "dhcp",
             {"dhcp.id", "dhcp.option.dhcp", "dhcp.hw.mac_addr", "dhcp.option.hostname"})) {
      const long xid = std::strtol(r[0].c_str(), nullptr, 0);
      // dhcp.hw.mac_addr also names option 61's hardware address: the first one is chaddr.
      const std::string mac = r[2].substr(0, r[2].find(','));
      theirs.insert(std::to_string(xid) + " " + (r[1].empty() ? "-" : r[1]) + " " +
                    (mac.empty() ? "-" : mac) + " " + (r[3].empty() ? "-" : r[3]));
    }
    TempDir tmp;
    run_with_limits(c, tmp);
    std::multiset<std::string> ours;
    static const std::map<std::string, int> kTypes = {{"DISCOVER", 1}, {"OFFER", 2}, {"REQUEST", 3},
                                                      {"DECLINE", 4},  {"ACK", 5},   {"NAK", 6},
                                                      {"RELEASE", 7},  {"INFORM", 8}};
    for (const Json& r : read_log(tmp.path() + "/logs", "dhcp")) {
      for (const Json& m : r.value("messages", Json::array())) {
        const std::string t = m.value("msg_type", "");
        const auto it = kTypes.find(t);
        const std::string mac = m.value("chaddr", "");
        // tshark shows a host name up to its first NUL ("nas1\0" is "nas1").
        std::string host = m.value("host_name", "-");
        host = host.substr(0, host.find('\0'));
        ours.insert(std::to_string(m.value("xid", 0L)) + " " +
                    (it == kTypes.end() ? "-" : std::to_string(it->second)) + " " +
                    (mac.size() == 17 ? mac : "-") + " " + host);
      }
    }
    ++compared;
    EXPECT_EQ(ours, theirs) << c;
  }
  EXPECT_GE(compared, 10);
}

}  // namespace
}  // namespace ward::testing
