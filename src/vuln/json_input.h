// Reading untrusted JSON documents from files, shared by the CSAF and CycloneDX loaders: a
// size-bounded file read, a depth-bounded parse (nlohmann::json's exceptions become a LoadError
// here, at the boundary, STYLE.md section 3), and the sorted list of *.json files under a
// directory. Every error names the file.
#pragma once

#include <cstddef>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "vuln/csaf.h"  // LoadError

namespace ward::vuln {

// `text` parsed, or an error if it is larger than `max_bytes`, not JSON, or nested deeper than
// `max_depth`.
Result<nlohmann::json, LoadError> parse_bounded_json(std::string_view text, std::string_view file,
                                                     std::size_t max_bytes, int max_depth);

// The whole file, or an error if it cannot be read or is larger than `max_bytes`.
Result<std::string, LoadError> read_bounded_file(const std::filesystem::path& path,
                                                 std::size_t max_bytes);

// The regular *.json files under `dir` (recursively, at most 100,000), sorted. A directory that
// cannot be listed adds an error to `errors`.
std::vector<std::filesystem::path> list_json_files(const std::filesystem::path& dir,
                                                   std::vector<LoadError>& errors);

}  // namespace ward::vuln
