#include "detect/eve_log.h"

#include <array>
#include <cstdio>
#include <ctime>

#include "common/json_writer.h"
#include "detect/alert.h"

namespace ward::detect {
namespace {

// "2026-11-17T09:46:40.123456+0000", Suricata's timestamp format.
std::string eve_timestamp(TimeNs ts) {
  const std::time_t secs = static_cast<std::time_t>(ts / kNsPerSec);
  const auto micros = static_cast<long>((ts % kNsPerSec) / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  std::array<char, 40> buf{};
  const std::size_t n = std::strftime(buf.data(), buf.size(), "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf.data() + n, buf.size() - n, ".%06ld+0000", micros);
  return buf.data();
}

std::string_view eve_proto(bus::Transport t) {
  switch (t) {
    case bus::Transport::kTcp:
      return "TCP";
    case bus::Transport::kUdp:
      return "UDP";
    case bus::Transport::kIcmp:
      return "ICMP";
    case bus::Transport::kIcmp6:
      return "IPv6-ICMP";
    case bus::Transport::kNone:
      break;
  }
  return {};
}

int eve_severity(Severity s) {
  switch (s) {
    case Severity::kCritical:
    case Severity::kHigh:
      return 1;
    case Severity::kMedium:
      return 2;
    case Severity::kLow:
    case Severity::kInfo:
      break;
  }
  return 3;
}

std::uint32_t fnv1a(std::string_view s) noexcept {
  std::uint32_t h = 2166136261u;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 16777619u;
  }
  return h;
}

void meta(JsonWriter& w, std::string_view key, std::string_view value) {
  if (value.empty()) return;
  w.key(key).begin_array().value(value).end_array();
}

}  // namespace

std::uint32_t eve_signature_id(std::string_view rule) noexcept {
  return 9'000'000u + fnv1a(rule) % 1'000'000u;
}

void EveAlertLog::on_event(const bus::EventContext& ctx, const bus::Event& e) {
  const auto* a = bus::event_cast<AlertEvent>(e);
  if (a == nullptr) return;
  line_.clear();
  JsonWriter w(line_);
  const bool to_server = ctx.dir == bus::Direction::kToServer;
  w.begin_object();
  w.kv("timestamp", eve_timestamp(ctx.ts));
  // Suricata's flow_id is a number per flow; Ward's uid hashed gives one that is stable too.
  if (!ctx.uid.empty()) w.kv("flow_id", static_cast<std::uint64_t>(fnv1a(ctx.uid)));
  w.kv("event_type", "alert");
  w.kv("src_ip", ctx.src_h().to_string());
  if (ctx.orig_p != 0 || ctx.resp_p != 0)
    w.kv("src_port", static_cast<std::uint64_t>(to_server ? ctx.orig_p : ctx.resp_p));
  w.kv("dest_ip", ctx.dst_h().to_string());
  if (ctx.orig_p != 0 || ctx.resp_p != 0)
    w.kv("dest_port", static_cast<std::uint64_t>(to_server ? ctx.resp_p : ctx.orig_p));
  if (const std::string_view p = eve_proto(ctx.proto); !p.empty()) w.kv("proto", p);
  if (!ctx.service.empty()) w.kv("app_proto", ctx.service);
  w.key("alert").begin_object();
  w.kv("action", "allowed");
  w.kv("gid", std::uint64_t{1});
  w.kv("signature_id", static_cast<std::uint64_t>(eve_signature_id(a->rule)));
  w.kv("rev", std::uint64_t{1});
  w.kv("signature", std::string(a->rule) + ": " + a->summary);
  w.kv("category", a->technique.tactic.empty() ? std::string_view("Ward") : a->technique.tactic);
  w.kv("severity", static_cast<std::int64_t>(eve_severity(a->severity)));
  w.key("metadata").begin_object();
  meta(w, "ward_rule", a->rule);
  meta(w, "ward_alert_id", a->alert_id);
  meta(w, "ward_severity", severity_name(a->severity));
  meta(w, "mitre_technique_id", a->technique.id);
  meta(w, "mitre_technique_name", a->technique.name);
  meta(w, "mitre_tactic_name", a->technique.tactic);
  meta(w, "device_id", a->device_id);
  w.end_object();
  w.end_object();
  if (!ctx.uid.empty()) w.kv("ward_uid", ctx.uid);
  w.end_object();
  sink_.write("eve", line_);
}

}  // namespace ward::detect
