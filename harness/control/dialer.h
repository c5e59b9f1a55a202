// Dialer: how the controller opens TCP connections to node addresses.
//
// With network namespaces the node addresses exist only inside coordcheck's own bridge
// namespace: the netns backend creates each socket on a thread that has entered that
// namespace (setns), so the controller process stays in the root namespace and nothing is
// added to it. Local nodes are plain loopback connects.
//
// Thread-safety: Connect may be called from several threads at once.
#pragma once

#include <chrono>
#include <string>

#include "base/status.h"

namespace coordcheck::control {

class Dialer {
 public:
  virtual ~Dialer() = default;
  // A connected, blocking TCP socket (with TCP_NODELAY) to address:port, or an error
  // naming the address ("connect 10.77.0.12:7000: connection refused"). Gives up after
  // `timeout`. The caller owns the descriptor and closes it.
  virtual Result<int> Connect(const std::string& address, int port,
                              std::chrono::milliseconds timeout) = 0;
};

}  // namespace coordcheck::control
