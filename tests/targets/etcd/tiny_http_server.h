// TinyServer: an HTTP/1.1 server on 127.0.0.1 (ephemeral port) for the etcd tests that
// need a gateway which answers exactly as told — keep-alive, chunked bodies, closes,
// silence, canned etcd errors. Each connection runs on a thread of its own; for every
// request the handler writes whatever it likes to the connection and returns whether to
// keep reading requests on it.
//
// Test code only (its listener REQUIREs through Catch2).
//
// Thread-safety: the handler runs on the connections' threads; port(), accepted() and
// requests() may be read from any thread.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/loopback.h"

namespace etcdtest {

struct Request {
  std::string head;  // request line and headers, without the empty line
  std::string body;
};

// Writes all of `data` to `fd` (stops quietly when the peer is gone).
void Send(int fd, const std::string& data);

// A 200 response with a Content-Length body and `extra_headers` ("Name: value\r\n"...).
std::string Ok(const std::string& body, const std::string& extra_headers = "");

class TinyServer {
 public:
  using Handler = std::function<bool(int fd, const Request& request)>;

  explicit TinyServer(Handler handler);
  ~TinyServer();
  TinyServer(const TinyServer&) = delete;
  TinyServer& operator=(const TinyServer&) = delete;

  int port() const { return listener_.port(); }
  int accepted() const { return accepted_.load(); }
  int requests() const { return requests_.load(); }

 private:
  void AcceptLoop();
  void Serve(int fd);

  Handler handler_;
  nodetest::LoopbackListener listener_;  // closed after every thread is joined
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::atomic<int> requests_{0};
  std::mutex mu_;
  std::vector<int> connections_;
  std::vector<std::thread> workers_;
  std::thread acceptor_;
};

}  // namespace etcdtest
