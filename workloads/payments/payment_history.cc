#include "workloads/payments/payment_history.h"

#include <cassert>
#include <string_view>
#include <utility>

#include "workloads/payments/ops.h"

namespace coordcheck::payment_history {
namespace {

using Clock = std::chrono::steady_clock;

// How many examples of each anomaly type a summary names.
constexpr size_t kSummaryExamples = 3;

// `text` cut to at most `max` bytes on a UTF-8 boundary, "…" marking the cut.
std::string Cut(std::string text, size_t max) {
  if (text.size() <= max) return text;
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  text.resize(end);
  return text + "\u2026";
}

// A JSON value as short text for messages.
std::string Short(const Json& v) {
  return Cut(v.dump(-1, ' ', false, Json::error_handler_t::replace), 60);
}

// "read-service at index 57 (line 58)".
std::string Place(const char* what, int64_t index) {
  return std::string(what) + " at index " + std::to_string(index) + " (line " +
         std::to_string(index + 1) + ")";
}

// A string member of an object; "" when fine, else what is wrong.
std::string StringField(const Json& obj, const char* field, std::string* out) {
  auto it = obj.find(field);
  if (it == obj.end()) return std::string("\"") + field + "\" is missing";
  if (!it->is_string()) return std::string("\"") + field + "\" must be a string, got " + Short(*it);
  *out = it->get<std::string>();
  return "";
}

// An integer member >= `min`; "" when fine, else what is wrong.
std::string IntField(const Json& obj, const char* field, int64_t min, int64_t* out) {
  auto it = obj.find(field);
  if (it == obj.end()) return std::string("\"") + field + "\" is missing";
  if (!it->is_number_integer() || it->get<int64_t>() < min) {
    return std::string("\"") + field + "\" must be an integer >= " + std::to_string(min) +
           ", got " + Short(*it);
  }
  *out = it->get<int64_t>();
  return "";
}

// {A: integer, ...}; "" when fine.
std::string ParseBalances(const Json& value, std::map<std::string, int64_t>* out) {
  auto it = value.find("balances");
  if (it == value.end()) return "\"balances\" is missing";
  if (!it->is_object()) return "\"balances\" must be an object {account: integer}";
  for (const auto& [account, balance] : it->items()) {
    if (!balance.is_number_integer()) {
      return "balances[\"" + Cut(account, 60) + "\"] must be an integer, got " + Short(balance);
    }
    (*out)[account] = balance.get<int64_t>();
  }
  return "";
}

// Positional array entries: [string, string, ..., integer, ...] per `shape` ('s' = string,
// 'i' = integer); "" when fine.
std::string CheckTuple(const Json& entry, std::string_view shape, const char* names) {
  if (!entry.is_array() || entry.size() != shape.size()) {
    return std::string("must be an array ") + names + ", got " + Short(entry);
  }
  for (size_t k = 0; k < shape.size(); ++k) {
    const bool fits = shape[k] == 's' ? entry[k].is_string() : entry[k].is_number_integer();
    if (!fits) {
      return "item " + std::to_string(k) + " of " + names + " must be " +
             (shape[k] == 's' ? "a string" : "an integer") + ", got " + Short(entry[k]);
    }
  }
  return "";
}

// Outstanding reads and drains: process -> invoke index.
using OpenOps = std::unordered_map<int64_t, int64_t>;

// Tracks one final-phase function: whether it was invoked, its last ok completion (and that
// op's invoke), and its last invoke with its completion.
struct FinalOp {
  bool attempted = false;
  const Op* last_ok = nullptr;
  int64_t last_ok_invoke = -1;
  int64_t last_invoke = -1;
  const Op* last_invoke_completion = nullptr;
  OpenOps open;

  void See(const Op& op) {
    attempted = true;
    if (op.is_invoke()) {
      open[op.process] = op.index;
      last_invoke = op.index;
      last_invoke_completion = nullptr;
      return;
    }
    auto it = open.find(op.process);
    const int64_t invoke = it == open.end() ? op.index : it->second;
    if (it != open.end()) open.erase(it);
    if (op.type == OpType::kOk) {
      last_ok = &op;
      last_ok_invoke = invoke;
    }
    if (invoke == last_invoke) last_invoke_completion = &op;
  }
};

class Parser {
 public:
  Parser(const History& history, const Parts& parts, Clock::time_point deadline, Problem* problem)
      : history_(history), parts_(parts), deadline_(deadline), problem_(problem) {}

  std::optional<PaymentHistory> Run() {
    if (parts_.attempts) Reserve();
    for (size_t i = 0; i < history_.size(); ++i) {
      if (i % kClockStride == 0 && Clock::now() >= deadline_) {
        return TimeLimit("reading the history's payment ops (" + std::to_string(i) + " of " +
                         std::to_string(history_.size()) + " events)");
      }
      const Op& op = history_.ops[i];
      if (op.is_nemesis()) continue;
      if (op.f == payment_ops::kCharge) {
        if (parts_.attempts && !Charge(op)) return std::nullopt;
      } else if (op.f == payment_ops::kReadService) {
        service_.See(op);
      } else if (op.f == payment_ops::kReadLedger) {
        ledger_.See(op);
      } else if (op.f == payment_ops::kDrain) {
        drain_.See(op);
      }
    }
    if (parts_.attempts) Group();
    out_.service_attempted = service_.attempted;
    out_.ledger_attempted = ledger_.attempted;
    if (parts_.service && service_.last_ok != nullptr && !Service()) return std::nullopt;
    if (parts_.ledger && ledger_.last_ok != nullptr && !Ledger()) return std::nullopt;
    if (parts_.drain && drain_.last_invoke >= 0 && !DrainOp()) return std::nullopt;
    return std::move(out_);
  }

 private:
  // Sizes the attempt and payment tables from a count of the charge invokes, so that they
  // never grow (and move their strings) during the pass.
  void Reserve() {
    size_t invokes = 0;
    for (const Op& op : history_.ops) {
      if (op.is_invoke() && op.f == payment_ops::kCharge) ++invokes;
    }
    staged_.reserve(invokes);
    owner_.reserve(invokes);
    out_.payments.reserve(invokes);
    out_.by_key.reserve(invokes);
  }

  // Moves the attempts, staged in history order, into out_.attempts grouped by payment
  // (a counting sort: stable, so each payment's attempts stay in invoke order).
  void Group() {
    std::vector<size_t> start(out_.payments.size() + 1, 0);
    for (uint32_t p : owner_) ++start[p + 1];
    for (size_t p = 0; p < out_.payments.size(); ++p) start[p + 1] += start[p];
    out_.attempts.resize(staged_.size());
    std::vector<size_t> next(start.begin(), start.end() - 1);
    for (size_t a = 0; a < staged_.size(); ++a) {
      out_.attempts[next[owner_[a]]++] = std::move(staged_[a]);
    }
    for (size_t p = 0; p < out_.payments.size(); ++p) {
      out_.payments[p].attempts =
          std::span<const Attempt>(out_.attempts.data() + start[p], start[p + 1] - start[p]);
    }
    out_.attempt_count = static_cast<int64_t>(staged_.size());
    staged_ = {};
    owner_ = {};
  }

  std::nullopt_t Malformed(const std::string& message) {
    problem_->reason = "malformed";
    problem_->message = message;
    return std::nullopt;
  }

  std::nullopt_t TimeLimit(const std::string& where) {
    problem_->reason = "time-limit";
    problem_->message = "time limit reached while " + where;
    problem_->where = where;
    return std::nullopt;
  }

  bool Expired(size_t i) { return i % kClockStride == 0 && Clock::now() >= deadline_; }

  bool Charge(const Op& op) {
    auto place = [&] { return Place("charge", op.index); };
    if (op.is_invoke()) {
      if (auto it = open_.find(op.process); it != open_.end()) {
        Malformed(place() + ": process " + std::to_string(op.process) +
                  " invoked a charge while its charge at index " +
                  std::to_string(staged_[it->second].invoke) + " was outstanding");
        return false;
      }
      if (!op.key.is_string()) {
        Malformed(place() + ": the key (the idempotency key) must be a string, got " +
                  Short(op.key));
        return false;
      }
      if (!op.value.is_object()) {
        Malformed(place() +
                  ": the value must be an object {\"account\", \"amount\", \"attempt\"}, got " +
                  Short(op.value));
        return false;
      }
      std::string account;
      int64_t amount = 0;
      Attempt attempt;
      attempt.invoke = op.index;
      std::string error = StringField(op.value, "account", &account);
      if (error.empty()) error = IntField(op.value, "amount", 1, &amount);
      if (error.empty()) error = IntField(op.value, "attempt", 1, &attempt.number);
      if (!error.empty()) {
        Malformed(place() + ": the value's " + error);
        return false;
      }
      const std::string& key = op.key.get_ref<const std::string&>();
      auto [it, inserted] = out_.by_key.try_emplace(key, out_.payments.size());
      if (inserted) {
        Payment p;
        p.key = key;
        p.account = std::move(account);
        p.amount = amount;
        out_.payments.push_back(std::move(p));
        first_invoke_.push_back(op.index);
      } else if (const Payment& p = out_.payments[it->second];
                 p.account != account || p.amount != amount) {
        Malformed(place() + ": key " + key + " charges " + std::to_string(amount) + " to account " +
                  account + ", but its first attempt (op " +
                  std::to_string(first_invoke_[it->second]) + ") charged " +
                  std::to_string(p.amount) + " to account " + p.account +
                  ": every attempt of a key must have the same account and amount");
        return false;
      }
      open_[op.process] = staged_.size();
      staged_.push_back(std::move(attempt));
      owner_.push_back(static_cast<uint32_t>(it->second));
      return true;
    }
    auto it = open_.find(op.process);
    if (it == open_.end()) {
      Malformed(place() + ": a " + std::string(OpTypeName(op.type)) +
                " completion with no outstanding charge invoke of process " +
                std::to_string(op.process));
      return false;
    }
    Attempt& attempt = staged_[it->second];
    open_.erase(it);
    attempt.complete = op.index;
    switch (op.type) {
      case OpType::kOk: {
        attempt.outcome = Outcome::kOk;
        if (!op.value.is_object()) {
          Malformed(place() +
                    ": the ok value must be an object with \"charge_id\" and \"replayed\", got " +
                    Short(op.value));
          return false;
        }
        std::string error = StringField(op.value, "charge_id", &attempt.charge_id);
        if (error.empty()) {
          auto r = op.value.find("replayed");
          if (r == op.value.end()) {
            error = "\"replayed\" is missing";
          } else if (!r->is_boolean()) {
            error = "\"replayed\" must be a boolean, got " + Short(*r);
          } else {
            attempt.replayed = r->get<bool>();
          }
        }
        if (!error.empty()) {
          Malformed(place() + ": the ok value's " + error);
          return false;
        }
        break;
      }
      case OpType::kFail:
        attempt.outcome = Outcome::kFail;
        break;
      default:
        attempt.outcome = Outcome::kInfo;
        break;
    }
    return true;
  }

  bool Service() {
    const Op& op = *service_.last_ok;
    const std::string place = Place("read-service", op.index);
    if (!op.value.is_object()) {
      Malformed(place + ": the value must be an object {\"charges\", \"balances\"}, got " +
                Short(op.value));
      return false;
    }
    ServiceRead read;
    read.invoke = service_.last_ok_invoke;
    read.complete = op.index;
    auto charges = op.value.find("charges");
    if (charges == op.value.end() || !charges->is_array()) {
      Malformed(place + ": \"charges\" must be an array of [charge_id, key, account, amount]");
      return false;
    }
    read.charges.reserve(charges->size());
    std::unordered_map<std::string_view, size_t> ids;
    ids.reserve(charges->size());
    for (size_t i = 0; i < charges->size(); ++i) {
      if (Expired(i)) {
        TimeLimit("reading read-service's charges (" + std::to_string(i) + " of " +
                  std::to_string(charges->size()) + ")");
        return false;
      }
      const Json& e = (*charges)[i];
      auto entry = [&] { return place + ": charges[" + std::to_string(i) + "] "; };
      if (std::string error = CheckTuple(e, "sssi", "[charge_id, key, account, amount]");
          !error.empty()) {
        Malformed(entry() + error);
        return false;
      }
      read.charges.push_back({e[0].get<std::string>(), e[1].get<std::string>(),
                              e[2].get<std::string>(), e[3].get<int64_t>()});
      auto [it, inserted] = ids.try_emplace(read.charges.back().id, i);
      if (!inserted) {
        Malformed(entry() + "lists charge id " + Cut(read.charges.back().id, 60) +
                  " again (also charges[" + std::to_string(it->second) +
                  "]): a charge id names one charge");
        return false;
      }
    }
    if (std::string error = ParseBalances(op.value, &read.balances); !error.empty()) {
      Malformed(place + ": " + error);
      return false;
    }
    out_.service = std::move(read);
    return true;
  }

  bool Ledger() {
    const Op& op = *ledger_.last_ok;
    const std::string place = Place("read-ledger", op.index);
    if (!op.value.is_object()) {
      Malformed(place + ": the value must be an object {\"events\", \"balances\"}, got " +
                Short(op.value));
      return false;
    }
    LedgerRead read;
    read.invoke = ledger_.last_ok_invoke;
    read.complete = op.index;
    auto events = op.value.find("events");
    if (events == op.value.end() || !events->is_array()) {
      Malformed(place +
                ": \"events\" must be an array of [charge_id, account, amount, applications]");
      return false;
    }
    read.events.reserve(events->size());
    std::unordered_map<std::string_view, size_t> ids;
    ids.reserve(events->size());
    for (size_t i = 0; i < events->size(); ++i) {
      if (Expired(i)) {
        TimeLimit("reading read-ledger's events (" + std::to_string(i) + " of " +
                  std::to_string(events->size()) + ")");
        return false;
      }
      const Json& e = (*events)[i];
      auto entry = [&] { return place + ": events[" + std::to_string(i) + "] "; };
      if (std::string error = CheckTuple(e, "ssii", "[charge_id, account, amount, applications]");
          !error.empty()) {
        Malformed(entry() + error);
        return false;
      }
      if (e[3].get<int64_t>() < 0) {
        Malformed(entry() + "has a negative number of applications");
        return false;
      }
      read.events.push_back({e[0].get<std::string>(), e[1].get<std::string>(), e[2].get<int64_t>(),
                             e[3].get<int64_t>()});
      auto [it, inserted] = ids.try_emplace(read.events.back().id, i);
      if (!inserted) {
        Malformed(entry() + "lists event " + Cut(read.events.back().id, 60) +
                  " again (also events[" + std::to_string(it->second) +
                  "]): the ledger lists each event once, with its applications");
        return false;
      }
    }
    if (std::string error = ParseBalances(op.value, &read.balances); !error.empty()) {
      Malformed(place + ": " + error);
      return false;
    }
    out_.ledger = std::move(read);
    return true;
  }

  bool DrainOp() {
    Drain d;
    d.invoke = drain_.last_invoke;
    const Op* done = drain_.last_invoke_completion;
    if (done != nullptr) {
      d.complete = done->index;
      d.outcome = done->type == OpType::kOk     ? Outcome::kOk
                  : done->type == OpType::kFail ? Outcome::kFail
                                                : Outcome::kInfo;
      const Json& v = done->value;
      const bool has_pending = v.is_object() && v.contains("pending") &&
                               v["pending"].is_number_integer() && v["pending"] >= 0;
      const bool has_outbox = v.is_object() && v.contains("outbox") && v["outbox"].is_boolean();
      if (d.outcome == Outcome::kOk && !(has_pending && has_outbox)) {
        Malformed(Place("drain", done->index) +
                  ": the ok value must be {\"pending\": integer >= 0, \"outbox\": bool}, got " +
                  Short(v));
        return false;
      }
      if (has_pending) d.pending = v["pending"].get<int64_t>();
      if (has_outbox) d.outbox = v["outbox"].get<bool>();
    }
    out_.drain = d;
    return true;
  }

  const History& history_;
  const Parts& parts_;
  const Clock::time_point deadline_;
  Problem* problem_;
  PaymentHistory out_;
  std::vector<Attempt> staged_;               // the attempts in history order
  std::vector<uint32_t> owner_;               // each staged attempt's payment
  std::vector<int64_t> first_invoke_;         // each payment's first invoke
  std::unordered_map<int64_t, size_t> open_;  // process -> its outstanding staged attempt
  FinalOp service_, ledger_, drain_;
};

}  // namespace

bool Payment::acknowledged() const {
  for (const Attempt& a : attempts) {
    if (a.outcome == Outcome::kOk) return true;
  }
  return false;
}

bool Payment::all_failed() const {
  if (attempts.empty()) return false;
  for (const Attempt& a : attempts) {
    if (a.outcome != Outcome::kFail) return false;
  }
  return true;
}

std::optional<PaymentHistory> ParsePaymentHistory(const History& history, const Parts& parts,
                                                  Clock::time_point deadline, Problem* problem) {
  return Parser(history, parts, deadline, problem).Run();
}

const char* OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kOk:
      return "ok";
    case Outcome::kFail:
      return "fail";
    case Outcome::kInfo:
      return "info";
    case Outcome::kPending:
      return "pending";
  }
  return "pending";
}

std::string DescribeAttempt(const History& history, const Attempt& attempt) {
  std::string out = "op " + std::to_string(attempt.invoke) + " (";
  if (attempt.outcome == Outcome::kPending) return out + "never completed)";
  out += OutcomeName(attempt.outcome);
  if (attempt.outcome == Outcome::kOk) return out + (attempt.replayed ? ", replayed)" : ")");
  const Json& error = history.ops[static_cast<size_t>(attempt.complete)].error;
  if (error.is_string()) {
    out += ": " + Cut(error.get<std::string>(), 60);
  } else if (!error.is_null()) {
    out += ": " + Short(error);
  }
  return out + ")";
}

std::string DescribeAttempts(const History& history, std::span<const Attempt> attempts,
                             size_t max) {
  std::string out;
  for (size_t i = 0; i < attempts.size() && i < max; ++i) {
    if (i > 0) out += ", ";
    out += DescribeAttempt(history, attempts[i]);
  }
  if (attempts.size() > max) out += " and " + std::to_string(attempts.size() - max) + " more";
  return out;
}

std::string JoinFirst(const std::vector<std::string>& items, size_t max) {
  std::string out;
  for (size_t i = 0; i < items.size() && i < max; ++i) {
    if (i > 0) out += ", ";
    out += items[i];
  }
  if (items.size() > max) out += ", \u2026";
  return out;
}

AnomalyList::AnomalyList(std::vector<std::string> types)
    : types_(std::move(types)), counts_(types_.size(), 0), examples_(types_.size()) {}

size_t AnomalyList::Index(std::string_view type) const {
  size_t t = 0;
  while (t < types_.size() && types_[t] != type) ++t;
  assert(t < types_.size() && "an anomaly type the checker did not declare");
  return t;
}

void AnomalyList::Add(Json anomaly, const std::string& example, std::vector<int64_t> ops,
                      std::vector<int64_t> also) {
  const size_t t = Index(anomaly["type"].get<std::string>());
  ++counts_[t];
  if (examples_[t].size() < kSummaryExamples) examples_[t].push_back(example);
  if (listed_.size() < kMaxListed) {
    dated_by_.push_back(ops.empty() ? also.size() : ops.size());
    ops.insert(ops.end(), also.begin(), also.end());
    typed_.push_back({types_[t], anomaly["explanation"].get<std::string>(), std::move(ops)});
    listed_.push_back(std::move(anomaly));
  } else {
    truncated_ = true;
  }
}

int64_t AnomalyList::count(std::string_view type) const { return counts_[Index(type)]; }

std::string AnomalyList::Phrase(std::string_view type, const std::string& what,
                                const std::string& label) const {
  const size_t t = Index(type);
  const std::vector<std::string>& ex = examples_[t];
  std::string list = JoinFirst(ex, kSummaryExamples);
  if (counts_[t] > static_cast<int64_t>(ex.size())) list += ", \u2026";
  const std::string noun = ex.size() == 1 && !label.empty() && label.back() == 's'
                               ? label.substr(0, label.size() - 1)
                               : label;
  return what + " (" + noun + " " + list + ")";
}

void AnomalyList::WriteTo(const History& history, CheckResult* result) const {
  Json& details = result->details;
  Json types = Json::array();
  for (size_t t = 0; t < types_.size(); ++t) {
    if (counts_[t] > 0) types.push_back(types_[t]);
  }
  details["anomaly_types"] = std::move(types);
  details["anomalies"] = listed_;
  if (truncated_) details["anomalies_truncated"] = true;
  if (typed_.empty()) return;
  const std::vector<int64_t> partners = history.Partners();
  for (size_t i = 0; i < typed_.size(); ++i) {
    Anomaly dating{.ops = {typed_[i].ops.begin(),
                           typed_[i].ops.begin() + static_cast<ptrdiff_t>(dated_by_[i])}};
    dating.SpanOps(history, partners);
    Anomaly a = typed_[i];
    a.start_ns = dating.start_ns;
    a.end_ns = dating.end_ns;
    result->anomalies.push_back(std::move(a));
  }
}

std::string Signed(int64_t n) {
  std::string out = n > 0 ? "+" : "";
  out += std::to_string(n);
  return out;
}

CheckResult& TimeLimitReached(CheckResult* result, const CheckBudget& budget,
                              const std::string& where) {
  result->details["time_limit_ms"] = budget.time_limit.count();
  return result->SetUnknown(
      "time-limit",
      "time limit of " + std::to_string(budget.time_limit.count()) + " ms reached while " + where);
}

std::optional<PaymentHistory> ParseForCheck(const History& history, const Parts& parts,
                                            const CheckBudget& budget,
                                            std::chrono::steady_clock::time_point deadline,
                                            CheckResult* result) {
  Problem problem;
  std::optional<PaymentHistory> ph = ParsePaymentHistory(history, parts, deadline, &problem);
  if (!ph) {
    if (problem.reason == "time-limit") {
      TimeLimitReached(result, budget, problem.where);
    } else {
      result->SetUnknown(problem.reason, problem.message);
    }
  }
  return ph;
}

}  // namespace coordcheck::payment_history
