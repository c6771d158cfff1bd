// Enforceable forms of the policy's segmentation (`ward policy export`):
//   - an nftables ruleset for a router between the zones: default deny on forwarded traffic,
//     established/related allowed, traffic inside a zone allowed, one accept rule per conduit
//     (and its reverse when bidirectional) over named sets of the zones' addresses, and a final
//     rule that counts (counter `drops`) and logs (prefix "ward-drop ") what is then dropped.
//     Zone sets hold exactly the addresses the monitor puts in the zone: a zone's blocks minus
//     the longer blocks of other zones inside them (longest prefix wins). `internet` is every
//     address outside the private, special and zoned ranges. Zones given only by device
//     classes cannot be expressed by address: they and their conduits are left out, with a
//     comment saying so.
//   - IETF MUD files (RFC 8520, ACLs of RFC 8519): one per device class listed by a zone, with
//     from-device and to-device access lists built from the conduits of the zones listing it.
// Pure functions of the policy; deterministic except the MUD `last-update` time, which is
// passed in.
#pragma once

#include <map>
#include <string>

#include "policy/policy.h"

namespace ward::policy {

// The ruleset, for `nft -f`. `source` names the policy file in the header comment.
std::string export_nft(const Policy& p, const std::string& source);

// File name ("infusion_pump.json") -> MUD JSON text. `last_update` is RFC 3339 (UTC);
// `url_base` prefixes the mud-url ("https://example.org/mud/" + class + ".json").
std::map<std::string, std::string> export_mud(const Policy& p, const std::string& last_update,
                                              const std::string& url_base);

}  // namespace ward::policy
