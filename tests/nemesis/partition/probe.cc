// cc_partition_probe: what the partition tests run on nodes to see which packets pass.
//
//   listen ADDR PORT              accept TCP connections and close them at once; prints
//                                 "listening PORT" once bound
//   connect TIMEOUT_MS ADDR:PORT...  connects to every target at once (non-blocking) and
//                                 prints one line per target, in order:
//                                 "ADDR:PORT ok|refused|timeout|error-ERRNO MILLISECONDS"
//   udp-recv ADDR PORT            prints "bound PORT", then every datagram as one line
//   udp-send ADDR PORT TEXT COUNT sends TEXT as COUNT datagrams, 1 ms apart
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

int Usage() {
  std::fprintf(stderr, "usage: cc_partition_probe MODE [ARGS] (see probe.cc)\n");
  return 2;
}

bool ParseAddr(const std::string& addr, const std::string& port, sockaddr_in& out) {
  std::memset(&out, 0, sizeof out);
  out.sin_family = AF_INET;
  out.sin_port = htons(static_cast<uint16_t>(std::atoi(port.c_str())));
  return inet_pton(AF_INET, addr.c_str(), &out.sin_addr) == 1;
}

int Bound(int fd, const char* what) {
  sockaddr_in sa;
  socklen_t len = sizeof sa;
  getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  std::printf("%s %d\n", what, ntohs(sa.sin_port));
  std::fflush(stdout);
  return ntohs(sa.sin_port);
}

int Listen(const char* addr, const char* port) {
  sockaddr_in sa;
  if (!ParseAddr(addr, port, sa)) return Usage();
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0 || listen(fd, 128) < 0) {
    std::fprintf(stderr, "listen %s:%s: %s\n", addr, port, std::strerror(errno));
    return 1;
  }
  Bound(fd, "listening");
  while (true) {
    int conn = accept(fd, nullptr, nullptr);
    if (conn >= 0) close(conn);
  }
}

int Connect(int argc, char** argv) {
  if (argc < 4) return Usage();
  const int timeout_ms = std::atoi(argv[2]);
  struct Target {
    std::string name;
    int fd = -1;
    std::string outcome;
    long ms = 0;
  };
  std::vector<Target> targets;
  const auto start = std::chrono::steady_clock::now();
  auto elapsed_ms = [&] {
    return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::steady_clock::now() - start)
                                 .count());
  };
  for (int i = 3; i < argc; ++i) {
    Target t;
    t.name = argv[i];
    const size_t colon = t.name.rfind(':');
    sockaddr_in sa;
    if (colon == std::string::npos ||
        !ParseAddr(t.name.substr(0, colon), t.name.substr(colon + 1), sa)) {
      return Usage();
    }
    t.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (connect(t.fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0) {
      t.outcome = "ok";
    } else if (errno != EINPROGRESS) {
      t.outcome = errno == ECONNREFUSED ? "refused" : "error-" + std::to_string(errno);
    }
    targets.push_back(t);
  }
  while (true) {
    std::vector<pollfd> fds;
    std::vector<size_t> which;
    for (size_t i = 0; i < targets.size(); ++i) {
      if (targets[i].outcome.empty()) {
        fds.push_back({targets[i].fd, POLLOUT, 0});
        which.push_back(i);
      }
    }
    const long left = timeout_ms - elapsed_ms();
    if (fds.empty() || left <= 0) break;
    if (poll(fds.data(), fds.size(), static_cast<int>(left)) < 0 && errno != EINTR) return 1;
    for (size_t k = 0; k < fds.size(); ++k) {
      if (fds[k].revents == 0) continue;
      Target& t = targets[which[k]];
      int error = 0;
      socklen_t len = sizeof error;
      getsockopt(t.fd, SOL_SOCKET, SO_ERROR, &error, &len);
      t.outcome = error == 0              ? "ok"
                  : error == ECONNREFUSED ? "refused"
                                          : "error-" + std::to_string(error);
      t.ms = elapsed_ms();
    }
  }
  for (Target& t : targets) {
    if (t.outcome.empty()) {
      t.outcome = "timeout";
      t.ms = elapsed_ms();
    }
    std::printf("%s %s %ld\n", t.name.c_str(), t.outcome.c_str(), t.ms);
  }
  return 0;
}

int UdpRecv(const char* addr, const char* port) {
  sockaddr_in sa;
  if (!ParseAddr(addr, port, sa)) return Usage();
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0) {
    std::fprintf(stderr, "bind %s:%s: %s\n", addr, port, std::strerror(errno));
    return 1;
  }
  Bound(fd, "bound");
  char buf[2048];
  while (true) {
    ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
    if (n < 0) continue;
    buf[n] = '\0';
    std::printf("%s\n", buf);
    std::fflush(stdout);
  }
}

int UdpSend(const char* addr, const char* port, const char* text, const char* count) {
  sockaddr_in sa;
  if (!ParseAddr(addr, port, sa)) return Usage();
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  for (int i = 0; i < std::atoi(count); ++i) {
    sendto(fd, text, std::strlen(text), 0, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  if (argc < 2) return Usage();
  const std::string mode = argv[1];
  if (mode == "listen" && argc == 4) return Listen(argv[2], argv[3]);
  if (mode == "connect") return Connect(argc, argv);
  if (mode == "udp-recv" && argc == 4) return UdpRecv(argv[2], argv[3]);
  if (mode == "udp-send" && argc == 6) return UdpSend(argv[2], argv[3], argv[4], argv[5]);
  return Usage();
}
