// The baseline for throughput figures: the plainest libpcap loop over a capture file, touching
// every captured byte once (so the page cache and memory bandwidth cost the same as for Ward).
// Prints packets, bytes and seconds.
#include <pcap/pcap.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: pcap_read_loop FILE\n");
    return 2;
  }
  std::array<char, PCAP_ERRBUF_SIZE> err{};
  pcap_t* p = pcap_open_offline(argv[1], err.data());
  if (p == nullptr) {
    std::fprintf(stderr, "%s\n", err.data());
    return 1;
  }
  const auto t0 = std::chrono::steady_clock::now();
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
  std::uint64_t sum = 0;
  pcap_pkthdr* h = nullptr;
  const u_char* d = nullptr;
  while (pcap_next_ex(p, &h, &d) == 1) {
    ++packets;
    bytes += h->caplen;
    for (std::uint32_t i = 0; i < h->caplen; i += 64) sum += d[i];  // touch every cache line
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  pcap_close(p);
  std::printf("packets=%llu bytes=%llu seconds=%.3f checksum=%llu\n",
              static_cast<unsigned long long>(packets), static_cast<unsigned long long>(bytes), s,
              static_cast<unsigned long long>(sum));
  return 0;
}
