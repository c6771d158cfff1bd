// Byte views and the bounds-checked reader that every decoder and parser uses for wire data.
// A ByteView never owns its bytes: its lifetime is that of the buffer it points into (for
// parser input, only the duration of the on_data call). ByteReader is a cursor over one view;
// it is not thread-safe and cheap to copy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace ward {

using ByteView = std::span<const std::uint8_t>;

// Views the same bytes as characters (for text protocols). No copy.
inline std::string_view as_chars(ByteView b) noexcept {
  // The one sanctioned reinterpretation: uint8_t and char have the same size and alignment.
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): see above; char may alias.
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}
inline ByteView as_bytes(std::string_view s) noexcept {
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): the inverse of as_chars().
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// Reads integers and sub-views from a ByteView, never past its end. Every read returns
// std::nullopt (and leaves the cursor where it was) when fewer bytes remain than requested.
class ByteReader {
 public:
  explicit ByteReader(ByteView data) noexcept : data_(data) {}

  [[nodiscard]] std::size_t remaining() const noexcept { return data_.size() - pos_; }
  [[nodiscard]] std::size_t position() const noexcept { return pos_; }
  [[nodiscard]] bool empty() const noexcept { return remaining() == 0; }
  // The unread bytes.
  [[nodiscard]] ByteView rest() const noexcept { return data_.subspan(pos_); }

  std::optional<std::uint8_t> u8() noexcept {
    if (remaining() < 1) return std::nullopt;
    return data_[pos_++];
  }
  std::optional<std::uint8_t> peek_u8(std::size_t ahead = 0) const noexcept {
    if (remaining() <= ahead) return std::nullopt;
    return data_[pos_ + ahead];
  }
  std::optional<std::uint16_t> u16be() noexcept { return read_be<std::uint16_t, 2>(); }
  std::optional<std::uint32_t> u24be() noexcept { return read_be<std::uint32_t, 3>(); }
  std::optional<std::uint32_t> u32be() noexcept { return read_be<std::uint32_t, 4>(); }
  std::optional<std::uint64_t> u64be() noexcept { return read_be<std::uint64_t, 8>(); }
  std::optional<std::uint16_t> u16le() noexcept { return read_le<std::uint16_t, 2>(); }
  std::optional<std::uint32_t> u32le() noexcept { return read_le<std::uint32_t, 4>(); }

  // The next `n` bytes as a view into the same buffer.
  std::optional<ByteView> bytes(std::size_t n) noexcept {
    if (remaining() < n) return std::nullopt;
    ByteView v = data_.subspan(pos_, n);
    pos_ += n;
    return v;
  }
  // Returns true iff `n` bytes were skipped.
  bool skip(std::size_t n) noexcept {
    if (remaining() < n) return false;
    pos_ += n;
    return true;
  }

 private:
  template <typename T, std::size_t N>
  std::optional<T> read_be() noexcept {
    if (remaining() < N) return std::nullopt;
    T v = 0;
    for (std::size_t i = 0; i < N; ++i) v = static_cast<T>((v << 8) | data_[pos_ + i]);
    pos_ += N;
    return v;
  }
  template <typename T, std::size_t N>
  std::optional<T> read_le() noexcept {
    if (remaining() < N) return std::nullopt;
    T v = 0;
    for (std::size_t i = 0; i < N; ++i)
      v = static_cast<T>(v | (static_cast<T>(data_[pos_ + i]) << (8 * i)));
    pos_ += N;
    return v;
  }

  ByteView data_;
  std::size_t pos_ = 0;
};

// Big-endian loads from a view that the caller has already length-checked.
// REQUIRES: b.size() >= offset + sizeof(result).
inline std::uint16_t load_u16be(ByteView b, std::size_t offset) noexcept {
  return static_cast<std::uint16_t>((b[offset] << 8) | b[offset + 1]);
}
inline std::uint32_t load_u32be(ByteView b, std::size_t offset) noexcept {
  return (std::uint32_t{b[offset]} << 24) | (std::uint32_t{b[offset + 1]} << 16) |
         (std::uint32_t{b[offset + 2]} << 8) | std::uint32_t{b[offset + 3]};
}

}  // namespace ward
