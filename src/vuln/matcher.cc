#include "vuln/matcher.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace ward::vuln {
namespace {

// Words that say nothing about which product is meant.
bool is_stop_word(std::string_view w) {
  static constexpr std::array<std::string_view, 24> kStop = {
      "the",    "and",     "with",     "for",      "of",     "a",      "an",       "series",
      "system", "systems", "software", "model",    "models", "family", "products", "product",
      "device", "devices", "version",  "versions", "all",    "only",   "on",       "in"};
  return std::find(kStop.begin(), kStop.end(), w) != kStop.end();
}

// Legal-form words removed from the end of a vendor name.
bool is_legal_suffix(std::string_view w) {
  static constexpr std::array<std::string_view, 15> kSuffix = {
      "inc", "ltd", "llc", "corp", "corporation", "co", "ag",     "gmbh",
      "plc", "oy",  "sa",  "se",   "nv",          "bv", "limited"};
  return std::find(kSuffix.begin(), kSuffix.end(), w) != kSuffix.end();
}

std::vector<std::string> split_words(const std::string& normalised) {
  std::vector<std::string> out;
  std::istringstream in(normalised);
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

std::string vendor_norm(std::string_view s) {
  std::vector<std::string> words = split_words(normalize_name(s));
  while (words.size() > 1 && is_legal_suffix(words.back())) words.pop_back();
  std::string out;
  for (const std::string& w : words) {
    if (!out.empty()) out += ' ';
    out += w;
  }
  return out;
}

std::vector<std::string> tokens_of(std::string_view s, const std::set<std::string>& drop) {
  std::vector<std::string> out;
  for (std::string& w : split_words(normalize_name(s))) {
    if (is_stop_word(w) || drop.count(w) != 0) continue;
    out.push_back(std::move(w));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string shorten(std::string_view s, std::size_t max_bytes) {
  std::string out;
  for (char c : s) out.push_back(c == '\n' || c == '\r' ? ' ' : c);
  if (out.size() <= max_bytes) return out;
  std::size_t cut = out.rfind(' ', max_bytes);
  if (cut == std::string::npos || cut < max_bytes / 2) cut = max_bytes;
  // Do not split a UTF-8 sequence.
  while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0U) == 0x80U) --cut;
  out.resize(cut);
  return out + "...";
}

enum class ProductFit : std::uint8_t { kNone, kPartial, kFull };

// kFull: the device names every token of the product (possibly more); kPartial: the device's
// tokens are all in the product name, or they share at least two tokens covering two thirds of
// the product name.
ProductFit fit(const std::vector<std::string>& device, const std::vector<std::string>& product) {
  if (device.empty() || product.empty()) return ProductFit::kNone;
  if (std::includes(device.begin(), device.end(), product.begin(), product.end()))
    return ProductFit::kFull;
  if (std::includes(product.begin(), product.end(), device.begin(), device.end()))
    return ProductFit::kPartial;
  std::vector<std::string> common;
  std::set_intersection(device.begin(), device.end(), product.begin(), product.end(),
                        std::back_inserter(common));
  if (common.size() >= 2 && common.size() * 3 >= product.size() * 2) return ProductFit::kPartial;
  return ProductFit::kNone;
}

bool range_names_model(const VersionRange& r) {
  return !r.ok && r.reason.find("is not a version") != std::string::npos;
}

}  // namespace

std::string_view confidence_name(Confidence c) {
  switch (c) {
    case Confidence::kHigh:
      return "high";
    case Confidence::kMedium:
      return "medium";
    case Confidence::kLow:
      return "low";
  }
  return "low";
}

std::string normalize_name(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x80U) continue;  // ™ ® © and other non-ASCII bytes
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      out.push_back(static_cast<char>(c));
    } else if (c >= 'A' && c <= 'Z') {
      out.push_back(static_cast<char>(c - 'A' + 'a'));
    } else if (c == '&') {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
      out += "and ";
    } else if (!out.empty() && out.back() != ' ') {
      out.push_back(' ');
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::vector<std::string> product_tokens(std::string_view product, std::string_view vendor) {
  std::set<std::string> drop;
  for (const std::string& w : split_words(normalize_name(vendor))) drop.insert(w);
  std::vector<std::string> t = tokens_of(product, drop);
  return t.empty() ? tokens_of(product, {}) : t;
}

Result<VendorAliases> VendorAliases::parse(std::string_view json_text, std::string_view file) {
  const nlohmann::json j = nlohmann::json::parse(json_text.begin(), json_text.end(), nullptr,
                                                 /*allow_exceptions=*/false);
  const std::string f(file);
  if (j.is_discarded()) return unexpected(corrupt(f + ": invalid JSON"));
  const auto vendors = j.find("vendors");
  if (!j.is_object() || vendors == j.end() || !vendors->is_array())
    return unexpected(corrupt(f + ": /vendors: expected an array"));
  VendorAliases a;
  for (std::size_t i = 0; i < vendors->size(); ++i) {
    const std::string ptr = f + ": /vendors/" + std::to_string(i);
    const nlohmann::json& v = (*vendors)[i];
    if (!v.is_object() || !v.contains("name") || !v["name"].is_string())
      return unexpected(corrupt(ptr + "/name: expected a string"));
    const std::string key = vendor_norm(v["name"].get<std::string>());
    if (key.empty()) return unexpected(corrupt(ptr + "/name: empty after normalisation"));
    a.key_of_[key] = key;
    if (!v.contains("aliases")) continue;
    const nlohmann::json& al = v["aliases"];
    if (!al.is_array()) return unexpected(corrupt(ptr + "/aliases: expected an array"));
    for (std::size_t k = 0; k < al.size(); ++k) {
      if (!al[k].is_string())
        return unexpected(corrupt(ptr + "/aliases/" + std::to_string(k) + ": expected a string"));
      const std::string n = vendor_norm(al[k].get<std::string>());
      if (!n.empty()) a.key_of_[n] = key;
    }
  }
  return a;
}

Result<VendorAliases> VendorAliases::load(const std::filesystem::path& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return unexpected(io_error(path.string() + ": cannot open"));
  std::ostringstream ss;
  ss << f.rdbuf();
  return parse(ss.str(), path.string());
}

std::vector<std::string> VendorAliases::keys(std::string_view vendor) const {
  std::vector<std::string> out;
  const std::string whole = vendor_norm(vendor);
  if (whole.empty()) return out;
  if (const auto it = key_of_.find(whole); it != key_of_.end()) return {it->second};
  // A list of vendors: "BMC Medical, 3B Medical", "Silex Technology and GE Healthcare".
  std::string s(vendor);
  for (const std::string_view sep : {" and ", " & ", "/", ";"}) {
    for (std::size_t p = s.find(sep); p != std::string::npos; p = s.find(sep))
      s.replace(p, sep.size(), ",");
  }
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i != s.size() && s[i] != ',') continue;
    const std::string n = vendor_norm(s.substr(start, i - start));
    start = i + 1;
    if (n.empty() || is_legal_suffix(n)) continue;
    const auto it = key_of_.find(n);
    parts.push_back(it != key_of_.end() ? it->second : n);
  }
  if (parts.size() <= 1) return {whole};
  std::sort(parts.begin(), parts.end());
  parts.erase(std::unique(parts.begin(), parts.end()), parts.end());
  return parts;
}

std::optional<std::string> fixed_version_from_text(std::string_view text) {
  // Words of the text with surrounding punctuation removed, and their lower-case form.
  struct Word {
    std::string text, lower;
    bool sentence_end = false;  // the word ended with '.', ';' or ':'
  };
  std::vector<Word> words;
  std::string cur;
  const auto flush = [&words, &cur] {
    if (cur.empty()) return;
    Word w;
    while (!cur.empty() && (cur.back() == ',' || cur.back() == '.' || cur.back() == ';' ||
                            cur.back() == ':' || cur.back() == ')')) {
      w.sentence_end = w.sentence_end || cur.back() != ',';
      cur.pop_back();
    }
    std::size_t start = 0;
    while (start < cur.size() && cur[start] == '(') ++start;
    w.text = cur.substr(start);
    w.lower = normalize_name(w.text);
    words.push_back(std::move(w));
    cur.clear();
  };
  for (char c : text.substr(0, std::min<std::size_t>(text.size(), 4096))) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      flush();
    } else {
      cur.push_back(c);
    }
  }
  flush();
  // A version here starts with a digit (after an optional "v") and has a dot, so years and
  // counts are not taken.
  const auto version_of = [](const std::string& w) -> std::optional<std::string> {
    std::string v = w;
    if (v.size() >= 2 && (v[0] == 'v' || v[0] == 'V') && v[1] >= '0' && v[1] <= '9') v.erase(0, 1);
    if (v.empty() || v[0] < '0' || v[0] > '9' || v.find('.') == std::string::npos)
      return std::nullopt;
    for (char c : v)
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            c == '.' || c == '-' || c == '_'))
        return std::nullopt;
    return v;
  };
  // "Version 1.7.15b or later", "v14.0.4 or later", "3.6.7 and later"
  for (std::size_t i = 0; i + 2 < words.size(); ++i) {
    if ((words[i + 1].lower == "or" || words[i + 1].lower == "and") &&
        (words[i + 2].lower == "later" || words[i + 2].lower == "newer" ||
         words[i + 2].lower == "higher" || words[i + 2].lower == "above")) {
      if (auto v = version_of(words[i].text)) return v;
    }
  }
  // "update to Version 3.6.7", "upgrade ... to v14.0.4", "fixed in 2.1" within one sentence.
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string& l = words[i].lower;
    const bool trigger = l.starts_with("update") || l.starts_with("upgrad") ||
                         (l == "fixed" && i + 1 < words.size() && words[i + 1].lower == "in");
    if (!trigger) continue;
    for (std::size_t j = i + 1; j < words.size() && j <= i + 14; ++j) {
      if (auto v = version_of(words[j].text)) return v;
      if (words[j].sentence_end) break;
    }
  }
  return std::nullopt;
}

Matcher::Matcher(const std::vector<Advisory>& advisories, VendorAliases aliases)
    : aliases_(std::move(aliases)) {
  for (const Advisory& a : advisories) {
    AdvisoryInfo info;
    info.id = a.id;
    info.title = a.title;
    info.exploit = a.exploit;
    for (const Vulnerability& v : a.vulnerabilities) {
      if (!v.cve.empty() && std::find(info.cves.begin(), info.cves.end(), v.cve) == info.cves.end())
        info.cves.push_back(v.cve);
      if (const Cvss* c = v.max_cvss(); c != nullptr && c->base_score > info.max_cvss) {
        info.max_cvss = c->base_score;
        info.max_cvss_vector = c->vector;
      }
    }
    const std::size_t ai = advisories_.size();
    advisories_.push_back(std::move(info));

    for (const Product& p : a.products) {
      // Products listed only as fixed are what a device upgrades to, not what is affected.
      bool affected = false;
      bool fixed = false;
      for (const Vulnerability& v : a.vulnerabilities) {
        const auto has = [&p](const std::vector<std::string>& ids) {
          return std::find(ids.begin(), ids.end(), p.product_id) != ids.end();
        };
        affected = affected || has(v.status.known_affected) || has(v.status.first_affected) ||
                   has(v.status.last_affected) || has(v.status.under_investigation);
        fixed = fixed || has(v.status.fixed) || has(v.status.first_fixed);
      }
      if (fixed && !affected) continue;
      Entry e;
      e.advisory = ai;
      e.vendor = p.vendor;
      e.product = p.family.empty() ? p.name : p.family + " " + p.name;
      e.product_id = p.product_id;
      e.range = p.version.empty() ? parse_range("all versions") : parse_range(p.version);
      if (p.version.empty()) e.range.raw.clear();
      std::set<std::string> drop;
      for (const std::string& w : split_words(normalize_name(p.vendor))) drop.insert(w);
      e.tokens = tokens_of(e.product, drop);
      if (e.tokens.empty()) e.tokens = tokens_of(e.product, {});  // "OpenClinic GA" by itself
      if (range_names_model(e.range)) e.model_tokens = tokens_of(e.product + " " + p.version, drop);
      // Fixed version: a `fixed` product of the same name, else the remediation text.
      for (const Vulnerability& v : a.vulnerabilities) {
        for (const std::string& fid : v.status.fixed) {
          const Product* fp = a.find_product(fid);
          if (fp != nullptr && fp->name == p.name && !fp->version.empty() && !e.fixed_version)
            e.fixed_version = fp->version;
        }
      }
      for (const Vulnerability& v : a.vulnerabilities) {
        for (const Remediation& r : v.remediations) {
          if (std::find(r.product_ids.begin(), r.product_ids.end(), p.product_id) ==
              r.product_ids.end())
            continue;
          if (r.category == "vendor_fix") {
            if (e.remediation.empty()) e.remediation = shorten(r.details, 240);
            if (!e.fixed_version) {
              auto fv = fixed_version_from_text(r.details);
              if (fv && !(e.range.ok && e.range.contains(*fv))) e.fixed_version = std::move(fv);
            }
          }
        }
      }
      if (e.remediation.empty()) {
        for (const Vulnerability& v : a.vulnerabilities)
          for (const Remediation& r : v.remediations)
            if (e.remediation.empty() && std::find(r.product_ids.begin(), r.product_ids.end(),
                                                   p.product_id) != r.product_ids.end())
              e.remediation = shorten(r.details, 240);
      }
      const std::size_t ei = entries_.size();
      for (const std::string& k : aliases_.keys(p.vendor)) by_vendor_[k].push_back(ei);
      entries_.push_back(std::move(e));
    }
  }
}

std::vector<Match> Matcher::match(const DeviceIdentity& d) const {
  std::vector<Match> out;
  if (d.vendor.empty() || d.model.empty()) return out;
  std::set<std::string> drop;
  for (const std::string& w : split_words(normalize_name(d.vendor))) drop.insert(w);
  std::vector<std::string> device_tokens = tokens_of(d.model, drop);
  if (device_tokens.empty()) device_tokens = tokens_of(d.model, {});
  std::unordered_map<std::size_t, std::size_t> best_of_advisory;  // advisory -> index in out
  std::vector<std::size_t> candidates;
  const std::vector<std::string> keys = aliases_.keys(d.vendor);
  for (const std::string& key : keys) {
    const auto it = by_vendor_.find(key);
    if (it != by_vendor_.end())
      candidates.insert(candidates.end(), it->second.begin(), it->second.end());
  }
  if (keys.size() > 1) {
    std::sort(candidates.begin(), candidates.end());
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  }
  {
    for (const std::size_t ei : candidates) {
      const Entry& e = entries_[ei];
      const ProductFit pf =
          std::max(fit(device_tokens, e.tokens), fit(device_tokens, e.model_tokens));
      if (pf == ProductFit::kNone) continue;
      const bool full = pf == ProductFit::kFull;
      Confidence conf = Confidence::kLow;
      std::string reason = full ? "vendor+product" : "vendor+partial product name";
      if (!e.range.ok) {
        conf = full ? Confidence::kMedium : Confidence::kLow;
        reason += ", affected versions not interpretable (" + e.range.reason + ")";
      } else if (d.version.empty()) {
        conf = full ? Confidence::kMedium : Confidence::kLow;
        reason += e.range.any ? ", version unknown (advisory: all versions)"
                              : ", version unknown (affected: " + e.range.describe() + ")";
      } else if (e.range.contains(d.version)) {
        conf = full ? Confidence::kHigh : Confidence::kMedium;
        reason += "+version in range (" + d.version + " in " + e.range.describe() + ")";
        if (!e.range.qualifier.empty()) {
          conf = Confidence::kMedium;
          reason += ", only when: " + e.range.qualifier;
        }
      } else {
        continue;  // version outside the affected range: no match
      }
      Match m;
      const AdvisoryInfo& a = advisories_[e.advisory];
      m.advisory_id = a.id;
      m.advisory_title = a.title;
      m.vendor = e.vendor;
      m.product = e.product;
      m.product_id = e.product_id;
      m.cves = a.cves;
      m.max_cvss = a.max_cvss;
      m.max_cvss_vector = a.max_cvss_vector;
      m.affected = e.range.describe();
      m.affected_raw = e.range.raw;
      m.fixed_version = e.fixed_version;
      m.remediation = e.remediation;
      m.confidence = conf;
      m.reason = std::move(reason);
      m.exploit = a.exploit;
      const auto [pos, inserted] = best_of_advisory.try_emplace(e.advisory, out.size());
      if (inserted) {
        out.push_back(std::move(m));
      } else if (out[pos->second].confidence < m.confidence) {
        out[pos->second] = std::move(m);
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const Match& x, const Match& y) {
    if (x.confidence != y.confidence) return x.confidence > y.confidence;
    if (x.max_cvss != y.max_cvss) return x.max_cvss > y.max_cvss;
    return x.advisory_id < y.advisory_id;
  });
  return out;
}

}  // namespace ward::vuln
