#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "detect/alert.h"
#include "flow/flow_events.h"
#include "storage/jsonl_sink.h"
#include "storage/sqlite_store.h"

namespace ward::storage {
namespace {

namespace fs = std::filesystem;

class StorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ward-storage-test-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs `sql` and returns the first column of every row, joined by '|'.
  static std::string query(const std::string& db_path, const char* sql) {
    sqlite3* db = nullptr;
    sqlite3_open(db_path.c_str(), &db);
    std::string out;
    sqlite3_exec(
        db, sql,
        [](void* o, int n, char** vals, char**) {
          auto* s = static_cast<std::string*>(o);
          for (int i = 0; i < n; ++i)
            *s += std::string(s->empty() || i > 0 ? "" : "|") + (i > 0 ? "," : "") +
                  (vals[i] ? vals[i] : "NULL");
          return 0;
        },
        &out, nullptr);
    sqlite3_close(db);
    return out;
  }

  fs::path dir_;
};

std::vector<std::string> read_lines(const fs::path& p) {
  std::ifstream in(p);
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

TEST_F(StorageTest, JsonlFilesAreCreatedPerLogKindAndHoldOneLinePerRecord) {
  auto sink = JsonlSink::open((dir_ / "logs").string());
  ASSERT_TRUE(sink.ok());
  (*sink)->write("conn", R"({"a":1})");
  (*sink)->write("mqtt", R"({"b":2})");
  (*sink)->write("conn", R"({"a":3})");
  ASSERT_TRUE((*sink)->close().ok());
  EXPECT_EQ(read_lines(dir_ / "logs" / "conn.jsonl"),
            (std::vector<std::string>{R"({"a":1})", R"({"a":3})"}));
  EXPECT_EQ(read_lines(dir_ / "logs" / "mqtt.jsonl"), (std::vector<std::string>{R"({"b":2})"}));
  EXPECT_FALSE(fs::exists(dir_ / "logs" / "hl7.jsonl"));
  EXPECT_EQ((*sink)->files().at("conn").lines, 2u);
}

TEST_F(StorageTest, AWriteFailureIsReportedWithThePath) {
  std::ofstream(dir_ / "a-file") << "x";
  auto sink =
      JsonlSink::open((dir_ / "a-file" / "logs").string());  // a file where a folder must go
  ASSERT_FALSE(sink.ok());
  EXPECT_NE(sink.error().message().find("cannot create log directory"), std::string::npos);
  if (fs::exists("/dev/full")) {
    auto s = JsonlSink::open(dir_.string());
    ASSERT_TRUE(s.ok());
    fs::create_symlink("/dev/full", dir_ / "conn.jsonl");
    for (int i = 0; i < 10000; ++i) (*s)->write("conn", std::string(200, 'x'));
    const Status st = (*s)->close();
    EXPECT_FALSE(st.ok());
    EXPECT_NE(st.message().find("conn.jsonl"), std::string::npos) << st.message();
  }
}

TEST_F(StorageTest, SqliteKeepsAlertsFlowsDevicesAndTheRunInWalMode) {
  const std::string db = (dir_ / "ward.db").string();
  {
    auto store = SqliteStore::open(db, "test.pcap");
    ASSERT_TRUE(store.ok()) << store.error().to_string();
    bus::EventContext ctx;
    ctx.uid = "Cabc";
    ctx.ts = 1'700'000'000 * kNsPerSec;
    IpAddr::parse("10.0.0.1", ctx.orig_h);
    IpAddr::parse("10.0.0.2", ctx.resp_h);
    ctx.resp_p = 2575;
    ctx.proto = bus::Transport::kTcp;
    ctx.service = "hl7";
    detect::AlertEvent a;
    a.alert_id = "A0000000000000001";
    a.rule = "ward.infusion.hard_limit";
    a.severity = detect::Severity::kCritical;
    a.technique = detect::techniques::kModifyParameter;
    a.summary = "too much";
    a.evidence.emplace_back("value", "4000");
    (*store)->on_event(ctx, a);
    (*store)->on_event(ctx, a);  // the same alert twice: one row
    flow::ConnRecord c;
    c.orig_bytes = 100;
    c.resp_bytes = 20;
    c.orig_pkts = 3;
    c.resp_pkts = 2;
    (*store)->on_event(ctx, c);
    (*store)->on_event(ctx, c);
    inventory::Device d;
    d.ips.emplace_back();
    IpAddr::parse("10.0.0.1", d.ips.back());
    d.id = "ip:10.0.0.1";
    d.first_seen = ctx.ts;
    d.last_seen = ctx.ts + kNsPerSec;
    d.flows = 2;
    d.roles = {"hl7 sender", "pump programmer"};
    inventory::Evidence ev{"hl7.sft.product", "", "Alaris PC Unit 8015", ctx.ts, ctx.ts, 85, 3};
    d.attributes["model"].values.push_back({"Alaris PC Unit 8015", {ev}});
    ev = {"hl7.sft.product", "bd-alaris-pc-unit", "Alaris PC Unit 8015", ctx.ts, ctx.ts, 90, 3};
    d.attributes["class"].values.push_back({"infusion_pump", {ev}});
    std::vector<inventory::Device> devices{d};
    RunInfo run{"test.pcap", 10, 1000, ctx.ts, ctx.ts + kNsPerSec, "ok"};
    ASSERT_TRUE((*store)->finish(devices, run).ok());
  }
  EXPECT_EQ(query(db, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(query(db, "SELECT count(*) FROM alerts"), "1");
  EXPECT_EQ(query(db, "SELECT rule, severity, technique, evidence FROM alerts"),
            R"(ward.infusion.hard_limit,critical,T0836,{"value":"4000"})");
  EXPECT_EQ(query(db, "SELECT orig_h, resp_p, service, conns, orig_bytes, resp_pkts FROM flows"),
            "10.0.0.1,2575,hl7,2,200,4");
  EXPECT_EQ(query(db, "SELECT ip, roles, flows FROM devices"),
            "10.0.0.1,hl7 sender,pump programmer,2");
  EXPECT_EQ(query(db, "SELECT device_id, class, class_confidence, model FROM devices"),
            "ip:10.0.0.1,infusion_pump,90,Alaris PC Unit 8015");
  EXPECT_EQ(query(db,
                  "SELECT attribute, value, source, rule, confidence, count FROM "
                  "device_attributes ORDER BY attribute"),
            "class,infusion_pump,hl7.sft.product,bd-alaris-pc-unit,90,3|"
            "model,Alaris PC Unit 8015,hl7.sft.product,,85,3");
  EXPECT_EQ(query(db, "SELECT source, packets, status FROM runs"), "test.pcap,10,ok");
}

TEST_F(StorageTest, ASecondRunAddsARunAndMergesDevices) {
  const std::string db = (dir_ / "ward.db").string();
  for (int run = 0; run < 2; ++run) {
    auto store = SqliteStore::open(db, "r" + std::to_string(run));
    ASSERT_TRUE(store.ok());
    inventory::Device d;
    d.ips.emplace_back();
    IpAddr::parse("10.0.0.9", d.ips.back());
    d.id = "ip:10.0.0.9";
    d.first_seen = (100 + run) * kNsPerSec;
    d.last_seen = (200 + run) * kNsPerSec;
    d.flows = 1;
    ASSERT_TRUE((*store)->finish({d}, RunInfo{"r", 0, 0, 0, 0, "ok"}).ok());
  }
  EXPECT_EQ(query(db, "SELECT count(*) FROM runs"), "2");
  EXPECT_EQ(query(db, "SELECT first_seen, last_seen, flows FROM devices"), "100.0,201.0,2");
}

TEST_F(StorageTest, ASchema1DevicesTableIsKeptAsDevicesV1) {
  const std::string db = (dir_ / "old.db").string();
  {
    sqlite3* h = nullptr;
    ASSERT_EQ(sqlite3_open(db.c_str(), &h), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(h,
                           "CREATE TABLE devices (ip TEXT PRIMARY KEY, mac TEXT, first_seen REAL "
                           "NOT NULL, last_seen REAL NOT NULL, flows INTEGER NOT NULL, bytes "
                           "INTEGER NOT NULL, services_offered TEXT, services_used TEXT, roles "
                           "TEXT, names TEXT, device_ids TEXT);"
                           "INSERT INTO devices VALUES ('10.0.0.7','',1,2,3,4,'','','','','');",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(h);
  }
  auto store = SqliteStore::open(db, "r");
  ASSERT_TRUE(store.ok()) << store.error().message();
  inventory::Device d;
  d.id = "mac:00:09:5c:01:02:03";
  d.mac = MacAddr{{0x00, 0x09, 0x5c, 1, 2, 3}};
  ASSERT_TRUE((*store)->finish({d}, RunInfo{"r", 0, 0, 0, 0, "ok"}).ok());
  store->reset();
  EXPECT_EQ(query(db, "SELECT ip, flows FROM devices_v1"), "10.0.0.7,3");
  EXPECT_EQ(query(db, "SELECT device_id, mac, class FROM devices"),
            "mac:00:09:5c:01:02:03,00:09:5c:01:02:03,unknown");
}

TEST_F(StorageTest, AnUnopenableDatabaseIsAClearError) {
  auto store = SqliteStore::open((dir_ / "no" / "such" / "dir" / "ward.db").string(), "x");
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().message().find("cannot open database"), std::string::npos);
}

}  // namespace
}  // namespace ward::storage
