#include "e2e/tshark.h"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <sstream>

namespace ward::testing {
namespace {

// Single-quotes `s` for the shell.
std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

struct PipeCloser {
  void operator()(FILE* f) const { pclose(f); }
};

}  // namespace

bool tshark_available() { return std::system("command -v tshark >/dev/null 2>&1") == 0; }

std::vector<std::vector<std::string>> tshark_fields(const std::string& capture,
                                                    const std::string& filter,
                                                    const std::vector<std::string>& fields,
                                                    const std::vector<std::string>& decode_as) {
  std::string cmd = "tshark -n -r " + quote(capture) +
                    " -T fields -E separator=/t -E occurrence=a -E aggregator=,";
  if (!filter.empty()) cmd += " -Y " + quote(filter);
  for (const std::string& d : decode_as) cmd += " -d " + quote(d);
  for (const std::string& f : fields) cmd += " -e " + quote(f);
  cmd += " 2>/dev/null";
  std::vector<std::vector<std::string>> rows;
  std::unique_ptr<FILE, PipeCloser> pipe(popen(cmd.c_str(), "r"));
  if (!pipe) return rows;
  std::string line;
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), static_cast<int>(buf.size()), pipe.get()) != nullptr) {
    line += buf.data();
    if (line.empty() || line.back() != '\n') continue;  // a longer line: read on
    line.pop_back();
    std::vector<std::string> row;
    std::stringstream ss(line);
    for (std::string cell; std::getline(ss, cell, '\t');) row.push_back(cell);
    row.resize(fields.size());
    rows.push_back(std::move(row));
    line.clear();
  }
  return rows;
}

}  // namespace ward::testing
