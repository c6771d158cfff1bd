// Privacy: data carried out in DNS query names (iodine, dnscat2, DNS exfiltration scripts).
//   ward.privacy.dns_tunnel  a client sends `dns.tunnel_names` distinct query names under one
//                            domain within `dns.tunnel_window_s` (high), or one name whose
//                            subdomain part is long and random enough to carry encoded data:
//                            a label of at least 48 characters, or 64 and more characters
//                            in all, with a character entropy of at least 4 bits (medium)
//                            (T1048 Exfiltration Over Alternative Protocol)
// The domain is the last two labels of the name (no public-suffix list: "example.co.uk" counts
// as "co.uk", which can only merge clients' domains, never split one). mDNS and LLMNR are not
// checked. One alert per (client, domain) and episode, and one more when an episode raised for
// an encoded name reaches the volume threshold (high); at most detect.max_tracked_sources
// (client, domain) pairs are tracked, each with at most `dns.tunnel_names` names.
#pragma once

#include <deque>
#include <string>

#include "detect/detector.h"
#include "detect/netattack/common.h"

namespace ward::detect {

class DnsTunnelDetector final : public Detector {
 public:
  DnsTunnelDetector(const policy::Policy& policy, const bus::EventBus& bus, DetectorStats& stats);
  void on_event(const bus::EventContext& ctx, const bus::Event& e) override;

 private:
  struct Names {
    std::deque<std::pair<TimeNs, std::size_t>> seen;  // (time, hash of the name), distinct
    netattack::Episode episode;
    bool confirmed = false;  // the episode's alert was raised at volume (high)
  };
  void check_name(const bus::EventContext& ctx, std::string_view name, std::uint16_t qtype);

  netattack::LruMap<std::string, Names, std::hash<std::string>> pairs_;
};

}  // namespace ward::detect
