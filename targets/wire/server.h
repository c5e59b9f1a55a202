// What our own line-protocol servers (coordcheck-kvd, coordcheck-resource) share around
// their request handling: reading `--name value` flags in main(), stopping on SIGTERM or
// SIGINT, accepting connections with a thread each, and answering one line per request.
//
// Nothing here exits or throws; errors are returned, or (for the serving loops, which have
// no caller to return them to) logged to stderr prefixed with the server's name.
//
// Thread-safety: ParseFlags is a plain function. StopOnSignals is called once, from main()
// before any thread starts. ServeConnections runs on the caller's thread and starts one
// detached thread per connection; AnswerLines runs on that connection's thread.
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace coordcheck::wire {

// Applies one flag: `name` as given ("--listen"), `value` its text. Returns "" when fine,
// else the message ("unknown flag --x", "flag --mode: want ...").
using FlagSetter = std::function<std::string(std::string_view name, const std::string& value)>;

// Gives every flag of argv[1..], "--name value" or "--name=value", to `set`. Stops at --help
// or -h (*help = true, returns ""). Returns the first error: "flag --x needs a value" or
// what `set` returned; "" when all were applied.
std::string ParseFlags(int argc, char** argv, const FlagSetter& set, bool* help);

// A flag's value as an integer >= 0 ("42"); false on anything else.
bool ParseNonNegative(std::string_view text, int64_t* out);

// Ignores SIGPIPE and makes SIGTERM and SIGINT write a byte to a pipe; returns the pipe's
// read end (ServeConnections' stop_fd), which becomes readable at the first such signal, or
// an error "pipe: ...".
Result<int> StopOnSignals();

// Accepts connections on `listen_fd` until `stop_fd` becomes readable, giving each one
// (TCP_NODELAY set) to `handle` on a detached thread of its own; `handle` closes it. Returns
// early only when poll fails. Errors are logged as "<name>: poll: ..." / "<name>: accept: ...".
void ServeConnections(int listen_fd, int stop_fd, const std::string& name,
                      const std::function<void(int fd)>& handle);

// Answers the requests on connection `fd`, one line each, until the peer closes it, a read
// fails (logged as "<name>: dropping a client connection: ...", unless a close) or an answer
// cannot be written within `reply_timeout`: `answer` maps a request line to its response
// line (both without '\n'). Lines longer than `max_line_bytes` end the connection. Leaves
// `fd` open.
void AnswerLines(int fd, size_t max_line_bytes, std::chrono::milliseconds reply_timeout,
                 const std::string& name,
                 const std::function<std::string(const std::string& line)>& answer);

// The rest of a server executable's main() once its flags are parsed: `flag_error` (non-empty)
// → it and `usage` on stderr, exit 2; `help` → `usage` on stdout, exit 0; else starts
// Server::Start(options) (a Result<std::unique_ptr<Server>>; its error on stderr, exit 1),
// logs its Describe(), serves until SIGTERM or SIGINT and exits 0 — with _exit, because
// connection threads may be blocked in reads: they are left to the kernel. `program` prefixes
// the flag error ("coordcheck-resource"), `name` the log lines ("resource").
template <class Server, class Options>
int ServeMain(const char* program, const char* name, const char* usage,
              const std::string& flag_error, bool help, const Options& options) {
  if (!flag_error.empty()) {
    std::fprintf(stderr, "%s: %s\n%s", program, flag_error.c_str(), usage);
    return 2;
  }
  if (help) {
    std::fputs(usage, stdout);
    return 0;
  }
  auto stop_fd = StopOnSignals();
  if (!stop_fd.ok()) {
    std::fprintf(stderr, "%s: %s\n", name, stop_fd.message().c_str());
    return 1;
  }
  auto server = Server::Start(options);
  if (!server.ok()) {
    std::fprintf(stderr, "%s\n", server.message().c_str());
    return 1;
  }
  std::fprintf(stderr, "%s\n", (*server)->Describe().c_str());
  std::fflush(stderr);
  (*server)->Serve(*stop_fd);
  std::fprintf(stderr, "%s: stopping on signal\n", name);
  std::fflush(stderr);
  _exit(0);
}

}  // namespace coordcheck::wire
