#include "targets/payments/client.h"

#include <unistd.h>

#include <algorithm>
#include <thread>
#include <utility>

#include "workloads/payments/ops.h"
#include "targets/wire/json_line.h"

namespace coordcheck::payments {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// How often drain asks for the outbox's size, and how long before the op's deadline it
// gives up (so its own last poll and the answer fit in).
constexpr milliseconds kDrainPoll{50};
constexpr milliseconds kDrainMargin{200};

constexpr size_t kMaxQuotedAnswer = 200;

std::string Quote(const std::string& answer) {
  if (answer.size() <= kMaxQuotedAnswer) return answer;
  return answer.substr(0, kMaxQuotedAnswer) + "...";
}

std::string ErrorText(const Json& error) {
  if (error.is_string()) return error.get<std::string>();
  if (error.is_null()) return "failed";
  return error.dump();
}

// A charge's invoke value, checked before anything is sent.
struct ChargeArgs {
  std::string key;
  std::string account;
  int64_t amount = 0;
  int64_t attempt = 0;
};

bool ParseCharge(const Op& invoke, ChargeArgs* args, std::string* error) {
  const Json& v = invoke.value;
  if (!invoke.key.is_string() || invoke.key.get<std::string>().empty()) {
    *error = "bad charge: the key (the idempotency key) must be a non-empty string";
    return false;
  }
  if (!v.is_object() || !v.contains("account") || !v["account"].is_string() ||
      !v.contains("amount") || !v["amount"].is_number_integer() ||
      v["amount"].get<int64_t>() <= 0 || !v.contains("attempt") ||
      !v["attempt"].is_number_integer() || v["attempt"].get<int64_t>() < 1) {
    *error =
        "bad charge: the value must be {\"account\": string, \"amount\": integer > 0, "
        "\"attempt\": integer >= 1}, got " +
        v.dump();
    return false;
  }
  args->key = invoke.key.get<std::string>();
  args->account = v["account"].get<std::string>();
  args->amount = v["amount"].get<int64_t>();
  args->attempt = v["attempt"].get<int64_t>();
  return true;
}

Op WithNode(Op done, const std::string& node) {
  done.node = node;
  return done;
}

}  // namespace

PaymentsClient::PaymentsClient(Store store, PaymentsOptions options)
    : store_(store), options_(std::move(options)) {}

PaymentsClient::PaymentsClient(Store store) : store_(store), options_from_env_(true) {}

PaymentsClient::~PaymentsClient() { Close(); }

Status PaymentsClient::Open(const ClientEnv& env, const std::string& node) {
  Close();
  connections_.clear();
  layout_ = Layout{};
  if (env.dialer == nullptr) return Status::Error("payments client: no dialer");
  if (options_from_env_) {
    auto parsed = ParsePaymentsOptions(env.workload_options);
    if (!parsed.ok()) return parsed.status().Wrap("payments client");
    options_ = *parsed;
  }
  if (env.extra_nodes < 0 || static_cast<size_t>(env.extra_nodes) > env.nodes.size()) {
    return Status::Error("payments client: " + std::to_string(env.extra_nodes) +
                         " extra nodes among " + std::to_string(env.nodes.size()));
  }
  const std::vector<std::string> target(env.nodes.begin(), env.nodes.end() - env.extra_nodes);
  const size_t needed = store_ == Store::kPostgres ? 3 : 2;
  if (target.size() < needed) {
    return Status::Error("payments client: the " +
                         std::string(store_ == Store::kPostgres ? "PostgreSQL" : "SQLite") +
                         " layout needs at least " + std::to_string(needed) + " nodes, got " +
                         std::to_string(target.size()));
  }
  auto at = std::find(env.nodes.begin(), env.nodes.end(), node);
  if (at == env.nodes.end()) return Status::Error("payments client: unknown node \"" + node + "\"");
  layout_ = Layout::Of(store_, target);
  home_ = static_cast<size_t>(at - env.nodes.begin());
  dialer_ = env.dialer;

  auto add = [&](const std::string& n, int port) -> Status {
    auto address = env.addresses.find(n);
    if (address == env.addresses.end()) {
      return Status::Error("payments client: no address for node " + n);
    }
    Connection& c = connections_[n];
    c.address = address->second;
    c.port = port;
    return Status::Ok();
  };
  for (const std::string& s : layout_.services) {
    if (auto st = add(s, options_.service_port); !st.ok()) return st;
  }
  return add(layout_.ledger, options_.ledger_port);
}

void PaymentsClient::Close() {
  for (auto& [node, connection] : connections_) Disconnect(connection);
}

void PaymentsClient::Disconnect(Connection& connection) {
  if (connection.fd >= 0) close(connection.fd);
  connection.fd = -1;
  connection.reader.Reset();
}

std::string PaymentsClient::Where(const std::string& node) const {
  auto it = connections_.find(node);
  if (it == connections_.end()) return node;
  return node + " (" + wire::JoinHostPort(it->second.address, it->second.port) + ")";
}

PaymentsClient::Reply PaymentsClient::Call(const std::string& node, const Json& request,
                                           Deadline until) {
  using Kind = Reply::Kind;
  auto make = [&](Kind kind, std::string error) {
    Reply r;
    r.kind = kind;
    r.error = Where(node) + ": " + error;
    return r;
  };
  auto it = connections_.find(node);
  if (dialer_ == nullptr || it == connections_.end()) {
    return make(Kind::kNotSent, "payments client: used before Open");
  }
  Connection& c = it->second;
  const auto now = Clock::now();
  if (now >= until) return make(Kind::kNotSent, "deadline passed before the request was sent");
  if (c.fd >= 0 && !wire::IdleConnectionUsable(c.fd)) Disconnect(c);
  if (c.fd < 0) {
    auto fd = dialer_->Connect(c.address, c.port, std::chrono::ceil<milliseconds>(until - now));
    if (!fd.ok()) return make(Kind::kNotSent, fd.message());
    c.fd = *fd;
    c.reader.Reset();
  }

  size_t sent = 0;
  wire::IoResult io = wire::WriteAll(c.fd, wire::Dump(request) + "\n", until, &sent);
  if (!io.ok()) {
    Disconnect(c);
    if (sent == 0) return make(Kind::kNotSent, "request not sent: " + io.error);
    return make(Kind::kUncertain, "connection lost while sending: " + io.error);
  }
  std::string line;
  io = c.reader.ReadLine(c.fd, until, &line);
  if (!io.ok()) {
    // No answer may arrive later on this connection and be taken for the next request's.
    Disconnect(c);
    if (io.code == wire::IoCode::kTimeout) return make(Kind::kUncertain, "no answer in time");
    return make(Kind::kUncertain, "connection lost after sending: " + io.error);
  }
  Json answer = Json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!answer.is_object() || !answer.contains("ok") || !answer["ok"].is_boolean()) {
    Disconnect(c);
    return make(Kind::kUncertain, "unexpected answer: " + Quote(line));
  }
  if (answer["ok"].get<bool>()) {
    Reply r;
    r.kind = Kind::kOk;
    r.body = std::move(answer);
    return r;
  }
  // Only an explicit "definite": true makes a failure certain; anything else is unknown.
  const bool definite = answer.contains("definite") && answer["definite"] == true;
  Reply r;
  r.kind = definite ? Kind::kRefused : Kind::kUncertain;
  r.body = std::move(answer);
  r.error = ErrorText(wire::FieldOrNull(r.body, "error"));
  return r;
}

Op PaymentsClient::Invoke(const Op& invoke, Deadline deadline) {
  if (invoke.f == payment_ops::kCharge) return Charge(invoke, deadline);
  if (invoke.f == payment_ops::kDrain) return Drain(invoke, deadline);
  if (invoke.f == payment_ops::kReadService) return ReadService(invoke, deadline);
  if (invoke.f == payment_ops::kReadLedger) return ReadLedger(invoke, deadline);
  return CompleteFail(invoke, "unknown op \"" + invoke.f +
                                  "\" (the payments workload has charge, "
                                  "drain, read-service and read-ledger)");
}

Op PaymentsClient::Charge(const Op& invoke, Deadline deadline) {
  ChargeArgs args;
  std::string bad;
  if (!ParseCharge(invoke, &args, &bad)) return CompleteFail(invoke, bad);
  if (layout_.services.empty()) return CompleteFail(invoke, "payments client: used before Open");
  const size_t n = layout_.services.size();
  const std::string& node = layout_.services[(home_ + static_cast<size_t>(args.attempt - 1)) % n];
  const Deadline until =
      std::min(deadline, Clock::now() + milliseconds(options_.attempt_timeout_ms));
  Reply reply = Call(
      node,
      Json{{"op", "charge"}, {"key", args.key}, {"account", args.account}, {"amount", args.amount}},
      until);
  switch (reply.kind) {
    case Reply::Kind::kOk: {
      const Json charge_id = wire::FieldOrNull(reply.body, "charge_id");
      const Json replayed = wire::FieldOrNull(reply.body, "replayed");
      if (!charge_id.is_string() || !replayed.is_boolean()) {
        // An ok without its charge id cannot be recorded as ok; what happened is unknown.
        return WithNode(
            CompleteInfo(invoke, Where(node) + ": unexpected answer: " + Quote(reply.body.dump())),
            node);
      }
      Json value = invoke.value;
      value["charge_id"] = charge_id;
      value["replayed"] = replayed;
      return WithNode(CompleteOk(invoke, std::move(value)), node);
    }
    case Reply::Kind::kNotSent:
    case Reply::Kind::kRefused:
      return WithNode(CompleteFail(invoke, reply.error), node);
    case Reply::Kind::kUncertain:
      break;
  }
  return WithNode(CompleteInfo(invoke, reply.error), node);
}

// Quiescence, not only an empty outbox: a charge whose client timed out may still be running
// on some instance (waiting on a lock, a slow card), and if it commits after read-service its
// event reaches the ledger as one of no committed charge. So every instance is asked in a
// round, and the drain ends when, in one round, each answered with no charge in progress and
// the (shared) outbox was empty. An instance that does not answer keeps the drain going: it
// may be working still.
Op PaymentsClient::Drain(const Op& invoke, Deadline deadline) {
  const size_t n = layout_.services.size();
  if (n == 0) return CompleteFail(invoke, "payments client: used before Open");
  const auto start = Clock::now();
  // A short op timeout (tests) still leaves room to poll: at most a quarter of it as margin.
  const auto margin = std::min<Clock::duration>(
      kDrainMargin, deadline > start ? (deadline - start) / 4 : Clock::duration::zero());
  const Deadline stop = deadline - margin;
  Json last_pending = nullptr;  // the last outbox size an instance reported
  std::string busy;             // why the last round was not quiet
  std::string last_node = layout_.services[home_ % n];
  while (Clock::now() < stop) {
    bool quiet = true;
    Json outbox = false;
    for (size_t i = 0; i < n && Clock::now() < stop; ++i) {
      const std::string& node = layout_.services[(home_ + i) % n];
      const Deadline until =
          std::min(stop, Clock::now() + milliseconds(options_.attempt_timeout_ms));
      Reply reply = Call(node, Json{{"op", "pending"}}, until);
      last_node = node;
      if (reply.kind != Reply::Kind::kOk) {
        quiet = false;
        busy = reply.error;
        continue;
      }
      const Json pending = wire::FieldOrNull(reply.body, "pending");
      const Json charging = wire::FieldOrNull(reply.body, "charging");
      const Json has_outbox = wire::FieldOrNull(reply.body, "outbox");
      if (!pending.is_number_integer() || !charging.is_number_integer() ||
          !has_outbox.is_boolean()) {
        quiet = false;
        busy = Where(node) + ": unexpected answer: " + Quote(reply.body.dump());
        continue;
      }
      outbox = has_outbox;
      last_pending = pending;
      if (pending.get<int64_t>() > 0) {
        quiet = false;
        busy = "the outbox still held " + pending.dump() + " undelivered events";
      } else if (charging.get<int64_t>() > 0) {
        quiet = false;
        busy = Where(node) + " was still working on " + charging.dump() + " charges";
      }
    }
    if (quiet && last_pending.is_number_integer()) {
      return WithNode(CompleteOk(invoke, Json{{"pending", 0}, {"outbox", outbox}}), last_node);
    }
    std::this_thread::sleep_until(std::min(stop, Clock::now() + kDrainPoll));
  }
  std::string why = "the service was not quiet by the deadline";
  if (!busy.empty()) why += " (last: " + busy + ")";
  return WithNode(
      Complete(invoke, OpType::kInfo, Json{{"pending", last_pending}, {"outbox", true}}, why),
      last_node);
}

Op PaymentsClient::ReadService(const Op& invoke, Deadline deadline) {
  const size_t n = layout_.services.size();
  if (n == 0) return CompleteFail(invoke, "payments client: used before Open");
  bool uncertain = false;
  std::string errors;
  for (size_t i = 0; i < n; ++i) {
    const std::string& node = layout_.services[i];
    // The remaining time shared among the instances still to try (the last gets the rest).
    const auto now = Clock::now();
    const Deadline until = now + (deadline > now ? (deadline - now) / static_cast<int64_t>(n - i)
                                                 : Clock::duration::zero());
    Reply reply = Call(node, Json{{"op", "read"}}, until);
    if (reply.kind == Reply::Kind::kOk) {
      const Json charges = wire::FieldOrNull(reply.body, "charges");
      const Json balances = wire::FieldOrNull(reply.body, "balances");
      if (charges.is_array() && balances.is_object()) {
        return WithNode(CompleteOk(invoke, Json{{"charges", charges}, {"balances", balances}}),
                        node);
      }
      reply.error = Where(node) + ": unexpected answer: " + Quote(reply.body.dump());
      uncertain = true;
    } else if (reply.kind == Reply::Kind::kUncertain) {
      uncertain = true;
    }
    errors += (errors.empty() ? "" : "; ") + reply.error;
  }
  // A read changes nothing; fail only says no instance got it, info that one may have.
  return Complete(invoke, uncertain ? OpType::kInfo : OpType::kFail, nullptr, errors);
}

Op PaymentsClient::ReadLedger(const Op& invoke, Deadline deadline) {
  if (layout_.ledger.empty()) return CompleteFail(invoke, "payments client: used before Open");
  const std::string& node = layout_.ledger;
  Reply reply = Call(node, Json{{"op", "read"}}, deadline);
  switch (reply.kind) {
    case Reply::Kind::kOk: {
      const Json events = wire::FieldOrNull(reply.body, "events");
      const Json balances = wire::FieldOrNull(reply.body, "balances");
      if (events.is_array() && balances.is_object()) {
        return WithNode(CompleteOk(invoke, Json{{"events", events}, {"balances", balances}}), node);
      }
      return WithNode(Complete(invoke, OpType::kInfo, nullptr,
                               Where(node) + ": unexpected answer: " + Quote(reply.body.dump())),
                      node);
    }
    case Reply::Kind::kNotSent:
    case Reply::Kind::kRefused:
      return WithNode(Complete(invoke, OpType::kFail, nullptr, reply.error), node);
    case Reply::Kind::kUncertain:
      break;
  }
  return WithNode(Complete(invoke, OpType::kInfo, nullptr, reply.error), node);
}

}  // namespace coordcheck::payments
