// The parser contract (STYLE.md section 2). A StreamParser decodes one TCP connection's
// reassembled byte streams, both directions, incrementally:
//   - on_data() gets a view that is valid only during the call; the parser consumes whole
//     units and returns how many bytes it consumed and, when it stops short, how many more it
//     needs. The StreamDriver keeps the unconsumed tail and calls again when more arrives.
//   - It never does I/O, never reads the clock, never throws, and buffers only within its
//     Limits; an oversized unit is skipped (anomaly + counter), not buffered.
//   - Output goes only to its EventSink: typed events, anomalies, confirm_protocol().
// One parser instance serves one flow and is used from one thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bus/event.h"
#include "common/bytes.h"
#include "common/net.h"
#include "common/result.h"

namespace ward::bus {
class LogSink;
class Subscriber;
}  // namespace ward::bus

namespace ward::parsers {

using bus::Direction;

struct Progress {
  std::uint32_t consumed = 0;  // bytes of the input fully handled
  std::uint32_t needed = 0;    // bytes beyond the unconsumed tail needed to progress; 0 = unknown
};

// A fatal parse error for one direction: the parser gives up on it. `id` is a stable anomaly id
// with static storage ("mqtt.invalid_remaining_length").
struct ParseError {
  std::string_view id;
};

// A connection a parser announces before it starts (RTSP SETUP -> RTP/RTCP over UDP; FTP data
// later): the first flow between these endpoints gets the named parser and carries this
// flow's uid as its parent. Endpoints are relative to the announcing flow: the originator
// ("orig") and responder ("resp") of the current connection, unless an address is given.
// A port of 0 matches any port. The flow layer keeps a bounded table of expectations that
// expire in packet time ("flow.max_expected_flows", "flow.expected_flow_timeout_s").
struct ExpectedFlow {
  std::string_view parser;  // registered parser name ("rtp")
  bus::Transport proto = bus::Transport::kUdp;
  std::uint16_t orig_port = 0;  // port at the originator's side (0 = any)
  std::uint16_t resp_port = 0;  // port at the responder's side (0 = any)
  bool has_orig_addr = false;   // else the current flow's originator address
  IpAddr orig_addr;
  bool has_resp_addr = false;  // else the current flow's responder address
  IpAddr resp_addr;
};

class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void emit(const bus::Event& e) = 0;
  // `id` has static storage; `detail` is copied if kept.
  virtual void anomaly(std::string_view id, std::string_view detail) = 0;
  // The parser is sure the flow speaks its protocol. Call once.
  virtual void confirm_protocol() = 0;
  // Capture time of the packet whose bytes are being parsed (packet metadata, not the clock).
  // Parsers use it to stamp transactions that complete later.
  [[nodiscard]] virtual TimeNs packet_time() const = 0;
  // Announces a flow expected to follow (see ExpectedFlow). Default: ignored (tests, fuzzing).
  virtual void expect_flow(const ExpectedFlow& /*expected*/) {}
};

class StreamParser {
 public:
  virtual ~StreamParser() = default;
  // `input` is valid only during the call. Never throws.
  [[nodiscard]] virtual Result<Progress, ParseError> on_data(Direction dir,
                                                             ByteView input) noexcept = 0;
  // `missing_bytes` were lost in `dir` (capture loss or a limit): resynchronise or stop. The
  // count includes any unconsumed tail the driver dropped with the gap, so the next on_data()
  // starts exactly `missing_bytes` after the end of the last consumed byte.
  virtual void on_gap(Direction dir, std::uint64_t missing_bytes) noexcept = 0;
  // No more data will come in `dir`. Flush what is pending. When the stream ended inside a
  // unit (the driver still held unconsumed bytes), on_gap(dir, 0) comes first, so the parser
  // can report the truncation and drop its partial state.
  virtual void on_end(Direction dir) noexcept = 0;
};

// A parser for a datagram transport (UDP): every payload is one unit, with no reassembly and
// no tail to keep. One instance serves one flow (both directions) from one thread.
class DatagramParser {
 public:
  virtual ~DatagramParser() = default;
  // One payload sent in `dir`, valid only during the call. Never throws. Problems are
  // anomalies on the sink; a datagram that does not parse is skipped.
  virtual void on_datagram(Direction dir, ByteView payload) noexcept = 0;
  // The flow ended: flush what is pending (e.g. queries never answered).
  virtual void on_end() noexcept {}
};

enum class Probe : std::uint8_t {
  kNo,     // these bytes are not this protocol
  kMaybe,  // not enough bytes to tell
  kYes,    // these bytes are this protocol
};

// Limit overrides from configuration, keyed "<parser>.<limit>" (e.g. "mqtt.max_pdu_bytes").
class LimitOverrides {
 public:
  void set(std::string key, std::uint64_t value) { values_[std::move(key)] = value; }
  [[nodiscard]] std::uint64_t get(std::string_view key, std::uint64_t fallback) const {
    auto it = values_.find(key);
    return it == values_.end() ? fallback : it->second;
  }
  [[nodiscard]] const std::map<std::string, std::uint64_t, std::less<>>& all() const {
    return values_;
  }

 private:
  std::map<std::string, std::uint64_t, std::less<>> values_;
};

// What log writers need beyond the events themselves.
struct LogOptions {
  std::string phi_key;                        // HMAC key for patient identifiers (never logged)
  std::uint32_t payload_excerpt_bytes = 128;  // bound on payload bytes copied into logs
  // JSON member names whose values are PHI: payload excerpts in logs carry their keyed hash
  // instead of the value (see redact_json_fields in common/phi_hash.h).
  std::vector<std::string> phi_json_fields;
  // The limit overrides in force ("<parser>.<limit>"), for writers that keep state.
  LimitOverrides limits;
};

class ParserFactory {
 public:
  virtual ~ParserFactory() = default;
  // A parser for a TCP flow, or nullptr if the protocol does not run over TCP.
  [[nodiscard]] virtual std::unique_ptr<StreamParser> make(EventSink& sink) const = 0;
  // A parser for a UDP flow, or nullptr (the default) if the protocol does not run over UDP.
  [[nodiscard]] virtual std::unique_ptr<DatagramParser> make_datagram(EventSink& /*sink*/) const {
    return nullptr;
  }
};

// One registered protocol (parsers/registry.cc holds the list, one line each).
struct ParserSpec {
  std::string_view name;                     // service name in logs: "mqtt", "hl7"
  std::span<const std::uint16_t> tcp_ports;  // ports that select this parser without content
  // Content detection on the first bytes of a direction (either direction).
  Probe (*probe)(Direction dir, ByteView first_bytes) noexcept;
  std::unique_ptr<ParserFactory> (*configure)(const LimitOverrides& overrides);
  // The log writer for this protocol's events (may be null).
  std::unique_ptr<bus::Subscriber> (*make_log)(bus::LogSink& sink, const LogOptions& options);
  // UDP: ports that select this parser (either end of the flow), and content detection on a
  // flow's first payload (may be null: ports only). Empty for TCP-only protocols.
  std::span<const std::uint16_t> udp_ports = {};
  Probe (*udp_probe)(Direction dir, ByteView first_payload) noexcept = nullptr;
  // UDP: a content probe too weak to run before the port tables (RTP has no port and a short
  // fixed header). Tried only after no probe and no port claimed the flow, only when both
  // ports are >= 1024, on each of the flow's first datagrams (FlowTable). May be null.
  Probe (*udp_weak_probe)(Direction dir, ByteView payload) noexcept = nullptr;
};

}  // namespace ward::parsers
