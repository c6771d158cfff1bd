// Shared helpers of the HTTP golden tests: run the monitor on a capture and read the `http`
// log; read Zeek TSV baselines with or without a "#fields" header (btest-diff "cut" files
// start with a plain header line); map Ward's JSON values onto Zeek's text notation.
#pragma once

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "e2e/test_util.h"

namespace ward::testing::http_golden {

using Row = std::map<std::string, std::string>;

inline std::vector<Row> read_tsv(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> fields;
  std::vector<Row> rows;
  const auto split = [](const std::string& s) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    for (std::string f; std::getline(ss, f, '\t');) out.push_back(f);
    return out;
  };
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("#fields\t", 0) == 0) {
      fields = split(line.substr(8));
      continue;
    }
    if (line.empty() || line[0] == '#') continue;
    if (fields.empty()) {  // a cut file: the first line names the columns
      fields = split(line);
      continue;
    }
    Row r;
    const auto values = split(line);
    for (std::size_t i = 0; i < fields.size() && i < values.size(); ++i) r[fields[i]] = values[i];
    rows.push_back(r);
  }
  return rows;
}

// Zeek's notation for a Ward JSON value: absent "-", empty "(empty)", numbers as text.
inline std::string zeek_value(const nlohmann::json& record, const std::string& key) {
  if (!record.contains(key) || record[key].is_null()) return "-";
  const auto& j = record[key];
  if (j.is_number()) return j.dump();
  if (j.is_boolean()) return j.get<bool>() ? "T" : "F";
  if (j.is_array()) {
    std::string out;
    for (const auto& e : j)
      out += (out.empty() ? "" : ",") + (e.is_string() ? e.get<std::string>() : e.dump());
    return out.empty() ? "(empty)" : out;
  }
  const std::string s = j.get<std::string>();
  return s.empty() ? "(empty)" : s;
}

inline std::vector<nlohmann::json> http_records(const std::string& capture) {
  TempDir tmp;
  (void)run_on(capture, tmp);
  return read_log(tmp.path() + "/logs", "http");
}

}  // namespace ward::testing::http_golden
