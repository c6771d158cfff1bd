// The `ward vuln` subcommands as functions (the CLI in src/cli/main.cc only parses options):
//   ward vuln advisories [--advisories DIR] [--format table|json|csv]
//   ward vuln match --vendor V --model M [--version X] [--advisories DIR] [--sbom DIR]
//                   [--format ...]
//   ward vuln update --from DIR [--advisories DIR]
// Each returns what to print and the exit code: 0 success; 1 some input could not be loaded
// (bad advisory files: each is reported with file and JSON pointer); 2 a usage or
// configuration error (missing corpus directory, bad alias table).
// Not thread-safe with respect to the corpus directory: `update` writes into it.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/json_writer.h"
#include "common/result.h"
#include "vuln/assess.h"
#include "vuln/cyclonedx.h"
#include "vuln/matcher.h"
#include "vuln/risk.h"

namespace ward::vuln {

enum class OutputFormat : std::uint8_t { kTable, kJson, kCsv };
// "table" (also "text"), "json", "csv"; false for anything else.
bool parse_output_format(std::string_view s, OutputFormat& out);

struct CommandResult {
  int exit_code = 0;
  std::string out;  // for stdout
  std::string err;  // for stderr
};

struct VulnPaths {
  std::filesystem::path advisories;  // corpus directory
  std::filesystem::path aliases;     // vendor alias table (JSON); empty: none
  std::filesystem::path sbom;        // CycloneDX BOM and VEX files (`match --sbom`); empty: none
};

// The default corpus: <exe dir>/../share/ward/advisories if installed there, else the
// compiled-in install prefix's share/ward/advisories, else the source tree's data/advisories.
// The alias table is looked up the same way (share/ward/vendor_aliases.json, data/...).
VulnPaths default_paths(const std::filesystem::path& exe);

CommandResult run_advisories(const VulnPaths& paths, OutputFormat format);
// Without paths.sbom: the advisory matches. With it: the findings of vuln/assess.h (advisory
// matches, SBOM component matches, VEX effects); SBOM files that cannot be loaded are reported
// with file and JSON pointer and make the exit code 1.
CommandResult run_match(const VulnPaths& paths, const DeviceIdentity& device, OutputFormat format);
// One device the inventory identified, with what the traffic showed about it.
struct ObservedDevice {
  std::string id;  // the inventory's device id ("mac:..." or "ip:...")
  std::string ip;  // its current address
  DeviceClass device_class = DeviceClass::kUnknown;
  DeviceIdentity identity;  // best vendor, model, version
  Exposure exposure;
};

// The assessment of one observed device: its findings (scored and VEX-suppressed) and risk.
struct DeviceAssessment {
  const ObservedDevice* device = nullptr;
  std::vector<Finding> findings;
  RiskScore risk;
};

struct FleetAssessment {
  std::vector<DeviceAssessment> devices;  // highest risk first
  std::size_t unidentified = 0;           // devices without vendor or model: not assessed
};

// Matches and scores every device with a vendor and a model (vuln/assess.h, vuln/risk.h).
// The result points into `devices`, which must outlive it.
FleetAssessment assess_devices(const std::vector<ObservedDevice>& devices, const Matcher& matcher,
                               const SbomSet& sboms);

// One device's assessment as a JSON object (the `vuln` log line, and an element of
// `ward vuln assess --format json`): device, ip, class, vendor, model, version, risk, level,
// factors, findings, remediations.
void write_assessment_json(JsonWriter& w, const DeviceAssessment& a);

// The corpus and alias table of `paths`, ready to match. Advisory files that cannot be loaded
// are listed in `warnings` (file and JSON pointer) and skipped; an error when the alias table
// is bad or no advisory loads at all.
struct LoadedCorpus {
  std::optional<Matcher> matcher;
  SbomSet sboms;                      // from paths.sbom; empty without it
  std::vector<std::string> warnings;  // one per file that could not be loaded
};
Result<LoadedCorpus> load_corpus(const VulnPaths& paths);

// `ward vuln assess`: every observed device with a vendor and a model is matched (with
// paths.sbom, through vuln/assess.h so VEX applies) and scored (vuln/risk.h); devices are
// listed by score, highest first, each with its findings, factors and remediations. Devices
// without vendor or model are counted, not scored.
CommandResult run_assess(const VulnPaths& paths, const std::vector<ObservedDevice>& devices,
                         OutputFormat format);

// Validates every *.json under `from`; copies each good one into paths.advisories (an
// advisory already present with the same id is replaced only by a newer current_release_date
// or revision). Files are written to a temporary name and renamed, so a reader never sees a
// partial file.
CommandResult run_update(const VulnPaths& paths, const std::filesystem::path& from,
                         OutputFormat format);

}  // namespace ward::vuln
