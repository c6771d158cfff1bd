// libFuzzer target for the CSAF loader and the version-range parser. The input is a CSAF
// document; every product version string it yields is also parsed as a range and compared,
// and the raw input is parsed as a range too (short inputs reach the grammar directly).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "vuln/csaf.h"
#include "vuln/matcher.h"
#include "vuln/version.h"

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer's entry point name.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data),  // NOLINT: byte view
                              size);
  const ward::vuln::VersionRange direct = ward::vuln::parse_range(text.substr(0, 600));
  if (direct.ok) {
    (void)direct.contains("1.0");
    (void)direct.first_version_above();
    (void)direct.describe();
  }
  (void)ward::vuln::fixed_version_from_text(text.substr(0, 600));
  auto a = ward::vuln::parse_csaf(text, "fuzz.json");
  if (!a.ok()) return 0;
  for (const ward::vuln::Product& p : a->products) {
    const ward::vuln::VersionRange r = ward::vuln::parse_range(p.version);
    if (!r.ok) continue;
    (void)r.contains(p.version);
    if (auto above = r.first_version_above()) (void)r.contains(*above);
  }
  std::vector<ward::vuln::Advisory> one;
  one.push_back(std::move(*a));
  const ward::vuln::Matcher m(one, {});
  for (const ward::vuln::Product& p : one[0].products) (void)m.match({p.vendor, p.name, p.version});
  return 0;
}
