// LedgerService: the coordcheck-ledger executable — the outbox's consumer. It applies the
// payments service's events ([event id, account, amount]) to its own balances, in its own
// SQLite database, and answers what it applied (targets/payments/protocol.h).
//
// Correct: an event id it has already applied is skipped (the relay delivers at least once,
// so redeliveries are expected). With `dedup` false (the non-dedup-consumer bug) every
// delivery is applied and counted.
//
// Every slow_every-th apply request stalls slow_ms first (holding the ledger, as a real
// single writer would): its sender times out and delivers again, which a deduplicating
// consumer absorbs.
//
// Thread-safety: one thread per connection; requests are applied one at a time (a mutex
// around the one database connection).
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "base/status.h"
#include "targets/payments/sql.h"

namespace coordcheck::payments {

struct LedgerOptions {
  std::string node;
  std::string listen;    // ADDR:PORT
  std::string database;  // SQLite file
  bool dedup = true;
  // Every slow_every-th apply (0 = never) takes slow_ms longer — a consumer's occasional
  // stall (a compaction, a GC pause), longer than its producers wait for an answer.
  int slow_every = 0;
  int64_t slow_ms = 0;
};

class LedgerService {
 public:
  static Result<std::unique_ptr<LedgerService>> Start(const LedgerOptions& options);
  ~LedgerService();
  void Serve(int stop_fd);
  std::string Describe() const;

 private:
  explicit LedgerService(const LedgerOptions& options) : options_(options) {}
  std::string Answer(const std::string& line);

  const LedgerOptions options_;
  int listen_fd_ = -1;
  std::mutex mu_;
  std::unique_ptr<SqlConn> db_;  // guarded by mu_
  int64_t applies_ = 0;          // apply requests so far; guarded by mu_
};

}  // namespace coordcheck::payments
