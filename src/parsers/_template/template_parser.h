// Template parser: an example of the StreamParser contract for a line-based protocol.
// Copy with tools/new-parser; see README.md.
#pragma once

#include <cstdint>
#include <memory>

#include "parsers/parser.h"

namespace ward::parsers::template_proto {

struct Limits {
  std::uint32_t max_line_bytes = 4096;  // "template.max_line_bytes"
};
Limits limits_from(const LimitOverrides& o);

Probe probe(Direction dir, ByteView first_bytes) noexcept;
std::unique_ptr<ParserFactory> make_factory(const Limits& limits);
const ParserSpec& parser_spec();

}  // namespace ward::parsers::template_proto
