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

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "harness/control/status.h"

namespace coordcheck::wire {

// Applies one flag: `name` as given ("--listen"), `value` its text. Returns "" when fine,
// else the message ("unknown flag --x", "flag --mode: want ...").
using FlagSetter = std::function<std::string(std::string_view name, const std::string& value)>;

// Gives every flag of argv[1..], "--name value" or "--name=value", to `set`. Stops at --help
// or -h (*help = true, returns ""). Returns the first error: "flag --x needs a value" or
// what `set` returned; "" when all were applied.
std::string ParseFlags(int argc, char** argv, const FlagSetter& set, bool* help);

// Ignores SIGPIPE and makes SIGTERM and SIGINT write a byte to a pipe; returns the pipe's
// read end (ServeConnections' stop_fd), which becomes readable at the first such signal, or
// an error "pipe: ...".
control::Result<int> StopOnSignals();

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

}  // namespace coordcheck::wire
