#include "common/net.h"

#include <gtest/gtest.h>

namespace ward {
namespace {

TEST(IpAddr, ParsesAndPrintsBothFamilies) {
  IpAddr a;
  ASSERT_TRUE(IpAddr::parse("10.1.2.3", a));
  EXPECT_TRUE(a.is_v4());
  EXPECT_EQ(a.to_string(), "10.1.2.3");
  EXPECT_EQ(a.v4_host_order(), 0x0a010203u);
  ASSERT_TRUE(IpAddr::parse("fe80::1", a));
  EXPECT_FALSE(a.is_v4());
  EXPECT_EQ(a.to_string(), "fe80::1");
  EXPECT_FALSE(IpAddr::parse("10.1.2", a));
  EXPECT_FALSE(IpAddr::parse("", a));
}

TEST(Cidr, MatchesAddressesInsideThePrefixOnly) {
  Cidr c;
  ASSERT_TRUE(Cidr::parse("10.20.0.0/16", c));
  IpAddr in, out, v6;
  ASSERT_TRUE(IpAddr::parse("10.20.255.1", in));
  ASSERT_TRUE(IpAddr::parse("10.21.0.1", out));
  ASSERT_TRUE(IpAddr::parse("::a14:1", v6));
  EXPECT_TRUE(c.contains(in));
  EXPECT_FALSE(c.contains(out));
  EXPECT_FALSE(c.contains(v6));
  ASSERT_TRUE(Cidr::parse("10.9.8.7", c));
  EXPECT_FALSE(c.contains(in));
  EXPECT_FALSE(Cidr::parse("10.0.0.0/33", c));
  EXPECT_FALSE(Cidr::parse("10.0.0.0/", c));
  ASSERT_TRUE(Cidr::parse("fd00::/8", c));
  ASSERT_TRUE(IpAddr::parse("fd12::1", v6));
  EXPECT_TRUE(c.contains(v6));
}

TEST(FormatTs, WritesSecondsWithMicroseconds) {
  EXPECT_EQ(format_ts(1'700'000'000'123'456'789LL), "1700000000.123456");
  EXPECT_EQ(format_ts(0), "0.000000");
}

TEST(MacAddr, PrintsLowercaseColonSeparated) {
  MacAddr m{{0x00, 0x1B, 0x2c, 0xde, 0xf0, 0x01}};
  EXPECT_EQ(m.to_string(), "00:1b:2c:de:f0:01");
}

}  // namespace
}  // namespace ward
