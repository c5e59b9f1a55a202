#include "harness/control/cluster.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

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

const Backend* FindBackend(const std::string& name) {
  for (const auto& b : kBackends) {
    if (name == b.name) return &b;
  }
  return nullptr;
}

}  // namespace

Result<Capabilities> BackendCapabilities(const std::string& backend) {
  const Backend* b = FindBackend(backend);
  if (b == nullptr) {
    return Status::Error("cluster: unknown backend '" + backend + "' (netns or local)");
  }
  return b->make()->capabilities();  // constructing a network creates nothing yet
}

std::string DefaultStateDir() {
  if (const char* env = std::getenv("COORDCHECK_STATE_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
  if (geteuid() == 0) return "/run/coordcheck";
  if (const char* xdg = std::getenv("XDG_RUNTIME_DIR"); xdg != nullptr && *xdg != '\0') {
    return std::string(xdg) + "/coordcheck";
  }
  return "/tmp/coordcheck-" + std::to_string(getuid());
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
  ClusterOptions resolved = options;
  std::error_code ec;
  auto dir = std::filesystem::absolute(
      options.state_dir.empty() ? DefaultStateDir() : options.state_dir, ec);
  if (ec) return Status::Error("cluster: state directory: " + ec.message());
  resolved.state_dir = dir.lexically_normal().string();
  while (resolved.state_dir.size() > 1 && resolved.state_dir.back() == '/') {
    resolved.state_dir.pop_back();
  }
  return HostCluster::Create(resolved, backend->make());
}

}  // namespace coordcheck::control
