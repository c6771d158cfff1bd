#include "vuln/commands.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <optional>
#include <system_error>

#include "common/json_writer.h"
#include "vuln/assess.h"

#ifndef WARD_SOURCE_DATA_DIR
#define WARD_SOURCE_DATA_DIR ""
#endif
#ifndef WARD_INSTALL_DATA_DIR
#define WARD_INSTALL_DATA_DIR ""
#endif

namespace ward::vuln {
namespace {

namespace fs = std::filesystem;

std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (const std::string& s : v) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

std::string score_text(double s) {
  std::array<char, 16> buf{};
  std::snprintf(buf.data(), buf.size(), "%.1f", s);
  return buf.data();
}

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

std::string date_only(const std::string& iso) {
  return iso.substr(0, std::min<std::size_t>(10, iso.size()));
}

std::vector<std::string> vendors_of(const Advisory& a) {
  std::vector<std::string> v;
  for (const Product& p : a.products)
    if (!p.vendor.empty() && std::find(v.begin(), v.end(), p.vendor) == v.end())
      v.push_back(p.vendor);
  return v;
}

struct AdvisorySummary {
  std::vector<std::string> cves;
  double max_cvss = 0;
  struct Bad {
    std::string product_id, product, version, reason;
  };
  std::vector<Bad> uninterpretable;
};

AdvisorySummary summarise(const Advisory& a) {
  AdvisorySummary s;
  for (const Vulnerability& v : a.vulnerabilities) {
    if (!v.cve.empty() && std::find(s.cves.begin(), s.cves.end(), v.cve) == s.cves.end())
      s.cves.push_back(v.cve);
    if (const Cvss* c = v.max_cvss(); c != nullptr)
      s.max_cvss = std::max(s.max_cvss, c->base_score);
  }
  for (const Product& p : a.products) {
    if (p.version.empty()) continue;
    const VersionRange r = parse_range(p.version);
    if (!r.ok) s.uninterpretable.push_back({p.product_id, p.name, p.version, r.reason});
  }
  return s;
}

void write_error_json(JsonWriter& w, const LoadError& e) {
  w.begin_object().kv("file", e.file).kv("json_pointer", e.json_pointer).kv("message", e.message);
  w.end_object();
}

Result<VendorAliases> load_aliases(const VulnPaths& paths) {
  if (paths.aliases.empty()) return VendorAliases{};
  return VendorAliases::load(paths.aliases);
}

void write_effects_json(JsonWriter& w, const char* key, const std::vector<VexEffect>& effects) {
  w.key(key).begin_array();
  for (const VexEffect& e : effects) {
    w.begin_object()
        .kv("cve", e.cve)
        .kv("state", vex_state_name(e.state))
        .kv("state_raw", e.state_raw)
        .kv("justification", e.justification)
        .kv("detail", e.detail);
    w.key("response").begin_array();
    for (const std::string& r : e.responses) w.value(r);
    w.end_array();
    w.kv("vex_file", e.vex_file).kv("statement", e.statement).kv("target", e.target).end_object();
  }
  w.end_array();
}

std::string effects_text(const std::vector<VexEffect>& effects) {
  std::string out;
  for (const VexEffect& e : effects) {
    if (!out.empty()) out += "; ";
    out += e.cve + " " + e.state_raw;
    if (!e.justification.empty()) out += " (" + e.justification + ")";
    out += " [" + e.vex_file + " " + e.statement + "]";
  }
  return out;
}

// `ward vuln match --sbom`: the findings of assess() with their VEX effects.
void render_assessment(CommandResult& r, const DeviceIdentity& device, const Assessment& a,
                       const SbomSet& sboms, OutputFormat format) {
  if (format == OutputFormat::kJson) {
    JsonWriter w(r.out);
    w.begin_object();
    w.key("device")
        .begin_object()
        .kv("vendor", device.vendor)
        .kv("model", device.model)
        .kv("version", device.version)
        .end_object();
    w.key("sbom_documents").begin_array();
    for (const BoundDocument& d : a.documents)
      w.begin_object()
          .kv("file", d.file)
          .kv("subject", d.subject)
          .kv("reason", d.reason)
          .kv("components", static_cast<std::uint64_t>(d.components))
          .kv("vex_statements", static_cast<std::uint64_t>(d.statements))
          .end_object();
    w.end_array();
    w.key("findings").begin_array();
    for (const Finding& f : a.findings) {
      const Match& x = f.match;
      w.begin_object()
          .kv("source", finding_source_name(f.source))
          .kv("advisory", x.advisory_id)
          .kv("title", x.advisory_title)
          .kv("confidence", confidence_name(x.confidence))
          .kv("reason", x.reason)
          .kv("vendor", x.vendor)
          .kv("product", x.product)
          .kv("product_id", x.product_id);
      w.kv("sbom_file", f.sbom_file)
          .kv("component", f.component)
          .kv("component_ref", f.component_ref)
          .kv("component_path", f.component_path)
          .kv("vex_file", f.vex_file)
          .kv("vex_statement", f.vex_statement);
      w.key("cves").begin_array();
      for (const std::string& cve : f.cves) w.value(cve);
      w.end_array();
      w.key("advisory_cves").begin_array();
      for (const std::string& cve : x.cves) w.value(cve);
      w.end_array();
      write_effects_json(w, "vex_removed", f.removed);
      write_effects_json(w, "vex_under_investigation", f.investigating);
      write_effects_json(w, "vex_affected", f.confirmed);
      w.kv("suppressed_by_vex", f.suppressed_by_vex)
          .kv("suppression", f.suppression)
          .kv("scored", f.scored())
          .kv("max_cvss", x.max_cvss)
          .kv("cvss_vector", x.max_cvss_vector)
          .kv("rating_method", f.rating_method)
          .kv("affected", x.affected);
      if (x.fixed_version) {
        w.kv("fixed_version", *x.fixed_version);
      } else {
        w.key("fixed_version").null();
      }
      w.kv("remediation", x.remediation).kv("exploit", exploit_signal_name(x.exploit));
      w.end_object();
    }
    w.end_array();
    w.key("sbom_errors").begin_array();
    for (const LoadError& e : sboms.errors) write_error_json(w, e);
    w.end_array().end_object();
    r.out += "\n";
  } else if (format == OutputFormat::kCsv) {
    r.out =
        "source,advisory,confidence,max_cvss,cves,suppressed_by_vex,vex_removed,"
        "vex_under_investigation,vex_affected,product,component,sbom_file,reason\n";
    for (const Finding& f : a.findings)
      r.out += std::string(finding_source_name(f.source)) + "," + csv_field(f.match.advisory_id) +
               "," + std::string(confidence_name(f.match.confidence)) + "," +
               score_text(f.match.max_cvss) + "," + csv_field(join(f.cves, " ")) + "," +
               (f.suppressed_by_vex ? "true" : "false") + "," + csv_field(effects_text(f.removed)) +
               "," + csv_field(effects_text(f.investigating)) + "," +
               csv_field(effects_text(f.confirmed)) + "," + csv_field(f.match.product) + "," +
               csv_field(f.component) + "," + csv_field(f.sbom_file) + "," +
               csv_field(f.match.reason) + "\n";
  } else {
    r.out = "Device: " + device.vendor + " / " + device.model + " / " +
            (device.version.empty() ? std::string("version unknown") : device.version) + "\n";
    for (const BoundDocument& d : a.documents)
      r.out += "SBOM/VEX: " + d.file + " (" + d.reason + "; " + std::to_string(d.components) +
               " components, " + std::to_string(d.statements) + " VEX statements applied)\n";
    if (a.documents.empty()) r.out += "No SBOM or VEX document names this device model\n";
    if (a.findings.empty()) r.out += "No findings\n";
    for (const Finding& f : a.findings) {
      const Match& x = f.match;
      r.out += "\n" + x.advisory_id + "  [" + std::string(confidence_name(x.confidence)) +
               "]  CVSS " + score_text(x.max_cvss) + "  (" +
               std::string(finding_source_name(f.source)) + ")" +
               (f.suppressed_by_vex ? "  SUPPRESSED BY VEX (not scored)" : "") + "  " +
               x.advisory_title + "\n";
      if (!x.product.empty()) r.out += "  product:     " + x.product + "\n";
      if (!f.component.empty())
        r.out +=
            "  component:   " + f.component + " (" + f.sbom_file + " " + f.component_path + ")\n";
      r.out +=
          "  CVEs:        " + (f.cves.empty() ? std::string("none left") : join(f.cves, ", ")) +
          "\n";
      for (const VexEffect& e : f.removed)
        r.out += "  VEX removed: " + e.cve + " " + e.state_raw +
                 (e.justification.empty() ? "" : " (" + e.justification + ")") + " [" + e.vex_file +
                 " " + e.statement + "]" + (e.detail.empty() ? "" : ": " + e.detail) + "\n";
      for (const VexEffect& e : f.investigating)
        r.out += "  VEX triage:  " + e.cve + " under investigation [" + e.vex_file + " " +
                 e.statement + "]\n";
      for (const VexEffect& e : f.confirmed)
        r.out += "  VEX affected: " + e.cve + " " + e.state_raw + " [" + e.vex_file + " " +
                 e.statement + "]\n";
      if (!x.affected.empty()) r.out += "  affected:    " + x.affected + "\n";
      if (x.fixed_version) r.out += "  fixed in:    " + *x.fixed_version + "\n";
      r.out += "  why:         " + x.reason + "\n";
      if (!x.remediation.empty()) r.out += "  remediation: " + x.remediation + "\n";
    }
  }
}

bool newer(const Advisory& candidate, const std::string& date, const std::string& revision) {
  if (candidate.current_release_date != date) return candidate.current_release_date > date;
  return compare_versions(candidate.revision, revision) > 0;
}

}  // namespace

bool parse_output_format(std::string_view s, OutputFormat& out) {
  if (s == "table" || s == "text") {
    out = OutputFormat::kTable;
  } else if (s == "json") {
    out = OutputFormat::kJson;
  } else if (s == "csv") {
    out = OutputFormat::kCsv;
  } else {
    return false;
  }
  return true;
}

VulnPaths default_paths(const fs::path& exe) {
  std::vector<fs::path> roots;
  std::error_code ec;
  if (!exe.empty()) {
    const fs::path abs = fs::weakly_canonical(exe, ec);
    if (!ec) roots.push_back(abs.parent_path().parent_path() / "share/ward");
  }
  if (*WARD_INSTALL_DATA_DIR != '\0') roots.emplace_back(WARD_INSTALL_DATA_DIR);
  if (*WARD_SOURCE_DATA_DIR != '\0') roots.emplace_back(WARD_SOURCE_DATA_DIR);
  VulnPaths p;
  for (const fs::path& r : roots) {
    if (p.advisories.empty() && fs::is_directory(r / "advisories", ec))
      p.advisories = r / "advisories";
    if (p.aliases.empty() && fs::is_regular_file(r / "vendor_aliases.json", ec))
      p.aliases = r / "vendor_aliases.json";
  }
  if (p.advisories.empty() && !roots.empty()) p.advisories = roots.back() / "advisories";
  return p;
}

CommandResult run_advisories(const VulnPaths& paths, OutputFormat format) {
  CommandResult r;
  const Corpus c = load_csaf_directory(paths.advisories);
  std::size_t products = 0;
  std::size_t vulns = 0;
  std::size_t with_bad = 0;
  std::vector<AdvisorySummary> sums;
  for (const Advisory& a : c.advisories) {
    products += a.products.size();
    vulns += a.vulnerabilities.size();
    sums.push_back(summarise(a));
    with_bad += sums.back().uninterpretable.empty() ? 0 : 1;
  }
  if (format == OutputFormat::kJson) {
    JsonWriter w(r.out);
    w.begin_object().kv("advisories_dir", paths.advisories.string());
    w.key("advisories").begin_array();
    for (std::size_t i = 0; i < c.advisories.size(); ++i) {
      const Advisory& a = c.advisories[i];
      w.begin_object()
          .kv("id", a.id)
          .kv("title", a.title)
          .kv("current_release_date", a.current_release_date)
          .kv("revision", a.revision)
          .kv("file", a.source_file);
      w.key("vendors").begin_array();
      for (const std::string& v : vendors_of(a)) w.value(v);
      w.end_array();
      w.kv("products", static_cast<std::uint64_t>(a.products.size()));
      w.key("cves").begin_array();
      for (const std::string& cve : sums[i].cves) w.value(cve);
      w.end_array();
      w.kv("max_cvss", sums[i].max_cvss).kv("exploit", exploit_signal_name(a.exploit));
      w.key("uninterpretable").begin_array();
      for (const auto& b : sums[i].uninterpretable)
        w.begin_object()
            .kv("product_id", b.product_id)
            .kv("product", b.product)
            .kv("version", b.version)
            .kv("reason", b.reason)
            .end_object();
      w.end_array().end_object();
    }
    w.end_array();
    w.key("errors").begin_array();
    for (const LoadError& e : c.errors) write_error_json(w, e);
    w.end_array().end_object();
    r.out += "\n";
  } else if (format == OutputFormat::kCsv) {
    r.out =
        "id,current_release_date,revision,vendors,title,products,cves,max_cvss,exploit,"
        "uninterpretable_versions\n";
    for (std::size_t i = 0; i < c.advisories.size(); ++i) {
      const Advisory& a = c.advisories[i];
      r.out += csv_field(a.id) + "," + csv_field(a.current_release_date) + "," +
               csv_field(a.revision) + "," + csv_field(join(vendors_of(a), "; ")) + "," +
               csv_field(a.title) + "," + std::to_string(a.products.size()) + "," +
               csv_field(join(sums[i].cves, " ")) + "," + score_text(sums[i].max_cvss) + "," +
               std::string(exploit_signal_name(a.exploit)) + "," +
               std::to_string(sums[i].uninterpretable.size()) + "\n";
    }
  } else {
    r.out = pad("ID", 18) + pad("RELEASED", 12) + pad("VENDOR", 28) + "PROD CVES  CVSS  TITLE\n";
    for (std::size_t i = 0; i < c.advisories.size(); ++i) {
      const Advisory& a = c.advisories[i];
      std::string vendor = join(vendors_of(a), "; ");
      if (vendor.size() > 26) vendor = vendor.substr(0, 24) + "..";
      std::array<char, 64> nums{};
      std::snprintf(nums.data(), nums.size(), "%4zu %4zu %5.1f  ", a.products.size(),
                    sums[i].cves.size(), sums[i].max_cvss);
      r.out += pad(a.id, 18) + pad(date_only(a.current_release_date), 12) + pad(vendor, 28) +
               nums.data() + a.title + "\n";
    }
    r.out += "\n" + std::to_string(c.advisories.size()) + " advisories loaded from " +
             paths.advisories.string() + ": " + std::to_string(products) + " products, " +
             std::to_string(vulns) + " vulnerabilities\n";
    r.out += std::to_string(with_bad) +
             " advisories have product versions Ward cannot interpret (matched by vendor and "
             "product only, at medium or low confidence):\n";
    for (std::size_t i = 0; i < c.advisories.size(); ++i)
      for (const auto& b : sums[i].uninterpretable)
        r.out += "  " + c.advisories[i].id + "  " + b.product + ": '" + b.version +
                 "': " + b.reason + "\n";
  }
  for (const LoadError& e : c.errors) r.err += "ward vuln: " + e.to_string() + "\n";
  if (!c.errors.empty()) {
    r.err += "ward vuln: " + std::to_string(c.errors.size()) + " file(s) could not be loaded\n";
    r.exit_code = 1;
  }
  if (c.advisories.empty() && !c.errors.empty()) r.exit_code = 2;
  return r;
}

namespace {

// The matcher over the corpus and alias table of `paths`. Load errors of single advisory files
// go to r.err; nullopt (with r.exit_code 2) when the alias table is bad or no advisory loads.
std::optional<Matcher> load_matcher(const VulnPaths& paths, CommandResult& r) {
  auto aliases = load_aliases(paths);
  if (!aliases.ok()) {
    r.err = "ward vuln: " + aliases.error().message() + "\n";
    r.exit_code = 2;
    return std::nullopt;
  }
  const Corpus c = load_csaf_directory(paths.advisories);
  for (const LoadError& e : c.errors) r.err += "ward vuln: " + e.to_string() + "\n";
  if (c.advisories.empty()) {
    r.err += "ward vuln: no advisories loaded from " + paths.advisories.string() + "\n";
    r.exit_code = 2;
    return std::nullopt;
  }
  return std::optional<Matcher>(std::in_place, c.advisories, std::move(*aliases));
}

}  // namespace

Result<LoadedCorpus> load_corpus(const VulnPaths& paths) {
  LoadedCorpus out;
  CommandResult r;
  out.matcher = load_matcher(paths, r);
  // r.err holds one "ward vuln: ..." line per problem.
  std::vector<std::string> lines;
  for (std::size_t pos = 0; pos < r.err.size();) {
    const std::size_t nl = std::min(r.err.find('\n', pos), r.err.size());
    std::string line = r.err.substr(pos, nl - pos);
    if (line.rfind("ward vuln: ", 0) == 0) line.erase(0, 11);
    if (!line.empty()) lines.push_back(std::move(line));
    pos = nl + 1;
  }
  if (!out.matcher)
    return unexpected(invalid_argument(lines.empty() ? "no advisories" : lines.back()));
  out.warnings = std::move(lines);
  if (!paths.sbom.empty()) {
    out.sboms = load_cyclonedx_directory(paths.sbom);
    for (const LoadError& e : out.sboms.errors) out.warnings.push_back(e.to_string());
  }
  return out;
}

CommandResult run_match(const VulnPaths& paths, const DeviceIdentity& device, OutputFormat format) {
  CommandResult r;
  const std::optional<Matcher> m = load_matcher(paths, r);
  if (!m) return r;
  if (!paths.sbom.empty()) {
    const SbomSet sboms = load_cyclonedx_directory(paths.sbom);
    render_assessment(r, device, assess(device, *m, sboms), sboms, format);
    for (const LoadError& e : sboms.errors) r.err += "ward vuln: " + e.to_string() + "\n";
    if (!sboms.errors.empty()) {
      r.err += "ward vuln: " + std::to_string(sboms.errors.size()) +
               " SBOM/VEX file(s) could not be loaded\n";
      r.exit_code = 1;
    }
    return r;
  }
  const std::vector<Match> ms = m->match(device);
  if (format == OutputFormat::kJson) {
    JsonWriter w(r.out);
    w.begin_object();
    w.key("device")
        .begin_object()
        .kv("vendor", device.vendor)
        .kv("model", device.model)
        .kv("version", device.version)
        .end_object();
    w.key("matches").begin_array();
    for (const Match& x : ms) {
      w.begin_object()
          .kv("advisory", x.advisory_id)
          .kv("title", x.advisory_title)
          .kv("confidence", confidence_name(x.confidence))
          .kv("reason", x.reason)
          .kv("vendor", x.vendor)
          .kv("product", x.product)
          .kv("product_id", x.product_id);
      w.key("cves").begin_array();
      for (const std::string& cve : x.cves) w.value(cve);
      w.end_array();
      w.kv("max_cvss", x.max_cvss)
          .kv("cvss_vector", x.max_cvss_vector)
          .kv("affected", x.affected)
          .kv("affected_raw", x.affected_raw);
      if (x.fixed_version) {
        w.kv("fixed_version", *x.fixed_version);
      } else {
        w.key("fixed_version").null();
      }
      w.kv("remediation", x.remediation).kv("exploit", exploit_signal_name(x.exploit));
      w.end_object();
    }
    w.end_array().end_object();
    r.out += "\n";
  } else if (format == OutputFormat::kCsv) {
    r.out =
        "advisory,confidence,max_cvss,cvss_vector,cves,product,affected,fixed_version,reason,"
        "remediation\n";
    for (const Match& x : ms)
      r.out += csv_field(x.advisory_id) + "," + std::string(confidence_name(x.confidence)) + "," +
               score_text(x.max_cvss) + "," + csv_field(x.max_cvss_vector) + "," +
               csv_field(join(x.cves, " ")) + "," + csv_field(x.product) + "," +
               csv_field(x.affected) + "," + csv_field(x.fixed_version.value_or("")) + "," +
               csv_field(x.reason) + "," + csv_field(x.remediation) + "\n";
  } else {
    r.out = "Device: " + device.vendor + " / " + device.model + " / " +
            (device.version.empty() ? std::string("version unknown") : device.version) + "\n";
    if (ms.empty()) r.out += "No matching advisory in " + paths.advisories.string() + "\n";
    for (const Match& x : ms) {
      r.out += "\n" + x.advisory_id + "  [" + std::string(confidence_name(x.confidence)) +
               "]  CVSS " + score_text(x.max_cvss) + "  " + x.advisory_title + "\n";
      r.out += "  product:     " + x.product + " (" + x.product_id + "), vendor " + x.vendor + "\n";
      r.out += "  affected:    " + x.affected + "\n";
      if (x.fixed_version) r.out += "  fixed in:    " + *x.fixed_version + "\n";
      r.out += "  CVEs:        " + join(x.cves, ", ") + "\n";
      r.out += "  vector:      " + x.max_cvss_vector + "\n";
      r.out += "  exploit:     " + std::string(exploit_signal_name(x.exploit)) + "\n";
      r.out += "  why:         " + x.reason + "\n";
      if (!x.remediation.empty()) r.out += "  remediation: " + x.remediation + "\n";
    }
  }
  return r;
}

FleetAssessment assess_devices(const std::vector<ObservedDevice>& devices, const Matcher& matcher,
                               const SbomSet& sboms) {
  FleetAssessment out;
  for (const ObservedDevice& d : devices) {
    if (d.identity.vendor.empty() || d.identity.model.empty()) {
      ++out.unidentified;
      continue;
    }
    DeviceAssessment a{&d, assess(d.identity, matcher, sboms).findings, {}};
    std::vector<Match> counted;
    for (const Finding& f : a.findings)
      if (f.scored()) counted.push_back(f.match);
    a.risk = score_device(d.device_class, counted, d.exposure);
    out.devices.push_back(std::move(a));
  }
  std::stable_sort(out.devices.begin(), out.devices.end(),
                   [](const DeviceAssessment& a, const DeviceAssessment& b) {
                     return a.risk.score > b.risk.score;
                   });
  return out;
}

void write_assessment_json(JsonWriter& w, const DeviceAssessment& s) {
  const ObservedDevice& d = *s.device;
  w.begin_object()
      .kv("device", d.id)
      .kv("ip", d.ip)
      .kv("class", device_class_name(d.device_class))
      .kv("vendor", d.identity.vendor)
      .kv("model", d.identity.model)
      .kv("version", d.identity.version)
      .kv("risk", static_cast<std::uint64_t>(s.risk.score))
      .kv("level", s.risk.level);
  w.key("factors").begin_array();
  for (const RiskFactor& f : s.risk.factors)
    w.begin_object()
        .kv("name", f.name)
        .kv("points", static_cast<std::uint64_t>(f.points))
        .kv("detail", f.detail)
        .end_object();
  w.end_array();
  w.key("findings").begin_array();
  for (const Finding& f : s.findings) {
    w.begin_object()
        .kv("source", finding_source_name(f.source))
        .kv("advisory", f.match.advisory_id)
        .kv("confidence", confidence_name(f.match.confidence))
        .kv("reason", f.match.reason)
        .kv("max_cvss", f.match.max_cvss)
        .kv("cvss_vector", f.match.max_cvss_vector)
        .kv("affected", f.match.affected)
        .kv("scored", f.scored());
    w.key("cves").begin_array();
    for (const std::string& cve : f.cves) w.value(cve);
    w.end_array();
    if (f.suppressed_by_vex) w.kv("suppression", f.suppression);
    w.end_object();
  }
  w.end_array();
  w.key("remediations").begin_array();
  for (const RemediationStep& step : s.risk.remediations)
    w.begin_object()
        .kv("kind", remediation_kind_name(step.kind))
        .kv("action", step.action)
        .kv("reason", step.reason)
        .kv("advisory", step.advisory_id)
        .end_object();
  w.end_array();
  w.end_object();
}

CommandResult run_assess(const VulnPaths& paths, const std::vector<ObservedDevice>& devices,
                         OutputFormat format) {
  CommandResult r;
  const std::optional<Matcher> m = load_matcher(paths, r);
  if (!m) return r;
  const SbomSet sboms = paths.sbom.empty() ? SbomSet{} : load_cyclonedx_directory(paths.sbom);
  for (const LoadError& e : sboms.errors) r.err += "ward vuln: " + e.to_string() + "\n";
  if (!sboms.errors.empty()) r.exit_code = 1;

  const FleetAssessment fleet = assess_devices(devices, *m, sboms);
  const std::vector<DeviceAssessment>& scored = fleet.devices;
  const std::size_t unidentified = fleet.unidentified;

  if (format == OutputFormat::kJson) {
    JsonWriter w(r.out);
    w.begin_object().key("devices").begin_array();
    for (const DeviceAssessment& s : scored) write_assessment_json(w, s);
    w.end_array();
    w.kv("unidentified_devices", static_cast<std::uint64_t>(unidentified));
    w.end_object();
    return r;
  }
  if (format == OutputFormat::kCsv) {
    r.out = "device,ip,class,vendor,model,version,risk,level,advisories,cves\n";
    for (const DeviceAssessment& s : scored) {
      const ObservedDevice& d = *s.device;
      std::vector<std::string> ids;
      std::vector<std::string> cves;
      for (const Finding& f : s.findings) {
        if (!f.scored()) continue;
        ids.push_back(f.match.advisory_id);
        cves.insert(cves.end(), f.cves.begin(), f.cves.end());
      }
      r.out += csv_field(d.id) + "," + csv_field(d.ip) + "," +
               csv_field(device_class_name(d.device_class)) + "," + csv_field(d.identity.vendor) +
               "," + csv_field(d.identity.model) + "," + csv_field(d.identity.version) + "," +
               std::to_string(s.risk.score) + "," + std::string(s.risk.level) + "," +
               csv_field(join(ids, " ")) + "," + csv_field(join(cves, " ")) + "\n";
    }
    return r;
  }
  for (const DeviceAssessment& s : scored) {
    const ObservedDevice& d = *s.device;
    r.out += "risk " + std::to_string(s.risk.score) + " " + std::string(s.risk.level) + "  " +
             d.ip + "  " + std::string(device_class_name(d.device_class)) + "  " +
             d.identity.vendor + " / " + d.identity.model + " / " +
             (d.identity.version.empty() ? std::string("?") : d.identity.version) + "\n";
    for (const RiskFactor& f : s.risk.factors)
      r.out += "  " + pad(f.name, 15) + pad(std::to_string(f.points), 4) + f.detail + "\n";
    for (const Finding& f : s.findings) {
      r.out += "  " + std::string(f.scored() ? "finding  " : "vex-suppressed  ") +
               f.match.advisory_id + " [" + std::string(confidence_name(f.match.confidence)) +
               "] CVSS " + score_text(f.match.max_cvss) + "  " + join(f.cves, ", ") + "\n";
    }
    int n = 0;
    for (const RemediationStep& step : s.risk.remediations)
      r.out += "  " + std::to_string(++n) + ". " + std::string(remediation_kind_name(step.kind)) +
               ": " + step.action + "  (" + step.reason + ")\n";
    r.out += "\n";
  }
  r.out += std::to_string(scored.size()) + " devices assessed, " + std::to_string(unidentified) +
           " without vendor and model not assessed\n";
  return r;
}

CommandResult run_update(const VulnPaths& paths, const fs::path& from, OutputFormat format) {
  CommandResult r;
  std::error_code ec;
  if (!fs::is_directory(from, ec)) {
    r.err = "ward vuln update: " + from.string() + ": not a directory\n";
    r.exit_code = 2;
    return r;
  }
  fs::create_directories(paths.advisories, ec);
  if (ec) {
    r.err = "ward vuln update: " + paths.advisories.string() + ": " + ec.message() + "\n";
    r.exit_code = 2;
    return r;
  }
  // What the corpus holds now: id -> (file, date, revision).
  struct Held {
    fs::path file;
    std::string date, revision;
  };
  std::map<std::string, Held> held;
  const Corpus existing = load_csaf_directory(paths.advisories);
  for (const Advisory& a : existing.advisories)
    held[a.id] = {a.source_file, a.current_release_date, a.revision};

  struct Outcome {
    std::string file, action, id, detail;
  };
  std::vector<Outcome> outcomes;
  std::vector<LoadError> rejected;
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(from, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec) && it->path().extension() == ".json") files.push_back(it->path());
    if (files.size() >= 100000) break;
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& f : files) {
    auto a = load_csaf_file(f);
    if (!a.ok()) {
      rejected.push_back(a.error());
      continue;
    }
    fs::path dest = paths.advisories / fs::relative(f, from, ec);
    if (ec) dest = paths.advisories / f.filename();
    const auto h = held.find(a->id);
    if (h != held.end()) {
      if (!newer(*a, h->second.date, h->second.revision)) {
        outcomes.push_back(
            {f.string(), "unchanged", a->id,
             "corpus already has release " + h->second.date + " revision " + h->second.revision});
        continue;
      }
      dest = h->second.file;  // replace the older revision in place
    } else if (fs::exists(dest, ec)) {
      rejected.push_back(
          {f.string(), "", "would overwrite " + dest.string() + ", which holds another advisory"});
      continue;
    }
    fs::create_directories(dest.parent_path(), ec);
    const fs::path tmp = dest.string() + ".ward-tmp";
    fs::copy_file(f, tmp, fs::copy_options::overwrite_existing, ec);
    if (!ec) fs::rename(tmp, dest, ec);
    if (ec) {
      fs::remove(tmp, ec);
      rejected.push_back({f.string(), "", "cannot write " + dest.string() + ": " + ec.message()});
      continue;
    }
    outcomes.push_back({f.string(), h != held.end() ? "replaced" : "added", a->id, dest.string()});
    held[a->id] = {dest, a->current_release_date, a->revision};
  }
  if (format == OutputFormat::kJson) {
    JsonWriter w(r.out);
    w.begin_object().kv("advisories_dir", paths.advisories.string()).kv("from", from.string());
    w.key("files").begin_array();
    for (const Outcome& o : outcomes)
      w.begin_object()
          .kv("file", o.file)
          .kv("action", o.action)
          .kv("id", o.id)
          .kv("detail", o.detail)
          .end_object();
    w.end_array();
    w.key("rejected").begin_array();
    for (const LoadError& e : rejected) write_error_json(w, e);
    w.end_array().end_object();
    r.out += "\n";
  } else if (format == OutputFormat::kCsv) {
    r.out = "file,action,id,detail\n";
    for (const Outcome& o : outcomes)
      r.out += csv_field(o.file) + "," + o.action + "," + csv_field(o.id) + "," +
               csv_field(o.detail) + "\n";
    for (const LoadError& e : rejected)
      r.out +=
          csv_field(e.file) + ",rejected,," + csv_field(e.json_pointer + ": " + e.message) + "\n";
  } else {
    for (const Outcome& o : outcomes)
      r.out += pad(o.action, 10) + o.id + "  " + o.file + " (" + o.detail + ")\n";
    std::size_t added = 0;
    std::size_t replaced = 0;
    for (const Outcome& o : outcomes) {
      added += o.action == "added" ? 1 : 0;
      replaced += o.action == "replaced" ? 1 : 0;
    }
    r.out += std::to_string(added) + " added, " + std::to_string(replaced) + " replaced, " +
             std::to_string(outcomes.size() - added - replaced) + " unchanged, " +
             std::to_string(rejected.size()) + " rejected; corpus: " + paths.advisories.string() +
             "\n";
  }
  for (const LoadError& e : rejected) r.err += "ward vuln update: rejected " + e.to_string() + "\n";
  if (!rejected.empty()) r.exit_code = 1;
  return r;
}

}  // namespace ward::vuln
