// Golden tests against nDPI for its RTSP and RTP captures (../shared/data/pcap/ndpi:
// rtsp.pcap, rtsp_setup_http.pcapng, rtp.pcapng, stun_dtls_rtp.pcapng), and tshark as a
// differential oracle on the same files.
//
// nDPI (ndpiReader, the *.out files) names, per flow: endpoints, protocol and packets each way,
// and for RTSP the User-Agent. Ward must find the same flows, call the same ones RTSP or RTP
// (and no others), and count the same packets. Intended differences, each asserted below:
//   - rtp.pcapng, TCP 172.16.168.24:40252 <-> 172.16.168.64:5000: nDPI recognises RTP framed on
//     TCP (RFC 4571) on a port nothing announced. Ward parses RTP over TCP only inside RTSP
//     (interleaved); a 2-byte length + RTP header probe on every TCP flow would be too weak.
//   - rtp.pcapng, UDP 54234 <-> 50003: nDPI says Discord (it knows Discord's IP discovery
//     packets); Ward has no Discord parser, and its weak RTP probe gives up on a flow whose first
//     two datagrams are not RTP, so the flow has no service. Agreement: neither says RTP.
//   - stun_dtls_rtp.pcapng: nDPI says STUN/DTLS (GoogleCall); Ward has no STUN/DTLS parser and,
//     as nDPI, does not call any flow RTP or RTSP (its UDP flow starts with STUN).
//   - nDPI counts bytes of whole frames; Ward's conn log counts IP bytes (compared in the HL7
//     golden test already), so only packets are compared here.
// tshark: rtsp.method / rtsp.url / rtsp.status / rtsp.session / rtsp.transport per TCP stream,
// and rtp.ssrc / rtp.p_type (RTP decoded on the ports nDPI named) agree with Ward's rtsp and rtp
// logs. tshark's rtsp.session keeps the ";timeout=60" suffix that Ward logs apart (it is not
// part of the session id, RFC 2326 §12.37), so the suffix is cut before comparing.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "e2e/test_util.h"
#include "e2e/tshark.h"

namespace ward::testing {
namespace {

namespace fs = std::filesystem;

struct NdpiFlow {
  std::string proto;  // TCP, UDP
  std::string a, b;   // "ip:port", nDPI's order
  std::string app;    // "RTSP", "RTP", "Discord", "STUN.GoogleCall", ...
  int pkts_ab = 0, pkts_ba = 0;
  std::string user_agent;
};

// Flow lines of an ndpiReader output:
// "\t1\tTCP 10.1.1.10:52478 <-> 10.2.2.2:8554 [proto: 50/RTSP]...[44 pkts/6374 bytes <-> 60
// pkts/11092 bytes]..."
std::vector<NdpiFlow> ndpi_flows(const std::string& out_file) {
  std::vector<NdpiFlow> out;
  std::istringstream in(read_file(out_file));
  for (std::string line; std::getline(in, line);) {
    // "\t<n>\t<PROTO> <a> <-> <b> [VLAN: ..][proto: 50/RTSP]..."
    if (line.size() < 3 || line[0] != '\t') continue;
    const auto tab = line.find('\t', 1);
    if (tab == std::string::npos) continue;
    std::istringstream words(line.substr(tab + 1));
    NdpiFlow f;
    std::string arrow;
    if (!(words >> f.proto >> f.a >> arrow >> f.b) || (f.proto != "TCP" && f.proto != "UDP") ||
        (arrow != "<->" && arrow != "->"))
      continue;
    const auto proto_at = line.find("[proto: ");
    if (proto_at == std::string::npos) continue;
    const auto slash = line.find('/', proto_at);
    const auto close = line.find(']', proto_at);
    if (slash == std::string::npos || close == std::string::npos || slash > close) continue;
    f.app = line.substr(slash + 1, close - slash - 1);
    const auto pkts = line.find(" pkts/");
    if (pkts == std::string::npos) continue;
    std::array<char, 8> arrow2{};
    if (std::sscanf(line.c_str() + line.rfind('[', pkts), "[%d pkts/%*d bytes %7s %d pkts/",
                    &f.pkts_ab, arrow2.data(), &f.pkts_ba) != 3)
      continue;
    if (const auto ua = line.find("[User-Agent: "); ua != std::string::npos)
      f.user_agent = line.substr(ua + 13, line.find(']', ua) - ua - 13);
    out.push_back(f);
  }
  return out;
}

std::string endpoint(const nlohmann::json& r, const char* side) {
  return r[std::string("id.") + side + "_h"].get<std::string>() + ":" +
         std::to_string(r[std::string("id.") + side + "_p"].get<int>());
}

// The protocol name Ward and nDPI use for the two protocols compared here, else "".
std::string compared_protocol(const std::string& ndpi_app) {
  if (ndpi_app == "RTSP") return "rtsp";
  if (ndpi_app == "RTP") return "rtp";
  return "";
}

struct Agreement {
  int flows = 0, agreeing = 0;
  std::vector<std::string> differences;
};

// Compares every nDPI flow of `capture` with Ward's conn log. `expected_differences` names the
// flows ("a <-> b") that differ on purpose (see the file comment).
Agreement compare(const std::string& capture, const std::set<std::string>& expected_differences) {
  Agreement ag;
  TempDir tmp;
  (void)run_on(capture, tmp);
  const auto conns = read_log(tmp.path() + "/logs", "conn");
  const auto rtsp = read_log(tmp.path() + "/logs", "rtsp");
  const auto flows = ndpi_flows(capture + ".out");
  EXPECT_FALSE(flows.empty()) << capture;
  for (const NdpiFlow& f : flows) {
    ++ag.flows;
    // Ward, as Zeek, starts a new connection when a SYN follows a reset one on the same ports
    // (rtsp.pcap, 52478: a refused SYN, then the same SYN half a second later); nDPI keeps one
    // flow per 5-tuple. So the connections on nDPI's endpoints are summed.
    int matched = 0, pkts_ab = 0, pkts_ba = 0;
    std::set<std::string> services;
    std::set<std::string> uids;
    for (const auto& r : conns) {
      const bool fwd = endpoint(r, "orig") == f.a && endpoint(r, "resp") == f.b;
      const bool rev = endpoint(r, "orig") == f.b && endpoint(r, "resp") == f.a;
      if (!fwd && !rev) continue;
      ++matched;
      const int o = r["orig_pkts"], p = r["resp_pkts"];
      pkts_ab += fwd ? o : p;
      pkts_ba += fwd ? p : o;
      if (!r.value("service", "").empty()) services.insert(r.value("service", ""));
      uids.insert(r["uid"].get<std::string>());
    }
    std::string why;
    if (matched == 0) {
      why = "no such flow";
    } else {
      const std::string theirs = compared_protocol(f.app);
      // Only RTSP and RTP are compared: a flow nDPI gives another protocol must not be ours.
      const bool ours_compared = services.count("rtsp") + services.count("rtp") > 0;
      if (theirs.empty() ? ours_compared : services != std::set<std::string>{theirs})
        why = "service vs nDPI " + f.app;
      if (pkts_ab != f.pkts_ab || pkts_ba != f.pkts_ba)
        why += " packets " + std::to_string(pkts_ab) + "/" + std::to_string(pkts_ba);
      if (!f.user_agent.empty() && theirs == "rtsp") {
        bool ua = false;
        for (const auto& t : rtsp)
          if (uids.count(t["uid"].get<std::string>()) > 0 &&
              t.value("user_agent", "") == f.user_agent)
            ua = true;
        if (!ua) why += " user agent";
      }
    }
    const std::string name = f.a + " <-> " + f.b;
    if (why.empty()) {
      ++ag.agreeing;
      EXPECT_EQ(expected_differences.count(name), 0u) << name << " agrees now: update the test";
    } else {
      ag.differences.push_back(name + ": " + why);
      EXPECT_EQ(expected_differences.count(name), 1u) << name << ": " << why;
    }
  }
  return ag;
}

std::string pcap(const char* name) { return shared_data_dir() + "/pcap/ndpi/" + name; }

TEST(NdpiRtsp, EveryRtspFlowOfAVlcSessionCaptureAgreesWithNdpi) {
  if (!file_exists(pcap("rtsp.pcap"))) GTEST_SKIP() << "shared test data not present";
  const Agreement ag = compare(pcap("rtsp.pcap"), {});
  EXPECT_EQ(ag.flows, 7);
  EXPECT_EQ(ag.agreeing, 7);
}

TEST(NdpiRtsp, ALoneSetupRequestIsRtspAsForNdpi) {
  if (!file_exists(pcap("rtsp_setup_http.pcapng"))) GTEST_SKIP() << "shared test data not present";
  const Agreement ag = compare(pcap("rtsp_setup_http.pcapng"), {});
  EXPECT_EQ(ag.agreeing, 1);
  TempDir tmp;
  (void)run_on(pcap("rtsp_setup_http.pcapng"), tmp);
  const auto rtsp = read_log(tmp.path() + "/logs", "rtsp");
  ASSERT_EQ(rtsp.size(), 1u);
  EXPECT_EQ(rtsp[0]["method"], "SETUP");
  EXPECT_EQ(rtsp[0]["uri"], "rtsp://172.28.4.26:8554/trackID=88");
  EXPECT_EQ(rtsp[0]["cseq"], 4);
  EXPECT_EQ(rtsp[0]["client_port"], "50220-50221");
  EXPECT_FALSE(rtsp[0].contains("status"));  // the capture holds no response
}

TEST(NdpiRtsp, RtpFlowsAgreeWithNdpiExceptRtpFramedOnTcp) {
  if (!file_exists(pcap("rtp.pcapng"))) GTEST_SKIP() << "shared test data not present";
  const Agreement ag = compare(pcap("rtp.pcapng"), {"172.16.168.24:40252 <-> 172.16.168.64:5000"});
  EXPECT_EQ(ag.flows, 4);
  EXPECT_EQ(ag.agreeing, 3);
}

TEST(NdpiRtsp, NoFlowOfAStunDtlsCallIsTakenForRtpOrRtsp) {
  if (!file_exists(pcap("stun_dtls_rtp.pcapng"))) GTEST_SKIP() << "shared test data not present";
  const Agreement ag = compare(pcap("stun_dtls_rtp.pcapng"), {});
  EXPECT_EQ(ag.flows, 2);
  EXPECT_EQ(ag.agreeing, 2);
}

// --- tshark ------------------------------------------------------------------------------------

std::string cut_session(std::string s) { return s.substr(0, s.find(';')); }

TEST(NdpiRtspTshark, RtspRequestsResponsesSessionsAndTransportsAgree) {
  if (!tshark_available()) GTEST_SKIP() << "tshark not installed";
  for (const char* name : {"rtsp.pcap", "rtsp_setup_http.pcapng"}) {
    const std::string path = pcap(name);
    if (!file_exists(path)) continue;
    // One row per frame; retransmitted frames repeat a message, so compare sets.
    std::set<std::string> their_requests, their_responses, their_sessions, their_transports;
    for (const auto& r : tshark_fields(path, "rtsp.request || rtsp.response",
                                       {"tcp.srcport", "tcp.dstport", "rtsp.method", "rtsp.url",
                                        "rtsp.status", "rtsp.session", "rtsp.transport"})) {
      const std::string client_port = r[2].empty() ? r[1] : r[0];
      if (!r[2].empty()) {
        their_requests.insert(client_port + " " + r[2] + " " + r[3]);
      } else {
        their_responses.insert(client_port + " " + r[4]);
      }
      if (!r[5].empty()) their_sessions.insert(client_port + " " + cut_session(r[5]));
      if (!r[6].empty()) their_transports.insert(client_port + " " + r[6]);
    }
    TempDir tmp;
    (void)run_on(path, tmp);
    std::set<std::string> our_requests, our_responses, our_sessions, our_transports;
    for (const auto& t : read_log(tmp.path() + "/logs", "rtsp")) {
      const std::string port = std::to_string(t["id.orig_p"].get<int>());
      our_requests.insert(port + " " + t["method"].get<std::string>() + " " +
                          t["uri"].get<std::string>());
      if (t.contains("status"))
        our_responses.insert(port + " " + std::to_string(t["status"].get<int>()));
      if (t.contains("session")) our_sessions.insert(port + " " + t["session"].get<std::string>());
      if (t.contains("transport"))
        our_transports.insert(port + " " + t["transport"].get<std::string>());
      if (t.contains("request_transport"))
        our_transports.insert(port + " " + t["request_transport"].get<std::string>());
    }
    EXPECT_EQ(our_requests, their_requests) << name;
    EXPECT_EQ(our_responses, their_responses) << name;
    EXPECT_EQ(our_sessions, their_sessions) << name;
    EXPECT_EQ(our_transports, their_transports) << name;
    EXPECT_FALSE(our_requests.empty()) << name;
  }
}

TEST(NdpiRtspTshark, RtpSourcesAndPayloadTypesAgree) {
  if (!tshark_available()) GTEST_SKIP() << "tshark not installed";
  const std::string path = pcap("rtp.pcapng");
  if (!file_exists(path)) GTEST_SKIP() << "shared test data not present";
  // RTP has no registered port: decode the two UDP flows nDPI calls RTP.
  std::map<std::string, int> theirs;  // "ssrc pt" -> packets
  // Forced decoding also turns the first, non-RTP datagram of the 6008 flow into "RTP version
  // 0": only version 2 packets are RTP (RFC 3550 §5.1), as for Ward.
  for (const auto& r :
       tshark_fields(path, "rtp && udp && rtp.version == 2", {"rtp.ssrc", "rtp.p_type"},
                     {"udp.port==6000,rtp", "udp.port==6008,rtp"}))
    ++theirs[r[0] + " " + r[1]];
  TempDir tmp;
  (void)run_on(path, tmp);
  std::map<std::string, int> ours;
  for (const auto& s : read_log(tmp.path() + "/logs", "rtp"))
    ours[s["ssrc"].get<std::string>() + " " + std::to_string(s["payload_type"].get<int>())] =
        s["packets"].get<int>();
  EXPECT_EQ(ours, theirs);
  EXPECT_EQ(ours.size(), 2u);
}

TEST(NdpiRtspTshark, ConnectionsAgreeOnEveryCaptureUsedHere) {
  if (!tshark_available()) GTEST_SKIP() << "tshark not installed";
  for (const char* name :
       {"rtsp.pcap", "rtsp_setup_http.pcapng", "rtp.pcapng", "stun_dtls_rtp.pcapng"}) {
    const std::string path = pcap(name);
    if (!file_exists(path)) continue;
    std::set<std::string> theirs;
    for (const auto& r : tshark_fields(
             path, "tcp || udp",
             {"ip.src", "tcp.srcport", "udp.srcport", "ip.dst", "tcp.dstport", "udp.dstport"})) {
      const std::string x = r[0] + ":" + (r[1].empty() ? r[2] : r[1]);
      const std::string y = r[3] + ":" + (r[4].empty() ? r[5] : r[4]);
      theirs.insert(x < y ? x + " " + y : y + " " + x);
    }
    TempDir tmp;
    (void)run_on(path, tmp);
    std::set<std::string> ours;
    for (const auto& r : read_log(tmp.path() + "/logs", "conn")) {
      const std::string x = endpoint(r, "orig");
      const std::string y = endpoint(r, "resp");
      ours.insert(x < y ? x + " " + y : y + " " + x);
    }
    EXPECT_EQ(ours, theirs) << name;
  }
}

}  // namespace
}  // namespace ward::testing
