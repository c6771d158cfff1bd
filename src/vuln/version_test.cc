// Version comparison and range parsing, on the strings the 144 ICSMA advisories actually use
// (survey in docs/vuln.md).
#include "vuln/version.h"

#include <gtest/gtest.h>

namespace ward::vuln {
namespace {

TEST(CompareVersions, NumericSegmentsCompareAsNumbers) {
  EXPECT_LT(compare_versions("9.5", "9.33"), 0);
  EXPECT_LT(compare_versions("9.33", "9.33.1"), 0);
  EXPECT_GT(compare_versions("12.1.0.1234", "12.1.0.999"), 0);
  EXPECT_LT(compare_versions("2.43.02", "2.43.10"), 0);
  EXPECT_EQ(compare_versions("2.003", "2.3"), 0);  // leading zeros ignored
  // Longer than any integer type: compared by length, then digits.
  EXPECT_LT(compare_versions("5.17.1-754993421", "5.17.1-7549934210000000000000"), 0);
}

TEST(CompareVersions, TrailingZeroSegmentsAreEqual) {
  EXPECT_EQ(compare_versions("3.0", "3.0.0.0"), 0);
  EXPECT_EQ(compare_versions("1.0", "1"), 0);
}

TEST(CompareVersions, LetterSuffixIsNewer) {
  EXPECT_GT(compare_versions("9.1a", "9.1"), 0);
  EXPECT_LT(compare_versions("2.4A", "2.4B"), 0);
  EXPECT_LT(compare_versions("1.7.15", "1.7.15b"), 0);
  EXPECT_GT(compare_versions("5.89.05b", "5.89.05"), 0);
}

TEST(CompareVersions, LetterLedRevisionsCompareByLetterThenNumber) {
  EXPECT_LT(compare_versions("B.06.17", "B.06.18"), 0);
  EXPECT_LT(compare_versions("A.01", "C.00.04"), 0);
  EXPECT_LT(compare_versions("BT03", "BT06"), 0);
  EXPECT_LT(compare_versions("v20D29", "v22D28"), 0);
  EXPECT_EQ(compare_versions("HD 16", "HD16"), 0);
  EXPECT_LT(compare_versions("012U000040", "012U000061"), 0);
}

TEST(CompareVersions, BuildAndServicePackWordsAreSeparators) {
  EXPECT_EQ(compare_versions("1.3.1 Build 13", "1.3.1.13"), 0);
  EXPECT_LT(compare_versions("1.3.0 Build 14", "1.3.1 Build 13"), 0);
  EXPECT_EQ(compare_versions("2023.3_Build_9342", "2023.3.9342"), 0);
  EXPECT_LT(compare_versions("1.8.4", "1.8.4 Service Pack 01"), 0);
  EXPECT_EQ(compare_versions("v2.1.3", "2.1.3"), 0);
}

TEST(NextVersion, IncrementsTheLastDigitRun) {
  EXPECT_EQ(next_version("9.33"), "9.34");
  EXPECT_EQ(next_version("B.06.18"), "B.06.19");
  EXPECT_EQ(next_version("2.4A"), "2.5A");
  EXPECT_EQ(next_version("1.09"), "1.10");
  EXPECT_EQ(next_version("99"), "100");
  EXPECT_EQ(next_version("K"), "K.1");
}

TEST(ParseRange, LessThanAndLessOrEqualAsCisaWritesThem) {
  const VersionRange lt = parse_range("< 9.33.1");
  ASSERT_TRUE(lt.ok) << lt.reason;
  EXPECT_TRUE(lt.contains("9.33"));
  EXPECT_FALSE(lt.contains("9.33.1"));
  EXPECT_EQ(lt.first_version_above(), "9.33.1");
  const VersionRange le = parse_range("<=3.2");
  ASSERT_TRUE(le.ok);
  EXPECT_TRUE(le.contains("3.2"));
  EXPECT_TRUE(le.contains("3.2.0"));
  EXPECT_FALSE(le.contains("3.2.1"));
  EXPECT_EQ(le.first_version_above(), "3.3");
  EXPECT_EQ(parse_range("<= 9.33").describe(), "<= 9.33");
}

TEST(ParseRange, AllVersions) {
  for (const char* s : {"vers:all/*", "all versions", "All", "*"}) {
    const VersionRange r = parse_range(s);
    ASSERT_TRUE(r.ok) << s;
    EXPECT_TRUE(r.any) << s;
    EXPECT_TRUE(r.contains("0.1"));
    EXPECT_EQ(r.first_version_above(), std::nullopt);
  }
}

TEST(ParseRange, ProseForms) {
  const VersionRange prior = parse_range("v2.1.3 and prior");
  ASSERT_TRUE(prior.ok) << prior.reason;
  EXPECT_TRUE(prior.contains("2.1.3"));
  EXPECT_FALSE(prior.contains("2.1.4"));
  const VersionRange below = parse_range("2.3.6 and  below");  // ICSMA-19-??? double space
  ASSERT_TRUE(below.ok) << below.reason;
  EXPECT_TRUE(below.contains("2.3.5"));
  const VersionRange prior_to = parse_range("prior to 4.2");
  ASSERT_TRUE(prior_to.ok);
  EXPECT_TRUE(prior_to.contains("4.1.9"));
  EXPECT_FALSE(prior_to.contains("4.2"));
  const VersionRange through = parse_range("versions 2.3 through 2.5");
  ASSERT_TRUE(through.ok) << through.reason;
  EXPECT_FALSE(through.contains("2.2"));
  EXPECT_TRUE(through.contains("2.4.7"));
  EXPECT_TRUE(through.contains("2.5"));
  EXPECT_FALSE(through.contains("2.6"));
  const VersionRange both = parse_range("2131 and 2141");
  ASSERT_TRUE(both.ok);
  EXPECT_TRUE(both.contains("2131"));
  EXPECT_TRUE(both.contains("2141"));
  EXPECT_FALSE(both.contains("2135"));
}

TEST(ParseRange, CisaPipePairsAreIntervals) {
  const VersionRange r = parse_range(">= 5.01 | <= 6.3.1");
  ASSERT_TRUE(r.ok);
  ASSERT_EQ(r.intervals.size(), 1U);
  EXPECT_FALSE(r.contains("5.0"));
  EXPECT_TRUE(r.contains("6.0"));
  EXPECT_FALSE(r.contains("6.3.2"));
  EXPECT_EQ(r.first_version_above(), "6.3.2");
  const VersionRange years = parse_range(">= 2018-1 | <= 2021-1");
  ASSERT_TRUE(years.ok);
  EXPECT_TRUE(years.contains("2020-2"));
  EXPECT_FALSE(years.contains("2021-2"));
}

TEST(ParseRange, PipeListOfExactVersions) {
  const VersionRange r = parse_range("1.1 | 1.2 | 1.4 | 1.5");
  ASSERT_TRUE(r.ok);
  EXPECT_TRUE(r.contains("1.4"));
  EXPECT_FALSE(r.contains("1.3"));
  EXPECT_EQ(r.first_version_above(), "1.6");
  const VersionRange series = parse_range("<= U61 |<= L81");  // two revision series
  ASSERT_TRUE(series.ok);
  EXPECT_TRUE(series.contains("U50"));
  EXPECT_TRUE(series.contains("L81"));
  EXPECT_FALSE(series.contains("U62"));
}

TEST(ParseRange, VersSpec) {
  const VersionRange r = parse_range("vers:generic/>=1.0|<2.0");
  ASSERT_TRUE(r.ok) << r.reason;
  EXPECT_TRUE(r.contains("1.0"));
  EXPECT_TRUE(r.contains("1.9.9"));
  EXPECT_FALSE(r.contains("2.0"));
  EXPECT_FALSE(r.contains("0.9"));
  // Constraints in any order, as the spec allows.
  const VersionRange unordered = parse_range("vers:generic/<2.0|>=1.0|=3.1");
  ASSERT_TRUE(unordered.ok);
  EXPECT_TRUE(unordered.contains("1.5"));
  EXPECT_TRUE(unordered.contains("3.1"));
  EXPECT_FALSE(unordered.contains("3.0"));
  const VersionRange neq = parse_range("vers:generic/!=1.0");
  EXPECT_FALSE(neq.ok);
  EXPECT_NE(neq.reason.find("!="), std::string::npos);
}

TEST(ParseRange, WildcardsCoverTheWholeSeries) {
  const VersionRange x = parse_range("2.X");
  ASSERT_TRUE(x.ok);
  EXPECT_TRUE(x.contains("2.7.1"));
  EXPECT_FALSE(x.contains("3.0"));
  EXPECT_EQ(x.first_version_above(), "3");
  const VersionRange le = parse_range("<= 12.2.x.x");
  ASSERT_TRUE(le.ok);
  EXPECT_TRUE(le.contains("12.2.99.1"));
  EXPECT_FALSE(le.contains("12.3"));
  const VersionRange lt = parse_range("< 3.x");
  ASSERT_TRUE(lt.ok);
  EXPECT_TRUE(lt.contains("2.9"));
  EXPECT_FALSE(lt.contains("3.0.1"));
}

TEST(ParseRange, BuildNumbersAndLetterSuffixes) {
  const VersionRange b = parse_range("<=2023.3_Build_9342");
  ASSERT_TRUE(b.ok);
  EXPECT_TRUE(b.contains("2023.3 Build 9000"));
  EXPECT_FALSE(b.contains("2023.3 Build 9343"));
  const VersionRange build_only = parse_range("Build 5");
  ASSERT_TRUE(build_only.ok) << build_only.reason;
  EXPECT_TRUE(build_only.contains("5"));
  EXPECT_FALSE(build_only.contains("Build 6"));
  const VersionRange four = parse_range("< 12.1.0.1234");
  ASSERT_TRUE(four.ok);
  EXPECT_TRUE(four.contains("12.1.0.999"));
  EXPECT_FALSE(four.contains("12.1.0.1234"));
  const VersionRange exact = parse_range("1.3.1 Build 13");
  ASSERT_TRUE(exact.ok);
  EXPECT_TRUE(exact.contains("1.3.1.13"));
  const VersionRange letter = parse_range("<= 2.4A");
  ASSERT_TRUE(letter.ok);
  EXPECT_TRUE(letter.contains("2.4"));
  EXPECT_FALSE(letter.contains("2.4B"));
  const VersionRange sp = parse_range("< 1.8.4 Service Pack 01");
  ASSERT_TRUE(sp.ok);
  EXPECT_TRUE(sp.contains("1.8.4"));
  EXPECT_FALSE(sp.contains("1.8.4 SP 1"));
  const VersionRange rev = parse_range("< B.06.18");
  ASSERT_TRUE(rev.ok);
  EXPECT_TRUE(rev.contains("B.06.17"));
  EXPECT_TRUE(rev.contains("A.09.99"));
}

TEST(ParseRange, InfixAndRevisionSpans) {
  const VersionRange a = parse_range("A10 < A11");
  ASSERT_TRUE(a.ok);
  EXPECT_TRUE(a.contains("A10"));
  EXPECT_FALSE(a.contains("A11"));
  const VersionRange span = parse_range("Rev J-M | (X3/MX100 for Rev M only)");
  ASSERT_TRUE(span.ok) << span.reason;
  EXPECT_TRUE(span.contains("K"));
  EXPECT_FALSE(span.contains("N"));
  EXPECT_EQ(span.qualifier, "X3/MX100 for Rev M only");
}

TEST(ParseRange, TrailingParenthesisIsAQualifier) {
  const VersionRange r = parse_range("<= 1.54 (integrated into GE MobileLink)");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.qualifier, "integrated into GE MobileLink");
  EXPECT_TRUE(r.contains("1.5"));
  const VersionRange battery = parse_range(
      "v8.x (with Wireless Battery Modules v17 | v17D19 | >= v20D29 | <= v20D32 | >= v22D24 | "
      "<= v22D28)");
  ASSERT_TRUE(battery.ok) << battery.reason;
  EXPECT_TRUE(battery.contains("8.01.01"));
  EXPECT_FALSE(battery.contains("9.0"));
  EXPECT_NE(battery.qualifier.find("Wireless Battery Modules"), std::string::npos);
  const VersionRange eol = parse_range("<= 2.01 (end-of-life Nov 2017)");
  ASSERT_TRUE(eol.ok) << eol.reason;
  EXPECT_TRUE(eol.qualifier.empty());
  EXPECT_EQ(eol.note, "end-of-life Nov 2017");
  EXPECT_EQ(eol.describe(), "<= 2.01 (note: end-of-life Nov 2017)");
}

TEST(ParseRange, DatesAreNotVersions) {
  const char* shipped =
      "with wireless option (shipped between 26-June-2017 through 07-August 2018)";
  for (const char* s : {"< july 1 2017", "distributed < april 1, 2018", "<May 2018", "<8/30/2024",
                        "< august 28", shipped}) {
    const VersionRange r = parse_range(s);
    EXPECT_FALSE(r.ok) << s;
    EXPECT_NE(r.reason.find("date"), std::string::npos) << s << ": " << r.reason;
  }
}

TEST(ParseRange, ModelNamesInTheVersionFieldAreReportedNotGuessed) {
  for (const char* s : {"MMT-554 / MMT-754 MiniMed Veo", "882476 Gemini TF Big Bore",
                        "cobas h 232 POC", "2nd Edition", "<= 11.2 on Windows 8.1 with IIS 7.5",
                        "Version B, Firmware A.03.09, Part #: N/A (Replaced by Version C)"}) {
    const VersionRange r = parse_range(s);
    EXPECT_FALSE(r.ok) << s;
    EXPECT_NE(r.reason.find("is not a version"), std::string::npos) << s << ": " << r.reason;
  }
}

TEST(ParseRange, HostileTextIsBoundedAndNeverCrashes) {
  EXPECT_FALSE(parse_range(std::string(600, '1')).ok);
  EXPECT_FALSE(parse_range("").ok);
  EXPECT_FALSE(parse_range("|||").ok);
  EXPECT_FALSE(parse_range("((((((").ok);
  EXPECT_FALSE(parse_range("vers:").ok);
  std::string many;
  for (int i = 0; i < 100; ++i) many += "1.0|";
  EXPECT_FALSE(parse_range(many).ok);
}

}  // namespace
}  // namespace ward::vuln
