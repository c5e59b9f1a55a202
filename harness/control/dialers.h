// The Dialer implementations: LocalDialer connects from the calling thread (loopback
// node addresses); NetnsDialer gets each socket from a helper thread that lives in the
// cluster's bridge namespace, then connects it from the calling thread.
//
// Why a helper thread: setns(CLONE_NEWNET) changes only the calling thread, and a socket
// stays in the namespace it was created in. One persistent thread that entered the
// bridge namespace at start creates sockets on request, so no thread of the caller ever
// leaves the root namespace and no per-call thread is created.
//
// Thread-safety: Connect may be called from several threads at once; Stop is not
// concurrent with Connect.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "harness/control/dialer.h"
#include "base/status.h"

namespace coordcheck::control {

// Connects `fd` (a non-blocking TCP socket, consumed: closed on error) to address:port
// within `timeout`, then sets TCP_NODELAY and blocking mode.
Result<int> ConnectSocket(int fd, const std::string& address, int port,
                          std::chrono::milliseconds timeout);

class LocalDialer final : public Dialer {
 public:
  Result<int> Connect(const std::string& address, int port,
                      std::chrono::milliseconds timeout) override;
};

class NetnsDialer final : public Dialer {
 public:
  // Starts the helper thread inside the namespace at `netns_path` (/run/netns/NAME).
  static Result<std::unique_ptr<NetnsDialer>> Start(const std::string& netns_path);
  ~NetnsDialer() override;

  Result<int> Connect(const std::string& address, int port,
                      std::chrono::milliseconds timeout) override;
  // Ends the helper thread; later Connects fail. Idempotent.
  void Stop();

 private:
  struct Request {
    int fd = -1;
    int err = 0;
    bool done = false;
  };

  explicit NetnsDialer(std::string netns_path) : netns_path_(std::move(netns_path)) {}
  void Serve();

  const std::string netns_path_;
  std::mutex mu_;
  std::condition_variable wake_;      // the helper: a request or stop
  std::condition_variable answered_;  // the callers: a request done
  std::deque<Request*> queue_;        // guarded by mu_
  bool stopping_ = false;             // guarded by mu_
  std::thread thread_;
};

}  // namespace coordcheck::control
