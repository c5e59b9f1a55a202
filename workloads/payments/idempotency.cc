#include "workloads/payments/idempotency.h"

#include <algorithm>
#include <limits>
#include <string_view>
#include <unordered_map>

#include "workloads/payments/payment_history.h"

namespace coordcheck {
namespace {

using Clock = std::chrono::steady_clock;
using payment_history::Attempt;
using payment_history::Charge;
using payment_history::JoinFirst;
using payment_history::kClockStride;
using payment_history::kMaxListed;
using payment_history::Outcome;
using payment_history::Payment;
using payment_history::Plural;
using payment_history::Signed;

constexpr size_t kNoPayment = std::numeric_limits<size_t>::max();
constexpr size_t kMaxKeysPerBalance = 10;

// The anomaly types in the order details and summaries list them.
std::vector<std::string> AnomalyTypes() {
  return {"duplicate-charge", "lost-charge",  "failed-but-charged", "inconsistent-response",
          "unknown-charge",   "wrong-charge", "balance-mismatch"};
}

// What the payments mean for one account, and how the charges shift it.
struct AccountSums {
  int64_t expected = 0;                           // amounts of the keys that took effect, each once
  int64_t committed = 0;                          // amounts of the committed charges
  int64_t extra_count = 0, extra_amount = 0;      // a key's second and later charges
  int64_t lost_count = 0, lost_amount = 0;        // acknowledged keys never charged
  int64_t unknown_count = 0, unknown_amount = 0;  // charges of keys no attempt used
  int64_t wrong_count = 0, wrong_amount = 0;      // a key's charge moved elsewhere (net)
  std::vector<std::string> keys;                  // behind the shifts, at most 10

  void Note(const std::string& key) {
    if (keys.size() < kMaxKeysPerBalance &&
        std::find(keys.begin(), keys.end(), key) == keys.end()) {
      keys.push_back(key);
    }
  }
};

// "payment p3-7 (account a2, 40)".
std::string Lead(const Payment& p) {
  return "payment " + p.key + " (account " + p.account + ", " + std::to_string(p.amount) + ")";
}

// "twice", "3 times".
std::string Times(int64_t n) {
  return n == 1 ? "once" : n == 2 ? "twice" : std::to_string(n) + " times";
}

// "c-1", "c-1 and c-2", "c-1, c-2 and c-3" (at most 10, then "and N more").
std::string IdList(const std::vector<const Charge*>& charges) {
  std::string out;
  const size_t shown = std::min<size_t>(charges.size(), 10);
  for (size_t i = 0; i < shown; ++i) {
    if (i > 0) out += i + 1 == shown && shown == charges.size() ? " and " : ", ";
    out += charges[i]->id;
  }
  if (charges.size() > shown) out += " and " + std::to_string(charges.size() - shown) + " more";
  return out;
}

// The invokes of p's first kMaxListed attempts.
std::vector<int64_t> AttemptOps(const Payment& p) {
  std::vector<int64_t> ops;
  for (const Attempt& a : p.attempts) {
    if (ops.size() >= kMaxListed) break;
    ops.push_back(a.invoke);
  }
  return ops;
}

Json ChargeIds(const std::vector<const Charge*>& charges) {
  Json ids = Json::array();
  for (const Charge* c : charges) {
    if (ids.size() >= kMaxListed) break;
    ids.push_back(c->id);
  }
  return ids;
}

// "op 812 returned charge c-9f, op 830 returned charge c-9f (replayed)".
std::string Returned(const std::vector<const Attempt*>& oks) {
  std::string out;
  for (size_t i = 0; i < oks.size() && i < 10; ++i) {
    if (i > 0) out += ", ";
    out += "op " + std::to_string(oks[i]->invoke) + " returned charge " + oks[i]->charge_id;
    if (oks[i]->replayed) out += " (replayed)";
  }
  if (oks.size() > 10) out += " and " + std::to_string(oks.size() - 10) + " more";
  return out;
}

// The balance-mismatch explanation's causes: "1 extra charge of a payment charged more than
// once (+40); ...".
std::string Causes(const AccountSums& s, int64_t balance) {
  std::vector<std::string> parts;
  if (s.extra_count > 0) {
    parts.push_back(
        Plural(s.extra_count, "extra charge of a payment", "extra charges of payments") +
        " charged more than once (" + Signed(s.extra_amount) + ")");
  }
  if (s.lost_count > 0) {
    parts.push_back(Plural(s.lost_count, "acknowledged payment", "acknowledged payments") +
                    " never charged (" + Signed(-s.lost_amount) + ")");
  }
  if (s.unknown_count > 0) {
    parts.push_back(Plural(s.unknown_count, "charge whose key", "charges whose keys") +
                    " no attempt used (" + Signed(s.unknown_amount) + ")");
  }
  if (s.wrong_count > 0) {
    parts.push_back(Plural(s.wrong_count, "charge", "charges") +
                    " with the wrong account or amount (" + Signed(s.wrong_amount) + ")");
  }
  if (balance != s.committed) {
    parts.push_back(
        "the balance itself differs from the sum of the account's committed "
        "charges (" +
        std::to_string(s.committed) + ") by " + Signed(balance - s.committed));
  }
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i > 0 ? "; " : "") + parts[i];
  return out;
}

}  // namespace

CheckResult IdempotencyChecker::Check(const History& history, const CheckBudget& budget) const {
  CheckResult result;
  const Clock::time_point deadline = budget.DeadlineFromNow();
  Json& d = result.details;
  auto time_limit = [&](const std::string& where) -> CheckResult& {
    return payment_history::TimeLimitReached(&result, budget, where);
  };

  payment_history::Parts parts;
  parts.attempts = true;
  parts.service = true;
  std::optional<payment_history::PaymentHistory> ph =
      payment_history::ParseForCheck(history, parts, budget, deadline, &result);
  if (!ph) return result;
  const std::vector<Payment>& payments = ph->payments;

  // The attempts alone.
  int64_t acknowledged = 0, retried = 0, ok = 0, fail = 0, info = 0, replayed = 0;
  for (const Payment& p : payments) {
    if (p.attempts.size() > 1) ++retried;
    bool acked = false;
    for (const Attempt& a : p.attempts) {
      switch (a.outcome) {
        case Outcome::kOk:
          ++ok;
          acked = true;
          if (a.replayed) ++replayed;
          break;
        case Outcome::kFail:
          ++fail;
          break;
        default:
          ++info;
          break;
      }
    }
    if (acked) ++acknowledged;
  }
  d["keys"] = payments.size();
  d["acknowledged_keys"] = acknowledged;
  d["retried_keys"] = retried;
  d["attempts"] = ph->attempt_count;
  d["ok_attempts"] = ok;
  d["fail_attempts"] = fail;
  d["info_attempts"] = info;
  d["replayed_responses"] = replayed;

  if (!ph->service) {
    return result.SetUnknown(
        "no-read-service",
        ph->service_attempted
            ? "the final read-service never completed ok: the service's committed charges "
              "are unknown, nothing to check"
            : "the history has no read-service op: the service's committed charges were "
              "never read into the history, nothing to check");
  }
  const payment_history::ServiceRead& read = *ph->service;
  const std::vector<Charge>& charges = read.charges;
  d["charges"] = charges.size();
  d["read_service_op"] = read.invoke;
  const std::string read_words = "read-service, op " + std::to_string(read.invoke);

  // Each committed charge's payment, and each payment's charges (counting sort by payment).
  std::vector<size_t> owner(charges.size(), kNoPayment);
  std::vector<size_t> start(payments.size() + 1, 0);
  for (size_t c = 0; c < charges.size(); ++c) {
    if (c % kClockStride == 0 && Clock::now() >= deadline) {
      return time_limit("matching committed charges to payments");
    }
    auto it = ph->by_key.find(charges[c].key);
    if (it == ph->by_key.end()) continue;
    owner[c] = it->second;
    ++start[it->second + 1];
  }
  for (size_t p = 0; p < payments.size(); ++p) start[p + 1] += start[p];
  std::vector<const Charge*> by_payment(start.back());
  {
    std::vector<size_t> next(start.begin(), start.end() - 1);
    for (size_t c = 0; c < charges.size(); ++c) {
      if (owner[c] != kNoPayment) by_payment[next[owner[c]]++] = &charges[c];
    }
  }

  payment_history::AnomalyList findings(AnomalyTypes());
  std::unordered_map<std::string, AccountSums> accounts;
  int64_t effective = 0, duplicate_charges = 0, duplicate_keys = 0, wrong_charges = 0;
  int64_t max_copies = 0;
  std::vector<const Attempt*> oks;
  std::vector<const Charge*> mine;
  for (size_t i = 0; i < payments.size(); ++i) {
    if (i % kClockStride == 0 && Clock::now() >= deadline) {
      return time_limit("judging the payments (" + std::to_string(i) + " of " +
                        std::to_string(payments.size()) + " keys)");
    }
    const Payment& p = payments[i];
    mine.assign(by_payment.begin() + static_cast<ptrdiff_t>(start[i]),
                by_payment.begin() + static_cast<ptrdiff_t>(start[i + 1]));
    const int64_t m = static_cast<int64_t>(mine.size());
    oks.clear();
    for (const Attempt& a : p.attempts) {
      if (a.outcome == Outcome::kOk) oks.push_back(&a);
    }
    const bool acked = !oks.empty();
    AccountSums& home = accounts[p.account];
    if (acked || m > 0) {
      ++effective;
      home.expected += p.amount;
    }
    for (const Charge* c : mine) accounts[c->account].committed += c->amount;

    // The charge that stands for the payment: the one acknowledged, else one that fits.
    const Charge* one = nullptr;
    for (const Charge* c : mine) {
      if (acked && c->id == oks.front()->charge_id) one = c;
    }
    for (const Charge* c : mine) {
      if (one == nullptr && c->account == p.account && c->amount == p.amount) one = c;
    }
    if (one == nullptr && m > 0) one = mine.front();

    // Built only for an anomaly: most payments have none.
    auto attempts = [&] { return AttemptOps(p); };
    auto attempt_words = [&] {
      return std::string(p.attempts.size() == 1 ? "; its attempt was " : "; its attempts were ") +
             payment_history::DescribeAttempts(history, p.attempts);
    };

    if (m > 1) {
      ++duplicate_keys;
      duplicate_charges += m - 1;
      max_copies = std::max(max_copies, m);
      for (const Charge* c : mine) {
        if (c == one) continue;
        AccountSums& s = accounts[c->account];
        ++s.extra_count;
        s.extra_amount += c->amount;
        s.Note(p.key);
      }
      Json a = {
          {"type", "duplicate-charge"}, {"key", p.key},           {"account", p.account},
          {"amount", p.amount},         {"acknowledged", acked},  {"charges", ChargeIds(mine)},
          {"charge_count", m},          {"attempts", attempts()}, {"read", read.invoke}};
      a["explanation"] =
          acked ? Lead(p) + " was acknowledged (" + Returned(oks) + ") but the service " +
                      "committed " + std::to_string(m) + " charges for it (" + read_words +
                      "): " + IdList(mine) + " \u2014 charged " + Times(m) + attempt_words()
                : Lead(p) + " was never acknowledged, yet the service committed " +
                      std::to_string(m) + " charges for it (" + read_words + "): " + IdList(mine) +
                      " \u2014 charged " + Times(m) +
                      ", though a payment may take effect at most once" + attempt_words();
      findings.Add(std::move(a), p.key, attempts(), {read.invoke});
    }
    if (acked && m == 0) {
      ++home.lost_count;
      home.lost_amount += p.amount;
      home.Note(p.key);
      Json ids = Json::array();
      for (const Attempt* a : oks) {
        if (ids.size() < kMaxListed) ids.push_back(a->charge_id);
      }
      Json a = {{"type", "lost-charge"}, {"key", p.key},      {"account", p.account},
                {"amount", p.amount},    {"charge_ids", ids}, {"attempts", attempts()},
                {"read", read.invoke}};
      a["explanation"] = Lead(p) + " was acknowledged (" + Returned(oks) +
                         ") but the service committed no charge for it (" + read_words +
                         "): the acknowledged payment was lost" + attempt_words();
      findings.Add(std::move(a), p.key, attempts(), {read.invoke});
    }
    if (!acked && m > 0 && p.all_failed()) {
      Json a = {{"type", "failed-but-charged"}, {"key", p.key},
                {"account", p.account},         {"amount", p.amount},
                {"charges", ChargeIds(mine)},   {"attempts", attempts()},
                {"read", read.invoke}};
      a["explanation"] = "every attempt of " + Lead(p) +
                         " failed \u2014 definitely not applied \u2014 yet the service committed " +
                         (m == 1 ? "charge " : "charges ") + IdList(mine) + " for it (" +
                         read_words + ")" + attempt_words();
      findings.Add(std::move(a), p.key, attempts(), {read.invoke});
    }
    if (acked) {
      bool differ = false;
      for (const Attempt* a : oks) differ = differ || a->charge_id != oks.front()->charge_id;
      const bool committed = one != nullptr && one->id == oks.front()->charge_id;
      if (differ || (m > 0 && !committed)) {
        Json responses = Json::array();
        for (const Attempt* a : oks) {
          if (responses.size() >= kMaxListed) break;
          responses.push_back(
              {{"op", a->invoke}, {"charge_id", a->charge_id}, {"replayed", a->replayed}});
        }
        Json a = {{"type", "inconsistent-response"},
                  {"key", p.key},
                  {"responses", std::move(responses)},
                  {"charges", ChargeIds(mine)},
                  {"attempts", attempts()},
                  {"read", read.invoke}};
        const std::string committed_words =
            m == 0   ? "the service committed no charge for it"
            : m == 1 ? "the service's committed charge for it is " + IdList(mine)
                     : "the service's committed charges for it are " + IdList(mine);
        a["explanation"] =
            differ ? Lead(p) + " was acknowledged with different charge ids: " + Returned(oks) +
                         "; " + committed_words + " (" + read_words + ")"
                   : Lead(p) + ": " + Returned(oks) + " but " + committed_words + " (" +
                         read_words + ")";
        findings.Add(std::move(a), p.key, attempts(), {read.invoke});
      }
    }
    if (one != nullptr && (one->account != p.account || one->amount != p.amount)) {
      AccountSums& there = accounts[one->account];
      there.wrong_amount += one->amount;
      home.wrong_amount -= p.amount;
      ++there.wrong_count;
      if (&there != &home) ++home.wrong_count;
      there.Note(p.key);
      home.Note(p.key);
    }
    for (const Charge* c : mine) {
      if (c->account == p.account && c->amount == p.amount) continue;
      ++wrong_charges;
      Json a = {
          {"type", "wrong-charge"},      {"key", p.key},           {"charge_id", c->id},
          {"account", c->account},       {"amount", c->amount},    {"expected_account", p.account},
          {"expected_amount", p.amount}, {"attempts", attempts()}, {"read", read.invoke}};
      a["explanation"] =
          "payment " + p.key + " asked for " + std::to_string(p.amount) + " on account " +
          p.account + " (op " + std::to_string(p.attempts.front().invoke) +
          ") but the service committed charge " + c->id + " for " + std::to_string(c->amount) +
          " on account " + c->account + " (" + read_words + ")";
      findings.Add(std::move(a), p.key, attempts(), {read.invoke});
    }
  }

  // Charges of keys no attempt used.
  int64_t unknown = 0;
  for (size_t c = 0; c < charges.size(); ++c) {
    if (c % kClockStride == 0 && Clock::now() >= deadline) {
      return time_limit("looking for charges of unknown keys");
    }
    if (owner[c] != kNoPayment) continue;
    const Charge& ch = charges[c];
    ++unknown;
    AccountSums& s = accounts[ch.account];
    s.committed += ch.amount;
    ++s.unknown_count;
    s.unknown_amount += ch.amount;
    s.Note(ch.key);
    Json a = {{"type", "unknown-charge"}, {"key", ch.key},       {"charge_id", ch.id},
              {"account", ch.account},    {"amount", ch.amount}, {"read", read.invoke}};
    a["explanation"] = "the service committed charge " + ch.id + " (key " + ch.key + ", account " +
                       ch.account + ", " + std::to_string(ch.amount) +
                       ") but no attempt ever used key " + ch.key + " (" + read_words + ")";
    findings.Add(std::move(a), ch.key, {}, {read.invoke});
  }

  // Balances, account by account in name order.
  for (const auto& [account, balance] : read.balances) accounts.try_emplace(account);
  std::vector<const std::string*> names;
  names.reserve(accounts.size());
  for (const auto& [account, sums] : accounts) names.push_back(&account);
  std::sort(names.begin(), names.end(),
            [](const std::string* a, const std::string* b) { return *a < *b; });
  int64_t mismatches = 0;
  for (const std::string* name : names) {
    const AccountSums& s = accounts[*name];
    auto b = read.balances.find(*name);
    const int64_t balance = b == read.balances.end() ? 0 : b->second;
    if (balance == s.expected) continue;
    ++mismatches;
    const int64_t diff = balance - s.expected;
    Json keys = Json::array();
    for (const std::string& k : s.keys) keys.push_back(k);
    Json a = {{"type", "balance-mismatch"},
              {"account", *name},
              {"balance", balance},
              {"expected", s.expected},
              {"difference", diff},
              {"committed", s.committed},
              {"extra_charges", s.extra_count},
              {"extra_amount", s.extra_amount},
              {"lost_charges", s.lost_count},
              {"lost_amount", s.lost_amount},
              {"unknown_charges", s.unknown_count},
              {"unknown_amount", s.unknown_amount},
              {"wrong_charges", s.wrong_count},
              {"wrong_amount", s.wrong_amount},
              {"unexplained", balance - s.committed},
              {"keys", std::move(keys)},
              {"read", read.invoke}};
    std::string words =
        "account " + *name + "'s balance at the service is " + std::to_string(balance) + " (" +
        read_words + ") but the payments that took effect there sum to " +
        std::to_string(s.expected) + ": " + std::to_string(diff > 0 ? diff : -diff) +
        (diff > 0 ? " too much" : " too little") + " (" + Signed(diff) + "), from " +
        Causes(s, balance);
    if (!s.keys.empty()) {
      words += std::string(s.keys.size() == 1 ? " (key " : " (keys ") +
               JoinFirst(s.keys, kMaxKeysPerBalance) + ")";
    }
    a["explanation"] = std::move(words);
    findings.Add(std::move(a), *name, {}, {read.invoke});
  }

  d["effective_keys"] = effective;
  d["duplicate_charges"] = duplicate_charges;
  d["duplicate_keys"] = duplicate_keys;
  d["lost_charges"] = findings.count("lost-charge");
  d["failed_but_charged"] = findings.count("failed-but-charged");
  d["inconsistent_responses"] = findings.count("inconsistent-response");
  d["unknown_charges"] = unknown;
  d["wrong_charges"] = wrong_charges;
  d["accounts"] = names.size();
  d["balance_mismatches"] = mismatches;
  findings.WriteTo(history, &result);

  if (!findings.empty()) {
    result.valid = Validity::kInvalid;
    std::vector<std::string> phrases;
    auto add = [&](std::string_view type, const std::string& what) {
      const int64_t n = findings.count(type);
      const char* label = type == "balance-mismatch" ? "accounts" : "keys";
      if (n > 0) phrases.push_back(findings.Phrase(type, std::to_string(n) + " " + what, label));
    };
    const int64_t n_dup = findings.count("duplicate-charge");
    add("duplicate-charge", std::string(n_dup == 1 ? "payment" : "payments") + " charged " +
                                (max_copies == 2 ? "twice" : "more than once"));
    add("lost-charge", std::string(findings.count("lost-charge") == 1 ? "acknowledged payment"
                                                                      : "acknowledged payments") +
                           " never charged");
    add("failed-but-charged",
        std::string(findings.count("failed-but-charged") == 1 ? "failed payment"
                                                              : "failed payments") +
            " charged anyway");
    add("inconsistent-response",
        std::string(findings.count("inconsistent-response") == 1 ? "payment" : "payments") +
            " acknowledged with inconsistent charge ids");
    add("unknown-charge",
        std::string(unknown == 1 ? "charge whose key" : "charges whose keys") + " no attempt used");
    add("wrong-charge", std::string(wrong_charges == 1 ? "charge" : "charges") +
                            " with the wrong account or amount");
    add("balance-mismatch", std::string(mismatches == 1 ? "balance" : "balances") + " wrong");
    std::string s = "invalid: ";
    for (size_t i = 0; i < phrases.size(); ++i) s += (i > 0 ? ", " : "") + phrases[i];
    result.summary = std::move(s);
  } else {
    result.valid = Validity::kValid;
    result.summary =
        "valid: every payment took effect as acknowledged \u2014 " +
        Plural(static_cast<int64_t>(payments.size()), "payment", "payments") + " (" +
        std::to_string(acknowledged) + " acknowledged, " + std::to_string(effective) +
        " took effect) over " + Plural(ph->attempt_count, "attempt", "attempts") + " (" +
        Plural(retried, "key", "keys") + " retried), " +
        Plural(static_cast<int64_t>(charges.size()), "committed charge", "committed charges") +
        ", " + Plural(static_cast<int64_t>(names.size()), "balance", "balances") + " right";
  }
  return result;
}

}  // namespace coordcheck
