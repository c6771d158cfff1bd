// The monitor end to end on the bundled demo capture: the alerts the demo README promises,
// PHI kept out of every output, the database, determinism, and a corrupt capture.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <array>
#include <filesystem>
#include <map>
#include <set>

#include "decode/testing/frame_builder.h"
#include "e2e/test_util.h"

namespace ward::testing {
namespace {

namespace fs = std::filesystem;

std::string demo_capture() { return source_dir() + "/tests/data/synthetic-ward/capture.pcap"; }
std::string demo_policy() { return source_dir() + "/tests/data/synthetic-ward/ward.yaml"; }

std::multiset<std::string> rules_of(const std::vector<nlohmann::json>& alerts) {
  std::multiset<std::string> out;
  for (const auto& a : alerts) out.insert(a["rule"].get<std::string>());
  return out;
}

TEST(DemoCapture, RaisesEveryAlertTheDemoReadmeDescribes) {
  TempDir tmp;
  const auto report = run_on(demo_capture(), tmp, demo_policy());
  const auto alerts = read_log(tmp.path() + "/logs", "alert");
  const auto rules = rules_of(alerts);
  // Heparin 4000 units/h: the EHR's order and the pump server's forwarded order.
  EXPECT_EQ(rules.count("ward.infusion.hard_limit"), 2u);
  EXPECT_EQ(rules.count("ward.infusion.soft_limit"), 2u);  // propofol 45 mL/h, order + forward
  EXPECT_EQ(rules.count("ward.infusion.unknown_drug"), 1u);
  EXPECT_EQ(rules.count("ward.infusion.unauthorized_programmer"), 2u);
  EXPECT_GE(rules.count("ward.privacy.phi_cleartext"), 2u);
  EXPECT_EQ(rules.count("ward.protocol.malformed"), 1u);
  // The rogue laptop, in no zone, reaches a pump and the broker in medical zones.
  EXPECT_EQ(rules.count("ward.segmentation.conduit_violation"), 2u);
  EXPECT_EQ(rules.count("ward.segmentation.medical_internet"), 0u);
  EXPECT_EQ(rules.count("ward.segmentation.unknown_device"), 0u);

  std::set<std::string> unauthorized;
  for (const auto& a : alerts) {
    if (a["rule"] == "ward.infusion.unauthorized_programmer")
      unauthorized.insert(a["src"]["ip"].get<std::string>());
    if (a["rule"] == "ward.segmentation.conduit_violation") {
      EXPECT_EQ(a["src"]["ip"], "10.10.9.66");
      EXPECT_EQ(a["severity"], "high");
      EXPECT_EQ(a["technique"]["id"], "T0886");
      EXPECT_EQ(a["evidence"]["src_zone"], "unzoned");
      EXPECT_TRUE(a["evidence"]["dst_zone"] == "infusion_pumps" ||
                  a["evidence"]["dst_zone"] == "telemetry")
          << a.dump();
    }
    if (a["rule"] == "ward.infusion.hard_limit") {
      EXPECT_EQ(a["severity"], "critical");
      EXPECT_EQ(a["technique"]["id"], "T0836");
      EXPECT_EQ(a["evidence"]["drug"], "heparin");
      EXPECT_EQ(a["evidence"]["value"], "4000");
      EXPECT_EQ(a["evidence"]["limit_value"], "2500");
      EXPECT_EQ(a["device_id"], "PUMP0023");
      EXPECT_FALSE(a["uid"].get<std::string>().empty());
    }
  }
  EXPECT_EQ(unauthorized, (std::set<std::string>{"10.10.9.66", "10.10.4.50"}));
  EXPECT_EQ(report.alerts_by_severity[4], rules.count("ward.infusion.hard_limit") +
                                              rules.count("ward.infusion.unauthorized_programmer"));
  EXPECT_TRUE(report.input_error.ok());
  EXPECT_TRUE(report.output_error.ok());
}

TEST(DemoCapture, NoPatientIdentifierReachesAnyLogOrTheDatabase) {
  TempDir tmp;
  (void)run_on(demo_capture(), tmp, demo_policy(), tmp.path() + "/ward.db");
  const std::array phi = {"Testpatient",   "MRN-00417", "19470312",
                          "Sample^Robert", "MRN-00982", "Example^Cara"};
  int files = 0;
  for (const auto& e : fs::directory_iterator(tmp.path() + "/logs")) {
    ++files;
    const std::string text = read_file(e.path().string());
    for (const char* v : phi)
      EXPECT_EQ(text.find(v), std::string::npos) << v << " found in " << e.path();
  }
  EXPECT_GE(files, 5);
  // The database pages too (WAL checkpointed at close).
  for (const char* f : {"/ward.db", "/ward.db-wal"}) {
    if (!file_exists(tmp.path() + f)) continue;
    const std::string text = read_file(tmp.path() + f);
    for (const char* v : phi) EXPECT_EQ(text.find(v), std::string::npos) << v << " found in " << f;
  }
  // ...while the hl7 log still links messages of the same patient by a keyed hash.
  std::map<std::string, int> per_hash;
  for (const auto& r : read_log(tmp.path() + "/logs", "hl7"))
    if (r.contains("patient_id_hash")) ++per_hash[r["patient_id_hash"].get<std::string>()];
  EXPECT_EQ(per_hash.size(), 3u);  // three invented patients
}

TEST(DemoCapture, ProtocolLogsDescribeTheWard) {
  TempDir tmp;
  const auto report = run_on(demo_capture(), tmp, demo_policy());
  const auto hl7 = read_log(tmp.path() + "/logs", "hl7");
  std::map<std::string, int> types;
  for (const auto& r : hl7) ++types[r["msg_type"].get<std::string>()];
  EXPECT_EQ(types["RGV^O15^RGV_O15"], 8);   // 4 orders, 3 forwarded, 1 rogue
  EXPECT_EQ(types["ORU^R01^ORU_R01"], 14);  // 12 from the pumps, 2 from the monitors
  EXPECT_EQ(types["ORU^R42^ORU_R01"], 3);
  const auto mqtt = read_log(tmp.path() + "/logs", "mqtt");
  int publishes_ok = 0;
  std::set<std::string> clients;
  for (const auto& r : mqtt) {
    if (r["msg_type"] == "connect") clients.insert(r["client_id"].get<std::string>());
    if (r["msg_type"] == "publish" && r["status"] == "ok") ++publishes_ok;
  }
  EXPECT_EQ(clients, (std::set<std::string>{"cogmon-31", "ws-nurse-50", "scanner"}));
  EXPECT_GE(publishes_ok, 13);
  const auto conns = read_log(tmp.path() + "/logs", "conn");
  int tcp_sf = 0;
  std::map<std::string, int> services;
  for (const auto& c : conns) {
    if (c["proto"] == "tcp" && c["conn_state"] == "SF") ++tcp_sf;
    if (c.contains("service")) ++services[c["service"].get<std::string>()];
  }
  EXPECT_EQ(services["hl7"], 10);  // 8 pump/order connections, 2 monitor reports
  EXPECT_EQ(services["mqtt"], 3);
  EXPECT_EQ(services["rtsp"], 2);  // the recorder asks both cameras for OPTIONS
  // 3 pumps and 2 monitors take a lease: all clients send from 0.0.0.0:68 to the broadcast
  // address (one flow), the server answers 10.10.0.1:67 -> broadcast (another).
  EXPECT_EQ(services["dhcp"], 2);
  EXPECT_EQ(tcp_sf, 15);
  EXPECT_EQ(report.services.at("hl7"), 10u);
  EXPECT_GE(report.devices, 16u);
}

TEST(DemoCapture, TheDeviceLogIdentifiesPumpsMonitorsAndCameras) {
  TempDir tmp;
  const auto report = run_on(demo_capture(), tmp, demo_policy());
  const auto devices = read_log(tmp.path() + "/logs", "device");
  EXPECT_EQ(devices.size(), report.devices);
  std::map<std::string, std::string> by_ip;  // first IP -> "class vendor model version"
  for (const auto& d : devices) {
    if (d["ips"].empty()) continue;
    std::string id = d["class"].get<std::string>();
    for (const char* k : {"vendor", "model", "version"})
      id += " " + (d.contains(k) ? d[k].get<std::string>() : std::string("-"));
    by_ip[d["ips"][0].get<std::string>()] = id;
  }
  EXPECT_EQ(by_ip["10.10.2.21"], "infusion_pump BD Alaris PC Unit 8015 9.33.1");
  EXPECT_EQ(by_ip["10.10.2.23"], "infusion_pump BD Alaris PC Unit 8015 9.33.1");
  EXPECT_EQ(by_ip["10.10.1.5"], "pump_server BD Alaris Systems Manager 4.33.0");
  EXPECT_EQ(by_ip["10.10.5.41"], "patient_monitor Philips IntelliVue MX800 M.00.03");
  EXPECT_EQ(by_ip["10.10.6.61"], "camera Axis Communications P3245-LVE 10.12.165");
  EXPECT_EQ(by_ip["10.10.6.62"], "camera Axis Communications Q6135-LE 9.80.3.8");
  EXPECT_EQ(by_ip["10.10.3.31"].substr(0, 17), "cognitive_monitor");
}

TEST(DemoCapture, TheDatabaseHoldsTheSameAlertsAsTheLog) {
  TempDir tmp;
  const std::string db = tmp.path() + "/ward.db";
  (void)run_on(demo_capture(), tmp, demo_policy(), db);
  const auto alerts = read_log(tmp.path() + "/logs", "alert");
  sqlite3* h = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &h), SQLITE_OK);
  auto count = [h](const char* sql) {
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(h, sql, -1, &st, nullptr);
    std::int64_t n = -1;
    if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
  };
  EXPECT_EQ(count("SELECT count(*) FROM alerts"), static_cast<std::int64_t>(alerts.size()));
  EXPECT_EQ(count("SELECT count(*) FROM alerts WHERE rule='ward.infusion.hard_limit' AND "
                  "severity='critical'"),
            2);
  EXPECT_GE(count("SELECT count(*) FROM devices"), 16);
  EXPECT_EQ(count("SELECT count(*) FROM devices WHERE class='infusion_pump' AND vendor='BD' AND "
                  "version='9.33.1' AND device_id LIKE 'mac:9c:c8:ae:%'"),
            3);
  EXPECT_GE(count("SELECT count(*) FROM device_attributes WHERE attribute='version' AND "
                  "source='hl7.sft.version' AND raw='9.33.1'"),
            3);
  EXPECT_EQ(
      count(
          "SELECT count(*) FROM devices WHERE ip='10.10.1.10' AND roles LIKE '%pump programmer%'"),
      1);
  EXPECT_EQ(count("SELECT sum(conns) FROM flows WHERE service='hl7'"), 10);
  EXPECT_EQ(count("SELECT count(*) FROM runs WHERE status='ok'"), 1);
  sqlite3_close(h);
}

TEST(DemoCapture, TheSameSeedGivesByteIdenticalLogs) {
  TempDir a;
  TempDir b;
  (void)run_on(demo_capture(), a, demo_policy());
  fs::copy_file(a.path() + "/phi.key", b.path() + "/phi.key");  // same installation key
  (void)run_on(demo_capture(), b, demo_policy());
  for (const char* log : {"conn", "hl7", "mqtt", "alert", "anomaly", "device"}) {
    const std::string x = read_file(a.path() + "/logs/" + log + ".jsonl");
    EXPECT_FALSE(x.empty()) << log;
    EXPECT_EQ(x, read_file(b.path() + "/logs/" + log + ".jsonl")) << log;
  }
}

TEST(ProtocolDetection, MqttAndMllpAreRecognisedByContentOnAnyPort) {
  using decode::testing::bytes_of;
  using decode::testing::ip;
  TempDir tmp;
  // MQTT 3.1.1 CONNECT "any-port-client" / CONNACK on port 5555; an HL7 ADT in MLLP framing
  // and its ACK on port 40404. Neither port is registered for either protocol.
  const std::string cid = "any-port-client";
  std::string connect = std::string("\x10") + static_cast<char>(12 + cid.size()) +
                        std::string("\x00\x04MQTT\x04\x02\x00\x3c\x00", 11) +
                        static_cast<char>(cid.size()) + cid;
  auto records = decode::testing::tcp_conversation(
      ip("10.1.0.1"), 50000, ip("10.1.0.2"), 5555,
      {bytes_of(connect), bytes_of(std::string("\x20\x02\x00\x00", 4))});
  const std::string adt =
      "\x0bMSH|^~\\&|LAB|CLINIC|EHR|CLINIC|20261129120000||ADT^A01|M1|P|2.5\rEVN|A01\r\x1c\r";
  const std::string ackm =
      "\x0bMSH|^~\\&|EHR|CLINIC|LAB|CLINIC|20261129120001||ACK|A1|P|2.5\rMSA|AA|M1\r\x1c\r";
  auto hl7 =
      decode::testing::tcp_conversation(ip("10.1.0.3"), 50001, ip("10.1.0.4"), 40404,
                                        {bytes_of(adt), bytes_of(ackm)}, 1'700'000'100'000'000);
  records.insert(records.end(), hl7.begin(), hl7.end());
  const std::string pcap = decode::testing::write_pcap(tmp.path() + "/any-port.pcap", 1, records);
  (void)run_on(pcap, tmp);
  const auto mqtt = read_log(tmp.path() + "/logs", "mqtt");
  ASSERT_EQ(mqtt.size(), 1u);
  EXPECT_EQ(mqtt[0]["client_id"], cid);
  EXPECT_EQ(mqtt[0]["id.resp_p"], 5555);
  const auto hl7_log = read_log(tmp.path() + "/logs", "hl7");
  ASSERT_EQ(hl7_log.size(), 2u);
  EXPECT_EQ(hl7_log[0]["msg_type"], "ADT^A01");
  EXPECT_EQ(hl7_log[1]["ack_code"], "AA");
  std::map<int, std::string> service_by_port;
  for (const auto& c : read_log(tmp.path() + "/logs", "conn"))
    service_by_port[c["id.resp_p"].get<int>()] = c.value("service", "");
  EXPECT_EQ(service_by_port[5555], "mqtt");
  EXPECT_EQ(service_by_port[40404], "hl7");
}

TEST(CorruptCapture, ReportsWhereItBrokeAndKeepsEverythingBefore) {
  TempDir tmp;
  const std::string cut = tmp.path() + "/cut.pcap";
  fs::copy_file(demo_capture(), cut);
  fs::resize_file(cut, fs::file_size(cut) / 2 + 7);  // ends inside a packet
  const auto report = run_on(cut, tmp, demo_policy());
  ASSERT_FALSE(report.input_error.ok());
  const std::string msg = report.input_error.message();
  EXPECT_NE(msg.find("cut.pcap: packet "), std::string::npos) << msg;
  EXPECT_NE(msg.find(" at byte offset "), std::string::npos) << msg;
  EXPECT_GT(report.packets, 50u);
  EXPECT_FALSE(read_log(tmp.path() + "/logs", "conn").empty());
  EXPECT_FALSE(read_log(tmp.path() + "/logs", "hl7").empty());
  EXPECT_FALSE(read_log(tmp.path() + "/logs", "alert").empty());
}

}  // namespace
}  // namespace ward::testing
