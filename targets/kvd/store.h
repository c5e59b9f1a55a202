// Store: the kvd primary's data — one map under one mutex, every change appended to a log
// file in the data directory and flushed before the answer leaves, replayed at start, so a
// SIGKILLed primary restarted on the same directory keeps every acknowledged change (the
// bytes are in the kernel once fflush returns; fsync is not needed for process kills).
//
// Log format: one JSON object per line, {"k": key, "v": value}; a torn last line (the
// process died mid-write) is cut off at replay. A failed log write ends the process:
// answering after an unrecorded change would lose it on the next restart.
//
// Bug lost-cas: a cas whose expected value matches is acknowledged at once but applied only
// after a random delay by a background thread; reads see the old value meanwhile, later
// cas ops compare against the old value, and a write to the key discards the pending cas.
//
// Thread-safety: Execute may be called from any number of threads. The change listener is
// called with the store's mutex held, in apply order, and must not call back into the store.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <queue>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "targets/kvd/protocol.h"

namespace coordcheck::kvd {

struct StoreOptions {
  // Directory of the data log (created if missing).
  std::string data_dir;
  // Bug lost-cas: delay matching cas ops, see above.
  bool lost_cas = false;
  // lost-cas: mean delay before a cas takes effect, in ms; uniform in [d/2, 3d/2]. Default 30.
  int lost_cas_delay_ms = 30;
  // Seed of the store's own randomness (lost-cas delays).
  uint64_t seed = 0;
};

// Called after every applied change: the key and its new value.
using ChangeListener = std::function<void(const Json& key, const Json& value)>;

class Store {
 public:
  // Opens (creating) the data log and replays it. The error names the file.
  static Result<std::unique_ptr<Store>> Open(const StoreOptions& options,
                                                      ChangeListener listener);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Executes read, write or cas; anything else fails.
  Response Execute(const Request& request);

  // Entries replayed from the log at Open.
  int64_t replayed() const { return replayed_; }
  // Keys with a value now.
  size_t size();

  // Flushes and closes the log; later changes are refused. For shutdown.
  void Close();

 private:
  struct PendingCas {
    uint64_t token;
    Json key;
    Json value;
  };
  struct Timer {
    std::chrono::steady_clock::time_point due;
    std::string key_name;
    uint64_t token;
    bool operator>(const Timer& other) const { return due > other.due; }
  };

  Store(const StoreOptions& options, ChangeListener listener);
  Status Replay(const std::string& path);
  // Applies a change: log, map, listener. Requires mu_.
  void ApplyLocked(const std::string& key_name, const Json& key, const Json& value);
  const Json& GetLocked(const std::string& key_name) const;
  void RunApplier();

  const StoreOptions options_;
  const ChangeListener listener_;
  int64_t replayed_ = 0;

  std::mutex mu_;
  std::map<std::string, Json> data_;  // key_name -> value
  FILE* log_ = nullptr;
  std::string log_path_;

  // lost-cas only.
  std::map<std::string, std::deque<PendingCas>> pending_;  // key_name -> cas ops not applied
  std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> timers_;
  uint64_t next_token_ = 1;
  std::mt19937_64 rng_;
  bool stopping_ = false;
  std::condition_variable applier_cv_;
  std::thread applier_;
};

}  // namespace coordcheck::kvd
