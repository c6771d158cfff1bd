// The detection scorecard (docs/eval.md): alerts from a run matched against labels, per attack
// class and overall: precision, recall and time to detect.
//
// An alert detects a label when the alert's rule maps to the label's class
// (attack_classes.h), it was raised within [start_ts - lead_s, end_ts + grace_s], and one of
// its endpoints is the label's attacker or one of its victims (spoofed floods and ARP
// poisoning need not show the attacker's address). An alert of another class that meets the
// time and address conditions of some label is "related": a true observation of a labelled
// attack under another name (a SYN flood also seen as a scan; a rogue host's flows crossing
// zones). Recall = labels detected / labels; precision = (detecting + related alerts) /
// alerts; strict precision = detecting alerts / alerts. Any other alert, including one whose
// rule maps to no class ("other"), counts against both. Time to detect = from
// start_ts to the first alert that detects the label (never negative), averaged over the
// detected labels.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/net.h"
#include "eval/labels.h"

namespace ward::eval {

struct ObservedAlert {
  std::string rule;
  double ts = 0;  // when it was raised: the packet time of the capture
  IpAddr src, dst;
  std::string service;  // the flow's protocol (parser name), for class_of_alert
};

struct MatchOptions {
  double lead_s = 1.0;    // an alert this much before start_ts still counts (clock skew)
  double grace_s = 60.0;  // ... and this much after end_ts (episode-based detectors)
};

struct ClassScore {
  std::string cls;  // "" for overall
  std::size_t labels = 0, detected = 0;
  std::size_t alerts = 0, true_alerts = 0, related_alerts = 0;
  std::optional<double> precision;         // nullopt without alerts
  std::optional<double> strict_precision;  // related alerts counted as false
  std::optional<double> recall;            // nullopt without labels
  std::optional<double> time_to_detect_s;  // nullopt when nothing was detected
};

struct LabelResult {
  const Label* label = nullptr;
  std::size_t alerts = 0;                // alerts that detect it
  std::optional<double> detect_delay_s;  // first one's delay
  std::string first_rule;
};

struct Scorecard {
  ClassScore overall;
  std::vector<ClassScore> classes;  // classes with labels or alerts, vocabulary order, then other
  std::vector<LabelResult> labels;  // in label order
};

Scorecard score(const std::vector<Label>& labels, const std::vector<ObservedAlert>& alerts,
                const MatchOptions& options = {});

std::string format_scorecard_text(const Scorecard& s);
// {"precision", "strict_precision", "recall", "time_to_detect_s", "labels", "detected",
//  "alerts", "true_alerts", "related_alerts",
//  "classes": {"<class>": {same keys}}, "label_results": [...]}; null where undefined.
std::string format_scorecard_json(const Scorecard& s);

}  // namespace ward::eval
