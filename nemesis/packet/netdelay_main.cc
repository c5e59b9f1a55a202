// coordcheck-netdelay: delays the packets an NFQUEUE rule hands it, for the packet nemesis
// (nemesis/packet/packet_nemesis.h). It runs inside one node's network namespace.
//
//   coordcheck-netdelay --queue N [--delay-ms D] [--jitter-ms J] [--seed S] [--max-held K]
//                       [--ready-file PATH]
//       Binds NFQUEUE queue N (packet ids only, no payload), holds each packet for
//       D ms ± J ms (uniform, never negative; FIFO when J is 0; DelayQueue) and then accepts
//       it. The kernel keeps at most K packets queued (default 10000) and drops the rest,
//       as netem does beyond its limit. Once bound it writes its pid to PATH (removed at
//       exit). On SIGTERM or SIGINT it accepts every packet it holds, unbinds and exits 0;
//       the rule's --queue-bypass lets traffic through while no program is bound, so
//       packets never wait on a dead helper.
//   coordcheck-netdelay --wait-ready PATH [--pid P] [--timeout-ms T]
//       Exits 0 once PATH exists (and holds P, with --pid), 1 when T ms (default 2000) pass
//       first or process P has ended. Readiness comes from the helper itself: a queue
//       listed as bound in /proc/net/netfilter/nfnetlink_queue may be someone else's.
//
// Start-up, statistics and errors go to stderr. Exit codes: 0 ok, 1 runtime error,
// 2 bad arguments.
//
// Why one thread: libnetfilter_queue handles are not thread-safe, so reading packets and
// issuing verdicts share one loop that sleeps in ppoll until a packet arrives, a signal
// comes (signalfd) or the earliest held packet is due.

// glibc's <netinet/in.h> (via arpa/inet.h) must come before the kernel's <linux/in.h>.
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libnetfilter_queue/libnetfilter_queue.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "nemesis/packet/delay_queue.h"

namespace {

using Clock = std::chrono::steady_clock;
using coordcheck::netdelay::DelayQueue;

constexpr int kMaxQueue = 65535;
constexpr long kMaxDelayMs = 600000;
constexpr unsigned kRcvBufBytes = 8u << 20;
// Messages read per loop turn at most, so due packets are not starved by a flood.
constexpr int kReadBatch = 256;

struct Args {
  std::string wait_ready;  // --wait-ready PATH
  std::string ready_file;
  long pid = 0;
  long queue = -1;
  long delay_ms = 0;
  long jitter_ms = 0;
  unsigned long long seed = 1;
  long max_held = 10000;
  long timeout_ms = 2000;
};

int g_queue = -1;

void Log(const char* fmt, ...) {
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  std::fprintf(stderr, "coordcheck-netdelay[queue %d]: %s\n", g_queue, line);
}

int Usage(const char* why) {
  std::fprintf(stderr,
               "coordcheck-netdelay: %s\n"
               "usage: coordcheck-netdelay --queue N [--delay-ms D] [--jitter-ms J] [--seed S] "
               "[--max-held K] [--ready-file PATH]\n"
               "       coordcheck-netdelay --wait-ready PATH [--pid P] [--timeout-ms T]\n",
               why);
  return 2;
}

bool ParseLong(const char* text, long lo, long hi, long* out) {
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || v < lo || v > hi) return false;
  *out = v;
  return true;
}

// Empty when the arguments are valid, else what is wrong.
std::string ParseArgs(int argc, char** argv, Args* args) {
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) return flag + " needs a value";
    const char* value = argv[++i];
    bool ok = true;
    if (flag == "--wait-ready") {
      args->wait_ready = value;
      ok = !args->wait_ready.empty();
    } else if (flag == "--ready-file") {
      args->ready_file = value;
      ok = !args->ready_file.empty();
    } else if (flag == "--pid") {
      ok = ParseLong(value, 1, 1L << 30, &args->pid);
    } else if (flag == "--queue") {
      ok = ParseLong(value, 0, kMaxQueue, &args->queue);
    } else if (flag == "--delay-ms") {
      ok = ParseLong(value, 0, kMaxDelayMs, &args->delay_ms);
    } else if (flag == "--jitter-ms") {
      ok = ParseLong(value, 0, kMaxDelayMs, &args->jitter_ms);
    } else if (flag == "--max-held") {
      ok = ParseLong(value, 1, 1000000, &args->max_held);
    } else if (flag == "--timeout-ms") {
      ok = ParseLong(value, 0, kMaxDelayMs, &args->timeout_ms);
    } else if (flag == "--seed") {
      char* end = nullptr;
      errno = 0;
      args->seed = std::strtoull(value, &end, 10);
      ok = errno == 0 && end != value && *end == '\0';
    } else {
      return "unknown argument " + flag;
    }
    if (!ok) return "bad value for " + flag + ": " + value;
  }
  if (args->wait_ready.empty() && args->queue < 0) return "--queue N is required";
  return "";
}

// The line of /proc/net/netfilter/nfnetlink_queue for `queue`, or "" when it is not bound.
// Fields: queue, peer portid, queue total, copy mode, copy range, queue dropped, user
// dropped, last id, 1.
std::string QueueLine(long queue) {
  std::ifstream in("/proc/net/netfilter/nfnetlink_queue");
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    long number = -1;
    if (fields >> number && number == queue) return line;
  }
  return "";
}

// True while process `pid` exists and has not ended (a zombie has ended).
bool Running(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return false;
  const size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z' &&
         stat[paren + 2] != 'X';
}

int WaitReady(const Args& args) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(args.timeout_ms);
  while (true) {
    std::ifstream in(args.wait_ready);
    long pid = 0;
    if (in && (args.pid == 0 || (in >> pid && pid == args.pid))) return 0;
    if (args.pid != 0 && !Running(args.pid)) {
      std::fprintf(stderr, "coordcheck-netdelay: process %ld ended before it was ready\n",
                   args.pid);
      return 1;
    }
    if (Clock::now() >= deadline) {
      std::fprintf(stderr, "coordcheck-netdelay: %s not ready after %ld ms\n",
                   args.wait_ready.c_str(), args.timeout_ms);
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

// Writes our pid to `path` through a rename, so a reader never sees it half-written.
bool WriteReadyFile(const std::string& path) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << getpid() << "\n";
    if (!out.flush()) return false;
  }
  return rename(tmp.c_str(), path.c_str()) == 0;
}

struct Loop {
  nfq_q_handle* queue = nullptr;
  DelayQueue* held = nullptr;
  uint32_t max_id = 0;
  bool any = false;
  uint64_t received = 0;
  uint64_t released = 0;
  uint64_t verdict_errors = 0;
  uint64_t overruns = 0;  // ENOBUFS: the kernel dropped messages (and their packets)
};

int OnPacket(nfq_q_handle*, nfgenmsg*, nfq_data* data, void* opaque) {
  auto* loop = static_cast<Loop*>(opaque);
  const nfqnl_msg_packet_hdr* header = nfq_get_msg_packet_hdr(data);
  if (header == nullptr) return 0;
  const uint32_t id = ntohl(header->packet_id);
  loop->held->Push(id, Clock::now());
  if (!loop->any || static_cast<int32_t>(id - loop->max_id) > 0) loop->max_id = id;
  loop->any = true;
  ++loop->received;
  return 0;
}

void Accept(Loop& loop, uint32_t id) {
  if (nfq_set_verdict(loop.queue, id, NF_ACCEPT, 0, nullptr) < 0) {
    if (loop.verdict_errors++ == 0) Log("verdict for packet %u failed: %s", id, strerror(errno));
  } else {
    ++loop.released;
  }
}

// Reads queued-packet messages until none is waiting (or kReadBatch were read, when
// `bounded`). False on an unrecoverable socket error.
bool ReadPackets(nfq_handle* handle, int fd, Loop& loop, bool bounded) {
  alignas(8) static char buf[65536];
  for (int n = 0; !bounded || n < kReadBatch; ++n) {
    const ssize_t got = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (got >= 0) {
      nfq_handle_packet(handle, buf, static_cast<int>(got));
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
    if (errno == ENOBUFS) {
      if (loop.overruns++ == 0) Log("socket overrun: the kernel dropped queued packets");
      continue;
    }
    Log("recv: %s", strerror(errno));
    return false;
  }
  return true;
}

int Run(const Args& args) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  if (sigprocmask(SIG_BLOCK, &signals, nullptr) < 0) {
    Log("sigprocmask: %s", strerror(errno));
    return 1;
  }
  const int sfd = signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) {
    Log("signalfd: %s", strerror(errno));
    return 1;
  }

  DelayQueue held(std::chrono::milliseconds(args.delay_ms),
                  std::chrono::milliseconds(args.jitter_ms), args.seed);
  Loop loop;
  loop.held = &held;
  nfq_handle* handle = nfq_open();
  if (handle == nullptr) {
    Log("cannot open a netfilter queue handle: %s", strerror(errno));
    return 1;
  }
  loop.queue = nfq_create_queue(handle, static_cast<uint16_t>(args.queue), &OnPacket, &loop);
  if (loop.queue == nullptr) {
    Log("cannot bind queue %ld (is another program bound to it?): %s", args.queue, strerror(errno));
    nfq_close(handle);
    return 1;
  }
  if (nfq_set_mode(loop.queue, NFQNL_COPY_META, 0) < 0 ||
      nfq_set_queue_maxlen(loop.queue, static_cast<uint32_t>(args.max_held)) < 0) {
    Log("cannot configure queue %ld: %s", args.queue, strerror(errno));
    nfq_destroy_queue(loop.queue);
    nfq_close(handle);
    return 1;
  }
  nfnl_rcvbufsiz(nfq_nfnlh(handle), kRcvBufBytes);
  const int fd = nfq_fd(handle);
  Log("bound; delay %ld ms, jitter %ld ms, seed %llu, at most %ld held", args.delay_ms,
      args.jitter_ms, args.seed, args.max_held);
  if (!args.ready_file.empty() && !WriteReadyFile(args.ready_file)) {
    Log("cannot write %s: %s", args.ready_file.c_str(), strerror(errno));
    nfq_destroy_queue(loop.queue);
    nfq_close(handle);
    return 1;
  }

  int status = 0;
  int stop_signal = 0;
  std::vector<uint32_t> due;
  while (stop_signal == 0) {
    timespec timeout{};
    timespec* wait = nullptr;
    if (!held.empty()) {
      const auto left = std::max(Clock::duration::zero(), held.next_release() - Clock::now());
      const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
      timeout.tv_sec = static_cast<time_t>(ns / 1000000000);
      timeout.tv_nsec = static_cast<long>(ns % 1000000000);
      wait = &timeout;
    }
    pollfd fds[2] = {{fd, POLLIN, 0}, {sfd, POLLIN, 0}};
    if (ppoll(fds, 2, wait, nullptr) < 0 && errno != EINTR) {
      Log("ppoll: %s", strerror(errno));
      status = 1;
      break;
    }
    if (fds[1].revents != 0) {
      signalfd_siginfo info;
      if (read(sfd, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
        stop_signal = static_cast<int>(info.ssi_signo);
      }
    }
    if (fds[0].revents != 0 && !ReadPackets(handle, fd, loop, /*bounded=*/true)) {
      status = 1;
      break;
    }
    due.clear();
    held.PopDue(Clock::now(), &due);
    for (uint32_t id : due) Accept(loop, id);
  }

  // Let everything go: what we hold, what is still waiting in the socket, and (by the
  // batch verdict) anything queued whose message we have not read yet.
  ReadPackets(handle, fd, loop, /*bounded=*/false);
  const size_t held_at_stop = held.size();
  for (uint32_t id : held.TakeAll()) Accept(loop, id);
  if (loop.any && nfq_set_verdict_batch(loop.queue, loop.max_id, NF_ACCEPT) < 0) {
    Log("batch verdict up to packet %u failed: %s", loop.max_id, strerror(errno));
  }
  const std::string stats = QueueLine(args.queue);
  nfq_destroy_queue(loop.queue);
  nfq_close(handle);
  if (!args.ready_file.empty()) unlink(args.ready_file.c_str());
  Log("%s: released %zu held packets; %llu received, %llu released, %llu verdict errors, "
      "%llu overruns; kernel queue stats [%s]; exiting",
      stop_signal != 0 ? strsignal(stop_signal) : "error", held_at_stop,
      static_cast<unsigned long long>(loop.received),
      static_cast<unsigned long long>(loop.released),
      static_cast<unsigned long long>(loop.verdict_errors),
      static_cast<unsigned long long>(loop.overruns), stats.c_str());
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (std::string why = ParseArgs(argc, argv, &args); !why.empty()) return Usage(why.c_str());
  g_queue = static_cast<int>(args.queue);
  return args.wait_ready.empty() ? Run(args) : WaitReady(args);
}
