// Assessment with SBOM and VEX: a synthetic SBOM and VEX for a BD Alaris 8015 PC unit (a model
// of the real corpus, src/vuln/testdata/sbom/PROVENANCE.md) against the 144 ICSMA advisories.
#include "vuln/assess.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "vuln/commands.h"

namespace ward::vuln {
namespace {

namespace fs = std::filesystem;
fs::path data_dir() { return fs::path(WARD_SOURCE_DIR) / "data"; }
fs::path sbom_data() { return fs::path(WARD_SOURCE_DIR) / "src/vuln/testdata/sbom"; }

const Matcher& corpus_matcher() {
  static const Matcher m = [] {
    const Corpus c = load_csaf_directory(data_dir() / "advisories");
    auto aliases = VendorAliases::load(data_dir() / "vendor_aliases.json");
    return Matcher(c.advisories, aliases.ok() ? std::move(*aliases) : VendorAliases{});
  }();
  return m;
}

DeviceIdentity pump() { return {"BD", "Alaris 8015 PC unit", "9.33"}; }

const Finding* find(const Assessment& a, FindingSource s, std::string_view id) {
  for (const Finding& f : a.findings)
    if (f.source == s && f.match.advisory_id == id) return &f;
  return nullptr;
}

TEST(Assess, WithoutSbomsTheFindingsAreTheAdvisoryMatches) {
  const Assessment a = assess(pump(), corpus_matcher(), {});
  const std::vector<Match> ms = corpus_matcher().match(pump());
  ASSERT_EQ(a.findings.size(), ms.size());
  for (std::size_t i = 0; i < ms.size(); ++i) {
    EXPECT_EQ(a.findings[i].source, FindingSource::kAdvisory);
    EXPECT_EQ(a.findings[i].match.advisory_id, ms[i].advisory_id);
    EXPECT_EQ(a.findings[i].cves, ms[i].cves);
    EXPECT_TRUE(a.findings[i].scored());
  }
  EXPECT_TRUE(a.documents.empty());
  EXPECT_NE(find(a, FindingSource::kAdvisory, "ICSMA-17-017-02"), nullptr);
}

TEST(Assess, VexNotAffectedRemovesThatCveAndShowsTheJustification) {
  const SbomSet s = load_cyclonedx_directory(sbom_data() / "alaris-8015");
  ASSERT_TRUE(s.errors.empty());
  const Assessment a = assess(pump(), corpus_matcher(), s);
  ASSERT_EQ(a.documents.size(), 2U);
  EXPECT_EQ(a.documents[0].reason, "subject vendor+product+version 9.33");
  EXPECT_EQ(a.documents[0].components, 3U);
  EXPECT_EQ(a.documents[1].reason, "VEX by BOM-Link to a bound SBOM");
  const Finding* f = find(a, FindingSource::kAdvisory, "ICSMA-17-017-02");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->match.cves, (std::vector<std::string>{"CVE-2016-8375", "CVE-2016-9355"}));
  EXPECT_EQ(f->cves, (std::vector<std::string>{"CVE-2016-8375"}));
  ASSERT_EQ(f->removed.size(), 1U);
  EXPECT_EQ(f->removed[0].cve, "CVE-2016-9355");
  EXPECT_EQ(f->removed[0].state, VexState::kNotAffected);
  EXPECT_EQ(f->removed[0].justification, "requires_configuration");
  EXPECT_EQ(f->removed[0].statement, "/vulnerabilities/0");
  EXPECT_NE(f->removed[0].vex_file.find("alaris-8015-pc-unit-9.33.cdx.json"), std::string::npos);
  EXPECT_FALSE(f->suppressed_by_vex);
  EXPECT_TRUE(f->scored());
}

TEST(Assess, AllCvesNotAffectedOrFixedSuppressesTheFindingButKeepsIt) {
  const SbomSet s = load_cyclonedx_directory(sbom_data() / "alaris-8015-all-not-affected");
  ASSERT_TRUE(s.errors.empty());
  const Assessment a = assess(pump(), corpus_matcher(), s);
  ASSERT_EQ(a.documents.size(), 1U);
  EXPECT_EQ(a.documents[0].reason, "subject vendor+product (the SBOM names no version)");
  const Finding* f = find(a, FindingSource::kAdvisory, "ICSMA-17-017-02");
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(f->suppressed_by_vex);
  EXPECT_FALSE(f->scored());
  EXPECT_TRUE(f->cves.empty());
  ASSERT_EQ(f->removed.size(), 2U);
  EXPECT_EQ(f->suppression,
            "CVE-2016-8375: not_affected (protected_at_perimeter); CVE-2016-9355: resolved");
  // The statement about CVE-2020-25165 is for version 12.1 only: the 9.33 unit keeps it.
  const Finding* g = find(a, FindingSource::kAdvisory, "ICSMA-20-317-01");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->cves, (std::vector<std::string>{"CVE-2020-25165"}));
  EXPECT_TRUE(g->removed.empty());
  EXPECT_FALSE(g->suppressed_by_vex);
  // A 9.7 unit: in the not_affected range 9.0-9.33, but "resolved" was said of 9.33 only.
  const Assessment b = assess({"BD", "Alaris 8015 PC unit", "9.7"}, corpus_matcher(), s);
  const Finding* h = find(b, FindingSource::kAdvisory, "ICSMA-17-017-02");
  ASSERT_NE(h, nullptr);
  EXPECT_FALSE(h->suppressed_by_vex);
  EXPECT_EQ(h->cves, (std::vector<std::string>{"CVE-2016-9355"}));
}

TEST(Assess, SbomComponentMatchingAnAdvisoryIsAFindingViaThatComponent) {
  const SbomSet s = load_cyclonedx_directory(sbom_data() / "alaris-8015");
  const Assessment a = assess(pump(), corpus_matcher(), s);
  const Finding* f = find(a, FindingSource::kSbomComponent, "ICSMA-18-128-01");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->component, "Silex Technology SD-320AN 2.01");
  EXPECT_EQ(f->component_ref, "wireless-module");
  EXPECT_EQ(f->component_path, "/components/1");
  EXPECT_NE(f->sbom_file.find("alaris-8015-pc-unit-9.33.cdx.json"), std::string::npos);
  EXPECT_EQ(f->match.reason.rfind("via SBOM component Silex Technology SD-320AN 2.01: ", 0), 0U)
      << f->match.reason;
  EXPECT_EQ(f->cves, (std::vector<std::string>{"CVE-2018-6020", "CVE-2018-6021"}));
  // The BOM-Link VEX says CVE-2018-6021 is in triage for the module: kept, and said so.
  ASSERT_EQ(f->investigating.size(), 1U);
  EXPECT_EQ(f->investigating[0].cve, "CVE-2018-6021");
  EXPECT_NE(f->investigating[0].vex_file.find("alaris-8015-wireless-vex.cdx.json"),
            std::string::npos);
  EXPECT_TRUE(f->removed.empty());
  // The statement about the module does not touch the device's own findings.
  for (const Finding& g : a.findings)
    if (g.source == FindingSource::kAdvisory) {
      EXPECT_TRUE(g.investigating.empty());
    }
  // The firmware component matches ICSMA-20-170-06, which the device matches itself: noted
  // on the device's finding, not repeated.
  const Finding* own = find(a, FindingSource::kAdvisory, "ICSMA-20-170-06");
  ASSERT_NE(own, nullptr);
  EXPECT_NE(own->match.reason.find("; also via SBOM component Becton, Dickinson and Company (BD) "
                                   "PC unit firmware 9.33"),
            std::string::npos)
      << own->match.reason;
  EXPECT_EQ(find(a, FindingSource::kSbomComponent, "ICSMA-20-170-06"), nullptr);
  // The OpenSSL component's supplier has no advisory: no finding from the corpus.
  for (const Finding& g : a.findings)
    if (g.source == FindingSource::kSbomComponent) {
      EXPECT_NE(g.component_ref, "pkg:generic/openssl@1.0.2k");
    }
}

TEST(Assess, VexAffectedCveNoAdvisoryListsBecomesAFindingWithItsRating) {
  const SbomSet s = load_cyclonedx_directory(sbom_data() / "alaris-8015");
  const Assessment a = assess(pump(), corpus_matcher(), s);
  const Finding* f = find(a, FindingSource::kVex, "CVE-2023-0286");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->cves, (std::vector<std::string>{"CVE-2023-0286"}));
  EXPECT_DOUBLE_EQ(f->match.max_cvss, 7.4);
  EXPECT_EQ(f->match.max_cvss_vector, "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:H");
  EXPECT_EQ(f->rating_method, "CVSSv31");
  EXPECT_EQ(f->component, "OpenSSL Software Foundation openssl 1.0.2k");
  EXPECT_EQ(f->component_path, "/components/0/components/0");
  EXPECT_EQ(f->vex_statement, "/vulnerabilities/1");
  EXPECT_NE(f->recommendation.find("1.0.2zg"), std::string::npos);
  ASSERT_EQ(f->confirmed.size(), 1U);
  EXPECT_EQ(f->confirmed[0].state_raw, "exploitable");
  EXPECT_TRUE(f->scored());
  EXPECT_EQ(a.findings.back().source, FindingSource::kVex);  // VEX findings come last
}

TEST(Assess, SbomOfAnotherModelOrVersionIsNotBound) {
  const SbomSet s = load_cyclonedx_directory(sbom_data() / "alaris-8015");
  for (const DeviceIdentity& d : {DeviceIdentity{"BD", "Alaris 8015 PC unit", "9.5"},
                                  DeviceIdentity{"BD", "Alaris 8015 PC unit", ""},
                                  DeviceIdentity{"Baxter", "Alaris 8015 PC unit", "9.33"},
                                  DeviceIdentity{"BD", "Alaris Systems Manager", "9.33"}}) {
    const Assessment a = assess(d, corpus_matcher(), s);
    EXPECT_TRUE(a.documents.empty()) << d.vendor << " " << d.model << " " << d.version;
    for (const Finding& f : a.findings) EXPECT_EQ(f.source, FindingSource::kAdvisory);
  }
  // Alias and extra words still bind: "Becton Dickinson" is BD, "BD Alaris 8015 PC Unit".
  const Assessment b =
      assess({"Becton Dickinson", "BD Alaris 8015 PC Unit", "9.33.0"}, corpus_matcher(), s);
  EXPECT_EQ(b.documents.size(), 2U);
}

TEST(Assess, VersionedStatementsApplyOnlyToTheNamedVersions) {
  // CISA Case 6 (one product, affected and not_affected version lists) given a vendor.
  const std::string vex = R"({"bomFormat":"CycloneDX","specVersion":"1.4",
    "metadata":{"component":{"name":"Alaris 8015 PC unit","bom-ref":"p",
                             "supplier":{"name":"BD"}}},
    "vulnerabilities":[
      {"id":"CVE-2016-8375","analysis":{"state":"exploitable"},
       "affects":[{"ref":"p","versions":[{"version":"2.4"},{"range":"vers:generic/>=9.30|<=9.39"}]}]},
      {"id":"CVE-2016-8375","analysis":{"state":"not_affected","justification":"code_not_present"},
       "affects":[{"ref":"p","versions":[{"range":"vers:generic/>=9.5|<=9.7","status":"unaffected"}]}]},
      {"id":"CVE-2016-9355",
       "affects":[{"ref":"p","versions":[{"version":"9.7","status":"unaffected"}]}]}]})";
  auto doc = parse_cyclonedx(vex, "case6.json");
  ASSERT_TRUE(doc.ok()) << doc.error().to_string();
  SbomSet s;
  s.documents.push_back(std::move(*doc));
  const Assessment a33 = assess(pump(), corpus_matcher(), s);
  const Finding* f33 = find(a33, FindingSource::kAdvisory, "ICSMA-17-017-02");
  ASSERT_NE(f33, nullptr);
  ASSERT_EQ(f33->confirmed.size(), 1U);  // 9.33 is in >=9.30|<=9.39
  EXPECT_EQ(f33->confirmed[0].cve, "CVE-2016-8375");
  EXPECT_EQ(f33->cves.size(), 2U);
  const Assessment a97 = assess({"BD", "Alaris 8015 PC unit", "9.7"}, corpus_matcher(), s);
  const Finding* f97 = find(a97, FindingSource::kAdvisory, "ICSMA-17-017-02");
  ASSERT_NE(f97, nullptr);
  EXPECT_TRUE(f97->suppressed_by_vex);  // 8375 not_affected, 9355 by version status
  ASSERT_EQ(f97->removed.size(), 2U);
  EXPECT_EQ(f97->removed[1].state_raw, "not_affected (version status)");
}

TEST(Assess, MatchCommandWithSbomShowsTheVexEffect) {
  VulnPaths p{data_dir() / "advisories", data_dir() / "vendor_aliases.json",
              sbom_data() / "alaris-8015-all-not-affected"};
  const CommandResult r = run_match(p, pump(), OutputFormat::kJson);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["sbom_documents"].size(), 1U);
  bool found = false;
  for (const auto& f : j["findings"]) {
    if (f["advisory"] != "ICSMA-17-017-02") continue;
    found = true;
    EXPECT_EQ(f["source"], "advisory");
    EXPECT_EQ(f["suppressed_by_vex"], true);
    EXPECT_EQ(f["scored"], false);
    EXPECT_TRUE(f["cves"].empty());
    EXPECT_EQ(f["advisory_cves"].size(), 2U);
    EXPECT_EQ(f["vex_removed"][0]["justification"], "protected_at_perimeter");
  }
  EXPECT_TRUE(found);
  p.sbom = sbom_data() / "alaris-8015";
  const CommandResult t = run_match(p, pump(), OutputFormat::kTable);
  EXPECT_NE(t.out.find("VEX removed: CVE-2016-9355 not_affected (requires_configuration)"),
            std::string::npos)
      << t.out;
  EXPECT_NE(t.out.find("CVE-2023-0286  [high]  CVSS 7.4  (vex)"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("component:   Silex Technology SD-320AN 2.01"), std::string::npos);
  const CommandResult csv = run_match(p, pump(), OutputFormat::kCsv);
  EXPECT_NE(csv.out.find("sbom_component,ICSMA-18-128-01,"), std::string::npos) << csv.out;
}

TEST(Assess, MatchCommandReportsBadSbomFilesAndUsesTheRest) {
  const fs::path dir = fs::path(testing::TempDir()) / "assess_bad_sbom";
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy_file(sbom_data() / "alaris-8015-all-not-affected/alaris-8015-vex.cdx.json",
                dir / "vex.json");
  std::ofstream(dir / "bad.json")
      << R"({"bomFormat":"CycloneDX","specVersion":"1.5","vulnerabilities":[{"ratings":"x"}]})";
  const VulnPaths p{data_dir() / "advisories", data_dir() / "vendor_aliases.json", dir};
  const CommandResult r = run_match(p, pump(), OutputFormat::kTable);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("bad.json: /vulnerabilities/0/ratings: expected an array, found string"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.out.find("SUPPRESSED BY VEX"), std::string::npos) << r.out;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace ward::vuln
