#include "flow/flow_table.h"

#include <algorithm>
#include <array>

#include "common/check.h"
#include "flow/flow_events.h"

namespace ward::flow {
namespace {

// Per-direction observations of TCP control flags.
enum EndpointFlag : std::uint16_t {
  kSawSyn = 1 << 0,     // SYN without ACK
  kSawSynAck = 1 << 1,  // SYN with ACK
  kSawFin = 1 << 2,
  kSawRst = 1 << 3,
  kSawData = 1 << 4,
  kSawAny = 1 << 5,
};

enum ListId : int { kTcpOpen = 0, kTcpClosed = 1, kUdp = 2, kOther = 3, kListCount = 4 };

// Zeek's history letters; upper case for the originator, lower case for the responder.
constexpr std::string_view kHistoryLetters = "SHADFRTWGQ^";

constexpr std::uint8_t proto_number(bus::Transport t) { return static_cast<std::uint8_t>(t); }

// Ports that identify the server side of a connection (Zeek's likely_server_ports idea): the
// well-known services Ward's users meet on clinical networks, plus every parser's ports.
constexpr std::array<std::uint16_t, 34> kServerPorts = {
    20,  21,  22,  23,  25,  53,  67,  69,  80,  104,  110,  123,  137,  138,  139,  143,  161,
    162, 389, 443, 445, 514, 554, 636, 993, 995, 1883, 2575, 3702, 5353, 8080, 8443, 8883, 11112};

bool likely_server_port(std::uint16_t port, std::span<const ParserBinding> parsers) {
  if (std::find(kServerPorts.begin(), kServerPorts.end(), port) != kServerPorts.end()) return true;
  for (const ParserBinding& b : parsers)
    for (std::uint16_t p : b.spec->tcp_ports)
      if (p == port) return true;
  return false;
}

// True iff `a` is the IPv4 broadcast address or an IPv4/IPv6 multicast group.
bool is_group_address(const IpAddr& a) {
  if (a.is_v4()) {
    const std::uint32_t v = a.v4_host_order();
    return v == 0xffffffffU || (v >> 28) == 0xe;
  }
  return a.bytes[0] == 0xff;
}

// True iff a packet from sport to dport, the first of its flow, is more likely a reply.
bool looks_like_reply(std::uint16_t sport, std::uint16_t dport,
                      std::span<const ParserBinding> parsers) {
  const bool s = likely_server_port(sport, parsers);
  const bool d = likely_server_port(dport, parsers);
  if (s != d) return s;
  // Neither (or both) known: a privileged port answering an ephemeral one.
  return sport < 1024 && dport >= 1024;
}

}  // namespace

struct Link {
  Flow* prev = nullptr;
  Flow* next = nullptr;
};

class FlowApp;
class DatagramApp;

struct Flow {
  FlowKey key;
  bool orig_is_a = true;
  bool closed = false;
  bool no_parser = false;  // detection found nothing to parse: payload is only counted
  std::int8_t list = -1;
  Link lru;
  Link age;
  TimeNs first_ts = 0;
  TimeNs last_ts = 0;
  std::array<std::uint64_t, 2> pkts{};
  std::array<std::uint64_t, 2> bytes{};  // UDP/ICMP payload bytes
  std::array<std::uint64_t, 2> ip_bytes{};
  std::array<std::uint32_t, 2> seq_first{};  // TCP: first payload sequence number
  std::array<std::uint32_t, 2> seq_max{};    // TCP: highest payload end seen
  std::array<std::uint16_t, 2> flags{};
  std::array<MacAddr, 2> mac{};
  std::uint16_t inner_vlan = 0;
  std::uint32_t history_mask = 0;  // bit (letter index + 16 * dir)
  std::uint8_t history_len = 0;
  std::uint8_t uid_len = 0;
  std::uint8_t parent_uid_len = 0;
  std::uint8_t udp_probes = 0;  // datagrams offered to weak probes so far
  std::array<char, 16> history{};
  std::array<char, 20> uid{};
  std::array<char, 20> parent_uid{};  // the flow that announced this one (ExpectedFlow)
  std::string_view service;
  std::unique_ptr<FlowApp> app;       // TCP: reassembly and a stream parser
  std::unique_ptr<DatagramApp> dapp;  // UDP: a datagram parser

  [[nodiscard]] std::string_view uid_view() const { return {uid.data(), uid_len}; }
  // Records a history letter the first time it happens in `dir` (0 = originator).
  void add_history(char upper, int dir) {
    const auto idx = kHistoryLetters.find(upper);
    if (idx == std::string_view::npos) return;
    const std::uint32_t bit = 1u << (idx + (upper == '^' ? 0 : 16 * dir));
    if ((history_mask & bit) != 0 || history_len >= history.size()) return;
    history_mask |= bit;
    history[history_len++] =
        (dir == 0 || upper == '^') ? upper : static_cast<char>(upper - 'A' + 'a');
  }
};

struct FlowTable::List {
  Link Flow::*link = nullptr;
  Flow* head = nullptr;
  Flow* tail = nullptr;

  void push_back(Flow* f) {
    Link& l = f->*link;
    l.prev = tail;
    l.next = nullptr;
    if (tail != nullptr)
      (tail->*link).next = f;
    else
      head = f;
    tail = f;
  }
  void remove(Flow* f) {
    Link& l = f->*link;
    if (l.prev != nullptr)
      (l.prev->*link).next = l.next;
    else
      head = l.next;
    if (l.next != nullptr)
      (l.next->*link).prev = l.prev;
    else
      tail = l.prev;
    l.prev = l.next = nullptr;
  }
};

// Parser attachment of one TCP flow: reassembly, protocol detection, the parser and its
// driver, and the EventSink through which the parser's events reach the bus.
class FlowApp final : public parsers::EventSink {
 public:
  FlowApp(FlowTable& table, Flow& flow, const bus::EventBus& bus,
          std::span<const ParserBinding> parsers, const Config& config, const TimeNs& now,
          FlowStats& stats)
      : table_(table),
        flow_(flow),
        bus_(bus),
        parsers_(parsers),
        config_(config),
        now_(now),
        stats_(stats),
        driver_(config.stream),
        streams_{TcpReassembler(config.tcp), TcpReassembler(config.tcp)} {}

  enum class State : std::uint8_t { kDetecting, kParsing, kIgnored };

  // TcpReassembler output for one direction.
  struct DirOutput final : TcpReassembler::Output {
    FlowApp* app = nullptr;
    int dir = 0;
    void data(ByteView bytes) override { app->deliver(dir, bytes); }
    void gap(std::uint64_t missing) override { app->gap(dir, missing); }
  };

  void on_tcp(int dir, const decode::Packet& p) {
    DirOutput out[2];
    out[0].app = out[1].app = this;
    out[0].dir = 0;
    out[1].dir = 1;
    if ((p.tcp_flags & decode::kTcpAck) != 0) streams_[1 - dir].on_peer_ack(p.ack, out[1 - dir]);
    if (!p.payload.empty()) {
      std::uint32_t seq = p.seq;
      if ((p.tcp_flags & decode::kTcpSyn) != 0) ++seq;  // data on a SYN (TCP Fast Open)
      streams_[dir].on_segment(seq, p.payload, out[dir]);
    }
  }
  void on_syn(int dir, std::uint32_t isn) { streams_[dir].on_syn(isn); }

  // End of the flow: deliver held data, finish detection, end both directions.
  void finish() {
    DirOutput out[2];
    out[0].app = out[1].app = this;
    out[1].dir = 1;
    for (int d = 0; d < 2; ++d) streams_[d].flush(out[d]);
    if (state_ == State::kDetecting) decide(/*final=*/true, 0);
    if (state_ == State::kParsing) {
      for (int d = 0; d < 2; ++d) {
        current_dir_ = d;
        driver_.end(*parser_, static_cast<bus::Direction>(d));
      }
    }
  }

  [[nodiscard]] State state() const noexcept { return state_; }
  [[nodiscard]] std::uint64_t missed_bytes() const noexcept {
    return streams_[0].stats().missed_bytes + streams_[1].stats().missed_bytes;
  }
  [[nodiscard]] std::uint64_t held_overflows() const noexcept {
    return streams_[0].stats().held_overflows + streams_[1].stats().held_overflows;
  }
  [[nodiscard]] bool had_gap(int dir) const noexcept {
    return streams_[dir].stats().missed_bytes > 0;
  }

  // EventSink
  void emit(const bus::Event& e) override { bus_.publish(context(), e); }
  void anomaly(std::string_view id, std::string_view detail) override {
    bus_.anomaly(context(), id, detail);
  }
  void confirm_protocol() override { flow_.service = spec_->name; }
  [[nodiscard]] TimeNs packet_time() const override { return now_; }
  void expect_flow(const parsers::ExpectedFlow& e) override { table_.expect_flow(flow_, e); }

 private:
  [[nodiscard]] bus::EventContext context() const;

  void deliver(int dir, ByteView bytes) {
    current_dir_ = dir;
    switch (state_) {
      case State::kParsing:
        driver_.deliver(*parser_, *this, static_cast<bus::Direction>(dir), bytes);
        return;
      case State::kIgnored:
        return;
      case State::kDetecting:
        probe_[dir].insert(probe_[dir].end(), bytes.begin(), bytes.end());
        decide(/*final=*/false, dir);
        return;
    }
  }

  void gap(int dir, std::uint64_t missing) {
    current_dir_ = dir;
    if (state_ == State::kParsing) {
      driver_.gap(*parser_, static_cast<bus::Direction>(dir), missing);
    } else if (state_ == State::kDetecting) {
      // Content after a gap is not the start of the stream: decide by port alone.
      probe_[dir].clear();
      decide(/*final=*/true, dir);
    }
  }

  // Chooses a parser from the bytes seen in direction `dir` (content first, then port).
  void decide(bool final, int dir) {
    const parsers::ParserSpec* chosen = nullptr;
    std::size_t chosen_index = 0;
    bool need_more = false;
    const ByteView seen(probe_[dir]);
    for (std::size_t i = 0; i < parsers_.size() && !seen.empty(); ++i) {
      if (parsers_[i].spec->probe == nullptr) continue;  // a datagram-only protocol
      const auto r = parsers_[i].spec->probe(static_cast<bus::Direction>(dir), seen);
      if (r == parsers::Probe::kYes) {
        chosen = parsers_[i].spec;
        chosen_index = i;
        break;
      }
      if (r == parsers::Probe::kMaybe) need_more = true;
    }
    if (chosen == nullptr && need_more && !final && seen.size() < config_.probe_bytes) return;
    if (chosen == nullptr) {
      const std::uint16_t resp_port = flow_.orig_is_a ? flow_.key.port_b : flow_.key.port_a;
      for (std::size_t i = 0; i < parsers_.size() && chosen == nullptr; ++i) {
        for (std::uint16_t port : parsers_[i].spec->tcp_ports) {
          if (port == resp_port) {
            chosen = parsers_[i].spec;
            chosen_index = i;
            break;
          }
        }
      }
    }
    if (chosen == nullptr) {
      state_ = State::kIgnored;
      probe_[0] = {};
      probe_[1] = {};
      return;
    }
    spec_ = chosen;
    parser_ = parsers_[chosen_index].factory->make(*this);
    if (parser_ == nullptr) {  // the protocol has no TCP parser
      state_ = State::kIgnored;
      probe_[0] = {};
      probe_[1] = {};
      return;
    }
    state_ = State::kParsing;
    ++stats_.parsers_attached;
    // Deliver what was held while probing: the other direction first (it arrived earlier).
    for (int d : {1 - dir, dir}) {
      if (probe_[d].empty()) continue;
      std::vector<std::uint8_t> held;
      held.swap(probe_[d]);
      current_dir_ = d;
      driver_.deliver(*parser_, *this, static_cast<bus::Direction>(d), ByteView(held));
    }
    current_dir_ = dir;
  }

  FlowTable& table_;
  Flow& flow_;
  const bus::EventBus& bus_;
  std::span<const ParserBinding> parsers_;
  const Config& config_;
  const TimeNs& now_;
  FlowStats& stats_;
  State state_ = State::kDetecting;
  int current_dir_ = 0;
  const parsers::ParserSpec* spec_ = nullptr;
  std::unique_ptr<parsers::StreamParser> parser_;
  parsers::StreamDriver driver_;
  TcpReassembler streams_[2];
  std::vector<std::uint8_t> probe_[2];
};

namespace {

void fill_context(const Flow& f, int dir, TimeNs ts, bus::EventContext& ctx) {
  ctx.ts = ts;
  ctx.uid = f.uid_view();
  ctx.orig_h = f.orig_is_a ? f.key.a : f.key.b;
  ctx.resp_h = f.orig_is_a ? f.key.b : f.key.a;
  ctx.orig_p = f.orig_is_a ? f.key.port_a : f.key.port_b;
  ctx.resp_p = f.orig_is_a ? f.key.port_b : f.key.port_a;
  ctx.proto = static_cast<bus::Transport>(f.key.proto);
  ctx.dir = static_cast<bus::Direction>(dir);
  ctx.orig_mac = f.mac[0];
  ctx.resp_mac = f.mac[1];
  ctx.service = f.service;
  ctx.parent_uid = std::string_view(f.parent_uid.data(), f.parent_uid_len);
}

// Zeek's /^?S[^HAFGIQ]*R/ on the history: an originator that sent a SYN and then a reset,
// with no handshake, ACK, FIN, gap, inconsistency or odd flags in between.
bool history_is_syn_then_reset(std::string_view h) {
  if (!h.empty() && h[0] == '^') h.remove_prefix(1);
  if (h.empty() || h[0] != 'S') return false;
  for (char c : h.substr(1)) {
    if (c == 'R') return true;
    if (std::string_view("HAFGIQ").find(c) != std::string_view::npos) return false;
  }
  return false;
}

// Zeek's conn_state (base/protocols/conn/main.zeek, function conn_state), from what each
// endpoint was seen to do: RESET = sent a RST, CLOSED = sent a FIN, "inactive" = never took
// part in a handshake (INACTIVE or PARTIAL in Zeek).
std::string_view tcp_conn_state(const Flow& f) {
  const std::uint16_t o = f.flags[0];
  const std::uint16_t r = f.flags[1];
  const bool o_reset = (o & kSawRst) != 0;
  const bool r_reset = (r & kSawRst) != 0;
  const bool o_closed = (o & kSawFin) != 0;
  const bool r_closed = (r & kSawFin) != 0;
  const bool o_inactive = (o & (kSawSyn | kSawSynAck)) == 0;
  const bool r_inactive = (r & (kSawSyn | kSawSynAck)) == 0;
  const bool o_syn_sent = (o & kSawSyn) != 0 && (r & kSawSynAck) == 0;
  const std::string_view history(f.history.data(), f.history_len);
  if (r_reset) {
    const bool no_data = f.seq_max[0] == f.seq_first[0] && f.seq_max[1] == f.seq_first[1];
    if (o_syn_sent || (o_reset && no_data)) return "REJ";
    return o_inactive ? "RSTRH" : "RSTR";
  }
  if (o_reset) {
    if (r_inactive) return history_is_syn_then_reset(history) ? "RSTOS0" : "OTH";
    return "RSTO";
  }
  if (o_closed && r_closed) return "SF";
  if (o_closed) return r_inactive ? "SH" : "S2";
  if (r_closed) return o_inactive ? "SHR" : "S3";
  if (o_syn_sent && (r & kSawAny) == 0) return "S0";
  if (!o_inactive && !r_inactive) return "S1";
  return "OTH";
}

}  // namespace

// Parser attachment of one UDP flow: the datagram parser and the EventSink through which its
// events reach the bus.
class DatagramApp final : public parsers::EventSink {
 public:
  DatagramApp(FlowTable& table, Flow& flow, const bus::EventBus& bus, const ParserBinding& binding,
              const TimeNs& now)
      : table_(table),
        flow_(flow),
        bus_(bus),
        spec_(*binding.spec),
        parser_(binding.factory->make_datagram(*this)),
        now_(now) {}

  // False iff the factory had no datagram parser to offer.
  [[nodiscard]] bool usable() const noexcept { return parser_ != nullptr; }

  void deliver(int dir, ByteView payload) {
    current_dir_ = dir;
    parser_->on_datagram(static_cast<bus::Direction>(dir), payload);
  }
  void finish() { parser_->on_end(); }

  // EventSink
  void emit(const bus::Event& e) override { bus_.publish(context(), e); }
  void anomaly(std::string_view id, std::string_view detail) override {
    bus_.anomaly(context(), id, detail);
  }
  void confirm_protocol() override { flow_.service = spec_.name; }
  [[nodiscard]] TimeNs packet_time() const override { return now_; }
  void expect_flow(const parsers::ExpectedFlow& e) override { table_.expect_flow(flow_, e); }

 private:
  [[nodiscard]] bus::EventContext context() const {
    bus::EventContext ctx;
    fill_context(flow_, current_dir_, now_, ctx);
    return ctx;
  }

  FlowTable& table_;
  Flow& flow_;
  const bus::EventBus& bus_;
  const parsers::ParserSpec& spec_;
  std::unique_ptr<parsers::DatagramParser> parser_;
  const TimeNs& now_;
  int current_dir_ = 0;
};

bus::EventContext FlowApp::context() const {
  bus::EventContext ctx;
  fill_context(flow_, current_dir_, now_, ctx);
  return ctx;
}

FlowTable::FlowTable(Config config, const bus::EventBus& bus,
                     std::span<const ParserBinding> parsers)
    : config_(config),
      bus_(bus),
      parsers_(parsers),
      lists_(std::make_unique<List[]>(kListCount)),
      by_age_(std::make_unique<List>()) {
  for (int i = 0; i < kListCount; ++i) lists_[i].link = &Flow::lru;
  by_age_->link = &Flow::age;
  flows_.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(config_.max_flows, 1 << 16)));
}

FlowTable::~FlowTable() = default;

std::size_t FlowTable::bytes_per_idle_flow() noexcept {
  // The Flow, the index node (key + pointer + next + cached hash) and one bucket pointer,
  // plus malloc's per-allocation overhead for the two allocations.
  return sizeof(Flow) + sizeof(FlowKey) + 3 * sizeof(void*) + sizeof(std::size_t) +
         std::size_t{2} * 16;
}

std::string FlowTable::next_uid() {
  // Zeek-style uid: "C" + base62 of a 96-bit value from a seeded splitmix64 sequence.
  auto splitmix = [](std::uint64_t& s) {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  };
  std::uint64_t state = config_.uid_seed ^ (++uid_counter_ * 0xd1b54a32d192ed03ULL);
  std::uint64_t hi = splitmix(state);
  std::uint64_t lo = splitmix(state) & 0xffffffffULL;
  static constexpr char kDigits[] =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string out = "C";
  for (int i = 0; i < 11; ++i, hi /= 62) out.push_back(kDigits[hi % 62]);
  for (int i = 0; i < 6; ++i, lo /= 62) out.push_back(kDigits[lo % 62]);
  return out;
}

int FlowTable::list_for(const Flow& f) const {
  switch (static_cast<bus::Transport>(f.key.proto)) {
    case bus::Transport::kTcp:
      return f.closed ? kTcpClosed : kTcpOpen;
    case bus::Transport::kUdp:
      return kUdp;
    default:
      return kOther;
  }
}

TimeNs FlowTable::timeout_of(int list) const {
  switch (list) {
    case kTcpOpen:
      return config_.tcp_idle_timeout;
    case kTcpClosed:
      return config_.tcp_closed_timeout;
    case kUdp:
      return config_.udp_idle_timeout;
    default:
      return config_.other_idle_timeout;
  }
}

void FlowTable::touch(Flow& f) {
  const int want = list_for(f);
  if (f.list >= 0) lists_[f.list].remove(&f);
  lists_[want].push_back(&f);
  f.list = static_cast<std::int8_t>(want);
}

Flow* FlowTable::create(const FlowKey& key, bool src_is_a, const decode::Packet& p) {
  if (flows_.size() >= config_.max_flows) {
    // Evict the least recently active flow: the oldest head among the idle lists.
    Flow* victim = nullptr;
    for (int i = 0; i < kListCount; ++i) {
      Flow* h = lists_[i].head;
      if (h != nullptr && (victim == nullptr || h->last_ts < victim->last_ts)) victim = h;
    }
    if (victim != nullptr) {
      ++stats_.flows_evicted;
      // Reported on the first eviction and then at every power of two, so a flood does not
      // become a flood of anomalies; the counter has the exact number.
      if ((stats_.flows_evicted & (stats_.flows_evicted - 1)) == 0) {
        bus::EventContext ctx;
        fill_context(*victim, 0, now_, ctx);
        bus_.anomaly(
            ctx, "flow.evicted",
            "flow table full (flow.max_flows reached): evicted the least recently active flow");
      }
      end(victim, "evicted");
    }
  }
  auto flow = std::make_unique<Flow>();
  Flow* f = flow.get();
  f->key = key;
  f->first_ts = f->last_ts = p.ts;
  f->inner_vlan = p.vlan_count > 1 ? p.vlan[1] : 0;
  // Who is the originator? TCP: the SYN sender (a SYN-ACK seen first means the other side).
  // Otherwise the sender of the first packet, unless it speaks from a likely server port to a
  // port that is not one (the capture started after the first packet).
  bool src_is_orig = true;
  if (p.proto == bus::Transport::kTcp && (p.tcp_flags & decode::kTcpSyn) != 0) {
    src_is_orig = (p.tcp_flags & decode::kTcpAck) == 0;
  } else if (p.proto == bus::Transport::kTcp || p.proto == bus::Transport::kUdp) {
    // A broadcast or multicast destination is never the originator (Zeek's udp-broadcast-no-flip).
    src_is_orig = is_group_address(p.dst) || !looks_like_reply(p.src_port, p.dst_port, parsers_);
  }
  f->orig_is_a = src_is_orig == src_is_a;
  if (!src_is_orig) f->add_history('^', 0);
  const std::string uid = next_uid();
  f->uid_len = static_cast<std::uint8_t>(std::min(uid.size(), f->uid.size()));
  std::copy_n(uid.begin(), f->uid_len, f->uid.begin());
  by_age_->push_back(f);
  flows_.emplace(key, std::move(flow));
  ++stats_.flows_created;
  stats_.active_flows = flows_.size();
  stats_.peak_flows = std::max<std::uint64_t>(stats_.peak_flows, flows_.size());
  return f;
}

void FlowTable::process(const decode::Packet& p) {
  if (p.ts > now_) now_ = p.ts;
  if (now_ - last_expire_ >= kNsPerSec) {
    expire(now_);
    last_expire_ = now_;
  }
  bool src_is_a = true;
  const std::uint8_t proto = p.proto == bus::Transport::kNone ? 0 : proto_number(p.proto);
  const FlowKey key = FlowKey::make(p.src, p.src_port, p.dst, p.dst_port, proto,
                                    p.vlan_count > 0 ? p.vlan[0] : 0, src_is_a);
  auto it = flows_.find(key);
  Flow* f = it == flows_.end() ? nullptr : it->second.get();

  // A new SYN on a closed connection reuses the 4-tuple: end the old flow first.
  if (f != nullptr && f->closed && p.proto == bus::Transport::kTcp &&
      (p.tcp_flags & (decode::kTcpSyn | decode::kTcpAck)) == decode::kTcpSyn) {
    end(f, "tcp_closed");
    f = nullptr;
  }
  const bool fresh = f == nullptr;
  if (fresh) f = create(key, src_is_a, p);

  const int dir = (src_is_a == f->orig_is_a) ? 0 : 1;
  // As Zeek: packets after a TCP connection closed (the last ACK of the FIN exchange) are
  // counted but do not extend its duration.
  if (!(f->closed && p.proto == bus::Transport::kTcp)) f->last_ts = std::max(f->last_ts, p.ts);
  ++f->pkts[dir];
  f->ip_bytes[dir] += p.ip_bytes;
  f->flags[dir] |= kSawAny;
  if (p.has_ethernet || !p.src_mac.is_zero()) f->mac[dir] = p.src_mac;
  if (p.has_ethernet) f->mac[1 - dir] = p.dst_mac;
  if (fresh) {
    FlowStart start;
    start.tcp_flags = p.proto == bus::Transport::kTcp ? p.tcp_flags : 0;
    bus::EventContext ctx;
    fill_context(*f, dir, p.ts, ctx);
    bus_.publish(ctx, start);
  }

  if (p.proto == bus::Transport::kTcp) {
    update_tcp(*f, dir, p);
  } else {
    f->bytes[dir] += p.payload.size();
    if (!p.payload.empty()) {
      f->add_history('D', dir);
      if (p.proto == bus::Transport::kUdp) handle_datagram(*f, dir, p);
    }
    if (dir == 0 && f->pkts[0] % FlowProgress::kEveryPackets == 0) {
      FlowProgress progress;
      progress.orig_pkts = f->pkts[0];
      progress.resp_pkts = f->pkts[1];
      bus::EventContext ctx;
      fill_context(*f, 0, p.ts, ctx);
      bus_.publish(ctx, progress);
    }
  }
  touch(*f);
}

void FlowTable::expect_flow(const Flow& parent, const parsers::ExpectedFlow& e) {
  if (e.proto != bus::Transport::kUdp || config_.max_expected_flows == 0) return;
  std::size_t binding = parsers_.size();
  for (std::size_t i = 0; i < parsers_.size(); ++i)
    if (parsers_[i].spec->name == e.parser) binding = i;
  if (binding == parsers_.size()) return;  // that parser is not enabled
  Expectation x;
  const IpAddr& orig = parent.orig_is_a ? parent.key.a : parent.key.b;
  const IpAddr& resp = parent.orig_is_a ? parent.key.b : parent.key.a;
  x.x = e.has_orig_addr ? e.orig_addr : orig;
  x.y = e.has_resp_addr ? e.resp_addr : resp;
  x.port_x = e.orig_port;
  x.port_y = e.resp_port;
  x.vlan = parent.key.vlan;
  x.binding = binding;
  x.parent_uid = parent.uid;
  x.parent_uid_len = parent.uid_len;
  x.expires = now_ + config_.expected_flow_timeout;
  // The same expectation announced again (a repeated SETUP) only refreshes its expiry.
  for (auto it = expected_.begin(); it != expected_.end(); ++it) {
    if (it->x == x.x && it->y == x.y && it->port_x == x.port_x && it->port_y == x.port_y &&
        it->vlan == x.vlan && it->binding == x.binding) {
      expected_.erase(it);
      break;
    }
  }
  while (!expected_.empty() && expected_.front().expires <= now_) expected_.pop_front();
  if (expected_.size() >= config_.max_expected_flows) {
    ++stats_.expected_flows_dropped;
    if ((stats_.expected_flows_dropped & (stats_.expected_flows_dropped - 1)) == 0) {
      bus::EventContext ctx;
      fill_context(parent, 0, now_, ctx);
      bus_.anomaly(ctx, "flow.expected_flows_full",
                   "expected-flow table full (flow.max_expected_flows): dropped the oldest");
    }
    expected_.pop_front();
  }
  expected_.push_back(x);
  ++stats_.expected_flows_added;
}

const ParserBinding* FlowTable::take_expected(Flow& f) {
  while (!expected_.empty() && expected_.front().expires <= now_) expected_.pop_front();
  const auto port_ok = [](std::uint16_t want, std::uint16_t got) {
    return want == 0 || want == got;
  };
  for (auto it = expected_.begin(); it != expected_.end(); ++it) {
    const Expectation& x = *it;
    if (x.vlan != f.key.vlan) continue;
    const bool forward = x.x == f.key.a && x.y == f.key.b && port_ok(x.port_x, f.key.port_a) &&
                         port_ok(x.port_y, f.key.port_b);
    const bool reverse = x.x == f.key.b && x.y == f.key.a && port_ok(x.port_x, f.key.port_b) &&
                         port_ok(x.port_y, f.key.port_a);
    if (!forward && !reverse) continue;
    f.parent_uid = x.parent_uid;
    f.parent_uid_len = x.parent_uid_len;
    const ParserBinding* b = &parsers_[x.binding];
    expected_.erase(it);
    ++stats_.expected_flows_matched;
    return b;
  }
  return nullptr;
}

void FlowTable::handle_datagram(Flow& f, int dir, const decode::Packet& p) {
  if (f.no_parser) return;
  if (!f.dapp) {
    // An announced flow first, then content (the first payload of either direction), then
    // the ports of either end, then weak content probes.
    const ParserBinding* binding = expected_.empty() ? nullptr : take_expected(f);
    for (std::size_t i = 0; i < parsers_.size() && binding == nullptr; ++i) {
      const ParserBinding& b = parsers_[i];
      if (b.spec->udp_probe != nullptr &&
          b.spec->udp_probe(static_cast<bus::Direction>(dir), p.payload) == parsers::Probe::kYes) {
        binding = &b;
      }
    }
    for (std::size_t i = 0; i < parsers_.size() && binding == nullptr; ++i) {
      for (std::uint16_t port : parsers_[i].spec->udp_ports) {
        if (port == f.key.port_a || port == f.key.port_b) {
          binding = &parsers_[i];
          break;
        }
      }
    }
    // Weak probes: only between unprivileged ports, on the first udp_probe_datagrams payloads.
    if (binding == nullptr && f.key.port_a >= 1024 && f.key.port_b >= 1024) {
      bool any_weak = false;
      for (std::size_t i = 0; i < parsers_.size() && binding == nullptr; ++i) {
        const ParserBinding& b = parsers_[i];
        if (b.spec->udp_weak_probe == nullptr) continue;
        any_weak = true;
        if (b.spec->udp_weak_probe(static_cast<bus::Direction>(dir), p.payload) ==
            parsers::Probe::kYes)
          binding = &b;
      }
      if (binding == nullptr && any_weak && ++f.udp_probes < config_.udp_probe_datagrams) return;
    }
    if (binding == nullptr) {
      f.no_parser = true;  // nothing parses this flow: later datagrams are only counted
      return;
    }
    f.dapp = std::make_unique<DatagramApp>(*this, f, bus_, *binding, now_);
    if (!f.dapp->usable()) {
      f.dapp.reset();
      f.no_parser = true;
      return;
    }
    ++stats_.parsers_attached;
  }
  f.dapp->deliver(dir, p.payload);
}

void FlowTable::update_tcp(Flow& f, int dir, const decode::Packet& p) {
  const std::uint8_t fl = p.tcp_flags;
  const bool syn = (fl & decode::kTcpSyn) != 0;
  const bool ack = (fl & decode::kTcpAck) != 0;
  const bool fin = (fl & decode::kTcpFin) != 0;
  const bool rst = (fl & decode::kTcpRst) != 0;
  if (syn && (fin || rst)) f.add_history('Q', dir);
  if (syn) {
    f.add_history(ack ? 'H' : 'S', dir);
    f.flags[dir] |= ack ? kSawSynAck : kSawSyn;
    if ((f.flags[dir] & kSawData) == 0) {
      f.seq_first[dir] = f.seq_max[dir] = p.seq + 1;
      if (f.app) f.app->on_syn(dir, p.seq);
    }
  }
  if (fin) {
    f.add_history('F', dir);
    f.flags[dir] |= kSawFin;
  }
  if (rst) {
    f.add_history('R', dir);
    f.flags[dir] |= kSawRst;
  }
  if (p.window == 0 && !syn && !rst) f.add_history('W', dir);
  if (!p.payload.empty()) {
    std::uint32_t seq = syn ? p.seq + 1 : p.seq;
    const std::uint32_t end = seq + static_cast<std::uint32_t>(p.payload.size());
    if ((f.flags[dir] & (kSawData | kSawSyn | kSawSynAck)) == 0) {
      f.seq_first[dir] = seq;  // midstream: sequence space starts at the first data
      f.seq_max[dir] = seq;
    }
    if ((f.flags[dir] & kSawData) != 0 && seq_diff(end, f.seq_max[dir]) <= 0) {
      f.add_history('T', dir);
    }
    f.add_history('D', dir);
    f.flags[dir] |= kSawData;
    if (seq_diff(end, f.seq_max[dir]) > 0) f.seq_max[dir] = end;
  } else if (ack && !syn && !fin && !rst) {
    f.add_history('A', dir);
  }
  if ((f.flags[0] & kSawFin) && (f.flags[1] & kSawFin)) f.closed = true;
  if (rst) f.closed = true;
  handle_payload(f, dir, p);
}

void FlowTable::handle_payload(Flow& f, int dir, const decode::Packet& p) {
  if (f.no_parser || parsers_.empty()) return;
  if (!f.app) {
    if (p.payload.empty()) return;  // nothing to parse yet; the SYN's ISN is kept in the flow
    f.app = std::make_unique<FlowApp>(*this, f, bus_, parsers_, config_, now_, stats_);
    for (int d = 0; d < 2; ++d)
      if (f.flags[d] & (kSawSyn | kSawSynAck)) f.app->on_syn(d, f.seq_first[d] - 1);
  }
  f.app->on_tcp(dir, p);
  const bool had_gap = f.app->had_gap(dir);
  if (had_gap) f.add_history('G', dir);
  if (f.app->state() == FlowApp::State::kIgnored) {
    f.app.reset();  // nothing will parse this flow: stop reassembling it
    f.no_parser = true;
  }
}

void FlowTable::emit_conn(Flow& f, std::string_view reason, bool partial) {
  ConnRecord r;
  bus::EventContext ctx;
  fill_context(f, 0, f.first_ts, ctx);
  r.duration = f.last_ts - f.first_ts;
  const bool tcp = f.key.proto == proto_number(bus::Transport::kTcp);
  if (tcp) {
    r.conn_state = tcp_conn_state(f);
    r.orig_bytes =
        (f.flags[0] & kSawData) ? static_cast<std::uint32_t>(f.seq_max[0] - f.seq_first[0]) : 0;
    r.resp_bytes =
        (f.flags[1] & kSawData) ? static_cast<std::uint32_t>(f.seq_max[1] - f.seq_first[1]) : 0;
  } else {
    // Zeek's states for UDP: both sides sent SF, only the originator S0, only the responder SHR.
    if (f.key.proto == proto_number(bus::Transport::kUdp)) {
      r.conn_state =
          f.pkts[0] > 0 ? (f.pkts[1] > 0 ? "SF" : "S0") : (f.pkts[1] > 0 ? "SHR" : "OTH");
    } else {
      r.conn_state = "OTH";
    }
    r.orig_bytes = f.bytes[0];
    r.resp_bytes = f.bytes[1];
  }
  r.history = std::string_view(f.history.data(), f.history_len);
  r.end_reason = reason;
  r.orig_pkts = f.pkts[0];
  r.resp_pkts = f.pkts[1];
  r.orig_ip_bytes = f.ip_bytes[0];
  r.resp_ip_bytes = f.ip_bytes[1];
  r.missed_bytes = f.app ? f.app->missed_bytes() : 0;
  r.vlan = f.key.vlan;
  r.inner_vlan = f.inner_vlan;
  r.partial = partial;
  bus_.publish(ctx, r);
}

void FlowTable::end(Flow* f, std::string_view reason) {
  if (f->dapp) f->dapp->finish();
  if (f->app) {
    f->app->finish();
    stats_.tcp_missed_bytes += f->app->missed_bytes();
    stats_.tcp_held_overflows += f->app->held_overflows();
    if (f->app->missed_bytes() > 0) {
      f->add_history('G', 0);
    }
  }
  emit_conn(*f, reason, false);
  if (f->list >= 0) lists_[f->list].remove(f);
  by_age_->remove(f);
  ++stats_.flows_ended;
  flows_.erase(f->key);  // destroys *f
  stats_.active_flows = flows_.size();
}

void FlowTable::expire(TimeNs now) {
  for (int i = 0; i < kListCount; ++i) {
    const TimeNs timeout = timeout_of(i);
    // Each iteration removes the head, so this ends.
    while (lists_[i].head != nullptr && now - lists_[i].head->last_ts > timeout) {
      end(lists_[i].head, i == kTcpClosed ? "tcp_closed" : "idle_timeout");
    }
  }
  // Active timeout: long-lived flows get a record now and then (NetFlow style); the uid stays.
  // Bounded: each flushed flow moves to the tail with a fresh start time.
  std::uint64_t budget = flows_.size();
  while (by_age_->head != nullptr && now - by_age_->head->first_ts > config_.active_timeout &&
         budget-- > 0) {
    Flow* f = by_age_->head;
    emit_conn(*f, "active_timeout", true);
    ++stats_.flows_active_timeout;
    f->first_ts = now;
    f->pkts = {};
    f->bytes = {};
    f->ip_bytes = {};
    f->seq_first = f->seq_max;
    by_age_->remove(f);
    by_age_->push_back(f);
  }
}

void FlowTable::flush_all() {
  // Oldest first, so records come out in a stable order.
  while (by_age_->head != nullptr) end(by_age_->head, "end_of_input");
}

}  // namespace ward::flow
