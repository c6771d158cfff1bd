// FHIR over cleartext HTTP, end to end on a synthetic capture (tests/golden/http/fhir.pcap,
// written by fhir.pcap.py; every value invented): a Patient POST, an Observation search by
// patient answered with a chunked Bundle, and a Device read. Ward must log each resource type
// and id, raise the PHI-in-cleartext alert from clinical::PhiObserved, and write no PHI value
// (name, identifier, birth date, patient reference) in any log.
#include <gtest/gtest.h>

#include <filesystem>

#include "e2e/tshark.h"
#include "golden/http/golden_http_util.h"

namespace ward::testing::http_golden {
namespace {

TEST(FhirHttp, ResourcesAreLoggedPhiIsFlaggedAndNoValueIsWritten) {
  const std::string pcap = source_dir() + "/tests/golden/http/fhir.pcap";
  ASSERT_TRUE(file_exists(pcap));
  TempDir tmp;
  (void)run_on(pcap, tmp);
  const std::string logs = tmp.path() + "/logs";
  const auto http = read_log(logs, "http");
  ASSERT_EQ(http.size(), 3U);

  EXPECT_EQ(http[0]["method"], "POST");
  EXPECT_EQ(http[0]["uri"], "/fhir/Patient");
  EXPECT_EQ(http[0]["status_code"], 201);
  EXPECT_EQ(http[0]["fhir"], true);
  EXPECT_EQ(http[0]["fhir_resource_type"], "Patient");
  EXPECT_EQ(http[0]["request_content_type"], "application/fhir+json");
  EXPECT_EQ(http[0]["phi_fields"], nlohmann::json({"fhir.Patient.name", "fhir.Patient.birthDate",
                                                   "fhir.Patient.identifier"}));

  EXPECT_EQ(http[1]["method"], "GET");
  EXPECT_EQ(http[1]["fhir_resource_type"], "Observation");
  EXPECT_EQ(http[1]["status_code"], 200);
  EXPECT_EQ(http[1]["response_content_type"], "application/fhir+json");
  EXPECT_EQ(http[1]["phi_fields"],
            nlohmann::json({"fhir.search.patient", "fhir.Observation.subject"}));
  // The search value is hashed in the logged uri; the other parameter is kept.
  const std::string uri = http[1]["uri"];
  EXPECT_EQ(uri.rfind("/fhir/Observation?patient=hmac:", 0), 0U) << uri;
  EXPECT_NE(uri.find("&code=8867-4"), std::string::npos) << uri;

  EXPECT_EQ(http[2]["fhir_resource_type"], "Device");
  EXPECT_EQ(http[2]["fhir_id"], "pump-0007");
  EXPECT_EQ(http[2]["phi_fields"], nlohmann::json({"fhir.Device.patient"}));

  // clinical::PhiObserved becomes the PHI alert (detect/phi_detector.cc).
  const auto alerts = read_log(logs, "alert");
  int phi_alerts = 0;
  for (const auto& a : alerts)
    if (a["rule"] == "ward.privacy.phi_cleartext") ++phi_alerts;
  EXPECT_GE(phi_alerts, 1);

  // No PHI value in any log file.
  for (const auto& entry : std::filesystem::directory_iterator(logs)) {
    const std::string text = read_file(entry.path().string());
    for (const char* phi : {"Testpatient", "Synthia", "SYN-MRN-0042", "1931-02-03", "syn-pat-0042"})
      EXPECT_EQ(text.find(phi), std::string::npos) << entry.path() << " holds " << phi;
  }
}

TEST(FhirHttp, TsharkSeesTheSameRequestsAndStatusCodes) {
  if (!tshark_available()) GTEST_SKIP() << "tshark not installed";
  const std::string pcap = source_dir() + "/tests/golden/http/fhir.pcap";
  const auto rows = tshark_fields(pcap, "http.request", {"http.request.method", "http.request.uri"},
                                  {"tcp.port==8080,http"});
  const auto ours = http_records(pcap);
  ASSERT_EQ(rows.size(), ours.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(ours[i]["method"], rows[i][0]);
    // Ward hashes the patient search value; tshark shows it: compare the path.
    EXPECT_EQ(ours[i]["uri"].get<std::string>().substr(0, rows[i][1].find('?')),
              rows[i][1].substr(0, rows[i][1].find('?')));
  }
  const auto codes =
      tshark_fields(pcap, "http.response", {"http.response.code"}, {"tcp.port==8080,http"});
  ASSERT_EQ(codes.size(), ours.size());
  for (std::size_t i = 0; i < codes.size(); ++i)
    EXPECT_EQ(ours[i]["status_code"].dump(), codes[i][0]);
}

}  // namespace
}  // namespace ward::testing::http_golden
