// Cluster with the local backend: nodes, addresses, the Dialer, Create's checks and undo,
// Destroy. Only the undo test needs root.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <regex>
#include <set>

#include "harness/control/cluster.h"
#include "harness/control/ledger.h"
#include "harness/control/process.h"
#include "tests/control/test_util.h"
#include "tests/support/node_env.h"
#include "tests/support/slack.h"

using Catch::Matchers::Contains;
using cctest::kProbe;
using coordcheck::control::Cluster;
using coordcheck::control::ClusterOptions;
using namespace std::chrono_literals;

namespace {

std::unique_ptr<Cluster> MakeLocal(const std::string& state_dir, int nodes) {
  ClusterOptions options;
  options.backend = "local";
  options.nodes = nodes;
  options.state_dir = state_dir;
  auto created = Cluster::Create(options);
  INFO(created.message());
  REQUIRE(created.ok());
  return std::move(created.value());
}

int Octet(const std::string& address) {
  std::smatch m;
  std::regex_match(address, m, std::regex(R"(127\.77\.(\d+)\.\d+)"));
  return m.empty() ? -1 : std::stoi(m[1]);
}

}  // namespace

TEST_CASE("local cluster: three nodes on loopback addresses of their own", "[cluster]") {
  nodetest::TempDir dir;
  auto cluster = MakeLocal(dir.path(), 3);
  const std::string id = cluster->run_id();
  CHECK(std::regex_match(id, std::regex("[0-9a-f]{6}")));
  CHECK(cluster->backend() == "local");
  REQUIRE(cluster->nodes().size() == 3);
  const int octet = Octet(cluster->nodes()[0].address);
  CHECK(octet >= 1);
  CHECK(octet <= 254);
  for (int k = 1; k <= 3; ++k) {
    const auto& info = cluster->nodes()[k - 1];
    CHECK(info.name == "n" + std::to_string(k));
    CHECK(info.address == "127.77." + std::to_string(octet) + "." + std::to_string(10 + k));
    auto& remote = cluster->remote(info.name);
    CHECK(remote.node() == info.name);
    CHECK(remote.address() == info.address);
    CHECK(remote.root_dir() == dir.path() + "/" + id + "/" + info.name);
    CHECK(nodetest::Exists(remote.root_dir()));
  }
  const std::string ledger = dir.path() + "/ledgers/" + id + ".jsonl";
  auto header = cctest::LedgerLines(ledger).at(0);
  CHECK(header["kind"] == "header");
  CHECK(header["controller_pid"] == getpid());
  CHECK(header["backend"] == "local");
  CHECK(header["local_octet"] == octet);
  CHECK(header["state_dir"] == dir.path());

  // A probe on n2's address answers the Dialer and node n1, and nothing answers on n3's.
  auto& n2 = cluster->remote("n2");
  const std::string log = n2.root_dir() + "/probe.log";
  auto daemon = n2.StartDaemon({"probe", {kProbe, "listen", n2.address(), "0", "n2"}, log, {}, ""});
  REQUIRE(daemon.ok());
  const int port = nodetest::WaitForListeningPort(log);
  REQUIRE(port > 0);
  auto fd = cluster->dialer().Connect(n2.address(), port, 1s);
  INFO(fd.message());
  REQUIRE(fd.ok());
  CHECK(cctest::NoDelayAndBlocking(*fd));
  CHECK(cctest::ReadLine(*fd) == "n2");
  CHECK(cctest::EchoLine(*fd, "ping") == "ping");
  close(*fd);
  auto from_n1 =
      cluster->remote("n1").Exec({kProbe, "connect", n2.address(), std::to_string(port)});
  REQUIRE(from_n1.ok());
  CHECK(from_n1->exit_code == 0);

  const std::string n3 = cluster->nodes()[2].address;
  auto refused = cluster->dialer().Connect(n3, port, 1s);
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.message(), Contains(n3 + ":" + std::to_string(port)));
  auto n1_to_n3 = cluster->remote("n1").Exec({kProbe, "connect", n3, std::to_string(port)});
  REQUIRE(n1_to_n3.ok());
  CHECK(n1_to_n3->exit_code == 1);

  // Destroy stops the daemon and removes the directories, then the ledger.
  REQUIRE(cluster->Destroy().ok());
  CHECK(cctest::ProcState(static_cast<pid_t>(daemon->pid)) == '-');
  CHECK_FALSE(nodetest::Exists(dir.path() + "/" + id));
  CHECK_FALSE(nodetest::Exists(ledger));
  CHECK(cluster->Destroy().ok());  // idempotent
  auto after = cluster->remote("n1").Exec({kProbe, "cwd"});
  REQUIRE_FALSE(after.ok());
  CHECK_THAT(after.message(), Contains("node n1"));
}

TEST_CASE("local runs alive at once never share a loopback range", "[cluster]") {
  nodetest::TempDir dir;
  // Ledgers of 253 live runs (this process) hold every range but one.
  std::filesystem::create_directories(dir.path() + "/ledgers");
  for (int octet = 1; octet <= 254; ++octet) {
    if (octet == 77) continue;
    auto header = coordcheck::control::MakeLedgerHeader("f" + std::to_string(10000 + octet),
                                                        "local", dir.path());
    header["local_octet"] = octet;
    cctest::WriteFile(dir.path() + "/ledgers/fake" + std::to_string(octet) + ".jsonl",
                      header.dump() + "\n");
  }
  auto cluster = MakeLocal(dir.path(), 2);
  CHECK(Octet(cluster->nodes()[0].address) == 77);

  ClusterOptions options;
  options.backend = "local";
  options.state_dir = dir.path();
  auto full = Cluster::Create(options);
  REQUIRE_FALSE(full.ok());
  CHECK_THAT(full.message(), Contains("no free loopback range"));

  // A dead controller's range is free again.
  cctest::WriteFile(dir.path() + "/ledgers/fake5.jsonl",
                    R"({"kind":"header","run_id":"dead05","controller_pid":1,)"
                    R"("controller_start_time":1,"backend":"local","local_octet":5})"
                    "\n");
  auto reused = MakeLocal(dir.path(), 1);
  CHECK(Octet(reused->nodes()[0].address) == 5);
  CHECK(reused->run_id() != cluster->run_id());
  REQUIRE(reused->Destroy().ok());
  REQUIRE(cluster->Destroy().ok());
}

TEST_CASE("Cluster::Create rejects bad options and leaves nothing behind", "[cluster]") {
  nodetest::TempDir dir;
  ClusterOptions options;
  options.state_dir = dir.path();

  options.backend = "ssh-someday";
  auto bad_backend = Cluster::Create(options);
  REQUIRE_FALSE(bad_backend.ok());
  CHECK_THAT(bad_backend.message(), Contains("unknown backend 'ssh-someday'"));

  options.backend = "local";
  for (int nodes : {0, 201}) {
    options.nodes = nodes;
    auto bad_count = Cluster::Create(options);
    REQUIRE_FALSE(bad_count.ok());
    CHECK_THAT(bad_count.message(), Contains(std::to_string(nodes) + " nodes"));
  }
  CHECK_FALSE(nodetest::Exists(dir.path() + "/ledgers"));

  cctest::WriteFile(dir.path() + "/a-file", "x");
  options.nodes = 1;
  options.state_dir = dir.path() + "/a-file/state";
  auto bad_dir = Cluster::Create(options);
  REQUIRE_FALSE(bad_dir.ok());
  CHECK_THAT(bad_dir.message(), Contains(dir.path() + "/a-file/state"));
}

TEST_CASE("Cluster::Create undoes a half-built cluster", "[cluster][root]") {
  // chattr +i stops even root from creating the node directories.
  nodetest::RequireRoot("chattr +i on the state directory");
  nodetest::TempDir dir;
  std::filesystem::create_directories(dir.path() + "/ledgers");
  nodetest::RunHere({"chattr", "+i", dir.path()});
  struct Unfreeze {
    std::string path;
    ~Unfreeze() {
      coordcheck::control::SpawnSpec chattr;
      chattr.argv = {"chattr", "-i", path};
      coordcheck::control::RunProcess(chattr, "", std::chrono::seconds(5));
    }
  } unfreeze{dir.path()};

  ClusterOptions options;
  options.backend = "local";
  options.state_dir = dir.path();
  auto created = Cluster::Create(options);
  REQUIRE_FALSE(created.ok());
  CHECK_THAT(created.message(), Contains("cannot create directory " + dir.path() + "/"));
  // The ledger was written first and removed again by the undo.
  CHECK(coordcheck::control::ListLedgers(dir.path()).empty());
}

TEST_CASE("Destroy stops daemons within its short grace, SIGKILLing stubborn ones", "[cluster]") {
  nodetest::TempDir dir;
  auto cluster = MakeLocal(dir.path(), 2);
  auto& n1 = cluster->remote("n1");
  const std::string log = n1.root_dir() + "/stubborn.log";
  auto stubborn = n1.StartDaemon({"stubborn", {kProbe, "sleep-ignore-term"}, log, {}, ""});
  auto polite = cluster->remote("n2").StartDaemon({"polite", {kProbe, "sleep"}, "", {}, ""});
  REQUIRE(stubborn.ok());
  REQUIRE(polite.ok());
  REQUIRE(nodetest::WaitUntil(
      [&] { return nodetest::ReadFile(log).find("ignoring SIGTERM") != std::string::npos; }));
  const auto start = std::chrono::steady_clock::now();
  cluster.reset();  // the destructor destroys
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(elapsed >= 1.0);
  CHECK(elapsed < 1.0 + 2 * std::chrono::duration<double>(testtime::kSlack).count());
  CHECK(cctest::ProcState(static_cast<pid_t>(stubborn->pid)) == '-');
  CHECK(cctest::ProcState(static_cast<pid_t>(polite->pid)) == '-');
  CHECK(coordcheck::control::ListLedgers(dir.path()).empty());
}

TEST_CASE("DefaultStateDir and DefaultBackend follow the documented rules", "[cluster]") {
  const char* saved = std::getenv("COORDCHECK_STATE_DIR");
  const std::string previous = saved != nullptr ? saved : "";
  setenv("COORDCHECK_STATE_DIR", "/somewhere/else", 1);
  CHECK(coordcheck::control::DefaultStateDir() == "/somewhere/else");
  unsetenv("COORDCHECK_STATE_DIR");
  if (geteuid() == 0) {
    CHECK(coordcheck::control::DefaultStateDir() == "/run/coordcheck");
    CHECK(coordcheck::control::DefaultBackend() == "netns");
  } else {
    CHECK(coordcheck::control::DefaultBackend() == "local");
    CHECK(coordcheck::control::DefaultStateDir().find("coordcheck") != std::string::npos);
  }
  if (!previous.empty()) setenv("COORDCHECK_STATE_DIR", previous.c_str(), 1);
}
