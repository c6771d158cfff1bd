// `ward`: the command-line entry point.
//   ward monitor --read capture.pcap --policy ward.yaml --out logs/ --db ward.db
//   ward monitor --interface eth0 ...          (live; stops cleanly on SIGINT/SIGTERM)
//   ward policy check ward.yaml
//   ward policy learn --read a.pcap [--read b.pcap] [--out FILE]
//   ward policy diff --policy ward.yaml --read a.pcap [--format json]   (exit 1: violations)
//   ward policy export --nft --policy ward.yaml [-o FILE] | --mud DIR --policy ward.yaml
//   ward vuln advisories | match --vendor V --model M [--version X] [--sbom DIR]
//   ward vuln update --from DIR
//   ward vuln assess --read a.pcap [--sbom DIR] [--format table|json|csv]
//   ward inventory --read a.pcap [--read b.pcap] [--intended cmms.csv] [--format table|json|csv]
//   ward baseline learn --read a.pcap [--read b.pcap] [--policy ward.yaml] --out baseline.json
//   ward monitor --read c.pcap --baseline baseline.json ...
//   ward eval --policy ward.yaml --labels labels.json capture.pcap [--format json] [--baseline B]
//   ward version
// Exit codes: 0 success; 1 an input or output error during the run (everything before it was
// processed and written); 2 a usage or configuration error; 3 alerts at or above --fail-on.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>

#include "common/json_writer.h"
#include "detect/alert.h"
#include "detect/baseline.h"
#include "engine/monitor.h"
#include "engine/observed_device.h"
#include "engine/policy_tools.h"
#include "engine/report.h"
#include "eval/attack_classes.h"
#include "eval/labels.h"
#include "eval/scorecard.h"
#include "inventory/identify.h"
#include "inventory/intended.h"
#include "inventory/inventory_report.h"
#include "policy/export.h"
#include "policy/policy.h"
#include "vuln/commands.h"

namespace {

std::atomic<ward::capture::PacketSource*> g_source{nullptr};

extern "C" void on_stop_signal(int /*sig*/) {
  // Async-signal-safe: an atomic load and an atomic store. SA_RESETHAND makes a second signal
  // terminate at once.
  if (ward::capture::PacketSource* s = g_source.load()) s->request_stop();
}

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

int run_monitor_command(ward::engine::MonitorOptions opts, const std::string& format, bool quiet,
                        const std::string& fail_on) {
  ward::detect::Severity threshold = ward::detect::Severity::kCritical;
  if (!fail_on.empty() && !ward::detect::parse_severity(fail_on, threshold)) {
    std::cerr << "ward monitor: --fail-on must be one of info, low, medium, high, critical\n";
    return 2;
  }
  install_signal_handlers();
  if (!quiet) {
    opts.on_listening = [](const std::string& interface) {
      std::cerr << "ward monitor: listening on " << interface << " (Ctrl-C stops)" << std::endl;
    };
  }
  auto r = ward::engine::run_monitor(opts, &g_source);
  if (!r.ok()) {
    std::cerr << "ward monitor: " << r.error().message() << "\n";
    return 2;
  }
  for (const auto& w : r->warnings) std::cerr << "ward monitor: warning: " << w << "\n";
  if (format == "json") {
    std::cout << ward::engine::format_report_json(*r) << "\n";
  } else if (!quiet) {
    std::cout << ward::engine::format_report_text(*r);
  }
  if (!r->input_error.ok()) {
    std::cerr << "ward monitor: " << r->input_error.message() << "\n";
    return 1;
  }
  if (!r->output_error.ok()) {
    std::cerr << "ward monitor: " << r->output_error.message() << "\n";
    return 1;
  }
  if (!fail_on.empty()) {
    for (int s = static_cast<int>(threshold); s <= 4; ++s)
      if (r->alerts_by_severity[static_cast<std::size_t>(s)] > 0) return 3;
  }
  return 0;
}

struct InventoryArgs {
  std::vector<std::string> reads;
  std::string policy_path;
  std::string fingerprints_path;
  std::string intended_path;
  std::string oui_path;
  std::string format = "table";
  std::uint64_t seed = 1;
};

// Runs the monitor pipeline over every capture into one identification engine and, with
// `learn`, one behaviour baseline. Returns 0, or 1 after an input error in a capture (what was
// read before it counts), or 2 for a usage or configuration error; `who` prefixes the messages.
int collect_inventory(const InventoryArgs& a, const char* who,
                      std::vector<ward::inventory::Device>& devices,
                      ward::detect::Baseline* learn = nullptr) {
  auto id = ward::inventory::load_identification("", a.fingerprints_path, a.oui_path);
  if (!id.ok()) {
    std::cerr << who << ": " << id.error().message() << "\n";
    return 2;
  }
  for (const auto& w : (*id)->warnings) std::cerr << who << ": warning: " << w << "\n";
  ward::inventory::DeviceTracker tracker((*id)->tracker_options());
  install_signal_handlers();
  int rc = 0;
  for (const std::string& path : a.reads) {
    ward::engine::MonitorOptions mo;
    mo.read_path = path;
    mo.policy_path = a.policy_path;
    mo.uid_seed = a.seed;
    mo.tracker = &tracker;
    mo.ephemeral_phi_key = true;
    if (learn != nullptr) {
      mo.baseline = learn;
      mo.baseline_learn = true;
    }
    auto r = ward::engine::run_monitor(mo, &g_source);
    if (!r.ok()) {
      std::cerr << who << ": " << r.error().message() << "\n";
      return 2;
    }
    if (learn != nullptr)
      for (const auto& w : r->warnings) std::cerr << who << ": warning: " << w << "\n";
    if (!r->input_error.ok()) {
      std::cerr << who << ": " << r->input_error.message() << "\n";
      rc = 1;
    }
  }
  devices = tracker.snapshot();
  const auto& st = tracker.stats();
  if (st.devices_dropped + st.values_dropped + st.evidence_dropped + st.ips_dropped > 0) {
    std::cerr << who << ": warning: limits reached: " << st.devices_dropped << " devices, "
              << st.values_dropped << " attribute values, " << st.evidence_dropped
              << " evidence entries, " << st.ips_dropped << " addresses not kept\n";
  }
  return rc;
}

// Prints the inventory of the captures and, with --intended, the reconciliation.
int run_inventory_command(const InventoryArgs& a) {
  std::vector<ward::inventory::IntendedAsset> intended;
  if (!a.intended_path.empty()) {
    auto in = ward::inventory::load_intended(a.intended_path);
    if (!in.ok()) {
      std::cerr << "ward inventory: " << in.error().message() << "\n";
      return 2;
    }
    intended = std::move(*in);
  }
  std::vector<ward::inventory::Device> devices;
  const int rc = collect_inventory(a, "ward inventory", devices);
  if (rc == 2) return rc;
  ward::inventory::Reconciliation rec;
  ward::inventory::InventoryView view{&devices, nullptr, nullptr};
  if (!a.intended_path.empty()) {
    rec = ward::inventory::reconcile(intended, devices);
    view.intended = &intended;
    view.reconciliation = &rec;
  }
  if (a.format == "json") {
    std::cout << ward::inventory::format_inventory_json(view) << "\n";
  } else if (a.format == "csv") {
    std::cout << ward::inventory::format_inventory_csv(view);
  } else {
    std::cout << ward::inventory::format_inventory_table(view);
  }
  return rc;
}

// `ward vuln assess`: the inventory of the captures, each identified device matched against
// the advisories (and SBOM/VEX) and scored.
int run_vuln_assess(const InventoryArgs& a, const ward::vuln::VulnPaths& paths,
                    ward::vuln::OutputFormat format) {
  std::vector<ward::inventory::Device> devices;
  const int rc = collect_inventory(a, "ward vuln", devices);
  if (rc == 2) return rc;
  // The policy's zones say where each device can be reached from (already validated above).
  std::optional<ward::policy::Policy> policy;
  if (!a.policy_path.empty()) {
    if (auto p = ward::policy::load_policy(a.policy_path); p.ok()) policy = std::move(*p);
  }
  const std::vector<ward::vuln::ObservedDevice> observed =
      ward::engine::observe_devices(devices, policy ? &*policy : nullptr);
  const ward::vuln::CommandResult r = ward::vuln::run_assess(paths, observed, format);
  std::cout << r.out;
  std::cerr << r.err;
  return std::max(rc, r.exit_code);
}

// `ward baseline learn`: every capture into one behaviour baseline, written to `out`.
int run_baseline_learn(const InventoryArgs& a, const std::string& out) {
  const char* who = "ward baseline learn";
  ward::detect::Baseline baseline;
  std::vector<ward::inventory::Device> devices;
  const int rc = collect_inventory(a, who, devices, &baseline);
  if (rc == 2) return rc;
  if (baseline.devices.empty())
    std::cerr << who << ": warning: no device was identified: the baseline is empty\n";
  if (auto s = ward::detect::save_baseline(baseline, out); !s.ok()) {
    std::cerr << who << ": " << s.message() << "\n";
    return 2;
  }
  std::cerr << who << ": " << baseline.devices.size() << " devices over "
            << static_cast<long long>(baseline.learned_s) << " s of traffic, written to " << out
            << "\n";
  return rc;
}

struct EvalArgs {
  std::vector<std::string> captures;
  std::string policy_path;
  std::string labels_path;
  std::string format = "text";
  double grace_s = 60;
  double min_precision = -1;
  double min_recall = -1;
  std::vector<std::string> ignore_classes;
  std::string baseline_path;
};

// `ward eval`: runs the monitor over the captures and scores its alerts against the labels.
// Exit 0, or 3 when --min-precision / --min-recall is not met.
int run_eval_command(const EvalArgs& a) {
  auto labels = ward::eval::load_labels(a.labels_path);
  if (!labels.ok()) {
    std::cerr << "ward eval: " << labels.error().message() << "\n";
    return 2;
  }
  for (const std::string& c : a.ignore_classes) {
    if (!ward::eval::is_attack_class(c)) {
      std::cerr << "ward eval: --ignore-class: unknown class '" << c << "' (docs/eval.md)\n";
      return 2;
    }
  }
  std::optional<ward::detect::Baseline> baseline;
  if (!a.baseline_path.empty()) {
    auto b = ward::detect::load_baseline(a.baseline_path);
    if (!b.ok()) {
      std::cerr << "ward eval: " << b.error().message() << "\n";
      return 2;
    }
    baseline = std::move(*b);
  }
  std::vector<ward::eval::ObservedAlert> alerts;
  std::size_t ignored = 0;
  install_signal_handlers();
  int rc = 0;
  for (const std::string& path : a.captures) {
    ward::engine::MonitorOptions mo;
    mo.read_path = path;
    mo.policy_path = a.policy_path;
    mo.ephemeral_phi_key = true;
    if (baseline) mo.baseline = &*baseline;  // loaded: not extended by the captures
    mo.on_alert = [&alerts, &a, &ignored](const ward::bus::EventContext& ctx,
                                          const ward::detect::AlertEvent& e,
                                          ward::TimeNs raised_at) {
      const std::string_view cls = ward::eval::class_of_alert(e.rule, ctx.service);
      if (std::find(a.ignore_classes.begin(), a.ignore_classes.end(), cls) !=
          a.ignore_classes.end()) {
        ++ignored;
        return;
      }
      alerts.push_back({std::string(e.rule), static_cast<double>(raised_at) / 1e9, ctx.src_h(),
                        ctx.dst_h(), std::string(ctx.service)});
    };
    auto r = ward::engine::run_monitor(mo, &g_source);
    if (!r.ok()) {
      std::cerr << "ward eval: " << r.error().message() << "\n";
      return 2;
    }
    if (!r->input_error.ok()) {
      std::cerr << "ward eval: " << r->input_error.message() << "\n";
      rc = 1;
    }
  }
  ward::eval::MatchOptions opts;
  opts.grace_s = a.grace_s;
  const ward::eval::Scorecard s = ward::eval::score(*labels, alerts, opts);
  std::cout << (a.format == "json" ? ward::eval::format_scorecard_json(s) + "\n"
                                   : ward::eval::format_scorecard_text(s));
  if (ignored > 0)
    std::cerr << "ward eval: " << ignored << " alerts of ignored classes not scored\n";
  const bool precision_short =
      a.min_precision >= 0 && s.overall.precision && *s.overall.precision < a.min_precision;
  const bool recall_short =
      a.min_recall >= 0 && s.overall.recall && *s.overall.recall < a.min_recall;
  if (precision_short || recall_short) return 3;
  return rc;
}

int run_policy_check(const std::string& path, const std::string& format) {
  auto p = ward::policy::load_policy(path);
  if (format == "json") {
    std::string out;
    ward::JsonWriter w(out);
    w.begin_object().kv("file", path).kv("valid", p.ok());
    if (!p.ok()) {
      w.kv("error", p.error().message());
    } else {
      w.kv("drugs", static_cast<std::uint64_t>(p->drugs.size()))
          .kv("authorized_programmers", static_cast<std::uint64_t>(p->programmers.size()))
          .kv("mqtt_command_topics", static_cast<std::uint64_t>(p->mqtt_command_topics.size()))
          .kv("zones", static_cast<std::uint64_t>(p->zones.size()))
          .kv("conduits", static_cast<std::uint64_t>(p->conduits.size()));
    }
    w.end_object();
    std::cout << out << "\n";
    return p.ok() ? 0 : 2;
  }
  if (!p.ok()) {
    std::cerr << p.error().message() << "\n";
    return 2;
  }
  for (const auto& [k, v] : p->limits.all()) {
    if (!ward::engine::is_known_limit_key(k)) {
      std::cerr << path << ": limits: unknown limit '" << k << "'\n";
      return 2;
    }
  }
  std::cout << path << ": ok (" << p->drugs.size() << " drugs, " << p->programmers.size()
            << " authorised programmers, " << p->mqtt_command_topics.size()
            << " MQTT command topics)\n";
  if (p->programmers.empty())
    std::cout << "  note: no authorized_programmers: the programmer check is off\n";
  if (p->drugs.empty()) std::cout << "  note: no drug_library: the dose-limit checks are off\n";
  if (p->zones.empty()) {
    std::cout << "  note: no zones: the segmentation checks are off\n";
  } else {
    std::size_t medical = 0;
    for (const auto& z : p->zones) medical += z.medical ? 1 : 0;
    std::cout << "  segmentation: " << p->zones.size() << " zones (" << medical << " medical), "
              << p->conduits.size() << " conduits\n";
  }
  return 0;
}

// `ward policy export`: 0 written, 2 a usage, policy or write error.
int run_policy_export(const std::string& path, bool nft, const std::string& out,
                      const std::string& mud_dir, const std::string& url_base) {
  if (!nft && mud_dir.empty()) {
    std::cerr << "ward policy export: give --nft or --mud DIR\n";
    return 2;
  }
  auto p = ward::policy::load_policy(path);
  if (!p.ok()) {
    std::cerr << "ward policy export: " << p.error().message() << "\n";
    return 2;
  }
  if (p->zones.empty()) {
    std::cerr << "ward policy export: " << path << " defines no zones\n";
    return 2;
  }
  if (nft) {
    const std::string rules = ward::policy::export_nft(*p, path);
    if (out.empty()) {
      std::cout << rules;
      return 0;
    }
    std::ofstream f(out);
    f << rules;
    if (!f.flush()) {
      std::cerr << "ward policy export: cannot write " << out << "\n";
      return 2;
    }
    return 0;
  }
  std::error_code ec;
  std::filesystem::create_directories(mud_dir, ec);
  if (ec) {
    std::cerr << "ward policy export: cannot create " << mud_dir << ": " << ec.message() << "\n";
    return 2;
  }
  // RFC 8520 last-update: now, or SOURCE_DATE_EPOCH for reproducible output.
  std::time_t now = std::time(nullptr);
  if (const char* sde = std::getenv("SOURCE_DATE_EPOCH"); sde != nullptr)
    now = static_cast<std::time_t>(std::strtoll(sde, nullptr, 10));
  std::tm tm{};
  gmtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
  const auto files = ward::policy::export_mud(*p, stamp, url_base);
  if (files.empty()) {
    std::cerr << "ward policy export: no zone lists device_classes: no MUD file to write\n";
    return 2;
  }
  for (const auto& [name, json] : files) {
    const std::string file = (std::filesystem::path(mud_dir) / name).string();
    std::ofstream f(file);
    f << json;
    if (!f.flush()) {
      std::cerr << "ward policy export: cannot write " << file << "\n";
      return 2;
    }
    std::cout << file << "\n";
  }
  return 0;
}

}  // namespace

// CLI11 reports usage errors by throwing CLI::ParseError, caught below; its other exceptions
// mean a mis-declared option or subcommand, our bug, which crashes (STYLE.md section 3).
// NOLINTNEXTLINE(bugprone-exception-escape): only our bugs escape, see above.
int main(int argc, char** argv) {
  CLI::App app{"Ward: network security monitoring for medical-device networks"};
  app.require_subcommand(1);
  std::string format = "text";

  ward::engine::MonitorOptions mo;
  bool quiet = false;
  std::string fail_on;
  std::vector<std::string> sets;
  std::uint64_t seed = 0;
  auto* mon = app.add_subcommand("monitor", "Analyse a capture file or a live interface");
  auto* read_opt =
      mon->add_option("-r,--read", mo.read_path, "pcap or pcapng file to read (- for stdin)");
  auto* iface_opt =
      mon->add_option("-i,--interface", mo.interface, "network interface to capture on");
  read_opt->excludes(iface_opt);
  mon->add_option("-f,--filter", mo.bpf_filter, "BPF capture filter");
  mon->add_option("-p,--policy", mo.policy_path, "policy file (ward.yaml)");
  mon->add_option("-o,--out", mo.out_dir, "directory for the JSON Lines logs");
  mon->add_option("--db", mo.db_path, "SQLite database to write");
  mon->add_option("--phi-key", mo.phi_key_path,
                  "key file for hashing patient identifiers (created if missing)");
  auto* seed_opt =
      mon->add_option("--seed", seed, "seed for connection uids (reproducible output)");
  mon->add_option("--set", sets, "override a limit, e.g. --set flow.max_flows=200000");
  mon->add_option("--max-packets", mo.max_packets, "stop after this many packets");
  mon->add_option("--payload-excerpt", mo.payload_excerpt_bytes,
                  "bytes of payload kept in logs (default 128)");
  mon->add_option("--format", format, "text or json")->check(CLI::IsMember({"text", "json"}));
  mon->add_flag("-q,--quiet", quiet, "print nothing but errors");
  mon->add_option("--fail-on", fail_on,
                  "exit with 3 if an alert at or above this severity was raised");
  // Vulnerability assessment at the end of the run: on by default with the shipped corpus.
  ward::vuln::VulnPaths monitor_vuln = ward::vuln::default_paths(argc > 0 ? argv[0] : "");
  bool no_vuln = false;
  auto* mon_adv = mon->add_option(
      "--advisories", monitor_vuln.advisories,
      "CSAF corpus for the vuln log (default: " + monitor_vuln.advisories.string() + ")");
  mon->add_option("--sbom", monitor_vuln.sbom, "directory of CycloneDX BOM and VEX files (JSON)");
  bool no_detect = false;
  mon->add_flag("--no-detect", no_detect,
                "run no detector (no alerts): to measure what detection costs");
  std::string baseline_path;
  mon->add_option("--baseline", baseline_path,
                  "behaviour baseline from `ward baseline learn`: check from the first packet");
  mon->add_flag("--no-vuln", no_vuln, "do not assess the identified devices against advisories")
      ->excludes(mon_adv);

  std::string policy_file;
  auto* pol = app.add_subcommand("policy", "Work with the policy file");
  pol->require_subcommand(1);
  auto* check = pol->add_subcommand("check", "Validate a policy file");
  check->add_option("file", policy_file, "policy file")->required();
  check->add_option("--format", format, "text or json")->check(CLI::IsMember({"text", "json"}));
  ward::engine::PolicyToolOptions learn_opts;
  std::string learn_out;
  auto* learn = pol->add_subcommand(
      "learn", "Propose zones and conduits from captures, as a commented policy file to review");
  learn->add_option("-r,--read", learn_opts.reads, "pcap or pcapng file(s) to read")->required();
  learn->add_option("-o,--out", learn_out, "write the proposal here (default: standard output)");
  learn->add_option("--fingerprints", learn_opts.fingerprints_path,
                    "extra fingerprint rules (YAML)");
  learn->add_option("--oui", learn_opts.oui_path, "IEEE OUI table");
  ward::engine::PolicyToolOptions diff_opts;
  std::string diff_format = "text";
  auto* diff = pol->add_subcommand(
      "diff",
      "List the flows of captures that the policy's conduits do not allow. Exit status: 0 none, "
      "1 some, 2 error");
  diff->add_option("-p,--policy", diff_opts.policy_path, "policy file (ward.yaml)")->required();
  diff->add_option("-r,--read", diff_opts.reads, "pcap or pcapng file(s) to read")->required();
  diff->add_option("--format", diff_format, "text or json")->check(CLI::IsMember({"text", "json"}));
  diff->add_option("--fingerprints", diff_opts.fingerprints_path, "extra fingerprint rules (YAML)");
  diff->add_option("--oui", diff_opts.oui_path, "IEEE OUI table");
  std::string export_policy, export_out, export_mud_dir;
  std::string mud_url_base = "https://mud.example.org/ward/";
  bool export_nft = false;
  auto* exp = pol->add_subcommand(
      "export", "Export the zones and conduits as an nftables ruleset or IETF MUD files");
  exp->add_option("-p,--policy", export_policy, "policy file (ward.yaml)")->required();
  auto* nft_flag = exp->add_flag("--nft", export_nft, "an nftables ruleset (for nft -f)");
  auto* mud_opt = exp->add_option("--mud", export_mud_dir,
                                  "write one RFC 8520 MUD file per device class into DIR");
  nft_flag->excludes(mud_opt);
  exp->add_option("-o,--out", export_out, "with --nft: write here (default: standard output)");
  exp->add_option("--mud-url-base", mud_url_base,
                  "with --mud: the URL the files will be served from (mud-url prefix)");

  std::string vuln_format = "table";
  ward::vuln::VulnPaths vuln_paths = ward::vuln::default_paths(argc > 0 ? argv[0] : "");
  ward::vuln::DeviceIdentity vuln_device;
  std::string vuln_from;
  auto* vuln = app.add_subcommand("vuln", "Vulnerability assessment against CSAF advisories");
  vuln->require_subcommand(1);
  const auto add_vuln_common = [&](CLI::App* sub) {
    sub->add_option("--advisories", vuln_paths.advisories,
                    "CSAF corpus directory (default: " + vuln_paths.advisories.string() + ")");
    sub->add_option("--format", vuln_format, "table, json or csv")
        ->check(CLI::IsMember({"table", "text", "json", "csv"}));
  };
  auto* vuln_adv = vuln->add_subcommand("advisories", "List the loaded advisory corpus");
  add_vuln_common(vuln_adv);
  auto* vuln_match = vuln->add_subcommand("match", "Match one device against the corpus");
  add_vuln_common(vuln_match);
  vuln_match->add_option("--vendor", vuln_device.vendor, "device vendor")->required();
  vuln_match->add_option("--model", vuln_device.model, "device model or product name")->required();
  vuln_match->add_option("--version", vuln_device.version, "firmware/software version");
  vuln_match->add_option("--sbom", vuln_paths.sbom,
                         "directory of CycloneDX BOM and VEX files (JSON) for the device model");
  vuln_match->add_option("--aliases", vuln_paths.aliases,
                         "vendor alias table (default: " + vuln_paths.aliases.string() + ")");
  auto* vuln_update =
      vuln->add_subcommand("update", "Validate CSAF files and add the good ones to the corpus");
  add_vuln_common(vuln_update);
  vuln_update->add_option("--from", vuln_from, "directory of new CSAF 2.0 JSON files")->required();
  InventoryArgs assess_args;
  auto* vuln_assess = vuln->add_subcommand(
      "assess", "Identify the devices in captures, match them and score their risk");
  add_vuln_common(vuln_assess);
  vuln_assess->add_option("-r,--read", assess_args.reads, "pcap or pcapng file(s) to read")
      ->required();
  vuln_assess->add_option("-p,--policy", assess_args.policy_path, "policy file (ward.yaml)");
  vuln_assess->add_option("--fingerprints", assess_args.fingerprints_path,
                          "extra fingerprint rules (YAML)");
  vuln_assess->add_option("--oui", assess_args.oui_path, "IEEE OUI table");
  vuln_assess->add_option("--sbom", vuln_paths.sbom,
                          "directory of CycloneDX BOM and VEX files (JSON)");
  vuln_assess->add_option("--aliases", vuln_paths.aliases, "vendor alias table");
  EvalArgs eval_args;
  auto* eval = app.add_subcommand(
      "eval",
      "Score the detections on captures against labels (precision, recall, time to detect)");
  eval->add_option("captures", eval_args.captures, "pcap or pcapng file(s)")->required();
  eval->add_option("-p,--policy", eval_args.policy_path, "policy file (ward.yaml)");
  eval->add_option("-l,--labels", eval_args.labels_path, "labels JSON (docs/eval.md)")->required();
  eval->add_option("--format", eval_args.format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  eval->add_option("--grace", eval_args.grace_s,
                   "seconds after a label's end_ts in which an alert still counts (default 60)")
      ->check(CLI::NonNegativeNumber);
  eval->add_option("--min-precision", eval_args.min_precision,
                   "exit 3 if overall precision is below this")
      ->check(CLI::Range(0.0, 1.0));
  eval->add_option("--min-recall", eval_args.min_recall, "exit 3 if overall recall is below this")
      ->check(CLI::Range(0.0, 1.0));
  eval->add_option("--ignore-class", eval_args.ignore_classes,
                   "do not score alerts of this class (repeatable), e.g. phi_cleartext where "
                   "cleartext HL7 is known and accepted");
  eval->add_option("--baseline", eval_args.baseline_path,
                   "behaviour baseline from `ward baseline learn` (docs/detection.md)");
  InventoryArgs inv_args;
  auto* inv = app.add_subcommand(
      "inventory", "Identify the devices in captures; reconcile with an intended inventory");
  inv->add_option("-r,--read", inv_args.reads, "pcap or pcapng file(s) to read")->required();
  inv->add_option("-p,--policy", inv_args.policy_path, "policy file (ward.yaml)");
  inv->add_option("--fingerprints", inv_args.fingerprints_path,
                  "extra fingerprint rules (YAML); they take precedence over the defaults");
  inv->add_option("--intended", inv_args.intended_path,
                  "intended inventory (CSV or JSON: asset_id, mac, ip, vendor, model, firmware, "
                  "location)");
  inv->add_option("--oui", inv_args.oui_path,
                  "IEEE OUI table (default /usr/share/ieee-data/oui.csv)");
  inv->add_option("--format", inv_args.format, "table, json or csv")
      ->check(CLI::IsMember({"table", "json", "csv"}));
  mon->add_option("--fingerprints", mo.fingerprints_path,
                  "extra fingerprint rules (YAML); they take precedence over the defaults");
  mon->add_option("--oui", mo.oui_path, "IEEE OUI table (default /usr/share/ieee-data/oui.csv)");

  InventoryArgs baseline_args;
  std::string baseline_out;
  auto* base = app.add_subcommand("baseline", "Learn per-device behaviour baselines");
  base->require_subcommand(1);
  auto* base_learn = base->add_subcommand(
      "learn", "Learn each identified device's peers, services and rates from captures");
  base_learn->add_option("-r,--read", baseline_args.reads, "pcap or pcapng file(s) to read")
      ->required();
  base_learn->add_option("-p,--policy", baseline_args.policy_path, "policy file (ward.yaml)");
  base_learn->add_option("-o,--out", baseline_out, "baseline file to write (JSON)")->required();
  base_learn->add_option("--fingerprints", baseline_args.fingerprints_path,
                         "extra fingerprint rules (YAML)");
  base_learn->add_option("--oui", baseline_args.oui_path, "IEEE OUI table");

  app.add_subcommand("version", "Print the version");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {  // CLI11 reports usage errors by exception
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }

  if (app.got_subcommand("version")) {
    std::cout << "ward " << WARD_VERSION << "\n";
    return 0;
  }
  if (learn->parsed() || diff->parsed()) {
    install_signal_handlers();
    ward::engine::ToolResult r;
    if (learn->parsed()) {
      r = ward::engine::policy_learn(learn_opts);
    } else {
      diff_opts.json = diff_format == "json";
      r = ward::engine::policy_diff(diff_opts);
    }
    std::cerr << r.err;
    if (learn->parsed() && !learn_out.empty() && r.exit_code != 2) {
      std::ofstream f(learn_out);
      f << r.out;
      if (!f.flush()) {
        std::cerr << "ward policy learn: cannot write " << learn_out << "\n";
        return 2;
      }
    } else {
      std::cout << r.out;
    }
    return r.exit_code;
  }
  if (exp->parsed())
    return run_policy_export(export_policy, export_nft, export_out, export_mud_dir, mud_url_base);
  if (pol->parsed()) return run_policy_check(policy_file, format);
  if (vuln->parsed()) {
    ward::vuln::OutputFormat f = ward::vuln::OutputFormat::kTable;
    (void)ward::vuln::parse_output_format(vuln_format, f);  // checked by CLI11 above
    ward::vuln::CommandResult r;
    if (vuln_adv->parsed()) {
      r = ward::vuln::run_advisories(vuln_paths, f);
    } else if (vuln_assess->parsed()) {
      return run_vuln_assess(assess_args, vuln_paths, f);
    } else if (vuln_match->parsed()) {
      r = ward::vuln::run_match(vuln_paths, vuln_device, f);
    } else {
      r = ward::vuln::run_update(vuln_paths, vuln_from, f);
    }
    std::cout << r.out;
    std::cerr << r.err;
    return r.exit_code;
  }
  if (inv->parsed()) return run_inventory_command(inv_args);
  if (base_learn->parsed()) return run_baseline_learn(baseline_args, baseline_out);
  if (eval->parsed()) return run_eval_command(eval_args);

  if (*seed_opt) mo.uid_seed = seed;
  mo.detect = !no_detect;
  std::optional<ward::detect::Baseline> loaded_baseline;
  if (!baseline_path.empty()) {
    auto b = ward::detect::load_baseline(baseline_path);
    if (!b.ok()) {
      std::cerr << "ward monitor: " << b.error().message() << "\n";
      return 2;
    }
    loaded_baseline = std::move(*b);
    mo.baseline = &*loaded_baseline;
  }
  // The shipped corpus may be missing from a partial install: then the assessment is off
  // (said on stderr). A corpus named with --advisories must load.
  if (!no_vuln) {
    if (mon_adv->count() > 0 || std::filesystem::is_directory(monitor_vuln.advisories)) {
      mo.vuln = monitor_vuln;
    } else {
      std::cerr << "ward monitor: warning: no advisory corpus at "
                << monitor_vuln.advisories.string() << ": vulnerability assessment off\n";
    }
  }
  for (const std::string& s : sets) {
    const auto eq = s.find('=');
    std::uint64_t v = 0;
    const char* begin = eq == std::string::npos ? nullptr : s.c_str() + eq + 1;
    char* end = nullptr;
    if (begin != nullptr && *begin != '\0' && *begin != '-') v = std::strtoull(begin, &end, 10);
    if (begin == nullptr || end == nullptr || *end != '\0') {
      std::cerr << "ward monitor: --set expects key=number, got '" << s << "'\n";
      return 2;
    }
    mo.limits.emplace_back(s.substr(0, eq), v);
  }
  return run_monitor_command(mo, format, quiet, fail_on);
}
