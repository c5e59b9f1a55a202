// A register workload for the kvd tests, without the runner: concurrent threads do random
// reads, writes and cas ops on a few keys against the given nodes through KvdClients and
// record a history (one process per thread; after an info the thread continues as a fresh
// process, as the runner does). CheckCasRegister judges it with the linearizability
// checker.
//
// Thread-safety: RunRegisterWorkload starts and joins its own threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "checkers/checker.h"
#include "history/history.h"
#include "targets/client.h"

namespace coordcheck::test {

struct WorkloadOptions {
  int threads = 8;
  std::chrono::milliseconds duration{1000};
  int keys = 3;
  int values = 5;           // values written are 0..values-1
  int max_pause_us = 4000;  // each thread pauses uniform 0..this between ops
  int only_node = -1;       // >= 0: every op goes to nodes[only_node]; else a random node per op
  std::chrono::milliseconds op_timeout{1000};
  uint64_t seed = 1;
};

struct WorkloadResult {
  History history;
  int64_t ok = 0;
  int64_t fail = 0;
  int64_t info = 0;
  double seconds = 0;
  std::string Describe() const;  // "N events (ok A, fail B, info C)"
};

WorkloadResult RunRegisterWorkload(const ClientEnv& env, const std::vector<std::string>& nodes,
                                   const WorkloadOptions& options);

// Validates the history (a failed validation is kUnknown with the reason in the summary)
// and checks it with model cas-register, 30 s budget.
CheckResult CheckCasRegister(const History& history);

}  // namespace coordcheck::test
