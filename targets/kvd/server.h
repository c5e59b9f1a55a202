// Server: one kvd node (the coordcheck-kvd executable) — accepts connections and answers
// the protocol of targets/kvd/protocol.h, one thread per connection.
//
// The node whose listen address equals --primary is the primary: it holds the data (Store).
// Every other node is a follower: it forwards each request over its own connection to the
// primary and relays the answer, so the service is linearizable. Forwarding never turns an
// uncertain outcome into a definite one: a follower answers "fail" (primary unreachable)
// only when no byte of the request left it, and "info" when it sent the request but lost the
// connection or timed out waiting for the answer.
//
// Deliberately broken variants (ServerOptions::bug):
//   follower-reads — followers answer reads from a local copy the primary pushes to them
//                    asynchronously after a delay (Replicator): stale reads;
//   lost-cas       — the primary acknowledges a matching cas before applying it (Store);
//   no-fsync       — the primary acknowledges changes its log has not made durable (Store).
//
// Thread-safety: Serve runs on one thread; connection threads are internal.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"
#include "targets/kvd/protocol.h"
#include "targets/kvd/replicator.h"
#include "targets/kvd/store.h"

namespace coordcheck::kvd {

struct ServerOptions {
  std::string node;                // this node's name (for log lines and ping)
  std::string listen;              // "host:port" to bind
  std::string primary;             // the primary's "host:port"
  std::vector<std::string> peers;  // every node's "host:port" (the primary's included)
  std::string data_dir;            // where the primary keeps its log
  std::string bug;                 // "", "follower-reads", "lost-cas" or "no-fsync"
  int replication_delay_ms = 40;   // follower-reads: mean replication delay, ms
  int lost_cas_delay_ms = 30;      // lost-cas: mean delay before a cas applies, ms
  int forward_timeout_ms = 5000;   // follower: bound on one forwarded request, ms
  int connect_timeout_ms = 1000;   // follower: bound on connecting to the primary, ms
  uint64_t seed = 0;               // the node's randomness (bug delays)
};

// The known bug names.
const std::vector<std::string>& KnownBugs();

class Server {
 public:
  // Validates the options, binds the listen address and (primary) replays the data log.
  // The error names the node and the step.
  static Result<std::unique_ptr<Server>> Start(const ServerOptions& options);
  ~Server();

  // Accepts connections until `stop_fd` becomes readable, then stops accepting.
  void Serve(int stop_fd);
  // Closes the data log (changes arriving later are refused). Connection threads are left
  // to the process's exit.
  void Shutdown();

  bool is_primary() const { return is_primary_; }
  // One line for the start-up log.
  std::string Describe() const;

 private:
  // A follower's connection to the primary, one per client connection.
  struct Upstream;

  explicit Server(const ServerOptions& options);
  void HandleConnection(int fd);
  Response Dispatch(const Request& request, const std::string& line, Upstream* upstream);
  Response Forward(const Request& request, const std::string& line, Upstream* upstream);
  Response ReadLocalCopy(const Request& request);
  // Logs a failed forward, at most once a second (a partition would flood the log).
  void LogForwardError(const std::string& what);
  Response Replicate(const Request& request);

  const ServerOptions options_;
  bool is_primary_ = false;
  std::string primary_host_;
  int primary_port_ = 0;
  int listen_fd_ = -1;
  std::unique_ptr<Replicator> replicator_;  // primary, follower-reads
  std::unique_ptr<Store> store_;            // primary

  std::mutex copy_mu_;                      // follower, follower-reads
  std::map<std::string, Json> local_copy_;  // key_name -> value

  std::mutex log_mu_;
  std::chrono::steady_clock::time_point last_forward_log_{};
  int64_t forward_errors_unlogged_ = 0;
};

}  // namespace coordcheck::kvd
