#include "sim/fhir_upload.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace ward::sim {
namespace {

TEST(FhirObservation, IsAnR4ObservationWithLoincComponentsAndNoPatientIdentity) {
  CogSummary s;
  s.device_id = "COGMON-0032";
  s.subject = "Patient/pseudo-0032";
  s.start = 1795985900;  // 2026-11-29T20:58:20Z
  s.end = 1795986000;
  s.mean_heart_rate = 66.5;
  s.steps = 1450;
  s.sleep_hours = 7.25;
  s.gait_speed_m_s = 0.86;
  s.night_wandering_events = 1;
  const auto j = nlohmann::json::parse(fhir_observation_json(s));
  EXPECT_EQ(j["resourceType"], "Observation");
  EXPECT_EQ(j["status"], "final");
  EXPECT_EQ(j["category"][0]["coding"][0]["code"], "activity");
  EXPECT_EQ(j["subject"]["reference"], "Patient/pseudo-0032");
  EXPECT_EQ(j["device"]["display"], "COGMON-0032");
  EXPECT_EQ(j["effectivePeriod"]["start"], "2026-11-29T20:58:20Z");
  EXPECT_EQ(j["effectivePeriod"]["end"], "2026-11-29T21:00:00Z");
  ASSERT_EQ(j["component"].size(), 5U);
  EXPECT_EQ(j["component"][0]["code"]["coding"][0]["system"], "http://loinc.org");
  EXPECT_EQ(j["component"][0]["code"]["coding"][0]["code"], "8867-4");
  EXPECT_DOUBLE_EQ(j["component"][0]["valueQuantity"]["value"].get<double>(), 66.5);
  EXPECT_EQ(j["component"][0]["valueQuantity"]["code"], "/min");
  EXPECT_EQ(j["component"][1]["code"]["coding"][0]["code"], "55423-8");
  EXPECT_EQ(j["component"][1]["valueQuantity"]["value"].get<double>(), 1450);
  EXPECT_EQ(j["component"][2]["code"]["coding"][0]["code"], "93832-4");
  EXPECT_DOUBLE_EQ(j["component"][2]["valueQuantity"]["value"].get<double>(), 7.25);
  EXPECT_EQ(j["component"][4]["valueQuantity"]["value"].get<double>(), 1);
  // No name, MRN or birth date anywhere.
  const std::string text = j.dump();
  for (const char* k : {"name\"", "birthDate", "identifier"})
    EXPECT_EQ(text.find(k), std::string::npos) << k;
}

TEST(FhirObservation, EscapesWhatItQuotes) {
  CogSummary s;
  s.device_id = "A\"B\\C\n";
  const auto j = nlohmann::json::parse(fhir_observation_json(s));
  EXPECT_EQ(j["device"]["display"], "A\"B\\C\n");
}

TEST(HttpStatus, ReadsTheStatusLineOnly) {
  EXPECT_EQ(http_status_of("HTTP/1.1 201 Created\r\nLocation: /fhir/Observation/1\r\n\r\n"), 201);
  EXPECT_EQ(http_status_of("HTTP/1.0 400 Bad Request\r\n"), 400);
  EXPECT_EQ(http_status_of("HTTP/1.1 204\r\n"), 204);
  EXPECT_EQ(http_status_of("HTTP/1.1 201"), 201);
  EXPECT_FALSE(http_status_of(""));
  EXPECT_FALSE(http_status_of("HTTP/1.1 20"));
  EXPECT_FALSE(http_status_of("HTTP/1.1 2x1 Created\r\n"));
  EXPECT_FALSE(http_status_of("HTTP/1.1 2012 Created\r\n"));
  EXPECT_FALSE(http_status_of("HTTP/2 201\r\n"));
  EXPECT_FALSE(http_status_of("RTSP/1.0 200 OK\r\n"));
  EXPECT_FALSE(http_status_of("HTTP/1.1 099 x\r\n"));
  EXPECT_FALSE(http_status_of("\nHTTP/1.1 201 Created\r\n"));
}

TEST(HttpsPost, FailsClearlyWithoutItsCaFile) {
  std::string error;
  const auto st = https_post(HttpsPost{"127.0.0.1", 9, "/fhir/Observation", "application/fhir+json",
                                       "{}", "/nonexistent/ca.pem"},
                             500, error);
  EXPECT_FALSE(st);
  EXPECT_NE(error.find("/nonexistent/ca.pem"), std::string::npos) << error;
}

}  // namespace
}  // namespace ward::sim
