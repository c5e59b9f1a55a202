#include "workloads/election/options.h"

namespace coordcheck::election {

const OptionTable<ElectionWorkloadOptions>& ElectionWorkloadOptionTable() {
  using O = ElectionWorkloadOptions;
  static const OptionTable<O> table =
      OptionTable<O>("workload option", "the election workload")
          .Number("status_fraction", &O::status_fraction, 0, 1,
                  "the share of client ops that ask the client's home node for its role, term "
                  "and leader (status); the rest are writes")
          .Int("unavailable_threshold_ms", &O::unavailable_threshold_ms, 1, 3'600'000,
               "a gap between consecutive ok writes longer than this is unavailability, ms");
  return table;
}

Result<ElectionWorkloadOptions> ParseElectionWorkloadOptions(const Json& options) {
  return ElectionWorkloadOptionTable().Read(options);
}

}  // namespace coordcheck::election
