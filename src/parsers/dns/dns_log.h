// The `dns` log: one JSON object per DnsTransaction (a query and its response, or one of them
// alone), with the field names of Zeek's dns.log plus Ward's additions (mdns, EDNS, every
// answer and authority record, the questions after the first). README.md lists every field.
//
// The writer is a bus::Subscriber: it runs on the thread that publishes the events (one bus per
// worker), keeps no state between events, and is not thread-safe.
#pragma once

#include <memory>
#include <string>

#include "bus/bus.h"
#include "parsers/parser.h"

namespace ward::parsers::dns {

struct DnsTransaction;

class DnsLog final : public bus::Subscriber {
 public:
  // REQUIRES: `sink` outlives the writer.
  explicit DnsLog(bus::LogSink& sink) : sink_(sink) {}

  void on_event(const bus::EventContext& ctx, const bus::Event& event) override;

  // Appends the log record of `tx` (one JSON object, no newline) to `out`.
  static void format(std::string& out, const bus::EventContext& ctx, const DnsTransaction& tx);

 private:
  bus::LogSink& sink_;
  std::string line_;  // reused between records
};

// ParserSpec::make_log for DNS.
std::unique_ptr<bus::Subscriber> make_dns_log(bus::LogSink& sink, const LogOptions& options);

}  // namespace ward::parsers::dns
