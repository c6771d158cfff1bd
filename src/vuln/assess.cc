#include "vuln/assess.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <utility>

#include "vuln/version.h"

namespace ward::vuln {
namespace {

bool same_cve(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) ==
                  std::toupper(static_cast<unsigned char>(y));
         });
}

bool has_cve(const std::vector<std::string>& cves, std::string_view cve) {
  return std::any_of(cves.begin(), cves.end(),
                     [cve](const std::string& c) { return same_cve(c, cve); });
}

// True iff the subject names this device model: a vendor key in common, every product token
// of the subject named by the device, and the subject's version equal to the device's (or
// the subject has none). `reason` says which.
bool subject_binds(const CdxComponent& s, const DeviceIdentity& d, const Matcher& m,
                   std::string& reason) {
  if (d.vendor.empty() || d.model.empty() || s.name.empty()) return false;
  const std::vector<std::string> device_keys = m.vendor_keys(d.vendor);
  const std::vector<std::string> vendors = s.vendor_names();
  bool vendor = false;
  for (const std::string& v : vendors)
    for (const std::string& k : m.vendor_keys(v))
      vendor = vendor || std::find(device_keys.begin(), device_keys.end(), k) != device_keys.end();
  if (!vendor) return false;
  const std::vector<std::string> st = product_tokens(s.name, vendors.front());
  const std::vector<std::string> dt = product_tokens(d.model, d.vendor);
  if (st.empty() || !std::includes(dt.begin(), dt.end(), st.begin(), st.end())) return false;
  if (s.version.empty()) {
    reason = "subject vendor+product (the SBOM names no version)";
    return true;
  }
  if (d.version.empty() || compare_versions(s.version, d.version) != 0) return false;
  reason = "subject vendor+product+version " + s.version;
  return true;
}

// A BOM-Link "urn:cdx:<serial>/<version>#<bom-ref>" split into serial and bom-ref.
bool split_bom_link(std::string_view ref, std::string& serial, std::string& bom_ref) {
  constexpr std::string_view kPrefix = "urn:cdx:";
  if (!ref.starts_with(kPrefix)) return false;
  ref.remove_prefix(kPrefix.size());
  const std::size_t slash = ref.find('/');
  const std::size_t hash = ref.find('#');
  if (slash == std::string_view::npos || hash == std::string_view::npos || hash < slash)
    return false;
  serial = std::string(ref.substr(0, slash));
  bom_ref = std::string(ref.substr(hash + 1));
  return true;
}

// One VEX statement resolved to what it is about.
struct Applied {
  VexEffect effect;
  const CdxDocument* target_doc = nullptr;
  const CdxComponent* target = nullptr;
  bool subject = false;  // about the device model itself
  const CdxVulnerability* vuln = nullptr;
};

// The state a statement gives `version`, or nullopt if it says nothing about that version.
std::optional<VexState> state_for(const CdxVulnerability& v, const CdxAffects& a,
                                  const std::string& version) {
  const VexState declared = v.state == VexState::kNone ? VexState::kAffected : v.state;
  if (a.versions.empty()) return declared;
  if (version.empty()) return std::nullopt;  // versioned statement, unknown version
  for (const CdxVersionEntry& e : a.versions) {
    bool hit = false;
    if (!e.version.empty()) {
      hit = compare_versions(e.version, version) == 0;
    } else {
      const VersionRange r = parse_range(e.range);
      hit = r.ok && r.contains(version);
    }
    if (!hit) continue;
    if (v.state != VexState::kNone) return v.state;
    if (e.status == "unaffected") return VexState::kNotAffected;
    if (e.status == "unknown") return VexState::kUnderInvestigation;
    return VexState::kAffected;
  }
  return std::nullopt;
}

std::string effect_text(const VexEffect& e) {
  std::string s =
      e.cve + ": " + (e.state_raw.empty() ? std::string(vex_state_name(e.state)) : e.state_raw);
  if (!e.justification.empty()) s += " (" + e.justification + ")";
  return s;
}

// Applies the statements relevant to `f` (about the subject, or about f's component).
void apply_vex(Finding& f, const std::vector<Applied>& statements, const CdxComponent* component) {
  std::vector<std::string> kept;
  for (const std::string& cve : f.cves) {
    const Applied* affected = nullptr;
    const Applied* triage = nullptr;
    const Applied* removed = nullptr;
    for (const Applied& a : statements) {
      if (!same_cve(a.effect.cve, cve)) continue;
      if (!a.subject && a.target != component) continue;
      switch (a.effect.state) {
        case VexState::kAffected:
        case VexState::kNone:
          if (affected == nullptr) affected = &a;
          break;
        case VexState::kUnderInvestigation:
          if (triage == nullptr) triage = &a;
          break;
        case VexState::kNotAffected:
        case VexState::kFixed:
          if (removed == nullptr) removed = &a;
          break;
      }
    }
    // Conflicting statements: the one that keeps the CVE wins (affected, then in triage).
    if (affected != nullptr) {
      f.confirmed.push_back(affected->effect);
      f.confirmed.back().cve = cve;
      kept.push_back(cve);
    } else if (triage != nullptr) {
      f.investigating.push_back(triage->effect);
      f.investigating.back().cve = cve;
      kept.push_back(cve);
    } else if (removed != nullptr) {
      f.removed.push_back(removed->effect);
      f.removed.back().cve = cve;
    } else {
      kept.push_back(cve);
    }
  }
  f.cves = std::move(kept);
  if (f.cves.empty() && !f.removed.empty()) {
    f.suppressed_by_vex = true;
    for (const VexEffect& e : f.removed) {
      if (!f.suppression.empty()) f.suppression += "; ";
      f.suppression += effect_text(e);
    }
  }
}

}  // namespace

std::string_view finding_source_name(FindingSource s) {
  switch (s) {
    case FindingSource::kAdvisory:
      return "advisory";
    case FindingSource::kSbomComponent:
      return "sbom_component";
    case FindingSource::kVex:
      return "vex";
  }
  return "advisory";
}

Assessment assess(const DeviceIdentity& device, const Matcher& matcher, const SbomSet& sboms) {
  Assessment out;
  // 1. Documents whose subject is this device model.
  std::vector<const CdxDocument*> bound;
  for (const CdxDocument& d : sboms.documents) {
    std::string reason;
    if (!d.subject || !subject_binds(*d.subject, device, matcher, reason)) continue;
    bound.push_back(&d);
    out.documents.push_back({d.file, d.subject->describe(), reason, d.components.size(), 0});
  }
  const auto bound_by_serial = [&bound](const std::string& serial) -> const CdxDocument* {
    for (const CdxDocument* b : bound)
      if (!serial.empty() && b->serial_uuid() == serial) return b;
    return nullptr;
  };
  // 2. VEX statements about them: in a bound document, or addressed by BOM-Link from any.
  std::vector<Applied> statements;
  std::set<std::pair<const CdxVulnerability*, const CdxComponent*>> seen;
  for (const CdxDocument& d : sboms.documents) {
    const bool is_bound = std::find(bound.begin(), bound.end(), &d) != bound.end();
    std::size_t used = 0;
    for (const CdxVulnerability& v : d.vulnerabilities) {
      if (v.id.empty()) continue;
      for (const CdxAffects& a : v.affects) {
        const CdxDocument* tdoc = nullptr;
        const CdxComponent* target = nullptr;
        std::string serial;
        std::string ref;
        if (split_bom_link(a.ref, serial, ref)) {
          tdoc = bound_by_serial(serial);
          if (tdoc != nullptr) target = tdoc->find(ref);
        } else if (is_bound) {
          // A plain bom-ref: this document's, else one of another document bound to the
          // same model (a VEX file beside its SBOM).
          tdoc = &d;
          target = d.find(a.ref);
          for (const CdxDocument* b : bound) {
            if (target != nullptr) break;
            tdoc = b;
            target = b->find(a.ref);
          }
        }
        if (target == nullptr) continue;
        const bool subject = tdoc->subject && target == &*tdoc->subject;
        const std::optional<VexState> st =
            state_for(v, a, subject ? device.version : target->version);
        if (!st || !seen.insert({&v, target}).second) continue;
        Applied ap;
        ap.effect.cve = v.id;
        ap.effect.state = *st;
        ap.effect.state_raw = v.state_raw;
        if (ap.effect.state_raw.empty())
          ap.effect.state_raw = std::string(vex_state_name(*st)) + " (version status)";
        ap.effect.justification = v.justification;
        ap.effect.detail = v.detail;
        ap.effect.responses = v.responses;
        ap.effect.vex_file = d.file;
        ap.effect.statement = v.json_path;
        ap.effect.target = subject ? "subject " + target->describe() : target->describe();
        ap.target_doc = tdoc;
        ap.target = target;
        ap.subject = subject;
        ap.vuln = &v;
        statements.push_back(std::move(ap));
        ++used;
      }
    }
    if (used == 0) continue;
    const auto it = std::find_if(out.documents.begin(), out.documents.end(),
                                 [&d](const BoundDocument& b) { return b.file == d.file; });
    if (it != out.documents.end()) {
      it->statements = used;
    } else {
      out.documents.push_back({d.file, d.subject ? d.subject->describe() : "",
                               "VEX by BOM-Link to a bound SBOM", 0, used});
    }
  }

  // 3. Findings: the device itself, then each component of a bound SBOM.
  std::vector<std::string> all_cves;
  for (const Match& m : matcher.match(device)) {
    Finding f;
    f.source = FindingSource::kAdvisory;
    f.match = m;
    f.cves = m.cves;
    all_cves.insert(all_cves.end(), m.cves.begin(), m.cves.end());
    apply_vex(f, statements, nullptr);
    out.findings.push_back(std::move(f));
  }
  for (const CdxDocument* d : bound) {
    for (const CdxComponent& c : d->components) {
      std::set<std::string> advisories;
      for (const std::string& vendor : c.vendor_names()) {
        for (const Match& m : matcher.match({vendor, c.name, c.version})) {
          if (!advisories.insert(m.advisory_id).second) continue;
          // The device already matches this advisory itself: note the component there.
          const auto own =
              std::find_if(out.findings.begin(), out.findings.end(), [&m](const Finding& f) {
                return f.source == FindingSource::kAdvisory && f.match.advisory_id == m.advisory_id;
              });
          if (own != out.findings.end()) {
            own->match.reason += "; also via SBOM component " + c.describe();
            continue;
          }
          Finding f;
          f.source = FindingSource::kSbomComponent;
          f.match = m;
          f.match.reason = "via SBOM component " + c.describe() + ": " + m.reason;
          f.sbom_file = d->file;
          f.component = c.describe();
          f.component_ref = c.bom_ref;
          f.component_path = c.json_path;
          f.cves = m.cves;
          all_cves.insert(all_cves.end(), m.cves.begin(), m.cves.end());
          apply_vex(f, statements, &c);
          out.findings.push_back(std::move(f));
        }
      }
    }
  }
  // 4. CVEs a VEX statement says affect the device (or a component) that no advisory lists.
  std::set<std::pair<std::string, const CdxComponent*>> vex_made;
  for (const Applied& a : statements) {
    if (a.effect.state != VexState::kAffected || has_cve(all_cves, a.effect.cve)) continue;
    if (!vex_made.insert({a.effect.cve, a.target}).second) continue;
    Finding f;
    f.source = FindingSource::kVex;
    f.match.advisory_id = a.effect.cve;
    f.match.advisory_title = a.effect.detail;
    f.match.vendor = a.target->vendor_names().empty() ? "" : a.target->vendor_names().front();
    f.match.product = a.target->name;
    f.match.cves = {a.effect.cve};
    f.match.max_cvss = a.vuln->max_score.value_or(0);
    f.match.max_cvss_vector = a.vuln->vector;
    f.match.confidence = Confidence::kHigh;  // the manufacturer's own statement
    f.match.reason = "VEX " + a.effect.vex_file + " " + a.effect.statement + ": " +
                     a.effect.state_raw + " for " + a.effect.target;
    f.match.remediation = a.vuln->recommendation;
    f.vex_file = a.effect.vex_file;
    f.vex_statement = a.effect.statement;
    f.rating_method = a.vuln->method;
    f.recommendation = a.vuln->recommendation;
    if (!a.subject) {
      f.sbom_file = a.target_doc->file;
      f.component = a.target->describe();
      f.component_ref = a.target->bom_ref;
      f.component_path = a.target->json_path;
    }
    f.cves = {a.effect.cve};
    f.confirmed.push_back(a.effect);
    out.findings.push_back(std::move(f));
  }
  return out;
}

}  // namespace ward::vuln
