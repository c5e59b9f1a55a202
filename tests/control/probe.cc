// cc_probe: a tiny program the control tests run on nodes, one behaviour per mode.
//
//   listen ADDR PORT [BANNER]  accept connections (PORT 0 = any), send BANNER on accept,
//                              echo what arrives; prints "listening PORT" once bound
//   connect ADDR PORT          exit 0 when a TCP connect succeeds within 1 s, else 1
//   sleep [SECONDS]            sleep (default: forever)
//   sleep-ignore-term          ignore SIGTERM and sleep forever
//   grandchild                 fork a child that sleeps forever, print its pid, sleep
//   print-netns                print readlink /proc/self/ns/net
//   cat                        copy stdin to stdout
//   stderr TEXT                print TEXT to stderr
//   exit CODE                  exit with CODE
//   kill-self SIGNAL           end by SIGNAL
//   env NAME                   print $NAME, or "(unset)"
//   cwd                        print the working directory
//   spew BYTES                 write BYTES bytes to stdout
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

int Usage() {
  std::fprintf(stderr, "usage: cc_probe MODE [ARGS] (see probe.cc)\n");
  return 2;
}

[[noreturn]] void SleepForever() {
  while (true) pause();
}

bool ParseAddr(const char* addr, const char* port, sockaddr_in& out) {
  std::memset(&out, 0, sizeof out);
  out.sin_family = AF_INET;
  out.sin_port = htons(static_cast<uint16_t>(std::atoi(port)));
  return inet_pton(AF_INET, addr, &out.sin_addr) == 1;
}

void WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    data += n;
    size -= static_cast<size_t>(n);
  }
}

int Listen(const char* addr, const char* port, const char* banner) {
  signal(SIGPIPE, SIG_IGN);  // clients that connect and leave at once must not kill us
  sockaddr_in sa;
  if (!ParseAddr(addr, port, sa)) return Usage();
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(listener, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0 || listen(listener, 64) < 0) {
    std::fprintf(stderr, "listen %s:%s: %s\n", addr, port, std::strerror(errno));
    return 1;
  }
  socklen_t len = sizeof sa;
  getsockname(listener, reinterpret_cast<sockaddr*>(&sa), &len);
  std::printf("listening %d\n", ntohs(sa.sin_port));
  std::fflush(stdout);
  std::fprintf(stderr, "probe ready on stderr\n");
  std::vector<pollfd> fds = {{listener, POLLIN, 0}};
  while (true) {
    if (poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) return 1;
    for (size_t i = fds.size(); i-- > 0;) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == listener) {
        int c = accept(listener, nullptr, nullptr);
        if (c < 0) continue;
        if (banner != nullptr) {
          WriteAll(c, banner, std::strlen(banner));
          WriteAll(c, "\n", 1);
        }
        fds.push_back({c, POLLIN, 0});
        continue;
      }
      char buf[4096];
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        close(fds[i].fd);
        fds.erase(fds.begin() + static_cast<long>(i));
      } else {
        WriteAll(fds[i].fd, buf, static_cast<size_t>(n));
      }
    }
  }
}

int Connect(const char* addr, const char* port) {
  sockaddr_in sa;
  if (!ParseAddr(addr, port, sa)) return Usage();
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0) return 0;
  if (errno != EINPROGRESS) {
    std::fprintf(stderr, "connect %s:%s: %s\n", addr, port, std::strerror(errno));
    return 1;
  }
  pollfd p = {fd, POLLOUT, 0};
  if (poll(&p, 1, 1000) != 1) {
    std::fprintf(stderr, "connect %s:%s: timed out\n", addr, port);
    return 1;
  }
  int err = 0;
  socklen_t len = sizeof err;
  getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) {
    std::fprintf(stderr, "connect %s:%s: %s\n", addr, port, std::strerror(err));
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return Usage();
  const std::string mode = argv[1];
  if (mode == "listen" && argc >= 4) return Listen(argv[2], argv[3], argc >= 5 ? argv[4] : nullptr);
  if (mode == "connect" && argc == 4) return Connect(argv[2], argv[3]);
  if (mode == "sleep") {
    if (argc >= 3) {
      usleep(static_cast<useconds_t>(std::atof(argv[2]) * 1e6));
      return 0;
    }
    SleepForever();
  }
  if (mode == "sleep-ignore-term") {
    signal(SIGTERM, SIG_IGN);
    std::printf("ignoring SIGTERM\n");
    std::fflush(stdout);
    SleepForever();
  }
  if (mode == "grandchild") {
    pid_t child = fork();
    if (child == 0) SleepForever();
    std::printf("%d\n", static_cast<int>(child));
    std::fflush(stdout);
    SleepForever();
  }
  if (mode == "print-netns") {
    char buf[256];
    ssize_t n = readlink("/proc/self/ns/net", buf, sizeof buf - 1);
    if (n < 0) return 1;
    buf[n] = '\0';
    std::printf("%s\n", buf);
    return 0;
  }
  if (mode == "cat") {
    char buf[65536];
    ssize_t n;
    while ((n = read(0, buf, sizeof buf)) > 0) WriteAll(1, buf, static_cast<size_t>(n));
    return 0;
  }
  if (mode == "stderr" && argc == 3) {
    std::fprintf(stderr, "%s\n", argv[2]);
    return 0;
  }
  if (mode == "exit" && argc == 3) return std::atoi(argv[2]);
  if (mode == "kill-self" && argc == 3) {
    signal(std::atoi(argv[2]), SIG_DFL);
    raise(std::atoi(argv[2]));
    return 99;
  }
  if (mode == "env" && argc == 3) {
    const char* value = std::getenv(argv[2]);
    std::printf("%s\n", value != nullptr ? value : "(unset)");
    return 0;
  }
  if (mode == "cwd") {
    char buf[4096];
    if (getcwd(buf, sizeof buf) == nullptr) return 1;
    std::printf("%s\n", buf);
    return 0;
  }
  if (mode == "spew" && argc == 3) {
    std::string chunk(65536, 'x');
    long left = std::atol(argv[2]);
    while (left > 0) {
      size_t n = std::min<long>(left, static_cast<long>(chunk.size()));
      WriteAll(1, chunk.data(), n);
      left -= static_cast<long>(n);
    }
    return 0;
  }
  return Usage();
}
