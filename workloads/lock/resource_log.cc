#include "workloads/lock/resource_log.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "workloads/lock/ops.h"

namespace coordcheck::lock_log {
namespace {

using Clock = std::chrono::steady_clock;

bool OptionalInt(const Json& entry, const char* field, std::optional<int64_t>* out) {
  auto it = entry.find(field);
  if (it == entry.end() || it->is_null()) {
    out->reset();
    return true;
  }
  if (!it->is_number_integer()) return false;
  *out = it->get<int64_t>();
  return true;
}

// One entry; "" when fine, else what is wrong with it.
std::string ParseEntry(const Json& j, Entry* e) {
  if (!j.is_object()) return "not an object";
  auto seq = j.find("seq");
  if (seq == j.end() || !seq->is_number_integer()) return "seq must be an integer";
  e->seq = seq->get<int64_t>();
  auto kind = j.find("kind");
  if (kind == j.end() || !kind->is_string() || (*kind != "read" && *kind != "write")) {
    return "kind must be \"read\" or \"write\"";
  }
  e->is_write = *kind == "write";
  auto accepted = j.find("accepted");
  if (accepted == j.end() || !accepted->is_boolean()) return "accepted must be a boolean";
  e->accepted = accepted->get<bool>();
  auto t = j.find("t_ns");
  if (t == j.end() || !t->is_number_integer()) return "t_ns must be an integer";
  e->t_ns = t->get<int64_t>();
  e->cs.clear();
  if (auto cs = j.find("cs"); cs != j.end() && !cs->is_null()) {
    if (cs->is_string()) {
      e->cs = cs->get<std::string>();
    } else if (cs->is_number_integer()) {
      e->cs = std::to_string(cs->get<int64_t>());
    } else {
      return "cs must be a string, an integer or null";
    }
  }
  if (!OptionalInt(j, "process", &e->process)) return "process must be an integer or null";
  if (!OptionalInt(j, "fence", &e->fence)) return "fence must be an integer or null";
  if (!OptionalInt(j, "value", &e->value)) return "value must be an integer or null";
  return "";
}

}  // namespace

std::optional<ResourceLog> FindResourceLog(const History& history, Clock::time_point deadline,
                                           LogProblem* problem) {
  const Op* log = nullptr;
  const Op* read = nullptr;
  bool log_attempted = false;
  std::map<int64_t, int64_t> invokes;  // process -> its latest resource-log invoke
  int64_t log_invoke = -1;
  for (const Op& op : history.ops) {
    if (op.f == lock_ops::kResourceLog) {
      log_attempted = true;
      if (op.is_invoke()) {
        invokes[op.process] = op.index;
      } else if (op.type == OpType::kOk) {
        log = &op;
        auto it = invokes.find(op.process);
        log_invoke = it == invokes.end() ? op.index : it->second;
      }
    } else if (op.f == lock_ops::kResourceRead && op.type == OpType::kOk) {
      read = &op;
    }
  }
  if (log == nullptr) {
    problem->reason = "no-resource-log";
    problem->message =
        log_attempted ? "the final resource-log read never completed ok: the resource's log is "
                        "unknown, nothing to check"
                      : "the history has no resource-log op: the resource's log was never read "
                        "into the history, nothing to check";
    return std::nullopt;
  }
  auto bad = [&](const std::string& what) {
    problem->reason = "bad-resource-log";
    problem->message = "resource-log at index " + std::to_string(log->index) + " (line " +
                       std::to_string(log->index + 1) + "): " + what;
    return std::nullopt;
  };
  if (!log->value.is_array()) return bad("the value is not an array of entries");
  ResourceLog out;
  out.log_index = log->index;
  out.log_invoke = log_invoke;
  out.entries.reserve(log->value.size());
  for (size_t i = 0; i < log->value.size(); ++i) {
    if (i % kClockStride == 0 && Clock::now() >= deadline) {
      problem->reason = "time-limit";
      problem->message = "time limit reached while reading the resource's log (" +
                         std::to_string(i) + " of " + std::to_string(log->value.size()) +
                         " entries)";
      return std::nullopt;
    }
    Entry e;
    if (std::string error = ParseEntry(log->value[i], &e); !error.empty()) {
      return bad("entry " + std::to_string(i) + ": " + error);
    }
    if (!out.entries.empty() && e.seq <= out.entries.back().seq) {
      return bad("entry " + std::to_string(i) + ": seq " + std::to_string(e.seq) +
                 " does not follow seq " + std::to_string(out.entries.back().seq));
    }
    out.entries.push_back(std::move(e));
  }
  if (read != nullptr) {
    if (!read->value.is_number_integer()) {
      problem->reason = "bad-resource-log";
      problem->message = "resource-read at index " + std::to_string(read->index) + " (line " +
                         std::to_string(read->index + 1) + "): the value is not an integer";
      return std::nullopt;
    }
    out.read_index = read->index;
    out.final_counter = read->value.get<int64_t>();
  }
  return out;
}

Json EntryJson(const Entry& e) {
  Json j = {{"cs", e.cs.empty() ? Json() : Json(e.cs)},
            {"process", e.process ? Json(*e.process) : Json()},
            {"fence", e.fence ? Json(*e.fence) : Json()},
            {"seq", e.seq},
            {"t_ns", e.t_ns}};
  if (e.value) j["value"] = *e.value;
  return j;
}

std::string DescribeCs(const Entry& e) {
  std::string out = e.cs.empty() ? std::string("(none)") : e.cs;
  if (e.process) out += " (process " + std::to_string(*e.process) + ")";
  return out;
}

std::string Seconds(int64_t t_ns) {
  char buf[48];
  const double s = static_cast<double>(t_ns) / 1e9;
  std::snprintf(buf, sizeof buf, "%.3f s", s);
  return buf;
}

std::string DescribeFence(const std::optional<int64_t>& fence) {
  return fence ? "fence " + std::to_string(*fence) : std::string("no fence");
}

std::string CsId(const Json& cs) {
  if (cs.is_string()) return cs.get<std::string>();
  if (cs.is_number_integer()) return std::to_string(cs.get<int64_t>());
  return "";
}

CsOps::CsOps(const History& history) : history_(history), partners_(history.Partners()) {
  for (const Op& op : history.ops) {
    if (op.is_nemesis() || !op.value.is_object()) continue;
    auto cs = op.value.find("cs");
    if (cs == op.value.end()) continue;
    const std::string id = CsId(*cs);
    const int64_t invoke = op.is_invoke() ? op.index : partners_[op.index];
    if (!id.empty() && invoke >= 0) ops_.try_emplace(id, invoke);
  }
}

int64_t CsOps::Of(const std::string& cs) const {
  auto it = ops_.find(cs);
  return it == ops_.end() ? -1 : it->second;
}

void CsOps::Name(const std::vector<std::string>& cs_ids, Anomaly* a) const {
  for (const std::string& cs : cs_ids) {
    const int64_t op = Of(cs);
    if (op >= 0 && std::find(a->ops.begin(), a->ops.end(), op) == a->ops.end())
      a->ops.push_back(op);
  }
}

void CsOps::DateOverlap(Anomaly* a) const {
  if (a->ops.size() >= 2) {
    const int64_t x = a->ops[0], y = a->ops[1];
    const int64_t x_done = partners_[x], y_done = partners_[y];
    if (x_done >= 0 && y_done >= 0) {
      const int64_t from = std::max(history_.ops[x].time_ns, history_.ops[y].time_ns);
      const int64_t to = std::min(history_.ops[x_done].time_ns, history_.ops[y_done].time_ns);
      if (from <= to) {
        a->start_ns = from;
        a->end_ns = to;
        return;
      }
    }
  }
  DateSpan(a);
}

}  // namespace coordcheck::lock_log
