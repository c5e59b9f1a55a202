#include "checkers/linearizable.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <map>
#include <thread>
#include <unordered_map>

#include "checkers/lin_model.h"
#include "checkers/lin_search.h"
#include "checkers/stale_read.h"

namespace coordcheck {
namespace {

// One partition (key) of the history: its ops in invoke order.
struct Partition {
  Json key;                      // null when the history has no keys
  std::vector<int64_t> invokes;  // history index of each op's invoke
  std::vector<int64_t> returns;  // history index of its ok completion, or -1 (info / pending)
};

struct PartitionOutcome {
  lin::SearchResult search;
  std::unique_ptr<lin::PartitionModel> model;
  bool done = false;
  std::string error;  // an exception from the model (bad input that slipped past validation)
  std::optional<lin::StaleRead> stale;  // invalid by a stale-read proof, the search undecided
};

// How many ops of the partial linearization a not-linearizable anomaly names besides the
// failing op.
constexpr size_t kPrefixOpsNamed = 3;

// How long the search may try to find the longest prefix of a history that a
// stale-read proof already shows invalid.
constexpr std::chrono::milliseconds kSearchAfterProof{1000};

// The register-like view of a partition for the stale-read proof, or nullopt
// when the model or the ops do not fit it (appends, other models).
std::optional<std::vector<lin::RegisterOpRef>> RegisterRefs(const History& history,
                                                            const Partition& part,
                                                            const lin::LinModel& model) {
  if (model.register_initial == nullptr) return std::nullopt;
  std::vector<lin::RegisterOpRef> refs;
  refs.reserve(part.invokes.size());
  for (size_t i = 0; i < part.invokes.size(); ++i) {
    const Op* ok = part.returns[i] >= 0 ? &history.ops[part.returns[i]] : nullptr;
    auto ref = lin::ToRegisterRef(history.ops[part.invokes[i]], ok);
    if (!ref) return std::nullopt;  // an append
    refs.push_back(std::move(*ref));
  }
  return refs;
}

std::string KeyString(const Json& key) {
  if (key.is_null()) return "";
  if (key.is_string()) return key.get<std::string>();
  return key.dump();
}

// Splits client ops by key (when the model is partitioned by key); drops fail
// ops and info ops the model says cannot change the state.
std::vector<Partition> SplitByKey(const History& history, const std::vector<int64_t>& partners,
                                  const lin::LinModel& model) {
  std::vector<Partition> parts;
  std::unordered_map<std::string, size_t> by_key;
  std::string key_text;
  static const Json kNoKey;  // the key of every op when the model is not partitioned
  for (const Op& op : history.ops) {
    if (!op.is_invoke() || op.is_nemesis()) continue;
    int64_t done = partners[op.index];
    OpType outcome = done >= 0 ? history.ops[done].type : OpType::kInfo;
    if (outcome == OpType::kFail) continue;
    if (outcome == OpType::kInfo && model.info_is_no_op(lin::OpCode(model, op.f), op)) continue;
    const Json& key = model.partition_by_key ? op.key : kNoKey;
    key_text.clear();
    if (key.is_string()) {
      key_text = "s" + key.get_ref<const std::string&>();
    } else if (!key.is_null()) {
      key_text = "i" + key.dump();
    }
    auto [it, inserted] = by_key.try_emplace(key_text, parts.size());
    if (inserted) {
      parts.emplace_back();
      parts.back().key = key;
    }
    Partition& p = parts[it->second];
    p.invokes.push_back(op.index);
    p.returns.push_back(outcome == OpType::kOk ? done : -1);
  }
  return parts;
}

// Builds the search problem and the model for one partition.
lin::SearchProblem BuildProblem(const History& history, const Partition& part,
                                const lin::LinModel& model, lin::PartitionModel& partition) {
  lin::SearchProblem problem;
  const size_t n = part.invokes.size();
  problem.call_event.assign(n, lin::kNoEvent);
  problem.return_event.assign(n, lin::kNoEvent);
  problem.info_class.assign(n, -1);
  problem.ok_class.assign(n, -1);
  std::unordered_map<std::string, int32_t> classes, ok_classes;
  std::vector<std::string> stronger;                 // per info class: its stronger class's key
  std::vector<std::pair<int64_t, uint32_t>> events;  // (history index, op << 1 | is_return)
  events.reserve(2 * n);
  std::vector<int> codes(n);
  for (size_t i = 0; i < n; ++i) {
    const Op& invoke = history.ops[part.invokes[i]];
    codes[i] = lin::OpCode(model, invoke.f);
    partition.Scan(codes[i], invoke,
                   part.returns[i] >= 0 ? &history.ops[part.returns[i]] : nullptr);
  }
  for (size_t i = 0; i < n; ++i) {
    const Op& invoke = history.ops[part.invokes[i]];
    const Op* ok = part.returns[i] >= 0 ? &history.ops[part.returns[i]] : nullptr;
    partition.AddOp(codes[i], invoke, ok);
    events.emplace_back(part.invokes[i], static_cast<uint32_t>(i) << 1);
    if (ok != nullptr) {
      events.emplace_back(part.returns[i], (static_cast<uint32_t>(i) << 1) | 1);
      std::string cls = invoke.f;
      cls.push_back('\0');
      cls += invoke.value.dump();
      cls.push_back('\0');
      cls += ok->value.dump();
      auto [it, inserted] = ok_classes.try_emplace(cls, static_cast<int32_t>(ok_classes.size()));
      problem.ok_class[i] = it->second;
    } else {
      auto [it, inserted] = classes.try_emplace(lin::InfoClassKey(codes[i], invoke.value),
                                                static_cast<int32_t>(classes.size()));
      problem.info_class[i] = it->second;
      if (inserted) stronger.push_back(model.stronger_class(codes[i], invoke));
    }
  }
  problem.class_parent.assign(classes.size(), -1);
  for (size_t c = 0; c < stronger.size(); ++c) {
    if (stronger[c].empty()) continue;
    auto it = classes.find(stronger[c]);
    if (it != classes.end()) problem.class_parent[c] = it->second;
  }
  std::sort(events.begin(), events.end());
  problem.events.reserve(events.size());
  for (const auto& [index, code] : events) {
    uint32_t op = code >> 1;
    if (code & 1) {
      problem.return_event[op] = static_cast<uint32_t>(problem.events.size());
    } else {
      problem.call_event[op] = static_cast<uint32_t>(problem.events.size());
    }
    problem.events.push_back(code);
  }
  return problem;
}

Json OpSummary(const History& history, int64_t invoke, int64_t complete) {
  const Op& op = history.ops[invoke];
  Json j = {{"index", invoke}, {"process", op.process}, {"f", op.f}, {"value", op.value}};
  j["complete"] = complete >= 0 ? Json(complete) : Json();
  j["type"] = complete >= 0 ? Json(OpTypeName(history.ops[complete].type)) : Json("info");
  j["result"] = complete >= 0 ? history.ops[complete].value : Json();
  if (op.has_key()) j["key"] = op.key;
  return j;
}

std::string Describe(const History& history, int64_t invoke, int64_t complete) {
  const Op& op = history.ops[invoke];
  std::string s =
      "op " + std::to_string(invoke) + " (process " + std::to_string(op.process) + " " + op.f;
  if (!op.value.is_null()) s += " " + op.value.dump();
  if (complete >= 0) {
    const Op& done = history.ops[complete];
    s += ", " + std::string(OpTypeName(done.type));
    if (!done.value.is_null() && done.value != op.value) s += " " + done.value.dump();
    s += " at event " + std::to_string(complete);
  }
  return s + ")";
}

}  // namespace

std::vector<std::string> ModelNames() {
  std::vector<std::string> names;
  for (const lin::LinModel* m : lin::AllLinModels()) names.emplace_back(m->name);
  return names;
}

std::string ModelHelp() {
  constexpr size_t kNameColumn = 16;
  std::string help = "Models and their value conventions (f: invoke value -> ok value):\n";
  for (const lin::LinModel* m : lin::AllLinModels()) {
    const std::string indent(2 + kNameColumn, ' ');
    help += "  " + std::string(m->name) +
            std::string(kNameColumn - std::min(kNameColumn - 1, m->name.size()), ' ');
    for (char c : m->help) {
      help += c;
      if (c == '\n') help += indent;
    }
    for (std::string_view alias : m->aliases)
      help += "\n" + indent + "Alias: " + std::string(alias) + ".";
    help += '\n';
  }
  return help + R"(Ops with a "key" are checked per key, independently, in parallel (every model).
fail ops did not happen; info ops and invokes never completed may have taken
effect at any time after their invoke, or never.)";
}

namespace {

// ValidateForModel with the history's partners already computed. An error's message names no
// place; `*line` is set to the line (index + 1) of the event it is about, if any, else 0.
Status Validate(const History& history, const std::vector<int64_t>& partners,
                const LinearizableOptions& options, int64_t* line) {
  *line = 0;
  const lin::LinModel* model = lin::FindLinModel(options.model);
  if (model == nullptr) {
    std::string names;
    for (const std::string& name : ModelNames()) names += (names.empty() ? "" : ", ") + name;
    return Status::Error("unknown model \"" + options.model + "\" (models: " + names + ")");
  }
  if (options.init) {
    if (Status st = model->validate_init(*options.init); !st) {
      return st.Wrap("--init " + options.init->dump());
    }
  }
  for (const Op& op : history.ops) {
    if (!op.is_invoke() || op.is_nemesis()) continue;
    int64_t done = partners[op.index];
    const Op* completion = done >= 0 ? &history.ops[done] : nullptr;
    if (completion != nullptr && completion->type == OpType::kFail) continue;
    const Op* ok = completion != nullptr && completion->type == OpType::kOk ? completion : nullptr;
    // The invoke alone first, so an error about f or the argument names its line.
    if (Status st = lin::ValidateOp(*model, op, nullptr); !st) {
      *line = op.index + 1;
      return st;
    }
    if (ok != nullptr) {
      if (Status st = lin::ValidateOp(*model, op, ok); !st) {
        *line = ok->index + 1;
        return st;
      }
    }
  }
  return Status::Ok();
}

}  // namespace

Status ValidateForModel(const History& history, const LinearizableOptions& options,
                        const std::string& file_name) {
  int64_t line = 0;
  const Status st = Validate(history, history.Partners(), options, &line);
  return st ? st : InputError(file_name, line, st.message());
}

LinearizableChecker::LinearizableChecker(LinearizableOptions options)
    : options_(std::move(options)) {}

CheckResult LinearizableChecker::Check(const History& history, const CheckBudget& budget) const {
  CheckResult result;
  result.details["model"] = options_.model;
  auto unknown = [&](const std::string& reason, const std::string& message) {
    return result.SetUnknown(reason, message);
  };
  const std::vector<int64_t> partners = history.Partners();
  int64_t line = 0;
  if (Status st = Validate(history, partners, options_, &line); !st) {
    if (line > 0) result.details["line"] = line;
    return unknown("error", st.message());
  }
  const lin::LinModel& model = *lin::FindLinModel(options_.model);

  std::vector<Partition> parts;
  try {
    parts = SplitByKey(history, partners, model);
  } catch (const std::exception& e) {
    return unknown("error", e.what());
  }
  size_t total_ops = 0;
  for (const auto& p : parts) total_ops += p.invokes.size();

  // Largest partitions first, spread over the threads; the first invalid one
  // stops the others.
  std::vector<size_t> order(parts.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return parts[a].invokes.size() > parts[b].invokes.size();
  });
  std::atomic<uint64_t> memory_used{0};
  std::atomic<bool> stop{false};
  lin::SearchBudget sb;
  if (budget.time_limit.count() > 0)
    sb.deadline = std::chrono::steady_clock::now() + budget.time_limit;
  sb.memory_limit_bytes = budget.memory_limit_bytes;
  sb.memory_used = &memory_used;
  sb.stop = &stop;
  sb.depth_first_iterations = options_.depth_first_iterations;

  std::vector<PartitionOutcome> outcomes(parts.size());
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (;;) {
      size_t k = next.fetch_add(1);
      if (k >= order.size() || stop.load()) return;
      if (std::chrono::steady_clock::now() > sb.deadline) return;
      size_t i = order[k];
      PartitionOutcome& out = outcomes[i];
      try {
        out.model = model.make(options_.init, parts[i].key);
        lin::SearchProblem problem = BuildProblem(history, parts[i], model, *out.model);
        // A stale read proved from real-time order decides the key; the search
        // then only gets a little time to find the longest prefix for the report.
        std::optional<lin::StaleRead> stale;
        if (auto refs = RegisterRefs(history, parts[i], model)) {
          stale = lin::FindStaleRead(*refs, model.register_initial(options_.init, parts[i].key));
        }
        lin::SearchBudget part_budget = sb;
        if (stale) {
          part_budget.deadline =
              std::min(sb.deadline, std::chrono::steady_clock::now() + kSearchAfterProof);
        }
        out.search = out.model->Run(problem, part_budget);
        out.done = true;
        if (stale && (out.search.outcome == lin::SearchOutcome::kTimeLimit ||
                      out.search.outcome == lin::SearchOutcome::kMemoryLimit)) {
          out.stale = stale;
          out.search.outcome = lin::SearchOutcome::kInvalid;
        }
        if (out.search.outcome == lin::SearchOutcome::kInvalid) stop.store(true);
      } catch (const std::exception& e) {
        out.error = e.what();
        stop.store(true);
      }
    }
  };
  int threads = budget.threads > 0
                    ? budget.threads
                    : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  threads = static_cast<int>(std::min<size_t>(threads, std::max<size_t>(1, parts.size())));
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();

  // Merge: an invalid partition (the first in key order) wins; then errors and
  // budget overruns give unknown; else valid.
  result.details["keys"] = parts.size();
  result.details["ops"] = total_ops;
  uint64_t nodes = 0;
  for (const auto& o : outcomes) nodes += o.search.nodes;
  result.details["search_nodes"] = nodes;
  for (size_t i = 0; i < parts.size(); ++i) {
    const PartitionOutcome& o = outcomes[i];
    if (!o.done || o.search.outcome != lin::SearchOutcome::kInvalid) continue;
    const Partition& p = parts[i];
    const lin::SearchResult& s = o.search;
    result.valid = Validity::kInvalid;
    result.details["key"] = p.key;
    if (o.stale) {
      const lin::StaleRead& sr = *o.stale;
      result.details["op"] = OpSummary(history, sr.read, sr.read_complete);
      result.details["prefix"] = Json::array();
      result.details["states"] = Json::array();
      Json proof = {{"read", sr.read}, {"value", sr.value}};
      proof["overwrite"] = sr.overwrite >= 0 ? Json(sr.overwrite) : Json();
      proof["last_writer"] = sr.last_writer >= 0 ? Json(sr.last_writer) : Json();
      result.details["proof"] = proof;
      std::string where = p.key.is_null() ? "" : " on key " + p.key.dump();
      std::string explanation = "not linearizable" + where + ": " +
                                Describe(history, sr.read, sr.read_complete) + " is a stale read: ";
      if (sr.overwrite < 0) {
        explanation += "no op could have written " + sr.value.dump();
      } else {
        const std::string w = Describe(history, sr.overwrite, partners[sr.overwrite]);
        if (sr.last_writer >= 0) {
          explanation += "every op that could have written " + sr.value.dump() +
                         " completed (the last: " +
                         Describe(history, sr.last_writer, partners[sr.last_writer]) + ") before " +
                         w + " was invoked";
        } else {
          explanation += "the initial value " + sr.value.dump() + " was overwritten by " + w;
        }
        explanation += ", which completed before the read was invoked";
      }
      explanation +=
          "; no info op could have written it. (The search did not finish in time, so no "
          "longest prefix is given.)";
      result.details["explanation"] = explanation;
      result.summary = explanation;
      Anomaly a{"stale-read", explanation, {sr.read}};
      for (int64_t op : {sr.overwrite, sr.last_writer})
        if (op >= 0) a.ops.push_back(op);
      a.SpanOps(history, partners);  // from the first writer's invoke to the read's completion
      result.anomalies.push_back(std::move(a));
      return result;
    }
    result.details["op"] = OpSummary(history, p.invokes[s.failed_op], p.returns[s.failed_op]);
    Json prefix = Json::array();
    for (uint32_t op : s.prefix) prefix.push_back(p.invokes[op]);
    Json states = Json::array();
    for (int32_t st : s.states) states.push_back(o.model->DescribeState(st));
    result.details["prefix"] = prefix;
    result.details["states"] = states;
    std::string where = p.key.is_null() ? "" : " on key " + p.key.dump();
    std::string what = Describe(history, p.invokes[s.failed_op], p.returns[s.failed_op]);
    std::string explanation =
        "not linearizable" + where + ": " + what +
        (s.failed_by_lookahead
             ? " cannot be linearized: after the longest linearizable prefix found (" +
                   std::to_string(s.prefix.size()) +
                   " ops) only appends can come before it, and its result cannot be grown "
                   "from the state there, which could only be " +
                   states.dump()
             : " cannot be linearized: no order of the ops before it leaves a state that "
               "allows it. Longest linearizable prefix found: " +
                   std::to_string(s.prefix.size()) + " ops; just before op " +
                   std::to_string(p.invokes[s.failed_op]) + " the state could only be " +
                   states.dump());
    result.details["explanation"] = explanation;
    result.summary = explanation;
    // The failing op, dated by itself, then the last ops of the prefix (latest first): the
    // ones whose effects left the states it cannot follow.
    Anomaly a{"not-linearizable", explanation, {p.invokes[s.failed_op]}};
    a.SpanOps(history, partners);
    for (size_t k = s.prefix.size(); k > 0 && a.ops.size() <= kPrefixOpsNamed; --k)
      a.ops.push_back(p.invokes[s.prefix[k - 1]]);
    result.anomalies.push_back(std::move(a));
    return result;
  }
  size_t checked = 0;
  std::string reason, message;
  for (size_t i = 0; i < parts.size(); ++i) {
    const PartitionOutcome& o = outcomes[i];
    if (!o.error.empty()) {
      reason = "error";
      message = "key " + KeyString(parts[i].key) + ": " + o.error;
    } else if (o.done && o.search.outcome == lin::SearchOutcome::kTimeLimit && reason.empty()) {
      reason = "time-limit";
      message = "time limit of " + std::to_string(budget.time_limit.count()) + " ms reached";
    } else if (o.done && o.search.outcome == lin::SearchOutcome::kMemoryLimit && reason.empty()) {
      reason = "memory-limit";
      const uint64_t limit = budget.memory_limit_bytes;
      message = "memory limit of " +
                (limit >= (1 << 20) ? std::to_string(limit >> 20) + " MiB"
                                    : std::to_string(limit) + " bytes") +
                " reached";
    } else if (o.done && o.search.outcome == lin::SearchOutcome::kValid) {
      ++checked;
    }
  }
  if (checked != parts.size()) {
    if (reason.empty()) {
      reason = "time-limit";
      message = "stopped before every key was checked";
    }
    result.details["keys_checked"] = checked;
    return unknown(reason, message + " (" + std::to_string(checked) + " of " +
                               std::to_string(parts.size()) + " keys decided, all valid)");
  }
  result.valid = Validity::kValid;
  if (options_.witness) {
    Json witness = Json::object();
    for (size_t i = 0; i < parts.size(); ++i) {
      Json order_json = Json::array();
      for (uint32_t op : outcomes[i].search.linearization)
        order_json.push_back(parts[i].invokes[op]);
      witness[KeyString(parts[i].key)] = std::move(order_json);
    }
    result.details["witness"] = std::move(witness);
  }
  result.summary = "linearizable: " + std::to_string(total_ops) + " ops over " +
                   std::to_string(parts.size()) + (parts.size() == 1 ? " key" : " keys");
  return result;
}

}  // namespace coordcheck
