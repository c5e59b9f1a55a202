// Wall-clock skew does not reach etcd: it runs with the clock preload in its environment
// (DbEnv::daemon_env from ClockNemesis), the nodes' clocks jump +30 s, and a lease granted
// with TTL 5 s is still alive — Go reads the clock without libc, and etcd's leases run on
// the leader's monotonic clock (shared/PLATFORM.md). A finding to show, not to hide: the
// same bump expires Redis keys at once (tests/nemesis/clock/redis_test.cc).

#include <catch2/catch.hpp>
#include <thread>

#include "nemesis/clock/clock_nemesis.h"
#include "nemesis/ops.h"
#include "targets/etcd/gateway.h"
#include "tests/targets/etcd/etcd_test_util.h"

namespace {

using coordcheck::Result;
using coordcheck::Status;

using coordcheck::Json;
using coordcheck::Op;
using etcdtest::EtcdCluster;
using std::chrono::milliseconds;
namespace etcd = coordcheck::etcd;
namespace fault = coordcheck::fault;

Op Invoke(coordcheck::ClockNemesis& nemesis, const std::string& f, Json value) {
  Op done = nemesis.Invoke(nodetest::NemesisOp(f, std::move(value)));
  INFO(coordcheck::OpToLine(done));
  CHECK(done.error.is_null());
  return done;
}

TEST_CASE("etcd: a +30 s wall-clock bump does not expire a 5 s lease (netns)",
          "[etcd][clock][root]") {
  nodetest::RequireRoot();
  EtcdCluster c("netns", 3);
  coordcheck::ClockNemesis nemesis(c.cluster(), COORDCHECK_BIN_DIR);
  {
    const auto setup = nemesis.Setup();
    INFO(setup.message());
    REQUIRE(setup.ok());
  }
  for (const std::string& node : c.names()) c.env().daemon_env[node] = nemesis.DaemonEnv(node);
  c.Start();

  // The members really carry the preload.
  for (const std::string& node : c.names()) {
    auto daemon = c.db().DaemonOf(node);
    REQUIRE(daemon.ok());
    std::string environ = nodetest::ReadFile("/proc/" + std::to_string(daemon->pid) + "/environ");
    for (char& ch : environ) {
      if (ch == '\0') ch = '\n';
    }
    for (const std::string& entry : nemesis.DaemonEnv(node)) {
      CHECK(environ.find(entry + "\n") != std::string::npos);
    }
  }

  const Json granted = c.Call("n1", "lease/grant", Json{{"TTL", 5}});
  const Json id = granted.at("ID");
  Json bump = Json::object();
  for (const std::string& node : c.names()) bump[node] = 30000;
  Invoke(nemesis, fault::kBumpClock, bump);

  // The skew is real for libc programs on the nodes...
  const Op observed = Invoke(nemesis, fault::kCheckClockOffsets, nullptr);
  for (const std::string& node : c.names()) {
    REQUIRE(observed.value.contains(node));
    CHECK(observed.value.at(node).get<double>() > 29000);
  }
  // ...but not for etcd: the lease lives on, counting down in real time, on every member.
  for (const std::string& node : c.names()) {
    const Json ttl = c.Call(node, "lease/timetolive", Json{{"ID", id}});
    INFO(node << ": " << ttl.dump());
    CHECK(etcd::Int64Field(ttl, "TTL") >= 3);
    CHECK(etcd::Int64Field(ttl, "grantedTTL") == 5);
  }
  std::this_thread::sleep_for(milliseconds(1000));
  const Json later = c.Call("n2", "lease/timetolive", Json{{"ID", id}});
  CHECK(etcd::Int64Field(later, "TTL") >= 2);
  // And writes with that lease still work.
  c.Call("n3", "kv/put",
         Json{{"key", etcd::Base64Encode("skewed")},
              {"value", etcd::Base64Encode("v")},
              {"lease", id}});

  Invoke(nemesis, fault::kResetClock, nullptr);
  const auto teardown = nemesis.Teardown();
  CHECK(teardown.ok());
}

}  // namespace
