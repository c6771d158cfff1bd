// libFuzzer target for the policy loader (YAML, zones, conduits) and what is built from a
// policy that loads: zone lookups over the policy's own blocks, conduit checks, the nftables
// and MUD exports.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "policy/export.h"
#include "policy/policy.h"

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer's entry point name.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 64 * 1024) return 0;  // policy files are small; yaml-cpp recursion is not the target
  const std::string_view text(reinterpret_cast<const char*>(data),  // NOLINT: byte view
                              size);
  auto p = ward::policy::parse_policy(text, "fuzz.yaml");
  if (!p.ok()) return 0;
  for (const ward::policy::Zone& z : p->zones) {
    for (const ward::Cidr& c : z.cidrs) {
      const ward::policy::ZoneId id = p->zone_of(c.base);
      (void)p->zone_name(id);
      for (const ward::policy::Zone& other : p->zones)
        (void)p->conduit_allowing(id, p->find_zone(other.name), ward::bus::Transport::kTcp, 443);
    }
  }
  (void)ward::policy::export_nft(*p, "fuzz.yaml");
  (void)ward::policy::export_mud(*p, "2026-01-01T00:00:00Z", "https://example.org/");
  return 0;
}
