#include "parsers/dhcp/dhcp_parser.h"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "parsers/dhcp/dhcp_log.h"

namespace ward::parsers::dhcp {

std::string message_type_name(std::uint8_t type) {
  // RFC 2132 §9.6, RFC 3203 (FORCERENEW), RFC 4388 and RFC 6926 (lease query), RFC 7724.
  static constexpr std::array<std::string_view, 19> kNames = {"",
                                                              "DISCOVER",
                                                              "OFFER",
                                                              "REQUEST",
                                                              "DECLINE",
                                                              "ACK",
                                                              "NAK",
                                                              "RELEASE",
                                                              "INFORM",
                                                              "FORCERENEW",
                                                              "LEASEQUERY",
                                                              "LEASEUNASSIGNED",
                                                              "LEASEUNKNOWN",
                                                              "LEASEACTIVE",
                                                              "BULKLEASEQUERY",
                                                              "LEASEQUERYDONE",
                                                              "ACTIVELEASEQUERY",
                                                              "LEASEQUERYSTATUS",
                                                              "TLS"};
  if (type != 0 && type < kNames.size()) return std::string(kNames[type]);
  return "UNKNOWN-" + std::to_string(type);
}

namespace {

// RFC 2131 §2: op..file is 236 bytes, then the options field starting with the cookie.
constexpr std::size_t kFixedBytes = 236;
constexpr std::array<std::uint8_t, 4> kMagicCookie = {99, 130, 83, 99};  // RFC 2131 §3

// Stable anomaly ids (README.md).
constexpr std::string_view kTruncatedHeader = "dhcp.truncated_header";
constexpr std::string_view kBadOp = "dhcp.bad_op";
constexpr std::string_view kBadHlen = "dhcp.bad_hlen";
constexpr std::string_view kBadCookie = "dhcp.bad_magic_cookie";
constexpr std::string_view kTruncatedOption = "dhcp.truncated_option";
constexpr std::string_view kBadOptionLength = "dhcp.bad_option_length";
constexpr std::string_view kBadOverload = "dhcp.bad_overload";
constexpr std::string_view kBadFqdn = "dhcp.bad_client_fqdn";
constexpr std::string_view kTooManyOptions = "dhcp.too_many_options";
constexpr std::string_view kMissingType = "dhcp.missing_message_type";

std::string_view until_nul(ByteView b) {
  const std::string_view s = as_chars(b);
  return s.substr(0, s.find('\0'));
}

// Decodes one message into views; scratch storage is reused between messages.
class Decoder {
 public:
  explicit Decoder(const Limits& limits) : limits_(limits) {}

  // Returns false iff the datagram is not a BOOTP message at all (nothing is emitted).
  template <typename Report>
  bool decode(ByteView msg, DhcpMessage& out, Report&& report) {
    reported_.fill({});
    ByteReader r(msg);
    const auto op = r.u8(), htype = r.u8(), hlen = r.u8(), hops = r.u8();
    const auto xid = r.u32be();
    const auto secs = r.u16be(), flags = r.u16be();
    const auto ci = r.bytes(4), yi = r.bytes(4), si = r.bytes(4), gi = r.bytes(4);
    const auto chaddr = r.bytes(16), sname = r.bytes(64), file = r.bytes(128);
    if (!file) {
      report(kTruncatedHeader);
      return false;
    }
    if (*op != 1 && *op != 2) {
      report(kBadOp);
      return false;
    }
    if (*hlen > 16) {
      report(kBadHlen);
      return false;
    }
    codes_.clear();
    routers_.clear();
    dns_.clear();
    fqdn_.clear();
    out.op = *op;
    out.htype = *htype;
    out.hlen = *hlen;
    out.hops = *hops;
    out.xid = *xid;
    out.secs = *secs;
    out.flags = *flags;
    out.ciaddr = IpAddr::v4(*ci);
    out.yiaddr = IpAddr::v4(*yi);
    out.siaddr = IpAddr::v4(*si);
    out.giaddr = IpAddr::v4(*gi);
    out.chaddr = chaddr->first(*hlen);
    if (*htype == 1 && *hlen == 6) {
      MacAddr m;
      std::copy_n(chaddr->begin(), 6, m.bytes.begin());
      out.mac = m;
    }
    const ByteView rest = r.rest();
    bool ok = true;
    if (rest.size() >= 4 && std::equal(kMagicCookie.begin(), kMagicCookie.end(), rest.begin())) {
      out.has_options = true;
      ok = options(rest.subspan(4), out, report);
      // RFC 2131 §4.1: with option 52 the `file` field, then `sname`, hold more options.
      if (ok && (out.overload & 1)) ok = options(*file, out, report);
      if (ok && (out.overload & 2)) ok = options(*sname, out, report);
    } else if (!rest.empty() &&
               !std::all_of(rest.begin(), rest.end(), [](std::uint8_t b) { return b == 0; })) {
      once(report, kBadCookie);  // a vendor area that is not DHCP's (RFC 1497 BOOTP)
    }
    if (!(out.overload & 2)) out.sname = until_nul(*sname);
    if (!(out.overload & 1)) out.file = until_nul(*file);
    if (out.has_options && out.msg_type == 0) once(report, kMissingType);
    out.partial = !ok;
    out.option_codes = codes_;
    out.routers = routers_;
    out.dns_servers = dns_;
    if (out.client_fqdn) out.client_fqdn->domain_name = fqdn_;
    return true;
  }

 private:
  template <typename Report>
  void once(Report& report, std::string_view id) {
    for (std::string_view& r : reported_) {
      if (r == id) return;
      if (r.empty()) {
        r = id;
        break;
      }
    }
    report(id);
  }

  // One options area (RFC 2132 §2): pad 0, end 255, else code, length, value.
  template <typename Report>
  bool options(ByteView area, DhcpMessage& out, Report& report) {
    ByteReader r(area);
    while (!r.empty()) {
      const std::uint8_t code = *r.u8();
      if (code == 0) continue;
      if (code == 255) return true;
      const auto len = r.u8();
      const auto value = len ? r.bytes(*len) : std::nullopt;
      if (!value) {
        once(report, kTruncatedOption);
        return false;
      }
      if (codes_.size() >= limits_.max_options) {
        once(report, kTooManyOptions);
        return false;
      }
      codes_.push_back(code);
      if (!option(code, *value, out, report)) once(report, kBadOptionLength);
    }
    return true;  // an area may end without the end option (RFC 2131 allows padding to end)
  }

  // Decodes one option; false iff its length is wrong for its code. The first instance of an
  // option wins (RFC 3396 concatenation of long options is not done: README.md).
  template <typename Report>
  bool option(std::uint8_t code, ByteView v, DhcpMessage& out, Report& report) {
    ByteReader r(v);
    switch (code) {
      case 1:  // subnet mask
        if (v.size() != 4) return false;
        if (!out.subnet_mask) out.subnet_mask = IpAddr::v4(v);
        return true;
      case 3:  // routers
      case 6:  // domain name servers
        if (v.empty() || v.size() % 4 != 0) return false;
        for (std::size_t i = 0; i + 4 <= v.size(); i += 4) {
          auto& list = code == 3 ? routers_ : dns_;
          if (list.size() < limits_.max_addresses_per_option)
            list.push_back(IpAddr::v4(v.subspan(i, 4)));
        }
        return true;
      case 12:  // host name
        if (v.empty()) return false;
        if (!out.host_name) out.host_name = as_chars(v);
        return true;
      case 15:  // domain name
        if (!out.domain_name) out.domain_name = as_chars(v);
        return true;
      case 50:  // requested IP address
        if (v.size() != 4) return false;
        if (!out.requested_addr) out.requested_addr = IpAddr::v4(v);
        return true;
      case 51:  // lease time
        if (v.size() != 4) return false;
        if (!out.lease_time) out.lease_time = *r.u32be();
        return true;
      case 52:  // option overload
        if (v.size() != 1) return false;
        if (v[0] < 1 || v[0] > 3) {
          once(report, kBadOverload);
          return true;
        }
        // Only the options field may carry option 52 (RFC 2131 §4.1): the first one counts.
        if (out.overload == 0) out.overload = v[0];
        return true;
      case 53:  // message type
        if (v.size() != 1) return false;
        if (out.msg_type == 0) out.msg_type = v[0];
        return true;
      case 54:  // server identifier
        if (v.size() != 4) return false;
        if (!out.server_id) out.server_id = IpAddr::v4(v);
        return true;
      case 55:  // parameter request list
        if (v.empty()) return false;
        if (!out.param_list) out.param_list = v;
        return true;
      case 56:  // message
        if (!out.message) out.message = as_chars(v);
        return true;
      case 57:  // maximum message size
        if (v.size() != 2) return false;
        if (!out.max_message_size) out.max_message_size = *r.u16be();
        return true;
      case 58:  // renewal (T1)
      case 59:  // rebinding (T2)
        if (v.size() != 4) return false;
        (code == 58 ? out.renewal_time : out.rebinding_time) = *r.u32be();
        return true;
      case 60:  // vendor class identifier
        if (v.empty()) return false;
        if (!out.vendor_class) out.vendor_class = as_chars(v);
        return true;
      case 61:  // client identifier: type, then the identifier
        if (v.size() < 2) return false;
        if (!out.client_id) out.client_id = v;
        return true;
      case 81:  // client FQDN (RFC 4702 §2)
        if (v.size() < 3) return false;
        if (!out.client_fqdn) decode_fqdn(v, out, report);
        return true;
      case 82:  // relay agent information (RFC 3046 §2.0)
        if (!out.relay_agent) return decode_relay(v, out);
        return true;
      default:
        return true;
    }
  }

  template <typename Report>
  void decode_fqdn(ByteView v, DhcpMessage& out, Report& report) {
    ClientFqdn f;
    f.flags = v[0];
    f.rcode1 = v[1];
    f.rcode2 = v[2];
    const ByteView name = v.subspan(3);
    fqdn_.clear();
    if ((f.flags & 0x04) == 0) {  // E clear: ASCII (deprecated encoding, still common)
      fqdn_.assign(as_chars(name));
      while (!fqdn_.empty() && (fqdn_.back() == '\0' || fqdn_.back() == '.')) fqdn_.pop_back();
    } else {  // E set: RFC 1035 §3.1 wire format, no compression (RFC 4702 §2.1)
      ByteReader r(name);
      while (!r.empty()) {
        const std::uint8_t len = *r.u8();
        if (len == 0) break;
        const auto label = (len & 0xC0) == 0 ? r.bytes(len) : std::nullopt;
        if (!label) {
          once(report, kBadFqdn);
          break;
        }
        if (!fqdn_.empty()) fqdn_.push_back('.');
        fqdn_.append(as_chars(*label));
      }
    }
    out.client_fqdn = f;
  }

  static bool decode_relay(ByteView v, DhcpMessage& out) {
    RelayAgent a;
    ByteReader r(v);
    while (!r.empty()) {
      const std::uint8_t sub = *r.u8();
      const auto len = r.u8();
      const auto data = len ? r.bytes(*len) : std::nullopt;
      if (!data) return false;
      if (sub == 1 && a.circuit_id.empty()) a.circuit_id = *data;
      if (sub == 2 && a.remote_id.empty()) a.remote_id = *data;
      if (sub == 6 && a.subscriber_id.empty()) a.subscriber_id = *data;
    }
    out.relay_agent = a;
    return true;
  }

  const Limits& limits_;
  std::vector<std::uint8_t> codes_;
  std::vector<IpAddr> routers_;
  std::vector<IpAddr> dns_;
  std::string fqdn_;
  std::array<std::string_view, 12> reported_{};  // ids reported for this message
};

class DhcpUdpParser final : public DatagramParser {
 public:
  DhcpUdpParser(EventSink& sink, const Limits& limits)
      : sink_(sink), limits_(limits), decoder_(limits_) {}

  void on_datagram(Direction dir, ByteView payload) noexcept override {
    DhcpMessage m;
    auto report = [this](std::string_view id) { sink_.anomaly(id, ""); };
    if (!decoder_.decode(payload, m, report)) return;
    if (!confirmed_ && m.has_options && !m.partial) {
      sink_.confirm_protocol();
      confirmed_ = true;
    }
    (void)dir;
    sink_.emit(m);
  }

 private:
  EventSink& sink_;
  Limits limits_;
  Decoder decoder_;  // refers to limits_
  bool confirmed_ = false;
};

std::unique_ptr<ParserFactory> configure(const LimitOverrides& overrides) {
  return std::make_unique<DhcpParserFactory>(limits_from(overrides));
}

Probe probe_tcp(Direction /*dir*/, ByteView /*first_bytes*/) noexcept { return Probe::kNo; }

constexpr std::array<std::uint16_t, 2> kUdpPorts{67, 68};

}  // namespace

std::unique_ptr<StreamParser> DhcpParserFactory::make(EventSink& /*sink*/) const { return nullptr; }

std::unique_ptr<DatagramParser> DhcpParserFactory::make_datagram(EventSink& sink) const {
  return std::make_unique<DhcpUdpParser>(sink, limits_);
}

Limits limits_from(const LimitOverrides& o) {
  const Limits d;
  Limits l;
  l.max_options = static_cast<std::uint32_t>(
      std::clamp<std::uint64_t>(o.get("dhcp.max_options", d.max_options), 1, 1024));
  l.max_addresses_per_option = static_cast<std::uint32_t>(std::clamp<std::uint64_t>(
      o.get("dhcp.max_addresses_per_option", d.max_addresses_per_option), 1, 64));
  return l;
}

Probe probe_udp(Direction /*dir*/, ByteView p) noexcept {
  ByteReader r(p);
  const auto op = r.u8();
  (void)r.u8();
  const auto hlen = r.u8();
  if (!hlen || (*op != 1 && *op != 2) || *hlen > 16) return Probe::kNo;
  if (p.size() < kFixedBytes + 4) return Probe::kNo;
  const ByteView cookie = p.subspan(kFixedBytes, 4);
  return std::equal(kMagicCookie.begin(), kMagicCookie.end(), cookie.begin()) ? Probe::kYes
                                                                              : Probe::kNo;
}

const ParserSpec& parser_spec() {
  static const ParserSpec spec{"dhcp",         {},        &probe_tcp, &configure,
                               &make_dhcp_log, kUdpPorts, &probe_udp};
  return spec;
}

}  // namespace ward::parsers::dhcp
