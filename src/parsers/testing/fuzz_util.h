// One fuzz driver for every StreamParser (after zeek/zeek:src/fuzzers/FuzzBuffer.h).
// The fuzz input is a sequence of chunks: [flags:1][length:2 BE][bytes:length]; flags bit 0 is
// the direction (0 to server, 1 to client), bit 1 asks for a gap of `length` bytes instead of
// data. A final short chunk takes what is left. Each chunk is copied into its own heap
// allocation so ASan catches reads past it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "bus/bus.h"
#include "parsers/parser.h"

namespace ward::parsers::testing {

// If `observer` is given, every event the parser emits is passed to it (with a fixed
// context), so a log writer can be fuzzed together with its parser.
void fuzz_stream_parser(const ParserFactory& factory, const std::uint8_t* data, std::size_t size,
                        bus::Subscriber* observer = nullptr);

// The same for a DatagramParser: every data chunk is one datagram (in its own heap
// allocation); gap chunks are ignored. Then the flow ends.
void fuzz_datagram_parser(const ParserFactory& factory, const std::uint8_t* data, std::size_t size,
                          bus::Subscriber* observer = nullptr);

}  // namespace ward::parsers::testing
