// Streaming JSON writer for log records (one JSON object per line). Appends to a caller-owned
// std::string so a record can be built without intermediate allocations. Strings are written
// as UTF-8; bytes that are not valid UTF-8 are written as the four characters "\xHH", the way
// Zeek's JSON logs do, so binary payload excerpts stay readable and never break the line.
// Not thread-safe; one writer per record being built.
#pragma once

#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <type_traits>

#include "common/bytes.h"

namespace ward {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  // In an object: the next value's key. REQUIRES: `k` is printable ASCII without '"' or '\\'
  // (keys are field names from the code, never input), so it is written without escaping.
  JsonWriter& key(std::string_view k);

  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value_bytes(ByteView b);  // escaped as described above
  JsonWriter& value(bool b);
  JsonWriter& value(std::int64_t v);
  JsonWriter& value(std::uint64_t v);
  JsonWriter& value(int v) { return value(static_cast<std::int64_t>(v)); }
  JsonWriter& value(unsigned v) { return value(static_cast<std::uint64_t>(v)); }
  JsonWriter& value(double v);
  JsonWriter& null();
  // Writes `json` verbatim. REQUIRES: json is one valid JSON value.
  JsonWriter& raw(std::string_view json);

  template <typename T>
  JsonWriter& kv(std::string_view k, const T& v) {
    key(k);
    if constexpr (std::is_array_v<T>) {
      return value(std::string_view(std::data(v)));  // a string literal
    } else {
      return value(v);
    }
  }

  // Appends `s` to `out` as a JSON string body (no quotes), escaping as described above.
  static void escape_into(std::string& out, std::string_view s);

 private:
  void separate();

  std::string& out_;
  // One bit per nesting level (up to 64): whether the container already holds an element.
  std::uint64_t has_element_ = 0;
  int depth_ = 0;
  bool after_key_ = false;
};

}  // namespace ward
