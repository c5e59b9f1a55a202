// cc_controller: a stand-in controller for the CleanLeftovers tests, meant to be SIGKILLed.
//
//   cc_controller STATE_DIR BACKEND NODES PROBE
//
// Creates a cluster, starts `PROBE sleep` as daemon "sleeper" on every node, prints
// "ready RUN_ID PID PID ..." (one pid per node) and waits forever. Exit 1 on any error.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "harness/control/cluster.h"

int main(int argc, char** argv) {
  using namespace coordcheck::control;
  if (argc != 5) {
    std::fprintf(stderr, "usage: cc_controller STATE_DIR BACKEND NODES PROBE\n");
    return 2;
  }
  ClusterOptions options;
  options.state_dir = argv[1];
  options.backend = argv[2];
  options.nodes = std::atoi(argv[3]);
  auto cluster = Cluster::Create(options);
  if (!cluster.ok()) {
    std::fprintf(stderr, "%s\n", cluster.message().c_str());
    return 1;
  }
  std::string line = "ready " + (*cluster)->run_id();
  for (const auto& node : (*cluster)->nodes()) {
    auto daemon =
        (*cluster)->remote(node.name).StartDaemon({"sleeper", {argv[4], "sleep"}, "", {}, ""});
    if (!daemon.ok()) {
      std::fprintf(stderr, "%s\n", daemon.message().c_str());
      return 1;
    }
    line += " " + std::to_string(daemon->pid);
  }
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
  while (true) pause();
}
