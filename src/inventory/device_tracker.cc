#include "inventory/device_tracker.h"

#include <algorithm>
#include <array>
#include <set>

#include "clinical/infusion.h"
#include "detect/alert.h"
#include "flow/flow_events.h"
#include "inventory/intended.h"
#include "parsers/dhcp/dhcp_events.h"
#include "parsers/dicom/dicom_events.h"
#include "parsers/dns/dns_events.h"
#include "parsers/hl7_mllp/hl7_events.h"
#include "parsers/http/http_events.h"
#include "parsers/mqtt/mqtt_events.h"
#include "parsers/rtsp/rtsp_events.h"
#include "parsers/tls/tls_events.h"
#include "parsers/wsdiscovery/wsd_events.h"

namespace ward::inventory {
namespace {

constexpr std::size_t kMaxValueBytes = 256;
constexpr std::size_t kMaxMacIps = 64;  // addresses remembered per MAC (router detection)
constexpr std::size_t kMaxSft = 4;      // SFT segments read per HL7 message
constexpr std::size_t kMaxWsdScopes = 32;

// Signals whose value is a fact about the device itself: the attribute it fills and the
// confidence of that direct observation. Every other signal is kept under its own name
// ("service.offered" -> "service_offered") with confidence 100 and only feeds the rules.
struct Direct {
  std::string_view signal;
  std::string_view attribute;
  std::uint8_t confidence;
};
constexpr Direct kDirect[] = {
    {"dhcp.host_name", attr::kHostName, 90},
    {"dhcp.client_fqdn", "fqdn", 90},
    {"dhcp.vendor_class", "dhcp_vendor_class", 100},
    {"dhcp.param_list", "dhcp_fingerprint", 100},
    {"dhcp.client_id", "dhcp_client_id", 100},
    {"hl7.sending_application", "hl7_application", 100},
    {"hl7.sending_facility", "hl7_facility", 100},
    {"hl7.sft.vendor", attr::kVendor, 85},
    {"hl7.sft.product", attr::kModel, 85},
    {"hl7.sft.version", attr::kVersion, 85},
    {"hl7.eui64", attr::kEui64, 95},
    {"hl7.obx18_eui64", attr::kEui64, 60},
    {"hl7.prt.udi", attr::kUdi, 90},
    {"hl7.prt.udi_di", attr::kUdiDi, 90},
    {"hl7.prt.serial", attr::kSerial, 90},
    {"dicom.ae_title", attr::kAeTitle, 100},
    {"dicom.implementation_class_uid", "dicom_implementation_class_uid", 100},
    {"dicom.implementation_version_name", "dicom_implementation_version", 100},
    {"mqtt.client_id", "mqtt_client_id", 100},
    {"http.user_agent", "user_agent", 100},
    {"http.server", "server", 100},
    {"rtsp.user_agent", "user_agent", 100},
    {"rtsp.server", "server", 100},
    {"tls.subject", "tls_subject", 100},
    {"tls.issuer", "tls_issuer", 100},
    {"tls.server_name", "tls_server_name", 100},
    {"tls.client_subject", "tls_client_subject", 100},
    {"tls.ja3", "ja3", 100},
    {"tls.ja3s", "ja3s", 100},
    {"tls.ja4", "ja4", 100},
    {"wsd.type", "wsd_type", 100},
    {"wsd.scope", "wsd_scope", 100},
    {"wsd.location", attr::kLocation, 90},
    {"wsd.onvif.hardware", attr::kModel, 75},
    {"wsd.onvif.firmware", attr::kVersion, 70},
    {"wsd.onvif.manufacturer", attr::kVendor, 70},
    {"wsd.onvif.name", "onvif_name", 100},
    {"wsd.onvif.mac", "onvif_mac", 90},
    {"mdns.name", "mdns_name", 100},
    {"mdns.name", attr::kHostName, 70},
};

constexpr std::string_view kClassNames[] = {
    "unknown",          "infusion_pump", "pump_server", "patient_monitor", "cognitive_monitor",
    "imaging_modality", "pacs",          "camera",      "workstation",     "network_gear",
};

std::string_view clip(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '\0'))
    v.remove_suffix(1);
  return v.size() > kMaxValueBytes ? v.substr(0, kMaxValueBytes) : v;
}

// A unicast host address: not unspecified, broadcast or multicast.
bool is_host(const IpAddr& ip) {
  if (ip.is_v4()) {
    const std::uint32_t a = ip.v4_host_order();
    return a != 0 && a != 0xffffffffU && (a >> 28) != 0xe;
  }
  bool zero = true;
  for (auto b : ip.bytes) zero = zero && b == 0;
  return !zero && ip.bytes[0] != 0xff;
}

bool usable_mac(const MacAddr& m) { return !m.is_zero() && (m.bytes[0] & 0x01) == 0; }

std::vector<std::string_view> split(std::string_view s, char sep, std::size_t max) {
  std::vector<std::string_view> out;
  while (out.size() + 1 < max) {
    const auto p = s.find(sep);
    if (p == std::string_view::npos) break;
    out.push_back(s.substr(0, p));
    s.remove_prefix(p + 1);
  }
  out.push_back(s);
  return out;
}

bool is_hex16(std::string_view s) {
  if (s.size() != 16) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

// The EUI-64 in an HD or EI field tagged "EUI-64" (MSH-3, OBX-18), or "".
std::string_view eui64_of(std::string_view field, char comp) {
  const auto comps = split(field, comp, 6);
  if (std::find(comps.begin(), comps.end(), "EUI-64") == comps.end()) return {};
  for (auto c : comps)
    if (is_hex16(c)) return c;
  return {};
}

// RFC 3986 §2.1: percent-decodes one scope value into `out`. False (the value is not used)
// for a malformed escape, a decoded control character or '/', or a result longer than
// kMaxValueBytes: a cut version or model would be wrong, not short.
bool percent_decode(std::string_view in, std::string& out) {
  out.clear();
  if (in.empty() || in.size() > 3 * kMaxValueBytes) return false;
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < in.size(); ++i) {
    auto c = static_cast<unsigned char>(in[i]);
    if (c == '%') {
      if (in.size() - i < 3) return false;
      const int hi = hex(in[i + 1]);
      const int lo = hex(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      c = static_cast<unsigned char>(hi * 16 + lo);
      i += 2;
    }
    if (c < 0x20 || c == 0x7f || c == '/') return false;
    out += static_cast<char>(c);
  }
  return !out.empty() && out.size() <= kMaxValueBytes;
}

// A MAC address written as 12 hex digits, optionally separated by ':', '-' or '.', as
// "aa:bb:cc:dd:ee:ff"; "" when it is not one.
std::string normalise_mac(std::string_view s) {
  if (s.size() > 17) return {};
  std::string out;
  int digits = 0;
  for (char c : s) {
    if (c == ':' || c == '-' || c == '.') continue;
    const bool h = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!h || digits == 12) return {};
    if (digits > 0 && digits % 2 == 0) out += ':';
    out += static_cast<char>(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
    ++digits;
  }
  return digits == 12 ? out : std::string();
}

// ONVIF Core §7.3.2.2 scope keys ("onvif://www.onvif.org/<key>/<value>") the inventory reads,
// and the signal each feeds. `hardware`, `name` and `location` are ONVIF's; `firmware`, `MAC`
// and `manufacturer`/`mfr` are vendor scopes cameras commonly add. Keys compare
// case-insensitively. Only `location` may span several path segments ("location/city/lund").
struct OnvifScopeKey {
  std::string_view key;
  std::string_view signal;
};
constexpr OnvifScopeKey kOnvifKeys[] = {
    {"hardware", "wsd.onvif.hardware"},
    {"name", "wsd.onvif.name"},
    {"firmware", "wsd.onvif.firmware"},
    {"mac", "wsd.onvif.mac"},
    {"manufacturer", "wsd.onvif.manufacturer"},
    {"mfr", "wsd.onvif.manufacturer"},
    {"location", "wsd.location"},
};

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const char x = (a[i] >= 'A' && a[i] <= 'Z') ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    if (x != b[i]) return false;
  }
  return true;
}

// IANA service names of the TCP and UDP ports registered for a protocol over TLS or DTLS: what
// a TLS client uses when the server answers on that port. "" for other ports.
std::string_view tls_port_service(std::uint16_t port) {
  switch (port) {
    case 443:
      return "https";
    case 465:
      return "submissions";
    case 636:
      return "ldaps";
    case 853:
      return "domain-s";
    case 993:
      return "imaps";
    case 995:
      return "pop3s";
    case 2762:
      return "dicom-tls";
    case 5061:
      return "sips";
    case 5671:
      return "amqps";
    case 5684:
      return "coaps";
    case 6514:
      return "syslog-tls";
    case 8883:
      return "secure-mqtt";
    default:
      return {};
  }
}

std::string hex_colon(ByteView b) {
  constexpr std::string_view kHex = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < b.size() && i < 64; ++i) {
    if (i > 0) out += ':';
    const auto v = static_cast<unsigned>(b[i]);
    out += kHex[v >> 4];
    out += kHex[v & 0xf];
  }
  return out;
}

Evidence* find_evidence(AttributeValue& v, const Evidence& ev) {
  for (auto& e : v.evidence)
    if (e.source == ev.source && e.rule == ev.rule && e.raw == ev.raw) return &e;
  return nullptr;
}

void absorb(Evidence& to, const Evidence& from) {
  to.first_seen = std::min(to.first_seen, from.first_seen);
  to.last_seen = std::max(to.last_seen, from.last_seen);
  to.confidence = std::max(to.confidence, from.confidence);
  to.count += from.count;
}

// Adds a value without bounds (a few per device: the OUI conclusions).
void push_value(Device& d, std::string_view attribute, const std::string& value, Evidence ev) {
  auto& vals = d.attributes[std::string(attribute)].values;
  auto it = std::find_if(vals.begin(), vals.end(),
                         [&](const AttributeValue& x) { return x.value == value; });
  if (it == vals.end()) {
    vals.push_back(AttributeValue{value, {std::move(ev)}});
  } else {
    it->evidence.push_back(std::move(ev));
  }
}

void sort_values(Device& d) {
  for (auto& [name, a] : d.attributes) {
    for (auto& v : a.values)
      std::stable_sort(v.evidence.begin(), v.evidence.end(), [](const auto& x, const auto& y) {
        return x.confidence != y.confidence ? x.confidence > y.confidence
                                            : x.last_seen > y.last_seen;
      });
    std::stable_sort(a.values.begin(), a.values.end(), [](const auto& x, const auto& y) {
      const auto cx = x.confidence();
      const auto cy = y.confidence();
      return cx != cy ? cx > cy : x.last_seen() > y.last_seen();
    });
  }
}

}  // namespace

std::string_view device_class_name(DeviceClass c) noexcept {
  const auto i = static_cast<std::size_t>(c);
  return i < std::size(kClassNames) ? kClassNames[i] : "unknown";
}

bool parse_device_class(std::string_view name, DeviceClass& out) noexcept {
  for (std::size_t i = 0; i < std::size(kClassNames); ++i) {
    if (kClassNames[i] == name) {
      out = static_cast<DeviceClass>(i);
      return true;
    }
  }
  return false;
}

std::uint8_t AttributeValue::confidence() const noexcept {
  std::uint8_t c = 0;
  for (const auto& e : evidence) c = std::max(c, e.confidence);
  return c;
}
TimeNs AttributeValue::last_seen() const noexcept {
  TimeNs t = 0;
  for (const auto& e : evidence) t = std::max(t, e.last_seen);
  return t;
}
TimeNs AttributeValue::first_seen() const noexcept {
  TimeNs t = 0;
  for (const auto& e : evidence) t = t == 0 ? e.first_seen : std::min(t, e.first_seen);
  return t;
}

std::string_view Device::best(std::string_view attribute) const {
  auto it = attributes.find(attribute);
  if (it == attributes.end() || it->second.best() == nullptr) return {};
  return it->second.best()->value;
}

std::uint8_t Device::best_confidence(std::string_view attribute) const {
  auto it = attributes.find(attribute);
  if (it == attributes.end() || it->second.best() == nullptr) return 0;
  return it->second.best()->confidence();
}

DeviceClass Device::device_class() const {
  DeviceClass c = DeviceClass::kUnknown;
  (void)parse_device_class(best(attr::kClass), c);
  return c;
}

// ---------------------------------------------------------------------------------------------

Device* DeviceTracker::get_ip(const IpAddr& ip, TimeNs ts) {
  if (!is_host(ip)) return nullptr;
  auto it = by_ip_.find(ip);
  if (it == by_ip_.end()) {
    if (by_ip_.size() >= o_.max_devices) {
      ++stats_.devices_dropped;
      return nullptr;
    }
    it = by_ip_.emplace(ip, Device{}).first;
    it->second.id = "ip:" + ip.to_string();
    it->second.ips.push_back(ip);
    it->second.first_seen = ts;
  }
  Device& d = it->second;
  d.first_seen = std::min(d.first_seen, ts);
  d.last_seen = std::max(d.last_seen, ts);
  return &d;
}

Device* DeviceTracker::get_mac(const MacAddr& mac, TimeNs ts) {
  if (!usable_mac(mac)) return nullptr;
  auto it = by_mac_.find(mac.bytes);
  if (it == by_mac_.end()) {
    if (by_mac_.size() >= o_.max_devices) {
      ++stats_.devices_dropped;
      return nullptr;
    }
    it = by_mac_.emplace(mac.bytes, Device{}).first;
    it->second.id = "mac:" + mac.to_string();
    it->second.mac = mac;
    it->second.first_seen = ts;
  }
  Device& d = it->second;
  d.first_seen = std::min(d.first_seen, ts);
  d.last_seen = std::max(d.last_seen, ts);
  return &d;
}

void DeviceTracker::bind(const IpAddr& ip, const MacAddr& mac, TimeNs ts, bool authoritative) {
  if (!is_host(ip) || !usable_mac(mac)) return;
  auto& ips = mac_ips_[mac.bytes];
  if (std::find(ips.begin(), ips.end(), ip) == ips.end() && ips.size() < kMaxMacIps)
    ips.push_back(ip);
  auto [it, fresh] = ip_mac_.try_emplace(ip);
  Binding& b = it->second;
  if (fresh || authoritative || !b.authoritative || b.mac == mac.bytes) {
    if (fresh || ts >= b.ts || authoritative) {
      b.mac = mac.bytes;
      b.ts = std::max(b.ts, ts);
      b.authoritative = b.authoritative || authoritative;
    }
  }
}

void DeviceTracker::add_name(std::set<std::string>& s, std::string v) {
  if (v.empty() || s.size() >= o_.max_names) return;
  s.insert(std::move(v));
}

bool DeviceTracker::add_value(Device& d, std::string_view attribute, std::string_view value,
                              const Evidence& ev) {
  if (value.empty()) return false;
  auto ait = d.attributes.find(attribute);
  if (ait == d.attributes.end())
    ait = d.attributes.emplace(std::string(attribute), Attribute{}).first;
  auto& values = ait->second.values;
  auto vit = std::find_if(values.begin(), values.end(),
                          [&](const AttributeValue& v) { return v.value == value; });
  if (vit == values.end()) {
    if (values.size() >= o_.max_values_per_attribute) {
      ++stats_.values_dropped;
      return false;
    }
    values.push_back(AttributeValue{std::string(value), {ev}});
    return true;
  }
  if (Evidence* e = find_evidence(*vit, ev)) {
    absorb(*e, ev);
    return false;
  }
  if (vit->evidence.size() >= o_.max_evidence_per_value) {
    ++stats_.evidence_dropped;
    return false;
  }
  vit->evidence.push_back(ev);
  return true;
}

void DeviceTracker::signal(Device& d, TimeNs ts, std::string_view name, std::string_view raw) {
  raw = clip(raw);
  if (raw.empty()) return;
  ++stats_.signals;
  bool fresh = false;
  bool mapped = false;
  for (const Direct& m : kDirect) {
    if (m.signal != name) continue;
    mapped = true;
    std::string value(raw);
    if (m.attribute == attr::kHostName && value.size() > 6 &&
        value.compare(value.size() - 6, 6, ".local") == 0)
      value.resize(value.size() - 6);
    if (m.attribute == attr::kVendor && o_.rules != nullptr)
      value = o_.rules->canonical_vendor(value);
    const Evidence ev{std::string(name), {}, std::string(raw), ts, ts, m.confidence, 1};
    fresh = add_value(d, m.attribute, value, ev) || fresh;
  }
  if (!mapped) {
    std::string a(name);
    std::replace(a.begin(), a.end(), '.', '_');
    const Evidence ev{std::string(name), {}, std::string(raw), ts, ts, 100, 1};
    fresh = add_value(d, a, raw, ev);
  }
  // Rules run once per distinct (signal, value) of a record.
  if (!fresh || o_.rules == nullptr) return;
  std::vector<RuleOutcome> outcomes;
  o_.rules->match(name, raw, outcomes);
  for (const RuleOutcome& r : outcomes) {
    const Evidence ev{std::string(name), r.rule->id, std::string(raw), ts, ts, r.confidence, 1};
    (void)add_value(d, r.attribute, r.value, ev);
  }
}

void DeviceTracker::observe(const IpAddr& ip, TimeNs ts, std::string_view name,
                            std::string_view raw) {
  if (Device* d = get_ip(ip, ts)) signal(*d, ts, name, raw);
}

void DeviceTracker::observe_mac(const MacAddr& mac, TimeNs ts, std::string_view name,
                                std::string_view raw) {
  if (Device* d = get_mac(mac, ts)) signal(*d, ts, name, raw);
}

void DeviceTracker::on_event(const bus::EventContext& ctx, const bus::Event& e) {
  switch (e.kind) {
    case bus::EventKind::kConnRecord: {
      const auto& c = *bus::event_cast<flow::ConnRecord>(e);
      const TimeNs end = ctx.ts + c.duration;
      bind(ctx.orig_h, ctx.orig_mac, ctx.ts, false);
      bind(ctx.resp_h, ctx.resp_mac, ctx.ts, false);
      if (Device* o = get_ip(ctx.orig_h, ctx.ts)) {
        o->last_seen = std::max(o->last_seen, end);
        ++o->flows;
        o->bytes += c.orig_ip_bytes;
        if (!ctx.service.empty()) {
          add_name(o->services_used, std::string(ctx.service));
          signal(*o, ctx.ts, "service.used", ctx.service);
        }
      }
      // Traffic between a local address and a public one: the local device is internet-exposed.
      const bool orig_local = is_local_address(ctx.orig_h);
      const bool resp_local = is_local_address(ctx.resp_h);
      if (orig_local != resp_local) {
        const IpAddr& local = orig_local ? ctx.orig_h : ctx.resp_h;
        const IpAddr& remote = orig_local ? ctx.resp_h : ctx.orig_h;
        // Multicast and broadcast destinations are not the internet.
        Device* l = is_host(remote) ? get_ip(local, ctx.ts) : nullptr;
        if (l != nullptr && l->internet_peer.empty()) l->internet_peer = remote.to_string();
      }
      if (Device* r = get_ip(ctx.resp_h, ctx.ts)) {
        r->last_seen = std::max(r->last_seen, end);
        ++r->flows;
        r->bytes += c.resp_ip_bytes;
        if (!ctx.service.empty()) {
          add_name(r->services_offered, std::string(ctx.service));
          signal(*r, ctx.ts, "service.offered", ctx.service);
        }
      }
      return;
    }
    case bus::EventKind::kAlert: {
      const auto& alert = *bus::event_cast<detect::AlertEvent>(e);
      const auto sev = static_cast<std::size_t>(alert.severity);
      if (sev >= 5) return;
      for (const IpAddr* ip : {&ctx.orig_h, &ctx.resp_h}) {
        if (*ip == IpAddr{}) continue;  // an alert that belongs to no flow
        Device* d = get_ip(*ip, ctx.ts);
        if (d == nullptr) continue;
        ++d->alerts[sev];
        if (ip == &ctx.resp_h && alert.rule == "ward.protocol.cleartext_credentials")
          d->cleartext_credentials = true;
      }
      return;
    }
    case bus::EventKind::kHl7Message:
      on_hl7(ctx, e);
      return;
    case bus::EventKind::kDhcpMessage:
      on_dhcp(ctx, e);
      return;
    case bus::EventKind::kDnsMessage:
      on_dns(ctx, e);
      return;
    case bus::EventKind::kWsdMessage:
      on_wsd(ctx, e);
      return;
    case bus::EventKind::kMqttTransaction: {
      const auto& t = *bus::event_cast<parsers::mqtt::MqttTransaction>(e);
      if (t.kind != parsers::mqtt::MqttTransaction::Kind::kConnect) return;
      if (Device* c = get_ip(ctx.orig_h, ctx.ts)) {
        add_name(c->names, "mqtt-client:" + t.client_id);
        add_name(c->roles, "mqtt client");
        signal(*c, ctx.ts, "mqtt.client_id", t.client_id);
      }
      if (Device* b = get_ip(ctx.resp_h, ctx.ts)) add_name(b->roles, "mqtt broker");
      return;
    }
    case bus::EventKind::kInfusionProgram: {
      const auto& p = *bus::event_cast<clinical::InfusionProgram>(e);
      if (Device* s = get_ip(ctx.src_h(), ctx.ts)) {
        add_name(s->roles, "pump programmer");
        add_name(s->device_ids, std::string(p.pump_id));
      }
      return;
    }
    case bus::EventKind::kDicomAssociation: {
      const auto& a = *bus::event_cast<parsers::dicom::DicomAssociation>(e);
      observe(ctx.orig_h, ctx.ts, "dicom.ae_title", a.calling_ae);
      observe(ctx.resp_h, ctx.ts, "dicom.ae_title", a.called_ae);
      observe(ctx.orig_h, ctx.ts, "dicom.implementation_class_uid",
              a.requestor_implementation_class_uid);
      observe(ctx.orig_h, ctx.ts, "dicom.implementation_version_name",
              a.requestor_implementation_version_name);
      observe(ctx.resp_h, ctx.ts, "dicom.implementation_class_uid",
              a.acceptor_implementation_class_uid);
      observe(ctx.resp_h, ctx.ts, "dicom.implementation_version_name",
              a.acceptor_implementation_version_name);
      return;
    }
    case bus::EventKind::kDicomCommand: {
      const auto& c = *bus::event_cast<parsers::dicom::DicomCommand>(e);
      if (!c.request_seen) return;
      const bool from_orig = c.request_dir == bus::Direction::kToServer;
      const IpAddr& sender = from_orig ? ctx.orig_h : ctx.resp_h;
      const IpAddr& receiver = from_orig ? ctx.resp_h : ctx.orig_h;
      observe(sender, ctx.ts, "dicom.command_sent", c.operation);
      observe(receiver, ctx.ts, "dicom.command_received", c.operation);
      observe(sender, ctx.ts, "dicom.sop_class_sent", c.sop_class);
      return;
    }
    case bus::EventKind::kHttpTransaction: {
      const auto& h = *bus::event_cast<parsers::http::HttpTransaction>(e);
      observe(ctx.orig_h, ctx.ts, "http.user_agent", h.user_agent);
      observe(ctx.resp_h, ctx.ts, "http.server", h.server);
      return;
    }
    case bus::EventKind::kRtspTransaction: {
      const auto& t = *bus::event_cast<parsers::rtsp::RtspTransaction>(e);
      if (t.request != nullptr)
        observe(ctx.orig_h, ctx.ts, "rtsp.user_agent", t.request->user_agent);
      observe(ctx.resp_h, ctx.ts, "rtsp.server", t.server);
      return;
    }
    case bus::EventKind::kTlsSession: {
      const auto& s = *bus::event_cast<parsers::tls::TlsSession>(e);
      const IpAddr& client = s.flipped ? ctx.resp_h : ctx.orig_h;
      const IpAddr& server = s.flipped ? ctx.orig_h : ctx.resp_h;
      observe(server, ctx.ts, "tls.subject", s.subject);
      observe(server, ctx.ts, "tls.issuer", s.issuer);
      observe(server, ctx.ts, "tls.server_name", s.server_name);
      observe(server, ctx.ts, "tls.ja3s", s.ja3s);
      observe(client, ctx.ts, "tls.ja3", s.ja3);
      observe(client, ctx.ts, "tls.ja4", s.ja4);
      observe(client, ctx.ts, "tls.client_subject", s.client_subject);
      // What the client uses, when the server answered on a port registered for a protocol over
      // TLS: MQTT over TLS (8883) hides the CONNECT and its client id, but not the port.
      if (s.client_hello_seen && s.server_hello_seen) {
        const std::string_view svc = tls_port_service(s.flipped ? ctx.orig_p : ctx.resp_p);
        observe(client, ctx.ts, "tls.client_service", svc);
        if (svc == "secure-mqtt") {
          if (Device* c = get_ip(client, ctx.ts)) add_name(c->roles, "mqtt client");
          if (Device* b = get_ip(server, ctx.ts)) add_name(b->roles, "mqtt broker");
        }
      }
      return;
    }
    default:
      return;
  }
}

void DeviceTracker::on_hl7(const bus::EventContext& ctx, const bus::Event& e) {
  const auto& m = *bus::event_cast<parsers::hl7::Hl7Message>(e);
  Device* s = get_ip(ctx.src_h(), ctx.ts);
  Device* r = get_ip(ctx.dst_h(), ctx.ts);
  const std::string code = std::string(m.message_code) +
                           (m.trigger_event.empty() ? "" : "^" + std::string(m.trigger_event));
  if (r != nullptr) signal(*r, ctx.ts, "hl7.message_received", code);
  if (s == nullptr) return;
  std::string app(m.sending_application);
  if (!m.sending_facility.empty()) app += "@" + std::string(m.sending_facility);
  add_name(s->names, "hl7:" + app);
  const bool ack = m.pcd == parsers::hl7::PcdProfile::kAck || m.message_code == "ACK";
  add_name(s->roles, ack ? "hl7 receiver" : "hl7 sender");
  // In an observation report (ORU) OBX-18 names the reporting device; in an order it names
  // the target (a pump), so it is only a device id of the sender then.
  const bool report = m.message_code == "ORU";
  for (const auto& obx : m.observations) {
    add_name(s->device_ids, std::string(obx.equipment_id));
    if (report) signal(*s, ctx.ts, "hl7.obx18_eui64", eui64_of(obx.equipment_id, m.component_sep));
  }
  const auto msh3 = split(m.sending_application, m.component_sep, 4);
  signal(*s, ctx.ts, "hl7.sending_application", msh3[0]);
  signal(*s, ctx.ts, "hl7.eui64", eui64_of(m.sending_application, m.component_sep));
  signal(*s, ctx.ts, "hl7.sending_facility", split(m.sending_facility, m.component_sep, 2)[0]);
  signal(*s, ctx.ts, "hl7.message_sent", code);
  signal(*s, ctx.ts, "hl7.profile", split(m.profile_id, m.component_sep, 2)[0]);
  for (const auto& u : m.udis) {
    signal(*s, ctx.ts, "hl7.prt.udi", u.udi);
    signal(*s, ctx.ts, "hl7.prt.udi_di", u.udi_di);
    signal(*s, ctx.ts, "hl7.prt.serial", u.serial);
  }
  // HL7 v2.5 §2.15.12 SFT: SFT-1 vendor organisation (XON, .1 = name), SFT-2 version,
  // SFT-3 product name. The parser does not decode SFT; read it from the message text.
  std::size_t seen = 0;
  std::string_view rest = m.raw;
  while (!rest.empty() && seen < kMaxSft) {
    // One pass over the text: find_first_of with a set calls memchr per character, which
    // made this scan a tenth of the monitor's time on HL7-heavy captures.
    const auto it =
        std::find_if(rest.begin(), rest.end(), [](char c) { return c == '\r' || c == '\n'; });
    const auto end = static_cast<std::size_t>(it - rest.begin());
    const std::string_view seg = rest.substr(0, end);
    rest = end == rest.size() ? std::string_view() : rest.substr(end + 1);
    if (seg.size() < 4 || seg.substr(0, 3) != "SFT" || seg[3] != m.field_sep) continue;
    ++seen;
    const auto f = split(seg, m.field_sep, 5);
    if (f.size() > 1) signal(*s, ctx.ts, "hl7.sft.vendor", split(f[1], m.component_sep, 2)[0]);
    if (f.size() > 2) signal(*s, ctx.ts, "hl7.sft.version", f[2]);
    if (f.size() > 3) signal(*s, ctx.ts, "hl7.sft.product", f[3]);
  }
}

void DeviceTracker::on_dhcp(const bus::EventContext& ctx, const bus::Event& e) {
  const auto& m = *bus::event_cast<parsers::dhcp::DhcpMessage>(e);
  if (!m.mac) return;
  const MacAddr& mac = *m.mac;
  if (m.op == 2) {
    // RFC 2131 §3.1: DHCPACK (5) binds yiaddr to the client's hardware address.
    if (m.msg_type == 5) bind(m.yiaddr, mac, ctx.ts, true);
    if (Device* srv = get_ip(ctx.src_h(), ctx.ts)) add_name(srv->roles, "dhcp server");
    return;
  }
  if (m.op != 1) return;
  if (m.ciaddr != IpAddr{} && is_host(m.ciaddr)) bind(m.ciaddr, mac, ctx.ts, false);
  Device* d = get_mac(mac, ctx.ts);
  if (d == nullptr) return;
  if (m.host_name) signal(*d, ctx.ts, "dhcp.host_name", *m.host_name);
  if (m.vendor_class) signal(*d, ctx.ts, "dhcp.vendor_class", *m.vendor_class);
  if (m.client_fqdn) signal(*d, ctx.ts, "dhcp.client_fqdn", m.client_fqdn->domain_name);
  if (m.client_id) signal(*d, ctx.ts, "dhcp.client_id", hex_colon(*m.client_id));
  if (m.param_list) {
    std::string list;
    for (std::size_t i = 0; i < m.param_list->size(); ++i) {
      if (i > 0) list += ',';
      list += std::to_string(static_cast<unsigned>((*m.param_list)[i]));
    }
    signal(*d, ctx.ts, "dhcp.param_list", list);
  }
}

void DeviceTracker::on_dns(const bus::EventContext& ctx, const bus::Event& e) {
  // mDNS (RFC 6762) responses: a host announces its own names and services.
  if (ctx.orig_p != 5353 && ctx.resp_p != 5353) return;
  const auto& m = *bus::event_cast<parsers::dns::DnsMessage>(e);
  if (!m.qr) return;
  Device* d = get_ip(ctx.src_h(), ctx.ts);
  if (d == nullptr) return;
  namespace rr = parsers::dns::rr_type;
  for (const auto& r : m.records) {
    if ((r.type == rr::kA || r.type == rr::kAaaa) && r.decoded && r.addr == ctx.src_h()) {
      signal(*d, ctx.ts, "mdns.name", r.name);
    } else if (r.type == rr::kPtr && !r.name.empty() && r.name.front() == '_' &&
               r.name.find("_dns-sd") == std::string_view::npos) {
      signal(*d, ctx.ts, "mdns.service", r.name);
    } else if (r.type == rr::kTxt) {
      for (auto s : r.strings)
        if (s.rfind("model=", 0) == 0 || s.rfind("md=", 0) == 0 || s.rfind("ty=", 0) == 0 ||
            s.rfind("usb_MDL=", 0) == 0)
          signal(*d, ctx.ts, "mdns.txt", s);
    } else if (r.type == rr::kHinfo && r.strings.size() == 2) {
      signal(*d, ctx.ts, "mdns.hinfo", std::string(r.strings[0]) + " " + std::string(r.strings[1]));
    }
  }
}

void DeviceTracker::on_wsd(const bus::EventContext& ctx, const bus::Event& e) {
  const auto& m = *bus::event_cast<parsers::wsd::WsdMessage>(e);
  using K = parsers::wsd::MessageKind;
  // Hello, Bye and the matches describe the sender; a Probe or Resolve describes what the
  // client looks for.
  if (m.kind != K::kHello && m.kind != K::kProbeMatches && m.kind != K::kResolveMatches) return;
  Device* d = get_ip(ctx.src_h(), ctx.ts);
  if (d == nullptr) return;
  for (const auto& ep : m.endpoints) {
    if (ep.device_class != parsers::wsd::DeviceClass::kUnknown)
      signal(*d, ctx.ts, "wsd.device_class", parsers::wsd::device_class_name(ep.device_class));
    for (const auto& t : ep.types) {
      signal(*d, ctx.ts, "wsd.type",
             ep.address.empty() && t.ns.empty()
                 ? std::string(t.local)
                 : "{" + std::string(t.ns) + "}" + std::string(t.local));
    }
    std::size_t n = 0;
    for (auto sc : ep.scopes) {
      if (++n > kMaxWsdScopes) break;
      if (sc.find("sdc.ctxt.pat") != std::string_view::npos) continue;  // patient context: PHI
      signal(*d, ctx.ts, "wsd.scope", sc);
      onvif_scope(*d, ctx.ts, sc);
    }
    // IEEE 11073-20701 §9.4.1.1 location context (sdc.ctxt.loc query fields).
    std::string loc;
    const std::array<std::pair<std::string_view, std::string_view>, 6> parts = {
        {{"fac", ep.loc_facility},
         {"bldng", ep.loc_building},
         {"flr", ep.loc_floor},
         {"poc", ep.loc_point_of_care},
         {"rm", ep.loc_room},
         {"bed", ep.loc_bed}}};
    for (const auto& [k, v] : parts) {
      if (v.empty()) continue;
      if (!loc.empty()) loc += ';';
      loc += std::string(k) + "=" + std::string(v);
    }
    signal(*d, ctx.ts, "wsd.location", loc);
  }
}

void DeviceTracker::onvif_scope(Device& d, TimeNs ts, std::string_view scope) {
  constexpr std::string_view kOnvif = "onvif://www.onvif.org/";
  if (scope.size() <= kOnvif.size() || !iequal(scope.substr(0, kOnvif.size()), kOnvif)) return;
  std::string_view rest = scope.substr(kOnvif.size());
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos) return;
  const std::string_view key = rest.substr(0, slash);
  std::string_view value = rest.substr(slash + 1);
  while (!value.empty() && value.back() == '/') value.remove_suffix(1);
  const OnvifScopeKey* k = nullptr;
  for (const auto& x : kOnvifKeys)
    if (iequal(key, x.key)) k = &x;
  if (k == nullptr || value.empty()) return;
  std::string decoded;
  if (k->key == "location") {
    // Hierarchical: each segment decoded on its own, joined again by '/'.
    std::string seg;
    for (std::size_t n = 0; n < 8 && !value.empty(); ++n) {
      const auto p = value.find('/');
      if (!percent_decode(value.substr(0, p), seg)) return;
      if (!decoded.empty()) decoded += '/';
      decoded += seg;
      value = p == std::string_view::npos ? std::string_view() : value.substr(p + 1);
    }
    if (!value.empty() || decoded.size() > kMaxValueBytes) return;
  } else if (!percent_decode(value, decoded)) {
    return;
  }
  if (k->key == "mac") {
    decoded = normalise_mac(decoded);
    if (decoded.empty()) return;
  }
  signal(d, ts, k->signal, decoded);
  // The name scope is the device's display name: often "<vendor> <model>" ("AXIS P3245-LVE"),
  // but any text an installer typed. Its first word is the vendor only when that word is a
  // name or alias of the vendor table ("Philipsburg" is not Philips).
  if (k->key == "name" && o_.rules != nullptr) {
    const std::string_view first = std::string_view(decoded).substr(0, decoded.find(' '));
    if (auto v = o_.rules->known_vendor(first, false)) {
      const Evidence ev{"wsd.onvif.name", "", decoded, ts, ts, 55, 1};
      (void)add_value(d, attr::kVendor, *v, ev);
    }
  }
}

void DeviceTracker::merge_into(Device& to, const Device& from) const {
  if (to.first_seen == 0 || (from.first_seen != 0 && from.first_seen < to.first_seen))
    to.first_seen = from.first_seen;
  to.last_seen = std::max(to.last_seen, from.last_seen);
  to.flows += from.flows;
  to.bytes += from.bytes;
  for (std::size_t i = 0; i < to.alerts.size(); ++i) to.alerts[i] += from.alerts[i];
  to.cleartext_credentials = to.cleartext_credentials || from.cleartext_credentials;
  if (to.internet_peer.empty()) to.internet_peer = from.internet_peer;
  auto uni = [&](std::set<std::string>& a, const std::set<std::string>& b) {
    for (const auto& x : b)
      if (a.size() < o_.max_names) a.insert(x);
  };
  uni(to.services_offered, from.services_offered);
  uni(to.services_used, from.services_used);
  uni(to.roles, from.roles);
  uni(to.names, from.names);
  uni(to.device_ids, from.device_ids);
  for (const auto& [name, a] : from.attributes) {
    auto& dst = to.attributes[name].values;
    for (const auto& v : a.values) {
      auto it = std::find_if(dst.begin(), dst.end(),
                             [&](const AttributeValue& x) { return x.value == v.value; });
      if (it == dst.end()) {
        if (dst.size() < o_.max_values_per_attribute) dst.push_back(v);
        continue;
      }
      for (const auto& ev : v.evidence) {
        if (Evidence* e = find_evidence(*it, ev)) {
          absorb(*e, ev);
        } else if (it->evidence.size() < o_.max_evidence_per_value) {
          it->evidence.push_back(ev);
        }
      }
    }
  }
}

std::vector<Device> DeviceTracker::snapshot() const {
  std::map<MacKey, Device> macs = by_mac_;
  std::vector<Device> out;
  auto mac_device = [&](const MacKey& k) -> Device& {
    auto [it, fresh] = macs.try_emplace(k);
    if (fresh) {
      it->second.mac.bytes = k;
      it->second.id = "mac:" + it->second.mac.to_string();
    }
    return it->second;
  };
  // A MAC is a router's when it carries more IPv4 addresses than the threshold, IPv4 addresses
  // of more than one /24, or very many addresses in all (a host's IPv6 privacy addresses
  // accumulate, so IPv6 alone needs more).
  auto is_router = [&](const MacKey& k) {
    auto it = mac_ips_.find(k);
    if (it == mac_ips_.end()) return false;
    std::size_t v4 = 0;
    std::set<std::uint32_t> nets;
    for (const IpAddr& a : it->second) {
      if (!a.is_v4()) continue;
      ++v4;
      nets.insert(a.v4_host_order() >> 8);
    }
    return v4 > o_.router_ip_threshold || nets.size() > 1 ||
           it->second.size() > 4 * o_.router_ip_threshold;
  };
  // An address joins its MAC's device when a DHCP ACK bound them, or when it is a local
  // (private, link-local) address seen with a MAC that is not a router's. A public address
  // behind a MAC is the far side of a gateway: it stays a device of its own.
  auto joins = [&](const IpAddr& ip, const Binding& b) {
    return b.authoritative || (is_local_address(ip) && !is_router(b.mac));
  };
  // Addresses of each MAC device in the order they were last used (the current one last).
  std::vector<std::pair<TimeNs, IpAddr>> order;
  for (const auto& [ip, b] : ip_mac_)
    if (joins(ip, b)) order.emplace_back(b.ts, ip);
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  std::uint64_t ips_dropped = 0;
  for (const auto& [ts, ip] : order) {
    const Binding& b = ip_mac_.at(ip);
    Device& m = mac_device(b.mac);
    if (m.ips.size() < o_.max_ips_per_device) {
      m.ips.push_back(ip);
    } else {
      ++ips_dropped;
    }
    if (auto it = by_ip_.find(ip); it != by_ip_.end()) merge_into(m, it->second);
  }
  for (const auto& [ip, d] : by_ip_) {
    auto b = ip_mac_.find(ip);
    if (b != ip_mac_.end() && joins(ip, b->second)) continue;
    out.push_back(d);
  }
  for (const auto& [k, ips] : mac_ips_) {
    if (!is_router(k)) continue;
    Device& m = mac_device(k);
    m.roles.insert("router");
    const TimeNs ts = m.first_seen;
    const Evidence ev{"mac.address_count",
                      "",
                      std::to_string(ips.size()) + " addresses behind one MAC",
                      ts,
                      ts,
                      40,
                      1};
    push_value(m, attr::kClass, std::string(device_class_name(DeviceClass::kNetworkGear)), ev);
  }
  for (auto& [k, d] : macs) {
    if (o_.oui != nullptr) {
      const std::string_view org = o_.oui->lookup(d.mac);
      if (!org.empty()) {
        const std::string raw = oui_prefix(d.mac) + " " + std::string(org);
        const std::string vendor =
            o_.rules != nullptr ? o_.rules->canonical_vendor(org) : std::string(org);
        push_value(d, attr::kVendor, vendor,
                   Evidence{"oui", "", raw, d.first_seen, d.last_seen, 40, 1});
        if (o_.rules != nullptr) {
          std::vector<RuleOutcome> outcomes;
          o_.rules->match("oui", org, outcomes);
          for (const auto& r : outcomes)
            push_value(
                d, r.attribute, r.value,
                Evidence{"oui", r.rule->id, raw, d.first_seen, d.last_seen, r.confidence, 1});
        }
      }
    }
    out.push_back(std::move(d));
  }
  stats_.ips_dropped = ips_dropped;
  for (auto& d : out) sort_values(d);
  std::stable_sort(out.begin(), out.end(), [](const Device& x, const Device& y) {
    if (x.ips.empty() != y.ips.empty()) return !x.ips.empty();
    if (!x.ips.empty() && x.ips.front() != y.ips.front()) return x.ips.front() < y.ips.front();
    return x.id < y.id;
  });
  return out;
}

}  // namespace ward::inventory
