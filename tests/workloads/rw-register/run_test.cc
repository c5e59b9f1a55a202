// The rw-register workload end to end on kvd, as root on network namespaces: the correct
// kvd is valid, and kvd's follower-reads bug is caught, on a seed drawn fresh for each run
// (printed, so a failure can be replayed).
#include <random>
#include <string>

#include <catch2/catch.hpp>

#include "tests/harness/run_util.h"
#include "tests/support/node_env.h"

namespace coordcheck::testing {
namespace {

std::vector<std::string> RwArgs(const RunDirs& d, const std::string& seed,
                                std::vector<std::string> extra) {
  std::vector<std::string> args = {"run",       "--workload", "rw-register", "--target",
                                   "kvd",       "--store",    d.store,       "--state-dir",
                                   d.state,     "--quiet",    "--time-limit", "5",
                                   "--seed",    seed};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

TEST_CASE("run: rw-register on kvd is valid, and its follower-reads bug is caught") {
  nodetest::RequireRoot();
  const std::string seed = std::to_string(std::random_device{}() % 1'000'000);
  INFO("seed " << seed);
  {
    RunDirs d = FreshRunDirs("rw-register-valid");
    std::string out;
    const int code = RunCoordcheck(RwArgs(d, seed, {}), &out);
    INFO(out);
    CHECK(code == 0);
    CheckNothingLeft(d);
  }
  {
    RunDirs d = FreshRunDirs("rw-register-bug");
    std::string out;
    const int code = RunCoordcheck(RwArgs(d, seed, {"--bug", "follower-reads"}), &out);
    INFO(out);
    CHECK(code == 1);
    CheckNothingLeft(d);
  }
}

}  // namespace
}  // namespace coordcheck::testing
