// The lock workload: a lock's whole point, judged where it matters. Every client thread loops
// acquire → critical section on the protected resource (read, hold, write read+1 with the
// fencing token) → release. The final phase reads the resource's own log and its counter into
// the history; mutual-exclusion and fencing judge them (ops.h). Leased locks are not judged
// as a linearizable mutex: a lease may legitimately expire under its holder.
#include "workloads/workload.h"
#include "generators/combinators.h"
#include "targets/lock/lock_target.h"
#include "workloads/lock/fencing.h"
#include "workloads/lock/generator.h"
#include "workloads/lock/mutual_exclusion.h"
#include "workloads/lock/ops.h"
#include "workloads/lock/options.h"

namespace coordcheck {
namespace {

// The figures a comparison shows, from the checkers' details.
const std::vector<FigureSource> kFigures = {
    {"mutual-exclusion", "accepted_writes", "accepted_writes"},
    {"mutual-exclusion", "overlap_count", "overlaps"},
    {"mutual-exclusion", "lost_updates", "lost_updates"},
    {"mutual-exclusion", "final_counter", "final_counter"},
    {"fencing", "rejected_stale_writes", "rejected_stale_writes"},
    {"fencing", "rejected_stale_reads", "rejected_stale_reads"},
    {"fencing", "decrease_count", "fence_decreases"},
    {"fencing", "highest_fence", "highest_fence"},
};

class LockWorkload final : public Workload {
 public:
  std::string name() const override { return "lock"; }
  std::string description() const override {
    return "acquire, critical section on a protected counter (fenced or not), release; judged "
           "at the resource (mutual exclusion, fencing)";
  }
  std::vector<std::string> client_ops() const override {
    return {lock_ops::kAcquire, lock_ops::kIncrement, lock_ops::kRelease, lock_ops::kResourceLog,
            lock_ops::kResourceRead};
  }
  std::vector<CheckerInfo> checkers() const override {
    return {
        {"mutual-exclusion",
         "no two critical sections with accepted writes overlap in the protected resource's "
         "own log; the final counter equals the accepted increments",
         [] { return std::make_unique<MutualExclusionChecker>(); }},
        {"fencing", "accepted writes' fencing tokens never decrease; rejected stale writes counted",
         [] { return std::make_unique<FencingChecker>(); }}};
  }
  std::vector<OptionDoc> options() const override { return lock::LockWorkloadOptionTable().Docs(); }
  Status Validate(const WorkloadConfig& c) const override {
    return lock::ParseLockWorkloadOptions(c.options).status();
  }
  int64_t client_pause_ms(const Json& options) const override {
    auto parsed = lock::ParseLockWorkloadOptions(options);
    return parsed.ok() ? parsed->EffectiveClientPauseMs() : 0;
  }
  // Without a resource option, the resource does what it can with the lock: it checks
  // fencing tokens when the lock gives them (fenced), and cannot when it gives none
  // (unfenced; a fenced resource would refuse every write of such a lock, protecting nothing).
  void ResolveOptions(Json* options, const Target& target, const std::string& bug) const override {
    if (!options->is_object()) *options = Json::object();
    if (options->contains("resource")) return;
    (*options)["resource"] = lock::GivesFencingTokens(target, bug) ? "fenced" : "unfenced";
  }
  std::vector<std::string> figure_names() const override {
    std::vector<std::string> names = {"resource"};
    for (const std::string& n : FigureNames(kFigures)) names.push_back(n);
    return names;
  }
  Json Figures(const Json& options, const Json& checkers) const override {
    Json out = CopyFigures(checkers, kFigures);
    out["resource"] = options.value("resource", "fenced");
    return out;
  }
  WorkloadParts Make(const WorkloadConfig& config, uint64_t seed) const override {
    (void)config;
    (void)seed;
    WorkloadParts parts;
    parts.generator = gen::LockCycles();
    parts.final_generator = [](const std::vector<Json>&) {
      return gen::Seq({gen::Once(gen::MakeOp(lock_ops::kResourceLog)),
                       gen::Once(gen::MakeOp(lock_ops::kResourceRead))});
    };
    parts.checker = ComposeCheckers(checkers());
    return parts;
  }
};

}  // namespace

namespace workloads {
const Workload& Lock() {
  static const LockWorkload kWorkload;
  return kWorkload;
}
}  // namespace workloads

}  // namespace coordcheck
