// Helpers for end-to-end tests: run the monitor into a fresh temporary folder and read its
// JSON Lines logs back.
#pragma once

#include <nlohmann/json.hpp>
#include <map>
#include <string>
#include <vector>

#include "engine/monitor.h"

namespace ward::testing {

// A temporary folder removed when the object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Every record of <dir>/<log>.jsonl (empty if the file does not exist). Fails the test on a
// line that is not a JSON object.
std::vector<nlohmann::json> read_log(const std::string& dir, const std::string& log);

// Runs the monitor on `capture` with logs in <tmp>/logs, uid seed 1 and the given policy.
engine::MonitorReport run_on(const std::string& capture, const TempDir& tmp,
                             const std::string& policy = "", const std::string& db = "");

// A Zeek TSV log (btest baseline): one map per row, keyed by the #fields header.
using ZeekRow = std::map<std::string, std::string>;
std::vector<ZeekRow> read_zeek_log(const std::string& path);

std::string source_dir();       // the repository
std::string shared_data_dir();  // ../shared/data
bool file_exists(const std::string& path);
std::string read_file(const std::string& path);

}  // namespace ward::testing
