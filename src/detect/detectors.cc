// The list of detectors: one line each. MqttClinical comes first because it publishes the
// clinical events the detectors after it consume.
#include "detect/anomaly_detector.h"
#include "detect/behaviour_detector.h"
#include "detect/camera_detector.h"
#include "detect/class_protocol_detector.h"
#include "detect/clinical_detector.h"
#include "detect/credential_detector.h"
#include "detect/crypto_detector.h"
#include "detect/dns_tunnel_detector.h"
#include "detect/exfiltration_detector.h"
#include "detect/infusion_detector.h"
#include "detect/mqtt_clinical.h"
#include "detect/netattack/netattack.h"
#include "detect/phi_detector.h"
#include "detect/segmentation_detector.h"

namespace ward::detect {

std::vector<std::unique_ptr<bus::Subscriber>> make_detectors(const policy::Policy& policy,
                                                             const bus::EventBus& bus,
                                                             DetectorStats& stats,
                                                             DeviceClassSource* classes,
                                                             BehaviourSetup behaviour) {
  std::vector<std::unique_ptr<bus::Subscriber>> out;
  out.push_back(std::make_unique<MqttClinical>(policy, bus));
  out.push_back(std::make_unique<InfusionDetector>(policy, bus, stats));
  out.push_back(std::make_unique<PhiDetector>(policy, bus, stats));
  out.push_back(std::make_unique<AnomalyDetector>(policy, bus, stats));
  out.push_back(std::make_unique<ScanDetector>(policy, bus, stats));
  out.push_back(std::make_unique<FloodDetector>(policy, bus, stats));
  out.push_back(std::make_unique<ArpDetector>(policy, bus, stats));
  out.push_back(std::make_unique<BruteForceDetector>(policy, bus, stats));
  out.push_back(std::make_unique<SegmentationDetector>(policy, bus, stats, classes));
  out.push_back(std::make_unique<ClinicalDetector>(policy, bus, stats, classes));
  out.push_back(std::make_unique<CameraDetector>(policy, bus, stats, classes));
  out.push_back(std::make_unique<ExfiltrationDetector>(policy, bus, stats, classes));
  out.push_back(std::make_unique<DnsTunnelDetector>(policy, bus, stats));
  out.push_back(std::make_unique<CryptoDetector>(policy, bus, stats, classes));
  out.push_back(std::make_unique<CredentialDetector>(policy, bus, stats, classes));
  out.push_back(std::make_unique<ClassProtocolDetector>(policy, bus, stats, classes));
  out.push_back(std::make_unique<BehaviourDetector>(policy, bus, stats, classes, behaviour.baseline,
                                                    behaviour.learn_only));
  return out;
}

}  // namespace ward::detect
