#include "parsers/dhcp/dhcp_log.h"

#include <algorithm>
#include <string_view>

#include "common/json_writer.h"
#include "parsers/dhcp/dhcp_events.h"

namespace ward::parsers::dhcp {
namespace {

constexpr TimeNs kNsPerMs = kNsPerSec / 1000;

double seconds(TimeNs ns) { return static_cast<double>(ns) / static_cast<double>(kNsPerSec); }

bool is_zero_or_broadcast(const IpAddr& a) {
  return a.is_v4() && (a.v4_host_order() == 0 || a.v4_host_order() == 0xffffffffU);
}

std::string hex_colon(ByteView b) {
  static constexpr std::string_view kHex = "0123456789abcdef";
  std::string out;
  for (std::uint8_t c : b) {
    if (!out.empty()) out += ':';
    out += kHex[c >> 4];
    out += kHex[c & 0xf];
  }
  return out;
}

// "1,3,6,15": option 55 as the fingerprint string used by DHCP fingerprint databases.
std::string param_list_string(ByteView list) {
  std::string out;
  for (std::uint8_t c : list) {
    if (!out.empty()) out += ',';
    out += std::to_string(c);
  }
  return out;
}

void addr_list(JsonWriter& w, std::string_view key, std::span<const IpAddr> list) {
  if (list.empty()) return;
  w.key(key).begin_array();
  for (const IpAddr& a : list) w.value(a.to_string());
  w.end_array();
}

// One message as an object (Suricata's per-message fields, with Ward's names).
std::string message_json(const bus::EventContext& ctx, const DhcpMessage& m) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.kv("ts", seconds(ctx.ts));
  w.kv("uid", ctx.uid);
  const bool to_server = ctx.dir == bus::Direction::kToServer;
  w.kv("src_h", ctx.src_h().to_string());
  w.kv("src_p", static_cast<unsigned>(to_server ? ctx.orig_p : ctx.resp_p));
  w.kv("dst_h", ctx.dst_h().to_string());
  w.kv("dst_p", static_cast<unsigned>(to_server ? ctx.resp_p : ctx.orig_p));
  w.kv("op", m.op == 1 ? "request" : "reply");
  if (m.msg_type != 0) w.kv("msg_type", message_type_name(m.msg_type));
  w.kv("xid", static_cast<std::uint64_t>(m.xid));
  w.kv("ciaddr", m.ciaddr.to_string());
  w.kv("yiaddr", m.yiaddr.to_string());
  w.kv("siaddr", m.siaddr.to_string());
  w.kv("giaddr", m.giaddr.to_string());
  w.kv("chaddr", m.mac ? m.mac->to_string() : hex_colon(m.chaddr));
  if (m.host_name) w.kv("host_name", *m.host_name);
  if (m.domain_name) w.kv("domain", *m.domain_name);
  if (m.requested_addr) w.kv("requested_addr", m.requested_addr->to_string());
  if (m.server_id) w.kv("server_id", m.server_id->to_string());
  if (m.lease_time) w.kv("lease_time", static_cast<std::uint64_t>(*m.lease_time));
  if (m.renewal_time) w.kv("renewal_time", static_cast<std::uint64_t>(*m.renewal_time));
  if (m.rebinding_time) w.kv("rebinding_time", static_cast<std::uint64_t>(*m.rebinding_time));
  if (m.subnet_mask) w.kv("subnet_mask", m.subnet_mask->to_string());
  addr_list(w, "routers", m.routers);
  addr_list(w, "dns_servers", m.dns_servers);
  if (m.param_list) {
    w.key("params").begin_array();
    for (std::uint8_t c : *m.param_list) w.value(static_cast<unsigned>(c));
    w.end_array();
  }
  if (m.vendor_class) w.kv("vendor_class", *m.vendor_class);
  if (m.client_id) w.kv("client_id", hex_colon(*m.client_id));
  if (m.client_fqdn) w.kv("client_fqdn", m.client_fqdn->domain_name);
  if (m.message) w.kv("message", *m.message);
  if (m.overload != 0) w.kv("overload", static_cast<unsigned>(m.overload));
  w.end_object();
  return out;
}

}  // namespace

LogLimits log_limits_from(const LimitOverrides& o) {
  const LogLimits d;
  LogLimits l;
  auto get = [&o](std::string_view k, std::uint64_t fallback, std::uint64_t lo, std::uint64_t hi) {
    return std::clamp<std::uint64_t>(o.get(k, fallback), lo, hi);
  };
  l.max_log_transactions = static_cast<std::uint32_t>(
      get("dhcp.max_log_transactions", d.max_log_transactions, 1, 1 << 20));
  l.max_msg_types_per_log = static_cast<std::uint32_t>(
      get("dhcp.max_msg_types_per_log", d.max_msg_types_per_log, 1, 1000));
  l.max_uids_per_log =
      static_cast<std::uint32_t>(get("dhcp.max_uids_per_log", d.max_uids_per_log, 1, 1000));
  l.log_idle_ms = get("dhcp.log_idle_ms", d.log_idle_ms, 1, 3'600'000);
  l.log_watch_ms = get("dhcp.log_watch_ms", d.log_watch_ms, 1, 3'600'000);
  return l;
}

void DhcpLog::on_event(const bus::EventContext& ctx, const bus::Event& event) {
  const auto* m = bus::event_cast<DhcpMessage>(event);
  if (m == nullptr) return;
  expire(ctx.ts);
  auto it =
      std::find_if(open_.begin(), open_.end(), [m](const Info& i) { return i.xid == m->xid; });
  if (it == open_.end()) {
    if (open_.size() >= limits_.max_log_transactions) {
      write(open_.front());
      open_.pop_front();
    }
    Info info;
    info.xid = m->xid;
    info.ts = ctx.ts;
    open_.push_back(std::move(info));
    it = std::prev(open_.end());
  }
  add(*it, ctx, *m);
  // Zeek's DHCP::max_uids_per_log / max_msg_types_per_log: log now, start afresh.
  if (it->uids.size() >= limits_.max_uids_per_log ||
      it->msg_types.size() >= limits_.max_msg_types_per_log) {
    write(*it);
    open_.erase(it);
  }
}

void DhcpLog::on_finish() {
  for (const Info& i : open_) write(i);
  open_.clear();
}

void DhcpLog::expire(TimeNs now) {
  for (auto it = open_.begin(); it != open_.end();) {
    const bool idle = now > it->last_ts &&
                      now - it->last_ts > static_cast<TimeNs>(limits_.log_idle_ms) * kNsPerMs;
    const bool old =
        now > it->ts && now - it->ts > static_cast<TimeNs>(limits_.log_watch_ms) * kNsPerMs;
    if (idle || old) {
      write(*it);
      it = open_.erase(it);
    } else {
      ++it;
    }
  }
}

// Zeek's DHCP::aggregate_msgs (base/protocols/dhcp/main.zeek), with the client side decided
// by the BOOTP op (requests come from clients) rather than by the flow's direction.
void DhcpLog::add(Info& info, const bus::EventContext& ctx, const DhcpMessage& m) {
  const std::string uid(ctx.uid);
  if (std::find(info.uids.begin(), info.uids.end(), uid) == info.uids.end())
    info.uids.push_back(uid);
  if (m.msg_type != 0) info.msg_types.push_back(message_type_name(m.msg_type));
  info.last_ts = ctx.ts;
  const bool from_client = m.op == 1;
  if (m.message) (from_client ? info.client_message : info.server_message) = *m.message;
  if (from_client) {
    if (!is_zero_or_broadcast(ctx.src_h())) info.client_addr = ctx.src_h();
    if (m.host_name) info.host_name = *m.host_name;
    if (m.client_fqdn) info.client_fqdn = m.client_fqdn->domain_name;
    if (m.client_id && m.client_id->size() == 7 && (*m.client_id)[0] == 1)
      info.mac = hex_colon(m.client_id->subspan(1));
    if (m.requested_addr) info.requested_addr = *m.requested_addr;
    if (m.vendor_class) info.vendor_class = *m.vendor_class;
    if (m.param_list) info.param_list = param_list_string(*m.param_list);
    if (m.client_id) info.client_id = hex_colon(*m.client_id);
    if (info.mac.empty() && m.mac) info.mac = m.mac->to_string();
  } else {
    const bool assigned = m.yiaddr.is_v4() && m.yiaddr.v4_host_order() != 0;
    if (assigned && !is_zero_or_broadcast(ctx.src_h())) info.server_addr = ctx.src_h();
    if (info.mac.empty() && m.mac) info.mac = m.mac->to_string();
    if (assigned) info.assigned_addr = m.yiaddr;
    if (!info.client_addr && info.assigned_addr) info.client_addr = info.assigned_addr;
    if (m.domain_name) info.domain = *m.domain_name;
    if (m.lease_time) info.lease_time = *m.lease_time;
  }
  if (m.relay_agent) {
    if (!m.relay_agent->circuit_id.empty()) info.circuit_id = as_chars(m.relay_agent->circuit_id);
    if (!m.relay_agent->remote_id.empty())
      info.agent_remote_id = as_chars(m.relay_agent->remote_id);
    if (!m.relay_agent->subscriber_id.empty())
      info.subscriber_id = as_chars(m.relay_agent->subscriber_id);
  }
  info.messages.push_back(message_json(ctx, m));
}

void DhcpLog::write(const Info& i) {
  line_.clear();
  JsonWriter w(line_);
  w.begin_object();
  w.kv("ts", seconds(i.ts));
  w.key("uids").begin_array();
  for (const std::string& u : i.uids) w.value(std::string_view(u));
  w.end_array();
  w.kv("xid", static_cast<std::uint64_t>(i.xid));
  if (i.client_addr) w.kv("client_addr", i.client_addr->to_string());
  if (i.server_addr) w.kv("server_addr", i.server_addr->to_string());
  auto str = [&w](std::string_view k, const std::string& v) {
    if (!v.empty()) w.kv(k, std::string_view(v));
  };
  str("mac", i.mac);
  str("host_name", i.host_name);
  str("client_fqdn", i.client_fqdn);
  str("domain", i.domain);
  if (i.requested_addr) w.kv("requested_addr", i.requested_addr->to_string());
  if (i.assigned_addr) w.kv("assigned_addr", i.assigned_addr->to_string());
  if (i.lease_time) w.kv("lease_time", static_cast<double>(*i.lease_time));
  str("client_message", i.client_message);
  str("server_message", i.server_message);
  w.key("msg_types").begin_array();
  for (const std::string& t : i.msg_types) w.value(std::string_view(t));
  w.end_array();
  w.kv("duration", seconds(i.last_ts - i.ts));
  str("vendor_class", i.vendor_class);
  str("param_list", i.param_list);
  str("client_id", i.client_id);
  str("circuit_id", i.circuit_id);
  str("agent_remote_id", i.agent_remote_id);
  str("subscriber_id", i.subscriber_id);
  w.key("messages").begin_array();
  for (const std::string& m : i.messages) w.raw(m);
  w.end_array();
  w.end_object();
  sink_.write("dhcp", line_);
}

std::unique_ptr<bus::Subscriber> make_dhcp_log(bus::LogSink& sink, const LogOptions& options) {
  return std::make_unique<DhcpLog>(sink, log_limits_from(options.limits));
}

}  // namespace ward::parsers::dhcp
