// `ward vuln` subcommands: advisories listing, match output, and update into a corpus dir.
#include "vuln/commands.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace ward::vuln {
namespace {

namespace fs = std::filesystem;
fs::path data_dir() { return fs::path(WARD_SOURCE_DIR) / "data"; }

VulnPaths shipped() { return {data_dir() / "advisories", data_dir() / "vendor_aliases.json"}; }

TEST(VulnCommands, DefaultPathsFallBackToTheSourceTree) {
  const VulnPaths p = default_paths("/nonexistent/bin/ward");
  EXPECT_TRUE(fs::is_directory(p.advisories)) << p.advisories;
  EXPECT_TRUE(fs::is_regular_file(p.aliases)) << p.aliases;
}

TEST(VulnCommands, AdvisoriesListsTheCorpusAndWhatCannotBeInterpreted) {
  const CommandResult r = run_advisories(shipped(), OutputFormat::kJson);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["advisories"].size(), 144U);
  EXPECT_TRUE(j["errors"].empty());
  std::size_t with_bad = 0;
  for (const auto& a : j["advisories"]) with_bad += a["uninterpretable"].empty() ? 0 : 1;
  EXPECT_EQ(with_bad, 22U);  // docs/vuln.md lists them (plus ICSMA-18-086-01's unnamed product)
  const CommandResult table = run_advisories(shipped(), OutputFormat::kTable);
  EXPECT_NE(table.out.find("144 advisories loaded"), std::string::npos);
  EXPECT_NE(table.out.find("ICSMA-17-227-01"), std::string::npos);
  const CommandResult csv = run_advisories(shipped(), OutputFormat::kCsv);
  EXPECT_EQ(std::count(csv.out.begin(), csv.out.end(), '\n'), 145);
}

TEST(VulnCommands, MatchPrintsConfidenceAndReason) {
  const CommandResult r =
      run_match(shipped(), {"Baxter", "Sigma Spectrum", "8.01"}, OutputFormat::kJson);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_FALSE(j["matches"].empty());
  bool found = false;
  for (const auto& m : j["matches"]) {
    if (m["advisory"] != "ICSMA-20-170-04") continue;
    found = true;
    EXPECT_EQ(m["confidence"], "medium");  // "v8.x model 35700BAX2": model not observed
    EXPECT_NE(m["reason"].get<std::string>().find("model 35700BAX2"), std::string::npos);
    EXPECT_FALSE(m["cves"].empty());
  }
  EXPECT_TRUE(found);
  const CommandResult text =
      run_match(shipped(), {"BD", "Alaris 8015 PC unit", "9.33"}, OutputFormat::kTable);
  EXPECT_NE(text.out.find("ICSMA-17-017-02  [high]"), std::string::npos) << text.out;
}

class UpdateTest : public testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(testing::TempDir()) /
            ("vuln_update_" +
             std::string(testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(root_);
    fs::create_directories(root_ / "corpus/2020");
    fs::create_directories(root_ / "new/2023");
    fs::copy_file(data_dir() / "advisories/csaf-icsma/2020/icsma-20-170-04.json",
                  root_ / "corpus/2020/icsma-20-170-04.json");
  }
  void TearDown() override { fs::remove_all(root_); }
  fs::path root_;
};

TEST_F(UpdateTest, CopiesGoodFilesAndReportsBadOnesWithJsonPointer) {
  fs::copy_file(data_dir() / "advisories/csaf-icsma/2023/icsma-23-194-01.json",
                root_ / "new/2023/icsma-23-194-01.json");
  // The same advisory the corpus already has: left alone.
  fs::copy_file(data_dir() / "advisories/csaf-icsma/2020/icsma-20-170-04.json",
                root_ / "new/icsma-20-170-04.json");
  std::ofstream(root_ / "new/broken.json") << R"({"document": {"title": 7}})";
  const CommandResult r = run_update({root_ / "corpus", {}}, root_ / "new", OutputFormat::kTable);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("broken.json: /document/title: expected a string, found number"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.out.find("1 added, 0 replaced, 1 unchanged, 1 rejected"), std::string::npos) << r.out;
  EXPECT_TRUE(fs::exists(root_ / "corpus/2023/icsma-23-194-01.json"));
  EXPECT_FALSE(fs::exists(root_ / "corpus/broken.json"));
  const Corpus c = load_csaf_directory(root_ / "corpus");
  EXPECT_EQ(c.advisories.size(), 2U);
  EXPECT_TRUE(c.errors.empty());
}

TEST_F(UpdateTest, NewerRevisionReplacesTheOldFileInPlace) {
  std::ifstream in(data_dir() / "advisories/csaf-icsma/2020/icsma-20-170-04.json");
  auto j = nlohmann::json::parse(in);
  j["document"]["tracking"]["current_release_date"] = "2025-01-01T00:00:00.000000Z";
  j["document"]["tracking"]["version"] = "3";
  std::ofstream(root_ / "new/icsma-20-170-04-update-c.json") << j.dump();
  const CommandResult r = run_update({root_ / "corpus", {}}, root_ / "new", OutputFormat::kJson);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto out = nlohmann::json::parse(r.out);
  ASSERT_EQ(out["files"].size(), 1U);
  EXPECT_EQ(out["files"][0]["action"], "replaced");
  const Corpus c = load_csaf_directory(root_ / "corpus");
  ASSERT_EQ(c.advisories.size(), 1U);
  EXPECT_EQ(c.advisories[0].revision, "3");
  EXPECT_FALSE(fs::exists(root_ / "corpus/icsma-20-170-04-update-c.json"));
}

TEST_F(UpdateTest, MissingSourceDirectoryIsAUsageError) {
  const CommandResult r = run_update({root_ / "corpus", {}}, root_ / "nope", OutputFormat::kTable);
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
}  // namespace ward::vuln
