#include "harness/control/cluster.h"

#include <unistd.h>

#include "harness/control/host_cluster.h"
#include "harness/control/host_network.h"

namespace coordcheck::control {
namespace {

constexpr int kMaxNodes = 200;

struct Backend {
  BackendInfo info;
  std::unique_ptr<HostNetwork> (*make)();
};

const std::vector<Backend>& Backends() {
  static const std::vector<Backend> kBackends = {
      {{"netns", "network namespaces on a bridge of our own (root; the default as root)", true},
       MakeNetnsNetwork},
      {{"local", "processes on loopback addresses 127.77.x.y (no root needed)", false},
       MakeLocalNetwork},
  };
  return kBackends;
}

const Backend* FindBackend(const std::string& name) {
  for (const Backend& b : Backends()) {
    if (name == b.info.name) return &b;
  }
  return nullptr;
}

}  // namespace

const std::vector<BackendInfo>& AllBackends() {
  static const std::vector<BackendInfo> infos = [] {
    std::vector<BackendInfo> out;
    for (const Backend& b : Backends()) out.push_back(b.info);
    return out;
  }();
  return infos;
}

Result<Capabilities> BackendCapabilities(const std::string& backend) {
  const Backend* b = FindBackend(backend);
  if (b == nullptr) {
    return Status::Error("cluster: unknown backend '" + backend + "' (netns or local)");
  }
  return b->make()->capabilities();  // constructing a network creates nothing yet
}

std::string DefaultBackend() { return geteuid() == 0 ? "netns" : "local"; }

Result<std::unique_ptr<Cluster>> Cluster::Create(const ClusterOptions& options) {
  const Backend* backend = FindBackend(options.backend);
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
