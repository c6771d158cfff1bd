// The risk score over real advisory matches (the ICSMA corpus in data/advisories): what a
// reviewer checks is that the factors add up to the score, that the same weakness ranks a pump
// above a workstation, and that the remediation list puts the urgent and the fixable first.
#include "vuln/risk.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace ward::vuln {
namespace {

std::filesystem::path data_dir() { return std::filesystem::path(WARD_SOURCE_DIR) / "data"; }

class Risk : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    corpus = new Corpus(load_csaf_directory(data_dir() / "advisories"));
    auto aliases = VendorAliases::load(data_dir() / "vendor_aliases.json");
    ASSERT_TRUE(aliases.ok()) << aliases.error().message();
    matcher = new Matcher(corpus->advisories, std::move(*aliases));
  }
  static void TearDownTestSuite() {
    delete matcher;
    delete corpus;
  }
  static std::vector<Match> match(const char* vendor, const char* model, const char* version) {
    return matcher->match(DeviceIdentity{vendor, model, version});
  }
  static const RiskFactor& factor(const RiskScore& r, std::string_view name) {
    for (const RiskFactor& f : r.factors)
      if (f.name == name) return f;
    ADD_FAILURE() << "no factor " << name;
    return r.factors.front();
  }

  static Corpus* corpus;
  static Matcher* matcher;
};
Corpus* Risk::corpus = nullptr;
Matcher* Risk::matcher = nullptr;

TEST_F(Risk, FactorsAddUpToTheScoreAndNameTheirEvidence) {
  // BD Alaris PC Unit 8015 at 9.19: ICSMA-17-017-02 (CVSS 6.8), ICSMA-20-317-01 (6.5) and
  // ICSMA-20-170-06 (5.3) with high confidence, ICSMA-17-017-01 ("all versions" of the Alaris
  // 8000 family, 4.9) with medium.
  const auto matches = match("BD", "Alaris 8015 PC Unit", "9.19");
  ASSERT_EQ(matches.size(), 4U);
  Exposure e;
  e.serves_network = true;
  e.services = {"hl7"};
  e.alerts_high = 2;
  const RiskScore r = score_device(DeviceClass::kInfusionPump, matches, e);
  ASSERT_EQ(r.factors.size(), 4U);
  int sum = 0;
  for (const RiskFactor& f : r.factors) sum += f.points;
  EXPECT_EQ(r.score, sum);
  // 4 x 6.8 (high confidence) = 27.2 -> 27, +1 for each of the three further advisories.
  EXPECT_EQ(factor(r, "vulnerability").points, 30);
  EXPECT_NE(factor(r, "vulnerability").detail.find("ICSMA-17-017-02 CVSS 6.8"), std::string::npos);
  // ICSMA-20-317-01 is AV:N and the pump serves HL7.
  EXPECT_EQ(factor(r, "exploitability").points, 5);
  EXPECT_NE(factor(r, "exploitability").detail.find("ICSMA-20-317-01"), std::string::npos);
  EXPECT_EQ(factor(r, "criticality").points, 25);
  EXPECT_EQ(factor(r, "alerts").points, 11);  // worst high (10) + 1 further
  EXPECT_EQ(r.score, 30 + 5 + 25 + 11);
  EXPECT_EQ(r.level, "critical");
}

TEST_F(Risk, TheSameWeaknessRanksAPumpAboveAWorkstation) {
  const auto matches = match("BD", "Alaris 8015 PC Unit", "9.19");
  const Exposure e;
  const RiskScore pump = score_device(DeviceClass::kInfusionPump, matches, e);
  const RiskScore ws = score_device(DeviceClass::kWorkstation, matches, e);
  EXPECT_GT(pump.score, ws.score);
  EXPECT_EQ(pump.score - ws.score, 25 - 8);
}

TEST_F(Risk, UpdatingPastTheAffectedRangesLowersTheScore) {
  // 9.33.2 is past the ranges of all but the "all versions" advisory (medium confidence).
  const auto matches = match("BD", "Alaris 8015 PC Unit", "9.33.2");
  ASSERT_EQ(matches.size(), 1U);
  EXPECT_EQ(matches[0].advisory_id, "ICSMA-17-017-01");
  const RiskScore r = score_device(DeviceClass::kInfusionPump, matches, Exposure{});
  EXPECT_EQ(factor(r, "vulnerability").points, 15);  // 4 x 4.9 x 0.75 = 14.7
  EXPECT_EQ(r.score, 15 + 0 + 25 + 0);
  EXPECT_EQ(r.level, "medium");
  const RiskScore none = score_device(DeviceClass::kInfusionPump, {}, Exposure{});
  EXPECT_EQ(none.score, 25);
  EXPECT_EQ(none.level, "low");
  EXPECT_TRUE(none.remediations.empty());
  EXPECT_EQ(factor(none, "vulnerability").detail, "no advisory matches this device");
}

TEST_F(Risk, MediumConfidenceWeighsLessThanHigh) {
  // Sigma Spectrum 8.x matches only "when model 35700BAX2": medium confidence, CVSS 8.6.
  const auto matches = match("Baxter", "Sigma Spectrum", "8.00.01");
  ASSERT_FALSE(matches.empty());
  ASSERT_EQ(matches.front().confidence, Confidence::kMedium);
  const RiskScore r = score_device(DeviceClass::kInfusionPump, matches, Exposure{});
  // 4 x 8.6 x 0.75 = 25.8 -> 26, +1 for ICSMA-22-251-01.
  EXPECT_EQ(factor(r, "vulnerability").points, 27);
  EXPECT_NE(factor(r, "vulnerability").detail.find("medium confidence"), std::string::npos);
}

TEST_F(Risk, InternetExposureComesFirstThenSegmentationForAnUnfixedNetworkWeakness) {
  const auto matches = match("Baxter", "Sigma Spectrum", "8.00.01");
  Exposure e;
  e.internet_exposed = true;
  e.internet_peer = "203.0.113.7";
  e.serves_network = true;
  e.services = {"http", "telnet"};
  e.cleartext_credentials = true;
  const RiskScore r = score_device(DeviceClass::kInfusionPump, matches, e);
  // AV:N on a serving device 5, internet 10, cleartext credentials 5.
  EXPECT_EQ(factor(r, "exploitability").points, 20);
  ASSERT_GE(r.remediations.size(), 3U);
  EXPECT_EQ(r.remediations[0].kind, RemediationKind::kRemoveExposure);
  EXPECT_NE(r.remediations[0].reason.find("203.0.113.7"), std::string::npos);
  EXPECT_EQ(r.remediations[1].kind, RemediationKind::kSegment);
  EXPECT_EQ(r.remediations[1].advisory_id, "ICSMA-20-170-04");
  EXPECT_NE(r.remediations[1].action.find("http, telnet"), std::string::npos);
  for (std::size_t i = 2; i < r.remediations.size(); ++i)
    EXPECT_EQ(r.remediations[i].kind, RemediationKind::kCompensate);
}

TEST_F(Risk, AConduitFromTheInternetCountsLikeObservedExposureAndZonesAreNamed) {
  const auto matches = match("Baxter", "Sigma Spectrum", "8.00.01");
  Exposure e;
  e.serves_network = true;
  e.services = {"http"};
  e.zone = "infusion_pumps";
  e.reachable_from = {"clinical_servers"};
  const RiskFactor inside =
      factor(score_device(DeviceClass::kInfusionPump, matches, e), "exploitability");
  EXPECT_EQ(inside.points, 5);  // the network vector only: another zone is not the internet
  EXPECT_NE(inside.detail.find("reachable from zones clinical_servers (conduits into "
                               "infusion_pumps)"),
            std::string::npos)
      << inside.detail;
  e.reachable_from.push_back("internet");
  const RiskFactor open =
      factor(score_device(DeviceClass::kInfusionPump, matches, e), "exploitability");
  EXPECT_EQ(open.points, 15);
  EXPECT_NE(open.detail.find("a conduit lets the internet reach its zone infusion_pumps"),
            std::string::npos);
  // Observed internet traffic already counts 10: the conduit adds nothing more.
  e.internet_exposed = true;
  EXPECT_EQ(factor(score_device(DeviceClass::kInfusionPump, matches, e), "exploitability").points,
            15);
}

TEST_F(Risk, AnAdvisoryWithAFixedVersionGivesAPatchStep) {
  Match m;
  m.advisory_id = "ICSMA-TEST-1";
  m.product = "Example Pump";
  m.affected = "< 2.1";
  m.fixed_version = "2.1";
  m.max_cvss = 9.8;
  m.max_cvss_vector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
  m.confidence = Confidence::kHigh;
  m.exploit = ExploitSignal::kKnownExploited;
  const RiskScore r = score_device(DeviceClass::kInfusionPump, {m}, Exposure{});
  EXPECT_EQ(factor(r, "vulnerability").points, 39);  // 4 x 9.8 = 39.2
  EXPECT_EQ(factor(r, "exploitability").points, 20);
  EXPECT_EQ(r.score, 39 + 20 + 25);
  EXPECT_EQ(r.level, "critical");
  ASSERT_EQ(r.remediations.size(), 1U);
  EXPECT_EQ(r.remediations[0].kind, RemediationKind::kPatch);
  EXPECT_EQ(r.remediations[0].action, "update Example Pump to version 2.1 or later");
}

TEST_F(Risk, ScoresStayWithinTheirBounds) {
  std::vector<Match> many(30);
  for (Match& m : many) {
    m.advisory_id = "X";
    m.max_cvss = 10;
    m.max_cvss_vector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H";
    m.confidence = Confidence::kHigh;
    m.exploit = ExploitSignal::kKnownExploited;
  }
  Exposure e;
  e.internet_exposed = e.serves_network = e.cleartext_credentials = true;
  e.alerts_critical = 1000;
  const RiskScore r = score_device(DeviceClass::kInfusionPump, many, e);
  EXPECT_EQ(factor(r, "vulnerability").points, 40);
  EXPECT_EQ(factor(r, "exploitability").points, 20);
  EXPECT_EQ(factor(r, "alerts").points, 15);
  EXPECT_EQ(r.score, 100);
}

TEST(RiskNames, ClassesAndAttackVectorsParse) {
  EXPECT_EQ(parse_device_class("infusion_pump"), DeviceClass::kInfusionPump);
  EXPECT_EQ(parse_device_class("pacs"), DeviceClass::kPacs);
  EXPECT_EQ(parse_device_class("toaster"), DeviceClass::kUnknown);
  EXPECT_EQ(device_class_name(DeviceClass::kCamera), "camera");
  EXPECT_EQ(cvss_attack_vector("CVSS:3.0/AV:P/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), 'P');
  EXPECT_EQ(cvss_attack_vector("AV:A/AC:H"), 'A');
  EXPECT_EQ(cvss_attack_vector("CVSS:3.1/MAV:N"), std::nullopt);
  EXPECT_EQ(cvss_attack_vector(""), std::nullopt);
  EXPECT_EQ(cvss_attack_vector("CVSS:3.1/AV:"), std::nullopt);
}

}  // namespace
}  // namespace ward::vuln
