// CSAF 2.0 loading: the real ICSMA corpus shipped in data/advisories, and bad input.
#include "vuln/csaf.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace ward::vuln {
namespace {

std::filesystem::path corpus_dir() {
  return std::filesystem::path(WARD_SOURCE_DIR) / "data/advisories";
}

// A minimal valid document; tests break one part of it.
std::string minimal_doc(const std::string& product_tree = R"({"branches": [{"category": "vendor",
    "name": "Acme", "branches": [{"category": "product_name", "name": "Pump 1",
    "branches": [{"category": "product_version_range", "name": "<= 2.0",
    "product": {"name": "Acme Pump 1 <= 2.0", "product_id": "P1"}}]}]}]})") {
  return R"({"document": {"category": "csaf_security_advisory", "csaf_version": "2.0",
    "title": "Acme Pump", "publisher": {"name": "Test", "category": "vendor",
    "namespace": "https://example.org"},
    "tracking": {"id": "TEST-1", "current_release_date": "2024-01-01T00:00:00Z",
    "version": "1", "status": "final"}},
    "product_tree": )" +
         product_tree + R"(,
    "vulnerabilities": [{"cve": "CVE-2024-0001", "cwe": {"id": "CWE-798", "name": "Hard-coded"},
    "scores": [{"cvss_v3": {"baseScore": 7.5, "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N",
    "version": "3.1"}, "products": ["P1"]}],
    "product_status": {"known_affected": ["P1"]},
    "remediations": [{"category": "vendor_fix", "details": "Update to version 2.1 or later.",
    "product_ids": ["P1"]}]}]})";
}

TEST(Csaf, LoadsAMinimalDocument) {
  auto a = parse_csaf(minimal_doc(), "mem.json");
  ASSERT_TRUE(a.ok()) << a.error().to_string();
  EXPECT_EQ(a->id, "TEST-1");
  ASSERT_EQ(a->products.size(), 1U);
  EXPECT_EQ(a->products[0].vendor, "Acme");
  EXPECT_EQ(a->products[0].name, "Pump 1");
  EXPECT_EQ(a->products[0].version, "<= 2.0");
  EXPECT_TRUE(a->products[0].version_is_range);
  ASSERT_EQ(a->vulnerabilities.size(), 1U);
  EXPECT_EQ(a->vulnerabilities[0].cwe_id, "CWE-798");
  ASSERT_NE(a->vulnerabilities[0].max_cvss(), nullptr);
  EXPECT_DOUBLE_EQ(a->vulnerabilities[0].max_cvss()->base_score, 7.5);
}

TEST(Csaf, LoadsTheWholeShippedCorpus) {
  const Corpus c = load_csaf_directory(corpus_dir());
  for (const LoadError& e : c.errors) ADD_FAILURE() << e.to_string();
  ASSERT_EQ(c.advisories.size(), 144U);
  std::size_t products = 0;
  std::size_t vulns = 0;
  for (const Advisory& a : c.advisories) {
    EXPECT_FALSE(a.products.empty()) << a.id;
    products += a.products.size();
    vulns += a.vulnerabilities.size();
  }
  // From the survey of the corpus (docs/vuln.md): 607 leaf products, 433 vulnerabilities.
  EXPECT_EQ(products, 607U);
  EXPECT_EQ(vulns, 433U);
}

TEST(Csaf, ResolvesSigmaSpectrumAdvisory) {
  auto a = load_csaf_file(corpus_dir() / "csaf-icsma/2020/icsma-20-170-04.json");
  ASSERT_TRUE(a.ok()) << a.error().to_string();
  EXPECT_EQ(a->id, "ICSMA-20-170-04");
  EXPECT_EQ(a->title, "Baxter Sigma Spectrum Infusion Pumps (Update B)");
  EXPECT_EQ(a->current_release_date, "2020-06-23T00:00:00.000000Z");
  EXPECT_EQ(a->revision, "2");
  const Product* p = a->find_product("CSAFPID-0001");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->vendor, "Baxter");
  EXPECT_EQ(p->version, "v8.x model 35700BAX2");
  EXPECT_FALSE(p->version_is_range);
  EXPECT_EQ(p->json_path, "/product_tree/branches/0/branches/0/branches/0");
  EXPECT_EQ(a->exploit, ExploitSignal::kNoKnownPublicExploit);
  ASSERT_FALSE(a->vulnerabilities.empty());
  EXPECT_FALSE(a->vulnerabilities[0].cve.empty());
  EXPECT_FALSE(a->vulnerabilities[0].status.known_affected.empty());
  EXPECT_FALSE(a->vulnerabilities[0].remediations.empty());
}

TEST(Csaf, PublicExploitNoteIsClassified) {
  const Corpus c = load_csaf_directory(corpus_dir());
  std::size_t public_exploit = 0;
  std::size_t no_known = 0;
  std::size_t not_remote = 0;
  for (const Advisory& a : c.advisories) {
    public_exploit += a.exploit == ExploitSignal::kPublicExploitAvailable ? 1 : 0;
    no_known += a.exploit == ExploitSignal::kNoKnownPublicExploit ? 1 : 0;
    not_remote += a.remotely_exploitable == false ? 1 : 0;
  }
  EXPECT_EQ(public_exploit,
            1U);  // "Exploits that target these vulnerabilities are publicly available."
  EXPECT_EQ(no_known, 97U);
  EXPECT_GE(not_remote, 36U);
}

TEST(Csaf, TruncatedJsonIsAnErrorWithFileName) {
  const std::string doc = minimal_doc();
  auto a = parse_csaf(doc.substr(0, doc.size() / 2), "trunc.json");
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().file, "trunc.json");
  EXPECT_NE(a.error().message.find("invalid JSON"), std::string::npos);
}

TEST(Csaf, WrongTypeNamesTheJsonPointer) {
  std::string doc = minimal_doc(R"({"branches": [{"category": "vendor", "name": 42}]})");
  auto a = parse_csaf(doc, "bad.json");
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().json_pointer, "/product_tree/branches/0/name");
  EXPECT_EQ(a.error().to_string(),
            "bad.json: /product_tree/branches/0/name: expected a string, found number");
}

TEST(Csaf, WrongTypeDeepInVulnerabilities) {
  std::string doc = minimal_doc();
  const std::string from = R"("baseScore": 7.5)";
  doc.replace(doc.find(from), from.size(), R"("baseScore": "high")");
  auto a = parse_csaf(doc, "score.json");
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().json_pointer, "/vulnerabilities/0/scores/0/cvss_v3/baseScore");
}

TEST(Csaf, MissingProductTreeIsAnError) {
  std::string doc = minimal_doc();
  const std::string from = R"("product_tree": )";
  doc.replace(doc.find(from), from.size(), R"("no_tree": )");
  auto a = parse_csaf(doc, "notree.json");
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().json_pointer, "/product_tree");
  EXPECT_EQ(a.error().message, "missing");
}

TEST(Csaf, NotAnObjectAndWrongCsafVersion) {
  auto arr = parse_csaf("[1,2,3]", "arr.json");
  ASSERT_FALSE(arr.ok());
  EXPECT_EQ(arr.error().json_pointer, "");
  std::string doc = minimal_doc();
  doc.replace(doc.find(R"("2.0")"), 5, R"("1.2")");
  auto old = parse_csaf(doc, "old.json");
  ASSERT_FALSE(old.ok());
  EXPECT_EQ(old.error().json_pointer, "/document/csaf_version");
}

TEST(Csaf, BranchDepthAndDocumentSizeAreBounded) {
  std::string tree = R"({"branches": )";
  std::string close;
  for (int i = 0; i < 20; ++i) {
    tree += R"([{"category": "product_family", "name": "f", "branches": )";
    close += "}]";
  }
  tree += "[]" + close + "}";
  auto deep = parse_csaf(minimal_doc(tree), "deep.json");
  ASSERT_FALSE(deep.ok());
  EXPECT_NE(deep.error().message.find("deeper than 16"), std::string::npos)
      << deep.error().to_string();

  CsafLimits small;
  small.max_document_bytes = 100;
  auto big = parse_csaf(minimal_doc(), "big.json", small);
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.error().message.find("more than the limit"), std::string::npos);

  std::string nested(5000, '[');
  auto nest = parse_csaf(nested + std::string(5000, ']'), "nest.json");
  ASSERT_FALSE(nest.ok());
  EXPECT_NE(nest.error().message.find("nested deeper"), std::string::npos);
}

TEST(Csaf, DirectoryWithOneBadFileStillLoadsTheRest) {
  const auto dir = std::filesystem::path(testing::TempDir()) / "vuln_dir_test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "sub");
  std::filesystem::copy_file(corpus_dir() / "csaf-icsma/2020/icsma-20-170-04.json",
                             dir / "sub/good1.json");
  std::filesystem::copy_file(corpus_dir() / "csaf-icsma/2023/icsma-23-194-01.json",
                             dir / "good2.json");
  {
    std::ofstream(dir / "bad.json") << minimal_doc(R"({"branches": {"not": "an array"}})");
    std::ofstream(dir / "notes.txt") << "not json, and not .json";
  }
  const Corpus c = load_csaf_directory(dir);
  ASSERT_EQ(c.advisories.size(), 2U);
  EXPECT_EQ(c.advisories[0].id, "ICSMA-20-170-04");
  EXPECT_EQ(c.advisories[1].id, "ICSMA-23-194-01");
  ASSERT_EQ(c.errors.size(), 1U);
  EXPECT_EQ(c.errors[0].file, (dir / "bad.json").string());
  EXPECT_EQ(c.errors[0].json_pointer, "/product_tree/branches");
  std::filesystem::remove_all(dir);
}

TEST(Csaf, MissingDirectoryIsOneError) {
  const Corpus c = load_csaf_directory("/nonexistent/ward/advisories");
  EXPECT_TRUE(c.advisories.empty());
  ASSERT_EQ(c.errors.size(), 1U);
  EXPECT_EQ(c.errors[0].message, "not a directory");
}

}  // namespace
}  // namespace ward::vuln
