#include "checkers/stale_read.h"

#include "checkers/lin_model.h"

#include <algorithm>
#include <limits>
#include <string>
#include <unordered_map>

namespace coordcheck::lin {
namespace {

constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

// Writers (ok) sorted by invoke; for each suffix, the two earliest completions
// that leave different values, so "the earliest completion among writers
// invoked after P that leave a value other than v" is a binary search.
struct SuffixBest {
  int64_t complete = kNever;
  std::string value;
  int64_t invoke = -1;
};

}  // namespace

std::optional<RegisterOpRef> ToRegisterRef(const Op& invoke, const Op* ok) {
  RegisterOpRef r;
  r.invoke = invoke.index;
  r.complete = ok != nullptr ? ok->index : -1;
  if (invoke.f == "read" || invoke.f == "get") {
    r.is_read = true;
    if (ok != nullptr) r.value = ok->value;
  } else if (invoke.f == "write" || invoke.f == "put") {
    r.value = invoke.value;
  } else if (invoke.f == "cas") {
    r.value = invoke.value[1];
  } else {
    return std::nullopt;
  }
  return r;
}

std::optional<StaleRead> FindStaleRead(const std::vector<RegisterOpRef>& ops, const Json& init) {
  struct Writer {
    int64_t invoke, complete;
    std::string value;
  };
  std::vector<Writer> ok_writers;
  // Per value: ok writers (invoke, complete) and info writers' invokes.
  std::unordered_map<std::string, std::vector<std::pair<int64_t, int64_t>>> ok_by_value;
  std::unordered_map<std::string, std::vector<int64_t>> info_by_value;
  for (const RegisterOpRef& op : ops) {
    if (op.is_read) continue;
    std::string v = op.value.dump();
    if (op.complete >= 0) {
      ok_writers.push_back({op.invoke, op.complete, v});
      ok_by_value[v].emplace_back(op.invoke, op.complete);
    } else {
      info_by_value[v].push_back(op.invoke);
    }
  }
  std::sort(ok_writers.begin(), ok_writers.end(),
            [](const Writer& a, const Writer& b) { return a.invoke < b.invoke; });
  for (auto& [v, list] : info_by_value) std::sort(list.begin(), list.end());
  for (auto& [v, list] : ok_by_value) std::sort(list.begin(), list.end());

  // best[i], second[i]: over ok_writers[i..], the earliest completion, and the
  // earliest completion leaving a value different from best's.
  const size_t n = ok_writers.size();
  std::vector<SuffixBest> best(n + 1), second(n + 1);
  for (size_t i = n; i-- > 0;) {
    best[i] = best[i + 1];
    second[i] = second[i + 1];
    const Writer& w = ok_writers[i];
    SuffixBest cand{w.complete, w.value, w.invoke};
    if (cand.complete < best[i].complete) {
      if (best[i].value != cand.value) second[i] = best[i];
      best[i] = cand;
    } else if (cand.value != best[i].value && cand.complete < second[i].complete) {
      second[i] = cand;
    }
  }

  const std::string init_text = init.dump();
  std::optional<StaleRead> found;
  for (const RegisterOpRef& r : ops) {
    if (!r.is_read || r.complete < 0) continue;
    if (found && r.complete >= found->read_complete) continue;
    const std::string v = r.value.dump();
    // An info writer of v invoked before r completed could explain r.
    auto info = info_by_value.find(v);
    if (info != info_by_value.end() && !info->second.empty() && info->second.front() < r.complete)
      continue;
    // P: the last completion of an ok writer of v invoked before r completed
    // (-1 for the initial value, before everything).
    int64_t last = v == init_text ? -1 : -2;
    int64_t last_writer = -1;
    auto oks = ok_by_value.find(v);
    if (oks != ok_by_value.end()) {
      for (const auto& [inv, done] : oks->second) {
        if (inv >= r.complete) break;
        if (done > last) {
          last = done;
          last_writer = inv;
        }
      }
    }
    StaleRead s{r.invoke, r.complete, r.value, -1, last_writer};
    if (last == -2) {  // nothing could have written v
      found = s;
      continue;
    }
    // w: an ok writer invoked after `last`, leaving another value, completed
    // before r was invoked.
    auto first = std::upper_bound(ok_writers.begin(), ok_writers.end(), last,
                                  [](int64_t p, const Writer& w) { return p < w.invoke; });
    const size_t i = static_cast<size_t>(first - ok_writers.begin());
    const SuffixBest& w = best[i].value != v ? best[i] : second[i];
    if (w.complete < r.invoke) {
      s.overwrite = w.invoke;
      found = s;
    }
  }
  return found;
}

}  // namespace coordcheck::lin

namespace coordcheck {

std::optional<lin::StaleRead> FindStaleReadInHistory(const History& history,
                                                     const std::string& model,
                                                     const std::optional<Json>& init) {
  const lin::LinModel* lin_model = lin::FindLinModel(model);
  if (lin_model == nullptr || lin_model->register_initial == nullptr) return std::nullopt;
  const std::vector<int64_t> partners = history.Partners();
  struct Key {
    Json key;
    std::vector<lin::RegisterOpRef> refs;
    bool has_append = false;
  };
  std::unordered_map<std::string, Key> by_key;
  for (const Op& op : history.ops) {
    if (!op.is_invoke() || op.is_nemesis()) continue;
    const int64_t done = partners[op.index];
    const OpType type = done >= 0 ? history.ops[done].type : OpType::kInfo;
    if (type == OpType::kFail) continue;
    Key& k = by_key[op.key.dump()];
    k.key = op.key;
    auto ref = lin::ToRegisterRef(op, type == OpType::kOk ? &history.ops[done] : nullptr);
    if (!ref) {
      k.has_append = true;
    } else if (!ref->is_read || ref->complete >= 0) {  // info reads say nothing
      k.refs.push_back(std::move(*ref));
    }
  }
  std::optional<lin::StaleRead> first;
  for (const auto& [name, k] : by_key) {
    if (k.has_append) continue;
    auto found = lin::FindStaleRead(k.refs, lin_model->register_initial(init, k.key));
    if (found && (!first || found->read < first->read)) first = found;
  }
  return first;
}

}  // namespace coordcheck
