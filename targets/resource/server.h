// ResourceServer: the coordcheck-resource executable's network side — accepts connections
// and answers the protocol of targets/resource/protocol.h from one ResourceState, one thread
// per connection.
//
// Thread-safety: Serve runs on one thread; connection threads are internal and share the
// state (which serializes requests).
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "targets/resource/state.h"

namespace coordcheck::resource {

struct ServerOptions {
  std::string node;                 // this node's name (for log lines and ping); may be empty
  std::string listen;               // "host:port" to bind (IPv4)
  Mode mode = Mode::kFenced;        // fenced or unfenced
  std::string data_dir;             // where the log is persisted; empty = memory only
  size_t max_line_bytes = 1 << 20;  // longest request line accepted
};

class ResourceServer {
 public:
  // Binds the listen address and opens (replays) the state. The error names the step.
  static Result<std::unique_ptr<ResourceServer>> Start(const ServerOptions& options);
  ~ResourceServer();

  // Accepts connections until `stop_fd` becomes readable.
  void Serve(int stop_fd);
  // One line for the start-up log.
  std::string Describe() const;

 private:
  explicit ResourceServer(const ServerOptions& options);
  void HandleConnection(int fd);
  Response Dispatch(const Request& request);

  const ServerOptions options_;
  int listen_fd_ = -1;
  std::unique_ptr<ResourceState> state_;
};

}  // namespace coordcheck::resource
