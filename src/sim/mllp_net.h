// Blocking-with-timeout TCP and MLLP framing for the simulated devices. Every call is bounded
// in time (poll) and every buffer in size; nothing here throws.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ward::sim {

// Set by SIGTERM/SIGINT (install_stop_handlers); every loop checks it.
extern std::atomic<bool> g_stop;
void install_stop_handlers();

// The largest MLLP message a device accepts; longer input drops the connection.
inline constexpr std::size_t kMaxMessageBytes = 256 * 1024;

struct Endpoint {
  std::string host;  // dotted IPv4, or a DNS host name resolved (IPv4) at each connect
  std::uint16_t port = 0;
};
// "10.10.1.5:3000" or "pumpsrv.ward.internal:3000" -> Endpoint; nullopt when malformed (a
// host that is neither dotted IPv4 nor a valid host name: RFC 1123 labels of letters, digits
// and '-', at most 63 characters each and 253 in all).
std::optional<Endpoint> parse_endpoint(std::string_view text);

// A TCP connection closed on destruction.
class Socket {
 public:
  Socket() = default;
  explicit Socket(int fd) noexcept : fd_(fd) {}
  Socket(Socket&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Socket& operator=(Socket&& o) noexcept;
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket();
  [[nodiscard]] int fd() const noexcept { return fd_; }
  [[nodiscard]] bool valid() const noexcept { return fd_ >= 0; }
  void close() noexcept;

 private:
  int fd_ = -1;
};

// Resolves a host name (getaddrinfo, so the system resolver: /etc/hosts, then DNS; bounded by
// resolv.conf's timeout and attempts), then connects within timeout_ms; an invalid Socket on
// failure (the reason in `error`).
Socket connect_to(const Endpoint& to, int timeout_ms, std::string& error);
// Listens on bind_ip:port (bind_ip empty = any address).
Socket listen_on(std::string_view bind_ip, std::uint16_t port, std::string& error);
// Accepts one connection if one arrives within timeout_ms; the peer address in `peer`.
Socket accept_within(const Socket& listener, int timeout_ms, std::string* peer = nullptr);

// Sends <VT> message <FS><CR>; false on error or when not done within timeout_ms.
bool send_mllp(const Socket& s, std::string_view message, int timeout_ms);

// Reads MLLP frames from one connection, keeping the partial tail between calls.
class MllpReader {
 public:
  enum class Status { kMessage, kTimeout, kClosed, kError };
  // Waits up to timeout_ms for one complete message (returned in `message`, unframed).
  Status read(const Socket& s, int timeout_ms, std::string& message);
  // Non-blocking: feeds bytes already read (used by poll loops); then next() pops messages.
  bool feed(std::string_view bytes);  // false when a frame exceeds kMaxMessageBytes
  std::optional<std::string> next();

 private:
  std::string buf_;
};

}  // namespace ward::sim
