#include "harness/control/dialers.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <future>

#include "harness/control/process.h"
#include "harness/control/unique_fd.h"

namespace coordcheck::control {

Result<int> ConnectSocket(int raw_fd, const std::string& address, int port,
                          std::chrono::milliseconds timeout) {
  UniqueFd fd(raw_fd);
  const std::string where = "connect " + address + ":" + std::to_string(port);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (port <= 0 || port > 65535 || inet_pton(AF_INET, address.c_str(), &addr.sin_addr) != 1) {
    return Status::Error(where + ": not an IPv4 address and port");
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  if (connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) {
    if (errno != EINPROGRESS && errno != EINTR)
      return Status::Error(where + ": " + ErrnoText(errno));
    while (true) {
      auto left =
          std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd p = {fd.get(), POLLOUT, 0};
      int ready = left.count() > 0 ? poll(&p, 1, static_cast<int>(left.count())) : 0;
      if (ready < 0 && errno == EINTR) continue;
      if (ready < 0) return Status::Error(where + ": poll: " + ErrnoText(errno));
      if (ready == 0) {
        return Status::Error(where + ": timed out after " + std::to_string(timeout.count()) +
                             " ms");
      }
      break;
    }
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
    if (err != 0) return Status::Error(where + ": " + ErrnoText(err));
  }
  int one = 1;
  if (setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0 ||
      fcntl(fd.get(), F_SETFL, fcntl(fd.get(), F_GETFL) & ~O_NONBLOCK) < 0) {
    return Status::Error(where + ": " + ErrnoText(errno));
  }
  return fd.Release();
}

Result<int> LocalDialer::Connect(const std::string& address, int port,
                                 std::chrono::milliseconds timeout) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return Status::Error("connect " + address + ":" + std::to_string(port) +
                         ": socket: " + ErrnoText(errno));
  }
  return ConnectSocket(fd, address, port, timeout);
}

Result<std::unique_ptr<NetnsDialer>> NetnsDialer::Start(const std::string& netns_path) {
  UniqueFd ns(open(netns_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!ns.valid())
    return Status::Error("dialer: cannot open " + netns_path + ": " + ErrnoText(errno));
  std::unique_ptr<NetnsDialer> dialer(new NetnsDialer(netns_path));
  std::promise<int> entered;
  std::future<int> entered_result = entered.get_future();
  dialer->thread_ = std::thread([d = dialer.get(), fd = ns.Release(), &entered] {
    UniqueFd owned(fd);
    if (setns(owned.get(), CLONE_NEWNET) < 0) {
      entered.set_value(errno);
      return;
    }
    owned.Reset();
    entered.set_value(0);
    d->Serve();
  });
  if (int err = entered_result.get(); err != 0) {
    dialer->thread_.join();
    return Status::Error("dialer: cannot enter " + netns_path + ": " + ErrnoText(err));
  }
  return dialer;
}

NetnsDialer::~NetnsDialer() { Stop(); }

void NetnsDialer::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void NetnsDialer::Serve() {
  std::unique_lock lock(mu_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;
    Request* request = queue_.front();
    queue_.pop_front();
    request->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    request->err = errno;
    request->done = true;
    answered_.notify_all();
  }
}

Result<int> NetnsDialer::Connect(const std::string& address, int port,
                                 std::chrono::milliseconds timeout) {
  Request request;
  {
    std::unique_lock lock(mu_);
    if (stopping_) {
      return Status::Error("connect " + address + ":" + std::to_string(port) +
                           ": the cluster's dialer was stopped");
    }
    queue_.push_back(&request);
    wake_.notify_one();
    answered_.wait(lock, [&request] { return request.done; });
  }
  if (request.fd < 0) {
    return Status::Error("connect " + address + ":" + std::to_string(port) + ": socket in " +
                         netns_path_ + ": " + ErrnoText(request.err));
  }
  return ConnectSocket(request.fd, address, port, timeout);
}

}  // namespace coordcheck::control
