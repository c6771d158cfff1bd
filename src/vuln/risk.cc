#include "vuln/risk.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

namespace ward::vuln {
namespace {

struct ClassInfo {
  DeviceClass cls;
  std::string_view name;
  int points;
  std::string_view why;
};

// Ordered by what a compromise does to a patient: therapy delivery first, then vital-sign
// monitoring and the systems that drive them, then patient data, then the rest.
constexpr std::array<ClassInfo, 10> kClasses{{
    {DeviceClass::kInfusionPump, "infusion_pump", 25, "delivers medication: a compromise can harm"},
    {DeviceClass::kPumpServer, "pump_server", 20, "programs and monitors the infusion pumps"},
    {DeviceClass::kPatientMonitor, "patient_monitor", 20,
     "vital signs and alarms clinicians act on"},
    {DeviceClass::kCognitiveMonitor, "cognitive_monitor", 12, "streams sensitive health data"},
    {DeviceClass::kImagingModality, "imaging_modality", 12, "diagnostic images and patient data"},
    {DeviceClass::kPacs, "pacs", 12, "holds the images and patient data of many patients"},
    {DeviceClass::kCamera, "camera", 8, "sees patients: a privacy exposure"},
    {DeviceClass::kWorkstation, "workstation", 8, "a clinician workstation"},
    {DeviceClass::kNetworkGear, "network_gear", 10, "carries other devices' traffic"},
    {DeviceClass::kUnknown, "unknown", 10, "class unknown: scored as a middling device"},
}};

const ClassInfo& info(DeviceClass c) {
  for (const ClassInfo& i : kClasses)
    if (i.cls == c) return i;
  return kClasses.back();
}

double confidence_weight(Confidence c) {
  switch (c) {
    case Confidence::kHigh:
      return 1.0;
    case Confidence::kMedium:
      return 0.75;
    case Confidence::kLow:
      break;
  }
  return 0.4;
}

std::string fixed1(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

RiskFactor vulnerability_factor(const std::vector<Match>& matches) {
  RiskFactor f{"vulnerability", 0, "no advisory matches this device"};
  if (matches.empty()) return f;
  const Match* worst = nullptr;
  double worst_points = -1;
  for (const Match& m : matches) {
    const double p = 4.0 * m.max_cvss * confidence_weight(m.confidence);
    if (p > worst_points) {
      worst_points = p;
      worst = &m;
    }
  }
  int further = 0;
  for (const Match& m : matches)
    if (&m != worst && m.confidence != Confidence::kLow) ++further;
  const int points = std::min(40, static_cast<int>(std::lround(worst_points)) + further);
  f.points = points;
  f.detail = worst->advisory_id + " CVSS " + fixed1(worst->max_cvss) + " (" +
             std::string(confidence_name(worst->confidence)) + " confidence: x" +
             fixed1(confidence_weight(worst->confidence)) + ")";
  if (further > 0) f.detail += ", +" + std::to_string(further) + " for further advisories";
  return f;
}

RiskFactor exploitability_factor(const std::vector<Match>& matches, const Exposure& e) {
  RiskFactor f{"exploitability", 0, ""};
  std::vector<std::string> why;
  int points = 0;
  const Match* exploited = nullptr;
  const Match* public_exploit = nullptr;
  const Match* network = nullptr;
  for (const Match& m : matches) {
    if (m.exploit == ExploitSignal::kKnownExploited && exploited == nullptr) exploited = &m;
    if (m.exploit == ExploitSignal::kPublicExploitAvailable && public_exploit == nullptr)
      public_exploit = &m;
    if (cvss_attack_vector(m.max_cvss_vector) == 'N' && network == nullptr) network = &m;
  }
  if (exploited != nullptr) {
    points += 20;
    why.push_back("known exploited (" + exploited->advisory_id + ")");
  } else if (public_exploit != nullptr) {
    points += 10;
    why.push_back("public exploit available (" + public_exploit->advisory_id + ")");
  }
  if (network != nullptr && e.serves_network) {
    points += 5;
    why.push_back("network attack vector (" + network->advisory_id + ") on a device serving " +
                  (e.services.empty() ? std::string("on the network") : e.services.front()));
  }
  if (e.internet_exposed) {
    points += 10;
    why.push_back("traffic with the internet" +
                  (e.internet_peer.empty() ? std::string() : " (" + e.internet_peer + ")"));
  }
  if (e.cleartext_credentials) {
    points += 5;
    why.push_back("credentials seen in clear");
  }
  if (!e.reachable_from.empty()) {
    std::string zones;
    bool from_internet = false;
    for (const std::string& z : e.reachable_from) {
      zones += (zones.empty() ? "" : ", ") + z;
      from_internet = from_internet || z == "internet";
    }
    if (from_internet && !e.internet_exposed && network != nullptr) {
      points += 10;
      why.push_back("a conduit lets the internet reach its zone " + e.zone);
    }
    why.push_back("reachable from zones " + zones + " (conduits into " + e.zone + ")");
  }
  f.points = std::min(20, points);
  if (why.empty()) {
    f.detail = "no exploitability signal";
  } else {
    for (std::size_t i = 0; i < why.size(); ++i) f.detail += (i == 0 ? "" : "; ") + why[i];
  }
  return f;
}

RiskFactor alerts_factor(const Exposure& e) {
  RiskFactor f{"alerts", 0, "no alert raised on this device"};
  const std::uint64_t total =
      std::uint64_t{e.alerts_critical} + e.alerts_high + e.alerts_medium + e.alerts_low;
  if (total == 0) return f;
  int base = 2;
  std::string worst = "low";
  if (e.alerts_critical > 0) {
    base = 15;
    worst = "critical";
  } else if (e.alerts_high > 0) {
    base = 10;
    worst = "high";
  } else if (e.alerts_medium > 0) {
    base = 5;
    worst = "medium";
  }
  const std::uint64_t extra = std::min<std::uint64_t>(total - 1, 15);
  f.points = static_cast<int>(std::min<std::uint64_t>(15, base + extra));
  f.detail = std::to_string(total) + " alert" + (total == 1 ? "" : "s") + ", the worst " + worst;
  return f;
}

std::string_view level_of(int score) {
  if (score >= 70) return "critical";
  if (score >= 50) return "high";
  if (score >= 30) return "medium";
  return "low";
}

void add_remediations(const std::vector<Match>& matches, const Exposure& e, RiskScore& out) {
  if (e.internet_exposed) {
    out.remediations.push_back(
        {RemediationKind::kRemoveExposure,
         "block traffic between this device and the internet at the zone boundary",
         "traffic with " +
             (e.internet_peer.empty() ? std::string("a public address") : e.internet_peer) +
             " was seen; medical devices should reach only listed endpoints",
         ""});
  }
  // Most severe advisory first.
  std::vector<const Match*> by_cvss;
  by_cvss.reserve(matches.size());
  for (const Match& m : matches) by_cvss.push_back(&m);
  std::stable_sort(by_cvss.begin(), by_cvss.end(),
                   [](const Match* a, const Match* b) { return a->max_cvss > b->max_cvss; });
  bool segment_added = false;
  for (const Match* m : by_cvss) {
    if (m->fixed_version) {
      out.remediations.push_back(
          {RemediationKind::kPatch,
           "update " + m->product + " to version " + *m->fixed_version + " or later",
           m->advisory_id + " (CVSS " + fixed1(m->max_cvss) + ") affects " + m->affected +
               "; the vendor's fix is " + *m->fixed_version,
           m->advisory_id});
      continue;
    }
    const std::optional<char> av = cvss_attack_vector(m->max_cvss_vector);
    if (!segment_added && av && (*av == 'N' || *av == 'A')) {
      segment_added = true;
      std::string services;
      for (const std::string& s : e.services) services += (services.empty() ? "" : ", ") + s;
      out.remediations.push_back(
          {RemediationKind::kSegment,
           "restrict who can reach this device to the hosts that must (its conduit" +
               (services.empty() ? std::string(")") : ": " + services + ")"),
           m->advisory_id + " is exploitable over the " +
               std::string(*av == 'N' ? "network" : "adjacent network") +
               " and names no fixed version",
           m->advisory_id});
    }
    if (!m->remediation.empty()) {
      out.remediations.push_back({RemediationKind::kCompensate, m->remediation,
                                  m->advisory_id + ": the vendor's mitigation", m->advisory_id});
    }
  }
  if (e.cleartext_credentials) {
    out.remediations.push_back(
        {RemediationKind::kCompensate,
         "turn on TLS (or the protocol's own encryption) and change the credentials seen",
         "credentials crossed the network in clear", ""});
  }
  std::stable_sort(
      out.remediations.begin(), out.remediations.end(),
      [](const RemediationStep& a, const RemediationStep& b) { return a.kind < b.kind; });
}

}  // namespace

std::string_view device_class_name(DeviceClass c) { return info(c).name; }

DeviceClass parse_device_class(std::string_view name) {
  for (const ClassInfo& i : kClasses)
    if (i.name == name) return i.cls;
  return DeviceClass::kUnknown;
}

int criticality_points(DeviceClass c) { return info(c).points; }

std::string_view remediation_kind_name(RemediationKind k) {
  switch (k) {
    case RemediationKind::kRemoveExposure:
      return "remove_exposure";
    case RemediationKind::kPatch:
      return "patch";
    case RemediationKind::kSegment:
      return "segment";
    case RemediationKind::kCompensate:
      break;
  }
  return "compensate";
}

std::optional<char> cvss_attack_vector(std::string_view vector) {
  const std::size_t pos = vector.find("AV:");
  if (pos == std::string_view::npos || pos + 3 >= vector.size()) return std::nullopt;
  if (pos != 0 && vector[pos - 1] != '/') return std::nullopt;  // not e.g. "MAV:"
  const char v = vector[pos + 3];
  if (v != 'N' && v != 'A' && v != 'L' && v != 'P') return std::nullopt;
  return v;
}

RiskScore score_device(DeviceClass cls, const std::vector<Match>& matches,
                       const Exposure& exposure) {
  RiskScore out;
  out.factors.push_back(vulnerability_factor(matches));
  out.factors.push_back(exploitability_factor(matches, exposure));
  const ClassInfo& ci = info(cls);
  out.factors.push_back(
      {"criticality", ci.points, std::string(ci.name) + ": " + std::string(ci.why)});
  out.factors.push_back(alerts_factor(exposure));
  for (const RiskFactor& f : out.factors) out.score += f.points;
  out.score = std::min(out.score, 100);
  out.level = level_of(out.score);
  add_remediations(matches, exposure, out);
  return out;
}

}  // namespace ward::vuln
