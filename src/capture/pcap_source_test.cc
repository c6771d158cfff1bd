#include "capture/packet_source.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "decode/testing/frame_builder.h"

namespace ward::capture {
namespace {

namespace fs = std::filesystem;
using decode::testing::Bytes;

class PcapSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ward-capture-test-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const char* name) const { return (dir_ / name).string(); }

  static std::vector<decode::testing::PcapRecord> three_packets() {
    std::vector<decode::testing::PcapRecord> recs;
    for (int i = 0; i < 3; ++i) recs.push_back({1'700'000'000'000'000 + i * 1000, Bytes(60, static_cast<std::uint8_t>(i))});
    return recs;
  }

  fs::path dir_;
};

TEST_F(PcapSourceTest, ReadsEveryPacketWithItsTimeAndLengths) {
  const auto file = decode::testing::write_pcap(path("ok.pcap"), 1, three_packets());
  auto src = open_file(file);
  ASSERT_TRUE(src.ok()) << src.error().to_string();
  EXPECT_EQ((*src)->link_type(), 1);
  RawPacket p;
  for (int i = 0; i < 3; ++i) {
    auto r = (*src)->next(p);
    ASSERT_TRUE(r.ok());
    ASSERT_TRUE(*r);
    EXPECT_EQ(p.number, static_cast<std::uint64_t>(i + 1));
    EXPECT_EQ(p.ts, (1'700'000'000'000'000LL + i * 1000) * 1000);
    EXPECT_EQ(p.caplen, 60u);
    EXPECT_EQ(p.data[0], i);
  }
  auto end = (*src)->next(p);
  ASSERT_TRUE(end.ok());
  EXPECT_FALSE(*end);
  EXPECT_EQ((*src)->stats().packets, 3u);
}

TEST_F(PcapSourceTest, ATruncatedFileNamesThePacketNumberAndByteOffset) {
  const auto file = decode::testing::write_pcap(path("trunc.pcap"), 1, three_packets());
  fs::resize_file(file, 24 + 2 * (16 + 60) + 16 + 10);  // third packet cut after 10 data bytes
  auto src = open_file(file);
  ASSERT_TRUE(src.ok());
  RawPacket p;
  ASSERT_TRUE(*(*src)->next(p));
  ASSERT_TRUE(*(*src)->next(p));
  auto r = (*src)->next(p);
  ASSERT_FALSE(r.ok());
  const std::string msg = r.error().message();
  EXPECT_NE(msg.find("trunc.pcap"), std::string::npos) << msg;
  EXPECT_NE(msg.find("packet 3"), std::string::npos) << msg;
  EXPECT_NE(msg.find("byte offset 176"), std::string::npos) << msg;  // 24 + 2 * 76
  EXPECT_EQ(r.error().code(), StatusCode::kCorrupt);
}

TEST_F(PcapSourceTest, ACorruptRecordLengthIsAnErrorNotAHugeRead) {
  auto recs = three_packets();
  const auto file = decode::testing::write_pcap(path("bad.pcap"), 1, recs);
  {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(24 + 16 + 60 + 8);  // caplen of packet 2
    const char huge[4] = {'\xff', '\xff', '\xff', '\x7f'};
    f.write(huge, 4);
  }
  auto src = open_file(file);
  ASSERT_TRUE(src.ok());
  RawPacket p;
  ASSERT_TRUE(*(*src)->next(p));
  auto r = (*src)->next(p);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("packet 2 at byte offset 100"), std::string::npos) << r.error().message();
}

TEST_F(PcapSourceTest, NotACaptureFileIsReportedWithItsPath) {
  const std::string file = path("junk.pcap");
  std::ofstream(file) << "this is not a capture";
  auto src = open_file(file);
  ASSERT_FALSE(src.ok());
  EXPECT_NE(src.error().message().find("junk.pcap"), std::string::npos);
  auto missing = open_file(path("does-not-exist.pcap"));
  ASSERT_FALSE(missing.ok());
}

TEST_F(PcapSourceTest, ReadsPcapngFiles) {
  // A real pcapng capture from the tcpdump test suite (../shared/data/SOURCES.md).
  const std::string file = std::string(WARD_SHARED_DATA_DIR) + "/pcap/tcpdump/dhcp-option-108.pcapng";
  if (!fs::exists(file)) GTEST_SKIP() << "shared test data not present: " << file;
  auto src = open_file(file);
  ASSERT_TRUE(src.ok()) << src.error().to_string();
  RawPacket p;
  int n = 0;
  while (true) {
    auto r = (*src)->next(p);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    if (!*r) break;
    ++n;
  }
  EXPECT_GT(n, 0);
  EXPECT_EQ((*src)->link_type(), 1);
}

TEST_F(PcapSourceTest, ABadCaptureFilterIsRejected) {
  const auto file = decode::testing::write_pcap(path("f.pcap"), 1, three_packets());
  auto src = open_file(file, "tcp port");
  ASSERT_FALSE(src.ok());
  EXPECT_NE(src.error().message().find("bad capture filter"), std::string::npos);
}

TEST_F(PcapSourceTest, OpeningAnInterfaceThatDoesNotExistFailsClearly) {
  auto src = open_live({.interface = "ward-no-such-if0"});
  ASSERT_FALSE(src.ok());
  EXPECT_NE(src.error().message().find("ward-no-such-if0"), std::string::npos);
}

}  // namespace
}  // namespace ward::capture
