// The workloads coordcheck knows: one line each in kWorkloads' list below. Each names the
// function its folder's workload.cc defines (workloads/<folder>/workload.cc).
#include <algorithm>

#include "base/strings.h"
#include "generators/independent.h"
#include "targets/target.h"
#include "workloads/workload.h"

// X(function): one line per workload, in the order `list` shows them.
#define COORDCHECK_WORKLOADS(X) \
  X(Register)                   \
  X(Lock)                       \
  X(Payments)                   \
  X(RwRegister)                 \
  X(Election)

namespace coordcheck {
namespace workloads {
#define COORDCHECK_DECLARE(fn) const Workload& fn();
COORDCHECK_WORKLOADS(COORDCHECK_DECLARE)
#undef COORDCHECK_DECLARE
}  // namespace workloads

const std::vector<const Workload*>& AllWorkloads() {
#define COORDCHECK_ADDRESS(fn) &workloads::fn(),
  static const std::vector<const Workload*> kAll = {COORDCHECK_WORKLOADS(COORDCHECK_ADDRESS)};
#undef COORDCHECK_ADDRESS
  return kAll;
}

const Workload* FindWorkload(const std::string& name) {
  for (const Workload* w : AllWorkloads())
    if (w->name() == name) return w;
  return nullptr;
}

Status ValidateIndependentKeys(const WorkloadConfig& c, const std::string& workload) {
  if (std::string err = gen::CheckThreadsPerKey(c.concurrency, c.threads_per_key); !err.empty()) {
    return Status::Error(err);
  }
  if (!c.options.is_null() && !c.options.empty()) {
    return Status::Error("workload_options: the " + workload + " workload has none, got " +
                         c.options.dump());
  }
  return Status::Ok();
}

Json CopyFigures(const Json& checker_results, const std::vector<FigureSource>& sources) {
  Json out = Json::object();
  for (const FigureSource& s : sources) {
    const Json details =
        checker_results.value(s.checker, Json::object()).value("details", Json::object());
    if (details.contains(s.key)) out[s.as] = details[s.key];
  }
  return out;
}

std::vector<std::string> FigureNames(const std::vector<FigureSource>& sources) {
  std::vector<std::string> names;
  for (const FigureSource& s : sources) names.push_back(s.as);
  return names;
}

std::unique_ptr<Checker> ComposeCheckers(const std::vector<CheckerInfo>& infos) {
  std::vector<std::unique_ptr<Checker>> checkers;
  for (const CheckerInfo& c : infos) checkers.push_back(c.make());
  return std::make_unique<ComposeChecker>(std::move(checkers));
}

bool CanRun(const Target& target, const Workload& workload) {
  const std::vector<std::string> understood = target.client_ops();
  for (const std::string& op : workload.client_ops()) {
    if (std::find(understood.begin(), understood.end(), op) == understood.end()) return false;
  }
  return true;
}

std::vector<CheckerInfo> AllCheckers() {
  std::vector<CheckerInfo> all = GenericCheckers();
  for (const Workload* w : AllWorkloads()) {
    for (CheckerInfo& c : w->checkers()) {
      const bool known = std::any_of(all.begin(), all.end(),
                                     [&](const CheckerInfo& k) { return k.name == c.name; });
      if (!known) all.push_back(std::move(c));
    }
  }
  return all;
}

std::string WorkloadNames() {
  return Join(AllWorkloads(), ", ", [](const Workload* w) { return w->name(); });
}

}  // namespace coordcheck
