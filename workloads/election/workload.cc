// The election workload: a Raft cluster's elections judged from its nodes' own event logs.
// Clients write to one key (the log traffic) and ask their home node for its role, term and
// leader (status); the final phase reads every node's event log into the history
// (raft-events); election-safety judges election safety, leader completeness and commit
// agreement, and measures unavailability on the controller's clock (ops.h,
// election_safety.h).
#include "workloads/workload.h"
#include "generators/combinators.h"
#include "workloads/election/election_safety.h"
#include "workloads/election/generator.h"
#include "workloads/election/ops.h"
#include "workloads/election/options.h"

namespace coordcheck {
namespace {

// The figures a comparison shows, from the checker's details.
const std::vector<FigureSource> kFigures = {
    {"election-safety", "elections", "elections"},
    {"election-safety", "terms", "terms"},
    {"election-safety", "leaders", "leaders"},
    {"election-safety", "total_unavailable_ms", "unavailable_ms"},
    {"election-safety", "longest_unavailable_ms", "longest_unavailable_ms"},
    {"election-safety", "max_recovery_ms", "max_recovery_ms"},
};

std::unique_ptr<Checker> MakeChecker(const election::ElectionWorkloadOptions& options) {
  ElectionSafetyOptions checker;
  checker.unavailable_threshold_ms = options.unavailable_threshold_ms;
  return std::make_unique<ElectionSafetyChecker>(checker);
}

class ElectionWorkload final : public Workload {
 public:
  std::string name() const override { return "election"; }
  std::string description() const override {
    return "writes to one key and status asks on a Raft cluster; its nodes' event logs judged "
           "(one leader per term, leader completeness, commit agreement) and unavailability "
           "measured";
  }
  std::vector<std::string> client_ops() const override {
    return {election_ops::kWrite, election_ops::kStatus, election_ops::kRaftEvents};
  }
  std::vector<CheckerInfo> checkers() const override {
    return {{"election-safety",
             "at most one leader per term; every committed entry in every later leader's log; "
             "no two commits disagree; unavailability windows and recovery after faults",
             [] { return MakeChecker({}); }}};
  }
  std::vector<OptionDoc> options() const override {
    return election::ElectionWorkloadOptionTable().Docs();
  }
  Status Validate(const WorkloadConfig& c) const override {
    return election::ParseElectionWorkloadOptions(c.options).status();
  }
  // Its checker judges the nodes' logs, not overlapping client ops.
  bool overlap_matters() const override { return false; }
  std::vector<std::string> figure_names() const override { return FigureNames(kFigures); }
  Json Figures(const Json& options, const Json& checkers) const override {
    (void)options;
    return CopyFigures(checkers, kFigures);
  }
  WorkloadParts Make(const WorkloadConfig& config, uint64_t seed) const override {
    const election::ElectionWorkloadOptions options =
        election::ParseElectionWorkloadOptions(config.options).value();
    WorkloadParts parts;
    gen::ElectionGenOptions gen_options;
    gen_options.status_fraction = options.status_fraction;
    parts.generator = gen::ElectionOps(gen_options, gen::Rng(seed));
    parts.final_generator = [](const std::vector<Json>&) {
      return gen::Once(gen::MakeOp(election_ops::kRaftEvents));
    };
    parts.checker = MakeChecker(options);
    return parts;
  }
};

}  // namespace

namespace workloads {
const Workload& Election() {
  static const ElectionWorkload kWorkload;
  return kWorkload;
}
}  // namespace workloads

}  // namespace coordcheck
