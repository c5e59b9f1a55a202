#include "tests/targets/etcd/tiny_http_server.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace etcdtest {
namespace {

// Reads one request (head up to the empty line, then Content-Length bytes). False when the
// connection ended first.
bool ReadRequest(int fd, std::string* buffer, Request* request) {
  while (true) {
    const size_t end = buffer->find("\r\n\r\n");
    if (end != std::string::npos) {
      request->head = buffer->substr(0, end);
      size_t length = 0;
      const size_t at = request->head.find("Content-Length: ");
      if (at != std::string::npos) length = std::stoul(request->head.substr(at + 16));
      if (buffer->size() >= end + 4 + length) {
        request->body = buffer->substr(end + 4, length);
        buffer->erase(0, end + 4 + length);
        return true;
      }
    }
    char chunk[4096];
    const ssize_t n = recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer->append(chunk, static_cast<size_t>(n));
  }
}

}  // namespace

void Send(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<size_t>(n);
  }
}

std::string Ok(const std::string& body, const std::string& extra_headers) {
  return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + extra_headers +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

TinyServer::TinyServer(Handler handler) : handler_(std::move(handler)) {
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

TinyServer::~TinyServer() {
  stopping_ = true;
  shutdown(listener_.fd(), SHUT_RDWR);
  acceptor_.join();
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (int fd : connections_) shutdown(fd, SHUT_RDWR);
  }
  for (std::thread& t : workers_) t.join();
  for (int fd : connections_) close(fd);
}

void TinyServer::AcceptLoop() {
  while (!stopping_) {
    pollfd p{listener_.fd(), POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    const int fd = accept4(listener_.fd(), nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ++accepted_;
    std::lock_guard<std::mutex> lock(mu_);
    connections_.push_back(fd);
    workers_.emplace_back([this, fd] { Serve(fd); });
  }
}

void TinyServer::Serve(int fd) {
  std::string buffer;
  Request request;
  while (ReadRequest(fd, &buffer, &request)) {
    ++requests_;
    if (!handler_(fd, request)) {
      shutdown(fd, SHUT_RDWR);
      return;
    }
  }
}

}  // namespace etcdtest
