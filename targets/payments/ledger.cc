#include "targets/payments/ledger.h"

#include <unistd.h>

#include <thread>

#include <nlohmann/json.hpp>

#include "targets/wire/server.h"
#include "targets/wire/wire.h"

namespace coordcheck::payments {
namespace {

using Json = nlohmann::json;

Json Fail(bool definite, const std::string& error) {
  return Json{{"ok", false}, {"definite", definite}, {"error", error}};
}

}  // namespace

LedgerService::~LedgerService() {
  if (listen_fd_ >= 0) close(listen_fd_);
}

Result<std::unique_ptr<LedgerService>> LedgerService::Start(const LedgerOptions& options) {
  using R = Result<std::unique_ptr<LedgerService>>;
  const std::string where = "ledger " + options.node + ": ";
  std::string host;
  int port = 0;
  if (!wire::ParseHostPort(options.listen, &host, &port)) {
    return R::Error(where + "bad --listen \"" + options.listen + "\" (want ADDR:PORT)");
  }
  std::string error;
  std::unique_ptr<SqlConn> db = OpenSqlite(options.database, std::chrono::seconds(10), &error);
  if (!db) return R::Error(where + error);
  for (const char* sql :
       {"CREATE TABLE IF NOT EXISTS events (event_id TEXT PRIMARY KEY, account TEXT NOT NULL, "
        "amount BIGINT NOT NULL, applications INTEGER NOT NULL)",
        "CREATE TABLE IF NOT EXISTS balances (account TEXT PRIMARY KEY, balance BIGINT NOT NULL)"}) {
    if (SqlResult r = db->Exec(sql); !r.ok()) return R::Error(where + r.message);
  }
  auto listening = wire::ListenTcp(host, port);
  if (!listening.ok()) return R::Error(where + listening.message());
  std::unique_ptr<LedgerService> ledger(new LedgerService(options));
  ledger->listen_fd_ = *listening;
  ledger->db_ = std::move(db);
  return ledger;
}

std::string LedgerService::Describe() const {
  return "ledger " + options_.node + ": listening on " + options_.listen + ", database " +
         options_.database + (options_.dedup ? ", deduplicating by event id" : ", NOT deduplicating") +
         (options_.slow_every > 0 ? ", every " + std::to_string(options_.slow_every) +
                                        "th apply stalls " + std::to_string(options_.slow_ms) + " ms"
                                  : "");
}

std::string LedgerService::Answer(const std::string& line) {
  Json request = Json::parse(line, nullptr, false);
  if (!request.is_object() || !request.contains("op") || !request["op"].is_string()) {
    return Fail(true, "bad request: want a JSON object with \"op\"").dump();
  }
  const std::string op = request["op"];
  std::lock_guard<std::mutex> lock(mu_);
  if (op == "ping") return Json{{"ok", true}, {"node", options_.node}}.dump();
  if (op == "read") {
    SqlResult events = db_->Exec(
        "SELECT event_id, account, amount, applications FROM events ORDER BY event_id");
    SqlResult balances = db_->Exec("SELECT account, balance FROM balances ORDER BY account");
    if (!events.ok()) return Fail(true, events.message).dump();
    if (!balances.ok()) return Fail(true, balances.message).dump();
    Json out = {{"ok", true}, {"events", Json::array()}, {"balances", Json::object()}};
    for (const SqlRow& r : events.rows) {
      out["events"].push_back(Json::array({r[0], r[1], std::stoll(r[2]), std::stoll(r[3])}));
    }
    for (const SqlRow& r : balances.rows) out["balances"][r[0]] = std::stoll(r[1]);
    return out.dump();
  }
  if (op != "apply") return Fail(true, "bad request: unknown op \"" + op + "\"").dump();
  if (!request.contains("events") || !request["events"].is_array()) {
    return Fail(true, "bad request: apply wants events").dump();
  }
  for (const Json& e : request["events"]) {
    if (!e.is_array() || e.size() != 3 || !e[0].is_string() || !e[1].is_string() ||
        !e[2].is_number_integer()) {
      return Fail(true, "bad request: an event is [id, account, amount], got " + e.dump()).dump();
    }
  }
  if (options_.slow_every > 0 && ++applies_ % options_.slow_every == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(options_.slow_ms));
  }
  if (SqlResult r = db_->Exec("BEGIN IMMEDIATE"); !r.ok()) return Fail(true, r.message).dump();
  int64_t applied = 0;
  for (const Json& e : request["events"]) {
    const std::string id = e[0], account = e[1];
    const int64_t amount = e[2];
    SqlResult r = db_->Exec(
        options_.dedup
            ? "INSERT INTO events (event_id, account, amount, applications) VALUES ($1, $2, $3, "
              "1) ON CONFLICT (event_id) DO NOTHING"
            : "INSERT INTO events (event_id, account, amount, applications) VALUES ($1, $2, $3, "
              "1) ON CONFLICT (event_id) DO UPDATE SET applications = events.applications + 1",
        {id, account, amount});
    if (r.ok() && r.changes > 0) {
      r = db_->Exec(
          "INSERT INTO balances (account, balance) VALUES ($1, $2) ON CONFLICT (account) DO "
          "UPDATE SET balance = balances.balance + excluded.balance",
          {account, amount});
      ++applied;
    }
    if (!r.ok()) {
      db_->Exec("ROLLBACK");
      return Fail(true, r.message).dump();
    }
  }
  if (SqlResult r = db_->Exec("COMMIT"); !r.ok()) {
    db_->Exec("ROLLBACK");
    return Fail(true, r.message).dump();
  }
  return Json{{"ok", true}, {"applied", applied}}.dump();
}

void LedgerService::Serve(int stop_fd) {
  wire::ServeConnections(listen_fd_, stop_fd, "ledger", [this](int fd) {
    wire::AnswerLines(fd, size_t{64} << 20, std::chrono::seconds(30), "ledger",
                      [this](const std::string& line) { return Answer(line); });
    close(fd);
  });
}

}  // namespace coordcheck::payments
