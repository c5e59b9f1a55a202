// Client: how a worker thread talks to a target (one Client per logical process).
//
// open(node) → invoke(op) → completion, close (shared/DESIGN.md). The runner creates a
// client per process, opens it against one node, invokes ops one at a time, and closes it
// when the process ends (after an `info`, the thread continues with a fresh process and a
// fresh client).
//
// Contract for Invoke: return a completion of the same f and key, with type
//   ok   — the op took effect; value = what it observed (a read's value, a lock's token);
//   fail — it certainly did not take effect (refused, cas mismatch, connect refused before
//          anything was sent); error says why;
//   info — unknown: a timeout, a connection lost after the request was sent, an answer
//          that cannot be parsed. Never guess ok or fail.
// Invoke must return by `deadline` (clients use socket timeouts, not threads): the
// runner's per-op timeout. Invoke never throws; the runner still records an exception
// that escapes as `info`.
//
// Thread-safety: a Client is used by one thread at a time.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "harness/control/dialer.h"
#include "base/status.h"
#include "history/op.h"

namespace coordcheck {

using Deadline = std::chrono::steady_clock::time_point;

class ClientFaultBoard;

// What a client needs to reach the cluster.
struct ClientEnv {
  control::Dialer* dialer = nullptr;
  std::map<std::string, std::string> addresses;  // node name -> address
  // Every node in order: the target's nodes, then its extra nodes (Target::extra_node_roles).
  std::vector<std::string> nodes;
  int extra_nodes = 0;  // how many of `nodes` are extra (at the end)
  Json options;           // the target's options from the test config (object or null)
  Json workload_options;  // the workload's options from the test config (object or null)
  int concurrency = 0;    // client threads: a process p runs on thread p % concurrency
  uint64_t seed = 0;      // the clients' seed (derive one per process from it)
  // Client-side faults the nemesis posts for client threads (the lock workload's GC
  // pauses); null when the run has none. Outlives every client.
  ClientFaultBoard* client_faults = nullptr;
};

class Client {
 public:
  virtual ~Client() = default;
  // Prepares to talk to `node`. May connect lazily; an error here is recorded by the
  // runner as the process's ops failing, and it retries with a fresh client.
  virtual Status Open(const ClientEnv& env, const std::string& node) = 0;
  // Performs one op. `invoke` carries f, key and value; the returned completion carries
  // type, value and error (the runner fills in index, time and process).
  virtual Op Invoke(const Op& invoke, Deadline deadline) = 0;
  virtual void Close() = 0;
};

// Completion helpers for clients. Complete sets everything; the others keep the invoke's
// value (fail, info) or set a new one (ok).
Op Complete(const Op& invoke, OpType type, Json value, Json error);
Op CompleteOk(const Op& invoke, Json value);
Op CompleteFail(const Op& invoke, Json error);
Op CompleteInfo(const Op& invoke, Json error);

}  // namespace coordcheck
