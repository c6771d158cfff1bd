// The registered protocol parsers, in the order content probes are tried.
#pragma once

#include <span>

#include "parsers/parser.h"

namespace ward::parsers {

std::span<const ParserSpec* const> all_parsers();
// Returns the spec named `name`, or nullptr.
const ParserSpec* find_parser(std::string_view name);

}  // namespace ward::parsers
