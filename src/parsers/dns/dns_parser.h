// The DNS parser (RFC 1035, RFC 3596, RFC 2782, RFC 3403, RFC 6891, RFC 8659, RFC 9460; mDNS
// RFC 6762): one message decoder behind two transports. Over UDP (ports 53 and 5353, or a
// conservative content probe) a DatagramParser decodes every datagram as one message; over TCP
// (port 53) a StreamParser reads the 2-byte length framing of RFC 1035 §4.2.2 incrementally.
// Both emit DnsMessage for every message and pair queries with responses by id (and question)
// into DnsTransaction events (dns_events.h), with a bounded number of pending queries.
//
// Usage: the registry holds parser_spec(); the flow layer calls spec.configure(overrides) once
// and then factory.make(sink) (TCP) or factory.make_datagram(sink) (UDP) per flow. A parser
// instance serves one flow from one thread; the factory is immutable and may be shared.
// README.md has the state machine, the limits and the anomaly ids.
#pragma once

#include <cstdint>
#include <memory>

#include "parsers/dns/dns_events.h"
#include "parsers/parser.h"

namespace ward::parsers::dns {

// Bounds on everything the parser keeps or copies. Each is configurable as "dns.<field name>"
// (limits_from); README.md has the table.
struct Limits {
  // Largest DNS-over-TCP message buffered and decoded; a larger one is skipped without
  // buffering (anomaly dns.message_too_large). The 2-byte length caps messages at 65535 bytes.
  std::uint32_t max_message_bytes = 65535;
  // Questions decoded per message (more: anomaly dns.too_many_questions, message partial).
  std::uint32_t max_questions = 32;
  // Resource records decoded per message, all sections together (more: anomaly
  // dns.too_many_records, the rest of the message is not decoded).
  std::uint32_t max_records = 256;
  // Character-strings kept per TXT/SPF record and EDNS options kept per OPT record (more:
  // anomaly dns.too_many_strings / dns.too_many_edns_options; the rest are skipped).
  std::uint32_t max_strings_per_record = 64;
  std::uint32_t max_edns_options = 32;
  // Compression pointers followed for one name (RFC 1035 §4.1.4). More is a chain no sane
  // compressor writes: anomaly dns.compression_depth_exceeded, the message is partial.
  std::uint32_t max_compression_pointers = 5;
  // Queries waiting for their response per flow. When full, the oldest is logged unanswered
  // (anomaly dns.too_many_pending_queries).
  std::uint32_t max_pending_queries = 64;
  // Answer and authority records copied into a DnsTransaction (the log), and bytes of any
  // string copied into one (names are at most 255 bytes anyway; TXT strings are cut).
  std::uint32_t max_logged_records = 64;
  std::uint32_t max_string_bytes = 512;
};

// Limits with the overrides "dns.<field>" applied, clamped to sane ranges (README.md).
[[nodiscard]] Limits limits_from(const LimitOverrides& overrides);

// Content detection for a UDP payload: kYes iff it is one well-formed DNS message (header with
// opcode 0, 4 or 5, 1 to 16 questions of a known class, every section decodes, nothing
// trailing); kNo otherwise (a datagram is whole, so never kMaybe). Conservative on purpose: it
// runs on the first payload of every UDP flow, before ports are considered.
[[nodiscard]] Probe probe_udp(Direction dir, ByteView first_payload) noexcept;
// The same over TCP: the 2-byte length then such a message; kMaybe while the message is
// incomplete but its header is plausible.
[[nodiscard]] Probe probe_tcp(Direction dir, ByteView first_bytes) noexcept;

// The outcome of decoding one message (for tests and the fuzzer): true iff every section
// decoded without error.
[[nodiscard]] bool decodes_cleanly(ByteView message) noexcept;

class DnsParserFactory final : public ParserFactory {
 public:
  explicit DnsParserFactory(const Limits& limits) noexcept : limits_(limits) {}
  // REQUIRES (both): `sink` outlives the parser.
  [[nodiscard]] std::unique_ptr<StreamParser> make(EventSink& sink) const override;
  [[nodiscard]] std::unique_ptr<DatagramParser> make_datagram(EventSink& sink) const override;
  [[nodiscard]] const Limits& limits() const noexcept { return limits_; }

 private:
  Limits limits_;
};

// The registry entry: name "dns", TCP port 53, UDP ports 53 and 5353, the probes, configure
// and the `dns` log writer.
const ParserSpec& parser_spec();

}  // namespace ward::parsers::dns
