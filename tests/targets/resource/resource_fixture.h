// Test fixtures for the protected resource: a cluster (local backend, or netns for the root
// tests) with coordcheck-resource deployed by the real ResourceDb, clients for it, and a
// recorder that turns concurrent clients' critical sections into a history the lock
// checkers can judge.
//
// Everything reports through Catch2, so this is for test code only. The fixture tears the
// resource down and destroys the cluster (stopping every process it started, by pid).
//
// Thread-safety: a ResourceNode is driven by the test's main thread; Recorder may be used
// from several threads at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "history/history.h"
#include "targets/db.h"
#include "targets/resource/client.h"
#include "targets/resource/db.h"
#include "tests/support/node_env.h"

namespace coordcheck::test {

// The directory holding coordcheck-resource (the build's bin directory).
std::string ResourceBinDir();

class ResourceNode {
 public:
  // A `nodes`-node cluster of `backend`; the resource is set up (on every node the options
  // say: normally n1 when options.node is empty) and ready.
  explicit ResourceNode(resource::ResourceOptions options, const std::string& backend = "local",
                        int nodes = 1);
  ~ResourceNode();

  resource::ResourceDb& db() { return *db_; }
  DbEnv& env() { return env_; }
  control::Remote& remote(const std::string& node) { return cluster_.remote(node); }
  const std::string& address() const { return address_; }
  int port() const { return db_->options().port; }
  // A client opened against the resource.
  std::unique_ptr<resource::ResourceClient> Client();
  // The resource's log file on its node.
  std::string ServerLog();
  // Sends one raw line on a fresh connection; the answer line ("" when none came in 2 s).
  std::string RawCall(const std::string& line);

 private:
  nodetest::TestCluster cluster_;
  std::unique_ptr<resource::ResourceDb> db_;
  DbEnv env_;
  std::string node_;
  std::string address_;
};

// A deadline `ms` milliseconds from now.
std::chrono::steady_clock::time_point In(int64_t ms);

// Records ops from several threads into one history (times from a steady clock since the
// recorder was made, taken under its lock so they never decrease).
class Recorder {
 public:
  Recorder();
  void Invoke(int64_t process, const std::string& f, Json value = nullptr);
  void Complete(int64_t process, OpType type, const std::string& f, Json value = nullptr,
                Json error = nullptr);
  History Take();

 private:
  std::mutex mu_;
  std::chrono::steady_clock::time_point start_;
  History history_;
};

// One critical section the lock workload's way: increment invoke, read, hold `hold`, write
// read+1 with `fence`, completion (ok / fail "stale fence" / info). `between` runs after the
// read and before the hold (tests use it to line threads up).
void CriticalSection(resource::ResourceClient& client, Recorder& recorder, int64_t process,
                     const std::string& cs, std::optional<int64_t> fence,
                     std::chrono::milliseconds hold, const std::function<void()>& between = {});

// The final phase: resource-log, then resource-read, by process `process`. REQUIREs both ok.
void FinalPhase(resource::ResourceClient& client, Recorder& recorder, int64_t process = 1000);

}  // namespace coordcheck::test
