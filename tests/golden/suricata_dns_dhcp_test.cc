// Golden test against suricata-verify's DNS, mDNS and DHCP tests (../shared/data/pcap/
// suricata-verify/{dns-*,mdns,cond-log-dns-dig,dhcp-*,output-eve-dhcp-01}): each test's capture
// goes through `ward monitor` (in-process); Ward's `dns` and `dhcp` records are converted into
// Suricata's EVE events (one dns event per query and per answer, in EVE DNS v2 when the test's
// suricata.yaml asks for version 2 and in the v3 shape of Suricata 8 otherwise; mdns events;
// one dhcp event per DHCP message), and every `filter` check of test.yaml about dns, mdns or
// dhcp events is evaluated field by field: the number of events matching all its fields must
// equal the expected count. Per-output-file DNS filters of suricata.yaml (types, requests,
// responses) are applied to the events of that file.
//
// What is not compared, and why:
//   - alert.*, flow.*, frame.*, has-key (community_id), pcap_cnt: Suricata's rule engine, flow
//     records and packet counter; Ward has no equivalent output for them.
//   - checks guarded by `requires: lt-version` 8: the pre-8 EVE shape of the same fields.
//   - cond-log-dns-dig: a rule ("config: logging disable") turns DNS logging off; Ward has no
//     rule-driven log suppression (named in kIntendedDifferences).
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <set>

#include "golden/dns_dhcp_golden_util.h"

namespace ward::testing {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

// ------------------------------------------------------------------ Ward -> EVE conversion

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

Json record_to_eve(const Json& rec, bool mdns) {
  Json o{{"rrname", rec.value("rrname", "")},
         {"rrtype", rec.value("rrtype", "")},
         {"ttl", rec.value("ttl", 0)}};
  const std::string type = rec.value("rrtype", "");
  if (rec.contains("soa")) o["soa"] = rec["soa"];
  if (mdns) {
    // Suricata's mDNS events name the data by type: "ptr": ..., "txt": [...], "a": ...
    o["rrtype"] = lower(type);
    if (rec.contains("txt")) {
      o["txt"] = rec["txt"];
    } else {
      o[lower(type)] = rec.value("rdata", "");
    }
  } else if (!rec.contains("soa")) {
    o["rdata"] = rec.value("rdata", "");
  }
  return o;
}

// The EVE events of one Ward dns record.
std::vector<Json> dns_to_eve(const Json& r, bool v2) {
  const bool mdns = r.value("mdns", false);
  const std::string et = mdns ? "mdns" : "dns";
  const Json base{{"event_type", et},
                  {"src_ip", r["id.orig_h"]},
                  {"src_port", r["id.orig_p"]},
                  {"dest_ip", r["id.resp_h"]},
                  {"dest_port", r["id.resp_p"]},
                  {"proto", lower(r.value("proto", "")) == "tcp" ? "TCP" : "UDP"}};
  std::vector<std::pair<std::string, std::string>> questions;  // name, type
  if (r.contains("query")) questions.emplace_back(r["query"], r.value("qtype_name", ""));
  for (const Json& q : r.value("extra_queries", Json::array()))
    questions.emplace_back(q["query"], q.value("qtype_name", ""));
  Json answers = Json::array();
  Json authorities = Json::array();
  for (const Json& rec : r.value("records", Json::array())) {
    if (rec["section"] == "answer") answers.push_back(record_to_eve(rec, mdns));
    if (rec["section"] == "authority") authorities.push_back(record_to_eve(rec, mdns));
  }
  const int id = r.value("trans_id", 0);
  std::vector<Json> out;
  if (v2 && !mdns) {
    if (r.value("saw_query", false)) {
      for (const auto& [name, type] : questions) {
        Json e = base;
        e["dns"] = {{"type", "query"}, {"id", id}, {"rrname", name}, {"rrtype", type}};
        out.push_back(e);
      }
    }
    if (r.value("saw_reply", false)) {
      Json e = base;
      Json d{{"type", "answer"}, {"id", id}, {"rcode", r.value("rcode_name", "")}};
      if (!questions.empty()) {
        d["rrname"] = questions[0].first;
        d["rrtype"] = questions[0].second;
      }
      if (!answers.empty()) d["answers"] = answers;
      if (!authorities.empty()) d["authorities"] = authorities;
      e["dns"] = d;
      out.push_back(e);
    }
    return out;
  }
  Json queries = Json::array();
  for (const auto& [name, type] : questions)
    queries.push_back({{"rrname", name}, {"rrtype", mdns ? lower(type) : type}});
  if (r.value("saw_query", false)) {
    Json e = base;
    e[et] = {{"type", "request"}, {"id", id}, {"queries", queries}};
    out.push_back(e);
  }
  if (r.value("saw_reply", false)) {
    Json e = base;
    Json d{{"type", "response"}, {"id", id}, {"rcode", r.value("rcode_name", "")}};
    if (!queries.empty()) d["queries"] = queries;
    if (!answers.empty()) d["answers"] = answers;
    if (!authorities.empty()) d["authorities"] = authorities;
    e[et] = d;
    out.push_back(e);
  }
  return out;
}

// Suricata's names for the parameter request list codes it logs (rust/src/dhcp/logger.rs);
// it leaves the other codes out of `params`, and so does the conversion.
std::string param_name(int code) {
  static const std::map<int, std::string> kNames = {
      {1, "subnet_mask"},  {3, "router"},      {6, "dns_server"},        {15, "domain"},
      {35, "arp_timeout"}, {42, "ntp_server"}, {66, "tftp_server_name"}, {150, "tftp_server_ip"}};
  const auto it = kNames.find(code);
  return it == kNames.end() ? "" : it->second;
}

std::vector<Json> dhcp_to_eve(const Json& r) {
  std::vector<Json> out;
  for (const Json& m : r.value("messages", Json::array())) {
    Json d{{"type", m["op"]},
           {"id", m["xid"]},
           {"client_mac", m["chaddr"]},
           {"assigned_ip", m["yiaddr"]},
           {"client_ip", m["ciaddr"]},
           {"relay_ip", m["giaddr"]},
           {"next_server_ip", m["siaddr"]}};
    if (m.contains("msg_type")) d["dhcp_type"] = lower(m["msg_type"]);
    if (m.contains("host_name")) d["hostname"] = m["host_name"];
    if (m.contains("requested_addr")) d["requested_ip"] = m["requested_addr"];
    for (const char* k :
         {"lease_time", "renewal_time", "rebinding_time", "subnet_mask", "routers", "dns_servers"})
      if (m.contains(k)) d[k] = m[k];
    if (m.contains("vendor_class")) d["vendor_class_identifier"] = m["vendor_class"];
    if (m.contains("client_id")) {
      // Suricata logs option 61 without its type byte.
      const std::string id = m["client_id"];
      d["client_id"] = id.size() > 3 ? id.substr(3) : "";
    }
    if (m.contains("params")) {
      Json p = Json::array();
      for (const Json& c : m["params"]) {
        const std::string n = param_name(c.get<int>());
        if (!n.empty()) p.push_back(n);
      }
      d["params"] = p;
    }
    out.push_back(Json{{"event_type", "dhcp"},
                       {"src_ip", m["src_h"]},
                       {"src_port", m["src_p"]},
                       {"dest_ip", m["dst_h"]},
                       {"dest_port", m["dst_p"]},
                       {"proto", "UDP"},
                       {"dhcp", d}});
  }
  return out;
}

// ------------------------------------------------------------------ check evaluation

// The JSON value at a dotted path with [n] indices ("dns.answers[0].rrtype"), or nullptr.
const Json* at_path(const Json& j, const std::string& path) {
  const Json* cur = &j;
  std::size_t start = 0;
  while (start <= path.size()) {
    const auto dot = path.find('.', start);
    std::string part =
        path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    std::vector<std::size_t> indices;
    while (!part.empty() && part.back() == ']') {
      const auto open = part.rfind('[');
      if (open == std::string::npos) return nullptr;
      indices.insert(indices.begin(), std::stoul(part.substr(open + 1, part.size() - open - 2)));
      part = part.substr(0, open);
    }
    if (!cur->is_object() || !cur->contains(part)) return nullptr;
    cur = &(*cur)[part];
    for (std::size_t i : indices) {
      if (!cur->is_array() || i >= cur->size()) return nullptr;
      cur = &(*cur)[i];
    }
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return cur;
}

bool equal(const YAML::Node& want, const Json& got) {
  if (want.IsSequence()) {
    if (!got.is_array() || got.size() != want.size()) return false;
    for (std::size_t i = 0; i < want.size(); ++i)
      if (!equal(want[i], got[i])) return false;
    return true;
  }
  const std::string w = want.IsNull() ? "" : want.Scalar();
  if (got.is_boolean()) return (w == "true") == got.get<bool>() && (w == "true" || w == "false");
  if (got.is_number()) {
    char* end = nullptr;
    const double v = std::strtod(w.c_str(), &end);
    return !w.empty() && *end == '\0' && v == got.get<double>();
  }
  if (got.is_string()) return w == got.get<std::string>();
  return false;
}

// One eve-log output of suricata.yaml: which DNS events it keeps.
struct OutputFilter {
  bool requests = true;
  bool responses = true;
  std::set<std::string> types;  // lower case; empty = all
};

std::map<std::string, OutputFilter> output_filters(const fs::path& dir) {
  std::map<std::string, OutputFilter> out;
  if (!fs::exists(dir / "suricata.yaml")) return out;
  const YAML::Node conf = YAML::LoadFile((dir / "suricata.yaml").string());
  for (const auto& o : conf["outputs"]) {
    const YAML::Node eve = o["eve-log"];
    if (!eve || !eve["filename"]) continue;
    OutputFilter f;
    for (const auto& t : eve["types"]) {
      if (!t.IsMap()) continue;
      const YAML::Node dns = t["dns"];
      if (!dns) continue;
      if (dns["requests"]) f.requests = dns["requests"].as<std::string>() == "yes";
      if (dns["responses"]) f.responses = dns["responses"].as<std::string>() == "yes";
      for (const auto& ty : dns["types"]) f.types.insert(lower(ty.as<std::string>()));
    }
    out[eve["filename"].as<std::string>()] = f;
  }
  return out;
}

bool passes(const OutputFilter& f, const Json& e) {
  if (e["event_type"] != "dns") return true;
  const std::string type = e["dns"].value("type", "");
  const bool request = type == "query" || type == "request";
  if (request ? !f.requests : !f.responses) return false;
  return f.types.empty() || f.types.count(lower(e["dns"].value("rrtype", ""))) != 0;
}

struct CheckResult {
  int evaluated = 0;
  int passed = 0;
  int fields = 0;
  std::vector<std::string> failures;
};

CheckResult evaluate(const YAML::Node& checks, const std::vector<Json>& events,
                     const std::map<std::string, OutputFilter>& filters) {
  CheckResult res;
  for (const auto& c : checks) {
    const YAML::Node f = c["filter"];
    if (!f) continue;
    if (f["requires"] && f["requires"]["lt-version"]) continue;  // the pre-8 shape
    const YAML::Node match = f["match"];
    std::string event_type = match["event_type"] ? match["event_type"].Scalar() : "";
    std::vector<std::pair<std::string, YAML::Node>> fields;
    bool foreign = false;
    for (const auto& kv : match) {
      const std::string k = kv.first.Scalar();
      if (k == "event_type" || k == "pcap_cnt") continue;
      if (k.rfind("alert.", 0) == 0 || k.rfind("flow.", 0) == 0 || k.rfind("frame.", 0) == 0 ||
          k == "has-key" || k == "app_proto") {
        foreign = true;
        continue;
      }
      fields.emplace_back(k, kv.second);
    }
    if (event_type.empty() && !fields.empty())
      event_type = fields[0].first.substr(0, fields[0].first.find('.'));
    if (event_type != "dns" && event_type != "mdns" && event_type != "dhcp") continue;
    if (foreign) continue;
    const OutputFilter* of = nullptr;
    if (f["filename"]) {
      const auto it = filters.find(f["filename"].Scalar());
      if (it != filters.end()) of = &it->second;
    }
    const int want = f["count"].as<int>();
    int got = 0;
    for (const Json& e : events) {
      if (e["event_type"] != event_type) continue;
      if (of != nullptr && !passes(*of, e)) continue;
      bool all = true;
      for (const auto& [k, v] : fields) {
        const Json* g = at_path(e, k);
        if (g == nullptr || !equal(v, *g)) {
          all = false;
          break;
        }
      }
      got += all ? 1 : 0;
    }
    ++res.evaluated;
    res.fields += static_cast<int>(fields.size());
    if (got == want) {
      ++res.passed;
    } else {
      std::string desc = "count " + std::to_string(got) + " != " + std::to_string(want) + " for {";
      for (const auto& [k, v] : fields) desc += " " + k + "=" + YAML::Dump(v);
      res.failures.push_back(desc + " }");
    }
  }
  return res;
}

// Tests Ward differs from on purpose, with the reason.
const std::map<std::string, std::string> kIntendedDifferences = {
    {"cond-log-dns-dig", "a rule disables DNS logging in Suricata; Ward has no such rules"},
};

std::string find_pcap(const fs::path& dir, const YAML::Node& test) {
  // A test may name another test's capture; when that one is not in the shared data, the
  // copy in the test's own folder is used.
  if (test["pcap"]) {
    const fs::path named = (dir / test["pcap"].Scalar()).lexically_normal();
    if (fs::exists(named)) return named.string();
    if (fs::exists(dir / named.filename())) return (dir / named.filename()).string();
  }
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".pcap") return e.path().string();
  return "";
}

void run_protocol(const std::string& label, const std::vector<std::string>& names) {
  const fs::path root = fs::path(shared_data_dir()) / "pcap" / "suricata-verify";
  if (!fs::exists(root)) GTEST_SKIP() << "shared test data not present: " << root;
  int compared = 0;
  int agreeing = 0;
  int checks = 0;
  int checks_passed = 0;
  int fields = 0;
  for (const std::string& name : names) {
    const fs::path dir = root / name;
    const YAML::Node test = YAML::LoadFile((dir / "test.yaml").string());
    const std::string pcap = find_pcap(dir, test);
    ASSERT_FALSE(pcap.empty()) << name;
    bool v2 = false;
    if (fs::exists(dir / "suricata.yaml"))
      v2 = read_file((dir / "suricata.yaml").string()).find("version: 2") != std::string::npos;
    TempDir tmp;
    run_with_limits(pcap, tmp);
    std::vector<Json> events;
    for (const Json& r : read_log(tmp.path() + "/logs", "dns"))
      for (Json& e : dns_to_eve(r, v2)) events.push_back(std::move(e));
    for (const Json& r : read_log(tmp.path() + "/logs", "dhcp"))
      for (Json& e : dhcp_to_eve(r)) events.push_back(std::move(e));
    const CheckResult res = evaluate(test["checks"], events, output_filters(dir));
    if (res.evaluated == 0) {
      std::printf("  %s: no dns/mdns/dhcp checks to compare\n", name.c_str());
      continue;
    }
    ++compared;
    checks += res.evaluated;
    checks_passed += res.passed;
    fields += res.fields;
    const bool agrees = res.failures.empty();
    agreeing += agrees ? 1 : 0;
    const auto known = kIntendedDifferences.find(name);
    if (known != kIntendedDifferences.end()) {
      EXPECT_FALSE(agrees) << name << " now agrees: remove it from kIntendedDifferences";
      continue;
    }
    for (const std::string& f : res.failures) ADD_FAILURE() << name << ": " << f;
  }
  std::printf(
      "suricata-verify %s: %d tests compared, %d agree on every check; %d/%d checks pass; "
      "%d fields compared\n",
      label.c_str(), compared, agreeing, checks_passed, checks, fields);
  EXPECT_GE(agreeing * 5, compared * 4);  // >= 80 %
}

TEST(SuricataVerifyDns, WardAgreesFieldByFieldWithSuricatasExpectations) {
  run_protocol(
      "dns", {"cond-log-dns-dig", "dns-eve-type-filtering", "dns-eve-v2-udp-nxdomain-soa",
              "dns-opcode", "dns-reversed-tcp-1", "dns-reversed-udp-1", "dns-udp-junkrequest-first",
              "dns-udp-nxdomain-soa", "dns-udp-z-flag-fp", "mdns"});
}

TEST(SuricataVerifyDhcp, WardAgreesFieldByFieldWithSuricatasExpectations) {
  run_protocol("dhcp",
               {"dhcp-eve-extended", "dhcp-eve-extended-option-60", "dhcp-option-52-overload",
                "dhcp-option-52-overload-both", "dhcp-request-flood", "output-eve-dhcp-01"});
}

}  // namespace
}  // namespace ward::testing
