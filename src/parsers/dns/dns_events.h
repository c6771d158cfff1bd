// Events of the DNS parser (RFC 1035 and successors; mDNS, RFC 6762, on port 5353). DnsMessage
// is emitted for every DNS message as it is decoded, with views into the message and into the
// parser's scratch (decompressed names), valid during the callback only: detectors and the
// inventory (mDNS names, hostnames) read it there. DnsTransaction is emitted when a query is
// paired with its response, or alone when one side is missing (query never answered, response
// without a query); it owns bounded copies and is what the `dns` log is written from.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bus/event.h"
#include "common/bytes.h"
#include "common/net.h"

namespace ward::parsers::dns {

// RR TYPE values the parser decodes (RFC 1035 §3.2.2, RFC 3596, RFC 2782, RFC 3403, RFC 6891,
// RFC 8659, RFC 9460); any other type is kept as its length.
namespace rr_type {
inline constexpr std::uint16_t kA = 1;
inline constexpr std::uint16_t kNs = 2;
inline constexpr std::uint16_t kCname = 5;
inline constexpr std::uint16_t kSoa = 6;
inline constexpr std::uint16_t kPtr = 12;
inline constexpr std::uint16_t kHinfo = 13;
inline constexpr std::uint16_t kMx = 15;
inline constexpr std::uint16_t kTxt = 16;
inline constexpr std::uint16_t kAaaa = 28;
inline constexpr std::uint16_t kSrv = 33;
inline constexpr std::uint16_t kNaptr = 35;
inline constexpr std::uint16_t kDname = 39;
inline constexpr std::uint16_t kOpt = 41;
inline constexpr std::uint16_t kDs = 43;
inline constexpr std::uint16_t kRrsig = 46;
inline constexpr std::uint16_t kNsec = 47;
inline constexpr std::uint16_t kDnskey = 48;
inline constexpr std::uint16_t kNsec3 = 50;
inline constexpr std::uint16_t kSvcb = 64;
inline constexpr std::uint16_t kHttps = 65;
inline constexpr std::uint16_t kSpf = 99;
inline constexpr std::uint16_t kCaa = 257;
}  // namespace rr_type

// Zeek's names (base/protocols/dns/consts.zeek): "A", "AAAA", ...; "query-<n>" if unknown.
std::string type_name(std::uint16_t type);
// "C_INTERNET", "C_CHAOS", ...; "unknown-<n>" if unknown. The mDNS unicast-response /
// cache-flush bit (0x8000) is part of `qclass` as on the wire.
std::string class_name(std::uint16_t qclass);
// "NOERROR", "NXDOMAIN", ...; "unknown-<n>" if unknown.
std::string rcode_name(std::uint16_t rcode);
// "query", "iquery", "status", "notify", "dynamic_update"; "unknown-<n>" otherwise.
std::string opcode_name(std::uint8_t opcode);

struct Question {
  std::string_view name;  // dotted, without the trailing dot; "" is the root
  std::uint16_t qtype = 0;
  std::uint16_t qclass = 0;  // as on the wire (mDNS: bit 15 asks for a unicast response)
};

enum class Section : std::uint8_t { kAnswer, kAuthority, kAdditional };
std::string_view section_name(Section s) noexcept;  // "answer", "authority", "additional"

struct EdnsOption {
  std::uint16_t code = 0;
  ByteView data;
};

// One resource record. Which members are set depends on `type` (see each member); `rdata` is
// always the raw RDATA. For an unknown type only `rdata` (its length) is meaningful.
struct ResourceRecord {
  Section section = Section::kAnswer;
  std::string_view name;
  std::uint16_t type = 0;
  std::uint16_t rclass = 0;  // as on the wire (mDNS cache-flush bit included); OPT: UDP size
  std::uint32_t ttl = 0;     // OPT: extended rcode, version, flags (RFC 6891 §6.1.3)
  ByteView rdata;
  bool decoded = false;  // the RDATA of a known type decoded cleanly

  IpAddr addr;  // A, AAAA
  // CNAME, NS, PTR, DNAME: the name; MX: exchange; SRV, SVCB, HTTPS: target; SOA: mname;
  // NAPTR: replacement.
  std::string_view target;
  // MX preference; SRV priority; SVCB/HTTPS SvcPriority; NAPTR order.
  std::uint16_t priority = 0;
  std::uint16_t weight = 0;  // SRV weight; NAPTR preference
  std::uint16_t port = 0;    // SRV port
  // SOA (RFC 1035 §3.3.13)
  std::string_view rname;
  std::uint32_t serial = 0, refresh = 0, retry = 0, expire = 0, minimum = 0;
  // TXT, SPF: the character-strings; HINFO: cpu, os.
  std::span<const std::string_view> strings;
  // NAPTR (RFC 3403 §4.1): flags, service, regexp.
  std::string_view naptr_flags, naptr_service, naptr_regexp;
  // CAA: flags byte, tag and value.
  std::uint8_t caa_flags = 0;
  std::string_view caa_tag, caa_value;
  // RRSIG: type covered, signer; DS/DNSKEY/RRSIG: algorithm; DS: digest type.
  std::uint16_t type_covered = 0;
  std::uint8_t algorithm = 0;
  std::uint8_t digest_type = 0;
};

// The OPT pseudo-RR (RFC 6891 §6.1.2-6.1.3).
struct Edns {
  std::uint16_t udp_payload_size = 0;
  std::uint8_t extended_rcode = 0;  // upper 8 bits of the 12-bit rcode
  std::uint8_t version = 0;
  bool dnssec_ok = false;  // DO bit
  std::span<const EdnsOption> options;
};

struct DnsMessage : bus::Event {
  static constexpr bus::EventKind kKind = bus::EventKind::kDnsMessage;
  DnsMessage() noexcept : bus::Event(kKind) {}

  // Header (RFC 1035 §4.1.1; AD and CD from RFC 4035 §3.2).
  std::uint16_t id = 0;
  bool qr = false;
  std::uint8_t opcode = 0;
  bool aa = false, tc = false, rd = false, ra = false, z = false, ad = false, cd = false;
  std::uint8_t rcode = 0;  // the header's 4 bits
  std::uint16_t qdcount = 0, ancount = 0, nscount = 0, arcount = 0;

  bool tcp = false;  // DNS over TCP (else UDP); mDNS is UDP port 5353 in the event context
  std::span<const Question> questions;
  std::span<const ResourceRecord> records;  // all sections in wire order (OPT included)
  std::optional<Edns> edns;
  // Decoding stopped early (a malformed section or a limit): the views hold what came before.
  bool partial = false;
};

// One answer or authority record as logged (owned, bounded copies).
struct LoggedRecord {
  Section section = Section::kAnswer;
  std::string name;
  std::uint16_t type = 0;
  std::uint32_t ttl = 0;
  std::string data;  // Zeek's rendering (answers field), e.g. an address, a name, "TXT 5 hello"
  // SOA only
  std::string rname;
  std::uint32_t serial = 0, refresh = 0, retry = 0, expire = 0, minimum = 0;
  std::vector<std::string> strings;  // TXT only
};

struct EdnsSummary {
  std::uint16_t udp_payload_size = 0;
  std::uint8_t extended_rcode = 0;
  std::uint8_t version = 0;
  bool dnssec_ok = false;
  std::vector<std::uint16_t> option_codes;
};

// A query and its response, or one of them alone. Fields follow Zeek's DNS::Info rules (see
// README.md: which message each field comes from).
struct DnsTransaction : bus::Event {
  static constexpr bus::EventKind kKind = bus::EventKind::kDnsTransaction;
  DnsTransaction() noexcept : bus::Event(kKind) {}

  TimeNs ts = 0;  // when the first message of the pair was seen
  std::uint16_t trans_id = 0;
  std::uint8_t opcode = 0;
  bool saw_query = false;
  bool saw_reply = false;
  bool tcp = false;
  // Direction of the query, or for a response alone the direction opposite to the response:
  // the log names the client as originator (Zeek and Suricata flip such flows too).
  bus::Direction client_dir = bus::Direction::kToServer;
  std::optional<TimeNs> rtt;  // response time - query time, when the response had answers
  std::string query;
  std::vector<std::string> extra_queries;  // questions after the first (mDNS asks several)
  std::vector<std::uint16_t> extra_qtypes;
  std::optional<std::uint16_t> qclass;  // from the query
  std::optional<std::uint16_t> qtype;   // from the query
  std::optional<std::uint8_t> rcode;    // from the response header
  bool aa = false, tc = false, rd = false, ra = false;
  std::uint8_t z = 0;                // Zeek's Z: the three bits Z, AD, CD of the query header
  std::vector<std::string> answers;  // answer section, Zeek's rendering
  std::vector<std::uint32_t> ttls;
  bool rejected = false;
  std::vector<LoggedRecord> records;  // answer and authority sections
  std::optional<EdnsSummary> query_edns;
  std::optional<EdnsSummary> reply_edns;
};

}  // namespace ward::parsers::dns
