// JSON Lines log files, one per log kind: <dir>/<name>.jsonl (conn.jsonl, mqtt.jsonl, ...).
// A file is created (truncated) the first time its log is written in a run. Writes are
// buffered; close() flushes everything and reports the first write error (disk full, ...).
// Not thread-safe.
#pragma once

#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bus/bus.h"
#include "common/result.h"

namespace ward::storage {

class JsonlSink final : public bus::LogSink {
 public:
  // Creates `dir` (and parents) if needed.
  static Result<std::unique_ptr<JsonlSink>> open(const std::string& dir);
  ~JsonlSink() override;
  JsonlSink(const JsonlSink&) = delete;
  JsonlSink& operator=(const JsonlSink&) = delete;
  JsonlSink(JsonlSink&&) = delete;
  JsonlSink& operator=(JsonlSink&&) = delete;

  void write(std::string_view log_name, std::string_view json_line) override;
  // Flushes buffered lines to the files (keeps them open).
  Status flush();
  Status close();

  struct FileInfo {
    std::string path;
    std::uint64_t lines = 0;
  };
  [[nodiscard]] std::map<std::string, FileInfo, std::less<>> files() const;

 private:
  explicit JsonlSink(std::string dir) : dir_(std::move(dir)) {}
  struct File {
    FILE* f = nullptr;
    std::string path;
    std::uint64_t lines = 0;
    std::unique_ptr<char[]> buffer;
  };
  std::string dir_;
  std::map<std::string, File, std::less<>> files_;
  Status error_;
};

}  // namespace ward::storage
