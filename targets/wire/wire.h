// Wire: deadline-bounded TCP and line I/O, shared by the targets' clients and Dbs (kvd,
// redis, etcd, the protected resource), our own servers (coordcheck-kvd,
// coordcheck-resource) and the tests. Nothing target-specific lives here.
//
// Every call here is bounded by a deadline (Deadline::max() = wait forever) and reports
// what happened to the bytes: WriteAll says how many the kernel accepted, so a caller can
// tell "nothing of the request left this host" (a certain failure) from "some of it may
// have" (an uncertain outcome). Nothing here throws; SIGPIPE is never raised (MSG_NOSIGNAL).
//
// Thread-safety: free functions are thread-safe; a LineReader belongs to one connection and
// is used by one thread at a time.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "base/status.h"

namespace coordcheck::wire {

using Deadline = std::chrono::steady_clock::time_point;

enum class IoCode { kOk, kTimeout, kClosed, kError };

struct IoResult {
  IoCode code = IoCode::kOk;
  std::string error;  // "timed out", "connection closed by peer", strerror text; empty if ok
  bool ok() const { return code == IoCode::kOk; }
};

// Splits "10.77.0.11:7000" into host and port (1..65535). False on bad syntax.
bool ParseHostPort(std::string_view text, std::string* host, int* port);
std::string JoinHostPort(const std::string& host, int port);

// A connected, blocking TCP socket with TCP_NODELAY to host:port (a numeric IPv4 address),
// or an error naming the address. Gives up after `timeout`.
Result<int> DialTcp(const std::string& host, int port, std::chrono::milliseconds timeout);

// A TCP socket listening on host:port (a numeric IPv4 address) with SO_REUSEADDR and a
// backlog of 512, or an error "cannot listen on HOST:PORT: ...".
Result<int> ListenTcp(const std::string& host, int port);

// Writes all of `data` by `deadline`. `*sent` is the number of bytes the kernel accepted:
// when the result is not ok and *sent == 0, nothing of `data` left this host.
IoResult WriteAll(int fd, std::string_view data, Deadline deadline, size_t* sent);

// True when a connection with no request outstanding can carry a new one: nothing to read,
// no error, no hang-up. A peer that closed (restarted) shows up here before we send.
bool IdleConnectionUsable(int fd);

// The longest line a LineReader accepts unless told otherwise: 1 MiB.
inline constexpr size_t kMaxLineBytes = size_t{1} << 20;

// Reads '\n'-terminated lines from one connection, keeping what arrives after a line for
// the next call.
class LineReader {
 public:
  explicit LineReader(size_t max_line_bytes = kMaxLineBytes);
  // Drops buffered bytes (for a fresh connection).
  void Reset() { buffer_.clear(); }
  // The next line without its '\n' (and without a trailing '\r'). A line longer than the
  // limit is an error. A connection closed in the middle of a line is kClosed.
  IoResult ReadLine(int fd, Deadline deadline, std::string* line);

 private:
  std::string buffer_;
  size_t max_line_bytes_;
};

}  // namespace coordcheck::wire
