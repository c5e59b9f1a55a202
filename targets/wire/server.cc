#include "targets/wire/server.h"

#include <charconv>

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <thread>

#include "targets/wire/wire.h"

namespace coordcheck::wire {
namespace {

int stop_pipe[2] = {-1, -1};

void OnStopSignal(int) {
  const char byte = 1;
  [[maybe_unused]] ssize_t n = write(stop_pipe[1], &byte, 1);
}

}  // namespace

std::string ParseFlags(int argc, char** argv, const FlagSetter& set, bool* help) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      *help = true;
      return "";
    }
    std::string_view name = arg;
    std::string value;
    if (size_t eq = arg.find('='); eq != std::string_view::npos) {
      name = arg.substr(0, eq);
      value = std::string(arg.substr(eq + 1));
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return "flag " + std::string(arg) + " needs a value";
    }
    if (std::string error = set(name, value); !error.empty()) return error;
  }
  return "";
}

bool ParseNonNegative(std::string_view text, int64_t* out) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty() || value < 0) {
    return false;
  }
  *out = value;
  return true;
}

Result<int> StopOnSignals() {
  signal(SIGPIPE, SIG_IGN);
  if (pipe2(stop_pipe, O_CLOEXEC) != 0) {
    return Result<int>::Error(std::string("pipe: ") + std::strerror(errno));
  }
  struct sigaction action {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  return stop_pipe[0];
}

void ServeConnections(int listen_fd, int stop_fd, const std::string& name,
                      const std::function<void(int fd)>& handle) {
  while (true) {
    pollfd fds[2] = {{listen_fd, POLLIN, 0}, {stop_fd, POLLIN, 0}};
    int n = poll(fds, 2, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::fprintf(stderr, "%s: poll: %s\n", name.c_str(), std::strerror(errno));
      return;
    }
    if (fds[1].revents != 0) return;
    if (fds[0].revents == 0) continue;
    int fd = accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED) {
        std::fprintf(stderr, "%s: accept: %s\n", name.c_str(), std::strerror(errno));
        if (errno == EMFILE || errno == ENFILE) usleep(100'000);
      }
      continue;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    std::thread([handle, fd] { handle(fd); }).detach();
  }
}

void AnswerLines(int fd, size_t max_line_bytes, std::chrono::milliseconds reply_timeout,
                 const std::string& name,
                 const std::function<std::string(const std::string& line)>& answer) {
  LineReader reader(max_line_bytes);
  std::string line;
  while (true) {
    IoResult io = reader.ReadLine(fd, Deadline::max(), &line);
    if (!io.ok()) {
      if (io.code == IoCode::kError) {
        std::fprintf(stderr, "%s: dropping a client connection: %s\n", name.c_str(),
                     io.error.c_str());
      }
      return;
    }
    const std::string response = answer(line) + "\n";
    size_t sent = 0;
    if (!WriteAll(fd, response, std::chrono::steady_clock::now() + reply_timeout, &sent).ok()) {
      return;
    }
  }
}

}  // namespace coordcheck::wire
