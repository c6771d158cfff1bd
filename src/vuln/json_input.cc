#include "vuln/json_input.h"

#include <algorithm>
#include <fstream>
#include <system_error>

namespace ward::vuln {

using nlohmann::json;

Result<json, LoadError> parse_bounded_json(std::string_view text, std::string_view file,
                                           std::size_t max_bytes, int max_depth) {
  if (text.size() > max_bytes)
    return unexpected(LoadError{std::string(file), "",
                                "document is " + std::to_string(text.size()) +
                                    " bytes, more than the limit of " + std::to_string(max_bytes)});
  bool too_deep = false;
  const json::parser_callback_t depth_guard =
      [&too_deep, max_depth](int depth, json::parse_event_t /*event*/, json& /*parsed*/) {
        if (depth > max_depth) {
          too_deep = true;
          return false;  // discard: nothing deeper is kept
        }
        return true;
      };
  json root;
  try {
    root = json::parse(text.begin(), text.end(), depth_guard, true, false);
  } catch (const json::parse_error& e) {
    return unexpected(
        LoadError{std::string(file), "",
                  "invalid JSON at byte " + std::to_string(e.byte) + ": " + std::string(e.what())});
  } catch (const json::exception& e) {
    return unexpected(LoadError{std::string(file), "", std::string("invalid JSON: ") + e.what()});
  }
  if (too_deep)
    return unexpected(LoadError{
        std::string(file), "", "JSON nested deeper than " + std::to_string(max_depth) + " levels"});
  return root;
}

Result<std::string, LoadError> read_bounded_file(const std::filesystem::path& path,
                                                 std::size_t max_bytes) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return unexpected(LoadError{path.string(), "", "cannot read: " + ec.message()});
  if (size > max_bytes)
    return unexpected(LoadError{path.string(), "",
                                "file is " + std::to_string(size) +
                                    " bytes, more than the limit of " + std::to_string(max_bytes)});
  std::ifstream f(path, std::ios::binary);
  if (!f) return unexpected(LoadError{path.string(), "", "cannot open"});
  std::string text(static_cast<std::size_t>(size), '\0');
  f.read(text.data(), static_cast<std::streamsize>(size));
  if (static_cast<std::size_t>(f.gcount()) != size)
    return unexpected(LoadError{path.string(), "", "short read"});
  return text;
}

std::vector<std::filesystem::path> list_json_files(const std::filesystem::path& dir,
                                                   std::vector<LoadError>& errors) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    errors.push_back({dir.string(), "", "not a directory"});
    return files;
  }
  constexpr std::size_t kMaxFiles = 100000;
  auto it = std::filesystem::recursive_directory_iterator(
      dir, std::filesystem::directory_options::skip_permission_denied, ec);
  for (; !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec) && it->path().extension() == ".json") files.push_back(it->path());
    if (files.size() >= kMaxFiles) break;
  }
  if (ec) errors.push_back({dir.string(), "", "cannot list: " + ec.message()});
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace ward::vuln
