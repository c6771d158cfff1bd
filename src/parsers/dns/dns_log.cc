#include "parsers/dns/dns_log.h"

#include <utility>

#include "bus/log_fields.h"
#include "common/json_writer.h"
#include "parsers/dns/dns_events.h"

namespace ward::parsers::dns {
namespace {

constexpr std::uint16_t kMdnsPort = 5353;  // RFC 6762 §3

double seconds(TimeNs ns) { return static_cast<double>(ns) / static_cast<double>(kNsPerSec); }

void write_edns(JsonWriter& w, std::string_view key, const EdnsSummary& e) {
  w.key(key).begin_object();
  w.kv("udp_payload_size", static_cast<unsigned>(e.udp_payload_size));
  w.kv("version", static_cast<unsigned>(e.version));
  w.kv("extended_rcode", static_cast<unsigned>(e.extended_rcode));
  w.kv("dnssec_ok", e.dnssec_ok);
  w.key("options").begin_array();
  for (std::uint16_t c : e.option_codes) w.value(static_cast<unsigned>(c));
  w.end_array();
  w.end_object();
}

}  // namespace

void DnsLog::format(std::string& out, const bus::EventContext& ctx, const DnsTransaction& tx) {
  JsonWriter w(out);
  w.begin_object();
  // The client is the originator (a response alone flips the flow, as Zeek and Suricata do).
  if (tx.client_dir == bus::Direction::kToServer) {
    bus::write_conn_id(w, ctx, tx.ts);
  } else {
    bus::EventContext flipped = ctx;
    std::swap(flipped.orig_h, flipped.resp_h);
    std::swap(flipped.orig_p, flipped.resp_p);
    bus::write_conn_id(w, flipped, tx.ts);
  }
  w.kv("proto", tx.tcp ? "tcp" : "udp");
  w.kv("trans_id", static_cast<unsigned>(tx.trans_id));
  if (tx.rtt) w.kv("rtt", seconds(*tx.rtt));
  if (!tx.query.empty()) w.kv("query", std::string_view(tx.query));
  if (tx.qclass) {
    w.kv("qclass", static_cast<unsigned>(*tx.qclass));
    w.kv("qclass_name", class_name(*tx.qclass));
  }
  if (tx.qtype) {
    w.kv("qtype", static_cast<unsigned>(*tx.qtype));
    w.kv("qtype_name", type_name(*tx.qtype));
  }
  if (tx.rcode) {
    w.kv("rcode", static_cast<unsigned>(*tx.rcode));
    w.kv("rcode_name", rcode_name(*tx.rcode));
  }
  w.kv("AA", tx.aa).kv("TC", tx.tc).kv("RD", tx.rd).kv("RA", tx.ra);
  w.kv("Z", static_cast<unsigned>(tx.z));
  if (!tx.answers.empty()) {
    w.key("answers").begin_array();
    for (const std::string& a : tx.answers) w.value(std::string_view(a));
    w.end_array();
    w.key("TTLs").begin_array();
    for (std::uint32_t t : tx.ttls) w.value(static_cast<double>(t));
    w.end_array();
  }
  w.kv("rejected", tx.rejected);
  w.kv("opcode", static_cast<unsigned>(tx.opcode));
  w.kv("opcode_name", opcode_name(tx.opcode));
  // Ward's additions.
  if (ctx.orig_p == kMdnsPort || ctx.resp_p == kMdnsPort) w.kv("mdns", true);
  w.kv("saw_query", tx.saw_query).kv("saw_reply", tx.saw_reply);
  if (!tx.extra_queries.empty()) {
    w.key("extra_queries").begin_array();
    for (std::size_t i = 0; i < tx.extra_queries.size(); ++i) {
      w.begin_object();
      w.kv("query", std::string_view(tx.extra_queries[i]));
      w.kv("qtype", static_cast<unsigned>(tx.extra_qtypes[i]));
      w.kv("qtype_name", type_name(tx.extra_qtypes[i]));
      w.end_object();
    }
    w.end_array();
  }
  if (!tx.records.empty()) {
    w.key("records").begin_array();
    for (const LoggedRecord& r : tx.records) {
      w.begin_object();
      w.kv("section", section_name(r.section));
      w.kv("rrname", std::string_view(r.name));
      w.kv("rrtype", type_name(r.type));
      w.kv("ttl", static_cast<unsigned>(r.ttl));
      w.kv("rdata", std::string_view(r.data));
      if (r.type == rr_type::kSoa && !r.rname.empty()) {
        w.key("soa").begin_object();
        w.kv("mname", std::string_view(r.data));
        w.kv("rname", std::string_view(r.rname));
        w.kv("serial", static_cast<std::uint64_t>(r.serial));
        w.kv("refresh", static_cast<std::uint64_t>(r.refresh));
        w.kv("retry", static_cast<std::uint64_t>(r.retry));
        w.kv("expire", static_cast<std::uint64_t>(r.expire));
        w.kv("minimum", static_cast<std::uint64_t>(r.minimum));
        w.end_object();
      }
      if (!r.strings.empty()) {
        w.key("txt").begin_array();
        for (const std::string& s : r.strings) w.value(std::string_view(s));
        w.end_array();
      }
      w.end_object();
    }
    w.end_array();
  }
  if (tx.query_edns) write_edns(w, "edns", *tx.query_edns);
  if (tx.reply_edns) write_edns(w, "edns_response", *tx.reply_edns);
  w.end_object();
}

void DnsLog::on_event(const bus::EventContext& ctx, const bus::Event& event) {
  const auto* tx = bus::event_cast<DnsTransaction>(event);
  if (tx == nullptr) return;
  line_.clear();
  format(line_, ctx, *tx);
  sink_.write("dns", line_);
}

std::unique_ptr<bus::Subscriber> make_dns_log(bus::LogSink& sink, const LogOptions& /*options*/) {
  return std::make_unique<DnsLog>(sink);
}

}  // namespace ward::parsers::dns
