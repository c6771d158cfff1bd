// Golden test against Zeek's own MQTT baselines for ../shared/data/pcap/zeek/traces/mqtt.pcap
// (Zeek's btest scripts.base.protocols.mqtt.*: mqtt_connect.log, mqtt_publish.log,
// mqtt_subscribe.log, and the payload-cap variant). Ward's `mqtt` log records are compared
// field by field with the rows of Zeek's TSV logs, as multisets (the two tools write records
// at different moments, so their order differs). uids and timestamps are not compared: Zeek's
// baselines mask timestamps and Zeek's uids are random.
// Intended differences: Zeek's `action` is the enum "MQTT::SUBSCRIBE", Ward writes
// "subscribe"; Zeek logs one granted QoS (granted_qos_level), Ward the list of all.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <map>
#include <sstream>

#include "e2e/test_util.h"

namespace ward::testing {
namespace {

using Row = ZeekRow;

std::string zeek_value(const nlohmann::json& j) {
  if (j.is_null()) return "-";
  if (j.is_boolean()) return j.get<bool>() ? "T" : "F";
  if (j.is_number()) return j.dump();
  if (j.is_array()) {
    std::string out;
    for (const auto& e : j) out += (out.empty() ? "" : ",") + zeek_value(e);
    return out.empty() ? "(empty)" : out;
  }
  const std::string s = j.get<std::string>();
  return s.empty() ? "(empty)" : s;
}

// Projects Ward records of one msg_type onto Zeek's columns.
std::vector<Row> project(const std::vector<nlohmann::json>& records, const std::string& msg_type,
                         const std::vector<std::string>& columns) {
  std::vector<Row> out;
  for (const auto& r : records) {
    if (r["msg_type"] != msg_type) continue;
    Row row;
    for (const std::string& c : columns) {
      if (c == "action") {
        row[c] = msg_type == "subscribe" ? "MQTT::SUBSCRIBE" : "MQTT::UNSUBSCRIBE";
      } else if (c == "granted_qos_level") {
        row[c] = r.contains("granted_qos_levels") && !r["granted_qos_levels"].empty()
                     ? zeek_value(r["granted_qos_levels"][0])
                     : "-";
      } else {
        row[c] = r.contains(c) ? zeek_value(r[c]) : "-";
      }
    }
    out.push_back(row);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<Row> only(std::vector<Row> rows, const std::vector<std::string>& columns) {
  for (Row& r : rows) {
    Row keep;
    for (const std::string& c : columns) keep[c] = r[c];
    r = keep;
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

struct Case {
  const char* baseline_dir;
  const char* log;
  const char* msg_type;
  std::vector<std::string> columns;
};

class ZeekMqtt : public ::testing::TestWithParam<int> {};

constexpr std::array kIds = {"id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p"};

std::vector<std::string> with_ids(std::vector<std::string> v) {
  v.insert(v.begin(), kIds.begin(), kIds.end());
  return v;
}

TEST(ZeekMqtt, ConnectPublishAndSubscribeLogsMatchZeeksBaselines) {
  const std::string data = shared_data_dir() + "/pcap/zeek";
  if (!file_exists(data + "/traces/mqtt.pcap")) GTEST_SKIP() << "shared test data not present";
  TempDir tmp;
  (void)run_on(data + "/traces/mqtt.pcap", tmp);
  const auto ours = read_log(tmp.path() + "/logs", "mqtt");
  const std::string base = data + "/baselines/scripts.base.protocols.mqtt.mqtt/";
  const std::vector<Case> cases = {
      {"", "mqtt_connect.log", "connect",
       with_ids({"proto_name", "proto_version", "client_id", "connect_status", "will_topic",
                 "will_payload"})},
      {"", "mqtt_publish.log", "publish",
       with_ids({"from_client", "retain", "qos", "status", "topic", "payload", "payload_len"})},
      {"", "mqtt_subscribe.log", "subscribe",
       with_ids({"action", "topics", "qos_levels", "granted_qos_level", "ack"})},
  };
  int fields = 0;
  for (const Case& c : cases) {
    const auto zeek = only(read_zeek_log(base + c.log), c.columns);
    ASSERT_FALSE(zeek.empty()) << c.log;
    const auto ward = project(ours, c.msg_type, c.columns);
    EXPECT_EQ(ward, zeek) << c.log;
    fields += static_cast<int>(zeek.size() * c.columns.size());
  }
  std::printf("zeek mqtt: 3 logs, %d fields compared\n", fields);
}

TEST(ZeekMqtt, PayloadExcerptsAreCutLikeZeeksPayloadCap) {
  // Zeek's mqtt-payload-cap test sets MQTT::max_payload_size = 8.
  const std::string data = shared_data_dir() + "/pcap/zeek";
  if (!file_exists(data + "/traces/mqtt.pcap")) GTEST_SKIP() << "shared test data not present";
  TempDir tmp;
  engine::MonitorOptions o;
  o.read_path = data + "/traces/mqtt.pcap";
  o.out_dir = tmp.path() + "/logs";
  o.phi_key_path = tmp.path() + "/k";
  o.uid_seed = 1;
  o.payload_excerpt_bytes = 8;
  ASSERT_TRUE(engine::run_monitor(o).ok());
  const std::vector<std::string> cols =
      with_ids({"from_client", "topic", "payload", "payload_len"});
  const auto zeek =
      only(read_zeek_log(
               data + "/baselines/scripts.base.protocols.mqtt.mqtt-payload-cap/mqtt_publish.log"),
           cols);
  EXPECT_EQ(project(read_log(o.out_dir, "mqtt"), "publish", cols), zeek);
}

}  // namespace
}  // namespace ward::testing
