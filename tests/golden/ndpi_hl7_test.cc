// Golden test against nDPI for ../shared/data/pcap/ndpi/hl7.pcap: nDPI's ndpiReader output
// (hl7.pcap.out) names one flow, TCP 10.0.0.155:49242 <-> 10.0.0.126:6661, protocol HL7
// (on a non-standard port, found by content), 5 packets one way and 4 the other. Ward must find
// the same flow, name the same protocol, count the same packets, decode the two messages
// (an ADT^A01 and its ACK), and flag the patient data it carries without logging it.
// Intended difference: nDPI counts bytes of whole frames (777 <-> 396, Ethernet headers and
// padding included); Ward's conn log counts IP bytes as Zeek does, so bytes are checked
// against the frame sizes minus their Ethernet framing.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>

#include "e2e/test_util.h"

namespace ward::testing {
namespace {

TEST(NdpiHl7, TheFlowProtocolAndPacketCountsMatchNdpi) {
  const std::string pcap = shared_data_dir() + "/pcap/ndpi/hl7.pcap";
  if (!file_exists(pcap)) GTEST_SKIP() << "shared test data not present";
  // Read nDPI's expectation from its output rather than restating it.
  const std::string out = read_file(pcap + ".out");
  // "TCP 10.0.0.155:49242 <-> 10.0.0.126:6661 [proto: 380/HL7]...[5 pkts/777 bytes <-> 4 pkts/396
  // bytes]"
  const auto at = out.find("\tTCP ");
  ASSERT_NE(at, std::string::npos) << "unexpected ndpiReader output format";
  const std::string line = out.substr(at + 1, out.find('\n', at) - at - 1);
  ASSERT_NE(line.find("/HL7]"), std::string::npos) << line;
  std::array<char, 64> orig_h{};
  std::array<char, 64> resp_h{};
  int orig_p = 0, resp_p = 0;
  ASSERT_EQ(std::sscanf(line.c_str(), "TCP %63[^:]:%d <-> %63[^:]:%d", orig_h.data(), &orig_p,
                        resp_h.data(), &resp_p),
            4)
      << line;
  int pkts_o = 0, bytes_o = 0, pkts_r = 0, bytes_r = 0;
  const auto counts = line.find(" pkts/");
  ASSERT_NE(counts, std::string::npos);
  ASSERT_EQ(
      std::sscanf(line.c_str() + line.rfind('[', counts), "[%d pkts/%d bytes <-> %d pkts/%d bytes]",
                  &pkts_o, &bytes_o, &pkts_r, &bytes_r),
      4)
      << line;

  TempDir tmp;
  (void)run_on(pcap, tmp, source_dir() + "/tests/data/synthetic-ward/ward.yaml");
  const auto conns = read_log(tmp.path() + "/logs", "conn");
  ASSERT_EQ(conns.size(), 1u);
  const auto& c = conns[0];
  EXPECT_EQ(c["id.orig_h"], orig_h.data());
  EXPECT_EQ(c["id.orig_p"], orig_p);
  EXPECT_EQ(c["id.resp_h"], resp_h.data());
  EXPECT_EQ(c["id.resp_p"], resp_p);
  EXPECT_EQ(c["service"], "hl7");
  EXPECT_EQ(c["orig_pkts"], pkts_o);
  EXPECT_EQ(c["resp_pkts"], pkts_r);
  // nDPI bytes = IP bytes + the 14-byte Ethernet header of each packet + padding of short
  // frames: the client's three 40-byte IP packets arrived padded to the 60-byte minimum (6
  // bytes each); the server's were captured unpadded on the sending host (54-byte frames).
  EXPECT_EQ(c["orig_ip_bytes"].get<int>() + 5 * 14 + 3 * 6, bytes_o);
  EXPECT_EQ(c["resp_ip_bytes"].get<int>() + 4 * 14, bytes_r);
  EXPECT_EQ(c["conn_state"], "SF");

  const auto hl7 = read_log(tmp.path() + "/logs", "hl7");
  ASSERT_EQ(hl7.size(), 2u);
  EXPECT_EQ(hl7[0]["msg_type"], "ADT^A01");
  EXPECT_EQ(hl7[0]["sending_application"], "SENDING_APPLICATION");
  EXPECT_EQ(hl7[0]["control_id"], "934576120110613083617");
  EXPECT_EQ(hl7[0]["version"], "2.3");
  EXPECT_EQ(hl7[1]["ack_code"], "AA");
  EXPECT_EQ(hl7[1]["ack_control_id"], "934576120110613083617");

  const auto alerts = read_log(tmp.path() + "/logs", "alert");
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0]["rule"], "ward.privacy.phi_cleartext");
  for (const char* log : {"conn", "hl7", "alert", "anomaly"}) {
    const std::string text = read_file(tmp.path() + "/logs/" + log + ".jsonl");
    EXPECT_EQ(text.find("MOUSE"), std::string::npos) << log;
    EXPECT_EQ(text.find("135769"), std::string::npos) << log;  // the patient id
  }
}

}  // namespace
}  // namespace ward::testing
