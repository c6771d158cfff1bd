#include <set>
#include <string>

#include "detect/netattack/netattack.h"
#include "flow/flow_events.h"
#include "parsers/http/http_events.h"
#include "parsers/mqtt/mqtt_events.h"
#include "parsers/rtsp/rtsp_events.h"

namespace ward::detect {
namespace {

using netattack::Episode;
using netattack::IpHash;
using netattack::LruMap;
using netattack::RateWindow;
using netattack::to_ns;

enum Proto : std::uint8_t { kMqtt, kHttp, kRtsp, kSsh, kFtp, kTelnet, kProtos };
constexpr std::string_view kRules[kProtos] = {"ward.bruteforce.mqtt", "ward.bruteforce.http",
                                              "ward.bruteforce.rtsp", "ward.bruteforce.ssh",
                                              "ward.bruteforce.ftp",  "ward.bruteforce.telnet"};
constexpr std::string_view kNames[kProtos] = {"MQTT", "HTTP", "RTSP", "SSH", "FTP", "Telnet"};

// Sessions shorter than this count as one guess for SSH, FTP and Telnet.
constexpr TimeNs kShortSession = 30 * kNsPerSec;

struct Key {
  IpAddr src;
  IpAddr dst;
  std::uint16_t port = 0;
  Proto proto = kMqtt;
  friend bool operator==(const Key&, const Key&) = default;
};
struct KeyHash {
  std::size_t operator()(const Key& k) const noexcept {
    return IpHash{}(k.src) * 31 + IpHash{}(k.dst) * 7 + std::size_t{k.port} * 3 + k.proto;
  }
};

struct Attempts {
  static constexpr std::size_t kMaxUsers = 5;
  RateWindow window;
  Episode episode;
  std::set<std::string> users;  // sampled user names, at most kMaxUsers
};

// MQTT 3.1.1 §3.2.2.3 return codes 4 (bad user name or password) and 5 (not authorized);
// MQTT 5.0 §3.2.2.2 reason codes 0x86 and 0x87.
bool mqtt_auth_failure(std::uint8_t version, std::uint8_t code) {
  return version == 5 ? (code == 0x86 || code == 0x87) : (code == 4 || code == 5);
}

// SSH, FTP or Telnet by service or well-known port, else kProtos.
Proto login_service(const bus::EventContext& ctx) {
  if (ctx.service == "ssh" || (ctx.service.empty() && ctx.resp_p == 22)) return kSsh;
  if (ctx.service == "ftp" || (ctx.service.empty() && ctx.resp_p == 21)) return kFtp;
  if (ctx.service == "telnet" || (ctx.service.empty() && ctx.resp_p == 23)) return kTelnet;
  return kProtos;
}

// A session that got past the handshake (the responder acknowledged) and ended.
bool established(const flow::ConnRecord& r) {
  return r.history.find('h') != std::string_view::npos && r.conn_state != "S0" &&
         r.conn_state != "REJ" && r.resp_bytes > 0;
}

}  // namespace

struct BruteForceDetector::State {
  explicit State(std::size_t cap) : attempts(cap) {}
  LruMap<Key, Attempts, KeyHash> attempts;
};

BruteForceDetector::BruteForceDetector(const policy::Policy& policy, const bus::EventBus& bus,
                                       DetectorStats& stats)
    : Detector(policy, bus, stats),
      s_(std::make_unique<State>(
          policy.limits.get("detect.max_tracked_sources", netattack::kDefaultMaxTracked))) {}

BruteForceDetector::~BruteForceDetector() = default;

void BruteForceDetector::on_finish() {
  netattack::report_forgotten(bus_, "brute-force sources", s_->attempts.evicted());
}

void BruteForceDetector::on_event(const bus::EventContext& ctx, const bus::Event& e) {
  Proto proto = kProtos;
  std::string_view user;
  std::string how;
  if (const auto* m = bus::event_cast<parsers::mqtt::MqttTransaction>(e)) {
    if (m->kind != parsers::mqtt::MqttTransaction::Kind::kConnect || !m->connack_code ||
        !mqtt_auth_failure(m->protocol_version, *m->connack_code))
      return;
    proto = kMqtt;
    user = m->username;
    how = "CONNACK " + std::to_string(*m->connack_code);
  } else if (const auto* h = bus::event_cast<parsers::http::HttpTransaction>(e)) {
    if (!h->has_response || h->auth_scheme == parsers::http::AuthScheme::kNone) return;
    if (h->status_code != 401 && h->status_code != 403 && h->status_code != 407) return;
    proto = kHttp;
    user = h->username;
    how = "HTTP " + std::to_string(h->status_code) + " to credentials";
  } else if (const auto* r = bus::event_cast<parsers::rtsp::RtspTransaction>(e)) {
    if (r->auth_result != "failure") return;
    proto = kRtsp;
    if (r->request != nullptr) user = r->request->auth_user;
    how = "RTSP " + std::to_string(r->status) + " to credentials";
  } else if (const auto* c = bus::event_cast<flow::ConnRecord>(e)) {
    if (c->partial || ctx.proto != bus::Transport::kTcp || !established(*c) ||
        c->duration >= kShortSession)
      return;
    proto = login_service(ctx);
    how = "short sessions";
  }
  if (proto == kProtos) return;

  const policy::Thresholds& t = policy_.thresholds;
  const TimeNs window = to_ns(t.bruteforce_window_s);
  const bool sessions = proto == kSsh || proto == kFtp || proto == kTelnet;
  const double limit = sessions ? t.bruteforce_connections : t.bruteforce_failures;
  const Key key{ctx.orig_h, ctx.resp_h, ctx.resp_p, proto};
  Attempts& at = s_->attempts.touch(key);
  if (!user.empty() && at.users.size() < Attempts::kMaxUsers) at.users.emplace(user);
  if (at.episode.extend(ctx.ts, 1, window)) return;
  const double n = at.window.add(ctx.ts, 1, window);
  if (n < limit) return;
  const TimeNs first = at.window.first_ts();
  at.episode.start(first, ctx.ts, n);
  at.window.clear();

  AlertEvent a;
  a.rule = kRules[proto];
  a.severity = Severity::kHigh;
  a.technique = techniques::kBruteForce;
  const std::string src = ctx.orig_h.to_string();
  const std::string dst = ctx.resp_h.to_string();
  a.alert_id =
      make_alert_id(a.rule, src + ">" + dst + ":" + std::to_string(ctx.resp_p), format_ts(first));
  const std::string count = netattack::format_number(n);
  a.summary =
      src +
      (sessions
           ? " opened " + count + " short " + std::string(kNames[proto]) + " sessions to "
           : " failed " + std::string(kNames[proto]) + " authentication " + count + " times on ") +
      dst + ":" + std::to_string(ctx.resp_p) + " within " +
      netattack::format_number(t.bruteforce_window_s) + " s";
  a.evidence.emplace_back(sessions ? "sessions" : "failures", count);
  a.evidence.emplace_back("method", how);
  std::string users;
  for (const std::string& u : at.users) users += (users.empty() ? "" : ",") + u;
  if (!users.empty()) a.evidence.emplace_back("users_sampled", users);
  a.evidence.emplace_back("window_s", netattack::format_number(t.bruteforce_window_s));
  a.evidence.emplace_back("first_ts", format_ts(first));
  a.evidence.emplace_back("last_ts", format_ts(ctx.ts));
  bus::EventContext actx = ctx;
  actx.dir = bus::Direction::kToServer;
  raise(actx, a);
}

}  // namespace ward::detect
