#include "parsers/_template/template_parser.h"

#include <gtest/gtest.h>

#include "parsers/_template/template_events.h"
#include "parsers/testing/parser_test_util.h"

namespace ward::parsers::template_proto {
namespace {

using testing::to_client;
using testing::to_server;

std::string describe(const bus::Event& e) {
  const auto* l = bus::event_cast<TemplateLine>(e);
  return l == nullptr ? "" : "line:" + std::string(l->line);
}

TEST(TemplateParser, EmitsOneEventPerLineInBothDirections) {
  auto f = make_factory({});
  const auto r = testing::run_chunks(*f, describe, {to_server("HELLO a\nb\n"), to_client("ok\n")});
  EXPECT_EQ(r.events, (std::vector<std::string>{"line:HELLO a", "line:b", "line:ok"}));
  EXPECT_TRUE(r.anomalies.empty());
  EXPECT_EQ(r.confirmations, 1);
}

TEST(TemplateParser, SameEventsForEverySplit) {
  auto f = make_factory({});
  testing::expect_same_events_for_every_split(
      *f, describe, {to_server("HELLO world\nsecond\n"), to_client("reply one\n")});
}

TEST(TemplateParser, AnOversizedLineIsSkippedNotBuffered) {
  auto f = make_factory({.max_line_bytes = 8});
  const auto r = testing::run_chunks(
      *f, describe, {to_server("HELLO\n0123456789abcdef"), to_server("gh\nnext\n")});
  EXPECT_EQ(r.events, (std::vector<std::string>{"line:HELLO", "line:next"}));
  EXPECT_EQ(r.anomalies, (std::vector<std::string>{"template.line_too_long"}));
}

TEST(TemplateParser, ProbeRecognisesTheGreetingOnly) {
  EXPECT_EQ(probe(Direction::kToServer, as_bytes("HELLO x")), Probe::kYes);
  EXPECT_EQ(probe(Direction::kToServer, as_bytes("HEL")), Probe::kMaybe);
  EXPECT_EQ(probe(Direction::kToServer, as_bytes("GET /")), Probe::kNo);
  EXPECT_EQ(probe(Direction::kToClient, as_bytes("HELLO x")), Probe::kNo);
}

}  // namespace
}  // namespace ward::parsers::template_proto
