// CycloneDX loader: the CISA VEX use cases (CycloneDX/bom-examples, CC0), SBOMs of spec 1.2 to
// 1.6, and every kind of bad input reported with file and JSON pointer.
#include "vuln/cyclonedx.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace ward::vuln {
namespace {

namespace fs = std::filesystem;
fs::path sbom_data() { return fs::path(WARD_SOURCE_DIR) / "src/vuln/testdata/sbom"; }

CdxDocument load(const std::string& rel) {
  auto r = load_cyclonedx_file(sbom_data() / rel);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
  return r.ok() ? std::move(*r) : CdxDocument{};
}

TEST(CycloneDx, CisaCase1ReadsEachOfTheFourStates) {
  const CdxDocument affected = load("cisa/Case-1/vex-affected.json");
  EXPECT_EQ(affected.spec_version, "1.4");
  ASSERT_TRUE(affected.subject.has_value());
  EXPECT_EQ(affected.subject->name, "DEF");
  EXPECT_EQ(affected.subject->version, "1.0");
  EXPECT_EQ(affected.subject->bom_ref, "product-DEF");
  EXPECT_TRUE(affected.components.empty());  // VEX only
  ASSERT_EQ(affected.vulnerabilities.size(), 1U);
  const CdxVulnerability& a = affected.vulnerabilities[0];
  EXPECT_EQ(a.id, "CVE-2021-44228");
  EXPECT_EQ(a.source, "NVD");
  EXPECT_EQ(a.state, VexState::kAffected);
  EXPECT_EQ(a.state_raw, "exploitable");
  EXPECT_EQ(a.responses, (std::vector<std::string>{"will_not_fix", "update"}));
  ASSERT_EQ(a.affects.size(), 1U);
  EXPECT_EQ(a.affects[0].ref, "product-DEF");
  EXPECT_EQ(a.json_path, "/vulnerabilities/0");

  const CdxVulnerability fixed = load("cisa/Case-1/vex-fixed.json").vulnerabilities.at(0);
  EXPECT_EQ(fixed.state, VexState::kFixed);
  EXPECT_EQ(fixed.state_raw, "resolved");
  EXPECT_EQ(fixed.detail, "This version of Product DEF has been fixed.");

  const CdxVulnerability na = load("cisa/Case-1/vex-not_affected.json").vulnerabilities.at(0);
  EXPECT_EQ(na.state, VexState::kNotAffected);
  EXPECT_EQ(na.justification, "code_not_present");
  EXPECT_EQ(na.affects.at(0).ref, "product-ABC");

  const CdxVulnerability ui =
      load("cisa/Case-1/vex-under_investigation.json").vulnerabilities.at(0);
  EXPECT_EQ(ui.state, VexState::kUnderInvestigation);
  EXPECT_EQ(ui.state_raw, "in_triage");
  EXPECT_TRUE(ui.justification.empty());
}

TEST(CycloneDx, CisaCase2ListsNineteenNotAffectedCvesWithZeroRatings) {
  const CdxDocument d = load("cisa/Case-2/vex.json");
  ASSERT_EQ(d.vulnerabilities.size(), 19U);
  for (const CdxVulnerability& v : d.vulnerabilities) {
    EXPECT_EQ(v.state, VexState::kNotAffected) << v.id;
    EXPECT_EQ(v.justification, "code_not_reachable") << v.id;
    ASSERT_TRUE(v.max_score.has_value());
    EXPECT_EQ(*v.max_score, 0.0);
    EXPECT_EQ(v.method, "CVSSv31");
  }
  EXPECT_EQ(d.vulnerabilities.front().id, "CVE-2020-11896");
  EXPECT_EQ(d.vulnerabilities.back().id, "CVE-2020-11914");
}

TEST(CycloneDx, CisaCase3MixesAllStatesForOneProduct) {
  const CdxDocument d = load("cisa/Case-3/vex.json");
  ASSERT_EQ(d.vulnerabilities.size(), 19U);
  std::map<VexState, int> count;
  for (const CdxVulnerability& v : d.vulnerabilities) ++count[v.state];
  EXPECT_EQ(count[VexState::kNotAffected], 6);
  EXPECT_EQ(count[VexState::kUnderInvestigation], 5);
  EXPECT_EQ(count[VexState::kAffected], 5);
  EXPECT_EQ(count[VexState::kFixed], 3);
  EXPECT_EQ(d.vulnerabilities[1].id, "CVE-2020-11897");
  EXPECT_EQ(d.vulnerabilities[1].detail, "IPv6 is not supported and code is not present.");
}

TEST(CycloneDx, CisaCases4To6ReadVersionsAndRanges) {
  const CdxDocument c4 = load("cisa/Case-4/vex.json");
  ASSERT_EQ(c4.vulnerabilities.size(), 1U);
  EXPECT_EQ(*c4.vulnerabilities[0].max_score, 10.0);
  EXPECT_EQ(c4.vulnerabilities[0].vector, "AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H");
  const auto& v4 = c4.vulnerabilities[0].affects.at(0).versions;
  ASSERT_EQ(v4.size(), 3U);
  EXPECT_EQ(v4[0].version, "2.4");
  EXPECT_EQ(v4[0].status, "affected");
  EXPECT_EQ(v4[2].range, "vers:generic/>=2.9|<=4.1");
  EXPECT_TRUE(v4[2].version.empty());

  const CdxDocument c5 = load("cisa/Case-5/vex.json");
  EXPECT_EQ(c5.subject->name, "XYZ");
  EXPECT_TRUE(c5.subject->version.empty());
  EXPECT_EQ(c5.vulnerabilities.at(0).state, VexState::kUnderInvestigation);
  EXPECT_TRUE(c5.vulnerabilities[0].detail.empty());

  const CdxDocument c6 = load("cisa/Case-6/vex.json");
  ASSERT_EQ(c6.vulnerabilities.size(), 2U);
  EXPECT_EQ(c6.vulnerabilities[0].state, VexState::kAffected);
  EXPECT_EQ(c6.vulnerabilities[1].state, VexState::kNotAffected);
  EXPECT_EQ(c6.vulnerabilities[1].affects.at(0).versions.size(), 4U);
  EXPECT_EQ(c6.vulnerabilities[1].affects[0].versions[3].version, "4.2");
  EXPECT_EQ(c6.vulnerabilities[1].affects[0].versions[3].status, "unaffected");
}

TEST(CycloneDx, CisaCases7And8AddressTwoBomsByBomLink) {
  for (const char* c : {"cisa/Case-7", "cisa/Case-8"}) {
    const CdxDocument b1 = load(std::string(c) + "/bom-1.json");
    const CdxDocument b2 = load(std::string(c) + "/bom-2.json");
    const CdxDocument vex = load(std::string(c) + "/vex.json");
    EXPECT_EQ(b1.serial_uuid(), "cbb2cd68-2857-43b8-a10b-e8c03d277d18");
    EXPECT_EQ(b2.subject->name, "JKL");
    EXPECT_FALSE(vex.subject.has_value());
    ASSERT_FALSE(vex.vulnerabilities.empty());
    EXPECT_EQ(vex.vulnerabilities[0].affects.at(0).ref,
              "urn:cdx:" + b1.serial_uuid() + "/1#" + b1.subject->bom_ref);
    EXPECT_EQ(vex.vulnerabilities[0].affects.at(1).ref,
              "urn:cdx:" + b2.serial_uuid() + "/1#" + b2.subject->bom_ref);
  }
  const CdxDocument v8 = load("cisa/Case-8/vex.json");
  ASSERT_EQ(v8.vulnerabilities.size(), 8U);
  EXPECT_EQ(v8.vulnerabilities[4].id, "CVE-2021-45105");
  EXPECT_EQ(v8.vulnerabilities[7].state, VexState::kFixed);
  EXPECT_EQ(v8.vulnerabilities[7].affects.at(0).versions.at(0).version, "5.2");
}

TEST(CycloneDx, ReadsSbomsOfSpec12And13WithNestedAndOrganisationFields) {
  const CdxDocument cern = load("cern-lhc-vdm-editor-1.2.json");
  EXPECT_EQ(cern.spec_version, "1.2");
  EXPECT_EQ(cern.components.size(), 43U);
  EXPECT_EQ(cern.subject->name, "lhc-vdm-editor");
  EXPECT_TRUE(cern.vulnerabilities.empty());

  const CdxDocument hbom = load("hbom-pcie-sata-1.4.json");
  EXPECT_EQ(hbom.subject->type, "device");
  EXPECT_EQ(hbom.subject->group, "uk.ac.cam.cl");
  ASSERT_FALSE(hbom.components.empty());
  EXPECT_EQ(hbom.components[0].supplier, "Samtec");
  EXPECT_EQ(hbom.components[0].name, "PCIE-098-02-F-D-EMS2");

  const CdxDocument vexbom = load("vex-example-bom-1.3.json");
  EXPECT_EQ(vexbom.spec_version, "1.3");
  const CdxComponent* jackson =
      vexbom.find("pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.10.0?type=jar");
  ASSERT_NE(jackson, nullptr);
  EXPECT_EQ(jackson->publisher, "FasterXML");
  EXPECT_EQ(jackson->group, "com.fasterxml.jackson.core");
  EXPECT_EQ(jackson->version, "2.10.0");
  EXPECT_EQ(jackson->vendor_names(),
            (std::vector<std::string>{"FasterXML", "com.fasterxml.jackson.core"}));
}

TEST(CycloneDx, SyntheticSbomFlattensNestedComponentsWithTheirPointers) {
  const CdxDocument d = load("alaris-8015/alaris-8015-pc-unit-9.33.cdx.json");
  EXPECT_EQ(d.spec_version, "1.5");
  ASSERT_TRUE(d.subject.has_value());
  EXPECT_EQ(d.subject->supplier, "Becton, Dickinson and Company (BD)");  // from metadata.supplier
  EXPECT_EQ(d.subject->json_path, "/metadata/component");
  ASSERT_EQ(d.components.size(), 3U);
  EXPECT_EQ(d.components[1].name, "openssl");
  EXPECT_EQ(d.components[1].json_path, "/components/0/components/0");
  EXPECT_EQ(d.components[1].cpe, "cpe:2.3:a:openssl:openssl:1.0.2k:*:*:*:*:*:*:*");
  EXPECT_EQ(d.components[1].purl, "pkg:generic/openssl@1.0.2k");
  EXPECT_EQ(d.components[2].describe(), "Silex Technology SD-320AN 2.01");
  const CdxVulnerability& v = d.vulnerabilities.at(1);
  EXPECT_EQ(v.cwes, (std::vector<std::uint32_t>{843}));
  EXPECT_NE(v.recommendation.find("OpenSSL 1.0.2zg"), std::string::npos);
  const CdxDocument v16 = load("alaris-8015-all-not-affected/alaris-8015-vex.cdx.json");
  EXPECT_EQ(v16.subject->manufacturer, "BD");  // 1.6 component.manufacturer
  EXPECT_EQ(v16.version, 2U);
}

std::string error_of(std::string_view text, const CycloneDxLimits& limits = {}) {
  auto r = parse_cyclonedx(text, "t.json", limits);
  return r.ok() ? "loaded" : r.error().to_string();
}

TEST(CycloneDx, BadInputIsAnErrorWithFileAndJsonPointer) {
  const std::string head = R"({"bomFormat":"CycloneDX","specVersion":"1.5",)";
  EXPECT_EQ(error_of(R"({"bomFormat":"SPDX","specVersion":"1.5"})"),
            "t.json: /bomFormat: not a CycloneDX document (bomFormat 'SPDX')");
  EXPECT_EQ(error_of(R"({"bomFormat":"CycloneDX"})"), "t.json: /specVersion: missing");
  EXPECT_EQ(error_of(R"({"bomFormat":"CycloneDX","specVersion":"2.0"})"),
            "t.json: /specVersion: unsupported CycloneDX version '2.0' (1.2 to 1.6)");
  EXPECT_EQ(error_of(head + R"("components":[{"name":"a"},{"name":7}]})"),
            "t.json: /components/1/name: expected a string, found number");
  EXPECT_EQ(error_of(head + R"("components":[{"name":"a","components":[{"type":"library"}]}]})"),
            "t.json: /components/0/components/0/name: missing");
  EXPECT_EQ(error_of(head + R"("components":[{"name":"a","supplier":{"name":["x"]}}]})"),
            "t.json: /components/0/supplier/name: expected a string, found array");
  EXPECT_EQ(error_of(head + R"("metadata":{"component":"pump"}})"),
            "t.json: /metadata/component: expected an object, found string");
  EXPECT_EQ(error_of(head + R"("vulnerabilities":[{"id":"CVE-1","analysis":{"state":"maybe"}}]})"),
            "t.json: /vulnerabilities/0/analysis/state: unknown state 'maybe'");
  EXPECT_EQ(error_of(head + R"("vulnerabilities":[{"analysis":{"justification":"trust_me"}}]})"),
            "t.json: /vulnerabilities/0/analysis/justification: unknown justification 'trust_me'");
  EXPECT_EQ(error_of(head + R"("vulnerabilities":[{"ratings":[{"score":11}]}]})"),
            "t.json: /vulnerabilities/0/ratings/0/score: outside 0..10");
  EXPECT_EQ(error_of(head + R"("vulnerabilities":[{"cwes":["CWE-79"]}]})"),
            "t.json: /vulnerabilities/0/cwes/0: expected a CWE number, found string");
  EXPECT_EQ(error_of(head + R"("vulnerabilities":[{"affects":[{"versions":[]}]}]})"),
            "t.json: /vulnerabilities/0/affects/0/ref: missing");
  EXPECT_EQ(error_of(head + R"("vulnerabilities":[{"affects":[{"ref":"x","versions":[{}]}]}]})"),
            "t.json: /vulnerabilities/0/affects/0/versions/0: needs exactly one of version and "
            "range");
  EXPECT_EQ(
      error_of(head + R"("vulnerabilities":[{"affects":[{"ref":"x","versions":[{"version":"1",)"
                      R"("status":"fine"}]}]}]})"),
      "t.json: /vulnerabilities/0/affects/0/versions/0/status: unknown status 'fine'");
  EXPECT_EQ(error_of("[1]"), "t.json: expected a JSON object, found array");
  EXPECT_NE(error_of("{\"bomFormat\":").find("t.json: invalid JSON at byte"), std::string::npos);
}

TEST(CycloneDx, LimitsOnSizeNestingComponentsAndVulnerabilities) {
  CycloneDxLimits small;
  small.max_document_bytes = 64;
  EXPECT_EQ(error_of(std::string(100, ' '), small),
            "t.json: document is 100 bytes, more than the limit of 64");
  EXPECT_EQ(error_of(std::string(200, '[') + std::string(200, ']')),
            "t.json: JSON nested deeper than 64 levels");
  small = {};
  small.max_component_depth = 2;
  EXPECT_EQ(error_of(R"({"bomFormat":"CycloneDX","specVersion":"1.4","components":[{"name":"a",)"
                     R"("components":[{"name":"b","components":[{"name":"c"}]}]}]})",
                     small),
            "t.json: /components/0/components/0/components: components nested deeper than 2 "
            "levels");
  small = {};
  small.max_components = 2;
  EXPECT_EQ(error_of(R"({"bomFormat":"CycloneDX","specVersion":"1.4","components":[{"name":"a"},)"
                     R"({"name":"b"},{"name":"c"}]})",
                     small),
            "t.json: /components/2: more than 2 components");
  small = {};
  small.max_vulnerabilities = 1;
  EXPECT_EQ(
      error_of(R"({"bomFormat":"CycloneDX","specVersion":"1.4","vulnerabilities":[{},{}]})", small),
      "t.json: /vulnerabilities: more than 1 vulnerabilities");
  small = {};
  small.max_affects = 2;
  EXPECT_EQ(error_of(R"({"bomFormat":"CycloneDX","specVersion":"1.4","vulnerabilities":[)"
                     R"({"affects":[{"ref":"a","versions":[{"version":"1"},{"version":"2"}]}]}]})",
                     small),
            "t.json: /vulnerabilities/0/affects/0/versions/1: more than 2 affects entries and "
            "versions in the document");
}

TEST(CycloneDx, DirectoryLoadKeepsGoodDocumentsAndReportsBadOnes) {
  const fs::path dir = fs::path(testing::TempDir()) / "cyclonedx_dir_test";
  fs::remove_all(dir);
  fs::create_directories(dir / "vex");
  fs::copy_file(sbom_data() / "alaris-8015/alaris-8015-pc-unit-9.33.cdx.json", dir / "good.json");
  fs::copy_file(sbom_data() / "cisa/Case-5/vex.json", dir / "vex/case5.json");
  std::ofstream(dir / "bad.json")
      << R"({"bomFormat":"CycloneDX","specVersion":"1.5","components":[{"name":"x","version":5}]})";
  std::ofstream(dir / "vex/broken.json") << R"({"bomFormat":"CycloneDX",)";
  std::ofstream(dir / "notes.txt") << "not loaded: not *.json";
  const SbomSet s = load_cyclonedx_directory(dir);
  ASSERT_EQ(s.documents.size(), 2U);
  EXPECT_EQ(s.documents[0].subject->name, "Alaris 8015 PC unit");
  EXPECT_EQ(s.documents[1].subject->name, "XYZ");
  ASSERT_EQ(s.errors.size(), 2U);
  EXPECT_EQ(s.errors[0].file, (dir / "bad.json").string());
  EXPECT_EQ(s.errors[0].json_pointer, "/components/0/version");
  EXPECT_EQ(s.errors[0].message, "expected a string, found number");
  EXPECT_EQ(s.errors[1].file, (dir / "vex/broken.json").string());
  EXPECT_EQ(s.errors[1].json_pointer, "");
  const SbomSet missing = load_cyclonedx_directory(dir / "nope");
  ASSERT_EQ(missing.errors.size(), 1U);
  EXPECT_EQ(missing.errors[0].message, "not a directory");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace ward::vuln
