// Credential checks against RFC test vectors (RFC 7616 §3.9.1, computed there by the RFC's
// authors) and responses computed independently with Python's hashlib for the candidates.
#include "parsers/auth/credential_check.h"

#include <gtest/gtest.h>

#include <string>

namespace ward::parsers::auth {
namespace {

// RFC 7616 §3.9.1: Mufasa / "Circle of Life", GET /dir/index.html.
constexpr std::string_view kRfc7616Md5 =
    R"(username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", )"
    R"(algorithm=MD5, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, )"
    R"(cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop=auth, )"
    R"(response="8ca523f5e9506fed4657c9700eebdbec", )"
    R"(opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS")";
constexpr std::string_view kRfc7616Sha256 =
    R"(username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", )"
    R"(algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, )"
    R"(cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop=auth, )"
    R"(response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", )"
    R"(opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS")";

TEST(CredentialCheck, DigestMatchesTheRfc7616Examples) {
  DigestCredentials d;
  ASSERT_TRUE(parse_digest(kRfc7616Md5, d));
  EXPECT_EQ(d.username, "Mufasa");
  EXPECT_EQ(d.realm, "http-auth@example.org");
  EXPECT_EQ(d.nc, "00000001");
  EXPECT_EQ(d.qop, "auth");
  EXPECT_TRUE(digest_response_matches("GET", d, "Circle of Life"));
  EXPECT_FALSE(digest_response_matches("GET", d, "Circle of life"));
  EXPECT_FALSE(digest_response_matches("POST", d, "Circle of Life"));  // HA2 has the method
  EXPECT_EQ(check_digest("GET", d).weakness, Weakness::kNone);  // a strong password stays unseen

  ASSERT_TRUE(parse_digest(kRfc7616Sha256, d));
  EXPECT_TRUE(digest_response_matches("GET", d, "Circle of Life"));
  EXPECT_FALSE(digest_response_matches("GET", d, "pass"));
}

TEST(CredentialCheck, DigestFindsAFactoryAccountWithoutQop) {
  // RFC 2069-style (no qop), as a camera answers DESCRIBE: Axis root/pass.
  const std::string v =
      R"(Digest username="root", realm="AXIS_ACCC8E000000", nonce="0123456789abcdef", )"
      R"(uri="rtsp://10.10.6.61:554/test", response="d99658ab89150cd2619dfc434ddac389")";
  const Verdict verdict = check_authorization("DESCRIBE", v);
  EXPECT_EQ(verdict.weakness, Weakness::kDefault);
  EXPECT_EQ(verdict.detail, "Axis factory account");
  EXPECT_EQ(check_authorization("PLAY", v).weakness, Weakness::kNone);
}

TEST(CredentialCheck, DigestFindsCommonPasswordsWithQopAndSessions) {
  DigestCredentials d;
  ASSERT_TRUE(parse_digest(R"(username="admin",realm="cam",nonce="abc",uri="/service",)"
                           R"(qop=auth,nc=00000001,cnonce="xyz",)"
                           R"(response="059b45cb299bcdbc96c032f836a9a8b4")",
                           d));
  Verdict v = check_digest("GET", d);
  EXPECT_EQ(v.weakness, Weakness::kDefault);  // admin/admin is a factory account first
  EXPECT_NE(v.detail.find("Dahua"), std::string_view::npos);

  ASSERT_TRUE(
      parse_digest(R"(username="admin", realm="cam", nonce="abc", uri="/service", )"
                   R"(algorithm=SHA-256-sess, qop=auth, nc=00000001, cnonce="xyz", )"
                   R"(response="e85ec8d14deafbd710754302a47913f8e1c03be4e6adf7e850f5e0026287571c")",
                   d));
  EXPECT_EQ(check_digest("GET", d).weakness, Weakness::kDefault);

  ASSERT_TRUE(parse_digest(R"(username="viewer", realm="cam", nonce="abc", uri="/service", )"
                           R"(response="8db0ca36f56c13e3e5ad9ef72078923b")",
                           d));
  EXPECT_TRUE(digest_response_matches("GET", d, "long-unique-secret-42"));
  EXPECT_EQ(check_digest("GET", d).weakness, Weakness::kNone);
}

TEST(CredentialCheck, DigestThatCannotBeCheckedIsNone) {
  DigestCredentials d;
  EXPECT_FALSE(parse_digest(R"(username="a", realm="r", nonce="n", uri="/")", d));  // no response
  EXPECT_FALSE(parse_digest(R"(username="a\"b", realm="r", nonce="n", uri="/", response="x")", d));
  EXPECT_FALSE(parse_digest(R"(username="unterminated)", d));
  EXPECT_FALSE(parse_digest("no equals sign", d));
  std::string many;
  for (int i = 0; i < 40; ++i) many += "p" + std::to_string(i) + "=1,";
  EXPECT_FALSE(parse_digest(many + R"(username="a",realm="r",nonce="n",uri="/",response="x")", d));
  const std::string huge(kMaxValueBytes + 1, 'a');
  EXPECT_FALSE(parse_digest(
      R"(username=")" + huge + R"(", realm="r", nonce="n", uri="/", response="x")", d));
  ASSERT_TRUE(parse_digest(
      R"(username="admin", realm="cam", nonce="abc", uri="/", qop=auth-int, nc=1, cnonce="c", )"
      R"(response="059b45cb299bcdbc96c032f836a9a8b4")",
      d));
  EXPECT_EQ(check_digest("GET", d).weakness, Weakness::kNone);  // auth-int: body not hashed
  d.qop = "auth";
  d.algorithm = "SHA-512-256";
  EXPECT_EQ(check_digest("GET", d).weakness, Weakness::kNone);
  d.algorithm = "";
  d.userhash = true;
  EXPECT_EQ(check_digest("GET", d).weakness, Weakness::kNone);
}

TEST(CredentialCheck, BasicPasswords) {
  // base64("root:pass"), base64("admin:12345"), base64("nurse:nurse"), base64("x:"),
  // base64("biomed:ward-sim-service"), base64("op:abc12"), base64("no colon")
  EXPECT_EQ(check_authorization("GET", "Basic cm9vdDpwYXNz").weakness, Weakness::kDefault);
  EXPECT_EQ(check_authorization("GET", "Basic cm9vdDpwYXNz").detail, "Axis factory account");
  EXPECT_EQ(check_authorization("GET", "basic YWRtaW46MTIzNDU=").weakness, Weakness::kDefault);
  EXPECT_EQ(check_authorization("GET", "Basic bnVyc2U6bnVyc2U=").detail,
            "the user name as password");
  EXPECT_EQ(check_authorization("GET", "Basic eDo=").detail, "empty password");
  EXPECT_EQ(check_authorization("GET", "Basic YmlvbWVkOndhcmQtc2ltLXNlcnZpY2U=").weakness,
            Weakness::kNone);
  EXPECT_EQ(check_authorization("GET", "Basic b3A6YWJjMTI=").detail, "shorter than 8 characters");
  EXPECT_EQ(check_authorization("GET", "Basic bm8gY29sb24=").weakness, Weakness::kNone);
  EXPECT_EQ(check_authorization("GET", "Basic !!!").weakness, Weakness::kNone);
  EXPECT_EQ(check_authorization("GET", "Bearer cm9vdDpwYXNz").weakness, Weakness::kNone);
  EXPECT_EQ(check_authorization("GET", "Basic").weakness, Weakness::kNone);
  EXPECT_EQ(check_password("operator", "password").detail, "a common password");
  EXPECT_EQ(check_password("ROOT", "pass").weakness, Weakness::kWeak);  // user names are exact
  EXPECT_EQ(weakness_name(Weakness::kDefault), "default");
  EXPECT_EQ(weakness_name(Weakness::kNone), "");
  EXPECT_GT(candidate_count(), 40U);
}

}  // namespace
}  // namespace ward::parsers::auth
