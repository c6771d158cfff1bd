#include "storage/jsonl_sink.h"

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace ward::storage {

namespace {
constexpr std::size_t kBufferBytes = 1 << 16;  // larger buffers fall out of the cache (see capture/pcap_source.cc)
}

Result<std::unique_ptr<JsonlSink>> JsonlSink::open(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return unexpected(io_error(dir + ": cannot create log directory: " + ec.message()));
  return std::unique_ptr<JsonlSink>(new JsonlSink(dir));
}

JsonlSink::~JsonlSink() { (void)close(); }

void JsonlSink::write(std::string_view log_name, std::string_view json_line) {
  auto it = files_.find(log_name);
  if (it == files_.end()) {
    File file;
    file.path = dir_ + "/" + std::string(log_name) + ".jsonl";
    file.f = std::fopen(file.path.c_str(), "w");
    if (file.f == nullptr) {
      if (error_.ok()) error_ = io_error(file.path + ": cannot create: " + std::strerror(errno));
      return;
    }
    file.buffer = std::make_unique<char[]>(kBufferBytes);
    std::setvbuf(file.f, file.buffer.get(), _IOFBF, kBufferBytes);
    it = files_.emplace(std::string(log_name), std::move(file)).first;
  }
  File& f = it->second;
  if (f.f == nullptr) return;
  if (std::fwrite(json_line.data(), 1, json_line.size(), f.f) != json_line.size() ||
      std::fputc('\n', f.f) == EOF) {
    if (error_.ok()) error_ = io_error(f.path + ": write failed: " + std::strerror(errno));
    return;
  }
  ++f.lines;
}

Status JsonlSink::flush() {
  for (auto& [name, f] : files_) {
    if (f.f != nullptr && std::fflush(f.f) != 0 && error_.ok())
      error_ = io_error(f.path + ": write failed: " + std::strerror(errno));
  }
  return error_;
}

Status JsonlSink::close() {
  for (auto& [name, f] : files_) {
    if (f.f == nullptr) continue;
    if (std::fclose(f.f) != 0 && error_.ok())
      error_ = io_error(f.path + ": write failed: " + std::strerror(errno));
    f.f = nullptr;
  }
  return error_;
}

std::map<std::string, JsonlSink::FileInfo, std::less<>> JsonlSink::files() const {
  std::map<std::string, FileInfo, std::less<>> out;
  for (const auto& [name, f] : files_) out[name] = {f.path, f.lines};
  return out;
}

}  // namespace ward::storage
