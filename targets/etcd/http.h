// HttpClient: a minimal HTTP/1.1 client for etcd's v3 JSON gateway, over sockets from a
// control::Dialer (with network namespaces the controller reaches nodes only that way).
//
// It POSTs a body with Content-Length on one keep-alive connection, opened lazily and
// reopened when the server closed it while idle, and reads one response: status line,
// headers, and a body framed by Content-Length, by chunked transfer encoding (etcd's
// gateway sends its streaming calls — lease/keepalive — and its errors chunked, with a
// trailer) or by the end of the connection. 1xx interim responses are skipped.
//
// Every call is bounded by its deadline (Deadline::max() = no bound). Why `*uncertain`:
// the caller must tell "the server certainly never saw this request" from "it may have
// acted on it". A failure before any byte of the request left this host (deadline already
// passed, connect refused or timed out, nothing accepted by the kernel) is certain
// (*uncertain = false). Once bytes were sent, a timeout, a lost connection or a response
// that cannot be parsed is uncertain (*uncertain = true). A parsed response of any status
// is a success of this layer: what the status means is the caller's to judge. After any
// failure the connection is dropped, so the next call starts on a fresh one.
//
// Thread-safety: one thread calls Post/Close at a time; Abort may be called from any other
// thread at any time (it shuts the socket down, so a Post blocked on it returns at once —
// uncertain if it had sent — and later Posts fail before sending until Close).
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "harness/control/dialer.h"
#include "base/status.h"

namespace coordcheck::etcd {

using Deadline = std::chrono::steady_clock::time_point;

struct HttpResponse {
  int status = 0;      // 200, 404, ...
  std::string reason;  // "OK"
  // Header fields in order, names lower-cased, values trimmed (trailers included).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // de-chunked

  // The first value of header `name` (lower-case), or nullptr.
  const std::string* Header(std::string_view name) const;
};

struct HttpLimits {
  // Largest status line plus header block (and trailer block), bytes. Default 64 KiB.
  size_t max_header_bytes = size_t{64} << 10;
  // Largest body, bytes. Default 64 MiB.
  size_t max_body_bytes = size_t{64} << 20;
};

class HttpClient {
 public:
  // `dialer` must outlive this. Nothing is connected until the first Post.
  HttpClient(control::Dialer& dialer, std::string address, int port, HttpLimits limits = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // POSTs `body` (Content-Type: application/json) to `path` ("/v3/kv/range") and returns
  // the response. Errors name the address and path; `*uncertain` as explained above.
  Result<HttpResponse> Post(std::string_view path, std::string_view body,
                                     Deadline deadline, bool* uncertain);

  // Drops the connection (and clears an Abort).
  void Close();
  // Shuts the connection down from another thread; see the header comment.
  void Abort();

  const std::string& address() const { return address_; }
  int port() const { return port_; }
  // How many connections this client has opened (keep-alive shows as 1 for many calls).
  int connections_opened() const { return connections_opened_; }

 private:
  // Reads one response into `*response`; an error message on failure.
  Status ReadResponse(int fd, Deadline deadline, HttpResponse* response, bool* keep_alive);
  // Receives more bytes into buffer_; `*eof` tells an orderly close from other errors.
  Status Fill(int fd, Deadline deadline, bool* eof = nullptr);
  Status ReadLine(int fd, Deadline deadline, size_t limit, std::string* line);
  Status ReadExact(int fd, Deadline deadline, size_t n, std::string* out);
  Status ReadHeaderBlock(int fd, Deadline deadline, HttpResponse* response,
                                  size_t* budget);
  Status ReadChunked(int fd, Deadline deadline, HttpResponse* response);
  // Drops the connection, keeping an Abort in force.
  void Drop();
  void CloseLocked();

  control::Dialer& dialer_;
  const std::string address_;
  const int port_;
  const HttpLimits limits_;
  std::string buffer_;  // bytes received and not consumed yet (Post's thread only)

  std::mutex mu_;         // guards fd_'s lifetime against Abort
  int fd_ = -1;           // guarded by mu_ for changes; read unlocked by Post's thread
  bool aborted_ = false;  // guarded by mu_
  int connections_opened_ = 0;
};

}  // namespace coordcheck::etcd
