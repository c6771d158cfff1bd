#include "vuln/csaf.h"

#include <algorithm>
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
  Walker(std::string file, const CsafLimits& limits) : file_(std::move(file)), limits_(limits) {}

  [[nodiscard]] bool failed() const { return error_.has_value(); }
  LoadError take_error() { return std::move(*error_); }

  bool fail(std::string pointer, std::string message) {
    if (!error_) error_ = LoadError{file_, std::move(pointer), std::move(message)};
    return false;
  }

  // The member `key` of object `o` at `ptr`, or nullptr. A missing required member fails.
  const json* member(const json& o, const std::string& ptr, const char* key, bool required) {
    const auto it = o.find(key);
    if (it == o.end()) {
      if (required) fail(ptr + "/" + key, "missing");
      return nullptr;
    }
    return &*it;
  }

  const json* object(const json& o, const std::string& ptr, const char* key, bool required) {
    const json* m = member(o, ptr, key, required);
    if (m != nullptr && !m->is_object()) {
      fail(ptr + "/" + key, std::string("expected an object, found ") + m->type_name());
      return nullptr;
    }
    return m;
  }

  const json* array(const json& o, const std::string& ptr, const char* key, bool required) {
    const json* m = member(o, ptr, key, required);
    if (m != nullptr && !m->is_array()) {
      fail(ptr + "/" + key, std::string("expected an array, found ") + m->type_name());
      return nullptr;
    }
    return m;
  }

  // Copies a string member into `out`; true iff present and a string.
  bool string(const json& o, const std::string& ptr, const char* key, bool required,
              std::string& out) {
    const json* m = member(o, ptr, key, required);
    if (m == nullptr) return false;
    if (!m->is_string()) {
      fail(ptr + "/" + key, std::string("expected a string, found ") + m->type_name());
      return false;
    }
    out = m->get<std::string>();
    return true;
  }

  bool string_list(const json& o, const std::string& ptr, const char* key,
                   std::vector<std::string>& out) {
    const json* a = array(o, ptr, key, false);
    if (a == nullptr) return !failed();
    for (std::size_t i = 0; i < a->size(); ++i) {
      const json& e = (*a)[i];
      if (!e.is_string())
        return fail(ptr + "/" + key + "/" + std::to_string(i),
                    std::string("expected a string, found ") + e.type_name());
      out.push_back(e.get<std::string>());
    }
    return true;
  }

  const CsafLimits& limits() const { return limits_; }

 private:
  std::string file_;
  const CsafLimits& limits_;
  std::optional<LoadError> error_;
};

struct BranchContext {
  std::string vendor, family, name;
};

bool walk_branches(Walker& w, const json& branches, const std::string& ptr, int depth,
                   const BranchContext& ctx, std::vector<Product>& out) {
  if (depth > w.limits().max_branch_depth)
    return w.fail(ptr, "branches nested deeper than " +
                           std::to_string(w.limits().max_branch_depth) + " levels");
  for (std::size_t i = 0; i < branches.size(); ++i) {
    const std::string bp = ptr + "/" + std::to_string(i);
    const json& b = branches[i];
    if (!b.is_object())
      return w.fail(bp, std::string("expected an object, found ") + b.type_name());
    std::string category;
    std::string name;
    if (!w.string(b, bp, "category", true, category)) return false;
    if (!w.string(b, bp, "name", true, name)) return false;
    BranchContext here = ctx;
    Product p;
    if (category == "vendor") {
      here.vendor = name;
    } else if (category == "product_family") {
      here.family = name;
    } else if (category == "product_name") {
      here.name = name;
    } else if (category == "product_version") {
      p.version = name;
    } else if (category == "product_version_range") {
      p.version = name;
      p.version_is_range = true;
    }
    // Other categories (architecture, host_name, language, legacy, patch_level, service_pack,
    // specification) narrow the product but are not matched on; they are kept in the path.
    const json* product = w.object(b, bp, "product", false);
    if (w.failed()) return false;
    if (product != nullptr) {
      if (out.size() >= w.limits().max_products)
        return w.fail(bp, "more than " + std::to_string(w.limits().max_products) + " products");
      const std::string pp = bp + "/product";
      if (!w.string(*product, pp, "product_id", true, p.product_id)) return false;
      if (!w.string(*product, pp, "name", true, p.full_name)) return false;
      p.vendor = here.vendor;
      p.family = here.family;
      p.name = here.name;
      if (p.name.empty() && category != "product_version" && category != "product_version_range")
        p.name = name;
      p.json_path = bp;
      out.push_back(std::move(p));
    }
    const json* sub = w.array(b, bp, "branches", false);
    if (w.failed()) return false;
    if (sub != nullptr && !walk_branches(w, *sub, bp + "/branches", depth + 1, here, out))
      return false;
  }
  return true;
}

bool read_product_tree(Walker& w, const json& doc, Advisory& a) {
  const json* tree = w.object(doc, "", "product_tree", true);
  if (tree == nullptr) return false;
  const json* branches = w.array(*tree, "/product_tree", "branches", false);
  if (w.failed()) return false;
  if (branches != nullptr &&
      !walk_branches(w, *branches, "/product_tree/branches", 1, {}, a.products))
    return false;
  const json* fpn = w.array(*tree, "/product_tree", "full_product_names", false);
  if (w.failed()) return false;
  if (fpn != nullptr) {
    for (std::size_t i = 0; i < fpn->size(); ++i) {
      const std::string pp = "/product_tree/full_product_names/" + std::to_string(i);
      const json& e = (*fpn)[i];
      if (!e.is_object())
        return w.fail(pp, std::string("expected an object, found ") + e.type_name());
      Product p;
      if (!w.string(e, pp, "product_id", true, p.product_id)) return false;
      if (!w.string(e, pp, "name", true, p.full_name)) return false;
      p.name = p.full_name;
      p.json_path = pp;
      if (a.products.size() >= w.limits().max_products) return w.fail(pp, "too many products");
      a.products.push_back(std::move(p));
    }
  }
  // `relationships` (product A installed on product B) are not resolved; see docs/vuln.md.
  return true;
}

bool read_vulnerability(Walker& w, const json& v, const std::string& vp, Vulnerability& out) {
  if (!v.is_object()) return w.fail(vp, std::string("expected an object, found ") + v.type_name());
  w.string(v, vp, "cve", false, out.cve);
  w.string(v, vp, "title", false, out.title);
  if (w.failed()) return false;
  if (const json* cwe = w.object(v, vp, "cwe", false); cwe != nullptr) {
    if (!w.string(*cwe, vp + "/cwe", "id", true, out.cwe_id)) return false;
    w.string(*cwe, vp + "/cwe", "name", false, out.cwe_name);
  }
  if (w.failed()) return false;
  if (const json* scores = w.array(v, vp, "scores", false); scores != nullptr) {
    for (std::size_t i = 0; i < scores->size(); ++i) {
      const std::string sp = vp + "/scores/" + std::to_string(i);
      const json& s = (*scores)[i];
      if (!s.is_object())
        return w.fail(sp, std::string("expected an object, found ") + s.type_name());
      Cvss c;
      if (!w.string_list(s, sp, "products", c.product_ids)) return false;
      const json* v3 = w.object(s, sp, "cvss_v3", false);
      if (w.failed()) return false;
      if (v3 == nullptr) continue;  // cvss_v2 only: not used
      const std::string cp = sp + "/cvss_v3";
      const json* bs = w.member(*v3, cp, "baseScore", true);
      if (bs == nullptr) return false;
      if (!bs->is_number())
        return w.fail(cp + "/baseScore",
                      std::string("expected a number, found ") + bs->type_name());
      c.base_score = bs->get<double>();
      if (!(c.base_score >= 0 && c.base_score <= 10))
        return w.fail(cp + "/baseScore", "outside 0..10");
      if (!w.string(*v3, cp, "vectorString", true, c.vector)) return false;
      w.string(*v3, cp, "version", false, c.version);
      if (w.failed()) return false;
      out.scores.push_back(std::move(c));
    }
  }
  if (w.failed()) return false;
  if (const json* ps = w.object(v, vp, "product_status", false); ps != nullptr) {
    const std::string pp = vp + "/product_status";
    ProductStatus& st = out.status;
    if (!w.string_list(*ps, pp, "known_affected", st.known_affected) ||
        !w.string_list(*ps, pp, "fixed", st.fixed) ||
        !w.string_list(*ps, pp, "known_not_affected", st.known_not_affected) ||
        !w.string_list(*ps, pp, "first_affected", st.first_affected) ||
        !w.string_list(*ps, pp, "last_affected", st.last_affected) ||
        !w.string_list(*ps, pp, "first_fixed", st.first_fixed) ||
        !w.string_list(*ps, pp, "recommended", st.recommended) ||
        !w.string_list(*ps, pp, "under_investigation", st.under_investigation))
      return false;
  }
  if (w.failed()) return false;
  if (const json* rs = w.array(v, vp, "remediations", false); rs != nullptr) {
    for (std::size_t i = 0; i < rs->size(); ++i) {
      const std::string rp = vp + "/remediations/" + std::to_string(i);
      const json& r = (*rs)[i];
      if (!r.is_object())
        return w.fail(rp, std::string("expected an object, found ") + r.type_name());
      Remediation rem;
      if (!w.string(r, rp, "category", true, rem.category)) return false;
      if (!w.string(r, rp, "details", true, rem.details)) return false;
      w.string(r, rp, "url", false, rem.url);
      if (w.failed() || !w.string_list(r, rp, "product_ids", rem.product_ids)) return false;
      out.remediations.push_back(std::move(rem));
    }
  }
  return !w.failed();
}

bool contains_ci(std::string_view hay, std::string_view needle) {
  const auto it =
      std::search(hay.begin(), hay.end(), needle.begin(), needle.end(), [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) ==
               std::tolower(static_cast<unsigned char>(b));
      });
  return it != hay.end();
}

void classify_exploitability(Advisory& a) {
  const std::string& t = a.exploitability_text;
  if (t.empty()) return;
  if (contains_ci(t, "no known public exploit")) {
    a.exploit = ExploitSignal::kNoKnownPublicExploit;
  } else if (contains_ci(t, "publicly available") || contains_ci(t, "public exploit")) {
    // "Exploits that target these vulnerabilities are publicly available."
    a.exploit = ExploitSignal::kPublicExploitAvailable;
  }
  if (contains_ci(t, "not exploitable remotely") || contains_ci(t, "not remotely exploitable")) {
    a.remotely_exploitable = false;
  } else if (contains_ci(t, "exploitable remotely")) {
    a.remotely_exploitable = true;
  }
}

Result<Advisory, LoadError> read_document(Walker& w, const json& root, std::string_view file) {
  auto error = [&w]() { return unexpected(w.take_error()); };
  if (!root.is_object()) {
    w.fail("", std::string("expected a JSON object, found ") + root.type_name());
    return error();
  }
  Advisory a;
  a.source_file = std::string(file);
  const json* doc = w.object(root, "", "document", true);
  if (doc == nullptr) return error();
  if (!w.string(*doc, "/document", "title", true, a.title)) return error();
  std::string csaf_version;
  if (!w.string(*doc, "/document", "csaf_version", true, csaf_version)) return error();
  if (csaf_version != "2.0") {
    w.fail("/document/csaf_version", "unsupported CSAF version '" + csaf_version + "'");
    return error();
  }
  const json* tracking = w.object(*doc, "/document", "tracking", true);
  if (tracking == nullptr) return error();
  if (!w.string(*tracking, "/document/tracking", "id", true, a.id)) return error();
  w.string(*tracking, "/document/tracking", "current_release_date", false, a.current_release_date);
  w.string(*tracking, "/document/tracking", "version", false, a.revision);
  if (w.failed()) return error();
  if (const json* pub = w.object(*doc, "/document", "publisher", false); pub != nullptr)
    w.string(*pub, "/document/publisher", "name", false, a.publisher);
  if (w.failed()) return error();
  if (const json* notes = w.array(*doc, "/document", "notes", false); notes != nullptr) {
    for (std::size_t i = 0; i < notes->size(); ++i) {
      const std::string np = "/document/notes/" + std::to_string(i);
      const json& n = (*notes)[i];
      if (!n.is_object()) {
        w.fail(np, std::string("expected an object, found ") + n.type_name());
        return error();
      }
      std::string title;
      std::string text;
      w.string(n, np, "title", false, title);
      if (!w.string(n, np, "text", true, text)) return error();
      if (title == "Exploitability") a.exploitability_text = text;
    }
  }
  if (w.failed()) return error();
  classify_exploitability(a);
  if (!read_product_tree(w, root, a)) return error();
  if (const json* vulns = w.array(root, "", "vulnerabilities", false); vulns != nullptr) {
    if (vulns->size() > w.limits().max_vulnerabilities) {
      w.fail("/vulnerabilities",
             "more than " + std::to_string(w.limits().max_vulnerabilities) + " vulnerabilities");
      return error();
    }
    for (std::size_t i = 0; i < vulns->size(); ++i) {
      const std::string vp = "/vulnerabilities/" + std::to_string(i);
      Vulnerability v;
      if (!read_vulnerability(w, (*vulns)[i], vp, v)) return error();
      // CSAF 3.2.3.13 threats: category exploit_status with "exploited" in the details.
      if (const json* threats = w.array((*vulns)[i], vp, "threats", false); threats != nullptr) {
        for (const json& t : *threats) {
          if (!t.is_object()) continue;
          const auto cat = t.find("category");
          const auto det = t.find("details");
          if (cat != t.end() && cat->is_string() && *cat == "exploit_status" && det != t.end() &&
              det->is_string() && contains_ci(det->get<std::string>(), "exploited"))
            a.exploit = ExploitSignal::kKnownExploited;
        }
      }
      if (w.failed()) return error();
      a.vulnerabilities.push_back(std::move(v));
    }
  }
  if (w.failed()) return error();
  return a;
}

}  // namespace

std::string_view exploit_signal_name(ExploitSignal s) {
  switch (s) {
    case ExploitSignal::kNotStated:
      return "not_stated";
    case ExploitSignal::kNoKnownPublicExploit:
      return "no_known_public_exploit";
    case ExploitSignal::kPublicExploitAvailable:
      return "public_exploit_available";
    case ExploitSignal::kKnownExploited:
      return "known_exploited";
  }
  return "not_stated";
}

const Cvss* Vulnerability::max_cvss() const {
  const Cvss* best = nullptr;
  for (const Cvss& c : scores)
    if (best == nullptr || c.base_score > best->base_score) best = &c;
  return best;
}

const Product* Advisory::find_product(std::string_view product_id) const {
  for (const Product& p : products)
    if (p.product_id == product_id) return &p;
  return nullptr;
}

std::string LoadError::to_string() const {
  if (json_pointer.empty()) return file + ": " + message;
  return file + ": " + json_pointer + ": " + message;
}

Result<Advisory, LoadError> parse_csaf(std::string_view json_text, std::string_view file,
                                       const CsafLimits& limits) {
  auto root = parse_bounded_json(json_text, file, limits.max_document_bytes, limits.max_json_depth);
  if (!root.ok()) return unexpected(std::move(root).error());
  Walker w{std::string(file), limits};
  return read_document(w, *root, file);
}

Result<Advisory, LoadError> load_csaf_file(const std::filesystem::path& path,
                                           const CsafLimits& limits) {
  auto text = read_bounded_file(path, limits.max_document_bytes);
  if (!text.ok()) return unexpected(std::move(text).error());
  return parse_csaf(*text, path.string(), limits);
}

Corpus load_csaf_directory(const std::filesystem::path& dir, const CsafLimits& limits) {
  Corpus c;
  const std::vector<std::filesystem::path> files = list_json_files(dir, c.errors);
  for (const auto& f : files) {
    auto r = load_csaf_file(f, limits);
    if (r.ok()) {
      c.advisories.push_back(std::move(*r));
    } else {
      c.errors.push_back(std::move(r).error());
    }
  }
  std::stable_sort(c.advisories.begin(), c.advisories.end(),
                   [](const Advisory& a, const Advisory& b) { return a.id < b.id; });
  return c;
}

}  // namespace ward::vuln
