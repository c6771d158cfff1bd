// Camera checks (RTSP/RTP), for surveillance through a hospital's cameras:
//   ward.camera.unauthorized_viewer  an RTSP DESCRIBE/SETUP/PLAY from a host that
//                                    `roles.camera_viewers` does not list (T1125); high when the
//                                    camera answered 2xx, medium for a refused attempt
//   ward.camera.stream_leaves_zone   an RTP stream from a camera to a host outside the camera's
//                                    zone that is not a listed viewer (T1125)
//   ward.camera.unencrypted_stream   an RTP stream from a camera to a listed viewer outside the
//                                    camera's zone, set up (RTSP SETUP) as plain RTP/AVP, not
//                                    SRTP (RTP/SAVP): video anyone on the path can watch (T0842)
// The viewer check is off while `roles.camera_viewers` is empty; the stream checks need zones.
// A camera is the server of the RTSP session, or an address the inventory classes as camera.
// One alert per (client, camera) and rule.
#pragma once

#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "detect/detector.h"
#include "detect/netattack/common.h"

namespace ward::detect {

class DeviceClassSource;

class CameraDetector final : public Detector {
 public:
  static constexpr std::size_t kMaxCameras = 65536;

  CameraDetector(const policy::Policy& policy, const bus::EventBus& bus, DetectorStats& stats,
                 DeviceClassSource* classes)
      : Detector(policy, bus, stats), classes_(classes) {}
  void on_event(const bus::EventContext& ctx, const bus::Event& e) override;

 private:
  bool is_camera(const IpAddr& ip) const;

  struct PairHash {
    std::size_t operator()(const std::pair<IpAddr, IpAddr>& p) const noexcept {
      return netattack::IpHash{}(p.first) * 31 + netattack::IpHash{}(p.second);
    }
  };

  DeviceClassSource* classes_;
  std::unordered_set<IpAddr, netattack::IpHash> rtsp_servers_;  // hosts that served RTSP
  // (camera, viewer) -> the profile of their last accepted SETUP ("RTP/AVP", "RTP/SAVP").
  std::unordered_map<std::pair<IpAddr, IpAddr>, std::string, PairHash> setup_profile_;
};

}  // namespace ward::detect
