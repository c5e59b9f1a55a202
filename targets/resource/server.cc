#include "targets/resource/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <thread>

#include "targets/wire/wire.h"

namespace coordcheck::resource {
namespace {

using Clock = std::chrono::steady_clock;
using wire::IoCode;
using wire::IoResult;

// A reply that cannot be written within this time (a client that stopped reading) drops the
// connection.
constexpr auto kReplyTimeout = std::chrono::seconds(30);

}  // namespace

ResourceServer::ResourceServer(const ServerOptions& options) : options_(options) {}

ResourceServer::~ResourceServer() {
  if (listen_fd_ >= 0) close(listen_fd_);
}

control::Result<std::unique_ptr<ResourceServer>> ResourceServer::Start(
    const ServerOptions& options) {
  using R = control::Result<std::unique_ptr<ResourceServer>>;
  const std::string where = "resource" + (options.node.empty() ? "" : " " + options.node) + ": ";
  std::string host;
  int port = 0;
  if (!wire::ParseHostPort(options.listen, &host, &port)) {
    return R::Error(where + "bad --listen \"" + options.listen + "\" (want ADDR:PORT)");
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    return R::Error(where + "--listen host \"" + host + "\" is not an IPv4 address");
  }
  std::unique_ptr<ResourceServer> server(new ResourceServer(options));
  server->listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  if (server->listen_fd_ < 0 ||
      setsockopt(server->listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
      bind(server->listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      listen(server->listen_fd_, 512) != 0) {
    return R::Error(where + "cannot listen on " + options.listen + ": " + std::strerror(errno));
  }
  StateOptions so;
  so.mode = options.mode;
  so.data_dir = options.data_dir;
  auto state = ResourceState::Open(so);
  if (!state.ok()) return R::Error(where + state.message());
  server->state_ = std::move(state).value();
  return server;
}

std::string ResourceServer::Describe() const {
  std::string out = "resource" + (options_.node.empty() ? "" : " " + options_.node) +
                    ": listening on " + options_.listen + ", mode " +
                    std::string(ModeName(options_.mode));
  if (options_.data_dir.empty()) return out + ", log in memory only";
  return out + ", data dir " + options_.data_dir + " (" + std::to_string(state_->replayed()) +
         " entries replayed, counter " + std::to_string(state_->counter()) + ")";
}

void ResourceServer::Serve(int stop_fd) {
  while (true) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_fd, POLLIN, 0}};
    int n = poll(fds, 2, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::fprintf(stderr, "resource: poll: %s\n", std::strerror(errno));
      return;
    }
    if (fds[1].revents != 0) return;
    if (fds[0].revents == 0) continue;
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED) {
        std::fprintf(stderr, "resource: accept: %s\n", std::strerror(errno));
        if (errno == EMFILE || errno == ENFILE) usleep(100'000);
      }
      continue;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    std::thread([this, fd] { HandleConnection(fd); }).detach();
  }
}

void ResourceServer::HandleConnection(int fd) {
  wire::LineReader reader(options_.max_line_bytes);
  std::string line;
  while (true) {
    IoResult io = reader.ReadLine(fd, wire::Deadline::max(), &line);
    if (!io.ok()) {
      if (io.code == IoCode::kError) {
        std::fprintf(stderr, "resource: dropping a client connection: %s\n", io.error.c_str());
      }
      break;
    }
    Request request;
    std::string error;
    Response response = ParseRequest(line, &request, &error)
                            ? Dispatch(request)
                            : Response{request.id, "fail", nullptr, error};
    size_t sent = 0;
    if (!wire::WriteAll(fd, EncodeResponse(response) + "\n", Clock::now() + kReplyTimeout, &sent)
             .ok()) {
      break;
    }
  }
  close(fd);
}

Response ResourceServer::Dispatch(const Request& request) {
  if (request.f == "ping") {
    return {request.id, "ok",
            Json{{"node", options_.node},
                 {"mode", ModeName(options_.mode)},
                 {"entries", state_->entries()},
                 {"counter", state_->counter()}},
            nullptr};
  }
  return state_->Execute(request);
}

}  // namespace coordcheck::resource
