// Fuzz target for the capture-file reader: the input is a whole pcap/pcapng file, read from
// memory; every packet is decoded, so malformed files exercise the reader and the decoder.
#include <cstdio>

#include "capture/packet_source.h"
#include "decode/decoder.h"

// NOLINTNEXTLINE(readability-identifier-naming): the entry point name libFuzzer calls.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ward;
  if (size == 0) return 0;
  // fmemopen needs a mutable buffer of its own.
  std::vector<std::uint8_t> copy(data, data + size);
  FILE* f = fmemopen(copy.data(), copy.size(), "rb");
  if (f == nullptr) return 0;
  auto src = capture::open_stream(f, "fuzz");
  if (!src.ok()) return 0;
  decode::Decoder decoder(
      decode::Limits{.max_fragment_bytes = 1 << 16, .max_fragment_datagrams = 64},
      [](std::string_view, const decode::Packet&) {});
  capture::RawPacket raw;
  decode::Packet p;
  // Bounded: libpcap consumes at least one record header per packet.
  for (int i = 0; i < 100000; ++i) {
    auto r = (*src)->next(raw);
    if (!r.ok() || !*r) break;
    (void)decoder.decode((*src)->link_type(), raw.ts, raw.wirelen, raw.data, p);
  }
  return 0;
}
