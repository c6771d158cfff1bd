// Packet sources: capture files (pcap, pcapng) and live interfaces, both through libpcap,
// behind one interface. A source hands out one packet at a time; the bytes are valid until
// the next call. Not thread-safe; request_stop() alone may be called from a signal handler.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "common/bytes.h"
#include "common/net.h"
#include "common/result.h"

namespace ward::capture {

// Capture timestamps are accepted within this distance of the epoch (2^62 ns, about 146 years:
// 1823 to 2116, which covers the signed and the unsigned reading of classic pcap's 32-bit
// seconds). The difference of two of them therefore always fits in a TimeNs, which the decoder,
// the flow table and the report rely on. A record outside the range is a corrupt file.
inline constexpr TimeNs kMaxAbsCaptureTimeNs = TimeNs{1} << 62;

struct RawPacket {
  TimeNs ts = 0;              // within ±kMaxAbsCaptureTimeNs
  std::uint32_t caplen = 0;   // bytes captured (data.size())
  std::uint32_t wirelen = 0;  // bytes on the wire
  ByteView data;
  std::uint64_t number = 0;  // 1-based index in the source
};

struct SourceStats {
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;           // captured bytes
  std::uint64_t kernel_dropped = 0;  // live only (pcap_stats)
  std::uint64_t iface_dropped = 0;
};

class PacketSource {
 public:
  virtual ~PacketSource() = default;
  // Returns true and fills `out` with the next packet, false at the end of the input (or after
  // request_stop()), or an error that names the source, the packet number and, for files, the
  // byte offset where reading failed. A record whose timestamp is outside
  // ±kMaxAbsCaptureTimeNs is such an error.
  virtual Result<bool> next(RawPacket& out) = 0;
  // The libpcap DLT_* link type of every packet from this source.
  [[nodiscard]] virtual int link_type() const = 0;
  [[nodiscard]] virtual std::string describe() const = 0;
  [[nodiscard]] virtual SourceStats stats() const = 0;
  // Async-signal-safe: makes next() return false soon, also when it is blocked waiting for
  // packets on a quiet interface.
  void request_stop() noexcept {
    stop_.store(true, std::memory_order_relaxed);
    interrupt();
  }

 protected:
  // Wakes a blocked next(). Must be async-signal-safe.
  virtual void interrupt() noexcept {}
  [[nodiscard]] bool stop_requested() const noexcept {
    return stop_.load(std::memory_order_relaxed);
  }

 private:
  std::atomic<bool> stop_{false};
};

// Opens a pcap or pcapng file ("-" for standard input).
Result<std::unique_ptr<PacketSource>> open_file(const std::string& path,
                                                const std::string& bpf_filter = "");

// Reads a capture from an open stream (takes ownership of `f`); `name` is used in messages.
// For fuzzing and tests that build captures in memory (fmemopen).
Result<std::unique_ptr<PacketSource>> open_stream(FILE* f, const std::string& name);

struct LiveOptions {
  std::string interface;
  std::string bpf_filter;
  int snaplen = 65535;
  bool promiscuous = true;
  int buffer_mib = 64;
};
Result<std::unique_ptr<PacketSource>> open_live(const LiveOptions& options);

}  // namespace ward::capture
