// libFuzzer target for the RTSP parser (STYLE.md section 6). The input is the chunk format of
// parsers/testing/fuzz_util.h: both directions, arbitrary cuts and gaps. Limits are small so
// that every limit path (header and body skips, pending requests, SDP and interleaved caps) is
// reachable with short inputs. probe() and the rtsp/rtp log writers see everything too.
#include <cstddef>
#include <cstdint>

#include "bus/bus.h"
#include "parsers/rtp/rtp_log.h"
#include "parsers/rtsp/rtsp_log.h"
#include "parsers/rtsp/rtsp_parser.h"
#include "parsers/testing/fuzz_util.h"

namespace {

ward::parsers::rtsp::Limits fuzz_limits() {
  ward::parsers::rtsp::Limits l;
  l.max_header_bytes = 512;
  l.max_body_bytes = 256;
  l.max_pending_requests = 4;
  l.max_field_bytes = 64;
  l.max_sdp_media = 4;
  l.max_sdp_codecs = 4;
  l.max_interleaved_channels = 2;
  l.max_rtp_sources = 2;
  return l;
}

// Both log writers behind one subscriber.
class Logs final : public ward::bus::Subscriber {
 public:
  explicit Logs(ward::bus::LogSink& sink) : rtsp_(sink), rtp_(sink) {}
  void on_event(const ward::bus::EventContext& ctx, const ward::bus::Event& e) override {
    rtsp_.on_event(ctx, e);
    rtp_.on_event(ctx, e);
  }

 private:
  ward::parsers::rtsp::RtspLog rtsp_;
  ward::parsers::rtp::RtpLog rtp_;
};

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name is libFuzzer's entry point.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const ward::parsers::rtsp::RtspParserFactory factory(fuzz_limits());
  (void)ward::parsers::rtsp::probe(ward::parsers::Direction::kToServer, ward::ByteView(data, size));
  static ward::parsers::testing::TouchingLogSink sink;
  static Logs logs(sink);
  ward::parsers::testing::fuzz_stream_parser(factory, data, size, &logs);
  return 0;
}
