#include "parsers/_template/template_parser.h"

#include <array>
#include <cstring>

#include "parsers/_template/template_events.h"

namespace ward::parsers::template_proto {
namespace {

class TemplateParser final : public StreamParser {
 public:
  TemplateParser(EventSink& sink, const Limits& limits) : sink_(sink), limits_(limits) {}

  Result<Progress, ParseError> on_data(Direction dir, ByteView input) noexcept override {
    const std::string_view text = as_chars(input);
    std::uint32_t consumed = 0;
    auto& skipping = skipping_[bus::index(dir)];
    for (;;) {
      const std::string_view rest = text.substr(consumed);
      const auto nl = rest.find('\n');
      if (skipping) {  // inside an oversized line: discard up to its end, buffering nothing
        if (nl == std::string_view::npos)
          return Progress{static_cast<std::uint32_t>(text.size()), 0};
        consumed += static_cast<std::uint32_t>(nl + 1);
        skipping = false;
        continue;
      }
      if (nl == std::string_view::npos) {
        if (rest.size() > limits_.max_line_bytes) {
          sink_.anomaly("template.line_too_long", "line over template.max_line_bytes skipped");
          skipping = true;
          return Progress{static_cast<std::uint32_t>(text.size()), 0};
        }
        return Progress{consumed, 1};
      }
      TemplateLine e;
      e.line = rest.substr(0, nl);
      if (!confirmed_) {
        sink_.confirm_protocol();
        confirmed_ = true;
      }
      sink_.emit(e);
      consumed += static_cast<std::uint32_t>(nl + 1);
    }
  }
  void on_gap(Direction dir, std::uint64_t /*missing_bytes*/) noexcept override {
    // Resynchronise at the next line start: skip up to the next '\n'.
    skipping_[bus::index(dir)] = true;
  }
  void on_end(Direction /*dir*/) noexcept override {}

 private:
  EventSink& sink_;
  Limits limits_;
  bool skipping_[2] = {false, false};
  bool confirmed_ = false;
};

class Factory final : public ParserFactory {
 public:
  explicit Factory(Limits l) : limits_(l) {}
  [[nodiscard]] std::unique_ptr<StreamParser> make(EventSink& sink) const override {
    return std::make_unique<TemplateParser>(sink, limits_);
  }

 private:
  Limits limits_;
};

std::unique_ptr<ParserFactory> configure(const LimitOverrides& o) {
  return make_factory(limits_from(o));
}

constexpr std::array<std::uint16_t, 1> kPorts{7};

}  // namespace

Limits limits_from(const LimitOverrides& o) {
  Limits l;
  l.max_line_bytes = static_cast<std::uint32_t>(o.get("template.max_line_bytes", l.max_line_bytes));
  return l;
}

Probe probe(Direction dir, ByteView first_bytes) noexcept {
  if (dir != Direction::kToServer) return Probe::kNo;
  constexpr std::string_view kMagic = "HELLO ";
  const std::string_view s = as_chars(first_bytes);
  const std::size_t n = std::min(s.size(), kMagic.size());
  if (s.substr(0, n) != kMagic.substr(0, n)) return Probe::kNo;
  return n == kMagic.size() ? Probe::kYes : Probe::kMaybe;
}

std::unique_ptr<ParserFactory> make_factory(const Limits& limits) {
  return std::make_unique<Factory>(limits);
}

const ParserSpec& parser_spec() {
  static const ParserSpec spec{"template", kPorts, &probe, &configure, nullptr};
  return spec;
}

}  // namespace ward::parsers::template_proto
