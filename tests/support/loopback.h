// A listening TCP socket on 127.0.0.1 for the in-test fake servers (HTTP, RESP, the
// resource's protocol): the kernel picks the port, and connects complete up to the backlog
// even when nobody accepts them (a "silent" server).
//
// Reports through Catch2 (REQUIRE), so it is for test code only.
//
// Thread-safety: fd() and port() may be read from any thread; Close() and destruction from
// one, once the threads using fd() are done with it.
#pragma once

namespace nodetest {

class LoopbackListener {
 public:
  // REQUIREs that the socket is bound and listening with `backlog`.
  explicit LoopbackListener(int backlog = 16);
  ~LoopbackListener() { Close(); }
  LoopbackListener(const LoopbackListener&) = delete;
  LoopbackListener& operator=(const LoopbackListener&) = delete;

  // Closes the socket now (a later connect to port() is refused); idempotent.
  void Close();
  int fd() const { return fd_; }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

}  // namespace nodetest
