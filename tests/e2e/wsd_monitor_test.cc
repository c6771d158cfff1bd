// WS-Discovery through the whole monitor: the synthetic capture
// src/parsers/wsdiscovery/testdata/wsd_sdc_onvif.pcap (an SDC Hello with a patient context
// scope multicast, an ONVIF Probe multicast, a camera's unicast ProbeMatches) gives wsd log
// records with the device classes and the bed location, a privacy anomaly and a PHI alert for
// the patient scope, and the patient identifier in no log.
#include <gtest/gtest.h>

#include "e2e/test_util.h"

namespace ward::testing {
namespace {

TEST(WsdMonitor, SdcAndOnvifDiscoveryIsLoggedAndThePatientScopeIsFlaggedNotWritten) {
  const std::string pcap = source_dir() + "/src/parsers/wsdiscovery/testdata/wsd_sdc_onvif.pcap";
  TempDir tmp;
  (void)run_on(pcap, tmp, source_dir() + "/tests/data/synthetic-ward/ward.yaml");
  const std::string logs = tmp.path() + "/logs";
  const auto wsd = read_log(logs, "wsd");
  ASSERT_EQ(wsd.size(), 3u);
  EXPECT_EQ(wsd[0]["msg"], "Hello");
  EXPECT_EQ(wsd[0]["id.resp_h"], "239.255.255.250");
  EXPECT_EQ(wsd[0]["device_class"], "sdc_medical_device");
  EXPECT_EQ(wsd[0]["endpoints"][0]["location"]["bed"], "2");
  EXPECT_EQ(wsd[0]["endpoints"][0]["location"]["poc"], "ICU");
  EXPECT_EQ(wsd[0]["patient_context"], true);
  EXPECT_EQ(wsd[1]["msg"], "Probe");
  EXPECT_EQ(wsd[2]["msg"], "ProbeMatches");
  EXPECT_EQ(wsd[2]["device_class"], "onvif_camera");
  EXPECT_EQ(wsd[2]["relates_to"], "uuid:b2a4b7e0-0000-4000-8000-000000000002");
  EXPECT_EQ(wsd[2]["endpoints"][0]["xaddrs"][0], "http://192.168.1.64/onvif/device_service");

  for (const auto& c : read_log(logs, "conn")) EXPECT_EQ(c["service"], "wsd") << c.dump();
  bool privacy = false;
  for (const auto& a : read_log(logs, "anomaly"))
    privacy = privacy || a["name"] == "wsd.patient_context_multicast";
  EXPECT_TRUE(privacy);
  bool phi_alert = false;
  for (const auto& a : read_log(logs, "alert"))
    phi_alert = phi_alert || a["rule"] == "ward.privacy.phi_cleartext";
  EXPECT_TRUE(phi_alert);
  for (const char* log : {"wsd", "conn", "anomaly", "alert"})
    EXPECT_EQ(read_file(logs + "/" + log + ".jsonl").find("PAT-TEST-0042"), std::string::npos)
        << log;
}

}  // namespace
}  // namespace ward::testing
