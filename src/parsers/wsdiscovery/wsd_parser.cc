#include "parsers/wsdiscovery/wsd_parser.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <string>
#include <vector>

#include "clinical/phi.h"
#include "parsers/wsdiscovery/wsd_log.h"
#include "parsers/wsdiscovery/xml_scan.h"

namespace ward::parsers::wsd {

std::string_view message_kind_name(MessageKind k) noexcept {
  switch (k) {
    case MessageKind::kHello:
      return "Hello";
    case MessageKind::kBye:
      return "Bye";
    case MessageKind::kProbe:
      return "Probe";
    case MessageKind::kProbeMatches:
      return "ProbeMatches";
    case MessageKind::kResolve:
      return "Resolve";
    case MessageKind::kResolveMatches:
      return "ResolveMatches";
    case MessageKind::kUnknown:
      break;
  }
  return "";
}

std::string_view device_class_name(DeviceClass c) noexcept {
  switch (c) {
    case DeviceClass::kSdcMedicalDevice:
      return "sdc_medical_device";
    case DeviceClass::kOnvifCamera:
      return "onvif_camera";
    case DeviceClass::kDpwsDevice:
      return "dpws_device";
    case DeviceClass::kOther:
      return "other";
    case DeviceClass::kUnknown:
      break;
  }
  return "";
}

namespace {

// Namespaces (WS-Discovery 1.1 §2.3 and the 2005/04 submission; WS-Addressing 1.0 and the
// 2004/08 submission; DPWS 1.1; IEEE 11073-20702 MDPWS; ONVIF network WSDL).
constexpr std::string_view kDisc2009 = "http://docs.oasis-open.org/ws-dd/ns/discovery/2009/01";
constexpr std::string_view kDisc2005 = "http://schemas.xmlsoap.org/ws/2005/04/discovery";
constexpr std::string_view kAddr2005 = "http://www.w3.org/2005/08/addressing";
constexpr std::string_view kAddr2004 = "http://schemas.xmlsoap.org/ws/2004/08/addressing";
constexpr std::string_view kDpws = "http://docs.oasis-open.org/ws-dd/ns/dpws/2009/01";

bool is_discovery(std::string_view ns) noexcept { return ns == kDisc2009 || ns == kDisc2005; }
bool is_addressing(std::string_view ns) noexcept { return ns == kAddr2005 || ns == kAddr2004; }

bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool starts_with(std::string_view s, std::string_view p) noexcept {
  return s.size() >= p.size() && s.substr(0, p.size()) == p;
}

// Which text-valued element is being read.
enum class Field : std::uint8_t {
  kNone,
  kAction,
  kMessageId,
  kRelatesTo,
  kAddress,
  kTypes,
  kScopes,
  kXAddrs,
  kMetadataVersion
};

struct EndpointBuild {
  std::string_view address;
  std::vector<QName> types;
  std::vector<std::string_view> scopes;
  std::vector<std::string_view> xaddrs;
  bool has_metadata_version = false;
  std::uint64_t metadata_version = 0;
};

class WsdParser final : public DatagramParser {
 public:
  WsdParser(EventSink& sink, const Limits& limits) : sink_(sink), limits_(limits) {}

  void on_datagram(Direction dir, ByteView payload) noexcept override;

 private:
  struct NsDecl {
    std::string_view prefix;
    std::string_view uri;
  };
  struct Element {
    std::string_view qname;
    std::string_view ns;
    std::string_view local;
    std::size_t ns_mark = 0;  // ns_.size() before this element's declarations
    bool endpoint = false;    // this element opened an endpoint context
  };

  // Returns false if the datagram could not be read (an anomaly was reported).
  bool scan(std::string_view doc);
  [[nodiscard]] std::string_view resolve(std::string_view prefix) const noexcept;
  void start_element(const Element& e, std::string_view attrs);
  void end_element(const Element& e);
  void split_list(std::string_view text, Field f);
  void finish_endpoint(EndpointBuild& b, Endpoint& out);
  void report(std::string_view id, std::string_view detail) {
    // Per datagram, each limit anomaly once.
    for (std::string_view r : reported_)
      if (r == id) return;
    if (reported_.size() < 16) reported_.push_back(id);
    sink_.anomaly(id, detail);
  }

  EventSink& sink_;
  const Limits limits_;
  bool confirmed_ = false;
  bool not_wsd_reported_ = false;

  // Per-datagram state, reset by on_datagram. Capacity persists (bounded by the limits).
  std::vector<NsDecl> ns_;
  std::vector<Element> stack_;
  std::string text_;  // decoded text arena: reserved once, never grown past its capacity
  std::vector<std::string_view> reported_;
  MessageKind kind_ = MessageKind::kUnknown;
  std::string_view version_;
  std::string_view action_, message_id_, relates_to_;
  bool has_app_sequence_ = false;
  std::uint64_t instance_id_ = 0, message_number_ = 0;
  std::vector<EndpointBuild> builds_;
  EndpointBuild* current_ = nullptr;
  Field field_ = Field::kNone;
  std::size_t field_depth_ = 0;
  std::size_t field_start_ = 0;
  bool in_header_ = false, in_body_ = false;
};

std::string_view WsdParser::resolve(std::string_view prefix) const noexcept {
  // The innermost declaration wins (Namespaces in XML 1.0 §6.1): search from the end.
  for (std::size_t i = ns_.size(); i-- > 0;)
    if (ns_[i].prefix == prefix) return ns_[i].uri;
  if (prefix == "xml") return "http://www.w3.org/XML/1998/namespace";
  return {};
}

void WsdParser::on_datagram(Direction /*dir*/, ByteView payload) noexcept {
  if (payload.size() > limits_.max_message_bytes) {
    sink_.anomaly(anomaly::kMessageTooLarge, "wsd.max_message_bytes");
    return;
  }
  ns_.clear();
  stack_.clear();
  reported_.clear();
  if (text_.capacity() < limits_.max_text_bytes) text_.reserve(limits_.max_text_bytes);
  text_.clear();
  kind_ = MessageKind::kUnknown;
  version_ = action_ = message_id_ = relates_to_ = {};
  has_app_sequence_ = false;
  instance_id_ = message_number_ = 0;
  builds_.clear();
  current_ = nullptr;
  field_ = Field::kNone;
  in_header_ = in_body_ = false;

  if (!scan(as_chars(payload))) return;
  if (kind_ == MessageKind::kUnknown) {
    if (!not_wsd_reported_) {
      not_wsd_reported_ = true;
      sink_.anomaly(anomaly::kNotWsDiscovery, "no WS-Discovery message in the datagram");
    }
    return;
  }

  std::vector<Endpoint> endpoints(builds_.size());
  for (std::size_t i = 0; i < builds_.size(); ++i) finish_endpoint(builds_[i], endpoints[i]);
  WsdMessage m;
  m.kind = kind_;
  m.version = version_;
  m.action = action_;
  m.message_id = message_id_;
  m.relates_to = relates_to_;
  m.has_app_sequence = has_app_sequence_;
  m.instance_id = instance_id_;
  m.message_number = message_number_;
  m.endpoints = endpoints;
  // WS-Discovery 1.1 §3: in ad hoc mode Hello, Bye, Probe and Resolve are multicast.
  m.multicast_kind = kind_ == MessageKind::kHello || kind_ == MessageKind::kBye ||
                     kind_ == MessageKind::kProbe || kind_ == MessageKind::kResolve;
  if (!confirmed_) {
    confirmed_ = true;
    sink_.confirm_protocol();
  }
  sink_.emit(m);

  // IEEE 11073-20701: a patient context scope names the patient; in clear it is PHI.
  std::array<clinical::PhiField, 4> phi{};
  std::size_t n = 0;
  for (const Endpoint& e : endpoints)
    for (std::string_view s : e.scopes)
      if (starts_with(s, "sdc.ctxt.pat:") && n < phi.size()) phi[n++] = {"wsd.sdc.ctxt.pat", s};
  if (n > 0) {
    sink_.anomaly(
        m.multicast_kind ? anomaly::kPatientContextMulticast : anomaly::kPatientContextCleartext,
        message_kind_name(kind_));
    clinical::PhiObserved p;
    p.protocol = "wsd";
    p.where = message_kind_name(kind_);
    p.fields = std::span<const clinical::PhiField>(phi.data(), n);
    sink_.emit(p);
  }
}

bool WsdParser::scan(std::string_view doc) {
  xml::Scanner sc(doc);
  for (;;) {
    const xml::Token t = sc.next();
    switch (t.kind) {
      case xml::TokenKind::kError:
        sink_.anomaly(anomaly::kMalformedXml, "markup");
        return false;
      case xml::TokenKind::kDone:
        if (sc.saw_doctype()) report(anomaly::kDoctype, "DOCTYPE ignored");
        if (!stack_.empty()) {
          sink_.anomaly(anomaly::kMalformedXml, "unclosed element");
          return false;
        }
        return true;
      case xml::TokenKind::kText:
        if (field_ != Field::kNone && stack_.size() == field_depth_) {
          const bool fits = t.cdata ? (text_.size() + t.text.size() <= text_.capacity() &&
                                       (text_.append(t.text), true))
                                    : xml::decode_entities(t.text, text_, text_.capacity());
          if (!fits && text_.size() + 8 >= text_.capacity())
            report(anomaly::kTextTooLong, "wsd.max_text_bytes");
        }
        break;
      case xml::TokenKind::kStart: {
        if (stack_.size() >= limits_.max_depth) {
          report(anomaly::kTooDeep, "wsd.max_depth");
          return false;
        }
        Element e;
        e.qname = t.name;
        e.ns_mark = ns_.size();
        // Namespace declarations first: they apply to the element's own name.
        std::string_view attrs = t.attrs;
        xml::Attribute a;
        bool malformed = false;
        while (xml::next_attribute(attrs, a, malformed)) {
          std::string_view prefix;
          if (a.name == "xmlns") {
            prefix = {};
          } else if (starts_with(a.name, "xmlns:")) {
            prefix = a.name.substr(6);
          } else {
            continue;
          }
          if (ns_.size() >= limits_.max_namespaces) {
            report(anomaly::kTooManyNamespaces, "wsd.max_namespaces");
            continue;
          }
          ns_.push_back({prefix, a.value});
        }
        if (malformed) {
          sink_.anomaly(anomaly::kMalformedXml, "attributes");
          return false;
        }
        std::string_view prefix;
        xml::split_qname(t.name, prefix, e.local);
        e.ns = resolve(prefix);
        stack_.push_back(e);
        start_element(stack_.back(), t.attrs);
        if (t.self_closing) {
          end_element(stack_.back());
          ns_.resize(stack_.back().ns_mark);
          stack_.pop_back();
        }
        break;
      }
      case xml::TokenKind::kEnd:
        if (stack_.empty() || stack_.back().qname != t.name) {
          sink_.anomaly(anomaly::kMalformedXml, "mismatched end tag");
          return false;
        }
        end_element(stack_.back());
        ns_.resize(stack_.back().ns_mark);
        stack_.pop_back();
        break;
    }
  }
}

void WsdParser::start_element(const Element& e, std::string_view attrs) {
  const std::size_t depth = stack_.size();  // this element is at depth `depth`
  const std::string_view parent = depth >= 2 ? stack_[depth - 2].local : std::string_view{};
  // SOAP 1.1 / 1.2 Envelope, Header and Body (any SOAP version: matched by local name).
  if (depth == 2 && parent == "Envelope") {
    in_header_ = e.local == "Header";
    in_body_ = e.local == "Body";
    return;
  }
  const auto begin_field = [&](Field f) {
    field_ = f;
    field_depth_ = depth;
    field_start_ = text_.size();
  };
  if (in_header_ && depth == 3) {
    if (is_addressing(e.ns)) {
      if (e.local == "Action") begin_field(Field::kAction);
      if (e.local == "MessageID") begin_field(Field::kMessageId);
      if (e.local == "RelatesTo") begin_field(Field::kRelatesTo);
    } else if (is_discovery(e.ns) && e.local == "AppSequence") {
      // WS-Discovery 1.1 §7: InstanceId and MessageNumber (xs:unsignedInt).
      has_app_sequence_ = true;
      std::string_view rest = attrs;
      xml::Attribute a;
      bool malformed = false;
      while (xml::next_attribute(rest, a, malformed)) {
        std::uint64_t v = 0;
        const auto [p, ec] = std::from_chars(a.value.data(), a.value.data() + a.value.size(), v);
        if (ec != std::errc() || p != a.value.data() + a.value.size()) continue;
        if (a.name == "InstanceId") instance_id_ = v;
        if (a.name == "MessageNumber") message_number_ = v;
      }
    }
    return;
  }
  if (!in_body_) return;
  if (depth == 3 && is_discovery(e.ns)) {
    // The message element (WS-Discovery 1.1 §4.1, §4.2, §5.2, §5.3, §6.1, §6.2).
    static constexpr std::array<std::pair<std::string_view, MessageKind>, 6> kKinds = {{
        {"Hello", MessageKind::kHello},
        {"Bye", MessageKind::kBye},
        {"Probe", MessageKind::kProbe},
        {"ProbeMatches", MessageKind::kProbeMatches},
        {"Resolve", MessageKind::kResolve},
        {"ResolveMatches", MessageKind::kResolveMatches},
    }};
    for (const auto& [name, kind] : kKinds)
      if (e.local == name) kind_ = kind;
    if (kind_ == MessageKind::kUnknown) return;
    version_ = e.ns == kDisc2009 ? "1.1" : "2005/04";
  }
  if (kind_ == MessageKind::kUnknown || (!is_discovery(e.ns) && !is_addressing(e.ns))) return;
  const bool opens_endpoint =
      (depth == 3 && kind_ != MessageKind::kProbeMatches &&
       kind_ != MessageKind::kResolveMatches) ||
      (depth == 4 && (e.local == "ProbeMatch" || e.local == "ResolveMatch"));
  if (opens_endpoint) {
    if (builds_.size() >= limits_.max_endpoints) {
      report(anomaly::kTooManyEndpoints, "wsd.max_endpoints");
      current_ = nullptr;
      return;
    }
    builds_.emplace_back();
    current_ = &builds_.back();
    stack_.back().endpoint = true;
    return;
  }
  if (current_ == nullptr) return;
  if (is_addressing(e.ns) && e.local == "Address" && parent == "EndpointReference")
    begin_field(Field::kAddress);
  if (is_discovery(e.ns)) {
    if (e.local == "Types") begin_field(Field::kTypes);
    if (e.local == "Scopes") begin_field(Field::kScopes);
    if (e.local == "XAddrs") begin_field(Field::kXAddrs);
    if (e.local == "MetadataVersion") begin_field(Field::kMetadataVersion);
  }
}

void WsdParser::end_element(const Element& e) {
  if (e.endpoint) current_ = nullptr;
  if (field_ == Field::kNone || stack_.size() != field_depth_) return;
  const Field f = field_;
  field_ = Field::kNone;
  const std::string_view text = trim(std::string_view(text_).substr(field_start_));
  switch (f) {
    case Field::kAction:
      action_ = text;
      break;
    case Field::kMessageId:
      message_id_ = text;
      break;
    case Field::kRelatesTo:
      relates_to_ = text;
      break;
    case Field::kAddress:
      if (current_ != nullptr) current_->address = text;
      break;
    case Field::kMetadataVersion:
      if (current_ != nullptr) {
        std::uint64_t v = 0;
        const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (ec == std::errc() && p == text.data() + text.size()) {
          current_->has_metadata_version = true;
          current_->metadata_version = v;
        }
      }
      break;
    case Field::kTypes:
    case Field::kScopes:
    case Field::kXAddrs:
      split_list(text, f);
      break;
    case Field::kNone:
      break;
  }
}

void WsdParser::split_list(std::string_view text, Field f) {
  if (current_ == nullptr) return;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) ++i;
    std::size_t j = i;
    while (j < text.size() && !is_space(text[j])) ++j;
    if (j > i) {
      const std::string_view item = text.substr(i, j - i);
      const std::size_t count = f == Field::kTypes    ? current_->types.size()
                                : f == Field::kScopes ? current_->scopes.size()
                                                      : current_->xaddrs.size();
      if (count >= limits_.max_list_items) {
        report(anomaly::kTooManyItems, "wsd.max_list_items");
        return;
      }
      if (f == Field::kTypes) {
        // A QName list (WS-Discovery 1.1 §4.1): prefixes resolve in the Types element's scope.
        QName q;
        q.text = item;
        std::string_view prefix;
        xml::split_qname(item, prefix, q.local);
        q.ns = resolve(prefix);
        current_->types.push_back(q);
      } else if (f == Field::kScopes) {
        current_->scopes.push_back(item);
      } else {
        current_->xaddrs.push_back(item);
      }
    }
    i = j;
  }
}

// IEEE 11073-20701 §9.4.1.1:
// sdc.ctxt.loc:/<root>/<extension>?fac=..&bldng=..&poc=..&flr=..&rm=..&bed=..
void parse_location(std::string_view scope, Endpoint& e) {
  const std::size_t q = scope.find('?');
  if (q == std::string_view::npos) return;
  std::string_view rest = scope.substr(q + 1);
  while (!rest.empty()) {
    const std::size_t amp = rest.find('&');
    const std::string_view kv = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    const std::size_t eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view k = kv.substr(0, eq);
    const std::string_view v = kv.substr(eq + 1);
    if (k == "fac") e.loc_facility = v;
    if (k == "bldng") e.loc_building = v;
    if (k == "flr") e.loc_floor = v;
    if (k == "poc") e.loc_point_of_care = v;
    if (k == "rm") e.loc_room = v;
    if (k == "bed") e.loc_bed = v;
  }
}

void WsdParser::finish_endpoint(EndpointBuild& b, Endpoint& out) {
  out.address = b.address;
  out.types = b.types;
  out.scopes = b.scopes;
  out.xaddrs = b.xaddrs;
  out.has_metadata_version = b.has_metadata_version;
  out.metadata_version = b.metadata_version;
  bool sdc = false, onvif = false, dpws = false;
  for (const QName& q : b.types) {
    // IEEE 11073-20702 §7.1 (mdpws:MedicalDevice); ONVIF Core §7.3 (tdn:NetworkVideoTransmitter).
    if (q.local == "MedicalDevice") sdc = true;
    if (q.local == "NetworkVideoTransmitter") onvif = true;
    if (q.local == "Device" && q.ns == kDpws) dpws = true;
  }
  for (std::string_view s : b.scopes) {
    if (starts_with(s, "sdc.")) sdc = true;
    if (starts_with(s, "onvif://www.onvif.org/")) onvif = true;
    if (starts_with(s, "sdc.ctxt.loc:")) parse_location(s, out);
    if (starts_with(s, "sdc.ctxt.pat:")) out.patient_context = true;
  }
  out.device_class = sdc                                       ? DeviceClass::kSdcMedicalDevice
                     : onvif                                   ? DeviceClass::kOnvifCamera
                     : dpws                                    ? DeviceClass::kDpwsDevice
                     : (!b.types.empty() || !b.scopes.empty()) ? DeviceClass::kOther
                                                               : DeviceClass::kUnknown;
}

constexpr std::array<std::uint16_t, 1> kUdpPorts = {3702};  // IANA ws-discovery

std::unique_ptr<ParserFactory> configure(const LimitOverrides& overrides) {
  return std::make_unique<WsdParserFactory>(limits_from(overrides));
}

std::uint32_t clamp_limit(std::uint64_t v, std::uint32_t lo, std::uint32_t hi) noexcept {
  return static_cast<std::uint32_t>(std::clamp<std::uint64_t>(v, lo, hi));
}

}  // namespace

Limits limits_from(const LimitOverrides& o) {
  const Limits d;
  Limits l;
  l.max_message_bytes = clamp_limit(o.get("wsd.max_message_bytes", d.max_message_bytes), 64, 65535);
  l.max_depth = clamp_limit(o.get("wsd.max_depth", d.max_depth), 4, 256);
  l.max_namespaces = clamp_limit(o.get("wsd.max_namespaces", d.max_namespaces), 1, 1024);
  l.max_endpoints = clamp_limit(o.get("wsd.max_endpoints", d.max_endpoints), 1, 1024);
  l.max_list_items = clamp_limit(o.get("wsd.max_list_items", d.max_list_items), 1, 1024);
  l.max_text_bytes = clamp_limit(o.get("wsd.max_text_bytes", d.max_text_bytes), 256, 1 << 20);
  return l;
}

Probe probe(Direction /*dir*/, ByteView payload) noexcept {
  std::string_view s = as_chars(payload);
  if (starts_with(s, "\xEF\xBB\xBF")) s.remove_prefix(3);  // UTF-8 BOM
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  if (s.empty() || s.front() != '<') return Probe::kNo;
  const std::string_view head = s.substr(0, 1024);
  return head.find(kDisc2009) != std::string_view::npos ||
                 head.find(kDisc2005) != std::string_view::npos
             ? Probe::kYes
             : Probe::kNo;
}

std::unique_ptr<DatagramParser> WsdParserFactory::make_datagram(EventSink& sink) const {
  return std::make_unique<WsdParser>(sink, limits_);
}

const ParserSpec& parser_spec() {
  static const ParserSpec spec{
      .name = "wsd",
      .tcp_ports = {},
      .probe = nullptr,
      .configure = &configure,
      .make_log = &make_wsd_log,
      .udp_ports = kUdpPorts,
      .udp_probe = &probe,
  };
  return spec;
}

}  // namespace ward::parsers::wsd
