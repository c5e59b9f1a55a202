// coordcheck-resource: the protected resource's server executable (see
// targets/resource/server.h and protocol.h). Logs to stderr; exits 0 on SIGTERM or SIGINT, 1
// when it cannot start, 2 on bad flags.

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "targets/resource/server.h"

namespace {

using coordcheck::resource::ParseMode;
using coordcheck::resource::ResourceServer;
using coordcheck::resource::ServerOptions;

constexpr char kUsage[] =
    "usage: coordcheck-resource --listen ADDR:PORT [--mode fenced|unfenced]\n"
    "                           [--data-dir DIR] [--node NAME]\n";

int stop_pipe[2] = {-1, -1};

void OnStopSignal(int) {
  const char byte = 1;
  [[maybe_unused]] ssize_t n = write(stop_pipe[1], &byte, 1);
}

// Parses argv into *options; an error message, or "" when fine.
std::string ParseFlags(int argc, char** argv, ServerOptions* options, bool* help) {
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
    if (name == "--listen") {
      options->listen = value;
    } else if (name == "--mode") {
      if (!ParseMode(value, &options->mode)) {
        return "flag --mode: want fenced or unfenced, got \"" + value + "\"";
      }
    } else if (name == "--data-dir") {
      options->data_dir = value;
    } else if (name == "--node") {
      options->node = value;
    } else {
      return "unknown flag " + std::string(name);
    }
  }
  if (options->listen.empty()) return "--listen is required";
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  ServerOptions options;
  bool help = false;
  if (std::string error = ParseFlags(argc, argv, &options, &help); !error.empty()) {
    std::fprintf(stderr, "coordcheck-resource: %s\n%s", error.c_str(), kUsage);
    return 2;
  }
  if (help) {
    std::fputs(kUsage, stdout);
    return 0;
  }

  signal(SIGPIPE, SIG_IGN);
  if (pipe2(stop_pipe, O_CLOEXEC) != 0) {
    std::fprintf(stderr, "resource: pipe: %s\n", std::strerror(errno));
    return 1;
  }
  struct sigaction action {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);

  auto server = ResourceServer::Start(options);
  if (!server.ok()) {
    std::fprintf(stderr, "%s\n", server.message().c_str());
    return 1;
  }
  std::fprintf(stderr, "%s\n", (*server)->Describe().c_str());
  std::fflush(stderr);
  (*server)->Serve(stop_pipe[0]);
  std::fprintf(stderr, "resource: stopping on signal\n");
  std::fflush(stderr);
  // Connection threads may be blocked in reads; leave them to the kernel.
  _exit(0);
}
