#include "engine/report.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <vector>

#include "common/json_writer.h"
#include "detect/alert.h"

namespace ward::engine {
namespace {

std::string human_bytes(std::uint64_t b) {
  std::array<char, 32> buf{};
  if (b >= (1ULL << 30))
    std::snprintf(buf.data(), buf.size(), "%.2f GiB", static_cast<double>(b) / (1ULL << 30));
  else if (b >= (1ULL << 20))
    std::snprintf(buf.data(), buf.size(), "%.1f MiB", static_cast<double>(b) / (1ULL << 20));
  else if (b >= 1024)
    std::snprintf(buf.data(), buf.size(), "%.1f KiB", static_cast<double>(b) / 1024);
  else
    std::snprintf(buf.data(), buf.size(), "%llu B", static_cast<unsigned long long>(b));
  return buf.data();
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// Devices per identified class ("infusion_pump" -> 3).
std::map<std::string, std::uint64_t> device_classes(const MonitorReport& r) {
  std::map<std::string, std::uint64_t> out;
  for (const auto& d : r.inventory)
    ++out[std::string(inventory::device_class_name(d.device_class()))];
  return out;
}

}  // namespace

std::string format_report_text(const MonitorReport& r) {
  std::string out;
  std::array<char, 512> buf{};
  out += "Ward monitor: " + r.source + "\n";
  const double span =
      r.last_ts > r.first_ts ? static_cast<double>(r.last_ts - r.first_ts) / 1e9 : 0.0;
  std::snprintf(
      buf.data(), buf.size(), "  %llu packets, %s, %.1f s of traffic, processed in %.2f s\n",
      static_cast<unsigned long long>(r.packets), human_bytes(r.bytes).c_str(), span, r.elapsed_s);
  out += buf.data();
  std::snprintf(buf.data(), buf.size(), "  %llu flows, %zu devices seen\n",
                static_cast<unsigned long long>(r.flows.flows_created), r.devices);
  out += buf.data();
  if (const auto classes = device_classes(r); !classes.empty()) {
    // Identified classes, most common first; `ward inventory` has the details.
    std::vector<std::pair<std::string, std::uint64_t>> v(classes.begin(), classes.end());
    std::stable_sort(v.begin(), v.end(),
                     [](const auto& x, const auto& y) { return x.second > y.second; });
    out += "  identified:";
    bool first = true;
    for (const auto& [c, n] : v) {
      if (c == "unknown") continue;
      out += (first ? " " : ", ") + std::to_string(n) + " " + c;
      first = false;
    }
    if (classes.contains("unknown"))
      out += (first ? " " : ", ") + std::to_string(classes.at("unknown")) + " unknown";
    out += "\n";
  }
  if (!r.services.empty()) {
    out += "  protocols:";
    bool first = true;
    for (const auto& [svc, n] : r.services) {
      out +=
          (first ? " " : ", ") + svc + " (" + std::to_string(n) + (n == 1 ? " flow)" : " flows)");
      first = false;
    }
    out += "\n";
  }
  std::uint64_t total = 0;
  for (auto n : r.alerts_by_severity) total += n;
  std::snprintf(buf.data(), buf.size(),
                "  alerts: %llu critical, %llu high, %llu medium, %llu low, %llu info\n",
                static_cast<unsigned long long>(r.alerts_by_severity[4]),
                static_cast<unsigned long long>(r.alerts_by_severity[3]),
                static_cast<unsigned long long>(r.alerts_by_severity[2]),
                static_cast<unsigned long long>(r.alerts_by_severity[1]),
                static_cast<unsigned long long>(r.alerts_by_severity[0]));
  out += buf.data();
  std::uint64_t shown = 0;
  for (const AlertLine& a : r.top_alerts) {
    std::string line = "    " + upper(a.severity) +
                       std::string(a.severity.size() < 8 ? 8 - a.severity.size() : 1, ' ') + a.rule;
    if (a.count > 1) line += " (x" + std::to_string(a.count) + ")";
    line += "  " + a.src + " -> " + a.dst + "  " + a.summary;
    out += line + "\n";
    shown += a.count;
  }
  if (total > shown) out += "    ... " + std::to_string(total - shown) + " more in the alert log\n";
  if (r.vuln_assessed) {
    // The devices that match advisories, riskiest first (`ward vuln assess` has the details).
    std::size_t vulnerable = 0;
    for (const RiskLine& d : r.risks) vulnerable += d.advisories.empty() ? 0 : 1;
    out += "  vulnerable: " + std::to_string(vulnerable) + " of " + std::to_string(r.risks.size()) +
           " identified devices match advisories\n";
    std::size_t listed = 0;
    for (const RiskLine& d : r.risks) {
      if (d.advisories.empty()) continue;
      if (listed++ == 3) {
        out += "    ... " + std::to_string(vulnerable - 3) + " more in the vuln log\n";
        break;
      }
      std::string ids;
      for (const std::string& a : d.advisories) ids += (ids.empty() ? "" : ", ") + a;
      std::snprintf(buf.data(), buf.size(), "    risk %3d %-8s %s %s (%s %s %s): %s\n", d.score,
                    d.level.c_str(), d.ip.c_str(), d.device_class.c_str(), d.vendor.c_str(),
                    d.model.c_str(), d.version.empty() ? "?" : d.version.c_str(), ids.c_str());
      out += buf.data();
    }
  }
  std::uint64_t anomalies = 0;
  for (const auto& [id, n] : r.anomalies) anomalies += n;
  if (anomalies > 0) {
    out += "  anomalies: " + std::to_string(anomalies) + " (";
    int shown = 0;
    for (const auto& [id, n] : r.anomalies) {
      if (shown++ == 4) {
        out += ", ...";
        break;
      }
      out += (shown > 1 ? ", " : "") + id + " " + std::to_string(n);
    }
    out += ")\n";
  }
  if (r.flows.flows_evicted > 0)
    out += "  flow table full: " + std::to_string(r.flows.flows_evicted) +
           " flows evicted (raise flow.max_flows)\n";
  if (!r.logs.empty()) {
    std::string dir = r.logs.begin()->second.first;
    dir = dir.substr(0, dir.rfind('/'));
    out += "  logs: " + dir + "/{";
    bool first = true;
    for (const auto& [name, info] : r.logs) {
      out += (first ? "" : ",") + name;
      first = false;
    }
    out += "}.jsonl\n";
  }
  if (!r.db_path.empty()) out += "  database: " + r.db_path + "\n";
  if (!r.input_error.ok())
    out += "  INPUT ERROR: " + r.input_error.message() + " (everything before it was processed)\n";
  if (!r.output_error.ok()) out += "  OUTPUT ERROR: " + r.output_error.message() + "\n";
  return out;
}

std::string format_report_json(const MonitorReport& r) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.kv("source", r.source);
  w.kv("packets", r.packets).kv("bytes", r.bytes);
  w.key("first_ts").raw(format_ts(r.first_ts)).key("last_ts").raw(format_ts(r.last_ts));
  w.kv("elapsed_s", r.elapsed_s).kv("peak_rss_kib", r.peak_rss_kib);
  w.key("flows")
      .begin_object()
      .kv("created", r.flows.flows_created)
      .kv("evicted", r.flows.flows_evicted)
      .kv("peak", r.flows.peak_flows)
      .kv("parsers_attached", r.flows.parsers_attached)
      .kv("tcp_missed_bytes", r.flows.tcp_missed_bytes)
      .end_object();
  w.key("decode")
      .begin_object()
      .kv("malformed", r.decode.malformed)
      .kv("unsupported", r.decode.unsupported)
      .kv("fragments", r.decode.fragments)
      .kv("reassembled", r.decode.reassembled)
      .kv("fragments_dropped", r.decode.fragments_dropped)
      .end_object();
  w.key("capture")
      .begin_object()
      .kv("kernel_dropped", r.capture.kernel_dropped)
      .kv("interface_dropped", r.capture.iface_dropped)
      .end_object();
  w.key("services").begin_object();
  for (const auto& [k, v] : r.services) w.kv(k, v);
  w.end_object();
  w.kv("devices", static_cast<std::uint64_t>(r.devices));
  w.key("device_classes").begin_object();
  for (const auto& [k, v] : device_classes(r)) w.kv(k, v);
  w.end_object();
  w.key("alerts").begin_object();
  for (int s = 4; s >= 0; --s)
    w.kv(detect::severity_name(static_cast<detect::Severity>(s)), r.alerts_by_severity[s]);
  w.kv("suppressed", r.alerts_suppressed);
  w.end_object();
  w.key("top_alerts").begin_array();
  for (const AlertLine& a : r.top_alerts) {
    w.begin_object()
        .kv("severity", a.severity)
        .kv("rule", a.rule)
        .kv("technique", a.technique)
        .kv("src", a.src)
        .kv("dst", a.dst)
        .kv("uid", a.uid)
        .kv("count", a.count)
        .kv("summary", a.summary)
        .end_object();
  }
  w.end_array();
  if (r.vuln_assessed) {
    w.key("vulnerabilities").begin_object();
    w.kv("assessed", static_cast<std::uint64_t>(r.risks.size()))
        .kv("unidentified", static_cast<std::uint64_t>(r.vuln_unidentified));
    w.key("devices").begin_array();
    for (const RiskLine& d : r.risks) {
      if (d.advisories.empty()) continue;
      w.begin_object()
          .kv("device", d.device)
          .kv("ip", d.ip)
          .kv("class", d.device_class)
          .kv("vendor", d.vendor)
          .kv("model", d.model)
          .kv("version", d.version)
          .kv("risk", static_cast<std::uint64_t>(d.score))
          .kv("level", d.level);
      w.key("advisories").begin_array();
      for (const std::string& a : d.advisories) w.value(a);
      w.end_array().end_object();
    }
    w.end_array().end_object();
  }
  w.key("anomalies").begin_object();
  for (const auto& [k, v] : r.anomalies) w.kv(k, v);
  w.end_object();
  w.key("logs").begin_object();
  for (const auto& [name, info] : r.logs)
    w.key(name).begin_object().kv("path", info.first).kv("lines", info.second).end_object();
  w.end_object();
  if (!r.db_path.empty()) w.kv("database", r.db_path);
  if (!r.input_error.ok()) w.kv("input_error", r.input_error.message());
  if (!r.output_error.ok()) w.kv("output_error", r.output_error.message());
  w.end_object();
  return out;
}

}  // namespace ward::engine
