// Google Benchmark for vulnerability matching (issue 4):
//   BM_VulnLoadCorpus  load and index the shipped ICSMA corpus (144 CSAF files)
//   BM_VulnMatch10k    match 10,000 device identities against it; reports devices/s
// The devices are drawn from the corpus product trees (vendor, model, a version from the
// product's range; every third with the version unknown) plus 50 % that match nothing
// (unknown vendors, known vendors with unknown models). Deterministic: no random source.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "vuln/csaf.h"
#include "vuln/matcher.h"

#ifndef WARD_SOURCE_DATA_DIR
#error "WARD_SOURCE_DATA_DIR must name the repository's data/ directory"
#endif

namespace {

using ward::vuln::DeviceIdentity;

std::vector<DeviceIdentity> make_devices(const ward::vuln::Corpus& c, std::size_t n) {
  std::vector<DeviceIdentity> from_tree;
  for (const auto& a : c.advisories)
    for (const auto& p : a.products) from_tree.push_back({p.vendor, p.name, ""});
  std::vector<DeviceIdentity> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const DeviceIdentity& base = from_tree[(i * 7919) % from_tree.size()];
    switch (i % 6) {
      case 0:
      case 1:
        out.push_back(
            {base.vendor, base.model, std::to_string(i % 13) + "." + std::to_string(i % 7)});
        break;
      case 2:
        out.push_back(base);  // version unknown
        break;
      case 3:
        out.push_back({"Acme Medical " + std::to_string(i % 97), base.model, "1.0"});
        break;
      case 4:
        out.push_back({base.vendor, "Unlisted Model " + std::to_string(i), "2.3.4"});
        break;
      default:
        out.push_back({"Generic Networks", "Switch " + std::to_string(i % 31), "15.2(7)E"});
        break;
    }
  }
  return out;
}

ward::vuln::VendorAliases aliases() {
  auto a =
      ward::vuln::VendorAliases::load(std::string(WARD_SOURCE_DATA_DIR) + "/vendor_aliases.json");
  return a.ok() ? std::move(*a) : ward::vuln::VendorAliases{};
}

// NOLINTNEXTLINE(readability-identifier-naming): reported benchmark name, Google's BM_ style.
void BM_VulnLoadCorpus(benchmark::State& state) {
  for (auto _ : state) {
    const auto c =
        ward::vuln::load_csaf_directory(std::string(WARD_SOURCE_DATA_DIR) + "/advisories");
    const ward::vuln::Matcher m(c.advisories, aliases());
    benchmark::DoNotOptimize(m.product_count());
  }
}
BENCHMARK(BM_VulnLoadCorpus)->Unit(benchmark::kMillisecond);

// NOLINTNEXTLINE(readability-identifier-naming): reported benchmark name, Google's BM_ style.
void BM_VulnMatch10k(benchmark::State& state) {
  const auto c = ward::vuln::load_csaf_directory(std::string(WARD_SOURCE_DATA_DIR) + "/advisories");
  const ward::vuln::Matcher m(c.advisories, aliases());
  const std::vector<DeviceIdentity> devices = make_devices(c, 10000);
  std::size_t matched_devices = 0;
  std::size_t matches = 0;
  for (auto _ : state) {
    matched_devices = 0;
    matches = 0;
    for (const DeviceIdentity& d : devices) {
      const auto ms = m.match(d);
      matched_devices += ms.empty() ? 0 : 1;
      matches += ms.size();
    }
    benchmark::DoNotOptimize(matches);
  }
  state.counters["devices/s"] = benchmark::Counter(
      static_cast<double>(devices.size()) * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate);
  state.counters["matched_devices"] = static_cast<double>(matched_devices);
  state.counters["matches"] = static_cast<double>(matches);
  state.counters["advisories"] = static_cast<double>(c.advisories.size());
}
BENCHMARK(BM_VulnMatch10k)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
