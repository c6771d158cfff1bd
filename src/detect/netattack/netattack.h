// Network-attack detectors (docs/detection.md): scans, floods, ARP spoofing and brute force.
// Each counts within windows set by the policy's `thresholds:`, tracks at most
// `detect.max_tracked_sources` keys per table (the least recently active is forgotten) and
// raises one alert per episode: at the threshold, with the counts so far; a new alert for the
// same key only after the episode has been quiet for a window.
#pragma once

#include <memory>

#include "detect/detector.h"
#include "detect/netattack/common.h"

namespace ward::detect {

namespace netattack {
// Reports `forgotten` keys of `what` dropped at detect.max_tracked_sources as the anomaly
// detect.tracked_limit (once, at the end of input).
void report_forgotten(const bus::EventBus& bus, std::string_view what, std::uint64_t forgotten);
}  // namespace netattack

// ward.scan.port, ward.scan.ping_sweep: failed or unanswered probes (SYN answered by RST or
// nothing, FIN/NULL/Xmas, UDP without reply) to distinct ports of one host (vertical) or to one
// port of distinct hosts (horizontal); ICMP echo requests to distinct hosts. Reads FlowStart
// and ConnRecord.
class ScanDetector final : public Detector {
 public:
  ScanDetector(const policy::Policy& policy, const bus::EventBus& bus, DetectorStats& stats);
  ~ScanDetector() override;
  void on_event(const bus::EventContext& ctx, const bus::Event& e) override;
  void on_finish() override;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

// ward.flood.{syn,udp,icmp,mqtt_connect,mqtt_publish,mqtt_malformed}: packet or message rates
// per victim (per client and broker for PUBLISH, per source for malformed MQTT). Reads
// FlowStart (UDP), FlowProgress, ConnRecord, MqttMessage and AnomalyEvent.
class FloodDetector final : public Detector {
 public:
  FloodDetector(const policy::Policy& policy, const bus::EventBus& bus, DetectorStats& stats);
  ~FloodDetector() override;
  void on_event(const bus::EventContext& ctx, const bus::Event& e) override;
  void on_finish() override;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

// ward.arp.{spoofing,duplicate_ip,gratuitous_storm}: IP-to-MAC bindings from ARP. Reads ArpEvent.
class ArpDetector final : public Detector {
 public:
  ArpDetector(const policy::Policy& policy, const bus::EventBus& bus, DetectorStats& stats);
  ~ArpDetector() override;
  void on_event(const bus::EventContext& ctx, const bus::Event& e) override;
  void on_finish() override;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

// ward.bruteforce.{mqtt,http,rtsp,ssh,ftp,telnet}: authentication failures per (source,
// server, protocol) from MQTT CONNACK codes, HTTP and RTSP 401/403 to credentials; for SSH,
// FTP and Telnet (no failure visible to Ward) short established sessions. Reads
// MqttTransaction, HttpTransaction, RtspTransaction and ConnRecord.
class BruteForceDetector final : public Detector {
 public:
  BruteForceDetector(const policy::Policy& policy, const bus::EventBus& bus, DetectorStats& stats);
  ~BruteForceDetector() override;
  void on_event(const bus::EventContext& ctx, const bus::Event& e) override;
  void on_finish() override;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace ward::detect
