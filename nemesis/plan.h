// Which fault families a run gets: the config check (unknown names, needs of the backend and
// workload: errors) and the run's plan (needs of the target: a family that cannot apply is
// not scheduled, and a note says why). nemesis/package.h says why needs are split so.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "nemesis/package.h"

namespace coordcheck {

// Why `families` cannot be asked of a run with these config facts (the first problem: an
// unknown name, a need of the backend or workload unmet) as an error, or ok.
Status CheckFaultFamilies(const std::vector<std::string>& families, const RunFacts& facts);

struct FaultPlan {
  // The families to set up, schedule and heal, in the order asked (duplicates dropped).
  std::vector<std::string> scheduled;
  // One sentence per family left out: "partition: not scheduled: redis-lock runs on 1 node;
  // partitions need at least 2".
  std::vector<std::string> notes;
};

// The families of `requested` (known names, config needs already checked) that apply to the
// target described by `facts`.
FaultPlan PlanFaults(const std::vector<std::string>& requested, const RunFacts& facts);

// What a package needs, in a few words for `coordcheck list` ("2+ nodes, a killable
// target"); empty when nothing.
std::string NeedsText(const FaultNeeds& needs);

}  // namespace coordcheck
