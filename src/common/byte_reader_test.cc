#include <gtest/gtest.h>

#include <array>

#include "common/bytes.h"

namespace ward {
namespace {

TEST(ByteReader, ReadsBigAndLittleEndianIntegersInOrder) {
  const std::array<std::uint8_t, 9> b{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09};
  ByteReader r{ByteView(b)};
  EXPECT_EQ(r.u8(), 0x01);
  EXPECT_EQ(r.u16be(), 0x0203);
  EXPECT_EQ(r.u16le(), 0x0504);
  EXPECT_EQ(r.u32be(), 0x06070809u);
  EXPECT_TRUE(r.empty());
}

TEST(ByteReader, ShortReadFailsAndLeavesTheCursorWhereItWas) {
  const std::array<std::uint8_t, 3> b{0xaa, 0xbb, 0xcc};
  ByteReader r{ByteView(b)};
  ASSERT_TRUE(r.skip(1));
  EXPECT_FALSE(r.u32be().has_value());
  EXPECT_FALSE(r.bytes(3).has_value());
  EXPECT_FALSE(r.skip(3));
  EXPECT_EQ(r.position(), 1u);
  EXPECT_EQ(r.u16be(), 0xbbcc);
  EXPECT_FALSE(r.u8().has_value());
}

TEST(ByteReader, BytesReturnsAViewIntoTheSameBuffer) {
  const std::array<std::uint8_t, 4> b{'M', 'Q', 'T', 'T'};
  ByteReader r{ByteView(b)};
  auto v = r.bytes(4);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->data(), b.data());
  EXPECT_EQ(as_chars(*v), "MQTT");
}

TEST(ByteReader, PeekDoesNotAdvance) {
  const std::array<std::uint8_t, 2> b{0x10, 0x20};
  ByteReader r{ByteView(b)};
  EXPECT_EQ(r.peek_u8(1), 0x20);
  EXPECT_FALSE(r.peek_u8(2).has_value());
  EXPECT_EQ(r.u8(), 0x10);
}

}  // namespace
}  // namespace ward
