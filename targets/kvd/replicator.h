// Replicator: the primary's asynchronous push of changes to followers, used only by the
// deliberately broken variant follower-reads (followers answer reads from these copies, so
// their reads lag behind the primary).
//
// Each follower has a FIFO queue and a thread. A change is sent to a follower no earlier
// than a random delay after it was applied (uniform in [d/2, 3d/2]) and never before an
// earlier change, so every follower's copy passes through the primary's states in order,
// only late. A follower that cannot be reached is retried; its queue is capped (the oldest
// changes are dropped, with a log line).
//
// Thread-safety: Publish may be called from any thread (the store calls it under its
// mutex, which fixes the order).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "history/op.h"

namespace coordcheck::kvd {

struct ReplicatorOptions {
  std::string node;                    // this node's name, for log lines
  std::vector<std::string> followers;  // "host:port" of every follower
  int delay_ms = 40;                   // mean replication delay, ms
  int connect_timeout_ms = 1000;       // per connection attempt to a follower
  uint64_t seed = 0;                   // delays
};

class Replicator {
 public:
  explicit Replicator(const ReplicatorOptions& options);
  ~Replicator();  // stops and joins the threads
  Replicator(const Replicator&) = delete;
  Replicator& operator=(const Replicator&) = delete;

  void Publish(const Json& key, const Json& value);

 private:
  struct Change {
    std::chrono::steady_clock::time_point due;
    Json key;
    Json value;
  };
  struct Follower {
    std::string address;
    std::mutex mu;
    std::condition_variable cv;
    std::deque<Change> queue;
    std::chrono::steady_clock::time_point last_due{};
    bool stopping = false;
    bool dropped_logged = false;
    std::thread thread;
  };

  void Run(Follower* follower);

  const ReplicatorOptions options_;
  std::mutex rng_mu_;
  std::mt19937_64 rng_;
  std::vector<std::unique_ptr<Follower>> followers_;
};

}  // namespace coordcheck::kvd
