#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "capture/packet_source.h"
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
    recs.reserve(3);
    for (int i = 0; i < 3; ++i) {
      recs.push_back({1'700'000'000'000'000 + std::int64_t{i} * 1000,
                      Bytes(60, static_cast<std::uint8_t>(i))});
    }
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
    EXPECT_EQ(p.ts, (1'700'000'000'000'000LL + std::int64_t{i} * 1000) * 1000);
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

// Captures are often archived gzip-compressed (".pcap.gz"): read through zlib, whatever the
// name, with the same packets; a cut archive is a truncated capture, named with the packet
// number and the offset in the decompressed capture.
std::string gzip_file(const std::string& from, const std::string& to, std::size_t keep = 0) {
  std::ifstream in(from, std::ios::binary);
  const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  gzFile gz = gzopen(to.c_str(), "wb");
  EXPECT_NE(gz, nullptr);
  EXPECT_EQ(gzwrite(gz, data.data(), static_cast<unsigned>(data.size())),
            static_cast<int>(data.size()));
  gzclose(gz);
  if (keep != 0) fs::resize_file(to, keep);
  return to;
}

TEST_F(PcapSourceTest, ReadsGzipCompressedCaptures) {
  const auto plain = decode::testing::write_pcap(path("plain.pcap"), 1, three_packets());
  auto src = open_file(gzip_file(plain, path("ok.pcap.gz")));
  ASSERT_TRUE(src.ok()) << src.error().to_string();
  EXPECT_EQ((*src)->link_type(), 1);
  RawPacket p;
  for (int i = 0; i < 3; ++i) {
    auto r = (*src)->next(p);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    ASSERT_TRUE(*r);
    EXPECT_EQ(p.ts, (1'700'000'000'000'000LL + std::int64_t{i} * 1000) * 1000);
    EXPECT_EQ(p.data[0], i);
  }
  EXPECT_FALSE(*(*src)->next(p));

  // A cut archive: the packets before the cut, then an error naming where.
  auto cut = open_file(gzip_file(plain, path("cut.pcap.gz"), 40));
  ASSERT_TRUE(cut.ok()) << cut.error().to_string();
  bool failed = false;
  std::uint64_t read = 0;
  for (int i = 0; i < 4 && !failed; ++i) {
    auto r = (*cut)->next(p);
    if (!r.ok()) {
      failed = true;
      EXPECT_NE(r.error().message().find("cut.pcap.gz: packet "), std::string::npos)
          << r.error().message();
      EXPECT_NE(r.error().message().find("byte offset"), std::string::npos);
    } else if (!*r) {
      break;
    } else {
      ++read;
    }
  }
  EXPECT_TRUE(failed) << "a cut archive must not read as a complete capture";
  EXPECT_LT(read, 3u);

  // Not a capture inside: named as such.
  std::ofstream(path("text")) << "hello, not a capture\n";
  auto text = open_file(gzip_file(path("text"), path("text.gz")));
  ASSERT_FALSE(text.ok());
  EXPECT_NE(text.error().message().find("text.gz: cannot read capture"), std::string::npos)
      << text.error().message();
}

TEST_F(PcapSourceTest, ACorruptRecordLengthIsAnErrorNotAHugeRead) {
  auto recs = three_packets();
  const auto file = decode::testing::write_pcap(path("bad.pcap"), 1, recs);
  {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(24 + 16 + 60 + 8);  // caplen of packet 2
    const std::array<char, 4> huge = {'\xff', '\xff', '\xff', '\x7f'};
    f.write(huge.data(), huge.size());
  }
  auto src = open_file(file);
  ASSERT_TRUE(src.ok());
  RawPacket p;
  ASSERT_TRUE(*(*src)->next(p));
  auto r = (*src)->next(p);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("packet 2 at byte offset 100"), std::string::npos)
      << r.error().message();
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
  const std::string file =
      std::string(WARD_SHARED_DATA_DIR) + "/pcap/tcpdump/dhcp-option-108.pcapng";
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

Bytes le(std::uint64_t v, int n) {
  Bytes b;
  for (int i = 0; i < n; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  return b;
}

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes b;
  for (const Bytes& p : parts) b.insert(b.end(), p.begin(), p.end());
  return b;
}

// pcapng (draft-ietf-opsawg-pcapng §3.1), little-endian: type, total length, body, total length.
Bytes pcapng_block(std::uint32_t type, const Bytes& body) {
  const Bytes total = le(12 + body.size(), 4);
  return cat({le(type, 4), total, body, total});
}

// A pcapng file whose interface counts time in whole seconds (if_tsresol = 10^0), with one
// Ethernet packet at each of `seconds`. For {1'700'000'000, 2^40} these are the bytes of
// corpus/pcapng_seconds_timestamp_overflows_ns.pcapng.
Bytes pcapng_with_seconds_resolution(const std::vector<std::uint64_t>& seconds) {
  // Section header: byte-order magic, version 1.0, section length unknown (-1).
  Bytes file = pcapng_block(0x0A0D0D0A, cat({le(0x1A2B3C4D, 4), le(1, 2), le(0, 2), le(~0ULL, 8)}));
  // Interface description: LINKTYPE_ETHERNET, reserved, snaplen 0; if_tsresol (option 9,
  // length 1) = 0, padded to 32 bits; opt_endofopt.
  file = cat({file, pcapng_block(1, cat({le(1, 2), le(0, 2), le(0, 4), le(9, 2), le(1, 2), le(0, 4),
                                         le(0, 4)}))});
  /* dst 02:00:00:00:00:02, src 02:00:00:00:00:01, ethertype 0x88b5 (local experimental) */
  const Bytes frame{0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x88, 0xb5};
  for (const std::uint64_t s : seconds) {
    // Enhanced packet: interface 0, timestamp high and low, captured and original length,
    // the frame padded to 32 bits.
    file = cat({file, pcapng_block(6, cat({le(0, 4), le(s >> 32, 4), le(s, 4), le(frame.size(), 4),
                                           le(frame.size(), 4), frame, le(0, 2)}))});
  }
  return file;
}

void write_file(const std::string& path, const Bytes& b) {
  FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr) << path;
  EXPECT_EQ(std::fwrite(b.data(), 1, b.size(), f), b.size());
  std::fclose(f);
}

TEST_F(PcapSourceTest, ATimestampBeyondTheNanosecondRangeIsAnErrorNotAnOverflow) {
  // Found by pcap_file_fuzz: 2^40 s times 10^9 does not fit in int64 nanoseconds.
  const std::string file = path("seconds.pcapng");
  write_file(file, pcapng_with_seconds_resolution({1'700'000'000, std::uint64_t{1} << 40}));
  auto src = open_file(file);
  ASSERT_TRUE(src.ok()) << src.error().to_string();
  RawPacket p;
  auto first = (*src)->next(p);
  ASSERT_TRUE(first.ok()) << first.error().to_string();
  ASSERT_TRUE(*first);
  EXPECT_EQ(p.ts, 1'700'000'000 * kNsPerSec);
  auto second = (*src)->next(p);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code(), StatusCode::kCorrupt);
  const std::string msg = second.error().message();
  EXPECT_NE(msg.find("packet 2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("timestamp out of range"), std::string::npos) << msg;
  EXPECT_EQ((*src)->stats().packets, 1u);
}

TEST_F(PcapSourceTest, TimestampsUpToTheDocumentedBoundAreAcceptedAndNoFurther) {
  // kMaxAbsCaptureTimeNs = 2^62 ns = 4'611'686'018.427... s (the year 2116).
  const std::string file = path("bound.pcapng");
  write_file(file, pcapng_with_seconds_resolution({4'611'686'018, 4'611'686'019}));
  auto src = open_file(file);
  ASSERT_TRUE(src.ok()) << src.error().to_string();
  RawPacket p;
  auto first = (*src)->next(p);
  ASSERT_TRUE(first.ok()) << first.error().to_string();
  EXPECT_EQ(p.ts, 4'611'686'018 * kNsPerSec);
  EXPECT_LE(p.ts, kMaxAbsCaptureTimeNs);
  auto second = (*src)->next(p);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message().find("timestamp out of range"), std::string::npos);
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
