#include "targets/resource/options.h"

namespace coordcheck::resource {

const OptionTable<ResourceOptions>& ResourceOptionTable() {
  static const OptionTable<ResourceOptions> table =
      OptionTable<ResourceOptions>("resource option", "the resource")
          .Int("port", &ResourceOptions::port, 1, 65535,
               "TCP port the resource listens on, on its node's address")
          .Enum("mode", &ResourceOptions::mode,
                {{"fenced", Mode::kFenced}, {"unfenced", Mode::kUnfenced}},
                "fenced rejects requests with a stale fencing token; unfenced accepts all")
          .String("node", &ResourceOptions::node,
                  "the node the resource runs on; \"\" = every node it is set up on")
          .Bool("persist", &ResourceOptions::persist,
                "keep the log and counter on disk, so a restarted resource continues its log")
          .Int("connect_timeout_ms", &ResourceOptions::connect_timeout_ms, 1, 3'600'000,
               "ready check and clients: bound on one connect, ms");
  return table;
}

Result<ResourceOptions> ParseResourceOptions(const Json& options) {
  return ResourceOptionTable().Read(options);
}

}  // namespace coordcheck::resource
