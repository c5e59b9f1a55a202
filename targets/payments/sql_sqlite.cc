// SqlConn over SQLite (sql.h).
#include <sqlite3.h>

#include <cctype>

#include "targets/payments/sql.h"

namespace coordcheck::payments {
namespace {

// $1 → ?1 (SQLite's numbered parameters), outside string literals.
std::string ToSqliteParams(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  bool in_string = false;
  for (size_t i = 0; i < sql.size(); ++i) {
    char c = sql[i];
    if (c == '\'') in_string = !in_string;
    if (!in_string && c == '$' && i + 1 < sql.size() &&
        std::isdigit(static_cast<unsigned char>(sql[i + 1]))) {
      c = '?';
    }
    out.push_back(c);
  }
  return out;
}

class SqliteConn final : public SqlConn {
 public:
  explicit SqliteConn(sqlite3* db) : db_(db) {}
  ~SqliteConn() override { sqlite3_close_v2(db_); }

  SqlResult Exec(std::string_view sql, const std::vector<SqlValue>& params) override {
    SqlResult result;
    const std::string text = ToSqliteParams(sql);
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, text.c_str(), static_cast<int>(text.size()), &stmt, nullptr) !=
        SQLITE_OK) {
      return Error(&result);
    }
    for (size_t i = 0; i < params.size(); ++i) {
      const int at = static_cast<int>(i + 1);
      if (const int64_t* v = std::get_if<int64_t>(&params[i])) {
        sqlite3_bind_int64(stmt, at, *v);
      } else {
        const std::string& s = std::get<std::string>(params[i]);
        sqlite3_bind_text(stmt, at, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
      }
    }
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      SqlRow row;
      const int n = sqlite3_column_count(stmt);
      row.reserve(n);
      for (int c = 0; c < n; ++c) {
        const unsigned char* v = sqlite3_column_text(stmt, c);
        row.emplace_back(v == nullptr ? "" : reinterpret_cast<const char*>(v));
      }
      result.rows.push_back(std::move(row));
    }
    if (rc != SQLITE_DONE) {
      Error(&result);
      sqlite3_finalize(stmt);
      return result;
    }
    sqlite3_finalize(stmt);
    result.changes = sqlite3_changes64(db_);
    return result;
  }
  bool usable() const override { return true; }
  std::string_view dialect() const override { return "sqlite"; }

 private:
  SqlResult& Error(SqlResult* result) {
    const int code = sqlite3_extended_errcode(db_);
    result->error = code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY
                        ? SqlErrorKind::kUniqueViolation
                        : SqlErrorKind::kOther;
    result->message = std::string("sqlite: ") + sqlite3_errmsg(db_);
    return *result;
  }

  sqlite3* db_;
};

}  // namespace

std::unique_ptr<SqlConn> OpenSqlite(const std::string& path, std::chrono::milliseconds busy_timeout,
                                    std::string* error) {
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    *error = "sqlite: open " + path + ": " + (db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close_v2(db);
    return nullptr;
  }
  sqlite3_busy_timeout(db, static_cast<int>(busy_timeout.count()));
  auto conn = std::make_unique<SqliteConn>(db);
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL"}) {
    SqlResult r = conn->Exec(pragma, {});
    if (!r.ok()) {
      *error = "sqlite: " + path + ": " + pragma + ": " + r.message;
      return nullptr;
    }
  }
  return conn;
}

}  // namespace coordcheck::payments
