#include "targets/wire/wire.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace coordcheck::wire {
namespace {

using Clock = std::chrono::steady_clock;

// Milliseconds until `deadline` for poll(): -1 for "forever", rounded up so a poll never
// returns before the deadline.
int PollTimeoutMs(Deadline deadline) {
  if (deadline == Deadline::max()) return -1;
  auto left = deadline - Clock::now();
  if (left <= Clock::duration::zero()) return 0;
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
  return ms > 1'000'000'000 ? 1'000'000'000 : static_cast<int>(ms);
}

// Waits for `events` on fd. kOk when ready (or when poll reports an error condition, which
// the following read/write will turn into its own error).
IoResult WaitFor(int fd, short events, Deadline deadline) {
  while (true) {
    pollfd p{fd, events, 0};
    int timeout = PollTimeoutMs(deadline);
    int n = poll(&p, 1, timeout);
    if (n > 0) return {};
    if (n == 0) return {IoCode::kTimeout, "timed out"};
    if (errno == EINTR) continue;
    return {IoCode::kError, std::string("poll: ") + std::strerror(errno)};
  }
}

// host:port as a socket address; false when `host` is not a numeric IPv4 address.
bool Ipv4Address(const std::string& host, int port, sockaddr_in* addr) {
  *addr = sockaddr_in{};
  addr->sin_family = AF_INET;
  addr->sin_port = htons(static_cast<uint16_t>(port));
  return inet_pton(AF_INET, host.c_str(), &addr->sin_addr) == 1;
}

}  // namespace

bool ParseHostPort(std::string_view text, std::string* host, int* port) {
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) return false;
  std::string_view digits = text.substr(colon + 1);
  int value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size() || value < 1 || value > 65535)
    return false;
  *host = std::string(text.substr(0, colon));
  *port = value;
  return true;
}

std::string JoinHostPort(const std::string& host, int port) {
  return host + ":" + std::to_string(port);
}

Result<int> DialTcp(const std::string& host, int port, std::chrono::milliseconds timeout) {
  const std::string where = "connect " + JoinHostPort(host, port);
  sockaddr_in addr{};
  if (!Ipv4Address(host, port, &addr)) {
    return Result<int>::Error(where + ": not an IPv4 address");
  }
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return Result<int>::Error(where + ": socket: " + std::strerror(errno));
  auto fail = [&](const std::string& why) {
    close(fd);
    return Result<int>::Error(where + ": " + why);
  };
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    if (errno != EINPROGRESS) return fail(std::strerror(errno));
    IoResult waited = WaitFor(fd, POLLOUT, Clock::now() + timeout);
    if (waited.code == IoCode::kTimeout) {
      return fail("timed out after " + std::to_string(timeout.count()) + " ms");
    }
    if (!waited.ok()) return fail(waited.error);
    int err = 0;
    socklen_t len = sizeof(err);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    if (err != 0) return fail(std::strerror(err));
  }
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
    return fail(std::string("fcntl: ") + std::strerror(errno));
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

Result<int> ListenTcp(const std::string& host, int port) {
  const std::string where = "cannot listen on " + JoinHostPort(host, port);
  sockaddr_in addr{};
  if (!Ipv4Address(host, port, &addr)) {
    return Result<int>::Error(where + ": not an IPv4 address");
  }
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
      bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(fd, 512) != 0) {
    const std::string why = std::strerror(errno);
    if (fd >= 0) close(fd);
    return Result<int>::Error(where + ": " + why);
  }
  return fd;
}

IoResult WriteAll(int fd, std::string_view data, Deadline deadline, size_t* sent) {
  *sent = 0;
  while (*sent < data.size()) {
    IoResult waited = WaitFor(fd, POLLOUT, deadline);
    if (!waited.ok()) return waited;
    ssize_t n = send(fd, data.data() + *sent, data.size() - *sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      *sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
    if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) {
      return {IoCode::kClosed, std::string("send: ") + std::strerror(errno)};
    }
    return {IoCode::kError, std::string("send: ") + std::strerror(n < 0 ? errno : EIO)};
  }
  return {};
}

bool IdleConnectionUsable(int fd) {
  pollfd p{fd, POLLIN, 0};
  int n;
  do {
    n = poll(&p, 1, 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return false;
  return n == 0;  // anything readable on an idle connection is EOF, an error or garbage
}

LineReader::LineReader(size_t max_line_bytes) : max_line_bytes_(max_line_bytes) {}

IoResult LineReader::ReadLine(int fd, Deadline deadline, std::string* line) {
  size_t scanned = 0;
  while (true) {
    size_t nl = buffer_.find('\n', scanned);
    if (nl != std::string::npos) {
      size_t end = nl;
      if (end > 0 && buffer_[end - 1] == '\r') --end;
      line->assign(buffer_, 0, end);
      buffer_.erase(0, nl + 1);
      return {};
    }
    scanned = buffer_.size();
    if (buffer_.size() > max_line_bytes_) {
      return {IoCode::kError, "line longer than " + std::to_string(max_line_bytes_) + " bytes"};
    }
    IoResult waited = WaitFor(fd, POLLIN, deadline);
    if (!waited.ok()) return waited;
    char chunk[16384];
    ssize_t n = recv(fd, chunk, sizeof(chunk), MSG_DONTWAIT);
    if (n > 0) {
      buffer_.append(chunk, static_cast<size_t>(n));
    } else if (n == 0) {
      return {IoCode::kClosed, "connection closed by peer"};
    } else if (errno == ECONNRESET) {
      return {IoCode::kClosed, "connection reset by peer"};
    } else if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
      return {IoCode::kError, std::string("recv: ") + std::strerror(errno)};
    }
  }
}

}  // namespace coordcheck::wire
