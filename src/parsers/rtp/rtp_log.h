// The `rtp` log: one JSON line per RTP/RTCP source (RtpStream) when its flow ends, with the
// uid of the RTSP connection that set the flow up (`rtsp_uid`) when there was one. One writer
// per bus (per worker thread); keeps no state between events; not thread-safe.
#pragma once

#include <memory>
#include <string>

#include "bus/bus.h"
#include "parsers/parser.h"

namespace ward::parsers::rtp {

struct RtpStream;

class RtpLog final : public bus::Subscriber {
 public:
  // REQUIRES: `sink` outlives the writer.
  explicit RtpLog(bus::LogSink& sink) : sink_(sink) {}
  void on_event(const bus::EventContext& ctx, const bus::Event& event) override;
  // Appends the record of `s` (one JSON object, no newline) to `out`.
  static void format(std::string& out, const bus::EventContext& ctx, const RtpStream& s);

 private:
  bus::LogSink& sink_;
  std::string line_;
};

// ParserSpec::make_log for "rtp".
std::unique_ptr<bus::Subscriber> make_rtp_log(bus::LogSink& sink, const LogOptions& options);

}  // namespace ward::parsers::rtp
