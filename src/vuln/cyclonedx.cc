#include "vuln/cyclonedx.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <nlohmann/json.hpp>
#include <system_error>

#include "vuln/json_input.h"

namespace ward::vuln {
namespace {

using nlohmann::json;

// Walks a parsed document, remembering the first error with its JSON pointer.
class Walker {
 public:
  Walker(std::string file, const CycloneDxLimits& limits)
      : file_(std::move(file)), limits_(limits) {}

  [[nodiscard]] bool failed() const { return error_.has_value(); }
  LoadError take_error() { return std::move(*error_); }
  [[nodiscard]] const CycloneDxLimits& limits() const { return limits_; }

  bool fail(std::string pointer, std::string message) {
    if (!error_) error_ = LoadError{file_, std::move(pointer), std::move(message)};
    return false;
  }

  // The member `key` of object `o` at `ptr`, or nullptr; a wrong JSON type fails.
  const json* typed(const json& o, const std::string& ptr, const char* key, json::value_t type,
                    const char* type_name, bool required) {
    const auto it = o.find(key);
    if (it == o.end()) {
      if (required) fail(ptr + "/" + key, "missing");
      return nullptr;
    }
    const bool ok = type == json::value_t::number_float ? it->is_number() : it->type() == type;
    if (!ok) {
      fail(ptr + "/" + key, std::string("expected ") + type_name + ", found " + it->type_name());
      return nullptr;
    }
    return &*it;
  }
  const json* object(const json& o, const std::string& ptr, const char* key) {
    return typed(o, ptr, key, json::value_t::object, "an object", false);
  }
  const json* array(const json& o, const std::string& ptr, const char* key) {
    return typed(o, ptr, key, json::value_t::array, "an array", false);
  }
  // Copies a string member into `out`; true iff no error (absent is fine unless required).
  bool string(const json& o, const std::string& ptr, const char* key, std::string& out,
              bool required = false) {
    const json* m = typed(o, ptr, key, json::value_t::string, "a string", required);
    if (m != nullptr) out = m->get<std::string>();
    return !failed();
  }
  // An organisation object's name (supplier, manufacturer, manufacture).
  bool org_name(const json& o, const std::string& ptr, const char* key, std::string& out) {
    const json* org = object(o, ptr, key);
    if (org != nullptr) string(*org, ptr + "/" + key, "name", out);
    return !failed();
  }

 private:
  std::string file_;
  const CycloneDxLimits& limits_;
  std::optional<LoadError> error_;
};

std::string expected_object(const json& j) {
  return std::string("expected an object, found ") + j.type_name();
}

bool read_component(Walker& w, const json& c, const std::string& cp, CdxComponent& out) {
  if (!c.is_object()) return w.fail(cp, expected_object(c));
  out.json_path = cp;
  return w.string(c, cp, "bom-ref", out.bom_ref) && w.string(c, cp, "type", out.type) &&
         w.org_name(c, cp, "supplier", out.supplier) &&
         w.org_name(c, cp, "manufacturer", out.manufacturer) &&
         w.string(c, cp, "publisher", out.publisher) && w.string(c, cp, "group", out.group) &&
         w.string(c, cp, "name", out.name, /*required=*/true) &&
         w.string(c, cp, "version", out.version) && w.string(c, cp, "purl", out.purl) &&
         w.string(c, cp, "cpe", out.cpe);
}

bool walk_components(Walker& w, const json& list, const std::string& ptr, int depth,
                     std::vector<CdxComponent>& out) {
  if (depth > w.limits().max_component_depth)
    return w.fail(ptr, "components nested deeper than " +
                           std::to_string(w.limits().max_component_depth) + " levels");
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string cp = ptr + "/" + std::to_string(i);
    if (out.size() >= w.limits().max_components)
      return w.fail(cp, "more than " + std::to_string(w.limits().max_components) + " components");
    CdxComponent c;
    if (!read_component(w, list[i], cp, c)) return false;
    out.push_back(std::move(c));
    const json* sub = w.array(list[i], cp, "components");
    if (w.failed()) return false;
    if (sub != nullptr && !walk_components(w, *sub, cp + "/components", depth + 1, out))
      return false;
  }
  return true;
}

// CycloneDX 1.4 impactAnalysisState and impactAnalysisJustification.
bool vex_state_of(std::string_view s, VexState& out) {
  if (s == "exploitable") {
    out = VexState::kAffected;
  } else if (s == "not_affected" || s == "false_positive") {
    out = VexState::kNotAffected;
  } else if (s == "resolved" || s == "resolved_with_pedigree") {
    out = VexState::kFixed;
  } else if (s == "in_triage") {
    out = VexState::kUnderInvestigation;
  } else {
    return false;
  }
  return true;
}

bool known_justification(std::string_view s) {
  static constexpr std::array<std::string_view, 9> kJustifications = {
      "code_not_present",     "code_not_reachable",     "requires_configuration",
      "requires_dependency",  "requires_environment",   "protected_by_compiler",
      "protected_at_runtime", "protected_at_perimeter", "protected_by_mitigating_control"};
  return std::find(kJustifications.begin(), kJustifications.end(), s) != kJustifications.end();
}

bool read_ratings(Walker& w, const json& v, const std::string& vp, CdxVulnerability& out) {
  const json* ratings = w.array(v, vp, "ratings");
  if (ratings == nullptr) return !w.failed();
  for (std::size_t i = 0; i < ratings->size(); ++i) {
    const std::string rp = vp + "/ratings/" + std::to_string(i);
    const json& r = (*ratings)[i];
    if (!r.is_object()) return w.fail(rp, expected_object(r));
    const json* score = w.typed(r, rp, "score", json::value_t::number_float, "a number", false);
    if (w.failed()) return false;
    std::string vector;
    std::string method;
    std::string severity;
    if (!w.string(r, rp, "vector", vector) || !w.string(r, rp, "method", method) ||
        !w.string(r, rp, "severity", severity))
      return false;
    if (score == nullptr) {
      if (!out.max_score && out.severity.empty()) out.severity = severity;
      continue;
    }
    const double s = score->get<double>();
    if (!(s >= 0 && s <= 10)) return w.fail(rp + "/score", "outside 0..10");
    if (!out.max_score || s > *out.max_score) {
      out.max_score = s;
      out.vector = std::move(vector);
      out.method = std::move(method);
      out.severity = std::move(severity);
    }
  }
  return true;
}

bool read_affects(Walker& w, const json& v, const std::string& vp, std::size_t& budget,
                  CdxVulnerability& out) {
  const json* affects = w.array(v, vp, "affects");
  if (affects == nullptr) return !w.failed();
  for (std::size_t i = 0; i < affects->size(); ++i) {
    const std::string ap = vp + "/affects/" + std::to_string(i);
    const json& a = (*affects)[i];
    if (!a.is_object()) return w.fail(ap, expected_object(a));
    if (budget == 0)
      return w.fail(ap, "more than " + std::to_string(w.limits().max_affects) +
                            " affects entries and versions in the document");
    --budget;
    CdxAffects af;
    if (!w.string(a, ap, "ref", af.ref, /*required=*/true)) return false;
    const json* versions = w.array(a, ap, "versions");
    if (w.failed()) return false;
    for (std::size_t k = 0; versions != nullptr && k < versions->size(); ++k) {
      const std::string ep = ap + "/versions/" + std::to_string(k);
      const json& e = (*versions)[k];
      if (!e.is_object()) return w.fail(ep, expected_object(e));
      if (budget == 0)
        return w.fail(ep, "more than " + std::to_string(w.limits().max_affects) +
                              " affects entries and versions in the document");
      --budget;
      CdxVersionEntry entry;
      if (!w.string(e, ep, "version", entry.version) || !w.string(e, ep, "range", entry.range) ||
          !w.string(e, ep, "status", entry.status))
        return false;
      if (entry.version.empty() == entry.range.empty())
        return w.fail(ep, "needs exactly one of version and range");
      if (!entry.status.empty() && entry.status != "affected" && entry.status != "unaffected" &&
          entry.status != "unknown")
        return w.fail(ep + "/status", "unknown status '" + entry.status + "'");
      af.versions.push_back(std::move(entry));
    }
    out.affects.push_back(std::move(af));
  }
  return true;
}

bool read_vulnerability(Walker& w, const json& v, const std::string& vp, std::size_t& budget,
                        CdxVulnerability& out) {
  if (!v.is_object()) return w.fail(vp, expected_object(v));
  out.json_path = vp;
  if (!w.string(v, vp, "id", out.id) || !w.org_name(v, vp, "source", out.source) ||
      !w.string(v, vp, "recommendation", out.recommendation))
    return false;
  if (!read_ratings(w, v, vp, out)) return false;
  if (const json* cwes = w.array(v, vp, "cwes"); cwes != nullptr) {
    for (std::size_t i = 0; i < cwes->size(); ++i) {
      const json& c = (*cwes)[i];
      if (!c.is_number_unsigned() || c.get<std::uint64_t>() > 0xFFFFFFFFU)
        return w.fail(vp + "/cwes/" + std::to_string(i),
                      std::string("expected a CWE number, found ") + c.type_name());
      out.cwes.push_back(static_cast<std::uint32_t>(c.get<std::uint64_t>()));
    }
  }
  if (w.failed()) return false;
  if (const json* an = w.object(v, vp, "analysis"); an != nullptr) {
    const std::string ap = vp + "/analysis";
    if (!w.string(*an, ap, "state", out.state_raw) ||
        !w.string(*an, ap, "justification", out.justification) ||
        !w.string(*an, ap, "detail", out.detail))
      return false;
    if (!out.state_raw.empty() && !vex_state_of(out.state_raw, out.state))
      return w.fail(ap + "/state", "unknown state '" + out.state_raw + "'");
    if (!out.justification.empty() && !known_justification(out.justification))
      return w.fail(ap + "/justification", "unknown justification '" + out.justification + "'");
    if (const json* resp = w.array(*an, ap, "response"); resp != nullptr) {
      for (std::size_t i = 0; i < resp->size(); ++i) {
        if (!(*resp)[i].is_string())
          return w.fail(ap + "/response/" + std::to_string(i),
                        std::string("expected a string, found ") + (*resp)[i].type_name());
        out.responses.push_back((*resp)[i].get<std::string>());
      }
    }
  }
  if (w.failed()) return false;
  return read_affects(w, v, vp, budget, out);
}

bool supported_spec(std::string_view v) {
  return v == "1.2" || v == "1.3" || v == "1.4" || v == "1.5" || v == "1.6";
}

Result<CdxDocument, LoadError> read_document(Walker& w, const json& root, std::string_view file) {
  auto error = [&w]() { return unexpected(w.take_error()); };
  if (!root.is_object()) {
    w.fail("", std::string("expected a JSON object, found ") + root.type_name());
    return error();
  }
  CdxDocument d;
  d.file = std::string(file);
  std::string format;
  if (!w.string(root, "", "bomFormat", format, /*required=*/true)) return error();
  if (format != "CycloneDX") {
    w.fail("/bomFormat", "not a CycloneDX document (bomFormat '" + format + "')");
    return error();
  }
  if (!w.string(root, "", "specVersion", d.spec_version, /*required=*/true)) return error();
  if (!supported_spec(d.spec_version)) {
    w.fail("/specVersion", "unsupported CycloneDX version '" + d.spec_version + "' (1.2 to 1.6)");
    return error();
  }
  if (!w.string(root, "", "serialNumber", d.serial_number)) return error();
  if (const json* ver = w.typed(root, "", "version", json::value_t::number_unsigned,
                                "a non-negative integer", false);
      ver != nullptr) {
    d.version =
        static_cast<std::uint32_t>(std::min<std::uint64_t>(ver->get<std::uint64_t>(), 0xFFFFFFFFU));
  }
  if (w.failed()) return error();
  if (const json* meta = w.object(root, "", "metadata"); meta != nullptr) {
    if (const json* comp = w.object(*meta, "/metadata", "component"); comp != nullptr) {
      CdxComponent s;
      if (!read_component(w, *comp, "/metadata/component", s)) return error();
      // The document-level organisations name the subject's vendor when it does not.
      std::string supplier;
      std::string manufacturer;
      if (!w.org_name(*meta, "/metadata", "supplier", supplier) ||
          !w.org_name(*meta, "/metadata", "manufacture", manufacturer) ||
          (manufacturer.empty() && !w.org_name(*meta, "/metadata", "manufacturer", manufacturer)))
        return error();
      if (s.supplier.empty()) s.supplier = std::move(supplier);
      if (s.manufacturer.empty()) s.manufacturer = std::move(manufacturer);
      d.subject = std::move(s);
    }
  }
  if (w.failed()) return error();
  if (const json* comps = w.array(root, "", "components"); comps != nullptr) {
    if (!walk_components(w, *comps, "/components", 1, d.components)) return error();
  }
  if (w.failed()) return error();
  if (const json* vulns = w.array(root, "", "vulnerabilities"); vulns != nullptr) {
    if (vulns->size() > w.limits().max_vulnerabilities) {
      w.fail("/vulnerabilities",
             "more than " + std::to_string(w.limits().max_vulnerabilities) + " vulnerabilities");
      return error();
    }
    std::size_t budget = w.limits().max_affects;
    for (std::size_t i = 0; i < vulns->size(); ++i) {
      CdxVulnerability v;
      if (!read_vulnerability(w, (*vulns)[i], "/vulnerabilities/" + std::to_string(i), budget, v))
        return error();
      d.vulnerabilities.push_back(std::move(v));
    }
  }
  if (w.failed()) return error();
  return d;
}

}  // namespace

std::vector<std::string> CdxComponent::vendor_names() const {
  std::vector<std::string> out;
  for (const std::string* s : {&supplier, &manufacturer, &publisher, &group})
    if (!s->empty() && std::find(out.begin(), out.end(), *s) == out.end()) out.push_back(*s);
  return out;
}

std::string CdxComponent::describe() const {
  std::string out;
  const std::vector<std::string> vendors = vendor_names();
  for (const std::string* s : {vendors.empty() ? nullptr : &vendors.front(), &name, &version}) {
    if (s == nullptr || s->empty()) continue;
    if (!out.empty()) out += ' ';
    out += *s;
  }
  return out;
}

std::string_view vex_state_name(VexState s) {
  switch (s) {
    case VexState::kNone:
      return "none";
    case VexState::kAffected:
      return "affected";
    case VexState::kNotAffected:
      return "not_affected";
    case VexState::kFixed:
      return "fixed";
    case VexState::kUnderInvestigation:
      return "under_investigation";
  }
  return "none";
}

const CdxComponent* CdxDocument::find(std::string_view bom_ref) const {
  if (bom_ref.empty()) return nullptr;
  if (subject && subject->bom_ref == bom_ref) return &*subject;
  for (const CdxComponent& c : components)
    if (c.bom_ref == bom_ref) return &c;
  return nullptr;
}

std::string CdxDocument::serial_uuid() const {
  constexpr std::string_view kPrefix = "urn:uuid:";
  if (serial_number.size() > kPrefix.size() && serial_number.starts_with(kPrefix))
    return serial_number.substr(kPrefix.size());
  return "";
}

Result<CdxDocument, LoadError> parse_cyclonedx(std::string_view json_text, std::string_view file,
                                               const CycloneDxLimits& limits) {
  auto root = parse_bounded_json(json_text, file, limits.max_document_bytes, limits.max_json_depth);
  if (!root.ok()) return unexpected(std::move(root).error());
  Walker w{std::string(file), limits};
  return read_document(w, *root, file);
}

Result<CdxDocument, LoadError> load_cyclonedx_file(const std::filesystem::path& path,
                                                   const CycloneDxLimits& limits) {
  auto text = read_bounded_file(path, limits.max_document_bytes);
  if (!text.ok()) return unexpected(std::move(text).error());
  return parse_cyclonedx(*text, path.string(), limits);
}

SbomSet load_cyclonedx_directory(const std::filesystem::path& dir, const CycloneDxLimits& limits) {
  SbomSet s;
  const std::vector<std::filesystem::path> files = list_json_files(dir, s.errors);
  for (const auto& f : files) {
    auto r = load_cyclonedx_file(f, limits);
    if (r.ok()) {
      s.documents.push_back(std::move(*r));
    } else {
      s.errors.push_back(std::move(r).error());
    }
  }
  return s;
}

}  // namespace ward::vuln
