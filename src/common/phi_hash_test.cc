#include "common/phi_hash.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

namespace ward {
namespace {

TEST(PhiHasher, SameValueSameKeyGivesTheSameHashAndHidesTheValue) {
  PhiHasher h("0123456789abcdef0123456789abcdef");
  const std::string a = h.hash("DOE^JANE");
  EXPECT_EQ(a, h.hash("DOE^JANE"));
  EXPECT_NE(a, h.hash("DOE^JOHN"));
  EXPECT_EQ(a.rfind("hmac:", 0), 0u);
  EXPECT_EQ(a.size(), 5u + 24u);
  EXPECT_EQ(a.find("DOE"), std::string::npos);
  EXPECT_EQ(h.hash(""), "");
}

TEST(PhiHasher, IsHmacSha256AsOpenSslComputesIt) {
  // RFC 4231 test case 2 (key "Jefe") and a key longer than the block.
  EXPECT_EQ(PhiHasher("Jefe").hash("what do ya want for nothing?"),
            "hmac:5bdcc146bf60754e6a042426");
  const std::string long_key(131, '\xaa');
  EXPECT_EQ(PhiHasher(long_key).hash("Test Using Larger Than Block-Size Key - Hash Key First"),
            "hmac:60e431591ee0b67f0d8a26aa");
  PhiHasher a("Jefe");
  // NOLINTNEXTLINE(performance-unnecessary-copy-initialization): the copy is what is tested.
  const PhiHasher b(a);  // copies keep the key
  EXPECT_EQ(b.hash("what do ya want for nothing?"), a.hash("what do ya want for nothing?"));
}

TEST(PhiHasher, CachedAndUncachedValuesHashAlike) {
  PhiHasher h("0123456789abcdef0123456789abcdef");
  PhiHasher fresh("0123456789abcdef0123456789abcdef");
  // Many values, repeated, so slots are reused and replaced.
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 2000; ++i) {
      const std::string v = "MRN-" + std::to_string(i * 7919);
      ASSERT_EQ(h.hash(v), PhiHasher("0123456789abcdef0123456789abcdef").hash(v)) << v;
    }
  }
  const std::string long_value(300, 'x');  // too long to cache
  EXPECT_EQ(h.hash(long_value), fresh.hash(long_value));
}

TEST(PhiHasher, ADifferentKeyGivesADifferentHash) {
  EXPECT_NE(PhiHasher("key-one-key-one-").hash("12345"),
            PhiHasher("key-two-key-two-").hash("12345"));
}

TEST(RedactJsonFields, ReplacesSensitiveValuesByHashesAndKeepsTheRest) {
  PhiHasher h("0123456789abcdef0123456789abcdef");
  const std::vector<std::string> keys{"patient_name", "mrn", "dob"};
  const std::string in =
      R"({"device":"cogmon-31","patient_name":"DOE^JANE", "mrn" : "MRN-1","steps":12,"dob":19470312})";
  const std::string out = redact_json_fields(in, keys, h);
  EXPECT_EQ(out, R"({"device":"cogmon-31","patient_name":")" + h.hash("DOE^JANE") +
                     R"(", "mrn" : ")" + h.hash("MRN-1") + R"(","steps":12,"dob":"[redacted]"})");
  EXPECT_EQ(out.find("DOE"), std::string::npos);
}

TEST(RedactJsonFields, ACutOffValueIsDroppedAndOtherTextPassesThrough) {
  PhiHasher h("0123456789abcdef0123456789abcdef");
  EXPECT_EQ(redact_json_fields(R"({"a":1,"patient_name":"DOE^JA)", {"patient_name"}, h),
            R"({"a":1,"patient_name":)");
  EXPECT_EQ(redact_json_fields("not json at all", {"patient_name"}, h), "not json at all");
  EXPECT_EQ(redact_json_fields(R"({"note":"patient_name"})", {"patient_name"}, h),
            R"({"note":"patient_name"})");
  EXPECT_EQ(redact_json_fields(R"({"patient_name":{"given":"JANE","family":"DOE"},"x":1})",
                               {"patient_name"}, h),
            R"({"patient_name":"[redacted]","x":1})");
  EXPECT_EQ(redact_json_fields(R"({"mrn":"a\"b"})", {"mrn"}, h),
            R"({"mrn":")" + h.hash(R"(a\"b)") + R"("})");
}

TEST(JsonMentionsAny, FindsKeysAsWholeJsonStringsOnly) {
  const std::vector<std::string> keys{"mrn", "patient_name"};
  EXPECT_TRUE(json_mentions_any(R"({"a":1,"mrn":"x"})", keys));
  // As a value too: a cheap over-approximation.
  EXPECT_TRUE(json_mentions_any(R"({"note":"patient_name"})", keys));
  EXPECT_FALSE(json_mentions_any(R"({"mrnx":"x","xmrn":2})", keys));
  EXPECT_FALSE(json_mentions_any(R"({"a":"\"mrn\""})", keys));  // inside an escaped string
  EXPECT_FALSE(json_mentions_any("mrn patient_name", keys));
  EXPECT_FALSE(json_mentions_any(R"({"mrn)", keys));  // cut off
}

TEST(PhiKey, IsCreatedOnceWithOwnerOnlyPermissionsAndThenReused) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("ward-phi-key-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "phi.key").string();
  auto k1 = load_or_create_phi_key(path);
  ASSERT_TRUE(k1.ok()) << k1.error().to_string();
  EXPECT_EQ(k1->size(), 32u);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto k2 = load_or_create_phi_key(path);
  ASSERT_TRUE(k2.ok());
  EXPECT_EQ(*k1, *k2);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ward
