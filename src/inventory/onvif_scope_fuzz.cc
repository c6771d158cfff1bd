// libFuzzer target for the tracker's reading of untrusted WS-Discovery scopes (ONVIF keys,
// percent-decoding, MAC scopes) and TLS client services. The input is split at spaces and
// newlines into at most 64 scopes of one ONVIF Hello; its first two bytes are also the port of
// one answered TLS session. The tracker runs with a small rule set so the vendor table and the
// rules are reached.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "inventory/device_tracker.h"
#include "parsers/tls/tls_events.h"
#include "parsers/wsdiscovery/wsd_events.h"

namespace {

const ward::inventory::RuleSet& rules() {
  static const ward::inventory::RuleSet r = [] {
    ward::inventory::RuleSet s;
    (void)s.add_text(
        "vendors:\n"
        "  - {name: Axis Communications, aliases: [AXIS]}\n"
        "rules:\n"
        "  - {id: cam, signal: wsd.onvif.hardware, regex: \"^(P|Q)([0-9]+)\", set: {model: "
        "\"$0\"}, "
        "confidence: 40}\n"
        "  - {id: mqtt-tls-client, signal: tls.client_service, exact: secure-mqtt, "
        "set: {class: cognitive_monitor}, confidence: 35}\n",
        "fuzz-rules", false);
    return s;
  }();
  return r;
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name is libFuzzer's entry point.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ward::inventory::TrackerOptions o;
  o.rules = &rules();
  ward::inventory::DeviceTracker t(o);
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> scopes;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= in.size() && scopes.size() < 64; ++i) {
    if (i == in.size() || in[i] == ' ' || in[i] == '\n') {
      if (i > start) scopes.push_back(in.substr(start, i - start));
      start = i + 1;
    }
  }
  ward::bus::EventContext ctx;
  ctx.ts = 1;
  (void)ward::IpAddr::parse("10.6.0.61", ctx.orig_h);
  (void)ward::IpAddr::parse("239.255.255.250", ctx.resp_h);
  ward::parsers::wsd::Endpoint ep;
  ep.scopes = scopes;
  ward::parsers::wsd::WsdMessage m;
  m.kind = ward::parsers::wsd::MessageKind::kHello;
  m.endpoints = std::span<const ward::parsers::wsd::Endpoint>(&ep, 1);
  t.on_event(ctx, m);
  if (size >= 2) {
    (void)ward::IpAddr::parse("10.10.3.2", ctx.resp_h);
    ctx.resp_p = static_cast<std::uint16_t>(data[0] << 8 | data[1]);
    ward::parsers::tls::TlsSession s;
    s.client_hello_seen = true;
    s.server_hello_seen = true;
    t.on_event(ctx, s);
  }
  (void)t.snapshot();
  return 0;
}
