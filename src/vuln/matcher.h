// Matches a device identity (vendor, model, version) against the products of a CSAF corpus.
//
// Vendors are compared by canonical key: names are normalised (case, punctuation, "™"/"®",
// trailing "Inc"/"Ltd"/"AG"...) and looked up in a user-extensible alias table
// (data/vendor_aliases.json: "Becton, Dickinson and Company (BD)" = "BD", "Phillips" =
// "Philips"). Product names are compared as sets of normalised tokens. The version is checked
// against the product's parsed VersionRange (vuln/version.h). Each match states a confidence
// and the reason for it (docs/vuln.md "Confidence").
//
// A Matcher is built once from a corpus (it keeps copies of what it needs) and is then
// immutable: match() is const and safe to call from several threads at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "vuln/csaf.h"
#include "vuln/version.h"

namespace ward::vuln {

struct DeviceIdentity {
  std::string vendor;
  std::string model;    // model or product name as observed ("Alaris 8015 PC Unit")
  std::string version;  // firmware/software version; empty when unknown
};

enum class Confidence : std::uint8_t { kLow = 0, kMedium = 1, kHigh = 2 };
std::string_view confidence_name(Confidence c);

struct Match {
  std::string advisory_id;
  std::string advisory_title;
  std::string vendor;      // as the advisory writes it
  std::string product;     // advisory product name (family + name)
  std::string product_id;  // the best-matching product of the advisory
  std::vector<std::string> cves;
  double max_cvss = 0;  // 0 when the advisory gives no CVSS v3 score
  std::string max_cvss_vector;
  std::string affected;      // VersionRange::describe() of the matched product
  std::string affected_raw;  // the branch name as written
  std::optional<std::string> fixed_version;
  std::string remediation;  // first vendor_fix (else mitigation) text for the product, shortened
  Confidence confidence = Confidence::kLow;
  std::string reason;
  ExploitSignal exploit = ExploitSignal::kNotStated;
};

// Normalised form used for vendor and product comparison: lower-case ASCII, "™®©" and other
// non-ASCII bytes dropped, punctuation as single spaces, trimmed.
std::string normalize_name(std::string_view s);

// The tokens a product name is compared by: normalised words without stop words and without the
// words of `vendor` (unless nothing else is left), sorted and unique.
std::vector<std::string> product_tokens(std::string_view product, std::string_view vendor);

// Vendor alias table. JSON: {"vendors": [{"name": "BD", "aliases": ["Becton, Dickinson and
// Company", "CareFusion", ...]}, ...]}.
class VendorAliases {
 public:
  VendorAliases() = default;
  static Result<VendorAliases> parse(std::string_view json_text, std::string_view file);
  static Result<VendorAliases> load(const std::filesystem::path& path);

  // Canonical keys for a vendor string as advisories and devices write it: the alias entry
  // of the whole name, else of each part of a list ("Silex Technology and GE Healthcare"),
  // else the normalised name itself. Never empty for a non-empty name.
  [[nodiscard]] std::vector<std::string> keys(std::string_view vendor) const;
  [[nodiscard]] std::size_t size() const { return key_of_.size(); }

 private:
  std::unordered_map<std::string, std::string> key_of_;  // normalised alias -> canonical key
};

class Matcher {
 public:
  Matcher(const std::vector<Advisory>& advisories, VendorAliases aliases);

  // Matches sorted by confidence (high first), then max CVSS, then advisory id. One match per
  // advisory (its best product). A device without vendor or model matches nothing.
  [[nodiscard]] std::vector<Match> match(const DeviceIdentity& d) const;

  // The canonical vendor keys of `vendor` under this matcher's alias table.
  [[nodiscard]] std::vector<std::string> vendor_keys(std::string_view vendor) const {
    return aliases_.keys(vendor);
  }

  [[nodiscard]] std::size_t product_count() const { return entries_.size(); }
  [[nodiscard]] std::size_t vendor_count() const { return by_vendor_.size(); }

 private:
  struct AdvisoryInfo {
    std::string id, title;
    std::vector<std::string> cves;
    double max_cvss = 0;
    std::string max_cvss_vector;
    ExploitSignal exploit = ExploitSignal::kNotStated;
  };
  struct Entry {
    std::size_t advisory = 0;  // index into advisories_
    std::string vendor, product, product_id;
    std::vector<std::string> tokens;  // sorted, unique; empty: the tree names no product
    // When the version text names models ("882300 Gemini 16 Slice"): name + that text.
    std::vector<std::string> model_tokens;
    VersionRange range;
    std::optional<std::string> fixed_version;
    std::string remediation;
  };

  VendorAliases aliases_;
  std::vector<AdvisoryInfo> advisories_;
  std::vector<Entry> entries_;
  std::unordered_map<std::string, std::vector<std::size_t>> by_vendor_;  // key -> entries
};

// The fixed version a remediation text names ("update to Version 1.7.15b or later",
// "upgrade to v14.0.4"), if any.
std::optional<std::string> fixed_version_from_text(std::string_view text);

}  // namespace ward::vuln
