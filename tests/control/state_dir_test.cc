// The state directory: a missing one is created private, and one that is not ours alone (a
// symlink, another user's, writable by group or others) is refused by the cluster and by
// clean — which then reads none of its ledgers.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "harness/control/cluster.h"
#include "harness/control/ledger.h"
#include "harness/control/process.h"
#include "harness/control/state_dir.h"
#include "tests/control/test_util.h"
#include "tests/support/node_env.h"

using Catch::Matchers::Contains;
using coordcheck::control::CheckStateDir;
using coordcheck::control::CleanLeftovers;
using coordcheck::control::Cluster;
using coordcheck::control::ClusterOptions;
using coordcheck::control::OpenStateDir;

namespace {

constexpr uid_t kNobody = 65534;

mode_t ModeOf(const std::string& path) {
  struct stat st;
  REQUIRE(lstat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

// A dead run's ledger in `state_dir` that names `sleeper` as one of its daemons: what a
// planted ledger would look like.
void PlantLedger(const std::string& state_dir, const cctest::Sleeper& sleeper) {
  cctest::WriteDeadLedger(state_dir, "abc123", "local",
                          {{{"kind", "process"},
                            {"node", "n1"},
                            {"name", "victim"},
                            {"pid", sleeper.pid()},
                            {"start_time", sleeper.start_time()}}});
}

}  // namespace

TEST_CASE("OpenStateDir creates a missing state directory that only we can enter", "[state_dir]") {
  nodetest::TempDir dir;
  const std::string path = dir.path() + "/deeper/state/";
  auto opened = OpenStateDir(path);
  INFO(opened.message());
  REQUIRE(opened.ok());
  CHECK(*opened == dir.path() + "/deeper/state");
  CHECK(ModeOf(*opened) == (geteuid() == 0 ? 0755 : 0700));
  CHECK(CheckStateDir(*opened).ok());
  CHECK(OpenStateDir(*opened).ok());  // an existing one of ours is fine
}

TEST_CASE("CheckStateDir refuses a symlink, a file and a folder others can write to",
          "[state_dir]") {
  nodetest::TempDir dir;
  const std::string real = dir.path() + "/real";
  REQUIRE(mkdir(real.c_str(), 0700) == 0);

  const std::string link = dir.path() + "/link";
  REQUIRE(symlink(real.c_str(), link.c_str()) == 0);
  CHECK_THAT(CheckStateDir(link).message(), Contains(link) && Contains("symbolic link"));
  CHECK_FALSE(OpenStateDir(link).ok());

  const std::string file = dir.path() + "/file";
  cctest::WriteFile(file, "");
  CHECK_THAT(CheckStateDir(file).message(), Contains("not a directory"));

  for (mode_t mode : {0777, 0770, 0702, 01777}) {
    REQUIRE(chmod(real.c_str(), mode) == 0);
    INFO("mode " << std::oct << mode);
    CHECK_THAT(CheckStateDir(real).message(), Contains("writable by group or others"));
  }
  REQUIRE(chmod(real.c_str(), 0755) == 0);
  CHECK(CheckStateDir(real).ok());
}

TEST_CASE("CheckStateDir refuses a folder another user owns", "[state_dir][root]") {
  nodetest::RequireRoot("chown");
  nodetest::TempDir dir;
  const std::string theirs = dir.path() + "/theirs";
  REQUIRE(mkdir(theirs.c_str(), 0700) == 0);
  REQUIRE(chown(theirs.c_str(), kNobody, kNobody) == 0);
  CHECK_THAT(CheckStateDir(theirs).message(),
             Contains(theirs) && Contains("owned by uid 65534, not by us (uid 0)"));
  CHECK_FALSE(OpenStateDir(theirs).ok());
}

TEST_CASE("Cluster::Create refuses a state directory others can write to", "[state_dir]") {
  nodetest::TempDir dir;
  const std::string shared = dir.path() + "/shared";
  REQUIRE(mkdir(shared.c_str(), 0777) == 0);
  REQUIRE(chmod(shared.c_str(), 0777) == 0);  // past the umask
  ClusterOptions options;
  options.backend = "local";
  options.nodes = 1;
  options.state_dir = shared;
  auto cluster = Cluster::Create(options);
  REQUIRE_FALSE(cluster.ok());
  CHECK_THAT(cluster.message(), Contains(shared) && Contains("writable by group or others"));
  CHECK_FALSE(nodetest::Exists(shared + "/ledgers"));  // nothing was made in it
}

TEST_CASE("CleanLeftovers reads no ledger from a state directory others can write to",
          "[state_dir][clean]") {
  nodetest::TempDir dir;
  const std::string shared = dir.path() + "/shared";
  cctest::Sleeper victim;
  PlantLedger(shared, victim);
  REQUIRE(chmod(shared.c_str(), 0777) == 0);
  const auto report = CleanLeftovers(shared);
  REQUIRE(report.errors.size() == 1);
  CHECK_THAT(report.errors[0], Contains(shared) && Contains("writable by group or others"));
  CHECK(report.removed.empty());
  CHECK_FALSE(coordcheck::control::ProcessGone(victim.pid()));
  CHECK(nodetest::Exists(shared + "/ledgers/abc123.jsonl"));
  chmod(shared.c_str(), 0755);  // so that TempDir's own clean may read it
}

TEST_CASE("CleanLeftovers reads no ledger from another user's state directory",
          "[state_dir][clean][root]") {
  nodetest::RequireRoot("chown");
  nodetest::TempDir dir;
  const std::string theirs = dir.path() + "/theirs";
  cctest::Sleeper victim;
  PlantLedger(theirs, victim);
  REQUIRE(chown(theirs.c_str(), kNobody, kNobody) == 0);
  const auto report = CleanLeftovers(theirs);
  REQUIRE(report.errors.size() == 1);
  CHECK_THAT(report.errors[0], Contains("owned by uid 65534"));
  CHECK_FALSE(coordcheck::control::ProcessGone(victim.pid()));
  // A missing state directory is nothing to clean, and no error.
  const auto missing = CleanLeftovers(dir.path() + "/missing");
  CHECK(missing.errors.empty());
  CHECK_FALSE(nodetest::Exists(dir.path() + "/missing"));
}
