// The `rtsp` log: one JSON line per RtspTransaction (a request and its response), Zeek-style
// connection fields first. User names are logged (from Authorization and from URLs); passwords
// never reach the log (the parser does not keep them). One writer per bus (per worker thread);
// keeps no state between events; not thread-safe.
#pragma once

#include <memory>
#include <string>

#include "bus/bus.h"
#include "parsers/parser.h"

namespace ward::parsers::rtsp {

struct RtspTransaction;

class RtspLog final : public bus::Subscriber {
 public:
  // REQUIRES: `sink` outlives the writer.
  explicit RtspLog(bus::LogSink& sink) : sink_(sink) {}
  void on_event(const bus::EventContext& ctx, const bus::Event& event) override;
  // Appends the record of `tx` (one JSON object, no newline) to `out`.
  static void format(std::string& out, const bus::EventContext& ctx, const RtspTransaction& tx);

 private:
  bus::LogSink& sink_;
  std::string line_;
};

// ParserSpec::make_log for "rtsp".
std::unique_ptr<bus::Subscriber> make_rtsp_log(bus::LogSink& sink, const LogOptions& options);

}  // namespace ward::parsers::rtsp
