// libFuzzer target: the shared stream-parser driver over the template parser.
#include "parsers/_template/template_parser.h"
#include "parsers/testing/fuzz_util.h"

// NOLINTNEXTLINE(readability-identifier-naming): the entry point name libFuzzer calls.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto factory = ward::parsers::template_proto::make_factory({});
  ward::parsers::testing::fuzz_stream_parser(*factory, data, size);
  return 0;
}
