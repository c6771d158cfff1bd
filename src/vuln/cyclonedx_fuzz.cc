// libFuzzer target for the CycloneDX loader and the SBOM/VEX assessment. The input is a
// CycloneDX document; when it loads, a device named after its subject (and one per component)
// is assessed against a Matcher built from a fixed two-product advisory, so subject binding,
// BOM-Link resolution, version entries and the VEX precedence all run on fuzzed data.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "vuln/assess.h"
#include "vuln/cyclonedx.h"

namespace {

const ward::vuln::Matcher& fixed_matcher() {
  static const ward::vuln::Matcher m = [] {
    ward::vuln::Advisory a;
    a.id = "FUZZ-1";
    for (const char* v : {"<= 9.33", "vers:generic/>=1.0|<2.0"}) {
      ward::vuln::Product p;
      p.product_id = std::string("P-") + v;
      p.vendor = "BD";
      p.name = "Alaris 8015 PC unit";
      p.version = v;
      a.products.push_back(p);
    }
    ward::vuln::Vulnerability vu;
    vu.cve = "CVE-2016-8375";
    for (const auto& p : a.products) vu.status.known_affected.push_back(p.product_id);
    a.vulnerabilities.push_back(vu);
    return ward::vuln::Matcher({a}, {});
  }();
  return m;
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer's entry point name.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data),  // NOLINT: byte view
                              size);
  auto doc = ward::vuln::parse_cyclonedx(text, "fuzz.json");
  if (!doc.ok()) return 0;
  ward::vuln::SbomSet set;
  set.documents.push_back(std::move(*doc));
  const ward::vuln::CdxDocument& d = set.documents[0];
  std::vector<ward::vuln::DeviceIdentity> devices;
  if (d.subject) {
    const auto vendors = d.subject->vendor_names();
    devices.push_back({vendors.empty() ? "BD" : vendors.front(), d.subject->name,
                       d.subject->version.empty() ? "9.33" : d.subject->version});
  }
  devices.push_back({"BD", "Alaris 8015 PC unit", "9.33"});
  for (const auto& dev : devices) {
    const ward::vuln::Assessment a = ward::vuln::assess(dev, fixed_matcher(), set);
    for (const auto& f : a.findings) (void)f.scored();
  }
  return 0;
}
