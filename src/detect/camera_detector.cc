#include "detect/camera_detector.h"

#include "detect/segmentation_detector.h"
#include "parsers/rtp/rtp_events.h"
#include "parsers/rtsp/rtsp_events.h"

namespace ward::detect {

bool CameraDetector::is_camera(const IpAddr& ip) const {
  if (rtsp_servers_.count(ip) != 0) return true;
  return classes_ != nullptr && classes_->device_class(ip) == "camera";
}

void CameraDetector::on_event(const bus::EventContext& ctx, const bus::Event& e) {
  if (const auto* t = bus::event_cast<parsers::rtsp::RtspTransaction>(e)) {
    if (t->request == nullptr) return;
    const std::string& method = t->request->method;
    if (method != "DESCRIBE" && method != "SETUP" && method != "PLAY") return;
    if (rtsp_servers_.size() < kMaxCameras) rtsp_servers_.insert(ctx.resp_h);
    const bool accepted = t->has_response && t->status >= 200 && t->status < 300;
    if (method == "SETUP" && accepted) {
      const parsers::rtsp::TransportInfo& tr =
          t->response_transport != nullptr ? *t->response_transport : t->request->transport;
      const std::string profile = tr.profile.empty() ? std::string("RTP/AVP") : tr.profile;
      if (setup_profile_.size() < kMaxCameras || setup_profile_.count({ctx.resp_h, ctx.orig_h}))
        setup_profile_[{ctx.resp_h, ctx.orig_h}] = profile;
    }
    if (policy_.roles.camera_viewers.empty()) return;
    if (policy::Policy::find_host(policy_.roles.camera_viewers, ctx.orig_h) != nullptr) return;
    const bool served = t->has_response && t->status >= 200 && t->status < 300;
    AlertEvent a;
    a.rule = "ward.camera.unauthorized_viewer";
    a.severity = served ? Severity::kHigh : Severity::kMedium;
    a.technique = techniques::kVideoCapture;
    a.alert_id = make_alert_id(
        a.rule, "",
        ctx.orig_h.to_string() + ">" + ctx.resp_h.to_string() + (served ? "|served" : "|tried"));
    a.src_role = "viewer";
    a.dst_role = "camera";
    a.summary = "RTSP " + method + " of " + t->request->uri + " from " + ctx.orig_h.to_string() +
                ", which is not a listed camera viewer" +
                (served ? std::string(": the camera answered ") + std::to_string(t->status)
                        : std::string(" (refused: ") + std::to_string(t->status) + ")");
    a.evidence.emplace_back("method", method);
    a.evidence.emplace_back("uri", t->request->uri);
    a.evidence.emplace_back("status", std::to_string(t->status));
    const std::string& user =
        !t->request->auth_user.empty() ? t->request->auth_user : t->request->url_user;
    if (!user.empty()) a.evidence.emplace_back("user", user);
    if (!t->request->user_agent.empty())
      a.evidence.emplace_back("user_agent", t->request->user_agent);
    // The transaction is published when the response arrives: src is the viewer (the request's
    // sender), dst the camera.
    bus::EventContext from_viewer = ctx;
    from_viewer.dir = t->request->dir;
    raise(from_viewer, a);
    return;
  }
  if (const auto* s = bus::event_cast<parsers::rtp::RtpStream>(e)) {
    if (policy_.zones.empty() || s->packets == 0) return;
    const bool from_orig = s->sender == bus::Direction::kToServer;
    const IpAddr& camera = from_orig ? ctx.orig_h : ctx.resp_h;
    const IpAddr& viewer = from_orig ? ctx.resp_h : ctx.orig_h;
    if (!is_camera(camera)) return;
    const policy::ZoneId cz = policy_.zone_of(camera);
    if (policy_.zone(cz) == nullptr || policy_.zone_of(viewer) == cz) return;
    const bool listed = policy::Policy::find_host(policy_.roles.camera_viewers, viewer) != nullptr;
    if (listed) {
      // A listed viewer outside the zone: the video crosses zones, so it should be SRTP. Only
      // a stream whose SETUP was seen is judged (SRTP looks like RTP on the wire).
      const auto it = setup_profile_.find({camera, viewer});
      if (it == setup_profile_.end() || it->second.find("SAVP") != std::string::npos) return;
      AlertEvent a;
      a.rule = "ward.camera.unencrypted_stream";
      a.severity = Severity::kMedium;
      a.technique = techniques::kNetworkSniffing;
      a.alert_id = make_alert_id(a.rule, "", camera.to_string() + ">" + viewer.to_string());
      a.src_role = "camera";
      a.dst_role = "viewer";
      a.summary = "video (" + it->second + ", not SRTP) from camera " + camera.to_string() +
                  " in zone " + std::string(policy_.zone_name(cz)) + " to viewer " +
                  viewer.to_string() + " in zone " +
                  std::string(policy_.zone_name(policy_.zone_of(viewer))) + " in clear";
      a.evidence.emplace_back("profile", it->second);
      a.evidence.emplace_back("ssrc", std::to_string(s->ssrc));
      a.evidence.emplace_back("packets", std::to_string(s->packets));
      a.evidence.emplace_back("transport", std::string(s->transport));
      bus::EventContext from_camera = ctx;
      from_camera.dir = s->sender;
      raise(from_camera, a);
      return;
    }
    AlertEvent a;
    a.rule = "ward.camera.stream_leaves_zone";
    a.severity = Severity::kHigh;
    a.technique = techniques::kVideoCapture;
    a.alert_id = make_alert_id(a.rule, "", camera.to_string() + ">" + viewer.to_string());
    a.src_role = "camera";
    a.dst_role = "viewer";
    a.summary = "video (RTP) from camera " + camera.to_string() + " in zone " +
                std::string(policy_.zone_name(cz)) + " to " + viewer.to_string() + " in zone " +
                std::string(policy_.zone_name(policy_.zone_of(viewer))) +
                ", which is not a listed viewer";
    a.evidence.emplace_back("ssrc", std::to_string(s->ssrc));
    a.evidence.emplace_back("packets", std::to_string(s->packets));
    a.evidence.emplace_back("bytes", std::to_string(s->bytes));
    a.evidence.emplace_back("transport", std::string(s->transport));
    bus::EventContext from_camera = ctx;  // src is the camera, dst the viewer
    from_camera.dir = s->sender;
    raise(from_camera, a);
  }
}

}  // namespace ward::detect
