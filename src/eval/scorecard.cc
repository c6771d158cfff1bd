#include "eval/scorecard.h"

#include <array>
#include <cstdio>
#include <map>

#include "common/json_writer.h"
#include "eval/attack_classes.h"

namespace ward::eval {
namespace {

constexpr std::string_view kOther = "other";

bool involves(const Label& l, const ObservedAlert& a) {
  if (a.src == l.attacker || a.dst == l.attacker) return true;
  for (const IpAddr& v : l.victims)
    if (a.src == v || a.dst == v) return true;
  return false;
}

bool during(const Label& l, const ObservedAlert& a, const MatchOptions& o) {
  return a.ts >= l.start_ts - o.lead_s && a.ts <= l.end_ts + o.grace_s && involves(l, a);
}

bool detects(const Label& l, const ObservedAlert& a, std::string_view alert_class,
             const MatchOptions& o) {
  return alert_class == l.cls && during(l, a, o);
}

void finish(ClassScore& c, double delay_sum) {
  if (c.alerts > 0) {
    c.precision =
        static_cast<double>(c.true_alerts + c.related_alerts) / static_cast<double>(c.alerts);
    c.strict_precision = static_cast<double>(c.true_alerts) / static_cast<double>(c.alerts);
  }
  if (c.labels > 0) c.recall = static_cast<double>(c.detected) / static_cast<double>(c.labels);
  if (c.detected > 0) c.time_to_detect_s = delay_sum / static_cast<double>(c.detected);
}

std::string ratio(const std::optional<double>& v) {
  if (!v) return "-";
  std::array<char, 16> b{};
  std::snprintf(b.data(), b.size(), "%.3f", *v);
  return b.data();
}

std::string seconds(const std::optional<double>& v) {
  if (!v) return "-";
  std::array<char, 24> b{};
  std::snprintf(b.data(), b.size(), "%.2f", *v);
  return b.data();
}

void write_optional(JsonWriter& w, std::string_view key, const std::optional<double>& v) {
  if (v) {
    w.kv(key, *v);
  } else {
    w.key(key).null();
  }
}

void write_counts(JsonWriter& w, const ClassScore& c) {
  write_optional(w, "precision", c.precision);
  write_optional(w, "strict_precision", c.strict_precision);
  write_optional(w, "recall", c.recall);
  write_optional(w, "time_to_detect_s", c.time_to_detect_s);
  w.kv("labels", static_cast<std::uint64_t>(c.labels))
      .kv("detected", static_cast<std::uint64_t>(c.detected))
      .kv("alerts", static_cast<std::uint64_t>(c.alerts))
      .kv("true_alerts", static_cast<std::uint64_t>(c.true_alerts))
      .kv("related_alerts", static_cast<std::uint64_t>(c.related_alerts));
}

}  // namespace

Scorecard score(const std::vector<Label>& labels, const std::vector<ObservedAlert>& alerts,
                const MatchOptions& o) {
  Scorecard s;
  std::map<std::string_view, ClassScore> by_class;
  std::map<std::string_view, double> delay_sum;
  s.labels.reserve(labels.size());
  for (const Label& l : labels) {
    s.labels.push_back(LabelResult{&l, 0, std::nullopt, {}});
    ++by_class[l.cls].labels;
  }
  for (const ObservedAlert& a : alerts) {
    std::string_view cls = class_of_alert(a.rule, a.service);
    if (cls.empty()) cls = kOther;
    ClassScore& c = by_class[cls];
    ++c.alerts;
    bool is_true = false;
    for (LabelResult& r : s.labels) {
      if (!detects(*r.label, a, cls, o)) continue;
      is_true = true;
      ++r.alerts;
      const double delay = std::max(0.0, a.ts - r.label->start_ts);
      if (!r.detect_delay_s || delay < *r.detect_delay_s) {
        r.detect_delay_s = delay;
        r.first_rule = a.rule;
      }
    }
    if (is_true) {
      ++c.true_alerts;
      continue;
    }
    for (const LabelResult& r : s.labels) {
      if (!during(*r.label, a, o)) continue;
      ++c.related_alerts;
      break;
    }
  }
  for (const LabelResult& r : s.labels) {
    if (!r.detect_delay_s) continue;
    ++by_class[r.label->cls].detected;
    delay_sum[r.label->cls] += *r.detect_delay_s;
  }
  double total_delay = 0;
  for (std::string_view cls : attack_classes()) {
    const auto it = by_class.find(cls);
    if (it == by_class.end()) continue;
    ClassScore c = it->second;
    c.cls = std::string(cls);
    finish(c, delay_sum[cls]);
    s.classes.push_back(c);
  }
  if (const auto it = by_class.find(kOther); it != by_class.end()) {
    ClassScore c = it->second;
    c.cls = std::string(kOther);
    finish(c, 0);
    s.classes.push_back(c);
  }
  for (const ClassScore& c : s.classes) {
    s.overall.labels += c.labels;
    s.overall.detected += c.detected;
    s.overall.alerts += c.alerts;
    s.overall.true_alerts += c.true_alerts;
    s.overall.related_alerts += c.related_alerts;
  }
  for (const auto& [cls, d] : delay_sum) total_delay += d;
  finish(s.overall, total_delay);
  return s;
}

std::string format_scorecard_text(const Scorecard& s) {
  std::string out;
  std::array<char, 256> b{};
  std::snprintf(b.data(), b.size(), "%-26s %9s %7s %7s %7s %7s %8s %10s\n", "class", "precision",
                "recall", "labels", "found", "alerts", "related", "ttd_s");
  out += b.data();
  const auto row = [&](const ClassScore& c, const std::string& name) {
    std::snprintf(b.data(), b.size(), "%-26s %9s %7s %7zu %7zu %7zu %8zu %10s\n", name.c_str(),
                  ratio(c.precision).c_str(), ratio(c.recall).c_str(), c.labels, c.detected,
                  c.alerts, c.related_alerts, seconds(c.time_to_detect_s).c_str());
    out += b.data();
  };
  for (const ClassScore& c : s.classes) row(c, c.cls);
  row(s.overall, "overall");
  for (const LabelResult& r : s.labels) {
    if (r.detect_delay_s) continue;
    out += "missed: " + r.label->cls + " from " + r.label->attacker.to_string() + " at " +
           seconds(r.label->start_ts) +
           (r.label->description.empty() ? "" : " (" + r.label->description + ")") + "\n";
  }
  return out;
}

std::string format_scorecard_json(const Scorecard& s) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  write_counts(w, s.overall);
  w.key("classes").begin_object();
  for (const ClassScore& c : s.classes) {
    w.key(c.cls).begin_object();
    write_counts(w, c);
    w.end_object();
  }
  w.end_object();
  w.key("label_results").begin_array();
  for (const LabelResult& r : s.labels) {
    w.begin_object()
        .kv("class", r.label->cls)
        .kv("attacker_ip", r.label->attacker.to_string())
        .kv("start_ts", r.label->start_ts)
        .kv("end_ts", r.label->end_ts)
        .kv("alerts", static_cast<std::uint64_t>(r.alerts));
    write_optional(w, "time_to_detect_s", r.detect_delay_s);
    if (!r.first_rule.empty()) w.kv("first_rule", r.first_rule);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  return out;
}

}  // namespace ward::eval
