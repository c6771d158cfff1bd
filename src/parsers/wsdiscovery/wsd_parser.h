// WS-Discovery (OASIS WS-Discovery 1.1 and the 2005/04 version) over SOAP-over-UDP, port 3702:
// the datagram parser, its limits, content probe and registration.
//
// One WsdParser serves one UDP flow (both directions) from one thread. Each datagram is one
// SOAP envelope, read with a small bounded XML scanner (xml_scan.h: namespaces resolved,
// comments, processing instructions and DOCTYPE skipped, CDATA and the predefined and numeric
// entities decoded; no external entities, no DTD processing). It emits one WsdMessage per
// WS-Discovery message (wsd_events.h) and clinical::PhiObserved when a patient context scope
// (IEEE 11073-20701 sdc.ctxt.pat) is in it. See README.md.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "parsers/parser.h"
#include "parsers/wsdiscovery/wsd_events.h"

namespace ward::parsers::wsd {

// Every bound the parser keeps. Config keys are "wsd.<member name>".
struct Limits {
  std::uint32_t max_message_bytes = 65535;  // larger datagrams are skipped (wsd.message_too_large)
  std::uint32_t max_depth = 32;             // element nesting (wsd.too_deep)
  std::uint32_t max_namespaces = 64;        // in-scope xmlns declarations (wsd.too_many_namespaces)
  std::uint32_t max_endpoints = 16;         // ProbeMatch/ResolveMatch per message
  std::uint32_t max_list_items = 32;        // Types, Scopes, XAddrs entries per endpoint
  std::uint32_t max_text_bytes = 8192;      // decoded text per message (wsd.text_too_long)
};

Limits limits_from(const LimitOverrides& overrides);

// kYes iff the datagram starts (after whitespace or a BOM) with '<' and names a WS-Discovery
// namespace in its first 1024 bytes; kNo otherwise.
Probe probe(Direction dir, ByteView payload) noexcept;

// The registration entry for parsers/registry.cc: name "wsd", UDP port 3702.
const ParserSpec& parser_spec();

class WsdParserFactory : public ParserFactory {
 public:
  explicit WsdParserFactory(Limits limits) noexcept : limits_(limits) {}
  [[nodiscard]] std::unique_ptr<StreamParser> make(EventSink& /*sink*/) const override {
    return nullptr;
  }
  [[nodiscard]] std::unique_ptr<DatagramParser> make_datagram(EventSink& sink) const override;

 private:
  Limits limits_;
};

// Stable anomaly ids (a public interface: never rename). README.md says when each fires.
namespace anomaly {
inline constexpr std::string_view kPatientContextMulticast = "wsd.patient_context_multicast";
inline constexpr std::string_view kPatientContextCleartext = "wsd.patient_context_cleartext";
inline constexpr std::string_view kMalformedXml = "wsd.malformed_xml";
inline constexpr std::string_view kNotWsDiscovery = "wsd.not_ws_discovery";
inline constexpr std::string_view kMessageTooLarge = "wsd.message_too_large";
inline constexpr std::string_view kTooDeep = "wsd.too_deep";
inline constexpr std::string_view kTooManyNamespaces = "wsd.too_many_namespaces";
inline constexpr std::string_view kTooManyEndpoints = "wsd.too_many_endpoints";
inline constexpr std::string_view kTooManyItems = "wsd.too_many_items";
inline constexpr std::string_view kTextTooLong = "wsd.text_too_long";
inline constexpr std::string_view kDoctype = "wsd.doctype";
}  // namespace anomaly

}  // namespace ward::parsers::wsd
