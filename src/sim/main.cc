// ward-sim: simulated hospital devices that speak the real protocols over real sockets, for the
// testbed (testbed/README.md). Every subcommand is bounded by --count and --duration and exits
// cleanly on SIGTERM.
//   pump               reports PCD-01/PCD-10 to the pump server, accepts PCD-03 on a port
//   pump-server        receives PCD-01/PCD-10, forwards EHR orders (PCD-03) to pumps
//   ehr                sends PCD-03 orders to the pump server on a schedule
//   cognitive-monitor  publishes JSON telemetry over MQTT (libmosquitto), optionally TLS, and
//                      optionally uploads FHIR Observation summaries over HTTPS
//   hl7-send           sends one HL7 message (built from flags, or from a file) over MLLP
#include <fmt/format.h>
#include <mosquitto.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "sim/fhir_upload.h"
#include "sim/hl7_messages.h"
#include "sim/mllp_net.h"

namespace ward::sim {
namespace {

using Clock = std::chrono::steady_clock;

// Stops after `count` iterations or `seconds`, or on SIGTERM.
struct Bound {
  int count;
  double seconds;
  Clock::time_point start = Clock::now();
  [[nodiscard]] bool expired(int done) const {
    return g_stop.load() || (count > 0 && done >= count) || remaining_ms() <= 0;
  }
  [[nodiscard]] long remaining_ms() const {
    const auto elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
    return static_cast<long>(seconds * 1000) - elapsed;
  }
};

// Sleeps up to ms, waking early on SIGTERM or when the bound ends.
void nap(long ms, const Bound& b) {
  const auto until = Clock::now() + std::chrono::milliseconds(ms);
  while (!g_stop.load() && Clock::now() < until && b.remaining_ms() > 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
}

void log_line(const std::string& who, const std::string& what) {
  std::fprintf(stderr, "%ld %s: %s\n", static_cast<long>(std::time(nullptr)), who.c_str(),
               what.c_str());
}

std::string text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Options shared by the subcommands that describe an infusion or a device.
void add_infusion_options(CLI::App* c, Infusion& inf) {
  c->add_option("--drug", inf.drug, "drug name (RXG-4.2)");
  c->add_option("--drug-id", inf.drug_id, "drug code, NDC (RXG-4.1)");
  c->add_option("--rate", inf.rate, "rate or dose rate (RXG-15)");
  c->add_option("--units", inf.rate_units, "rate units, UCUM: mL/h, [iU]/h, ug/kg/min ...");
  c->add_option("--vtbi", inf.vtbi_ml, "volume to be infused, mL (RXG-5)");
  c->add_option("--flow", inf.flow_ml_h, "fluid flow, mL/h (PCD-01 MDC_FLOW_FLUID_PUMP)");
  c->add_option("--weight", inf.weight_kg, "patient weight, kg");
}
void add_patient_options(CLI::App* c, Patient& pt) {
  c->add_option("--patient-id", pt.id, "PID-3 (invented)");
  c->add_option("--patient-name", pt.name, "PID-5 family^given (invented)");
  c->add_option("--bed", pt.bed, "PV1-3.2");
  c->add_option("--care-area", pt.care_area, "PV1-3.1");
}

// ---------------------------------------------------------------------------------- pump

struct PumpOptions {
  std::string id = "PUMP0021";
  std::string report = "10.10.1.5:2575";
  std::uint16_t listen_port = 3000;
  std::string library_version = "2026.3";
  std::string library_file;  // when set, the version is read from it before each report
  double interval = 5;
  int count = 0;
  double duration = 60;
  double alarm_after = -1;  // seconds; < 0: no alarm
  DeviceIdentity dev;
  Infusion inf;
  Patient pt;
};

// The drug-library version the pump runs: the "version" of the JSON library in --library-file
// (as installed by its maintenance service), else --library-version.
std::string library_version(const PumpOptions& o) {
  if (o.library_file.empty()) return o.library_version;
  const std::string text = text_file(o.library_file).substr(0, 64 * 1024);
  const auto key = text.find("\"version\"");
  const auto colon = key == std::string::npos ? key : text.find(':', key);
  const auto open = colon == std::string::npos ? colon : text.find('"', colon + 1);
  const auto close = open == std::string::npos ? open : text.find('"', open + 1);
  if (close == std::string::npos || close - open > 33) return o.library_version;
  std::string v = text.substr(open + 1, close - open - 1);
  // An HL7 ST value: no delimiters.
  std::erase_if(v, [](char c) {
    return c == '|' || c == '^' || c == '~' || c == '\\' || c == '&' || c < ' ';
  });
  return v.empty() ? o.library_version : v;
}

int run_pump(const PumpOptions& o) {
  const auto server = parse_endpoint(o.report);
  if (!server) {
    log_line(o.id, "bad --report " + o.report);
    return 2;
  }
  std::string err;
  Socket listener = listen_on("", o.listen_port, err);
  if (!listener.valid()) {
    log_line(o.id, "listen: " + err);
    return 1;
  }
  Bound bound{o.count, o.duration};
  Infusion inf = o.inf;
  Socket up;
  MllpReader up_reader;
  int seq = 0;
  int reports = 0;
  int alarm_reports = 0;
  // Sends one message to the pump server, (re)connecting when needed, and waits for its ACK.
  auto report = [&](const std::string& msg) {
    if (!up.valid()) {
      up = connect_to(*server, 2000, err);
      up_reader = MllpReader{};
      if (!up.valid()) {
        log_line(o.id, "connect " + o.report + ": " + err);
        return;
      }
    }
    std::string reply;
    if (!send_mllp(up, msg, 2000) ||
        up_reader.read(up, 3000, reply) != MllpReader::Status::kMessage) {
      up.close();
      return;
    }
    log_line(o.id, "report acked: " + std::string(field_of(reply, "MSA", 1)));
  };
  auto last_report = Clock::now() - std::chrono::hours(1);
  while (!bound.expired(reports)) {
    const auto since = std::chrono::duration<double>(Clock::now() - last_report).count();
    if (since >= o.interval) {
      last_report = Clock::now();
      // The infusion progresses: volume infused grows with the flow.
      if (reports > 0) inf.volume_infused_ml += inf.flow_ml_h * o.interval / 3600.0;
      inf.volume_infused_ml = std::min(inf.volume_infused_ml, inf.vtbi_ml);
      report(pcd01_oru(std::time(nullptr), fmt::format("{}-{:04}", o.id, ++seq), o.id, o.dev, o.pt,
                       inf, library_version(o)));
      // An occlusion: reported (PCD-04) when it starts and with every report while it lasts.
      const double elapsed = std::chrono::duration<double>(Clock::now() - bound.start).count();
      if (o.alarm_after >= 0 && elapsed >= o.alarm_after) {
        Alarm alarm;
        alarm.phase = alarm_reports++ == 0 ? "start" : "continue";
        report(pcd04_alert(std::time(nullptr), fmt::format("{}-AL{:04}", o.id, ++seq), o.id, o.pt,
                           alarm));
      }
      ++reports;
      continue;
    }
    // Between reports: accept programming (PCD-03) on the listening port.
    std::string peer;
    Socket c = accept_within(listener, 200, &peer);
    if (!c.valid()) continue;
    MllpReader r;
    std::string msg;
    for (int handled = 0; handled < 16 && !g_stop.load(); ++handled) {
      if (r.read(c, 3000, msg) != MllpReader::Status::kMessage) break;
      const std::string type(message_type_of(msg));
      const std::string ctl(control_id_of(msg));
      if (type.rfind("RGV^O15", 0) != 0) {
        send_mllp(c, ack(std::time(nullptr), ctl, o.id, "PUMPGW", "O15", "AR", "unsupported"),
                  2000);
        continue;
      }
      // Like the fielded pumps of the advisories: no check of who programs it.
      const std::string rxg4(field_of(msg, "RXG", 4));
      inf.drug_id = rxg4.substr(0, rxg4.find('^'));
      if (auto p = rxg4.find('^'); p != std::string::npos) {
        const auto q = rxg4.find('^', p + 1);
        inf.drug = rxg4.substr(p + 1, q == std::string::npos ? q : q - p - 1);
      }
      inf.vtbi_ml = std::atof(std::string(field_of(msg, "RXG", 5)).c_str());
      inf.rate = std::atof(std::string(field_of(msg, "RXG", 15)).c_str());
      inf.volume_infused_ml = 0;
      send_mllp(c, ack(std::time(nullptr), ctl, o.id, "PUMPGW", "O15", "AA"), 2000);
      log_line(o.id,
               fmt::format("programmed by {}: {} {} (control {})", peer, inf.drug, inf.rate, ctl));
      report(pcd10_event(std::time(nullptr), fmt::format("{}-EV{:04}", o.id, ++seq), o.id, o.dev,
                         o.pt, inf.flow_ml_h, "197288^MDC_EVT_PUMP_DELIV_START^MDC"));
    }
  }
  log_line(o.id, fmt::format("done: {} reports", reports));
  return 0;
}

// ---------------------------------------------------------------------------- pump-server

struct ServerOptions {
  std::uint16_t order_port = 3000;
  std::uint16_t report_port = 2575;
  std::vector<std::string> pumps;  // "PUMP0021=10.10.2.21:3000"
  double duration = 60;
};

// HL7 v2.5 §2.15.12 SFT: the gateway software (an invented build of a real product line).
constexpr const char* kServerSft =
    "SFT|Becton Dickinson^L^^^^BD|4.33.0|Alaris Systems Manager|ASM-4.33.0.112";

// The pump id named by an order: OBX-18.1 of the MDC_DEV_PUMP_INFUS_VMD observation.
std::string pump_of_order(std::string_view msg) {
  std::size_t pos = 0;
  while ((pos = msg.find("\rOBX|", pos)) != std::string_view::npos) {
    const auto seg = msg.substr(pos + 1);
    const std::string_view line = seg.substr(0, seg.find('\r'));
    pos += 1;
    if (line.find("MDC_DEV_PUMP_INFUS_VMD") == std::string_view::npos) continue;
    const std::string segment = std::string(line) + "\r";
    const std::string_view eq = field_of(segment, "OBX", 18);
    return std::string(eq.substr(0, eq.find('^')));
  }
  return {};
}

// `msg` with MSH field n replaced by value (n >= 3).
std::string with_msh_field(std::string_view msg, int n, std::string_view value) {
  std::size_t start = 3;
  for (int i = 0; i < n - 1; ++i) {
    start = msg.find('|', start);
    if (start == std::string_view::npos) return std::string(msg);
    ++start;
  }
  std::size_t stop = msg.find_first_of("|\r", start);
  if (stop == std::string_view::npos) stop = msg.size();
  std::string out(msg.substr(0, start));
  out += value;
  out += msg.substr(stop);
  return out;
}

int run_pump_server(const ServerOptions& o) {
  std::map<std::string, Endpoint> pumps;
  for (const auto& p : o.pumps) {
    const auto eq = p.find('=');
    const auto ep = eq == std::string::npos ? std::nullopt : parse_endpoint(p.substr(eq + 1));
    if (!ep) {
      log_line("pump-server", "bad --pump " + p);
      return 2;
    }
    pumps[p.substr(0, eq)] = *ep;
  }
  std::string err;
  Socket orders = listen_on("", o.order_port, err);
  Socket reports = listen_on("", o.report_port, err);
  if (!orders.valid() || !reports.valid()) {
    log_line("pump-server", "listen: " + err);
    return 1;
  }
  struct Conn {
    Socket s;
    MllpReader r;
    bool is_order;
    std::string peer;
  };
  std::vector<Conn> conns;
  Bound bound{0, o.duration};
  int forwarded = 0;
  while (!bound.expired(0)) {
    std::vector<pollfd> fds{{orders.fd(), POLLIN, 0}, {reports.fd(), POLLIN, 0}};
    for (auto& c : conns) fds.push_back({c.s.fd(), POLLIN, 0});
    if (::poll(fds.data(), fds.size(), 200) <= 0) continue;
    for (int l = 0; l < 2; ++l) {
      if (!(fds[l].revents & POLLIN) || conns.size() >= 64) continue;
      std::string peer;
      Socket c = accept_within(l == 0 ? orders : reports, 0, &peer);
      if (c.valid()) conns.push_back(Conn{std::move(c), {}, l == 0, peer});
    }
    for (std::size_t i = 0; i + 2 < fds.size() && i < conns.size(); ++i) {
      if (!(fds[i + 2].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      Conn& c = conns[i];
      char chunk[4096];
      const ssize_t n = ::recv(c.s.fd(), chunk, sizeof chunk, 0);
      if (n <= 0 || !c.r.feed(std::string_view(chunk, static_cast<std::size_t>(n)))) {
        c.s.close();
        continue;
      }
      while (auto msg = c.r.next()) {
        const std::string ctl(control_id_of(*msg));
        const std::string type(message_type_of(*msg));
        const std::string sender(field_of(*msg, "MSH", 3));
        if (!c.is_order) {  // PCD-01 / PCD-10 from a pump
          const std::string event = type.size() >= 7 ? type.substr(4, 3) : "R01";
          send_mllp(c.s,
                    ack(std::time(nullptr), ctl, "PUMPGW", sender.substr(0, sender.find('^')),
                        event, "AA"),
                    2000);
          continue;
        }
        // An order from the EHR: forward it to the pump it names, answer with the pump's code.
        const std::string pump = pump_of_order(*msg);
        std::string code = "AE";
        std::string why = "unknown pump " + pump;
        if (auto it = pumps.find(pump); it != pumps.end()) {
          const std::string gw_ctl = fmt::format("GW{:06}", ++forwarded);
          std::string fwd = with_msh_field(*msg, 3, "PUMPGW^0012AB0000000005^EUI-64");
          fwd = with_msh_field(fwd, 10, gw_ctl);
          if (const auto eol = fwd.find('\r'); eol != std::string::npos)
            fwd.insert(eol + 1, kServerSft + std::string("\r"));
          Socket p = connect_to(it->second, 2000, err);
          MllpReader pr;
          std::string reply;
          if (p.valid() && send_mllp(p, fwd, 2000) &&
              pr.read(p, 3000, reply) == MllpReader::Status::kMessage) {
            code = std::string(field_of(reply, "MSA", 1));
            why.clear();
          } else {
            why = "pump " + pump + " unreachable";
          }
        }
        log_line("pump-server",
                 fmt::format("order {} from {} for {}: {} {}", ctl, c.peer, pump, code, why));
        send_mllp(c.s, ack(std::time(nullptr), ctl, "PUMPGW", "BCMA", "O15", code, why), 2000);
      }
    }
    std::erase_if(conns, [](const Conn& c) { return !c.s.valid(); });
  }
  log_line("pump-server", fmt::format("done: {} orders forwarded", forwarded));
  return 0;
}

// ------------------------------------------------------------------------------------ ehr

struct EhrOptions {
  std::string server = "10.10.1.5:3000";
  std::vector<std::string> orders;  // PUMP,drug,drug_id,rate,units,vtbi
  double interval = 10;
  int count = 0;
  double duration = 60;
  Patient pt;
};

int run_ehr(const EhrOptions& o) {
  const auto server = parse_endpoint(o.server);
  if (!server || o.orders.empty()) {
    log_line("ehr", "needs --server HOST:PORT and at least one --order");
    return 2;
  }
  struct Order {
    std::string pump;
    Infusion inf;
  };
  std::vector<Order> orders;
  for (const auto& text : o.orders) {
    std::vector<std::string> f;
    std::stringstream ss(text);
    for (std::string part; std::getline(ss, part, ',');) f.push_back(part);
    if (f.size() != 6) {
      log_line("ehr", "bad --order (PUMP,drug,drug_id,rate,units,vtbi): " + text);
      return 2;
    }
    Order ord{f[0], {}};
    ord.inf.drug = f[1];
    ord.inf.drug_id = f[2];
    ord.inf.rate = std::atof(f[3].c_str());
    ord.inf.rate_units = f[4];
    ord.inf.vtbi_ml = std::atof(f[5].c_str());
    orders.push_back(ord);
  }
  Bound bound{o.count, o.duration};
  Socket s;
  MllpReader r;
  std::string err;
  int sent = 0;
  while (!bound.expired(sent)) {
    const Order& ord = orders[static_cast<std::size_t>(sent) % orders.size()];
    if (!s.valid()) {
      s = connect_to(*server, 2000, err);
      r = MllpReader{};
    }
    const std::string ctl = fmt::format("BCMA{:04}", sent + 1);
    std::string reply;
    if (s.valid() &&
        send_mllp(s,
                  pcd03_rgv(std::time(nullptr), ctl, "BCMA^0012AB0000000010^EUI-64",
                            "PUMPGW^0012AB0000000005^EUI-64", ord.pump, o.pt, ord.inf),
                  2000) &&
        r.read(s, 8000, reply) == MllpReader::Status::kMessage) {
      log_line("ehr", fmt::format("order {} {} {} -> {}", ctl, ord.inf.drug, ord.inf.rate,
                                  field_of(reply, "MSA", 1)));
    } else {
      log_line("ehr", "order " + ctl + " not acknowledged " + err);
      s.close();
    }
    ++sent;
    if (!bound.expired(sent)) nap(static_cast<long>(o.interval * 1000), bound);
  }
  return 0;
}

// ------------------------------------------------------------------------------- hl7-send

struct SendOptions {
  std::string to;
  std::string file;
  std::string type = "pcd03";
  std::string sender = "ROGUE^0012AB00000000FF^EUI-64";
  std::string control = "X0001";
  std::string pump = "PUMP0021";
  int count = 1;
  double interval = 1;
  Alarm alarm;
  DeviceIdentity dev;
  Infusion inf;
  Patient pt;
};

int run_hl7_send(const SendOptions& o) {
  const auto to = parse_endpoint(o.to);
  if (!to) {
    log_line("hl7-send", "bad --to " + o.to);
    return 2;
  }
  Bound bound{o.count, 60};
  int sent = 0;
  int acked = 0;
  std::string err;
  while (!bound.expired(sent)) {
    const std::string ctl = o.count > 1 ? fmt::format("{}-{}", o.control, sent + 1) : o.control;
    std::string msg;
    if (!o.file.empty()) {
      msg = text_file(o.file);
      for (auto& ch : msg)
        if (ch == '\n') ch = '\r';
    } else if (o.type == "pcd03") {
      msg = pcd03_rgv(std::time(nullptr), ctl, o.sender, o.pump, o.pump, o.pt, o.inf);
    } else if (o.type == "pcd01") {
      msg = pcd01_oru(std::time(nullptr), ctl, o.pump, o.dev, o.pt, o.inf, "2026.3");
    } else if (o.type == "pcd04") {
      msg = pcd04_alert(std::time(nullptr), ctl, o.pump, o.pt, o.alarm);
    } else {
      log_line("hl7-send", "unknown --type " + o.type);
      return 2;
    }
    Socket s = connect_to(*to, 2000, err);
    if (!s.valid()) {
      log_line("hl7-send", "connect " + o.to + ": " + err);
      return 1;
    }
    MllpReader r;
    std::string reply;
    if (send_mllp(s, msg, 2000) && r.read(s, 5000, reply) == MllpReader::Status::kMessage) {
      ++acked;
      std::printf("%s %s\n", std::string(field_of(reply, "MSA", 1)).c_str(),
                  std::string(control_id_of(msg)).c_str());
    }
    ::shutdown(s.fd(), SHUT_WR);
    ++sent;
    if (!bound.expired(sent)) nap(static_cast<long>(o.interval * 1000), bound);
  }
  std::fflush(stdout);
  return acked == sent ? 0 : 1;
}

// ---------------------------------------------------------------------- cognitive-monitor

struct CogOptions {
  std::string id = "COGMON-0031";
  std::string broker = "10.10.3.2";
  int port = 1883;
  std::string user;
  std::string password;
  std::string cafile;
  std::string topic = "ward/icu/cogmon/{id}/telemetry";
  std::string fhir;  // HOST[:PORT] of the FHIR server (HTTPS); empty: no uploads
  std::string fhir_path = "/fhir/Observation";
  std::string subject = "Patient/pseudo-0031";
  std::string keylog;  // testbed only: TLS secrets for tshark
  double fhir_interval = 10;
  double interval = 2;
  int count = 0;
  double duration = 60;
};

int run_cognitive_monitor(const CogOptions& o) {
  if (!o.keylog.empty() && !set_tls_keylog(o.keylog)) {
    log_line(o.id, "cannot open key log " + o.keylog);
    return 1;
  }
  mosquitto_lib_init();
  mosquitto* m = mosquitto_new(o.id.c_str(), true, nullptr);
  int rc = m == nullptr ? MOSQ_ERR_NOMEM : MOSQ_ERR_SUCCESS;
  // TLS: libmosquitto uses our context (no defaults of its own): TLS 1.2 at least, the
  // broker's chain verified against --cafile and its name against --broker, the key log.
  SSL_CTX* tls_ctx = nullptr;
  if (rc == MOSQ_ERR_SUCCESS && !o.cafile.empty()) {
    std::string error;
    tls_ctx = new_verifying_client_ctx(o.cafile, o.broker, error);
    if (tls_ctx == nullptr) {
      log_line(o.id, "tls: " + error);
      rc = MOSQ_ERR_TLS;
    }
    if (rc == MOSQ_ERR_SUCCESS) rc = mosquitto_void_option(m, MOSQ_OPT_SSL_CTX, tls_ctx);
    if (rc == MOSQ_ERR_SUCCESS) rc = mosquitto_int_option(m, MOSQ_OPT_SSL_CTX_WITH_DEFAULTS, 0);
    // Tells libmosquitto to use TLS; the context above does the verifying.
    if (rc == MOSQ_ERR_SUCCESS)
      rc = mosquitto_tls_set(m, o.cafile.c_str(), nullptr, nullptr, nullptr, nullptr);
  }
  if (rc == MOSQ_ERR_SUCCESS && !o.user.empty())
    rc = mosquitto_username_pw_set(m, o.user.c_str(),
                                   o.password.empty() ? nullptr : o.password.c_str());
  if (rc == MOSQ_ERR_SUCCESS) rc = mosquitto_connect(m, o.broker.c_str(), o.port, 30);
  // Publish only once the broker has accepted the session (CONNACK 0), like a careful device.
  static int connack = -1;
  if (m != nullptr)
    mosquitto_connect_callback_set(m, [](mosquitto*, void*, int code) { connack = code; });
  const auto connect_deadline = Clock::now() + std::chrono::seconds(5);
  while (rc == MOSQ_ERR_SUCCESS && connack < 0 && !g_stop.load() && Clock::now() < connect_deadline)
    rc = mosquitto_loop(m, 100, 1);
  if (rc == MOSQ_ERR_SUCCESS && connack != 0) {
    log_line(o.id, connack < 0 ? "no CONNACK"
                               : std::string("refused: ") + mosquitto_connack_string(connack));
    rc = MOSQ_ERR_CONN_REFUSED;
  }
  std::string topic = o.topic;
  if (auto p = topic.find("{id}"); p != std::string::npos) topic.replace(p, 4, o.id);
  Bound bound{o.count, o.duration};
  int sent = 0;
  int uploads = 0;
  int uploads_ok = 0;
  auto last_upload = Clock::now();
  std::time_t period_start = std::time(nullptr);
  std::optional<Endpoint> fhir;
  if (!o.fhir.empty()) {
    fhir = parse_endpoint(o.fhir.find(':') == std::string::npos ? o.fhir + ":443" : o.fhir);
    if (!fhir || o.cafile.empty()) {
      log_line(o.id, "--fhir needs HOST[:PORT] and --cafile");
      rc = MOSQ_ERR_INVAL;
    }
  }
  // Invented but plausible readings for a dementia-care room sensor and wearable.
  static constexpr const char* kStates[] = {"awake", "resting", "asleep", "awake"};
  while (rc == MOSQ_ERR_SUCCESS && !bound.expired(sent)) {
    const std::string payload = fmt::format(
        R"({{"device_id":"{}","ts":{},"heart_rate":{},"steps":{},"sleep_state":"{}","in_room":{},"gait_speed_m_s":{:.2f},"wandering_alert":false,"battery":{}}})",
        o.id, std::time(nullptr), 64 + sent % 7, 1200 + 13 * sent, kStates[sent % 4],
        sent % 5 != 4 ? "true" : "false", 0.8 + 0.01 * (sent % 10), 97 - sent / 10);
    rc = mosquitto_publish(m, nullptr, topic.c_str(), static_cast<int>(payload.size()),
                           payload.data(), 1, false);
    ++sent;
    // The period's summary, as a FHIR Observation, every --fhir-interval seconds.
    if (rc == MOSQ_ERR_SUCCESS && fhir &&
        Clock::now() - last_upload >=
            std::chrono::milliseconds(static_cast<long>(o.fhir_interval * 1000))) {
      last_upload = Clock::now();
      CogSummary sum;
      sum.device_id = o.id;
      sum.subject = o.subject;
      sum.start = period_start;
      sum.end = period_start = std::time(nullptr);
      sum.mean_heart_rate = 64 + uploads % 5 + 0.5;
      sum.steps = 1200 + 13 * sent;
      sum.sleep_hours = 6.5 + 0.25 * (uploads % 4);
      sum.gait_speed_m_s = 0.84 + 0.01 * (uploads % 5);
      sum.night_wandering_events = uploads % 3 == 2 ? 1 : 0;
      std::string error;
      const auto status =
          https_post(HttpsPost{fhir->host, fhir->port, o.fhir_path, "application/fhir+json",
                               fhir_observation_json(sum), o.cafile},
                     5000, error);
      ++uploads;
      if (status && *status == 201) ++uploads_ok;
      log_line(o.id, status ? fmt::format("fhir: POST {} -> {}", o.fhir_path, *status)
                            : "fhir: " + error);
    }
    const auto until =
        Clock::now() + std::chrono::milliseconds(static_cast<long>(o.interval * 1000));
    while (rc == MOSQ_ERR_SUCCESS && Clock::now() < until && !g_stop.load() &&
           bound.remaining_ms() > 0)
      rc = mosquitto_loop(m, 100, 1);
  }
  if (rc != MOSQ_ERR_SUCCESS) log_line(o.id, std::string("mqtt: ") + mosquitto_strerror(rc));
  if (m != nullptr) {
    mosquitto_disconnect(m);
    mosquitto_loop(m, 100, 1);
    mosquitto_destroy(m);
  }
  if (tls_ctx != nullptr) SSL_CTX_free(tls_ctx);
  mosquitto_lib_cleanup();
  log_line(o.id, fhir ? fmt::format("done: {} publishes, {} of {} FHIR uploads created", sent,
                                    uploads_ok, uploads)
                      : fmt::format("done: {} publishes", sent));
  return rc == MOSQ_ERR_SUCCESS && uploads_ok == uploads ? 0 : 1;
}

}  // namespace
}  // namespace ward::sim

int main(int argc, char** argv) {
  using namespace ward::sim;
  install_stop_handlers();
  CLI::App app{"ward-sim: simulated hospital devices for the Ward testbed"};
  app.require_subcommand(1);

  PumpOptions pump;
  auto* p = app.add_subcommand("pump", "infusion pump: PCD-01/PCD-10 reports, accepts PCD-03");
  p->add_option("--id", pump.id, "pump id (MSH-3, OBX-18)");
  p->add_option("--report", pump.report, "pump server HOST:PORT for PCD-01/PCD-10");
  p->add_option("--listen", pump.listen_port, "port accepting PCD-03 RGV^O15");
  p->add_option("--interval", pump.interval, "seconds between PCD-01 reports");
  p->add_option("--count", pump.count, "stop after this many reports (0: no limit)");
  p->add_option("--duration", pump.duration, "stop after this many seconds");
  p->add_option("--vendor", pump.dev.vendor);
  p->add_option("--model", pump.dev.model);
  p->add_option("--firmware", pump.dev.firmware);
  p->add_option("--serial", pump.dev.serial);
  p->add_option("--udi-di", pump.dev.udi_di);
  p->add_option("--library-version", pump.library_version);
  p->add_option("--library-file", pump.library_file,
                "JSON drug library; its \"version\" is reported (read before each report)");
  p->add_option("--alarm-after", pump.alarm_after,
                "seconds after start when an occlusion alarm (PCD-04) begins");
  add_infusion_options(p, pump.inf);
  add_patient_options(p, pump.pt);

  ServerOptions srv;
  auto* s = app.add_subcommand("pump-server", "infusion gateway: forwards orders to pumps");
  s->add_option("--order-port", srv.order_port);
  s->add_option("--report-port", srv.report_port);
  s->add_option("--pump", srv.pumps, "PUMPID=HOST:PORT, repeatable");
  s->add_option("--duration", srv.duration);

  EhrOptions ehr;
  auto* e = app.add_subcommand("ehr", "EHR/BCMA: sends PCD-03 orders to the pump server");
  e->add_option("--server", ehr.server);
  e->add_option("--order", ehr.orders, "PUMP,drug,drug_id,rate,units,vtbi; repeatable");
  e->add_option("--interval", ehr.interval);
  e->add_option("--count", ehr.count);
  e->add_option("--duration", ehr.duration);
  add_patient_options(e, ehr.pt);

  CogOptions cog;
  auto* c = app.add_subcommand("cognitive-monitor", "MQTT telemetry of a cognitive monitor");
  c->add_option("--id", cog.id);
  c->add_option("--broker", cog.broker);
  c->add_option("--port", cog.port);
  c->add_option("--user", cog.user);
  c->add_option("--password", cog.password);
  c->add_option("--cafile", cog.cafile,
                "CA certificate (PEM): MQTT over TLS 1.2+, the broker's name verified");
  c->add_option(
      "--fhir", cog.fhir,
      "FHIR server HOST[:PORT] (HTTPS, default port 443): POST summaries as Observations");
  c->add_option("--fhir-path", cog.fhir_path, "the Observation endpoint's path");
  c->add_option("--fhir-interval", cog.fhir_interval, "seconds between FHIR uploads");
  c->add_option("--keylog", cog.keylog,
                "testbed only: append TLS secrets to this file (NSS key log format) for tshark");
  c->add_option("--subject", cog.subject, "the Observations' subject (pseudonymous reference)");
  c->add_option("--topic", cog.topic, "topic; {id} is replaced by --id");
  c->add_option("--interval", cog.interval);
  c->add_option("--count", cog.count);
  c->add_option("--duration", cog.duration);

  SendOptions snd;
  auto* h = app.add_subcommand("hl7-send", "send HL7 messages over MLLP and print the ACK code");
  h->add_option("--to", snd.to, "HOST:PORT")->required();
  h->add_option("--file", snd.file, "message file, one segment per line");
  h->add_option("--type", snd.type, "pcd03 (RGV^O15), pcd01 (ORU^R01) or pcd04 (ORU^R40)");
  h->add_option("--alarm-phase", snd.alarm.phase, "pcd04: start, continue, end");
  h->add_option("--alarm-state", snd.alarm.state, "pcd04: active, inactive, latched");
  h->add_option("--alarm-inactivation", snd.alarm.inactivation,
                "pcd04: enabled, audio-paused, alarm-paused, alarm-off");
  h->add_option("--sender", snd.sender, "MSH-3");
  h->add_option("--control", snd.control, "MSH-10");
  h->add_option("--pump", snd.pump);
  h->add_option("--count", snd.count)->check(CLI::Range(1, 1000));
  h->add_option("--interval", snd.interval);
  add_infusion_options(h, snd.inf);
  add_patient_options(h, snd.pt);

  CLI11_PARSE(app, argc, argv);
  if (p->parsed()) return run_pump(pump);
  if (s->parsed()) return run_pump_server(srv);
  if (e->parsed()) return run_ehr(ehr);
  if (c->parsed()) return run_cognitive_monitor(cog);
  return run_hl7_send(snd);
}
