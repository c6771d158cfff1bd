// Events of the template parser: one TemplateLine per complete line.
#pragma once

#include <string_view>

#include "bus/event.h"

namespace ward::parsers::template_proto {

struct TemplateLine : bus::Event {
  // A new parser adds its own line to bus::EventKind and uses it here.
  static constexpr bus::EventKind kKind = bus::EventKind::kTemplateLine;
  TemplateLine() noexcept : bus::Event(kKind) {}
  std::string_view line;  // without the '\n'; valid during the callback
};

}  // namespace ward::parsers::template_proto
