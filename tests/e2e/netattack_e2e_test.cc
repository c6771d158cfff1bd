// The network-attack detectors through the whole monitor on real captures (../shared/data):
// nDPI's scan captures, suricata-verify's detection_filter tests, Zeek's FTP brute-force and
// SSH password-guessing traces, ARP traces; and no network-attack alert at all on benign
// captures. Expectations of the peers are quoted where the concepts coincide.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "e2e/test_util.h"

namespace ward::testing {
namespace {

bool is_netattack(const std::string& rule) {
  for (const char* p : {"ward.scan.", "ward.flood.", "ward.arp.", "ward.bruteforce."})
    if (rule.rfind(p, 0) == 0) return true;
  return false;
}

// The network-attack alerts of a run over `capture` (a path under ../shared/data/pcap, or
// absolute), with `thresholds` (YAML lines under `thresholds:`) as the policy if given.
std::vector<nlohmann::json> netattack_alerts(const std::string& capture,
                                             const std::string& thresholds = "") {
  const std::string path = capture[0] == '/' ? capture : shared_data_dir() + "/pcap/" + capture;
  if (!file_exists(path)) {
    ADD_FAILURE() << "missing capture " << path;
    return {};
  }
  TempDir tmp;
  std::string policy;
  if (!thresholds.empty()) {
    policy = tmp.path() + "/ward.yaml";
    std::ofstream(policy) << "version: 1\nthresholds:\n" << thresholds;
  }
  (void)run_on(path, tmp, policy);
  std::vector<nlohmann::json> out;
  for (auto& a : read_log(tmp.path() + "/logs", "alert"))
    if (is_netattack(a["rule"].get<std::string>())) out.push_back(a);
  return out;
}

std::string rules_of(const std::vector<nlohmann::json>& alerts) {
  std::string s;
  for (const auto& a : alerts) s += a["rule"].get<std::string>() + " ";
  return s;
}

// nDPI synscan.pcap: nmap -sS from 172.16.0.8 against 64.13.134.52, 1994 SYNs to ~1000 ports
// (nDPI's .out: 1844 Unknown flows, 2 packets or fewer each). One alert for the whole scan.
TEST(NetAttackCaptures, NdpiSynScanIsOneVerticalSynScanAlert) {
  const auto alerts = netattack_alerts("ndpi/synscan.pcap");
  ASSERT_EQ(alerts.size(), 1u) << rules_of(alerts);
  const auto& a = alerts[0];
  EXPECT_EQ(a["rule"], "ward.scan.port");
  EXPECT_EQ(a["technique"]["id"], "T1046");
  EXPECT_EQ(a["src"]["ip"], "172.16.0.8");
  EXPECT_EQ(a["dst"]["ip"], "64.13.134.52");
  EXPECT_EQ(a["evidence"]["kind"], "vertical");
  EXPECT_EQ(a["evidence"]["flags"], "SYN");
  EXPECT_EQ(a["evidence"]["distinct_ports"], "20");
}

// nDPI tcp_scan.pcapng: seven probes of 192.168.1.2 from 192.168.1.178: connect() to 80 and
// 443, SYN to 445 and 3389, and the flows nDPI names "TCP FIN scan" (3390), "TCP NULL scan"
// (3391) and "TCP XMAS scan" (3392). Seven ports are below the default threshold of 20; with
// scan.distinct_ports at 7 it is one scan with all four kinds of probe.
TEST(NetAttackCaptures, NdpiTcpScanNamesFinNullAndXmasProbes) {
  EXPECT_TRUE(netattack_alerts("ndpi/tcp_scan.pcapng").empty());
  const auto alerts = netattack_alerts("ndpi/tcp_scan.pcapng", "  scan.distinct_ports: 7\n");
  ASSERT_EQ(alerts.size(), 1u) << rules_of(alerts);
  EXPECT_EQ(alerts[0]["rule"], "ward.scan.port");
  EXPECT_EQ(alerts[0]["src"]["ip"], "192.168.1.178");
  EXPECT_EQ(alerts[0]["dst"]["ip"], "192.168.1.2");
  EXPECT_EQ(alerts[0]["evidence"]["flags"], "FIN|NULL|SYN|XMAS");
  EXPECT_EQ(alerts[0]["evidence"]["ports_sampled"], "80,443,445,3389,3390,3391,3392");
}

// suricata-verify detection_filter-distinct-dstport: SYNs from 3.3.3.3 to 1.1.1.1 ports 80 and
// 81; the rule (track by_dst, count 1, unique_on dst_port) expects 1 alert. Suricata alerts
// when the distinct count exceeds `count`: our threshold is count + 1. The -no-dups variant
// (80, 80, 81 with count 3) expects none.
TEST(NetAttackCaptures, SuricataDetectionFilterDistinctDstPort) {
  const auto one = netattack_alerts("suricata-verify/detection_filter-distinct-dstport/input.pcap",
                                    "  scan.distinct_ports: 2\n");
  ASSERT_EQ(one.size(), 1u) << rules_of(one);
  EXPECT_EQ(one[0]["rule"], "ward.scan.port");
  EXPECT_EQ(one[0]["evidence"]["ports_sampled"], "80,81");
  EXPECT_TRUE(
      netattack_alerts("suricata-verify/detection_filter-distinct-dstport-no-dups/input.pcap",
                       "  scan.distinct_ports: 4\n")
          .empty());
}

// detection_filter-distinct-srcport: two SYNs from 10.0.0.1 (source ports 2000 and 2001) to
// 2.2.2.2:80. That is two attempts at one service, not a scan; as a SYN rate it is one with
// flood.syn_per_s * flood.window_s = count + 1 = 2. The -no-dups variant (ports 2000, 2000,
// 2001; count 3) expects none: three SYNs are under 4.
TEST(NetAttackCaptures, SuricataDetectionFilterDistinctSrcPort) {
  const std::string syn2 = "  flood.window_s: 10\n  flood.syn_per_s: 0.2\n";
  const auto one =
      netattack_alerts("suricata-verify/detection_filter-distinct-srcport/input.pcap", syn2);
  ASSERT_EQ(one.size(), 1u) << rules_of(one);
  EXPECT_EQ(one[0]["rule"], "ward.flood.syn");
  EXPECT_EQ(one[0]["dst"]["ip"], "2.2.2.2");
  EXPECT_TRUE(
      netattack_alerts("suricata-verify/detection_filter-distinct-srcport/input.pcap").empty());
  EXPECT_TRUE(
      netattack_alerts("suricata-verify/detection_filter-distinct-srcport-no-dups/input.pcap",
                       "  flood.window_s: 10\n  flood.syn_per_s: 0.4\n")
          .empty());
}

// Zeek ftp/bruteforce.pcap: notice FTP::Bruteforcing "192.168.56.1 had 20 failed logins on 1
// FTP server in 0m37s". Ward has no FTP parser: 15 short sessions to port 21 in 30 s.
TEST(NetAttackCaptures, ZeekFtpBruteforce) {
  const auto alerts = netattack_alerts("zeek/traces/ftp/bruteforce.pcap");
  ASSERT_EQ(alerts.size(), 1u) << rules_of(alerts);
  EXPECT_EQ(alerts[0]["rule"], "ward.bruteforce.ftp");
  EXPECT_EQ(alerts[0]["technique"]["id"], "T1110");
  EXPECT_EQ(alerts[0]["src"]["ip"], "192.168.56.1");
  EXPECT_EQ(alerts[0]["dst"]["ip"], "192.168.56.101");
  EXPECT_EQ(alerts[0]["evidence"]["sessions"], "10");
}

// Zeek ssh/sshguess.pcap: notice SSH::Password_Guessing "192.168.56.1 appears to be guessing
// SSH passwords (seen in 10 connections)" against 192.168.56.103.
TEST(NetAttackCaptures, ZeekSshPasswordGuessing) {
  const auto alerts = netattack_alerts("zeek/traces/ssh/sshguess.pcap");
  ASSERT_EQ(alerts.size(), 1u) << rules_of(alerts);
  EXPECT_EQ(alerts[0]["rule"], "ward.bruteforce.ssh");
  EXPECT_EQ(alerts[0]["src"]["ip"], "192.168.56.1");
  EXPECT_EQ(alerts[0]["dst"]["ip"], "192.168.56.103");
  EXPECT_EQ(alerts[0]["evidence"]["sessions"], "10");
}

// ARP traces without an attack in them (Zeek's arp tests, suricata-verify's ARP decoding):
// requests, replies, probes; no binding changes.
TEST(NetAttackCaptures, ArpTracesWithoutAttacksRaiseNothing) {
  for (const char* c :
       {"zeek/traces/arp-who-has.pcap", "zeek/traces/arp-leak.pcap",
        "zeek/traces/linuxsll-arp.pcap", "zeek/traces/communityid/arp.pcap",
        "suricata-verify/decode-arp-2/arp.pcap", "suricata-verify/decode-arp-3/arp-encap.pcap",
        "suricata-verify/arp/detect-arp-01/input.pcap",
        "suricata-verify/arp/detect-arp-03-vlan/input.pcap",
        "suricata-verify/arp/detect-arp-04-vxlan/vxlan-arp.pcap"}) {
    SCOPED_TRACE(c);
    const auto alerts = netattack_alerts(c);
    EXPECT_TRUE(alerts.empty()) << rules_of(alerts);
  }
}

// src/detect/netattack/testdata/arp_attacks.pcap (synthetic, see its generator): arpspoof-style
// poisoning of a pump's gateway entry, a gratuitous-ARP storm, and a re-lease that is no attack.
TEST(NetAttackCaptures, ArpSpoofingAndGratuitousStorm) {
  const auto alerts =
      netattack_alerts(source_dir() + "/src/detect/netattack/testdata/arp_attacks.pcap");
  ASSERT_EQ(alerts.size(), 2u) << rules_of(alerts);
  EXPECT_EQ(alerts[0]["rule"], "ward.arp.spoofing");
  EXPECT_EQ(alerts[0]["technique"]["id"], "T1557.002");
  EXPECT_EQ(alerts[0]["src"]["ip"], "10.10.0.66");
  EXPECT_EQ(alerts[0]["dst"]["ip"], "10.10.0.1");
  EXPECT_EQ(alerts[0]["evidence"]["old_mac"], "00:00:5e:00:01:01");
  EXPECT_EQ(alerts[0]["evidence"]["new_mac"], "02:aa:bb:cc:dd:66");
  EXPECT_EQ(alerts[1]["rule"], "ward.arp.gratuitous_storm");
  EXPECT_EQ(alerts[1]["evidence"]["mac"], "02:00:00:00:00:77");
  EXPECT_EQ(alerts[1]["evidence"]["count"], "20");
}

// src/detect/netattack/testdata/mqtt_attacks.pcap (synthetic, see its generator): 12 refused
// CONNECTs (CONNACK 4) 2 s apart from one client, then 300 CONNECTs in 3 s; a monitor that
// connects once a minute is left alone.
TEST(NetAttackCaptures, MqttBruteForceAndConnectFlood) {
  const auto alerts =
      netattack_alerts(source_dir() + "/src/detect/netattack/testdata/mqtt_attacks.pcap");
  ASSERT_EQ(alerts.size(), 2u) << rules_of(alerts);
  EXPECT_EQ(alerts[0]["rule"], "ward.bruteforce.mqtt");
  EXPECT_EQ(alerts[0]["src"]["ip"], "10.10.5.66");
  EXPECT_EQ(alerts[0]["dst"]["ip"], "10.10.5.1");
  EXPECT_EQ(alerts[0]["evidence"]["failures"], "10");
  EXPECT_EQ(alerts[0]["evidence"]["method"], "CONNACK 4");
  EXPECT_EQ(alerts[0]["evidence"]["users_sampled"], "admin");
  EXPECT_EQ(alerts[1]["rule"], "ward.flood.mqtt_connect");
  EXPECT_EQ(alerts[1]["technique"]["id"], "T0814");
  EXPECT_EQ(alerts[1]["evidence"]["count"], "200");
}

// src/detect/netattack/testdata/scans_floods.pcap (synthetic, see its generator): a ping sweep
// and a UDP scan (one alert each at the defaults), then SYN, ICMP and UDP floods sized for low
// flood thresholds (below the defaults: no flood alert without them).
TEST(NetAttackCaptures, PingSweepUdpScanAndFloods) {
  const std::string pcap = source_dir() + "/src/detect/netattack/testdata/scans_floods.pcap";
  const auto defaults = netattack_alerts(pcap);
  ASSERT_EQ(defaults.size(), 2u) << rules_of(defaults);
  EXPECT_EQ(defaults[0]["rule"], "ward.scan.ping_sweep");
  EXPECT_EQ(defaults[0]["technique"]["id"], "T0846");
  EXPECT_EQ(defaults[0]["src"]["ip"], "10.10.7.66");
  EXPECT_EQ(defaults[0]["evidence"]["distinct_hosts"], "20");
  EXPECT_EQ(defaults[1]["rule"], "ward.scan.port");
  EXPECT_EQ(defaults[1]["evidence"]["flags"], "UDP");
  EXPECT_EQ(defaults[1]["evidence"]["kind"], "vertical");
  EXPECT_EQ(defaults[1]["dst"]["ip"], "10.10.7.2");

  const auto low = netattack_alerts(
      pcap, "  flood.syn_per_s: 20\n  flood.icmp_per_s: 20\n  flood.udp_per_s: 50\n");
  ASSERT_EQ(low.size(), 5u) << rules_of(low);
  // Floods of one long flow are raised while it lasts (flow progress), so the log order is
  // not the order of the flows' ends: look them up by rule.
  const auto by_rule = [&](const char* rule) -> const nlohmann::json& {
    for (const auto& a : low)
      if (a["rule"] == rule) return a;
    ADD_FAILURE() << "no " << rule << " in " << rules_of(low);
    return low[0];
  };
  const auto& syn = by_rule("ward.flood.syn");
  EXPECT_EQ(syn["dst"]["ip"], "10.10.7.3");
  EXPECT_EQ(syn["evidence"]["count"], "200");
  const auto& icmp = by_rule("ward.flood.icmp");
  EXPECT_EQ(icmp["src"]["ip"], "10.10.7.67");
  EXPECT_EQ(icmp["dst"]["ip"], "10.10.7.4");
  const auto& udp = by_rule("ward.flood.udp");
  EXPECT_EQ(udp["dst"]["ip"], "10.10.7.5");
  // 600 datagrams in one flow: raised at the progress event of the 512th, over 50/s x 10 s.
  EXPECT_EQ(udp["evidence"]["count"], "512");
}

// Benign captures: clinical traffic, web, TLS, MQTT telemetry, media, single (failed) logins. No
// scan, flood, ARP or brute-force alert at the default thresholds.
TEST(NetAttackCaptures, BenignCapturesRaiseNoNetworkAttackAlert) {
  for (const std::string& c :
       {source_dir() + "/tests/data/synthetic-ward/capture.pcap", std::string("ndpi/hl7.pcap"),
        std::string("ndpi/http.pcapng"), std::string("ndpi/tls_1.2_unidirectional_client.pcapng"),
        std::string("ndpi/rtsp_setup_http.pcapng"), std::string("ndpi/stun_dtls_rtp.pcapng"),
        std::string("zeek/traces/tls/chrome-34-google.pcap"), std::string("zeek/traces/mqtt.pcap"),
        std::string("zeek/traces/http/get.pcap"), source_dir() + "/tests/golden/http/fhir.pcap",
        // single logins, some refused: no brute force
        std::string("ndpi/ftp_failed.pcap"), std::string("ndpi/telnet.pcap"),
        std::string("ndpi/http_auth.pcap"), std::string("ndpi/mqtt.pcap"),
        std::string("ndpi/rtsp.pcap"), std::string("zeek/traces/rfb/vnc-scanner.pcap"),
        source_dir() + "/src/parsers/wsdiscovery/testdata/wsd_sdc_onvif.pcap"}) {
    SCOPED_TRACE(c);
    const auto alerts = netattack_alerts(c);
    EXPECT_TRUE(alerts.empty()) << rules_of(alerts);
  }
}

}  // namespace
}  // namespace ward::testing
