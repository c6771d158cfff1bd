// CSAF 2.0 security advisories (OASIS CSAF v2.0, https://docs.oasis-open.org/csaf/csaf/v2.0/)
// loaded into Ward's data model: the advisory, its product tree resolved into products, and its
// vulnerabilities with CVSS, product status and remediations.
//
// Loading never throws and never crashes on bad input: a malformed document is a LoadError
// naming the file and the JSON pointer (RFC 6901) of the offending value
// ("icsma-20-170-04.json: /product_tree/branches/0/name: expected a string"). Loading a
// directory loads every good file and returns one error per bad one. Documents are bounded
// (CsafLimits): size, branch depth, number of products and vulnerabilities.
//
// Advisory values are plain data, immutable after loading and safe to share between threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace ward::vuln {

struct CsafLimits {
  std::size_t max_document_bytes = 8U << 20U;  // the largest ICSMA document is ~150 KB
  int max_branch_depth = 16;                   // CISA uses 3 (vendor/product/version)
  int max_json_depth = 64;                     // nesting of the whole document
  std::size_t max_products = 20000;
  std::size_t max_vulnerabilities = 10000;
};

// One product of the product tree: a leaf branch (or a full_product_names entry).
struct Product {
  std::string product_id;         // "CSAFPID-0001"
  std::string vendor;             // branch category "vendor"
  std::string family;             // "product_family", may be empty
  std::string name;               // "product_name"; for full_product_names the full name
  std::string version;            // "product_version" or "product_version_range" branch name, raw
  bool version_is_range = false;  // the branch category was product_version_range
  std::string full_name;          // product.name ("Alaris 8015 PC unit: Version 9.7")
  std::string json_path;          // "/product_tree/branches/0/branches/1/branches/0"
};

struct Cvss {
  double base_score = 0;
  std::string vector;   // "CVSS:3.0/AV:N/AC:L/..."
  std::string version;  // "3.0", "3.1"
  std::vector<std::string> product_ids;
};

struct Remediation {
  std::string category;  // vendor_fix, mitigation, workaround, none_available, no_fix_planned
  std::string details;
  std::string url;
  std::vector<std::string> product_ids;
};

struct ProductStatus {
  // CSAF 3.2.3.9: each list holds product ids.
  std::vector<std::string> known_affected, fixed, known_not_affected, first_affected, last_affected,
      first_fixed, recommended, under_investigation;
};

struct Vulnerability {
  std::string cve;  // may be empty (CSAF allows vulnerabilities without CVE)
  std::string cwe_id;
  std::string cwe_name;
  std::string title;
  std::vector<Cvss> scores;  // cvss_v3 only; CISA gives no v2 scores in ICSMA
  ProductStatus status;
  std::vector<Remediation> remediations;
  // REQUIRES nothing; the highest cvss_v3 base score, or nullopt.
  [[nodiscard]] const Cvss* max_cvss() const;
};

// What the advisory says about exploitation. CISA's ICSMA documents carry no CSAF `threats`
// of category exploit_status and no KEV flag; the only signal is the free-text document note
// titled "Exploitability" ("No known public exploits specifically target ...", "Exploits that
// target these vulnerabilities are publicly available"), which this classifies.
enum class ExploitSignal : std::uint8_t {
  kNotStated,
  kNoKnownPublicExploit,
  kPublicExploitAvailable,
  kKnownExploited,  // a `threats` entry of category exploit_status says exploitation happened
};
std::string_view exploit_signal_name(ExploitSignal s);

struct Advisory {
  std::string id;  // document.tracking.id, "ICSMA-20-170-04"
  std::string title;
  std::string current_release_date;
  std::string revision;  // document.tracking.version
  std::string publisher;
  std::string source_file;  // path as given to the loader
  std::vector<Product> products;
  std::vector<Vulnerability> vulnerabilities;
  ExploitSignal exploit = ExploitSignal::kNotStated;
  std::optional<bool> remotely_exploitable;  // from the same note ("not exploitable remotely")
  std::string exploitability_text;           // the note, verbatim

  [[nodiscard]] const Product* find_product(std::string_view product_id) const;
};

struct LoadError {
  std::string file;
  std::string json_pointer;  // "" for the whole document (I/O, size, syntax)
  std::string message;
  // "<file>: <json_pointer>: <message>" (the pointer part omitted when empty)
  [[nodiscard]] std::string to_string() const;
};

// Parses one document. `file` only names it in errors and Advisory::source_file.
Result<Advisory, LoadError> parse_csaf(std::string_view json_text, std::string_view file,
                                       const CsafLimits& limits = {});
Result<Advisory, LoadError> load_csaf_file(const std::filesystem::path& path,
                                           const CsafLimits& limits = {});

struct Corpus {
  std::vector<Advisory> advisories;  // sorted by id
  std::vector<LoadError> errors;     // one per file that could not be loaded, sorted by file
};

// Loads every `*.json` file under `dir`, recursively (bounded to 100,000 files). A missing or
// unreadable directory is one error with an empty pointer.
Corpus load_csaf_directory(const std::filesystem::path& dir, const CsafLimits& limits = {});

}  // namespace ward::vuln
