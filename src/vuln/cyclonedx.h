// CycloneDX BOM and VEX documents (JSON, specification 1.2 to 1.6,
// https://cyclonedx.org/specification/) loaded into Ward's data model: the document's subject
// (metadata.component), its components (nested `components` flattened, each with the JSON pointer
// it came from) and its vulnerabilities with ratings, CWEs, the VEX analysis and what they affect.
//
// Loading never throws and never crashes on bad input: a malformed document is a LoadError
// naming the file and the JSON pointer of the offending value ("pump.cdx.json:
// /components/2/supplier/name: expected a string, found number"). A directory load returns
// every good document and one error per bad file. Documents are bounded (CycloneDxLimits).
// VEX-only documents (vulnerabilities, no components, maybe no subject) are valid.
//
// Documents are plain data, immutable after loading and safe to share between threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "vuln/csaf.h"

namespace ward::vuln {

struct CycloneDxLimits {
  std::size_t max_document_bytes = 16U << 20U;
  int max_json_depth = 64;       // nesting of the whole document
  int max_component_depth = 16;  // nested components[].components[]
  std::size_t max_components = 50000;
  std::size_t max_vulnerabilities = 20000;
  std::size_t max_affects = 10000;  // affects[] entries and their versions[] per document
};

struct CdxComponent {
  std::string bom_ref;
  std::string type;          // "application", "firmware", "device", "library", ...
  std::string supplier;      // supplier.name
  std::string manufacturer;  // manufacturer.name (1.6) or, before, metadata.manufacture.name
  std::string publisher;
  std::string group;
  std::string name;
  std::string version;
  std::string purl;
  std::string cpe;
  std::string json_path;  // "/metadata/component", "/components/3/components/0"

  // The organisations that may name the vendor, most specific first (supplier, manufacturer,
  // publisher, group), without empties and duplicates.
  [[nodiscard]] std::vector<std::string> vendor_names() const;
  // "Silex Technology SD-320AN 2.01" (first vendor name, name, version; empty parts left out).
  [[nodiscard]] std::string describe() const;
};

// CycloneDX 1.4+ vulnerabilities[].analysis.state, grouped as Ward applies them.
enum class VexState : std::uint8_t {
  kNone,                // no analysis
  kAffected,            // exploitable
  kNotAffected,         // not_affected, false_positive
  kFixed,               // resolved, resolved_with_pedigree
  kUnderInvestigation,  // in_triage
};
std::string_view vex_state_name(VexState s);  // "affected", "not_affected", "fixed", ...

struct CdxVersionEntry {
  std::string version;  // exactly one of version / range is set
  std::string range;    // "vers:generic/>=2.9|<=4.1"
  std::string status;   // "affected", "unaffected", "unknown" or "" (the default: affected)
};

struct CdxAffects {
  std::string ref;  // a bom-ref, or a BOM-Link "urn:cdx:<serial>/<version>#<bom-ref>"
  std::vector<CdxVersionEntry> versions;
};

struct CdxVulnerability {
  std::string id;  // "CVE-2021-44228"; may be empty
  std::string source;
  std::optional<double> max_score;  // highest ratings[].score
  std::string vector;               // of that rating
  std::string method;               // "CVSSv31", "CVSSv3", "CVSSv4", "OWASP", ...
  std::string severity;
  std::vector<std::uint32_t> cwes;
  std::string state_raw;  // analysis.state as written ("exploitable")
  VexState state = VexState::kNone;
  std::string justification;  // "code_not_reachable", ...
  std::vector<std::string> responses;
  std::string detail;
  std::string recommendation;
  std::vector<CdxAffects> affects;
  std::string json_path;  // "/vulnerabilities/3"
};

struct CdxDocument {
  std::string file;
  std::string spec_version;   // "1.4"
  std::string serial_number;  // "urn:uuid:..." or ""
  std::uint32_t version = 1;
  std::optional<CdxComponent> subject;   // metadata.component
  std::vector<CdxComponent> components;  // depth-first, nested ones after their parent
  std::vector<CdxVulnerability> vulnerabilities;

  // A component (or the subject) by bom-ref; nullptr if none.
  [[nodiscard]] const CdxComponent* find(std::string_view bom_ref) const;
  // "<serial uuid>" part of serialNumber ("urn:uuid:X" -> "X"), or "".
  [[nodiscard]] std::string serial_uuid() const;
};

Result<CdxDocument, LoadError> parse_cyclonedx(std::string_view json_text, std::string_view file,
                                               const CycloneDxLimits& limits = {});
Result<CdxDocument, LoadError> load_cyclonedx_file(const std::filesystem::path& path,
                                                   const CycloneDxLimits& limits = {});

struct SbomSet {
  std::vector<CdxDocument> documents;  // sorted by file
  std::vector<LoadError> errors;       // one per file that could not be loaded, sorted by file
};

// Loads every `*.json` file under `dir`, recursively (bounded to 100,000 files), BOMs and VEX
// documents alike. A missing directory is one error with an empty pointer.
SbomSet load_cyclonedx_directory(const std::filesystem::path& dir,
                                 const CycloneDxLimits& limits = {});

}  // namespace ward::vuln
