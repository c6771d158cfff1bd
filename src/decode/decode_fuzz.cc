// Fuzz target for the L2-L4 decoder: byte 0 picks the link type, the rest is a sequence of
// frames [len:2 BE][bytes], so fragment reassembly state carries across frames.
#include <cstddef>
#include <cstdint>
#include <memory>

#include "decode/decoder.h"

// NOLINTNEXTLINE(readability-identifier-naming): the entry point name libFuzzer calls.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ward;
  static constexpr int kLinks[] = {0, 1, 12, 101, 108, 113, 228, 229, 276};
  if (size < 1) return 0;
  const int link = kLinks[data[0] % (sizeof kLinks / sizeof kLinks[0])];
  decode::Decoder d(decode::Limits{.max_fragment_bytes = 1 << 16, .max_fragment_datagrams = 64},
                    [](std::string_view, const decode::Packet&) {});
  ByteReader in(ByteView(data + 1, size - 1));
  decode::Packet p;
  TimeNs ts = 0;
  while (!in.empty()) {
    std::size_t len = in.remaining();
    if (auto l = in.u16be()) len = std::min<std::size_t>(*l, in.remaining());
    auto frame = *in.bytes(len);
    auto copy = std::make_unique<std::uint8_t[]>(frame.size() + 1);
    std::copy(frame.begin(), frame.end(), copy.get());
    ts += kNsPerSec;
    if (d.decode(link, ts, static_cast<std::uint32_t>(frame.size()),
                 ByteView(copy.get(), frame.size()), p) == decode::DecodeResult::kOk) {
      // Read every byte of the payload view so ASan checks it.
      unsigned sum = 0;
      for (std::uint8_t b : p.payload) sum += b;
      (void)sum;
    }
  }
  return 0;
}
