// SqlConn over PostgreSQL with libpq (sql.h). Statements are sent asynchronously and waited
// for with poll() up to the statement deadline, so a partition between the service and the
// database cannot hang a request: past the deadline the connection is dropped and the
// statement's outcome is unknown (kConnection).
#include <libpq-fe.h>
#include <poll.h>

#include <cstring>

#include "targets/payments/sql.h"

namespace coordcheck::payments {
namespace {

using Clock = std::chrono::steady_clock;

class PgConn final : public SqlConn {
 public:
  PgConn(PGconn* conn, std::chrono::milliseconds statement_timeout)
      : conn_(conn), statement_timeout_(statement_timeout) {}
  ~PgConn() override {
    if (conn_ != nullptr) PQfinish(conn_);
  }

  SqlResult Exec(std::string_view sql, const std::vector<SqlValue>& params) override {
    SqlResult result;
    if (conn_ == nullptr) return Broken(&result, "postgres: connection closed after an earlier error");
    std::vector<std::string> texts;
    texts.reserve(params.size());
    for (const SqlValue& p : params) {
      texts.push_back(std::holds_alternative<int64_t>(p) ? std::to_string(std::get<int64_t>(p))
                                                         : std::get<std::string>(p));
    }
    std::vector<const char*> values;
    for (const std::string& t : texts) values.push_back(t.c_str());
    const std::string text(sql);
    if (PQsendQueryParams(conn_, text.c_str(), static_cast<int>(values.size()), nullptr,
                          values.data(), nullptr, nullptr, 0) != 1) {
      return Broken(&result, std::string("postgres: send: ") + PQerrorMessage(conn_));
    }
    const auto deadline = Clock::now() + statement_timeout_;
    // Flush what libpq could not send at once, then wait for the whole answer.
    while (true) {
      const int flushed = PQflush(conn_);
      if (flushed == 0) break;
      if (flushed < 0) return Broken(&result, std::string("postgres: send: ") + PQerrorMessage(conn_));
      if (!Wait(POLLOUT | POLLIN, deadline)) return Broken(&result, TimeoutMessage());
      if (PQconsumeInput(conn_) != 1) {
        return Broken(&result, std::string("postgres: ") + PQerrorMessage(conn_));
      }
    }
    PGresult* last_error = nullptr;
    while (true) {
      while (PQisBusy(conn_)) {
        if (!Wait(POLLIN, deadline)) {
          if (last_error) PQclear(last_error);
          return Broken(&result, TimeoutMessage());
        }
        if (PQconsumeInput(conn_) != 1) {
          if (last_error) PQclear(last_error);
          return Broken(&result, std::string("postgres: ") + PQerrorMessage(conn_));
        }
      }
      PGresult* r = PQgetResult(conn_);
      if (r == nullptr) break;
      const ExecStatusType status = PQresultStatus(r);
      if (status == PGRES_TUPLES_OK) {
        const int rows = PQntuples(r), cols = PQnfields(r);
        result.rows.reserve(rows);
        for (int i = 0; i < rows; ++i) {
          SqlRow row;
          row.reserve(cols);
          for (int c = 0; c < cols; ++c) row.emplace_back(PQgetvalue(r, i, c));
          result.rows.push_back(std::move(row));
        }
        PQclear(r);
      } else if (status == PGRES_COMMAND_OK) {
        const char* n = PQcmdTuples(r);
        result.changes = (n && *n) ? std::stoll(n) : 0;
        PQclear(r);
      } else {
        if (last_error) PQclear(last_error);
        last_error = r;
      }
    }
    if (last_error != nullptr) {
      const char* state = PQresultErrorField(last_error, PG_DIAG_SQLSTATE);
      result.error = state && std::strcmp(state, "23505") == 0 ? SqlErrorKind::kUniqueViolation
                                                                : SqlErrorKind::kOther;
      result.message = std::string("postgres: ") + PQresultErrorMessage(last_error);
      while (!result.message.empty() && result.message.back() == '\n') result.message.pop_back();
      PQclear(last_error);
      if (PQstatus(conn_) != CONNECTION_OK) {
        result.error = SqlErrorKind::kConnection;
        Close();
      }
    }
    return result;
  }
  // An idle connection has nothing to read: if it has, the server is telling it goodbye (a
  // restarted PostgreSQL's "terminating connection"), and the next statement would fail.
  bool usable() const override {
    if (conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK) return false;
    pollfd p{PQsocket(conn_), POLLIN, 0};
    return poll(&p, 1, 0) == 0;
  }
  std::string_view dialect() const override { return "postgres"; }

 private:
  bool Wait(short events, Clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{PQsocket(conn_), events, 0};
    const int n = poll(&p, 1, static_cast<int>(left.count()));
    return n > 0;
  }
  std::string TimeoutMessage() const {
    return "postgres: no answer within " + std::to_string(statement_timeout_.count()) + " ms";
  }
  SqlResult& Broken(SqlResult* result, std::string message) {
    result->error = SqlErrorKind::kConnection;
    while (!message.empty() && message.back() == '\n') message.pop_back();
    result->message = std::move(message);
    Close();
    return *result;
  }
  void Close() {
    if (conn_ != nullptr) PQfinish(conn_);
    conn_ = nullptr;
  }

  PGconn* conn_;
  const std::chrono::milliseconds statement_timeout_;
};

}  // namespace

std::unique_ptr<SqlConn> OpenPostgres(const std::string& conninfo,
                                      std::chrono::milliseconds connect_timeout,
                                      std::chrono::milliseconds statement_timeout,
                                      std::string* error) {
  // libpq's connect_timeout is in whole seconds (at least 2 are honoured).
  const long seconds = std::max<long>(2, static_cast<long>((connect_timeout.count() + 999) / 1000));
  const std::string full = conninfo + " connect_timeout=" + std::to_string(seconds) +
                           " keepalives=1 keepalives_idle=1 keepalives_interval=1"
                           " keepalives_count=2 tcp_user_timeout=" +
                           std::to_string(statement_timeout.count());
  PGconn* conn = PQconnectdb(full.c_str());
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
    *error = std::string("postgres: connect (") + conninfo + "): " +
             (conn ? PQerrorMessage(conn) : "out of memory");
    while (!error->empty() && error->back() == '\n') error->pop_back();
    if (conn) PQfinish(conn);
    return nullptr;
  }
  return std::make_unique<PgConn>(conn, statement_timeout);
}

std::unique_ptr<SqlConn> OpenSql(const std::string& url, std::string* error) {
  if (url.rfind("sqlite:", 0) == 0) {
    return OpenSqlite(url.substr(7), std::chrono::milliseconds(10000), error);
  }
  if (url.rfind("postgres:", 0) == 0) {
    return OpenPostgres(url.substr(9), std::chrono::milliseconds(2000),
                        std::chrono::milliseconds(3000), error);
  }
  *error = "database \"" + url + "\": want sqlite:PATH or postgres:CONNINFO";
  return nullptr;
}

}  // namespace coordcheck::payments
