// PaymentsService: the coordcheck-payments executable — our reference payments service.
// charge(key, account, amount) → charge id; balance(account); the pending outbox; a full
// read for the final phase (targets/payments/protocol.h). Its key store is a real database
// (sql.h): SQLite in this process, or a PostgreSQL server shared by several instances.
//
// A charge, in the correct variant:
//   1. fast path: the key's stored response, if any, is returned as is (replayed);
//   2. authorize: the card processor's time — usually nothing, one charge in slow_every
//      slow_ms (longer than clients wait, so their retries overlap the attempt);
//   3. one transaction: look the key up again (found → replay), claim it (INSERT under its
//      PRIMARY KEY: a concurrent attempt that claimed it first makes this one roll back and
//      replay that one's answer), write the charge and the balance, work_ms of processing,
//      and the event into the outbox table; COMMIT.
// Without an outbox: publish-then-commit sends the event to the ledger inside the transaction,
// before COMMIT; commit-then-publish hands it, after COMMIT, to an in-memory queue that a
// publisher thread delivers from (tried a few times, then dropped), like an after-commit
// hook. The outbox relay (one thread per instance) delivers undelivered outbox rows to the ledger
// in batches and marks exactly the delivered rows; the ledger deduplicates by event id, so
// at-least-once delivery applies each event once.
//
// Outcome reporting: nothing committed → {"definite": true}; a COMMIT whose answer was lost
// (the connection broke) → {"definite": false}: the client must treat it as unknown.
//
// The broken variants (bugs.h) change exactly the step their name says.
//
// Thread-safety: Serve runs on one thread; each connection gets its own thread and its own
// database connection; the relay has its own.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <vector>
#include <memory>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "targets/payments/bugs.h"

namespace coordcheck::payments {

struct ServiceOptions {
  std::string node;      // this instance's node (log lines, charge ids)
  std::string listen;    // ADDR:PORT
  std::string database;  // "sqlite:PATH" or "postgres:CONNINFO" (sql.h OpenSql)
  std::string ledger;    // the ledger's ADDR:PORT
  Bug bug = Bug::kNone;
  int64_t work_ms = 2;
  int slow_every = 200;
  int64_t slow_ms = 1500;
  int64_t short_key_ttl_ms = 100;
  int64_t relay_interval_ms = 20;
  // How long the service keeps trying to reach its database and create its tables at start.
  std::chrono::milliseconds startup_timeout{60000};
};

// The commit-then-publish variant's events between their commit and their publication: in
// memory only, as an after-commit hook's queue is.
class EventQueue {
 public:
  void Push(nlohmann::json event);
  // Up to `most` events, oldest first, removed from the queue and counted in flight until
  // Done (delivered or dropped).
  std::vector<nlohmann::json> Take(size_t most);
  void Done();
  // Events not yet delivered or dropped: queued and in flight.
  size_t Pending();

 private:
  std::mutex mu_;
  std::deque<nlohmann::json> events_;  // guarded by mu_
  size_t in_flight_ = 0;                // guarded by mu_
};

class PaymentsService {
 public:
  // Binds the listen address and creates the tables (retrying while the database is not up
  // yet, at most startup_timeout). The error names the step.
  static Result<std::unique_ptr<PaymentsService>> Start(const ServiceOptions& options);
  ~PaymentsService();

  // Serves connections (and runs the relay when the variant has an outbox) until `stop_fd`
  // becomes readable.
  void Serve(int stop_fd);
  std::string Describe() const;

 private:
  explicit PaymentsService(const ServiceOptions& options);
  void HandleConnection(int fd);
  void RelayLoop();
  // The commit-then-publish variant's publisher: delivers queued events in batches gathered
  // for 500 ms (a producer's linger), a batch at most 3 times, then drops it.
  void PublishLoop();

  const ServiceOptions options_;
  int listen_fd_ = -1;
  std::atomic<bool> stopping_{false};
  EventQueue queue_;
  // Charges being worked on now (received, not yet answered), for "pending".
  std::atomic<int64_t> charging_{0};
};

// True when the variant keeps an outbox table and runs a relay.
bool HasOutbox(Bug bug);

}  // namespace coordcheck::payments
