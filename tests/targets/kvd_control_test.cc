// kvd deployed by KvdDb through the real harness/control backends (Cluster, its Remotes and
// its Dialer), as the runner will do it: "local" (loopback addresses, any user) and "netns"
// (network namespaces, root only: tagged [root], labelled "root" in ctest; they fail, not
// skip, when not root). ProcessNemesis, through the harness's DbProcessControl, really
// stops, resumes, kills and restarts kvd processes there.

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "harness/control/cluster.h"
#include "harness/control/process.h"
#include "harness/nemesis_setup.h"
#include "nemesis/ops.h"
#include "nemesis/process/process_nemesis.h"
#include "targets/kvd/client.h"
#include "targets/kvd/db.h"
#include "tests/support/node_env.h"
#include "tests/targets/kvd_workload.h"

namespace coordcheck::test {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

Op MakeOp(const std::string& f, Json key, Json value) {
  Op op;
  op.f = f;
  op.key = std::move(key);
  op.value = std::move(value);
  return op;
}

Deadline In(int ms) { return Clock::now() + milliseconds(ms); }

// The state directory of these tests' clusters. A test process killed half-way (ctest
// timeout, ^C) leaves its cluster behind with its ledger here; the next DeployedCluster
// removes it (CleanLeftovers leaves the runs of live test processes alone), and
// `coordcheck clean --state-dir` can too.
constexpr char kStateDir[] = "/tmp/coordcheck-kvd-test-state";

// A cluster of the given backend with kvd set up on every node; tears everything down.
class DeployedCluster {
 public:
  DeployedCluster(const std::string& backend, const std::string& bug) {
    control::CleanReport cleaned = control::CleanLeftovers(kStateDir);
    if (!cleaned.removed.empty() || !cleaned.errors.empty()) {
      WARN("removed " << cleaned.removed.size() << " leftovers of killed test runs from "
                      << kStateDir << " (" << cleaned.errors.size() << " errors)");
    }
    control::ClusterOptions options;
    options.backend = backend;
    options.nodes = 3;
    options.state_dir = kStateDir;
    auto created = control::Cluster::Create(options);
    if (!created.ok()) FAIL("cluster: " << created.message());
    cluster_ = std::move(created).value();
    env_.nodes = cluster_->nodes();
    env_.bin_dir = std::filesystem::path(COORDCHECK_KVD_BINARY).parent_path().string();
    env_.bug = bug;
    env_.options = {{"forward_timeout_ms", 500}};
    env_.seed = 5;
    env_.dialer = &cluster_->dialer();
  }
  ~DeployedCluster() {
    if (cluster_) {
      for (const auto& node : cluster_->nodes()) db_.Teardown(cluster_->remote(node.name));
      cluster_->Destroy();
    }
  }

  // Setup on every node at once (as the runner does), then Ready.
  Status Start() {
    std::vector<Status> results(env_.nodes.size());
    std::vector<std::thread> threads;
    for (size_t i = 0; i < env_.nodes.size(); ++i) {
      threads.emplace_back([this, i, &results] {
        results[i] = db_.Setup(cluster_->remote(env_.nodes[i].name), env_);
      });
    }
    for (std::thread& t : threads) t.join();
    for (const Status& s : results) {
      if (!s.ok()) return s;
    }
    return db_.Ready(env_, std::chrono::seconds(10));
  }

  std::string Log(const std::string& node) {
    const std::string local =
        std::string(kStateDir) + "/" + cluster_->run_id() + "-" + node + "-kvd.log";
    control::Remote& remote = cluster_->remote(node);
    if (!remote.Download(db_.LogFiles(remote).at(0), local).ok()) return "";
    std::ifstream in(local);
    std::stringstream content;
    content << in.rdbuf();
    std::error_code ec;
    std::filesystem::remove(local, ec);
    return content.str();
  }

  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& node : env_.nodes) out.push_back(node.name);
    return out;
  }
  ClientEnv client_env() {
    ClientEnv env;
    env.dialer = &cluster_->dialer();
    env.options = env_.options;
    for (const auto& node : env_.nodes) env.addresses[node.name] = node.address;
    return env;
  }
  control::Remote& remote(const std::string& node) { return cluster_->remote(node); }
  control::Cluster& cluster() { return *cluster_; }
  kvd::KvdDb& db() { return db_; }
  const DbEnv& env() const { return env_; }

 private:
  std::unique_ptr<control::Cluster> cluster_;
  DbEnv env_;
  kvd::KvdDb db_;
};

void ExerciseBackend(const std::string& backend) {
  DeployedCluster cluster(backend, "");
  Status started = cluster.Start();
  if (!started.ok()) FAIL(started.message() << "\n" << cluster.Log("n1") << cluster.Log("n2"));
  CHECK(cluster.Log("n1").find("kvd n1: primary listening on " + cluster.env().nodes[0].address +
                               ":7000") != std::string::npos);

  WorkloadOptions w;
  w.duration = milliseconds(700);
  w.seed = 21;
  WorkloadResult run = RunRegisterWorkload(cluster.client_env(), cluster.names(), w);
  INFO(run.Describe());
  CHECK(run.ok > 300);
  CHECK(CheckCasRegister(run.history).valid == Validity::kValid);

  // Kill and restart the primary: the data survives; meanwhile a follower refuses.
  ClientEnv env = cluster.client_env();
  kvd::KvdClient via_n3;
  REQUIRE(via_n3.Open(env, "n3").ok());
  REQUIRE(via_n3.Invoke(MakeOp("write", "durable", 42), In(2000)).type == OpType::kOk);
  REQUIRE(cluster.db().Kill(cluster.remote("n1")).ok());
  Op refused = via_n3.Invoke(MakeOp("write", "durable", 43), In(2000));
  CHECK(refused.type == OpType::kFail);
  REQUIRE(cluster.db().Start(cluster.remote("n1"), cluster.env()).ok());
  REQUIRE(cluster.db().Ready(cluster.env(), std::chrono::seconds(10)).ok());
  Op read = via_n3.Invoke(MakeOp("read", "durable", nullptr), In(2000));
  CHECK(read.type == OpType::kOk);
  CHECK(read.value == 42);

  // Pause the primary: a forwarded op is info, not fail.
  REQUIRE(cluster.db().Pause(cluster.remote("n1")).ok());
  Op paused = via_n3.Invoke(MakeOp("write", "durable", 44), In(3000));
  CHECK(paused.type == OpType::kInfo);
  REQUIRE(cluster.db().Resume(cluster.remote("n1")).ok());
  CHECK(via_n3.Invoke(MakeOp("read", "x", nullptr), In(2000)).type == OpType::kOk);
}

TEST_CASE("kvd on a local cluster: deploy, check, kill, restart, pause", "[kvd][control]") {
  ExerciseBackend("local");
}

TEST_CASE("kvd on a netns cluster: deploy, check, kill, restart, pause", "[kvd][control][root]") {
  nodetest::RequireRoot();
  ExerciseBackend("netns");
}

// The one kvd server process of `node` (its command line names the node's data folder).
pid_t KvdPid(DeployedCluster& cluster, const std::string& node) {
  const std::vector<pid_t> pids =
      nodetest::PidsWith({"coordcheck-kvd", cluster.remote(node).root_dir() + "/data"});
  INFO(node << ": kvd pids " << Json(pids).dump());
  REQUIRE(pids.size() == 1);
  return pids[0];
}

bool StateIs(pid_t pid, char state) {
  return nodetest::WaitUntil([&] { return nodetest::ProcessStateOf(pid) == state; },
                             std::chrono::seconds(10), milliseconds(5));
}

bool Stopped(pid_t pid) { return StateIs(pid, 'T'); }
bool Running(pid_t pid) {
  return nodetest::WaitUntil(
      [&] {
        const char st = nodetest::ProcessStateOf(pid);
        return st == 'S' || st == 'R';
      },
      std::chrono::seconds(10), milliseconds(5));
}

// Invokes `f` on the nemesis; requires it done on exactly `nodes`.
void MustFault(ProcessNemesis& nemesis, const std::string& f, Json value,
               const std::vector<std::string>& nodes) {
  const Op done = nemesis.Invoke(nodetest::NemesisOp(f, std::move(value)));
  INFO(f << ": " << done.value.dump() << " error " << done.error.dump());
  REQUIRE(done.error.is_null());
  REQUIRE(done.value["nodes"] == Json(nodes));
}

TEST_CASE("process nemesis on real kvd processes: paused ones stop, killed ones restart anew",
          "[kvd][control][root]") {
  nodetest::RequireRoot();
  DeployedCluster cluster("netns", "");
  Status started = cluster.Start();
  if (!started.ok()) FAIL(started.message());
  DbProcessControl control(&cluster.db(), &cluster.cluster(), &cluster.env());
  ProcessNemesis nemesis(&control, cluster.names());
  REQUIRE(nemesis.Setup().ok());
  ClientEnv env = cluster.client_env();
  kvd::KvdClient via_n2;
  REQUIRE(via_n2.Open(env, "n2").ok());
  REQUIRE(via_n2.Invoke(MakeOp("write", "k", 1), In(3000)).type == OpType::kOk);

  // Pause: n2's kvd is stopped (state T), and a request to it times out.
  const pid_t n2 = KvdPid(cluster, "n2");
  const pid_t n3 = KvdPid(cluster, "n3");
  MustFault(nemesis, fault::kPause, {{"nodes", {"n2"}}}, {"n2"});
  CHECK(Stopped(n2));
  CHECK(nodetest::ProcessStateOf(n3) != 'T');
  CHECK(via_n2.Invoke(MakeOp("read", "k", nullptr), In(1000)).type == OpType::kInfo);
  MustFault(nemesis, fault::kResume, nullptr, {"n2"});
  CHECK(Running(n2));
  CHECK(KvdPid(cluster, "n2") == n2);  // the same process, resumed
  kvd::KvdClient again;
  REQUIRE(again.Open(env, "n2").ok());
  CHECK(again.Invoke(MakeOp("read", "k", nullptr), In(3000)).type == OpType::kOk);

  // Kill: n2's process is gone; start: a new process (a new pid) serves the data.
  MustFault(nemesis, fault::kKill, {{"nodes", {"n2"}}}, {"n2"});
  CHECK(nodetest::WaitUntil([&] { return control::ProcessGone(n2); }, std::chrono::seconds(10)));
  CHECK(nodetest::PidsWith({"coordcheck-kvd", cluster.remote("n2").root_dir() + "/data"}).empty());
  MustFault(nemesis, fault::kStart, nullptr, {"n2"});
  REQUIRE(cluster.db().Ready(cluster.env(), std::chrono::seconds(10)).ok());
  const pid_t n2_new = KvdPid(cluster, "n2");
  CHECK(n2_new != n2);
  CHECK(Running(n2_new));
  kvd::KvdClient after;
  REQUIRE(after.Open(env, "n2").ok());
  Op read = after.Invoke(MakeOp("read", "k", nullptr), In(3000));
  CHECK(read.type == OpType::kOk);
  CHECK(read.value == 1);

  // Teardown undoes what is still in force: n3 paused and n2 killed come back.
  MustFault(nemesis, fault::kPause, {{"nodes", {"n3"}}}, {"n3"});
  MustFault(nemesis, fault::kKill, {{"nodes", {"n2"}}}, {"n2"});
  CHECK(Stopped(n3));
  REQUIRE(nemesis.Teardown().ok());
  CHECK(Running(n3));
  const pid_t n2_third = KvdPid(cluster, "n2");
  CHECK(n2_third != n2_new);
  CHECK(Running(n2_third));
}

TEST_CASE("kvd on a local cluster: follower-reads is caught", "[kvd][control]") {
  DeployedCluster cluster("local", "follower-reads");
  Status started = cluster.Start();
  if (!started.ok()) FAIL(started.message());
  WorkloadOptions w;
  w.seed = 22;
  WorkloadResult run = RunRegisterWorkload(cluster.client_env(), cluster.names(), w);
  CheckResult result = CheckCasRegister(run.history);
  INFO(run.Describe() << ": " << result.summary);
  CHECK(result.valid == Validity::kInvalid);
}

}  // namespace
}  // namespace coordcheck::test
