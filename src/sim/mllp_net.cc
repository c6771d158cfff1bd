#include "sim/mllp_net.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstring>

namespace ward::sim {

std::atomic<bool> g_stop{false};

namespace {
void on_signal(int) { g_stop.store(true); }

bool to_sockaddr(const Endpoint& e, sockaddr_in& sa) {
  std::memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons(e.port);
  return inet_pton(AF_INET, e.host.c_str(), &sa.sin_addr) == 1;
}

bool valid_host_name(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  std::size_t label = 0;
  char prev = '.';
  for (const char c : name) {
    if (c == '.') {
      if (label == 0 || prev == '-') return false;
      label = 0;
    } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-') {
      if (c == '-' && label == 0) return false;
      if (++label > 63) return false;
    } else {
      return false;
    }
    prev = c;
  }
  return prev != '-';
}

// The endpoint's IPv4 address: the literal, else the first A record the resolver returns.
bool resolve(const Endpoint& e, sockaddr_in& sa, std::string& error) {
  if (to_sockaddr(e, sa)) return true;
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  const int rc = ::getaddrinfo(e.host.c_str(), nullptr, &hints, &res);
  if (rc != 0 || res == nullptr) {
    error = "cannot resolve " + e.host + ": " + ::gai_strerror(rc);
    return false;
  }
  std::memcpy(&sa.sin_addr, &reinterpret_cast<const sockaddr_in*>(res->ai_addr)->sin_addr,
              sizeof sa.sin_addr);
  ::freeaddrinfo(res);
  return true;
}
}  // namespace

void install_stop_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

std::optional<Endpoint> parse_endpoint(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  Endpoint e;
  e.host = std::string(text.substr(0, colon));
  unsigned port = 0;
  const auto digits = text.substr(colon + 1);
  const auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (ec != std::errc() || p != digits.data() + digits.size() || port == 0 || port > 65535)
    return std::nullopt;
  e.port = static_cast<std::uint16_t>(port);
  sockaddr_in sa{};
  if (!to_sockaddr(e, sa) && !valid_host_name(e.host)) return std::nullopt;
  return e;
}

Socket& Socket::operator=(Socket&& o) noexcept {
  if (this != &o) {
    close();
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}
Socket::~Socket() { close(); }
void Socket::close() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Socket connect_to(const Endpoint& to, int timeout_ms, std::string& error) {
  sockaddr_in sa{};
  if (!resolve(to, sa, error)) return {};
  Socket s(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!s.valid()) {
    error = std::strerror(errno);
    return {};
  }
  int one = 1;
  setsockopt(s.fd(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (::connect(s.fd(), reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0 &&
      errno != EINPROGRESS) {
    error = std::strerror(errno);
    return {};
  }
  pollfd p{s.fd(), POLLOUT, 0};
  if (::poll(&p, 1, timeout_ms) != 1) {
    error = "connect timeout";
    return {};
  }
  int err = 0;
  socklen_t len = sizeof err;
  getsockopt(s.fd(), SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) {
    error = std::strerror(err);
    return {};
  }
  return s;
}

Socket listen_on(std::string_view bind_ip, std::uint16_t port, std::string& error) {
  Socket s(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!s.valid()) {
    error = std::strerror(errno);
    return {};
  }
  int one = 1;
  setsockopt(s.fd(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in sa{};
  if (!to_sockaddr(Endpoint{bind_ip.empty() ? "0.0.0.0" : std::string(bind_ip), port}, sa)) {
    error = "bad bind address";
    return {};
  }
  if (::bind(s.fd(), reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0 ||
      ::listen(s.fd(), 16) != 0) {
    error = std::strerror(errno);
    return {};
  }
  return s;
}

Socket accept_within(const Socket& listener, int timeout_ms, std::string* peer) {
  pollfd p{listener.fd(), POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) != 1) return {};
  sockaddr_in sa{};
  socklen_t len = sizeof sa;
  Socket c(::accept4(listener.fd(), reinterpret_cast<sockaddr*>(&sa), &len,
                     SOCK_NONBLOCK | SOCK_CLOEXEC));
  if (c.valid() && peer != nullptr) {
    char text[INET_ADDRSTRLEN] = {};
    inet_ntop(AF_INET, &sa.sin_addr, text, sizeof text);
    *peer = text;
  }
  return c;
}

bool send_mllp(const Socket& s, std::string_view message, int timeout_ms) {
  std::string frame;
  frame.reserve(message.size() + 3);
  frame += '\x0b';
  frame += message;
  frame += "\x1c\x0d";
  std::size_t off = 0;
  while (off < frame.size()) {
    pollfd p{s.fd(), POLLOUT, 0};
    if (::poll(&p, 1, timeout_ms) != 1) return false;
    const ssize_t n = ::send(s.fd(), frame.data() + off, frame.size() - off, MSG_NOSIGNAL);
    if (n <= 0) {
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      return false;
    }
    off += static_cast<std::size_t>(n);
  }
  return true;
}

bool MllpReader::feed(std::string_view bytes) {
  buf_.append(bytes);
  return buf_.size() <= kMaxMessageBytes + 3 || buf_.find('\x1c') != std::string::npos;
}

std::optional<std::string> MllpReader::next() {
  const auto start = buf_.find('\x0b');
  if (start == std::string::npos) {
    buf_.clear();  // bytes outside a frame are dropped
    return std::nullopt;
  }
  const auto end = buf_.find("\x1c\x0d", start + 1);
  if (end == std::string::npos) {
    buf_.erase(0, start);
    return std::nullopt;
  }
  std::string msg = buf_.substr(start + 1, end - start - 1);
  buf_.erase(0, end + 2);
  return msg;
}

MllpReader::Status MllpReader::read(const Socket& s, int timeout_ms, std::string& message) {
  for (int waited = 0; waited <= timeout_ms && !g_stop.load(); waited += 100) {
    if (auto m = next()) {
      message = std::move(*m);
      return Status::kMessage;
    }
    pollfd p{s.fd(), POLLIN, 0};
    const int r = ::poll(&p, 1, 100);
    if (r < 0 && errno != EINTR) return Status::kError;
    if (r != 1) continue;
    char chunk[4096];
    const ssize_t n = ::recv(s.fd(), chunk, sizeof chunk, 0);
    if (n == 0) return Status::kClosed;
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      return Status::kError;
    }
    if (!feed(std::string_view(chunk, static_cast<std::size_t>(n)))) return Status::kError;
  }
  if (auto m = next()) {
    message = std::move(*m);
    return Status::kMessage;
  }
  return Status::kTimeout;
}

}  // namespace ward::sim
