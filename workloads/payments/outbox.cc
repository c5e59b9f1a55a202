#include "workloads/payments/outbox.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>

#include "workloads/payments/payment_history.h"

namespace coordcheck {
namespace {

using Clock = std::chrono::steady_clock;
using payment_history::Charge;
using payment_history::JoinFirst;
using payment_history::kClockStride;
using payment_history::kMaxListed;
using payment_history::LedgerEvent;
using payment_history::Outcome;
using payment_history::Plural;
using payment_history::Signed;

constexpr size_t kMaxIdsPerBalance = 10;

// The anomaly types in the order details and summaries list them.
std::vector<std::string> AnomalyTypes() {
  return {"duplicate-event", "phantom-event", "lost-event", "wrong-event",
          "ledger-balance-mismatch"};
}

// What the committed charges mean for one account at the ledger, and how the events shift it.
struct AccountSums {
  int64_t committed = 0;                              // the committed charges' amounts
  int64_t applied = 0;                                // the ledger's events' amounts x applications
  int64_t duplicate_count = 0, duplicate_amount = 0;  // applications beyond the first
  int64_t phantom_count = 0, phantom_amount = 0;      // events of no committed charge
  int64_t lost_count = 0, lost_amount = 0;            // never applied, outbox drained
  int64_t wrong_count = 0, wrong_amount = 0;          // applied elsewhere (net)
  int64_t undelivered_count = 0, undelivered_amount = 0;  // never applied, not drained
  std::vector<std::string> ids;                           // behind the shifts, at most 10

  int64_t expected() const { return committed - undelivered_amount; }
  void Note(const std::string& id) {
    if (ids.size() < kMaxIdsPerBalance && std::find(ids.begin(), ids.end(), id) == ids.end()) {
      ids.push_back(id);
    }
  }
};

// "charge c-1 (key p3-7, account a2, 40)".
std::string DescribeCharge(const Charge& c) {
  return "charge " + c.id + " (key " + c.key + ", account " + c.account + ", " +
         std::to_string(c.amount) + ")";
}

// "once", "twice", "3 times".
std::string Times(int64_t n) {
  return n == 0 ? "never" : n == 1 ? "once" : n == 2 ? "twice" : std::to_string(n) + " times";
}

// The ledger-balance-mismatch explanation's causes.
std::string Causes(const AccountSums& s, int64_t balance) {
  std::vector<std::string> parts;
  if (s.duplicate_count > 0) {
    parts.push_back(Plural(s.duplicate_count, "extra application", "extra applications") +
                    " of events applied more than once (" + Signed(s.duplicate_amount) + ")");
  }
  if (s.phantom_count > 0) {
    parts.push_back(Plural(s.phantom_count, "phantom event", "phantom events") +
                    " of no committed charge (" + Signed(s.phantom_amount) + ")");
  }
  if (s.lost_count > 0) {
    parts.push_back(Plural(s.lost_count, "lost event of a committed charge",
                           "lost events of committed charges") +
                    " (" + Signed(-s.lost_amount) + ")");
  }
  if (s.wrong_count > 0) {
    parts.push_back(Plural(s.wrong_count, "event", "events") +
                    " with the wrong account or amount (" + Signed(s.wrong_amount) + ")");
  }
  if (balance != s.applied) {
    parts.push_back("the ledger's balance itself differs from the sum of its applied events (" +
                    std::to_string(s.applied) + ") by " + Signed(balance - s.applied));
  }
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i > 0 ? "; " : "") + parts[i];
  return out;
}

}  // namespace

CheckResult OutboxChecker::Check(const History& history, const CheckBudget& budget) const {
  CheckResult result;
  const Clock::time_point deadline = budget.DeadlineFromNow();
  Json& d = result.details;
  auto time_limit = [&](const std::string& where) -> CheckResult& {
    return payment_history::TimeLimitReached(&result, budget, where);
  };

  payment_history::Parts parts;
  parts.service = true;
  parts.ledger = true;
  parts.drain = true;
  std::optional<payment_history::PaymentHistory> ph =
      payment_history::ParseForCheck(history, parts, budget, deadline, &result);
  if (!ph) return result;
  if (!ph->service) {
    return result.SetUnknown(
        "no-read-service",
        ph->service_attempted
            ? "the final read-service never completed ok: the committed charges are unknown, "
              "nothing to check"
            : "the history has no read-service op: the committed charges were never read "
              "into the history, nothing to check");
  }
  if (!ph->ledger) {
    return result.SetUnknown(
        "no-read-ledger",
        ph->ledger_attempted
            ? "the final read-ledger never completed ok: what the ledger applied is unknown, "
              "nothing to check"
            : "the history has no read-ledger op: the ledger was never read into the "
              "history, nothing to check");
  }
  const std::vector<Charge>& charges = ph->service->charges;
  const std::vector<LedgerEvent>& events = ph->ledger->events;
  const int64_t service_op = ph->service->invoke;
  const int64_t ledger_op = ph->ledger->invoke;
  const std::string service_words = "read-service, op " + std::to_string(service_op);
  const std::string ledger_words = "read-ledger, op " + std::to_string(ledger_op);
  d["committed_charges"] = charges.size();
  d["events"] = events.size();
  d["read_service_op"] = service_op;
  d["read_ledger_op"] = ledger_op;

  // Drained: the last drain ended ok with nothing pending before the ledger was read.
  const std::optional<payment_history::Drain>& drain = ph->drain;
  const bool drain_ok = drain && drain->outcome == Outcome::kOk && drain->pending == 0;
  const bool drained = drain_ok && drain->complete < ledger_op;
  d["drained"] = drained;
  d["outbox"] = drain && drain->outbox ? Json(*drain->outbox) : Json();
  d["drain_pending"] = drain && drain->pending ? Json(*drain->pending) : Json();
  d["drain_op"] = drain ? Json(drain->invoke) : Json();
  std::string drain_words;  // why lost events are (not) judged, for explanations
  if (!drain) {
    drain_words = "the history has no drain op";
  } else if (drain_ok && !drained) {
    drain_words = "the drain (op " + std::to_string(drain->invoke) +
                  ") ended ok only after read-ledger was invoked";
  } else if (drain_ok) {
    drain_words = drain->outbox.value_or(true)
                      ? "the outbox was drained (drain, op " + std::to_string(drain->invoke) +
                            ", ended ok with 0 pending)"
                      : "the drain (op " + std::to_string(drain->invoke) +
                            ") reported nothing pending (the variant has no outbox)";
  } else {
    drain_words = "the outbox was not drained (drain, op " + std::to_string(drain->invoke) + ", " +
                  (drain->outcome == Outcome::kPending
                       ? std::string("never completed")
                       : std::string("ended ") + payment_history::OutcomeName(drain->outcome)) +
                  (drain->pending ? " with " + std::to_string(*drain->pending) + " pending" : "") +
                  ")";
  }

  std::unordered_map<std::string_view, size_t> by_id;
  by_id.reserve(charges.size());
  for (size_t c = 0; c < charges.size(); ++c) {
    if (c % kClockStride == 0 && Clock::now() >= deadline) {
      return time_limit("indexing the committed charges");
    }
    by_id.emplace(charges[c].id, c);
  }

  payment_history::AnomalyList findings(AnomalyTypes());
  std::unordered_map<std::string, AccountSums> accounts;
  std::vector<int64_t> applied(charges.size(), 0);  // per committed charge
  int64_t applications = 0, duplicate_events = 0, duplicate_applications = 0, phantoms = 0,
          wrong = 0;
  for (size_t i = 0; i < events.size(); ++i) {
    if (i % kClockStride == 0 && Clock::now() >= deadline) {
      return time_limit("judging the ledger's events (" + std::to_string(i) + " of " +
                        std::to_string(events.size()) + ")");
    }
    const LedgerEvent& e = events[i];
    applications += e.applications;
    AccountSums& at = accounts[e.account];
    at.applied += e.amount * e.applications;
    auto it = by_id.find(e.id);
    if (it == by_id.end()) {
      ++phantoms;
      ++at.phantom_count;
      at.phantom_amount += e.amount * e.applications;
      at.Note(e.id);
      Json a = {{"type", "phantom-event"},        {"charge_id", e.id},
                {"account", e.account},           {"amount", e.amount},
                {"applications", e.applications}, {"read", ledger_op}};
      a["explanation"] =
          "the ledger " +
          (e.applications > 0 ? "applied an event " + Times(e.applications)
                              : std::string("received (but never applied) an event")) +
          " for charge " + e.id + " (account " + e.account + ", " + std::to_string(e.amount) +
          "; " + ledger_words + ") but the service committed no such charge (" + service_words +
          "): an effect without a committed charge";
      findings.Add(std::move(a), e.id, {}, {ledger_op, service_op});
      continue;
    }
    const Charge& c = charges[it->second];
    applied[it->second] = e.applications;
    if (e.applications > 1) {
      ++duplicate_events;
      duplicate_applications += e.applications - 1;
      at.duplicate_count += e.applications - 1;
      at.duplicate_amount += e.amount * (e.applications - 1);
      at.Note(e.id);
      Json a = {{"type", "duplicate-event"}, {"charge_id", e.id},  {"key", c.key},
                {"account", e.account},      {"amount", e.amount}, {"applications", e.applications},
                {"read", ledger_op}};
      a["explanation"] = "the ledger applied the event of " + DescribeCharge(c) + " " +
                         Times(e.applications) + " (" + ledger_words + "): its " +
                         std::to_string(e.amount) + " counted " + Times(e.applications) +
                         " at the ledger, once at the service (" + service_words + ")";
      findings.Add(std::move(a), e.id, {}, {ledger_op, service_op});
    }
    if (e.account != c.account || e.amount != c.amount) {
      ++wrong;
      if (e.applications > 0) {
        AccountSums& home = accounts[c.account];
        at.wrong_amount += e.amount;
        home.wrong_amount -= c.amount;
        ++at.wrong_count;
        if (&home != &at) ++home.wrong_count;
        at.Note(e.id);
        home.Note(e.id);
      }
      Json a = {{"type", "wrong-event"},     {"charge_id", e.id},  {"key", c.key},
                {"account", e.account},      {"amount", e.amount}, {"charge_account", c.account},
                {"charge_amount", c.amount}, {"read", ledger_op}};
      a["explanation"] = "the ledger has the event of " + DescribeCharge(c) + " as " +
                         std::to_string(e.amount) + " on account " + e.account + " (" +
                         ledger_words + "; " + service_words + ")";
      findings.Add(std::move(a), e.id, {}, {ledger_op, service_op});
    }
  }

  // Committed charges whose event the ledger never applied: named by the reads and the drain.
  std::vector<int64_t> lost_ops = {ledger_op, service_op};
  if (drain) lost_ops.push_back(drain->invoke);
  int64_t lost = 0, undelivered = 0;
  Json undelivered_ids = Json::array();
  for (size_t c = 0; c < charges.size(); ++c) {
    if (c % kClockStride == 0 && Clock::now() >= deadline) {
      return time_limit("looking for committed charges missing at the ledger");
    }
    const Charge& ch = charges[c];
    AccountSums& s = accounts[ch.account];
    s.committed += ch.amount;
    if (applied[c] > 0) continue;
    if (!drained) {
      ++undelivered;
      ++s.undelivered_count;
      s.undelivered_amount += ch.amount;
      if (undelivered_ids.size() < kMaxListed) undelivered_ids.push_back(ch.id);
      continue;
    }
    ++lost;
    ++s.lost_count;
    s.lost_amount += ch.amount;
    s.Note(ch.id);
    Json a = {{"type", "lost-event"},  {"charge_id", ch.id},  {"key", ch.key},
              {"account", ch.account}, {"amount", ch.amount}, {"read", ledger_op}};
    a["explanation"] = "the service committed " + DescribeCharge(ch) + " (" + service_words +
                       ") but the ledger never applied its event (" + ledger_words +
                       "), although " + drain_words + ": the event was lost";
    findings.Add(std::move(a), ch.id, {}, lost_ops);
  }

  // Ledger balances, account by account in name order.
  for (const auto& [account, balance] : ph->ledger->balances) accounts.try_emplace(account);
  std::vector<const std::string*> names;
  names.reserve(accounts.size());
  for (const auto& [account, sums] : accounts) names.push_back(&account);
  std::sort(names.begin(), names.end(),
            [](const std::string* a, const std::string* b) { return *a < *b; });
  int64_t mismatches = 0;
  for (const std::string* name : names) {
    const AccountSums& s = accounts[*name];
    auto b = ph->ledger->balances.find(*name);
    const int64_t balance = b == ph->ledger->balances.end() ? 0 : b->second;
    const int64_t expected = s.expected();
    if (balance == expected) continue;
    ++mismatches;
    const int64_t diff = balance - expected;
    Json ids = Json::array();
    for (const std::string& id : s.ids) ids.push_back(id);
    Json a = {{"type", "ledger-balance-mismatch"},
              {"account", *name},
              {"balance", balance},
              {"expected", expected},
              {"difference", diff},
              {"applied", s.applied},
              {"duplicate_applications", s.duplicate_count},
              {"duplicate_amount", s.duplicate_amount},
              {"phantom_events", s.phantom_count},
              {"phantom_amount", s.phantom_amount},
              {"lost_events", s.lost_count},
              {"lost_amount", s.lost_amount},
              {"wrong_events", s.wrong_count},
              {"wrong_amount", s.wrong_amount},
              {"undelivered_events", s.undelivered_count},
              {"undelivered_amount", s.undelivered_amount},
              {"unexplained", balance - s.applied},
              {"charge_ids", std::move(ids)},
              {"read", ledger_op}};
    std::string words = "account " + *name + "'s balance at the ledger is " +
                        std::to_string(balance) + " (" + ledger_words +
                        ") but the committed charges there sum to " + std::to_string(s.committed) +
                        " (" + service_words + ")";
    if (s.undelivered_count > 0) {
      words += ", " + std::to_string(expected) + " without the " +
               Plural(s.undelivered_count, "undelivered event", "undelivered events") +
               " that may still be in flight";
    }
    words += ": " + std::to_string(diff > 0 ? diff : -diff) +
             (diff > 0 ? " too much" : " too little") + " (" + Signed(diff) + "), from " +
             Causes(s, balance);
    if (!s.ids.empty()) {
      words += std::string(s.ids.size() == 1 ? " (charge " : " (charges ") +
               JoinFirst(s.ids, kMaxIdsPerBalance) + ")";
    }
    a["explanation"] = std::move(words);
    findings.Add(std::move(a), *name, {}, {ledger_op, service_op});
  }

  d["applications"] = applications;
  d["duplicate_events"] = duplicate_events;
  d["duplicate_applications"] = duplicate_applications;
  d["phantom_events"] = phantoms;
  d["lost_events"] = lost;
  d["wrong_events"] = wrong;
  d["undelivered"] = undelivered;
  if (undelivered > 0) d["undelivered_charges"] = std::move(undelivered_ids);
  d["accounts"] = names.size();
  d["ledger_balance_mismatches"] = mismatches;
  findings.WriteTo(history, &result);

  const std::string counts =
      Plural(static_cast<int64_t>(events.size()), "event", "events") + " at the ledger for " +
      Plural(static_cast<int64_t>(charges.size()), "committed charge", "committed charges");
  if (!findings.empty()) {
    result.valid = Validity::kInvalid;
    std::vector<std::string> phrases;
    auto add = [&](std::string_view type, int64_t n, const std::string& one,
                   const std::string& many) {
      const char* label = type == "ledger-balance-mismatch" ? "accounts" : "charges";
      if (n > 0) phrases.push_back(findings.Phrase(type, Plural(n, one, many), label));
    };
    add("duplicate-event", duplicate_events, "event applied more than once",
        "events applied more than once");
    add("phantom-event", phantoms, "phantom event", "phantom events");
    add("lost-event", lost, "event lost", "events lost");
    add("wrong-event", wrong, "event with the wrong account or amount",
        "events with the wrong account or amount");
    add("ledger-balance-mismatch", mismatches, "ledger balance wrong", "ledger balances wrong");
    std::string s = "invalid: ";
    for (size_t i = 0; i < phrases.size(); ++i) s += (i > 0 ? ", " : "") + phrases[i];
    result.summary = s + " (" + counts + ")";
  } else if (undelivered > 0) {
    result.SetUnknown("undelivered", Plural(undelivered, "committed charge's event is",
                                            "committed charges' "
                                            "events are") +
                                         " not at the ledger, but " + drain_words +
                                         ": they may still be in flight (" + counts + ")");
  } else {
    result.valid = Validity::kValid;
    result.summary =
        "valid: every committed charge's event was applied exactly once at the "
        "ledger \u2014 " +
        counts + ", " +
        (drained ? std::string("outbox drained") : drain_words + ", but nothing was missing") +
        "; " + Plural(static_cast<int64_t>(names.size()), "ledger balance", "ledger balances") +
        " right";
  }
  return result;
}

}  // namespace coordcheck
