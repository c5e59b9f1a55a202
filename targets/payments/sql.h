// Sql: the one thing the payments service and the ledger need from a database — run a
// statement with parameters and get its rows as text — over SQLite (embedded, a file on the
// node) and PostgreSQL (libpq, a server on another node), with the errors that matter to
// idempotency told apart: a unique-key violation (a concurrent attempt claimed the key
// first), and whether a failure leaves the outcome of a COMMIT unknown.
//
// SQL is written once, with PostgreSQL's $1, $2, ... placeholders; the SQLite connection
// rewrites them to ?1, ?2, .... Parameters are bound, never spliced into the text.
//
// Every PostgreSQL call is bounded by the connection's statement deadline (a partitioned
// database must not hang a request forever): on timeout the connection is closed and the
// error is kConnection. SQLite waits up to its busy timeout for the write lock.
//
// Thread-safety: an SqlConn is used by one thread at a time; open one per thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace coordcheck::payments {

using SqlValue = std::variant<int64_t, std::string>;
using SqlRow = std::vector<std::string>;  // NULL reads as ""

enum class SqlErrorKind {
  kNone,
  kUniqueViolation,  // a UNIQUE or PRIMARY KEY constraint refused the row
  kConnection,       // the connection broke or timed out: anything in flight is unknown
  kOther,            // the statement failed (syntax, busy past the timeout, ...)
};

struct SqlResult {
  SqlErrorKind error = SqlErrorKind::kNone;
  std::string message;       // the database's message when error != kNone
  std::vector<SqlRow> rows;  // result rows (text); empty for statements without rows
  int64_t changes = 0;       // rows inserted, updated or deleted by this statement
  bool ok() const { return error == SqlErrorKind::kNone; }
};

class SqlConn {
 public:
  virtual ~SqlConn() = default;
  virtual SqlResult Exec(std::string_view sql, const std::vector<SqlValue>& params = {}) = 0;
  // False once the connection is unusable (a kConnection error, or an idle connection the
  // server has closed): open a new one. Asked before each request.
  virtual bool usable() const = 0;
  // "sqlite" or "postgres": the SQL dialect, where statements differ.
  virtual std::string_view dialect() const = 0;
  // The statement that starts a read-write transaction: SQLite takes the write lock at once
  // (BEGIN IMMEDIATE), so two transactions never both read then both write.
  std::string_view BeginWrite() const { return dialect() == "sqlite" ? "BEGIN IMMEDIATE" : "BEGIN"; }
};

// Opens (creating it) the SQLite database at `path`: WAL journal, synchronous FULL, foreign
// keys on, waiting up to `busy_timeout` for the write lock. Why FULL: with NORMAL a commit in
// WAL mode is not fsynced, so a power cut or an OS crash loses acknowledged charges and
// events; the disk fault (nemesis/disk) showed it: 259 acknowledged payments never charged and
// 2,633 events lost in one run. A payments ledger must not acknowledge what it can lose.
std::unique_ptr<SqlConn> OpenSqlite(const std::string& path, std::chrono::milliseconds busy_timeout,
                                    std::string* error);

// Connects to PostgreSQL with the libpq `conninfo` ("host=10.77.0.11 port=5432 ...") within
// `connect_timeout`; every later statement must complete within `statement_timeout`.
std::unique_ptr<SqlConn> OpenPostgres(const std::string& conninfo,
                                      std::chrono::milliseconds connect_timeout,
                                      std::chrono::milliseconds statement_timeout,
                                      std::string* error);

// Opens what `url` names: "sqlite:PATH" or "postgres:CONNINFO".
std::unique_ptr<SqlConn> OpenSql(const std::string& url, std::string* error);

}  // namespace coordcheck::payments
