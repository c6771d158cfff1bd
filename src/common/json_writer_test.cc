#include "common/json_writer.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace ward {
namespace {

TEST(JsonWriter, NestedObjectsAndArraysAreValidJson) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().kv("a", 1).kv("b", "x").key("c").begin_array().value(1).value(true).null();
  w.begin_object().kv("d", 2.5).end_object().end_array().kv("e",
                                                            std::uint64_t{18446744073709551615ULL});
  w.end_object();
  EXPECT_EQ(out, R"({"a":1,"b":"x","c":[1,true,null,{"d":2.5}],"e":18446744073709551615})");
  EXPECT_TRUE(nlohmann::json::accept(out));
}

TEST(JsonWriter, ControlCharactersAndQuotesAreEscaped) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().kv("s", std::string_view("a\"b\\c\r\n\x01\x7f", 9)).end_object();
  EXPECT_EQ(out, R"({"s":"a\"b\\c\r\n\u0001\u007f"})");
  EXPECT_EQ(nlohmann::json::parse(out)["s"], std::string("a\"b\\c\r\n\x01\x7f", 9));
}

TEST(JsonWriter, InvalidUtf8BecomesZeekStyleHexEscapes) {
  std::string out;
  JsonWriter w(out);
  // Valid "é" (c3 a9) is kept; a lone 0xff and a truncated sequence are escaped.
  w.begin_object().kv("s", std::string_view("\xc3\xa9\xff\xe2\x82", 5)).end_object();
  EXPECT_EQ(out, "{\"s\":\"\xc3\xa9\\\\xff\\\\xe2\\\\x82\"}");
  EXPECT_EQ(nlohmann::json::parse(out)["s"], "\xc3\xa9\\xff\\xe2\\x82");
}

TEST(JsonWriter, NonFiniteNumbersAreWrittenAsNull) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().kv("n", 1.0 / 0.0).end_object();
  EXPECT_EQ(out, R"({"n":null})");
}

}  // namespace
}  // namespace ward
