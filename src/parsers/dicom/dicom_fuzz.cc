// libFuzzer target for the DICOM upper-layer parser (STYLE.md section 6). The input format is the
// one of parsers/testing/fuzz_util.h: chunks of [flags:1][length:2 BE][bytes], both directions,
// gaps. Every event the parser emits also goes through the dicom log writer, so record building is
// fuzzed with the same inputs. Small limits make the limit paths reachable with small inputs.
#include <cstddef>
#include <cstdint>
#include <memory>

#include "bus/bus.h"
#include "parsers/dicom/dicom_log.h"
#include "parsers/dicom/dicom_parser.h"
#include "parsers/testing/fuzz_util.h"

namespace {

using ward::parsers::Direction;
using ward::parsers::EventSink;
using ward::parsers::ParseError;
using ward::parsers::Progress;
using ward::parsers::StreamParser;

class NullLogSink : public ward::bus::LogSink {
 public:
  void write(std::string_view /*log_name*/, std::string_view json_line) override {
    bytes_ += json_line.size();
  }

 private:
  std::size_t bytes_ = 0;
};

// Forwards to the driver's sink and feeds every event to the dicom log writer.
class TeeSink : public EventSink {
 public:
  explicit TeeSink(EventSink& inner)
      : inner_(inner), log_(ward::parsers::dicom::make_dicom_log(logs_, options())) {}
  void emit(const ward::bus::Event& e) override {
    inner_.emit(e);
    log_->on_event(ward::bus::EventContext{}, e);
  }
  void anomaly(std::string_view id, std::string_view detail) override {
    inner_.anomaly(id, detail);
  }
  void confirm_protocol() override { inner_.confirm_protocol(); }
  [[nodiscard]] ward::TimeNs packet_time() const override { return inner_.packet_time(); }

 private:
  static ward::parsers::LogOptions options() {
    ward::parsers::LogOptions o;
    o.phi_key = "fuzz-phi-key-0123456789";
    return o;
  }
  EventSink& inner_;
  NullLogSink logs_;
  std::unique_ptr<ward::bus::Subscriber> log_;
};

// A parser that owns its TeeSink.
class LoggedParser : public StreamParser {
 public:
  LoggedParser(EventSink& sink, const ward::parsers::dicom::DicomParserFactory& factory)
      : tee_(std::make_unique<TeeSink>(sink)), parser_(factory.make(*tee_)) {}
  ward::Result<Progress, ParseError> on_data(Direction dir,
                                             ward::ByteView input) noexcept override {
    return parser_->on_data(dir, input);
  }
  void on_gap(Direction dir, std::uint64_t missing_bytes) noexcept override {
    parser_->on_gap(dir, missing_bytes);
  }
  void on_end(Direction dir) noexcept override { parser_->on_end(dir); }

 private:
  std::unique_ptr<TeeSink> tee_;
  std::unique_ptr<StreamParser> parser_;
};

class LoggedFactory : public ward::parsers::ParserFactory {
 public:
  explicit LoggedFactory(ward::parsers::dicom::Limits limits) : inner_(limits) {}
  [[nodiscard]] std::unique_ptr<StreamParser> make(EventSink& sink) const override {
    return std::make_unique<LoggedParser>(sink, inner_);
  }

 private:
  ward::parsers::dicom::DicomParserFactory inner_;
};

ward::parsers::dicom::Limits fuzz_limits() {
  ward::parsers::dicom::Limits l;
  l.max_association_pdu_bytes = 8192;
  l.max_pdata_pdu_bytes = 65536;
  l.max_command_bytes = 512;
  l.max_presentation_contexts = 16;
  l.max_transfer_syntaxes = 4;
  l.max_pending_commands = 8;
  l.max_phi_value_bytes = 32;
  l.max_sequence_depth = 8;
  return l;
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the entry point name libFuzzer calls.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const LoggedFactory factory(fuzz_limits());
  // Content detection reads hostile first bytes too: give it the raw input.
  (void)ward::parsers::dicom::probe(Direction::kToServer, ward::ByteView(data, size));
  ward::parsers::testing::fuzz_stream_parser(factory, data, size);
  return 0;
}
