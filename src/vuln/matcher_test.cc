// Device matching over the real ICSMA corpus shipped in data/advisories: a device described by
// an advisory's own product tree matches it, and the next patched version does not.
#include "vuln/matcher.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>

namespace ward::vuln {
namespace {

std::filesystem::path data_dir() { return std::filesystem::path(WARD_SOURCE_DIR) / "data"; }

class CorpusMatch : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    shared_corpus = new Corpus(load_csaf_directory(data_dir() / "advisories"));
    auto aliases = VendorAliases::load(data_dir() / "vendor_aliases.json");
    ASSERT_TRUE(aliases.ok()) << aliases.error().message();
    shared_matcher = new Matcher(shared_corpus->advisories, std::move(*aliases));
  }
  static void TearDownTestSuite() {
    delete shared_matcher;
    delete shared_corpus;
  }

  static const Advisory& advisory(const std::string& id) {
    for (const Advisory& a : shared_corpus->advisories)
      if (a.id == id) return a;
    ADD_FAILURE() << "no advisory " << id;
    return shared_corpus->advisories.front();
  }

  static const Match* find(const std::vector<Match>& ms, const std::string& id) {
    for (const Match& m : ms)
      if (m.advisory_id == id) return &m;
    return nullptr;
  }

  static Corpus* shared_corpus;
  static Matcher* shared_matcher;
};
Corpus* CorpusMatch::shared_corpus = nullptr;
Matcher* CorpusMatch::shared_matcher = nullptr;

struct Case {
  const char* advisory;
  const char* product;     // product_name branch, exactly as in the advisory's tree
  const char* vulnerable;  // a version inside the advisory's affected range
  const char* patched;     // the next fixed version (advisory fix or range upper bound)
  Confidence expected;
};

// At least 20 advisories spanning Philips, BD, Baxter, B. Braun, Medtronic, GE and
// imaging/PACS products (issue 4).
constexpr std::array<Case, 24> kCases = {{
    {"ICSMA-17-017-02", "Alaris 8015 PC unit", "9.33", "9.34", Confidence::kHigh},
    {"ICSMA-18-235-01", "Alaris GH", "2.3.6", "2.3.7", Confidence::kHigh},
    {"ICSMA-20-317-01", "Alaris PC Unit Model 8015", "9.33.1", "9.33.2", Confidence::kHigh},
    {"ICSMA-23-194-01", "BD Alaris Point-of-Care Unit (PCU) Model 8015", "12.1.3", "12.1.4",
     Confidence::kHigh},
    {"ICSMA-20-091-01", "Pyxis MedStation ES System", "1.6.1", "1.6.2", Confidence::kHigh},
    {"ICSMA-20-170-01", "ExactaMix EM1200", "1.5", "1.6", Confidence::kHigh},
    {"ICSMA-20-170-02", "PrisMax", "2.9", "3.0", Confidence::kHigh},
    {"ICSMA-24-151-02", "Welch Allyn Connex Spot Monitor (CSM)", "1.52", "1.53", Confidence::kHigh},
    {"ICSMA-22-251-01", "Sigma Spectrum", "8.02", "10.0", Confidence::kMedium},  // model qualifier
    {"ICSMA-17-082-02", "SpaceStation with SpaceCom module (integrated as part number 8713142U)",
     "012U000039", "012U000040", Confidence::kHigh},
    {"ICSMA-20-296-02", "SpaceCom", "U61", "U62", Confidence::kHigh},
    {"ICSMA-21-294-01", "SpaceStation with SpaceCom 2", "L81", "L82", Confidence::kHigh},
    {"ICSMA-19-311-02", "Valleylab FT10 Energy Platform (VLFT10GEN) software", "4.0.0", "4.0.1",
     Confidence::kHigh},
    {"ICSMA-23-180-01", "Paceart Optima", "1.11", "1.12", Confidence::kHigh},
    {"ICSMA-20-023-01", "B450", "2.1", "3.0", Confidence::kHigh},
    {"ICSMA-20-343-01", "1.5T Brivo MR355", "SV23.0", "SV23.1", Confidence::kHigh},
    {"ICSMA-21-187-01", "Vue PACS", "12.2.1.5", "12.3", Confidence::kHigh},
    {"ICSMA-24-200-01", "Vue PACS", "12.2.8.409", "12.2.8.410", Confidence::kHigh},
    {"ICSMA-17-255-01", "IntelliVue MX40 Patient Worn Monitor (WLAN only)", "B.06.17", "B.06.18",
     Confidence::kHigh},
    {"ICSMA-21-322-02", "Patient Information Center iX (PIC iX)", "C.02", "C.04",
     Confidence::kHigh},
    {"ICSMA-18-156-01", "IntelliVue Patient Monitors MX (MX400-550)", "K", "N",
     Confidence::kMedium},  // "(X3/MX100 for Rev M only)"
    {"ICSMA-22-174-01", "DCMTK", "3.6.6", "3.6.7", Confidence::kHigh},
    {"ICSMA-23-248-01", "MedDream PACS", "7.2.8.810", "7.2.8.811", Confidence::kHigh},
    {"ICSMA-21-084-01", "Gemini PET/CT Family", "", "", Confidence::kMedium},
}};

TEST_F(CorpusMatch, DeviceFromTheProductTreeMatchesAndPatchedVersionDoesNot) {
  std::set<std::string> advisories;
  for (const Case& c : kCases) {
    SCOPED_TRACE(std::string(c.advisory) + " / " + c.product);
    const Advisory& a = advisory(c.advisory);
    const Product* p = nullptr;
    for (const Product& q : a.products)
      if (q.name == c.product && p == nullptr) p = &q;
    if (p == nullptr) {
      // Products whose version text names the model ("Gemini PET/CT Family" tree): any product.
      ASSERT_FALSE(a.products.empty());
      p = &a.products.front();
    }
    const DeviceIdentity d{p->vendor, p->name, c.vulnerable};
    const std::vector<Match> ms = shared_matcher->match(d);
    const Match* m = find(ms, c.advisory);
    ASSERT_NE(m, nullptr) << "no match for " << d.vendor << " / " << d.model << " / " << d.version;
    EXPECT_EQ(m->confidence, c.expected) << m->reason;
    EXPECT_FALSE(m->cves.empty());
    EXPECT_EQ(m->cves, [&a] {
      std::vector<std::string> cves;
      for (const Vulnerability& v : a.vulnerabilities)
        if (std::find(cves.begin(), cves.end(), v.cve) == cves.end()) cves.push_back(v.cve);
      return cves;
    }());
    EXPECT_GT(m->max_cvss, 0.0);
    EXPECT_TRUE(m->max_cvss_vector.starts_with("CVSS:3")) << m->max_cvss_vector;
    EXPECT_FALSE(m->reason.empty());
    advisories.insert(c.advisory);
    if (*c.patched == '\0') continue;
    const std::vector<Match> after = shared_matcher->match({p->vendor, p->name, c.patched});
    const Match* still = find(after, c.advisory);
    EXPECT_EQ(still, nullptr) << "patched " << c.patched
                              << " still matches: " << (still != nullptr ? still->reason : "");
  }
  EXPECT_GE(advisories.size(), 20U);
}

TEST_F(CorpusMatch, VendorAliasesAndTokenNormalisation) {
  // "BD" for "Becton, Dickinson and Company (BD)"; case, punctuation and ™ ignored.
  auto ms = shared_matcher->match({"BD", "ALARIS™ 8015 pc-unit", "9.33"});
  EXPECT_NE(find(ms, "ICSMA-17-017-02"), nullptr);
  // "Phillips" (ICSMA-18-058-02 spells the vendor so) and "Philips" are one vendor.
  ms = shared_matcher->match({"Philips", "IntelliSpace Portal", ""});
  EXPECT_NE(find(ms, "ICSMA-18-058-02"), nullptr);
  // GE = General Electric (GE) = GE Healthcare.
  ms = shared_matcher->match({"GE Healthcare", "B450", "2.0"});
  EXPECT_NE(find(ms, "ICSMA-20-023-01"), nullptr);
  // B.Braun without the space.
  ms = shared_matcher->match({"B.Braun", "SpaceCom", "L80"});
  EXPECT_NE(find(ms, "ICSMA-20-296-02"), nullptr);
  // An unknown vendor matches nothing even with a known product name.
  ms = shared_matcher->match({"Acme", "Alaris 8015 PC unit", "9.33"});
  EXPECT_TRUE(ms.empty());
}

TEST_F(CorpusMatch, ConfidenceLevelsAndReasons) {
  auto ms = shared_matcher->match({"BD", "Alaris 8015 PC unit", "9.33"});
  const Match* m = find(ms, "ICSMA-17-017-02");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->confidence, Confidence::kHigh);
  EXPECT_EQ(m->reason, "vendor+product+version in range (9.33 in <= 9.33)");

  ms = shared_matcher->match({"BD", "Alaris 8015 PC unit", ""});
  m = find(ms, "ICSMA-17-017-02");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->confidence, Confidence::kMedium);
  EXPECT_NE(m->reason.find("version unknown"), std::string::npos);

  ms = shared_matcher->match({"BD", "Alaris 8015 PC unit", "10.0"});
  EXPECT_EQ(find(ms, "ICSMA-17-017-02"), nullptr);  // version outside range: no match

  // Only part of the product name: medium with a version in range, low without.
  ms = shared_matcher->match({"Medtronic", "Valleylab FT10", "4.0.0"});
  m = find(ms, "ICSMA-19-311-02");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->confidence, Confidence::kMedium);
  EXPECT_NE(m->reason.find("partial"), std::string::npos);
}

TEST_F(CorpusMatch, MatchCarriesFixedVersionAndRemediation) {
  auto ms = shared_matcher->match({"OFFIS", "DCMTK", "3.6.6"});
  const Match* m = find(ms, "ICSMA-22-174-01");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->fixed_version, "3.6.7");  // "OFFIS recommends all users update to Version 3.6.7"
  EXPECT_NE(m->remediation.find("3.6.7"), std::string::npos);
  EXPECT_EQ(m->affected, "< 3.6.7");
  EXPECT_EQ(m->affected_raw, "< 3.6.7");
  EXPECT_EQ(m->max_cvss, 7.5);
}

TEST(FixedVersion, FromRemediationProse) {
  EXPECT_EQ(fixed_version_from_text("Innokas Yhtymä Oy recommends users update to the latest "
                                    "Version 1.7.15b or later."),
            "1.7.15b");
  EXPECT_EQ(fixed_version_from_text("recommends updating Sante DICOM Viewer Pro to v14.0.4 or "
                                    "later."),
            "14.0.4");
  EXPECT_EQ(fixed_version_from_text("Philips plans an update in the third quarter of 2020."),
            std::nullopt);
}

TEST(VendorAliasTable, BadFilesAreErrorsWithPaths) {
  auto bad = VendorAliases::parse(R"({"vendors": [{"name": 3}]})", "a.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "a.json: /vendors/0/name: expected a string");
  EXPECT_FALSE(VendorAliases::parse("{", "b.json").ok());
  auto ok = VendorAliases::parse(R"({"vendors": [{"name": "Acme", "aliases": ["ACME Inc."]}]})",
                                 "c.json");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->keys("Acme, Inc."), std::vector<std::string>{"acme"});
  EXPECT_EQ(ok->keys("Silex Technology and Acme"),
            (std::vector<std::string>{"acme", "silex technology"}));
}

// Every product of the corpus whose affected versions Ward can interpret matches a device
// built from it at its upper bound; prints the survey figures used in docs/vuln.md.
TEST_F(CorpusMatch, SurveyOfTheWholeCorpus) {
  std::set<std::string> distinct;
  std::set<std::string> distinct_bad;
  std::map<std::string, std::vector<std::string>> bad_by_advisory;
  std::size_t products = 0;
  std::size_t checked = 0;
  std::size_t any = 0;
  std::set<std::string> qualified;
  for (const Advisory& a : shared_corpus->advisories) {
    for (const Product& p : a.products) {
      ++products;
      distinct.insert(p.version);
      const VersionRange r = parse_range(p.version);
      if (normalize_name(p.name) == "version") {  // ICSMA-18-086-01 names its product "Version"
        bad_by_advisory[a.id].push_back("product_name branch is '" + p.name +
                                        "': the tree does not name the product");
        continue;
      }
      if (!r.ok) {
        if (distinct_bad.insert(p.version).second)
          bad_by_advisory[a.id].push_back("'" + p.version + "': " + r.reason);
        continue;
      }
      if (!r.qualifier.empty() && qualified.insert(p.version).second)
        std::cout << "  qualified " << a.id << "\t'" << p.version << "' -> " << r.describe()
                  << "\n";
      if (r.any) ++any;
      std::string v = "1.0";
      if (!r.any) {
        const Interval& i = r.intervals.front();
        if (i.hi_op == BoundOp::kLe) {
          v = i.hi;
        } else if (i.lo_op == BoundOp::kGe) {
          v = i.lo;
        } else {
          continue;  // "< X" without a lower bound: no representative version
        }
      }
      const std::vector<Match> ms = shared_matcher->match({p.vendor, p.name, v});
      const Match* m = find(ms, a.id);
      EXPECT_NE(m, nullptr) << a.id << " " << p.name << " " << v;
      ++checked;
    }
  }
  std::size_t fully = 0;
  for (const Advisory& a : shared_corpus->advisories)
    fully += bad_by_advisory.count(a.id) == 0 ? 1 : 0;
  std::cout << "survey: " << products << " products, " << distinct.size()
            << " distinct version strings, " << distinct_bad.size()
            << " not interpretable, advisories fully interpreted: " << fully << "/"
            << shared_corpus->advisories.size() << ", matched at upper bound: " << checked
            << ", products with all versions: " << any
            << ", distinct strings with a qualifier: " << qualified.size() << "\n";
  for (const auto& [id, reasons] : bad_by_advisory)
    for (const std::string& r : reasons) std::cout << "  " << id << "\t" << r << "\n";
  EXPECT_GE(checked, 400U);
  EXPECT_GE(fully, 110U);
}

TEST_F(CorpusMatch, TenThousandDevicesIsFast) {
  std::vector<DeviceIdentity> devices;
  for (const Advisory& a : shared_corpus->advisories)
    for (const Product& p : a.products) devices.push_back({p.vendor, p.name, "1.0"});
  std::size_t matched = 0;
  for (std::size_t i = 0; i < 10000; ++i) {
    const DeviceIdentity& d = devices[i % devices.size()];
    matched += shared_matcher->match(d).empty() ? 0 : 1;
  }
  EXPECT_GT(matched, 5000U);
}

}  // namespace
}  // namespace ward::vuln
