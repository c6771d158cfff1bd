// Assessment of one device against the advisory corpus and the manufacturers' CycloneDX SBOMs
// and VEX documents (docs/vuln.md "SBOM and VEX").
//
// assess() collects the device's findings:
//   1. the advisories that match the device itself (Matcher::match);
//   2. the SBOMs whose subject is this device model (bound: a vendor key in common, the
//      product-name tokens of one include the other's, and the subject's version equal to the
//      device's or absent); each of their components is matched against the advisories
//      (vendor = supplier / manufacturer / publisher / group, model = name) -> a finding "via
//      SBOM component X";
//   3. VEX statements about the bound subjects and their components (in the SBOM itself, in a
//      VEX document whose subject binds the same way, or addressed by BOM-Link to a bound BOM)
//      applied to every finding's CVEs: not_affected / fixed remove the CVE (a finding left
//      with none is kept, marked suppressed_by_vex, and not scored); in_triage keeps it and
//      says so; exploitable confirms it, and an exploitable CVE no finding lists becomes a
//      finding of its own (source VEX).
// Every finding names where it came from: advisory id, SBOM file + component, VEX file +
// statement (JSON pointer).
//
// Pure function of its arguments; thread-safe when the Matcher and SbomSet are not modified.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vuln/cyclonedx.h"
#include "vuln/matcher.h"

namespace ward::vuln {

enum class FindingSource : std::uint8_t {
  kAdvisory,       // the device itself matches an advisory
  kSbomComponent,  // a component of the device's SBOM matches an advisory
  kVex,            // a VEX statement says the device (or a component) is affected
};
std::string_view finding_source_name(FindingSource s);  // "advisory", "sbom_component", "vex"

// One VEX statement applied to one CVE of a finding.
struct VexEffect {
  std::string cve;
  VexState state = VexState::kNone;
  std::string state_raw;      // as written: "not_affected", "resolved", "in_triage", ...
  std::string justification;  // "code_not_reachable"; may be empty
  std::string detail;
  std::vector<std::string> responses;
  std::string vex_file;
  std::string statement;  // JSON pointer of the statement: "/vulnerabilities/3"
  std::string target;     // what the statement is about: "subject" or the component described
};

struct Finding {
  FindingSource source = FindingSource::kAdvisory;
  // For kAdvisory / kSbomComponent: the advisory match. For kVex: advisory_id and cves hold
  // the CVE, max_cvss / max_cvss_vector the statement's highest rating, reason says why.
  Match match;
  // kSbomComponent (and kVex about a component): where the component was read.
  std::string sbom_file;
  std::string component;       // CdxComponent::describe()
  std::string component_ref;   // its bom-ref
  std::string component_path;  // its JSON pointer
  // kVex: the statement that produced the finding.
  std::string vex_file;
  std::string vex_statement;
  std::string rating_method;  // "CVSSv31"
  std::string recommendation;

  std::vector<std::string> cves;         // CVEs still applying after VEX
  std::vector<VexEffect> removed;        // not_affected / fixed: no longer apply
  std::vector<VexEffect> investigating;  // in_triage: still apply, the vendor is looking
  std::vector<VexEffect> confirmed;      // exploitable: the vendor confirms
  bool suppressed_by_vex = false;        // every CVE removed: shown, not scored
  std::string suppression;               // "CVE-...: not_affected (code_not_reachable); ..."

  // False for suppressed findings: the risk score must not count them.
  [[nodiscard]] bool scored() const { return !suppressed_by_vex; }
};

// A document that was bound to the device, and why.
struct BoundDocument {
  std::string file;
  std::string subject;  // CdxComponent::describe() of its subject, or "" (BOM-Link only)
  std::string reason;   // "subject vendor+product+version", "BOM-Link to <serial>", ...
  std::size_t components = 0;
  std::size_t statements = 0;
};

struct Assessment {
  std::vector<BoundDocument> documents;
  // Advisory findings first (the Matcher's order), then component findings, then VEX ones.
  std::vector<Finding> findings;
};

Assessment assess(const DeviceIdentity& device, const Matcher& matcher, const SbomSet& sboms);

}  // namespace ward::vuln
