// libpcap-backed sources. Offsets in error messages: for classic pcap files they are exact
// (24-byte file header + 16-byte record header + caplen per packet); for pcapng, whose blocks
// vary in size, the offset is where the reader stood when the error was found. A gzip-compressed
// capture is read through zlib; its offsets count bytes of the decompressed capture.
#include <pcap/pcap.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>

#include "capture/packet_source.h"

namespace ward::capture {
namespace {

struct PcapCloser {
  void operator()(pcap_t* p) const noexcept { pcap_close(p); }
};
using PcapPtr = std::unique_ptr<pcap_t, PcapCloser>;

Status apply_filter(pcap_t* p, const std::string& filter, const std::string& where) {
  if (filter.empty()) return {};
  bpf_program prog{};
  if (pcap_compile(p, &prog, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0)
    return invalid_argument(where + ": bad capture filter '" + filter + "': " + pcap_geterr(p));
  const int rc = pcap_setfilter(p, &prog);
  pcap_freecode(&prog);
  if (rc != 0) return invalid_argument(where + ": cannot set filter: " + pcap_geterr(p));
  return {};
}

// The timestamp in nanoseconds, or nullopt when it is outside ±kMaxAbsCaptureTimeNs. Both fields
// come from the file: a pcapng timestamp is 64 bits in units of the interface's if_tsresol
// (down to whole seconds) plus its if_tsoffset, so its seconds can exceed what nanoseconds hold;
// classic pcap's 32-bit fraction is not range-checked by libpcap either.
std::optional<TimeNs> to_ns(const timeval& tv, bool nano) {
  TimeNs sec_ns = 0;
  TimeNs frac_ns = 0;
  TimeNs ns = 0;
  if (__builtin_mul_overflow(tv.tv_sec, kNsPerSec, &sec_ns) ||
      __builtin_mul_overflow(tv.tv_usec, nano ? 1 : 1000, &frac_ns) ||
      __builtin_add_overflow(sec_ns, frac_ns, &ns)) {
    return std::nullopt;
  }
  if (ns < -kMaxAbsCaptureTimeNs || ns > kMaxAbsCaptureTimeNs) return std::nullopt;
  return ns;
}

class FileSource final : public PacketSource {
 public:
  // `buffer` (may be null) is the stdio buffer of the FILE that `p` reads: it must outlive it.
  FileSource(PcapPtr p, std::string path, bool is_pcapng, std::unique_ptr<char[]> buffer = nullptr)
      : buffer_(std::move(buffer)),
        pcap_(std::move(p)),
        path_(std::move(path)),
        pcapng_(is_pcapng),
        nano_(pcap_get_tstamp_precision(pcap_.get()) == PCAP_TSTAMP_PRECISION_NANO) {}

  Result<bool> next(RawPacket& out) override {
    if (stop_requested()) return false;
    pcap_pkthdr* hdr = nullptr;
    const u_char* data = nullptr;
    const int rc = pcap_next_ex(pcap_.get(), &hdr, &data);
    if (rc == 1) {
      const std::optional<TimeNs> ts = to_ns(hdr->ts, nano_);
      if (!ts) {
        return unexpected(corrupt(where() + ": timestamp out of range (" +
                                  std::to_string(hdr->ts.tv_sec) + " s + " +
                                  std::to_string(hdr->ts.tv_usec) + (nano_ ? " ns)" : " us)")));
      }
      ++stats_.packets;
      stats_.bytes += hdr->caplen;
      out.ts = *ts;
      out.caplen = hdr->caplen;
      out.wirelen = hdr->len;
      out.data = ByteView(data, hdr->caplen);
      out.number = stats_.packets;
      offset_ += 16 + std::uint64_t{hdr->caplen};
      return true;
    }
    if (rc == PCAP_ERROR_BREAK) return false;  // end of file
    return unexpected(corrupt(where() + ": " + pcap_geterr(pcap_.get())));
  }

  [[nodiscard]] int link_type() const override { return pcap_datalink(pcap_.get()); }
  [[nodiscard]] std::string describe() const override { return path_; }
  [[nodiscard]] SourceStats stats() const override { return stats_; }

 private:
  // Names the file, the number of the packet being read and where reading stopped.
  [[nodiscard]] std::string where() const {
    std::string w = path_ + ": packet " + std::to_string(stats_.packets + 1);
    if (pcapng_) {
      FILE* f = pcap_file(pcap_.get());
      const long pos = f != nullptr ? std::ftell(f) : -1;
      if (pos >= 0) w += " (reading stopped at byte offset " + std::to_string(pos) + ")";
    } else {
      w += " at byte offset " + std::to_string(offset_);
    }
    return w;
  }

  std::unique_ptr<char[]> buffer_;  // destroyed after pcap_ closes the FILE using it
  PcapPtr pcap_;
  std::string path_;
  bool pcapng_ = false;
  bool nano_ = false;
  std::uint64_t offset_ = 24;  // classic pcap: after the file header
  SourceStats stats_;
};

class LiveSource final : public PacketSource {
 public:
  LiveSource(PcapPtr p, std::string iface) : pcap_(std::move(p)), iface_(std::move(iface)) {}

  Result<bool> next(RawPacket& out) override {
    // Each pcap_next_ex returns within the 100 ms read timeout, so a stop request is seen soon.
    while (!stop_requested()) {
      pcap_pkthdr* hdr = nullptr;
      const u_char* data = nullptr;
      const int rc = pcap_next_ex(pcap_.get(), &hdr, &data);
      if (rc == 1) {
        const std::optional<TimeNs> ts = to_ns(hdr->ts, false);
        if (!ts) {
          return unexpected(io_error(iface_ + ": packet " + std::to_string(stats_.packets + 1) +
                                     ": timestamp out of range (" + std::to_string(hdr->ts.tv_sec) +
                                     " s)"));
        }
        ++stats_.packets;
        stats_.bytes += hdr->caplen;
        out.ts = *ts;
        out.caplen = hdr->caplen;
        out.wirelen = hdr->len;
        out.data = ByteView(data, hdr->caplen);
        out.number = stats_.packets;
        return true;
      }
      if (rc == 0) continue;                     // timeout
      if (rc == PCAP_ERROR_BREAK) return false;  // pcap_breakloop() from interrupt()
      return unexpected(io_error(iface_ + ": capture failed after packet " +
                                 std::to_string(stats_.packets) + ": " + pcap_geterr(pcap_.get())));
    }
    return false;
  }

  [[nodiscard]] int link_type() const override { return pcap_datalink(pcap_.get()); }
  [[nodiscard]] std::string describe() const override { return "interface " + iface_; }
  // pcap_breakloop() is documented as safe in a signal handler; on Linux it also wakes a
  // poll() that TPACKET_V3 would otherwise leave blocked while the interface is quiet.
  void interrupt() noexcept override { pcap_breakloop(pcap_.get()); }
  [[nodiscard]] SourceStats stats() const override {
    SourceStats s = stats_;
    pcap_stat ps{};
    if (pcap_stats(pcap_.get(), &ps) == 0) {
      s.kernel_dropped = ps.ps_drop;
      s.iface_dropped = ps.ps_ifdrop;
    }
    return s;
  }

 private:
  PcapPtr pcap_;
  std::string iface_;
  SourceStats stats_;
};

// The first 4 bytes of the file, and of its content when it is gzip-compressed (RFC 1952
// magic 1f 8b); false if there are fewer.
bool read_magic(const std::string& path, std::array<unsigned char, 4>& magic, bool& gzipped) {
  gzipped = false;
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return false;
  const bool ok = std::fread(magic.data(), 1, magic.size(), f) == magic.size();
  std::fclose(f);
  if (!ok || magic[0] != 0x1f || magic[1] != 0x8b) return ok;
  gzipped = true;
  gzFile gz = gzopen(path.c_str(), "rb");
  if (gz == nullptr) return false;
  const int n = gzread(gz, magic.data(), static_cast<unsigned>(magic.size()));
  gzclose(gz);
  return n == static_cast<int>(magic.size());
}

bool is_pcapng_magic(const std::array<unsigned char, 4>& m) {
  return m[0] == 0x0a && m[1] == 0x0d && m[2] == 0x0d && m[3] == 0x0a;
}

// A FILE whose reads inflate a gzip file, for libpcap (glibc fopencookie). A corrupt or cut
// stream reads as an error or an early end, which libpcap reports as a truncated capture.
ssize_t gz_read(void* cookie, char* buf, std::size_t size) {
  const int n = gzread(static_cast<gzFile>(cookie), buf,
                       static_cast<unsigned>(std::min<std::size_t>(size, INT_MAX)));
  return n < 0 ? -1 : n;
}
int gz_close(void* cookie) { return gzclose(static_cast<gzFile>(cookie)) == Z_OK ? 0 : EOF; }

FILE* open_gzip(const std::string& path) {
  gzFile gz = gzopen(path.c_str(), "rb");
  if (gz == nullptr) return nullptr;
  gzbuffer(gz, 1 << 16);
  const cookie_io_functions_t io{gz_read, nullptr, nullptr, gz_close};
  FILE* f = fopencookie(gz, "r", io);
  if (f == nullptr) gzclose(gz);
  return f;
}

}  // namespace

Result<std::unique_ptr<PacketSource>> open_file(const std::string& path,
                                                const std::string& bpf_filter) {
  std::array<char, PCAP_ERRBUF_SIZE> err{};
  pcap_t* raw = nullptr;
  std::unique_ptr<char[]> buffer;
  std::array<unsigned char, 4> magic{};
  bool gzipped = false;
  const bool have_magic = path != "-" && read_magic(path, magic, gzipped);
  if (path == "-") {
    raw = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO,
                                                  err.data());
  } else if (gzipped) {
    FILE* f = open_gzip(path);
    if (f == nullptr) {
      return unexpected(corrupt(path + ": cannot read gzip-compressed capture: " +
                                std::strerror(errno != 0 ? errno : EINVAL)));
    }
    raw = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, err.data());
    if (raw == nullptr) std::fclose(f);
  } else {
    // Our own FILE with a 64 KiB buffer: stdio's default 4 KiB costs a read() per few packets,
    // while buffers of 128 KiB and more fall out of the cache between the two copies (kernel to
    // buffer, buffer to libpcap). Measured on the benchmark capture: 4 KiB 0.91 s, 32 KiB 0.80 s,
    // 64 KiB 0.76 s, 128 KiB 1.15 s, 1 MiB 1.35 s (docs/performance.md).
    FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) {
      return unexpected(corrupt(path + ": cannot read capture: " + std::strerror(errno)));
    }
    constexpr std::size_t kReadBuffer = 1 << 16;
    buffer = std::make_unique<char[]>(kReadBuffer);
    std::setvbuf(f, buffer.get(), _IOFBF, kReadBuffer);
    // Nanosecond precision where the file has it; libpcap scales microsecond files.
    raw = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, err.data());
    if (raw == nullptr) std::fclose(f);
  }
  if (raw == nullptr) return unexpected(corrupt(path + ": cannot read capture: " + err.data()));
  PcapPtr p(raw);
  if (Status s = apply_filter(p.get(), bpf_filter, path); !s.ok()) return unexpected(s);
  return std::unique_ptr<PacketSource>(std::make_unique<FileSource>(
      std::move(p), path, have_magic && is_pcapng_magic(magic), std::move(buffer)));
}

Result<std::unique_ptr<PacketSource>> open_stream(FILE* f, const std::string& name) {
  std::array<char, PCAP_ERRBUF_SIZE> err{};
  pcap_t* raw = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, err.data());
  if (raw == nullptr) {
    std::fclose(f);
    return unexpected(corrupt(name + ": cannot read capture: " + err.data()));
  }
  // Offsets are reported as for classic pcap; good enough for in-memory captures.
  return std::unique_ptr<PacketSource>(std::make_unique<FileSource>(PcapPtr(raw), name, false));
}

Result<std::unique_ptr<PacketSource>> open_live(const LiveOptions& o) {
  std::array<char, PCAP_ERRBUF_SIZE> err{};
  pcap_t* raw = pcap_create(o.interface.c_str(), err.data());
  if (raw == nullptr) return unexpected(io_error(o.interface + ": " + err.data()));
  PcapPtr p(raw);
  pcap_set_snaplen(p.get(), o.snaplen);
  pcap_set_promisc(p.get(), o.promiscuous ? 1 : 0);
  pcap_set_timeout(p.get(), 100);
  pcap_set_buffer_size(p.get(), o.buffer_mib * 1024 * 1024);
  const int rc = pcap_activate(p.get());
  if (rc < 0) {
    return unexpected(
        io_error("cannot capture on " + o.interface + ": " + pcap_statustostr(rc) +
                 (rc == PCAP_ERROR ? std::string(" (") + pcap_geterr(p.get()) + ")" : "")));
  }
  if (Status s = apply_filter(p.get(), o.bpf_filter, o.interface); !s.ok()) return unexpected(s);
  return std::unique_ptr<PacketSource>(std::make_unique<LiveSource>(std::move(p), o.interface));
}

}  // namespace ward::capture
