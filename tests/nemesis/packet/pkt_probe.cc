// cc_pkt_probe: the traffic the packet-nemesis tests run on nodes, one behaviour per mode.
// Results are one JSON line on stdout.
//
//   udp-echo ADDR PORT             echo every datagram back to its sender (PORT 0 = any);
//                                  prints "listening PORT" once bound, then runs forever
//   udp-loss ADDR PORT N GAP_US    send N numbered datagrams GAP_US apart to an echo,
//                                  count the distinct ones that come back (waiting until
//                                  none has come for 300 ms):
//                                  {"sent":N,"send_errors":E,"received":R}
//   udp-rtt ADDR PORT N GAP_MS     send N numbered datagrams GAP_MS apart to an echo and
//                                  time each one's return (5 s limit):
//                                  {"rtt_ms":[...],"lost":L}
//   term-after MS PROG [ARGS...]   run PROG, send it SIGTERM after MS ms, wait for it and
//                                  print {"exit":CODE} or {"signal":N}
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

int Usage() {
  std::fprintf(stderr, "usage: cc_pkt_probe MODE [ARGS] (see pkt_probe.cc)\n");
  return 2;
}

bool ParseAddr(const char* addr, const char* port, sockaddr_in& out) {
  std::memset(&out, 0, sizeof out);
  out.sin_family = AF_INET;
  out.sin_port = htons(static_cast<uint16_t>(std::atoi(port)));
  return inet_pton(AF_INET, addr, &out.sin_addr) == 1;
}

int64_t Micros(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

int Echo(const char* addr, const char* port) {
  sockaddr_in sa;
  if (!ParseAddr(addr, port, sa)) return Usage();
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0) {
    std::fprintf(stderr, "bind %s:%s: %s\n", addr, port, std::strerror(errno));
    return 1;
  }
  socklen_t len = sizeof sa;
  getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  std::printf("listening %d\n", ntohs(sa.sin_port));
  std::fflush(stdout);
  char buf[2048];
  while (true) {
    sockaddr_in from;
    socklen_t from_len = sizeof from;
    ssize_t n = recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &from_len);
    if (n < 0) continue;
    sendto(fd, buf, static_cast<size_t>(n), 0, reinterpret_cast<sockaddr*>(&from), from_len);
  }
}

// A connected UDP socket to an echo.
int Connected(const char* addr, const char* port) {
  sockaddr_in sa;
  if (!ParseAddr(addr, port, sa)) return -1;
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0) return -1;
  // Held packets stay charged to the sending socket: room for many in flight (FORCE works
  // as root; otherwise the system's limit applies).
  int big = 8 << 20;
  if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof big) < 0) {
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
  }
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big) < 0) {
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  }
  return fd;
}

struct Datagram {
  uint32_t seq;
  int64_t sent_us;
};

// Sends `n` datagrams `gap` apart and records when each distinct one comes back
// (return_us[seq], 0 = not yet). Stops `idle` after the last arrival (or the last send),
// or at `limit` after the last send.
void Exchange(int fd, int n, std::chrono::microseconds gap, std::chrono::milliseconds idle,
              std::chrono::milliseconds limit, std::vector<int64_t>* sent_us,
              std::vector<int64_t>* return_us, int* send_errors) {
  sent_us->assign(static_cast<size_t>(n), 0);
  return_us->assign(static_cast<size_t>(n), 0);
  const auto start = Clock::now();
  int next = 0;
  Clock::time_point last_event = start;
  Clock::time_point last_send = start;
  int outstanding = 0;
  while (true) {
    const auto now = Clock::now();
    if (next < n && now >= start + gap * next) {
      Datagram d{static_cast<uint32_t>(next), Micros(now)};
      (*sent_us)[static_cast<size_t>(next)] = d.sent_us;
      if (send(fd, &d, sizeof d, 0) != static_cast<ssize_t>(sizeof d)) ++*send_errors;
      ++outstanding;
      ++next;
      last_event = last_send = now;
      continue;
    }
    if (next == n && (outstanding == 0 || now >= last_event + idle || now >= last_send + limit)) {
      return;
    }
    auto wake = next < n ? start + gap * next : last_event + idle;
    const int wait_ms = static_cast<int>(std::max<int64_t>(
        0, std::chrono::duration_cast<std::chrono::milliseconds>(wake - now).count()));
    pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, std::min(wait_ms, 5)) <= 0) continue;
    Datagram d;
    while (recv(fd, &d, sizeof d, 0) == static_cast<ssize_t>(sizeof d)) {
      if (d.seq >= static_cast<uint32_t>(n) || (*return_us)[d.seq] != 0) continue;
      (*return_us)[d.seq] = Micros(Clock::now());
      --outstanding;
      last_event = Clock::now();
    }
  }
}

int Loss(const char* addr, const char* port, int n, int gap_us) {
  int fd = Connected(addr, port);
  if (fd < 0) return Usage();
  std::vector<int64_t> sent, back;
  int errors = 0;
  Exchange(fd, n, std::chrono::microseconds(gap_us), std::chrono::milliseconds(300),
           std::chrono::seconds(5), &sent, &back, &errors);
  int received = 0;
  for (int64_t t : back) received += t != 0;
  std::printf("{\"sent\":%d,\"send_errors\":%d,\"received\":%d}\n", n, errors, received);
  return 0;
}

int Rtt(const char* addr, const char* port, int n, int gap_ms) {
  int fd = Connected(addr, port);
  if (fd < 0) return Usage();
  std::vector<int64_t> sent, back;
  int errors = 0;
  Exchange(fd, n, std::chrono::milliseconds(gap_ms), std::chrono::seconds(5),
           std::chrono::seconds(5), &sent, &back, &errors);
  std::string rtts;
  int lost = 0;
  for (size_t i = 0; i < sent.size(); ++i) {
    if (back[i] == 0) {
      ++lost;
      continue;
    }
    char item[32];
    std::snprintf(item, sizeof item, "%s%.3f", rtts.empty() ? "" : ",",
                  static_cast<double>(back[i] - sent[i]) / 1000.0);
    rtts += item;
  }
  std::printf("{\"rtt_ms\":[%s],\"lost\":%d,\"send_errors\":%d}\n", rtts.c_str(), lost, errors);
  return 0;
}

int TermAfter(int ms, char** argv) {
  const pid_t child = fork();
  if (child == 0) {
    execv(argv[0], argv);
    std::fprintf(stderr, "exec %s: %s\n", argv[0], std::strerror(errno));
    _exit(127);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  kill(child, SIGTERM);
  int status = 0;
  waitpid(child, &status, 0);
  if (WIFEXITED(status)) {
    std::printf("{\"exit\":%d}\n", WEXITSTATUS(status));
  } else {
    std::printf("{\"signal\":%d}\n", WTERMSIG(status));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return Usage();
  const std::string mode = argv[1];
  if (mode == "udp-echo" && argc == 4) return Echo(argv[2], argv[3]);
  if (mode == "udp-loss" && argc == 6) {
    return Loss(argv[2], argv[3], std::atoi(argv[4]), std::atoi(argv[5]));
  }
  if (mode == "udp-rtt" && argc == 6) {
    return Rtt(argv[2], argv[3], std::atoi(argv[4]), std::atoi(argv[5]));
  }
  if (mode == "term-after" && argc >= 4) return TermAfter(std::atoi(argv[2]), argv + 3);
  return Usage();
}
