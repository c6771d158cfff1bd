#include "parsers/rtp/rtp_log.h"

#include <array>
#include <cstdio>

#include "bus/log_fields.h"
#include "common/json_writer.h"
#include "parsers/rtp/rtp_events.h"

namespace ward::parsers::rtp {

void RtpLog::on_event(const bus::EventContext& ctx, const bus::Event& event) {
  const auto* s = bus::event_cast<RtpStream>(event);
  if (s == nullptr) return;
  line_.clear();
  format(line_, ctx, *s);
  sink_.write("rtp", line_);
}

void RtpLog::format(std::string& out, const bus::EventContext& ctx, const RtpStream& s) {
  JsonWriter w(out);
  w.begin_object();
  bus::write_conn_id(w, ctx, s.first_ts);
  // Interleaved RTP belongs to the RTSP connection itself; UDP RTP to the one that set it up.
  const std::string_view rtsp_uid = s.transport == "interleaved" ? ctx.uid : ctx.parent_uid;
  if (!rtsp_uid.empty()) w.kv("rtsp_uid", rtsp_uid);
  w.kv("transport", s.transport);
  if (s.channel >= 0) w.kv("channel", s.channel);
  w.kv("sender", s.sender == bus::Direction::kToServer ? "orig" : "resp");
  std::array<char, 16> hex{};
  std::snprintf(hex.data(), hex.size(), "0x%08x", static_cast<unsigned>(s.ssrc));
  w.kv("ssrc", std::string_view(hex.data()));
  if (s.payload_type >= 0) w.kv("payload_type", s.payload_type);
  if (s.payload_type_changed) w.kv("payload_type_changed", true);
  w.kv("packets", s.packets);
  w.kv("bytes", s.bytes);
  if (s.packets > 0) {
    w.kv("first_seq", static_cast<unsigned>(s.first_seq));
    w.kv("last_seq", static_cast<unsigned>(s.last_seq));
    w.kv("expected", s.expected);
    w.kv("lost", s.lost);
  }
  if (s.rtcp_packets > 0) {
    w.kv("rtcp_packets", s.rtcp_packets);
    w.kv("rtcp_sr", s.rtcp_sr);
    w.kv("rtcp_rr", s.rtcp_rr);
    w.kv("rtcp_bye", s.rtcp_bye);
  }
  w.kv("duration", static_cast<double>(s.last_ts - s.first_ts) / static_cast<double>(kNsPerSec));
  w.end_object();
}

std::unique_ptr<bus::Subscriber> make_rtp_log(bus::LogSink& sink, const LogOptions& /*options*/) {
  return std::make_unique<RtpLog>(sink);
}

}  // namespace ward::parsers::rtp
