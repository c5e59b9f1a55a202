#include "harness/control/cluster.h"

#include <unistd.h>

#include "harness/control/host_cluster.h"
#include "harness/control/host_network.h"

namespace coordcheck::control {
namespace {

constexpr int kMaxNodes = 200;

struct Backend {
  const char* name;
  std::unique_ptr<HostNetwork> (*make)();
};
constexpr Backend kBackends[] = {{"netns", MakeNetnsNetwork}, {"local", MakeLocalNetwork}};

}  // namespace

std::string DefaultBackend() { return geteuid() == 0 ? "netns" : "local"; }

Result<std::unique_ptr<Cluster>> Cluster::Create(const ClusterOptions& options) {
  const Backend* backend = nullptr;
  for (const auto& b : kBackends) {
    if (options.backend == b.name) backend = &b;
  }
  if (backend == nullptr) {
    return Status::Error("cluster: unknown backend '" + options.backend + "' (netns or local)");
  }
  if (options.nodes < 1 || options.nodes > kMaxNodes) {
    return Status::Error("cluster: " + std::to_string(options.nodes) + " nodes (want 1.." +
                         std::to_string(kMaxNodes) + ")");
  }
  auto state_dir = OpenStateDir(options.state_dir);
  if (!state_dir.ok()) return state_dir.status();
  ClusterOptions resolved = options;
  resolved.state_dir = std::move(state_dir.value());
  return HostCluster::Create(resolved, backend->make());
}

}  // namespace coordcheck::control
