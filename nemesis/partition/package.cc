// The partition fault family's package (nemesis/package.h).
#include "nemesis/package.h"
#include "nemesis/ops.h"
#include "nemesis/partition/family.h"
#include "nemesis/partition/partition_nemesis.h"

namespace coordcheck::fault::partition {
namespace {

const char* const kKinds[] = {"halves",          "random-halves", "isolate", "majority-minority",
                              "majorities-ring", "bridge",        "one-way"};

FaultStep Step(gen::Rng& rng, const FaultScheduleOptions& o) {
  std::vector<std::string> kinds;
  for (const char* kind : kKinds) {
    // Three-sided shapes need three nodes (grudge.cc); with two, only the splits that exist.
    const std::string k = kind;
    const bool three_sided = k == "majority-minority" || k == "majorities-ring" || k == "bridge";
    if (!three_sided || o.nodes.size() >= 3) kinds.push_back(k);
  }
  if (o.has_primary) kinds.push_back("isolate-primary");
  Json value = {{"kind", kinds[rng.Uniform(kinds.size())]},
                {"seed", rng.Next() >> 11},  // fits a double exactly: JSON readers agree
                {"mode", rng.Uniform(2) == 0 ? "drop" : "reject"}};
  return FaultStep{{FaultStepOp(kStartPartition, value)}, {FaultStepOp(kStopPartition)}};
}

std::unique_ptr<Nemesis> Make(const FaultContext& c) {
  nemesis::PartitionOptions options;
  options.nodes = c.target_nodes;
  return std::make_unique<nemesis::PartitionNemesis>(
      *c.cluster, nemesis::PartitionNemesis::PrimaryOf(c.process_control), options);
}

}  // namespace

const FaultPackage& Package() {
  static const FaultPackage package{
      .info = kInfo,
      .needs = {.separate_network = true, .min_nodes = 2},
      .step = Step,
      .heal = {kStopPartition},
      .make_nemesis = Make,
  };
  return package;
}

}  // namespace coordcheck::fault::partition
