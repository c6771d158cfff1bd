// The one list of parsers. Adding a parser = one line here (see _template/README.md).
#include "parsers/registry.h"

#include <array>

#include "parsers/dhcp/dhcp_parser.h"
#include "parsers/dicom/dicom_parser.h"
#include "parsers/dns/dns_parser.h"
#include "parsers/hl7_mllp/hl7_parser.h"
#include "parsers/http/http_parser.h"
#include "parsers/mqtt/mqtt_parser.h"
#include "parsers/rtp/rtp_parser.h"
#include "parsers/rtsp/rtsp_parser.h"
#include "parsers/tls/tls_parser.h"
#include "parsers/wsdiscovery/wsd_parser.h"

namespace ward::parsers {
namespace {

// CTAD sizes the array, so adding a parser touches only its own line.
const std::array parser_specs = {
    &mqtt::parser_spec(),
    &hl7::parser_spec(),
    &tls::parser_spec(),
    // http before rtsp: "OPTIONS * HTTP/1.1" is HTTP, and http's probe rejects RTSP/1.0 lines.
    &http::parser_spec(),
    &rtsp::parser_spec(),
    &rtp::parser_spec(),
    &dicom::parser_spec(),
    &wsd::parser_spec(),
    &dns::parser_spec(),
    &dhcp::parser_spec(),
};

}  // namespace

std::span<const ParserSpec* const> all_parsers() { return parser_specs; }

const ParserSpec* find_parser(std::string_view name) {
  for (const ParserSpec* p : parser_specs)
    if (p->name == name) return p;
  return nullptr;
}

}  // namespace ward::parsers
