#include "e2e/test_util.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace ward::testing {

namespace fs = std::filesystem;

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  path_ = (fs::temp_directory_path() /
           ("ward-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++)))
              .string();
  fs::remove_all(path_);
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::vector<nlohmann::json> read_log(const std::string& dir, const std::string& log) {
  std::vector<nlohmann::json> out;
  std::ifstream in(dir + "/" + log + ".jsonl");
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    auto j = nlohmann::json::parse(line, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << log << ".jsonl line " << n << " is not JSON: " << line;
    EXPECT_TRUE(j.is_object()) << log << ".jsonl line " << n;
    out.push_back(std::move(j));
  }
  return out;
}

engine::MonitorReport run_on(const std::string& capture, const TempDir& tmp,
                             const std::string& policy, const std::string& db) {
  engine::MonitorOptions o;
  o.read_path = capture;
  o.policy_path = policy;
  o.out_dir = tmp.path() + "/logs";
  o.db_path = db;
  o.phi_key_path = tmp.path() + "/phi.key";
  o.uid_seed = 1;
  auto r = engine::run_monitor(o);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
  return r.ok() ? *r : engine::MonitorReport{};
}

std::vector<ZeekRow> read_zeek_log(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> fields;
  std::vector<ZeekRow> rows;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("#fields\t", 0) == 0) {
      std::stringstream ss(line.substr(8));
      for (std::string f; std::getline(ss, f, '\t');) fields.push_back(f);
      continue;
    }
    if (line.empty() || line[0] == '#') continue;
    std::stringstream ss(line);
    ZeekRow r;
    std::size_t i = 0;
    for (std::string v; std::getline(ss, v, '\t') && i < fields.size(); ++i) r[fields[i]] = v;
    rows.push_back(r);
  }
  return rows;
}

std::string source_dir() { return WARD_SOURCE_DIR; }
std::string shared_data_dir() { return WARD_SHARED_DATA_DIR; }
bool file_exists(const std::string& path) { return fs::exists(path); }

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace ward::testing
