#include "parsers/dns/dns_parser.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <list>
#include <string>
#include <utility>
#include <vector>

#include "parsers/dns/dns_log.h"

namespace ward::parsers::dns {

std::string type_name(std::uint16_t type) {
  // Zeek's DNS::query_types (base/protocols/dns/consts.zeek) for the common types.
  switch (type) {
    case 1:
      return "A";
    case 2:
      return "NS";
    case 3:
      return "MD";
    case 4:
      return "MF";
    case 5:
      return "CNAME";
    case 6:
      return "SOA";
    case 7:
      return "MB";
    case 8:
      return "MG";
    case 9:
      return "MR";
    case 10:
      return "NULL";
    case 11:
      return "WKS";
    case 12:
      return "PTR";
    case 13:
      return "HINFO";
    case 14:
      return "MINFO";
    case 15:
      return "MX";
    case 16:
      return "TXT";
    case 17:
      return "RP";
    case 18:
      return "AFSDB";
    case 24:
      return "SIG";
    case 25:
      return "KEY";
    case 28:
      return "AAAA";
    case 29:
      return "LOC";
    case 33:
      return "SRV";
    case 35:
      return "NAPTR";
    case 36:
      return "KX";
    case 37:
      return "CERT";
    case 38:
      return "A6";
    case 39:
      return "DNAME";
    case 41:
      return "OPT";
    case 42:
      return "APL";
    case 43:
      return "DS";
    case 44:
      return "SSHFP";
    case 45:
      return "IPSECKEY";
    case 46:
      return "RRSIG";
    case 47:
      return "NSEC";
    case 48:
      return "DNSKEY";
    case 49:
      return "DHCID";
    case 50:
      return "NSEC3";
    case 51:
      return "NSEC3PARAM";
    case 52:
      return "TLSA";
    case 55:
      return "HIP";
    case 59:
      return "CDS";
    case 60:
      return "CDNSKEY";
    case 61:
      return "OPENPGPKEY";
    case 64:
      return "SVCB";
    case 65:
      return "HTTPS";
    case 99:
      return "SPF";
    case 249:
      return "TKEY";
    case 250:
      return "TSIG";
    case 251:
      return "IXFR";
    case 252:
      return "AXFR";
    case 253:
      return "MAILB";
    case 254:
      return "MAILA";
    case 255:
      return "*";
    case 256:
      return "URI";
    case 257:
      return "CAA";
    case 32768:
      return "TA";
    case 32769:
      return "DLV";
    default:
      return "query-" + std::to_string(type);
  }
}

std::string class_name(std::uint16_t qclass) {
  switch (qclass) {
    case 1:
      return "C_INTERNET";
    case 2:
      return "C_CSNET";
    case 3:
      return "C_CHAOS";
    case 4:
      return "C_HESIOD";
    case 254:
      return "C_NONE";
    case 255:
      return "C_ANY";
    case 0x8001:
      return "C_INTERNET_CACHE_FLUSH";  // mDNS: class IN with bit 15 set
    default:
      return "unknown-" + std::to_string(qclass);
  }
}

std::string rcode_name(std::uint16_t rcode) {
  static constexpr std::array<std::string_view, 24> kNames = {
      "NOERROR",    "FORMERR",    "SERVFAIL",   "NXDOMAIN",   "NOTIMP",   "REFUSED",
      "YXDOMAIN",   "YXRRSET",    "NXRRSET",    "NOTAUTH",    "NOTZONE",  "unknown-11",
      "unknown-12", "unknown-13", "unknown-14", "unknown-15", "BADVERS",  "BADKEY",
      "BADTIME",    "BADMODE",    "BADNAME",    "BADALG",     "BADTRUNC", "BADCOOKIE"};
  if (rcode < kNames.size()) return std::string(kNames[rcode]);
  return "unknown-" + std::to_string(rcode);
}

std::string opcode_name(std::uint8_t opcode) {
  switch (opcode) {
    case 0:
      return "query";
    case 1:
      return "iquery";
    case 2:
      return "status";
    case 4:
      return "notify";
    case 5:
      return "dynamic_update";
    default:
      return "unknown-" + std::to_string(opcode);
  }
}

std::string_view section_name(Section s) noexcept {
  switch (s) {
    case Section::kAnswer:
      return "answer";
    case Section::kAuthority:
      return "authority";
    case Section::kAdditional:
      return "additional";
  }
  return "answer";
}

namespace {

constexpr std::size_t kHeaderBytes = 12;
constexpr std::size_t kMaxNameWireBytes = 255;  // RFC 1035 §2.3.4

// Stable anomaly ids (README.md).
constexpr std::string_view kTruncatedHeader = "dns.truncated_header";
constexpr std::string_view kTruncatedMessage = "dns.truncated_message";
constexpr std::string_view kMalformedName = "dns.malformed_name";
constexpr std::string_view kCompressionDepth = "dns.compression_depth_exceeded";
constexpr std::string_view kMalformedRdata = "dns.malformed_rdata";
constexpr std::string_view kMultipleOpt = "dns.multiple_opt";
constexpr std::string_view kTrailingBytes = "dns.trailing_bytes";
constexpr std::string_view kTooManyQuestions = "dns.too_many_questions";
constexpr std::string_view kTooManyRecords = "dns.too_many_records";
constexpr std::string_view kTooManyStrings = "dns.too_many_strings";
constexpr std::string_view kTooManyOptions = "dns.too_many_edns_options";
constexpr std::string_view kTooManyPending = "dns.too_many_pending_queries";
constexpr std::string_view kMessageTooLarge = "dns.message_too_large";
constexpr std::string_view kStreamGap = "dns.stream_gap";
constexpr std::string_view kTruncatedStream = "dns.truncated_stream";

struct Ref {
  std::uint32_t off = 0;
  std::uint32_t len = 0;
};

// Why a name could not be read.
enum class NameStatus : std::uint8_t { kOk, kTruncated, kBadLabel, kTooLong, kDepth };

// Decodes one DNS message into views. Decompressed names are copied into `text_`, which is
// reused between messages; views are made only after the whole message is decoded, so that
// growing `text_` never leaves a view dangling. Not thread-safe; one per parser.
class MessageDecoder {
 public:
  explicit MessageDecoder(const Limits& limits) : limits_(limits) {}

  // Decodes `msg` into `out`. Problems go to `report(id)` (each id at most once per message).
  // Returns false iff not even the header could be read (then `out` is untouched).
  template <typename Report>
  bool decode(ByteView msg, DnsMessage& out, Report&& report) {
    ByteReader r(msg);
    const auto id = r.u16be();
    const auto flags = r.u16be();
    const auto qd = r.u16be();
    const auto an = r.u16be();
    const auto ns = r.u16be();
    const auto ar = r.u16be();
    if (!ar) {
      report(kTruncatedHeader);
      return false;
    }
    msg_ = msg;
    text_.clear();
    questions_.clear();
    question_refs_.clear();
    records_.clear();
    record_refs_.clear();
    strings_.clear();
    options_.clear();
    reported_count_ = 0;
    // RFC 1035 §4.1.1 and RFC 4035 §3.2 (AD, CD).
    out.id = *id;
    out.qr = (*flags & 0x8000) != 0;
    out.opcode = static_cast<std::uint8_t>((*flags >> 11) & 0xf);
    out.aa = (*flags & 0x0400) != 0;
    out.tc = (*flags & 0x0200) != 0;
    out.rd = (*flags & 0x0100) != 0;
    out.ra = (*flags & 0x0080) != 0;
    out.z = (*flags & 0x0040) != 0;
    out.ad = (*flags & 0x0020) != 0;
    out.cd = (*flags & 0x0010) != 0;
    out.rcode = static_cast<std::uint8_t>(*flags & 0xf);
    out.qdcount = *qd;
    out.ancount = *an;
    out.nscount = *ns;
    out.arcount = *ar;
    out.edns.reset();
    out.partial = false;

    std::size_t pos = kHeaderBytes;
    bool ok = true;
    for (std::uint32_t i = 0; ok && i < *qd; ++i) {
      if (questions_.size() >= limits_.max_questions) {
        once(report, kTooManyQuestions);
        ok = false;
        break;
      }
      Ref name;
      ok = read_name(pos, name, report);
      ByteReader q(msg.subspan(std::min(pos, msg.size())));
      const auto qtype = ok ? q.u16be() : std::nullopt;
      const auto qclass = qtype ? q.u16be() : std::nullopt;
      if (ok && !qclass) {
        once(report, kTruncatedMessage);
        ok = false;
      }
      if (!ok) break;
      pos += 4;
      questions_.push_back(Question{{}, *qtype, *qclass});
      question_refs_.push_back(name);
    }
    const std::array<std::pair<Section, std::uint16_t>, 3> sections = {
        {{Section::kAnswer, *an}, {Section::kAuthority, *ns}, {Section::kAdditional, *ar}}};
    for (const auto& [section, count] : sections) {
      for (std::uint32_t i = 0; ok && i < count; ++i) {
        if (records_.size() >= limits_.max_records) {
          once(report, kTooManyRecords);
          ok = false;
          break;
        }
        ok = read_record(section, pos, out, report);
      }
    }
    if (ok && pos < msg.size()) once(report, kTrailingBytes);
    out.partial = !ok;

    // Views, now that text_ and the pools no longer grow.
    for (std::size_t i = 0; i < questions_.size(); ++i)
      questions_[i].name = view(question_refs_[i]);
    for (std::size_t i = 0; i < records_.size(); ++i) {
      const RecordRefs& rr = record_refs_[i];
      records_[i].name = view(rr.name);
      records_[i].target = view(rr.target);
      records_[i].rname = view(rr.rname);
      records_[i].strings =
          std::span<const std::string_view>(strings_).subspan(rr.strings_begin, rr.strings_count);
    }
    out.questions = questions_;
    out.records = records_;
    if (out.edns) {
      out.edns->options = std::span<const EdnsOption>(options_).subspan(
          edns_options_begin_, options_.size() - edns_options_begin_);
    }
    return true;
  }

 private:
  struct RecordRefs {
    Ref name, target, rname;
    std::uint32_t strings_begin = 0;
    std::uint32_t strings_count = 0;
  };

  [[nodiscard]] std::string_view view(Ref r) const {
    return std::string_view(text_).substr(r.off, r.len);
  }

  template <typename Report>
  void once(Report& report, std::string_view id) {
    // Each id at most once per message: a flood of bad records is one anomaly.
    for (std::size_t i = 0; i < reported_count_; ++i)
      if (reported_[i] == id) return;
    if (reported_count_ < reported_.size()) reported_[reported_count_++] = id;
    report(id);
  }

  // Reads the name at `pos` (RFC 1035 §3.1, compression §4.1.4) into text_; on success `pos`
  // is just past the name as written at `pos` (a pointer ends it).
  NameStatus read_name_raw(std::size_t& pos, Ref& out) {
    const auto start = static_cast<std::uint32_t>(text_.size());
    std::size_t p = pos;
    std::size_t end = 0;
    bool jumped = false;
    std::uint32_t hops = 0;
    std::size_t wire = 1;  // the root label
    for (;;) {
      if (p >= msg_.size()) return NameStatus::kTruncated;
      ByteReader r(msg_.subspan(p));
      const std::uint8_t len = *r.u8();
      if ((len & 0xC0) == 0xC0) {
        const auto low = r.u8();
        if (!low) return NameStatus::kTruncated;
        if (!jumped) end = p + 2;
        jumped = true;
        // Every hop is counted, so a pointer loop ends here too.
        if (++hops > limits_.max_compression_pointers) return NameStatus::kDepth;
        p = (static_cast<std::size_t>(len & 0x3F) << 8) | *low;
        continue;
      }
      if ((len & 0xC0) != 0) return NameStatus::kBadLabel;  // 0x40 extended, 0x80 reserved
      if (len == 0) {
        if (!jumped) end = p + 1;
        break;
      }
      const auto label = r.bytes(len);
      if (!label) return NameStatus::kTruncated;
      wire += std::size_t{len} + 1;
      if (wire > kMaxNameWireBytes) return NameStatus::kTooLong;
      if (text_.size() > start) text_.push_back('.');
      text_.append(as_chars(*label));
      p += std::size_t{len} + 1;
    }
    pos = end;
    out = Ref{start, static_cast<std::uint32_t>(text_.size() - start)};
    return NameStatus::kOk;
  }

  template <typename Report>
  bool read_name(std::size_t& pos, Ref& out, Report& report) {
    switch (read_name_raw(pos, out)) {
      case NameStatus::kOk:
        return true;
      case NameStatus::kTruncated:
        once(report, kTruncatedMessage);
        return false;
      case NameStatus::kDepth:
        once(report, kCompressionDepth);
        return false;
      case NameStatus::kBadLabel:
      case NameStatus::kTooLong:
        once(report, kMalformedName);
        return false;
    }
    return false;
  }

  template <typename Report>
  bool read_record(Section section, std::size_t& pos, DnsMessage& out, Report& report) {
    RecordRefs refs;
    if (!read_name(pos, refs.name, report)) return false;
    ByteReader r(msg_.subspan(std::min(pos, msg_.size())));
    const auto type = r.u16be();
    const auto rclass = r.u16be();
    const auto ttl = r.u32be();
    const auto rdlength = r.u16be();
    const auto rdata = rdlength ? r.bytes(*rdlength) : std::nullopt;
    if (!rdata) {
      once(report, kTruncatedMessage);
      return false;
    }
    const std::size_t rdata_pos = pos + 10;
    pos = rdata_pos + *rdlength;
    ResourceRecord rec;
    rec.section = section;
    rec.type = *type;
    rec.rclass = *rclass;
    rec.ttl = *ttl;
    rec.rdata = *rdata;
    refs.strings_begin = static_cast<std::uint32_t>(strings_.size());
    rec.decoded = decode_rdata(rec, refs, rdata_pos, report);
    if (!rec.decoded && is_known(rec.type)) once(report, kMalformedRdata);
    refs.strings_count = static_cast<std::uint32_t>(strings_.size()) - refs.strings_begin;
    if (rec.type == rr_type::kOpt) {
      if (out.edns) {
        once(report, kMultipleOpt);  // RFC 6891 §6.1.1: at most one OPT
      } else {
        Edns e;
        e.udp_payload_size = rec.rclass;
        e.extended_rcode = static_cast<std::uint8_t>(rec.ttl >> 24);
        e.version = static_cast<std::uint8_t>((rec.ttl >> 16) & 0xff);
        e.dnssec_ok = (rec.ttl & 0x8000) != 0;
        out.edns = e;
        decode_edns_options(rec.rdata, report);
      }
    }
    records_.push_back(rec);
    record_refs_.push_back(refs);
    return true;
  }

  static bool is_known(std::uint16_t type) {
    switch (type) {
      case rr_type::kA:
      case rr_type::kAaaa:
      case rr_type::kNs:
      case rr_type::kCname:
      case rr_type::kPtr:
      case rr_type::kDname:
      case rr_type::kMx:
      case rr_type::kSoa:
      case rr_type::kTxt:
      case rr_type::kSpf:
      case rr_type::kHinfo:
      case rr_type::kSrv:
      case rr_type::kNaptr:
      case rr_type::kCaa:
      case rr_type::kSvcb:
      case rr_type::kHttps:
      case rr_type::kOpt:
      case rr_type::kDs:
      case rr_type::kRrsig:
      case rr_type::kDnskey:
      case rr_type::kNsec:
        return true;
      default:
        return false;
    }
  }

  // A name inside RDATA: it must start and (uncompressed part) end inside the RDATA.
  bool rdata_name(std::size_t& pos, std::size_t rdata_end, Ref& out) {
    if (read_name_raw(pos, out) != NameStatus::kOk) return false;
    return pos <= rdata_end;
  }

  // <character-string> (RFC 1035 §3.3): a length byte and that many bytes.
  static std::optional<std::string_view> char_string(ByteReader& r) {
    const auto len = r.u8();
    if (!len) return std::nullopt;
    const auto bytes = r.bytes(*len);
    if (!bytes) return std::nullopt;
    return as_chars(*bytes);
  }

  template <typename Report>
  bool decode_rdata(ResourceRecord& rec, RecordRefs& refs, std::size_t rdata_pos, Report& report) {
    ByteReader r(rec.rdata);
    const std::size_t end = rdata_pos + rec.rdata.size();
    std::size_t pos = rdata_pos;
    switch (rec.type) {
      case rr_type::kA:
        if (rec.rdata.size() != 4) return false;
        rec.addr = IpAddr::v4(rec.rdata);
        return true;
      case rr_type::kAaaa:
        if (rec.rdata.size() != 16) return false;
        rec.addr = IpAddr::v6(rec.rdata);
        return true;
      case rr_type::kNs:
      case rr_type::kCname:
      case rr_type::kPtr:
      case rr_type::kDname:
        return rdata_name(pos, end, refs.target) && pos == end;
      case rr_type::kMx: {  // RFC 1035 §3.3.9
        const auto pref = r.u16be();
        if (!pref) return false;
        rec.priority = *pref;
        pos += 2;
        return rdata_name(pos, end, refs.target) && pos == end;
      }
      case rr_type::kSoa: {  // RFC 1035 §3.3.13
        if (!rdata_name(pos, end, refs.target) || !rdata_name(pos, end, refs.rname)) return false;
        ByteReader t(rec.rdata.subspan(pos - rdata_pos));
        const auto serial = t.u32be(), refresh = t.u32be(), retry = t.u32be(), expire = t.u32be(),
                   minimum = t.u32be();
        if (!minimum || !t.empty()) return false;
        rec.serial = *serial;
        rec.refresh = *refresh;
        rec.retry = *retry;
        rec.expire = *expire;
        rec.minimum = *minimum;
        return true;
      }
      case rr_type::kTxt:
      case rr_type::kSpf:
      case rr_type::kHinfo: {  // RFC 1035 §3.3.14, §3.3.2; RFC 7208 §3.3
        std::uint32_t kept = 0;
        while (!r.empty()) {
          const auto s = char_string(r);
          if (!s) return false;
          if (kept == limits_.max_strings_per_record) {
            once(report, kTooManyStrings);
            continue;
          }
          strings_.push_back(*s);
          ++kept;
        }
        return rec.type != rr_type::kHinfo || kept == 2;
      }
      case rr_type::kSrv: {  // RFC 2782
        const auto prio = r.u16be(), weight = r.u16be(), port = r.u16be();
        if (!port) return false;
        rec.priority = *prio;
        rec.weight = *weight;
        rec.port = *port;
        pos += 6;
        return rdata_name(pos, end, refs.target) && pos == end;
      }
      case rr_type::kNaptr: {  // RFC 3403 §4.1
        const auto order = r.u16be(), pref = r.u16be();
        if (!pref) return false;
        const auto flags = char_string(r);
        const auto service = flags ? char_string(r) : std::nullopt;
        const auto regexp = service ? char_string(r) : std::nullopt;
        if (!regexp) return false;
        rec.priority = *order;
        rec.weight = *pref;
        rec.naptr_flags = *flags;
        rec.naptr_service = *service;
        rec.naptr_regexp = *regexp;
        pos = end - r.remaining();
        return rdata_name(pos, end, refs.target) && pos == end;
      }
      case rr_type::kCaa: {  // RFC 8659 §4.1
        const auto flags = r.u8();
        const auto tag = flags ? char_string(r) : std::nullopt;
        if (!tag || tag->empty()) return false;
        rec.caa_flags = *flags;
        rec.caa_tag = *tag;
        rec.caa_value = as_chars(r.rest());
        return true;
      }
      case rr_type::kSvcb:
      case rr_type::kHttps: {  // RFC 9460 §2.2: SvcPriority, TargetName (no compression)
        const auto prio = r.u16be();
        if (!prio) return false;
        rec.priority = *prio;
        pos += 2;
        if (!rdata_name(pos, end, refs.target)) return false;
        // SvcParams: key, length, value; only their framing is checked.
        ByteReader params(rec.rdata.subspan(pos - rdata_pos));
        while (!params.empty()) {
          const auto key = params.u16be();
          const auto len = key ? params.u16be() : std::nullopt;
          if (!len || !params.skip(*len)) return false;
        }
        return true;
      }
      case rr_type::kOpt: {  // RFC 6891 §6.1.2: options are checked by decode_edns_options
        ByteReader o(rec.rdata);
        while (!o.empty()) {
          const auto code = o.u16be();
          const auto len = code ? o.u16be() : std::nullopt;
          if (!len || !o.skip(*len)) return false;
        }
        return true;
      }
      case rr_type::kDs: {  // RFC 4034 §5.1
        const auto tag = r.u16be();
        const auto alg = tag ? r.u8() : std::nullopt;
        const auto digest = alg ? r.u8() : std::nullopt;
        if (!digest) return false;
        rec.algorithm = *alg;
        rec.digest_type = *digest;
        return true;
      }
      case rr_type::kDnskey: {  // RFC 4034 §2.1
        const auto flags = r.u16be();
        const auto proto = flags ? r.u8() : std::nullopt;
        const auto alg = proto ? r.u8() : std::nullopt;
        if (!alg) return false;
        rec.algorithm = *alg;
        return true;
      }
      case rr_type::kRrsig: {  // RFC 4034 §3.1
        const auto covered = r.u16be();
        const auto alg = covered ? r.u8() : std::nullopt;
        if (!alg || !r.skip(1 + 4 + 4 + 4 + 2)) return false;
        rec.type_covered = *covered;
        rec.algorithm = *alg;
        pos += 18;
        return rdata_name(pos, end, refs.target);  // the signer's name
      }
      case rr_type::kNsec:  // RFC 4034 §4.1: next domain name, then the type bitmaps
        return rdata_name(pos, end, refs.target);
      default:
        return false;  // unknown: kept as its length
    }
  }

  template <typename Report>
  void decode_edns_options(ByteView rdata, Report& report) {
    edns_options_begin_ = options_.size();
    ByteReader o(rdata);
    std::uint32_t kept = 0;
    while (!o.empty()) {
      const auto code = o.u16be();
      const auto len = code ? o.u16be() : std::nullopt;
      const auto data = len ? o.bytes(*len) : std::nullopt;
      if (!data) return;  // reported as malformed RDATA
      if (kept == limits_.max_edns_options) {
        once(report, kTooManyOptions);
        continue;
      }
      options_.push_back(EdnsOption{*code, *data});
      ++kept;
    }
  }

  const Limits& limits_;
  ByteView msg_;
  std::string text_;
  std::vector<Question> questions_;
  std::vector<Ref> question_refs_;
  std::vector<ResourceRecord> records_;
  std::vector<RecordRefs> record_refs_;
  std::vector<std::string_view> strings_;
  std::vector<EdnsOption> options_;
  std::size_t edns_options_begin_ = 0;
  std::array<std::string_view, 16> reported_{};  // ids reported for this message
  std::size_t reported_count_ = 0;
};

bool equal_nocase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string cut(std::string_view s, std::uint32_t max) { return std::string(s.substr(0, max)); }

// Zeek's rendering of one answer for dns.log `answers` (base/protocols/dns/main.zeek).
std::string render(const ResourceRecord& rr, std::uint32_t max_string_bytes) {
  if (!rr.decoded) return "<unknown type=" + std::to_string(rr.type) + ">";
  switch (rr.type) {
    case rr_type::kA:
    case rr_type::kAaaa:
      return rr.addr.to_string();
    case rr_type::kNs:
    case rr_type::kCname:
    case rr_type::kPtr:
    case rr_type::kDname:
    case rr_type::kMx:
    case rr_type::kSoa:
    case rr_type::kSrv:
      return std::string(rr.target);
    case rr_type::kTxt:
    case rr_type::kSpf: {
      std::string out;
      const char* tag = rr.type == rr_type::kTxt ? "TXT " : "SPF ";
      for (std::string_view s : rr.strings) {
        if (!out.empty()) out += ' ';
        out += tag + std::to_string(s.size()) + ' ' + cut(s, max_string_bytes);
      }
      return out;
    }
    case rr_type::kHinfo:
      return "HINFO " + std::string(rr.strings.empty() ? "" : rr.strings[0]);
    case rr_type::kNaptr: {
      std::string tail(rr.naptr_regexp);
      if (!rr.target.empty()) tail += (tail.empty() ? "" : " ") + std::string(rr.target);
      return "NAPTR " + std::to_string(rr.priority) + ' ' + std::to_string(rr.weight) + ' ' +
             std::string(rr.naptr_flags) + ' ' + std::string(rr.naptr_service) + ' ' + tail;
    }
    case rr_type::kCaa:
      return "CAA " + std::to_string(rr.caa_flags) + ' ' + std::string(rr.caa_tag) + ' ' +
             cut(rr.caa_value, max_string_bytes);
    case rr_type::kSvcb:
    case rr_type::kHttps:
      return type_name(rr.type) + ' ' + std::to_string(rr.priority) + ' ' +
             (rr.target.empty() ? std::string(".") : std::string(rr.target));
    case rr_type::kRrsig:
      // Zeek prints the covered type as its number.
      return "RRSIG " + std::to_string(rr.type_covered) + ' ' +
             (rr.target.empty() ? std::string("<Root>") : std::string(rr.target));
    case rr_type::kDnskey:
      return "DNSKEY " + std::to_string(rr.algorithm);
    case rr_type::kDs:
      return "DS " + std::to_string(rr.algorithm) + ' ' + std::to_string(rr.digest_type);
    case rr_type::kNsec:
      return "NSEC " + std::string(rr.name) + ' ' + std::string(rr.target);
    default:
      return "<unknown type=" + std::to_string(rr.type) + ">";
  }
}

std::optional<EdnsSummary> summarize(const std::optional<Edns>& e) {
  if (!e) return std::nullopt;
  EdnsSummary s;
  s.udp_payload_size = e->udp_payload_size;
  s.extended_rcode = e->extended_rcode;
  s.version = e->version;
  s.dnssec_ok = e->dnssec_ok;
  for (const EdnsOption& o : e->options) s.option_codes.push_back(o.code);
  return s;
}

// Decoding, pairing and emitting for one flow, whatever the transport.
class Session {
 public:
  Session(EventSink& sink, const Limits& limits, bool tcp)
      : sink_(sink), limits_(limits), decoder_(limits), tcp_(tcp) {}

  // Handles one whole message sent in `dir`.
  void on_message(Direction dir, ByteView bytes) {
    DnsMessage msg;
    msg.tcp = tcp_;
    auto report = [this](std::string_view id) { sink_.anomaly(id, ""); };
    if (!decoder_.decode(bytes, msg, report)) return;
    if (!confirmed_ && !msg.partial) {
      sink_.confirm_protocol();
      confirmed_ = true;
    }
    sink_.emit(msg);
    if (msg.qr) {
      on_response(dir, msg);
    } else {
      on_query(dir, msg);
    }
  }

  // The flow ended: queries never answered are logged alone.
  void flush() {
    while (!pending_.empty()) {
      sink_.emit(pending_.front().tx);
      pending_.pop_front();
    }
  }

 private:
  struct Pending {
    DnsTransaction tx;
    std::string qname;  // first question, for pairing
    std::uint16_t qtype = 0;
    bool has_question = false;
  };

  void on_query(Direction dir, const DnsMessage& msg) {
    if (pending_.size() >= limits_.max_pending_queries) {
      sink_.anomaly(kTooManyPending, "oldest query logged unanswered");
      sink_.emit(pending_.front().tx);
      pending_.pop_front();
    }
    Pending p;
    DnsTransaction& tx = p.tx;
    tx.ts = sink_.packet_time();
    tx.trans_id = msg.id;
    tx.opcode = msg.opcode;
    tx.saw_query = true;
    tx.tcp = tcp_;
    tx.client_dir = dir;
    // Zeek's dns_request: RD, TC, Z and the question come from the query.
    tx.rd = msg.rd;
    tx.tc = msg.tc;
    tx.z = static_cast<std::uint8_t>((msg.z ? 4 : 0) | (msg.ad ? 2 : 0) | (msg.cd ? 1 : 0));
    if (!msg.questions.empty()) {
      const Question& q = msg.questions.front();
      tx.query = cut(q.name, limits_.max_string_bytes);
      tx.qclass = q.qclass;
      tx.qtype = q.qtype;
      p.qname = tx.query;
      p.qtype = q.qtype;
      p.has_question = true;
      add_extra_questions(tx, msg);
    }
    tx.query_edns = summarize(msg.edns);
    pending_.push_back(std::move(p));
  }

  void on_response(Direction dir, const DnsMessage& msg) {
    // The oldest pending query with this id (and the same question when both have one).
    auto it = std::find_if(pending_.begin(), pending_.end(), [&](const Pending& p) {
      if (p.tx.trans_id != msg.id) return false;
      if (!p.has_question || msg.questions.empty()) return true;
      return p.qtype == msg.questions.front().qtype &&
             equal_nocase(p.qname, msg.questions.front().name.substr(0, limits_.max_string_bytes));
    });
    if (it != pending_.end()) {
      complete(it->tx, msg);
      pending_.erase(it);
      return;
    }
    DnsTransaction tx;
    tx.ts = sink_.packet_time();
    tx.trans_id = msg.id;
    tx.opcode = msg.opcode;
    tx.tcp = tcp_;
    tx.client_dir = bus::opposite(dir);
    add_extra_questions(tx, msg);
    complete(tx, msg);
  }

  // Adds the response `msg` to `tx` and emits it.
  void complete(DnsTransaction& tx, const DnsMessage& msg) {
    tx.saw_reply = true;
    tx.rcode = msg.rcode;
    tx.reply_edns = summarize(msg.edns);
    if (tx.query.empty() && !msg.questions.empty())
      tx.query = cut(msg.questions.front().name, limits_.max_string_bytes);
    // Zeek's dns_rejected: a response with a question and no record at all, or an error
    // without a question.
    tx.rejected = (msg.qdcount > 0 && msg.ancount == 0 && msg.nscount == 0 && msg.arcount == 0) ||
                  (msg.rcode != 0 && msg.qdcount == 0);
    bool any_answer = false;
    for (const ResourceRecord& rr : msg.records) {
      if (rr.section == Section::kAdditional) continue;
      if (rr.section == Section::kAnswer) {
        any_answer = true;
        if (tx.query.empty()) tx.query = cut(rr.name, limits_.max_string_bytes);
      }
      if (tx.records.size() >= limits_.max_logged_records) continue;
      LoggedRecord lr;
      lr.section = rr.section;
      lr.name = cut(rr.name, limits_.max_string_bytes);
      lr.type = rr.type;
      lr.ttl = rr.ttl;
      lr.data = cut(render(rr, limits_.max_string_bytes), limits_.max_string_bytes);
      if (rr.type == rr_type::kSoa && rr.decoded) {
        lr.rname = std::string(rr.rname);
        lr.serial = rr.serial;
        lr.refresh = rr.refresh;
        lr.retry = rr.retry;
        lr.expire = rr.expire;
        lr.minimum = rr.minimum;
      }
      if (rr.type == rr_type::kTxt && rr.decoded)
        for (std::string_view s : rr.strings)
          lr.strings.push_back(cut(s, limits_.max_string_bytes));
      if (rr.section == Section::kAnswer) {
        tx.answers.push_back(lr.data);
        tx.ttls.push_back(rr.ttl);
      }
      tx.records.push_back(std::move(lr));
    }
    if (any_answer) {
      // Zeek's do_reply: AA, RA and the round-trip time come with the first answer.
      tx.aa = msg.aa;
      tx.ra = msg.ra;
      const TimeNs now = sink_.packet_time();
      if (tx.saw_query && now >= tx.ts) tx.rtt = now - tx.ts;
    }
    sink_.emit(tx);
  }

  void add_extra_questions(DnsTransaction& tx, const DnsMessage& msg) const {
    for (std::size_t i = 1; i < msg.questions.size(); ++i) {
      tx.extra_queries.push_back(cut(msg.questions[i].name, limits_.max_string_bytes));
      tx.extra_qtypes.push_back(msg.questions[i].qtype);
    }
  }

  EventSink& sink_;
  Limits limits_;
  MessageDecoder decoder_;  // refers to limits_
  bool tcp_;
  bool confirmed_ = false;
  std::list<Pending> pending_;  // oldest first; events cannot be move-assigned
};

class DnsUdpParser final : public DatagramParser {
 public:
  DnsUdpParser(EventSink& sink, const Limits& limits) : session_(sink, limits, false) {}
  void on_datagram(Direction dir, ByteView payload) noexcept override {
    session_.on_message(dir, payload);
  }
  void on_end() noexcept override { session_.flush(); }

 private:
  Session session_;
};

// RFC 1035 §4.2.2 (and RFC 7766): each message is preceded by its 2-byte length.
class DnsTcpParser final : public StreamParser {
 public:
  DnsTcpParser(EventSink& sink, const Limits& limits)
      : sink_(sink), limits_(limits), session_(sink, limits, true) {}

  Result<Progress, ParseError> on_data(Direction dir, ByteView input) noexcept override {
    PerDir& st = dirs_[bus::index(dir)];
    // After a gap the framing is lost (reported once by on_gap): consume and ignore.
    if (st.stopped) return Progress{static_cast<std::uint32_t>(input.size()), 0};
    ByteReader r(input);
    std::uint32_t consumed = 0;
    for (;;) {
      if (st.skip > 0) {  // inside an oversized message: discard it, buffering nothing
        const std::size_t n = std::min<std::size_t>(st.skip, r.remaining());
        (void)r.skip(n);
        st.skip -= n;
        consumed = static_cast<std::uint32_t>(r.position());
        if (st.skip > 0) return Progress{consumed, 0};
        continue;
      }
      const auto len = r.u16be();
      if (!len) return Progress{consumed, static_cast<std::uint32_t>(2 - r.remaining())};
      if (*len > limits_.max_message_bytes) {
        sink_.anomaly(kMessageTooLarge, "DNS/TCP message over dns.max_message_bytes skipped");
        st.skip = *len;
        consumed = static_cast<std::uint32_t>(r.position());
        continue;
      }
      const auto msg = r.bytes(*len);
      if (!msg) {
        return Progress{consumed, static_cast<std::uint32_t>(*len - r.remaining())};
      }
      session_.on_message(dir, *msg);
      consumed = static_cast<std::uint32_t>(r.position());
    }
  }

  void on_gap(Direction dir, std::uint64_t missing_bytes) noexcept override {
    PerDir& st = dirs_[bus::index(dir)];
    if (st.stopped) return;
    if (missing_bytes == 0) {
      sink_.anomaly(kTruncatedStream, "stream ended inside a DNS message");
      return;
    }
    if (st.skip >= missing_bytes) {  // the gap fell inside a message being skipped anyway
      st.skip -= missing_bytes;
      return;
    }
    // No marker to resynchronise on in a stream of length-prefixed messages: stop.
    sink_.anomaly(kStreamGap, "bytes missing in a DNS/TCP stream: direction no longer parsed");
    st.stopped = true;
  }

  void on_end(Direction /*dir*/) noexcept override {
    if (++ended_ == 2) session_.flush();
  }

 private:
  struct PerDir {
    std::uint64_t skip = 0;
    bool stopped = false;
  };
  EventSink& sink_;
  Limits limits_;
  Session session_;
  PerDir dirs_[2];
  int ended_ = 0;
};

std::unique_ptr<ParserFactory> configure(const LimitOverrides& overrides) {
  return std::make_unique<DnsParserFactory>(limits_from(overrides));
}

std::uint32_t clamped(const LimitOverrides& o, std::string_view key, std::uint32_t fallback,
                      std::uint32_t lo, std::uint32_t hi) {
  const std::uint64_t v = o.get(key, fallback);
  return static_cast<std::uint32_t>(std::clamp<std::uint64_t>(v, lo, hi));
}

constexpr std::array<std::uint16_t, 1> kTcpPorts{53};
constexpr std::array<std::uint16_t, 2> kUdpPorts{53, 5353};

// The checks shared by both probes, on a whole message.
bool plausible_message(ByteView msg) {
  Limits limits;
  MessageDecoder decoder(limits);
  DnsMessage m;
  bool problems = false;
  if (!decoder.decode(msg, m, [&problems](std::string_view) { problems = true; })) return false;
  if (problems || m.partial) return false;
  if (m.opcode != 0 && m.opcode != 4 && m.opcode != 5) return false;
  if (m.qdcount == 0 || m.qdcount > 16 || m.z) return false;
  if (!m.qr && m.rcode != 0) return false;
  for (const Question& q : m.questions) {
    const std::uint16_t c = q.qclass & 0x7fff;
    if (c != 1 && c != 3 && c != 4 && c != 254 && c != 255) return false;
    if (q.qtype == 0) return false;
  }
  return true;
}

}  // namespace

std::unique_ptr<StreamParser> DnsParserFactory::make(EventSink& sink) const {
  return std::make_unique<DnsTcpParser>(sink, limits_);
}

std::unique_ptr<DatagramParser> DnsParserFactory::make_datagram(EventSink& sink) const {
  return std::make_unique<DnsUdpParser>(sink, limits_);
}

Limits limits_from(const LimitOverrides& o) {
  const Limits d;
  Limits l;
  l.max_message_bytes = clamped(o, "dns.max_message_bytes", d.max_message_bytes, 12, 65535);
  l.max_questions = clamped(o, "dns.max_questions", d.max_questions, 1, 65535);
  l.max_records = clamped(o, "dns.max_records", d.max_records, 1, 65535);
  l.max_strings_per_record =
      clamped(o, "dns.max_strings_per_record", d.max_strings_per_record, 1, 65535);
  l.max_edns_options = clamped(o, "dns.max_edns_options", d.max_edns_options, 0, 65535);
  l.max_compression_pointers =
      clamped(o, "dns.max_compression_pointers", d.max_compression_pointers, 1, 128);
  l.max_pending_queries = clamped(o, "dns.max_pending_queries", d.max_pending_queries, 1, 65536);
  l.max_logged_records = clamped(o, "dns.max_logged_records", d.max_logged_records, 0, 65535);
  l.max_string_bytes = clamped(o, "dns.max_string_bytes", d.max_string_bytes, 16, 65535);
  return l;
}

Probe probe_udp(Direction /*dir*/, ByteView first_payload) noexcept {
  return plausible_message(first_payload) ? Probe::kYes : Probe::kNo;
}

Probe probe_tcp(Direction /*dir*/, ByteView first_bytes) noexcept {
  ByteReader r(first_bytes);
  const auto len = r.u16be();
  if (!len) return Probe::kMaybe;
  if (*len < kHeaderBytes + 5) return Probe::kNo;  // a header and a one-byte-name question
  const ByteView rest = r.rest();
  if (rest.size() >= *len) {
    // Exactly one message, possibly followed by the next one's bytes.
    return plausible_message(rest.first(*len)) ? Probe::kYes : Probe::kNo;
  }
  if (rest.size() < kHeaderBytes) return Probe::kMaybe;
  ByteReader h(rest);
  (void)h.u16be();
  const std::uint16_t flags = *h.u16be();
  const std::uint16_t qd = *h.u16be();
  const std::uint8_t opcode = static_cast<std::uint8_t>((flags >> 11) & 0xf);
  const bool qr = (flags & 0x8000) != 0;
  if ((opcode != 0 && opcode != 4 && opcode != 5) || qd == 0 || qd > 16 || (flags & 0x0040) ||
      (!qr && (flags & 0xf) != 0))
    return Probe::kNo;
  return Probe::kMaybe;
}

bool decodes_cleanly(ByteView message) noexcept {
  Limits limits;
  MessageDecoder decoder(limits);
  DnsMessage m;
  bool problems = false;
  if (!decoder.decode(message, m, [&problems](std::string_view) { problems = true; })) return false;
  return !problems && !m.partial;
}

const ParserSpec& parser_spec() {
  static const ParserSpec spec{"dns",         kTcpPorts, &probe_tcp, &configure,
                               &make_dns_log, kUdpPorts, &probe_udp};
  return spec;
}

}  // namespace ward::parsers::dns
