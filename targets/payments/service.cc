#include "targets/payments/service.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "targets/payments/line_link.h"
#include "targets/payments/sql.h"
#include "targets/wire/server.h"
#include "targets/wire/wire.h"

namespace coordcheck::payments {
namespace {

using Json = nlohmann::json;
using std::chrono::milliseconds;

constexpr auto kReplyTimeout = std::chrono::seconds(30);
constexpr auto kLedgerTimeout = milliseconds(1000);
constexpr int kRelayBatch = 200;
// How often the commit-then-publish variant's publisher tries a batch before dropping it.
constexpr int kPublishAttempts = 3;
// How long its publisher lets events gather into a batch (a producer's linger).
constexpr auto kPublishLinger = milliseconds(500);
// Keys of the correct variant outlive any client's retries by far.
constexpr int64_t kKeyTtlMs = 24 * 3600 * 1000;

int64_t WallMs() {
  return std::chrono::duration_cast<milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void Log(const std::string& line) {
  std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
}

std::vector<std::string> Schema(std::string_view dialect) {
  const std::string serial =
      dialect == "sqlite" ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY";
  return {
      "CREATE TABLE IF NOT EXISTS idempotency_keys (key TEXT PRIMARY KEY, charge_id TEXT NOT "
      "NULL, created_ms BIGINT NOT NULL)",
      "CREATE TABLE IF NOT EXISTS charges (id TEXT PRIMARY KEY, key TEXT NOT NULL, account TEXT "
      "NOT NULL, amount BIGINT NOT NULL)",
      "CREATE TABLE IF NOT EXISTS balances (account TEXT PRIMARY KEY, balance BIGINT NOT NULL)",
      "CREATE TABLE IF NOT EXISTS outbox (seq " + serial +
          ", event_id TEXT NOT NULL, account TEXT NOT NULL, amount BIGINT NOT NULL, delivered "
          "INTEGER NOT NULL DEFAULT 0)",
      "CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (delivered, seq)",
  };
}

// An answer line's JSON.
Json Fail(bool definite, const std::string& error) {
  return Json{{"ok", false}, {"definite", definite}, {"error", error}};
}

// What one connection's thread holds: its database connection, its link to the ledger (for
// the variants that publish directly) and its randomness.
class Handler {
 public:
  Handler(const ServiceOptions& options, EventQueue* queue, std::atomic<int64_t>* charging)
      : o_(options), queue_(queue), charging_(charging), rng_(std::random_device{}()) {
    std::string host;
    int port = 0;
    wire::ParseHostPort(o_.ledger, &host, &port);
    ledger_ = std::make_unique<LineLink>(host, port);
  }

  Json Answer(const std::string& line) {
    Json request = Json::parse(line, nullptr, false);
    if (!request.is_object() || !request.contains("op") || !request["op"].is_string()) {
      return Fail(true, "bad request: want a JSON object with \"op\"");
    }
    const std::string op = request["op"];
    if (op == "ping") return Ping();
    if (op == "charge") {
      if (!request.contains("key") || !request["key"].is_string() ||
          !request.contains("account") || !request["account"].is_string() ||
          !request.contains("amount") || !request["amount"].is_number_integer()) {
        return Fail(true, "bad request: charge wants key and account (strings), amount (integer)");
      }
      // Counted while it runs: a charge whose client timed out may still commit, and the
      // final reads must come after it (PaymentsClient's drain waits for none to be left).
      charging_->fetch_add(1);
      Json answer = Charge(request["key"], request["account"], request["amount"]);
      charging_->fetch_sub(1);
      return answer;
    }
    if (op == "balance") {
      if (!request.contains("account") || !request["account"].is_string()) {
        return Fail(true, "bad request: balance wants account (a string)");
      }
      return Balance(request["account"]);
    }
    if (op == "pending") return Pending();
    if (op == "read") return Read();
    return Fail(true, "bad request: unknown op \"" + op + "\"");
  }

 private:
  // The database connection, (re)opened when needed; null with *error when unreachable.
  SqlConn* Db(std::string* error) {
    if (db_ && !db_->usable()) db_.reset();
    if (!db_) db_ = OpenSql(o_.database, error);
    return db_.get();
  }

  Json Ping() {
    std::string error;
    SqlConn* db = Db(&error);
    if (db == nullptr) return Fail(true, error);
    SqlResult r = db->Exec("SELECT 1");
    if (!r.ok()) return Fail(true, r.message);
    return Json{{"ok", true}, {"node", o_.node}};
  }

  std::string NewChargeId() {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng_()));
    return "ch-" + o_.node + "-" + buf;
  }

  void Sleep(int64_t ms) {
    if (ms > 0) std::this_thread::sleep_for(milliseconds(ms));
  }
  // The card processor's time: one charge in slow_every takes slow_ms.
  void Authorize() {
    if (o_.slow_every > 0 && rng_() % static_cast<uint64_t>(o_.slow_every) == 0) Sleep(o_.slow_ms);
  }

  int64_t KeyTtlMs() const { return o_.bug == Bug::kShortKeyTtl ? o_.short_key_ttl_ms : kKeyTtlMs; }

  // The key's stored charge id ("" = none, or expired); false on a database error.
  bool Lookup(SqlConn* db, const std::string& key, std::string* charge_id, std::string* error) {
    SqlResult r = db->Exec(
        "SELECT charge_id FROM idempotency_keys WHERE key = $1 AND created_ms >= $2",
        {key, WallMs() - KeyTtlMs()});
    if (!r.ok()) {
      *error = r.message;
      return false;
    }
    *charge_id = r.rows.empty() ? "" : r.rows[0][0];
    return true;
  }

  Json Replay(const std::string& charge_id) {
    return Json{{"ok", true}, {"charge_id", charge_id}, {"replayed", true}};
  }

  // Sends the charge's event to the ledger directly (the variants without an outbox).
  LinkReply Publish(const std::string& id, const std::string& account, int64_t amount) {
    return ledger_->Call(Json{{"op", "apply"}, {"events", Json::array({Json::array({id, account, amount})})}},
                         kLedgerTimeout);
  }

  // Rolls back what is open and answers `error` as definite: nothing was committed.
  Json Abort(SqlConn* db, const std::string& error) {
    if (db->usable()) db->Exec("ROLLBACK");
    return Fail(true, error);
  }

  Json Charge(const std::string& key, const std::string& account, int64_t amount) {
    std::string error;
    SqlConn* db = Db(&error);
    if (db == nullptr) return Fail(true, "database unavailable: " + error);
    const Bug bug = o_.bug;
    const bool keyed = bug != Bug::kNoKey;
    // The key is claimed in the charge's transaction, under its PRIMARY KEY, except by the
    // variants whose very bug is not doing so.
    const bool claim_in_tx =
        keyed && bug != Bug::kCheckThenInsert && bug != Bug::kEffectBeforeKey;
    if (keyed) {
      std::string found;
      if (!Lookup(db, key, &found, &error)) return Fail(true, error);
      if (!found.empty()) return Replay(found);
    }
    Authorize();
    for (int attempt = 0; attempt < 5; ++attempt) {
      if (SqlResult r = db->Exec(db->BeginWrite()); !r.ok()) return Abort(db, r.message);
      if (claim_in_tx) {
        if (bug == Bug::kShortKeyTtl) {
          SqlResult r = db->Exec("DELETE FROM idempotency_keys WHERE key = $1 AND created_ms < $2",
                                 {key, WallMs() - KeyTtlMs()});
          if (!r.ok()) return Abort(db, r.message);
        }
        std::string found;
        if (!Lookup(db, key, &found, &error)) return Abort(db, error);
        if (!found.empty()) {
          db->Exec("COMMIT");
          return Replay(found);
        }
      }
      const std::string id = NewChargeId();
      if (claim_in_tx) {
        SqlResult r = db->Exec(
            "INSERT INTO idempotency_keys (key, charge_id, created_ms) VALUES ($1, $2, $3)",
            {key, id, WallMs()});
        if (r.error == SqlErrorKind::kUniqueViolation) {
          // A concurrent attempt claimed the key first: its answer is this one's.
          db->Exec("ROLLBACK");
          continue;
        }
        if (!r.ok()) return Abort(db, r.message);
      }
      for (auto& [sql, params] : std::vector<std::pair<const char*, std::vector<SqlValue>>>{
               {"INSERT INTO charges (id, key, account, amount) VALUES ($1, $2, $3, $4)",
                {id, key, account, amount}},
               {"INSERT INTO balances (account, balance) VALUES ($1, $2) ON CONFLICT (account) "
                "DO UPDATE SET balance = balances.balance + excluded.balance",
                {account, amount}}}) {
        if (SqlResult r = db->Exec(sql, params); !r.ok()) return Abort(db, r.message);
      }
      if (HasOutbox(bug)) {
        SqlResult r = db->Exec("INSERT INTO outbox (event_id, account, amount) VALUES ($1, $2, $3)",
                               {id, account, amount});
        if (!r.ok()) return Abort(db, r.message);
      }
      if (bug == Bug::kPublishThenCommit) {
        LinkReply p = Publish(id, account, amount);
        if (!p.ok || p.answer.value("ok", false) != true) {
          return Abort(db, "ledger: " + (p.ok ? p.answer.dump() : p.error));
        }
      }
      if (bug == Bug::kCheckThenInsert) {
        SqlResult r = db->Exec(
            "INSERT INTO idempotency_keys (key, charge_id, created_ms) VALUES ($1, $2, $3) ON "
            "CONFLICT (key) DO UPDATE SET charge_id = excluded.charge_id, created_ms = "
            "excluded.created_ms",
            {key, id, WallMs()});
        if (!r.ok()) return Abort(db, r.message);
      }
      if (bug != Bug::kEffectBeforeKey) Sleep(o_.work_ms);
      SqlResult c = db->Exec("COMMIT");
      if (!c.ok()) {
        // A COMMIT whose answer was lost may have committed.
        if (c.error == SqlErrorKind::kConnection) return Fail(false, "commit: " + c.message);
        return Abort(db, "commit: " + c.message);
      }
      if (bug == Bug::kEffectBeforeKey) {
        Sleep(o_.work_ms);
        SqlResult r = db->Exec(
            "INSERT INTO idempotency_keys (key, charge_id, created_ms) VALUES ($1, $2, $3) ON "
            "CONFLICT (key) DO UPDATE SET charge_id = excluded.charge_id, created_ms = "
            "excluded.created_ms",
            {key, id, WallMs()});
        // The charge is committed: a failure here leaves the outcome unknown to the client.
        if (!r.ok()) return Fail(false, "storing the key: " + r.message);
      }
      if (bug == Bug::kCommitThenPublish) {
        // After the commit, handed to the in-process publisher (an after-commit hook): gone if
        // the process dies first or the ledger stays unreachable.
        queue_->Push(Json::array({id, account, amount}));
      }
      return Json{{"ok", true}, {"charge_id", id}, {"replayed", false}};
    }
    return Fail(true, "key " + key + " claimed concurrently 5 times in a row");
  }

  Json Balance(const std::string& account) {
    std::string error;
    SqlConn* db = Db(&error);
    if (db == nullptr) return Fail(true, error);
    SqlResult r = db->Exec("SELECT balance FROM balances WHERE account = $1", {account});
    if (!r.ok()) return Fail(true, r.message);
    return Json{{"ok", true}, {"balance", r.rows.empty() ? 0 : std::stoll(r.rows[0][0])}};
  }

  Json Pending() {
    // Read first: a charge that ends after this read has committed (and queued its event)
    // before the outbox below is counted.
    Json out = {{"ok", true}, {"charging", charging_->load()}};
    if (o_.bug == Bug::kCommitThenPublish) {
      // No outbox, but events queued in memory are still on their way.
      out["pending"] = queue_->Pending();
      out["outbox"] = false;
      return out;
    }
    if (!HasOutbox(o_.bug)) {
      out["pending"] = 0;
      out["outbox"] = false;
      return out;
    }
    std::string error;
    SqlConn* db = Db(&error);
    if (db == nullptr) return Fail(true, error);
    SqlResult r = db->Exec("SELECT count(*) FROM outbox WHERE delivered = 0");
    if (!r.ok()) return Fail(true, r.message);
    out["pending"] = std::stoll(r.rows[0][0]);
    out["outbox"] = true;
    return out;
  }

  Json Read() {
    std::string error;
    SqlConn* db = Db(&error);
    if (db == nullptr) return Fail(true, error);
    const char* begin =
        db->dialect() == "sqlite" ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
    if (SqlResult r = db->Exec(begin); !r.ok()) return Fail(true, r.message);
    SqlResult charges = db->Exec("SELECT id, key, account, amount FROM charges ORDER BY id");
    SqlResult balances = db->Exec("SELECT account, balance FROM balances ORDER BY account");
    if (db->usable()) db->Exec("COMMIT");
    if (!charges.ok()) return Fail(true, charges.message);
    if (!balances.ok()) return Fail(true, balances.message);
    Json out = {{"ok", true}, {"charges", Json::array()}, {"balances", Json::object()}};
    for (const SqlRow& row : charges.rows) {
      out["charges"].push_back(Json::array({row[0], row[1], row[2], std::stoll(row[3])}));
    }
    for (const SqlRow& row : balances.rows) out["balances"][row[0]] = std::stoll(row[1]);
    return out;
  }

  const ServiceOptions& o_;
  EventQueue* queue_;
  std::atomic<int64_t>* charging_;
  std::mt19937_64 rng_;
  std::unique_ptr<SqlConn> db_;
  std::unique_ptr<LineLink> ledger_;
};

}  // namespace

bool HasOutbox(Bug bug) { return bug != Bug::kPublishThenCommit && bug != Bug::kCommitThenPublish; }

PaymentsService::PaymentsService(const ServiceOptions& options) : options_(options) {}

PaymentsService::~PaymentsService() {
  if (listen_fd_ >= 0) close(listen_fd_);
}

Result<std::unique_ptr<PaymentsService>> PaymentsService::Start(
    const ServiceOptions& options) {
  using R = Result<std::unique_ptr<PaymentsService>>;
  const std::string where = "payments " + options.node + ": ";
  std::string host, ledger_host;
  int port = 0, ledger_port = 0;
  if (!wire::ParseHostPort(options.listen, &host, &port)) {
    return R::Error(where + "bad --listen \"" + options.listen + "\" (want ADDR:PORT)");
  }
  if (!wire::ParseHostPort(options.ledger, &ledger_host, &ledger_port)) {
    return R::Error(where + "bad --ledger \"" + options.ledger + "\" (want ADDR:PORT)");
  }
  // Tables first: a service that answers must have them.
  const auto give_up = std::chrono::steady_clock::now() + options.startup_timeout;
  std::string error;
  while (true) {
    std::unique_ptr<SqlConn> db = OpenSql(options.database, &error);
    bool created = db != nullptr;
    for (const std::string& sql : created ? Schema(db->dialect()) : std::vector<std::string>{}) {
      SqlResult r = db->Exec(sql);
      if (!r.ok()) {
        error = r.message;
        created = false;
        break;
      }
    }
    if (created) break;
    if (std::chrono::steady_clock::now() >= give_up) {
      return R::Error(where + "cannot create the tables: " + error);
    }
    std::this_thread::sleep_for(milliseconds(200));
  }
  auto listening = wire::ListenTcp(host, port);
  if (!listening.ok()) return R::Error(where + listening.message());
  std::unique_ptr<PaymentsService> service(new PaymentsService(options));
  service->listen_fd_ = *listening;
  return service;
}

std::string PaymentsService::Describe() const {
  const std::string db = options_.database.substr(0, options_.database.find(':'));
  return "payments " + options_.node + ": listening on " + options_.listen + ", " + db +
         ", ledger " + options_.ledger +
         (options_.bug == Bug::kNone ? "" : ", bug " + std::string(BugName(options_.bug))) +
         (HasOutbox(options_.bug) ? ", outbox relay every " +
                                        std::to_string(options_.relay_interval_ms) + " ms"
                                  : ", no outbox");
}

void PaymentsService::HandleConnection(int fd) {
  Handler handler(options_, &queue_, &charging_);
  wire::AnswerLines(fd, wire::kMaxLineBytes, kReplyTimeout, "payments",
                    [&](const std::string& line) { return handler.Answer(line).dump(); });
  close(fd);
}

void PaymentsService::RelayLoop() {
  std::string host;
  int port = 0;
  wire::ParseHostPort(options_.ledger, &host, &port);
  LineLink ledger(host, port);
  std::unique_ptr<SqlConn> db;
  std::string last_error;
  auto note = [&](const std::string& error) {
    if (error != last_error) Log(options_.node + ": relay: " + error);
    last_error = error;
  };
  while (!stopping_) {
    std::string error;
    if (db && !db->usable()) db.reset();
    if (!db) db = OpenSql(options_.database, &error);
    bool busy = false;
    if (!db) {
      note("database unavailable: " + error);
    } else {
      SqlResult batch = db->Exec(
          "SELECT seq, event_id, account, amount FROM outbox WHERE delivered = 0 ORDER BY seq "
          "LIMIT " + std::to_string(kRelayBatch));
      if (!batch.ok()) {
        note(batch.message);
      } else if (!batch.rows.empty()) {
        Json events = Json::array();
        std::string marks = "UPDATE outbox SET delivered = 1 WHERE seq IN (";
        std::vector<SqlValue> seqs;
        for (const SqlRow& row : batch.rows) {
          events.push_back(Json::array({row[1], row[2], std::stoll(row[3])}));
          seqs.push_back(std::stoll(row[0]));
          marks += (seqs.size() > 1 ? ", $" : "$") + std::to_string(seqs.size());
        }
        marks += ")";
        LinkReply r = ledger.Call(Json{{"op", "apply"}, {"events", events}}, kLedgerTimeout);
        if (!r.ok || r.answer.value("ok", false) != true) {
          note("delivering " + std::to_string(seqs.size()) +
               " events: " + (r.ok ? r.answer.dump() : r.error));
        } else if (SqlResult m = db->Exec(marks, seqs); !m.ok()) {
          note("marking " + std::to_string(seqs.size()) + " events delivered: " + m.message);
        } else {
          busy = static_cast<int>(seqs.size()) == kRelayBatch;
          if (!last_error.empty()) Log(options_.node + ": relay: delivering again");
          last_error.clear();
        }
      }
    }
    if (!busy) std::this_thread::sleep_for(milliseconds(options_.relay_interval_ms));
  }
}

void EventQueue::Push(nlohmann::json event) {
  std::lock_guard<std::mutex> lock(mu_);
  events_.push_back(std::move(event));
}

std::vector<nlohmann::json> EventQueue::Take(size_t most) {
  std::lock_guard<std::mutex> lock(mu_);
  const size_t n = std::min(most, events_.size());
  std::vector<nlohmann::json> out(std::make_move_iterator(events_.begin()),
                                  std::make_move_iterator(events_.begin() + n));
  events_.erase(events_.begin(), events_.begin() + n);
  in_flight_ = n;
  return out;
}

void EventQueue::Done() {
  std::lock_guard<std::mutex> lock(mu_);
  in_flight_ = 0;
}

size_t EventQueue::Pending() {
  std::lock_guard<std::mutex> lock(mu_);
  return events_.size() + in_flight_;
}

void PaymentsService::PublishLoop() {
  std::string host;
  int port = 0;
  wire::ParseHostPort(options_.ledger, &host, &port);
  LineLink ledger(host, port);
  while (!stopping_) {
    std::vector<Json> batch = queue_.Take(kRelayBatch);
    if (!batch.empty()) {
      const Json request = {{"op", "apply"}, {"events", Json(batch)}};
      std::string error;
      bool delivered = false;
      for (int attempt = 0; attempt < kPublishAttempts && !delivered && !stopping_; ++attempt) {
        LinkReply r = ledger.Call(request, kLedgerTimeout);
        delivered = r.ok && r.answer.value("ok", false) == true;
        if (!delivered) {
          error = r.ok ? r.answer.dump() : r.error;
          std::this_thread::sleep_for(milliseconds(options_.relay_interval_ms));
        }
      }
      queue_.Done();
      if (!delivered) {
        Log(options_.node + ": publisher: dropped " + std::to_string(batch.size()) +
            " events after " + std::to_string(kPublishAttempts) + " attempts: " + error);
      }
    }
    if (batch.size() < static_cast<size_t>(kRelayBatch)) std::this_thread::sleep_for(kPublishLinger);
  }
}

void PaymentsService::Serve(int stop_fd) {
  std::thread relay;
  if (HasOutbox(options_.bug)) relay = std::thread([this] { RelayLoop(); });
  if (options_.bug == Bug::kCommitThenPublish) relay = std::thread([this] { PublishLoop(); });
  wire::ServeConnections(listen_fd_, stop_fd, "payments", [this](int fd) { HandleConnection(fd); });
  stopping_ = true;
  if (relay.joinable()) relay.join();
}

}  // namespace coordcheck::payments
