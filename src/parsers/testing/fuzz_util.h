// One fuzz driver for every parser (after zeek/zeek:src/fuzzers/FuzzBuffer.h).
// The fuzz input is a sequence of chunks: [flags:1][length:2 BE][bytes:length]; flags bit 0 is
// the direction (0 to server, 1 to client), bit 1 asks for a gap of `length` bytes instead of
// data. A final short chunk takes what is left. Each chunk is copied into its own heap
// allocation so ASan catches reads past it. Packet time advances 1 ms per chunk.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "bus/bus.h"
#include "common/bytes.h"
#include "parsers/parser.h"

namespace ward::parsers::testing {

// A LogSink that reads every byte of every line, so ASan checks what a log writer produced.
class TouchingLogSink final : public bus::LogSink {
 public:
  void write(std::string_view log_name, std::string_view line) override;

 private:
  unsigned sum_ = 0;
};

// If `observer` is given, every event the parser emits is passed to it (with a fixed
// context), so a log writer can be fuzzed together with its parser.
void fuzz_stream_parser(const ParserFactory& factory, const std::uint8_t* data, std::size_t size,
                        bus::Subscriber* observer = nullptr);

// Called with each datagram before the parser sees it (for probes and classifiers).
using DatagramHook = void (*)(Direction dir, ByteView datagram);

// The same for a DatagramParser: every data chunk is one datagram (in its own heap
// allocation); gap chunks are skipped. Then the flow ends.
void fuzz_datagram_parser(const ParserFactory& factory, const std::uint8_t* data, std::size_t size,
                          bus::Subscriber* observer = nullptr, DatagramHook before_each = nullptr);

}  // namespace ward::parsers::testing
