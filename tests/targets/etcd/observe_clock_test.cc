// EtcdDb::ObserveClock: etcd's own wall clock, from the Date header of its gateway's
// answers, does NOT follow the clock preload — with the preload in its environment and a
// +10 s offset on every node, each member still reads the controller's time (within the
// header's one-second resolution). Through the ClockNemesis (target_clock) the readings land
// in check-clock-offsets' "clock" objects beside the probe's +10 s, and ClockEffect judges
// the history "not-reached". Also: HTTP dates parsed, and the offset arithmetic checked
// against a fake server whose Date runs 100 s ahead.
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "checkers/clock_effect.h"
#include "harness/control/dialers.h"
#include "history/history.h"
#include "nemesis/clock/clock_nemesis.h"
#include "nemesis/ops.h"
#include "tests/support/loopback.h"
#include "tests/support/slack.h"
#include "tests/targets/etcd/etcd_test_util.h"

namespace {

using coordcheck::Result;
using coordcheck::Status;

using coordcheck::ClockReading;
using coordcheck::Json;
using coordcheck::Op;
using coordcheck::TargetClockSample;
using coordcheck::etcd::ParseHttpDate;
using etcdtest::EtcdCluster;
namespace fault = coordcheck::fault;

TEST_CASE("etcd db: HTTP dates in the preferred format are parsed, others refused",
          "[etcd][db][clock]") {
  CHECK(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT") == 784111777);
  CHECK(ParseHttpDate("Thu, 01 Jan 1970 00:00:00 GMT") == 0);
  CHECK(ParseHttpDate("Tue, 29 Feb 2000 12:00:00 GMT") == 951825600);
  CHECK(ParseHttpDate("Tue, 19 Jan 2038 03:14:08 GMT") == 2147483648);
  CHECK(ParseHttpDate("Mon, 01 Mar 2100 00:00:00 GMT") == 4107542400);
  for (const char* bad : {"", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994",
                          "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 06 Nox 1994 08:49:37 GMT",
                          "Sun, 6 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 24:49:37 GMT",
                          "Sun, 06 Nov 1994 08:49:3x GMT", "Xyz, 06 Nov 1994 08:49:37 GMT",
                          "Sun, 00 Nov 1994 08:49:37 GMT"}) {
    INFO(bad);
    CHECK_FALSE(ParseHttpDate(bad));
  }
}

// An HTTP server on 127.0.0.1 (ephemeral port) answering every request on every
// connection with 200, an empty JSON body and the headers `headers()` returns then.
class DateServer {
 public:
  explicit DateServer(std::function<std::string()> headers)
      : headers_(std::move(headers)), listener_(/*backlog=*/4) {
    thread_ = std::thread([this] { Serve(); });
  }
  ~DateServer() {
    stop_ = true;
    shutdown(listener_.fd(), SHUT_RDWR);
    thread_.join();
  }
  int port() const { return listener_.port(); }

 private:
  void Serve() {
    while (!stop_) {
      const int conn = accept(listener_.fd(), nullptr, nullptr);
      if (conn < 0) return;
      std::string buffer;
      while (true) {
        const size_t end = buffer.find("\r\n\r\n");
        if (end != std::string::npos) {
          size_t length = 0;
          const size_t at = buffer.find("Content-Length: ");
          if (at != std::string::npos && at < end) length = std::stoul(buffer.substr(at + 16));
          if (buffer.size() >= end + 4 + length) {
            buffer.erase(0, end + 4 + length);
            const std::string response =
                "HTTP/1.1 200 OK\r\n" + headers_() + "Content-Length: 2\r\n\r\n{}";
            if (send(conn, response.data(), response.size(), MSG_NOSIGNAL) < 0) break;
            continue;
          }
        }
        char chunk[4096];
        const ssize_t n = recv(conn, chunk, sizeof chunk, 0);
        if (n <= 0) break;
        buffer.append(chunk, static_cast<size_t>(n));
      }
      close(conn);
    }
  }

  std::function<std::string()> headers_;
  nodetest::LoopbackListener listener_;  // closed after the thread is joined
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

std::string HttpDate(time_t t) {
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[64];
  strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

TEST_CASE("etcd db: ObserveClock takes the middle of the Date header's second",
          "[etcd][db][clock]") {
  coordcheck::control::LocalDialer dialer;
  coordcheck::DbEnv env;
  env.dialer = &dialer;
  const coordcheck::control::NodeInfo node{"n1", "127.0.0.1"};

  // 100 s ahead: the reading is 100 s within its error, and the error is 500 ms plus half
  // a loopback round trip.
  DateServer ahead([] { return "Date: " + HttpDate(time(nullptr) + 100) + "\r\n"; });
  env.options = Json{{"client_port", ahead.port()}};
  for (int i = 0; i < 5; ++i) {
    auto reading = coordcheck::etcd::EtcdDb().ObserveClock(node, env);
    INFO(reading.message());
    REQUIRE(reading.ok());
    INFO("offset " << reading->offset_ms << " ms, error " << reading->error_ms << " ms");
    CHECK(reading->method == "etcd HTTP Date header");
    CHECK(reading->error_ms >= 500);
    CHECK(reading->error_ms <= 520 + testtime::kSlack.count() / 2);  // + half a round trip
    CHECK(std::abs(reading->offset_ms - 100000) <= reading->error_ms);
    std::this_thread::sleep_for(std::chrono::milliseconds(230));  // other sub-second phases
  }

  DateServer none([] { return std::string("Server: fake\r\n"); });
  env.options = Json{{"client_port", none.port()}};
  auto missing = coordcheck::etcd::EtcdDb().ObserveClock(node, env);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.message() ==
        "node n1: etcd: clock: the answer to POST /v3/maintenance/status (status 200) has no "
        "Date header");

  DateServer odd([] { return std::string("Date: yesterday\r\n"); });
  env.options = Json{{"client_port", odd.port()}};
  CHECK(coordcheck::etcd::EtcdDb().ObserveClock(node, env).message() ==
        "node n1: etcd: clock: cannot read the Date header \"yesterday\"");

  env.dialer = nullptr;
  CHECK(coordcheck::etcd::EtcdDb().ObserveClock(node, env).message() ==
        "node n1: etcd: clock: no dialer to reach the node");
}

// etcd on every node with the clock preload in its environment; a ClockNemesis whose
// target_clock is EtcdDb::ObserveClock, every fault op recorded in `history`.
void PreloadScenario(const std::string& backend) {
  EtcdCluster c(backend, 3);
  coordcheck::ClockNemesisOptions options;
  options.target_clock =
      [&c](const std::string& node) -> coordcheck::Result<TargetClockSample> {
    auto reading = c.db().ObserveClock(c.info(node), c.env());
    if (!reading.ok()) return reading.status();
    return TargetClockSample{reading->offset_ms, reading->error_ms, reading->method};
  };
  coordcheck::ClockNemesis nemesis(c.cluster(), COORDCHECK_BIN_DIR, options);
  {
    const auto setup = nemesis.Setup();
    INFO(setup.message());
    REQUIRE(setup.ok());
  }
  for (const std::string& node : c.names()) c.env().daemon_env[node] = nemesis.DaemonEnv(node);
  c.Start();

  coordcheck::History history;
  int64_t tick = 0;
  auto invoke = [&](const std::string& f, Json value) {
    Op op = nodetest::NemesisOp(f, std::move(value));
    op.time_ns = ++tick;
    history.Append(op);
    Op done = nemesis.Invoke(op);
    done.time_ns = ++tick;
    history.Append(done);
    INFO(coordcheck::OpToLine(done));
    CHECK(done.error.is_null());
    return done;
  };
  auto observe = [&](const std::string& node) {
    auto reading = c.db().ObserveClock(c.info(node), c.env());
    INFO(reading.message());
    REQUIRE(reading.ok());
    std::printf("etcd Date on %s: offset %lld ms, error %lld ms\n", node.c_str(),
                static_cast<long long>(reading->offset_ms),
                static_cast<long long>(reading->error_ms));
    CHECK(reading->method == "etcd HTTP Date header");
    CHECK(reading->error_ms >= 500);
    CHECK(reading->error_ms <= 600 + testtime::kSlack.count() / 2);
    return *reading;
  };

  for (const std::string& node : c.names()) {
    const ClockReading r = observe(node);
    CHECK(std::abs(r.offset_ms) <= r.error_ms);
  }
  Json bump = Json::object();
  for (const std::string& node : c.names()) bump[node] = 10000;
  invoke(fault::kBumpClock, bump);
  // The preload applies +10 s to libc's clock on every node; etcd's clock stays put.
  for (const std::string& node : c.names()) {
    const ClockReading r = observe(node);
    CHECK(std::abs(r.offset_ms) <= r.error_ms);
  }

  const Op checked = invoke(fault::kCheckClockOffsets, nullptr);
  for (const std::string& node : c.names()) {
    INFO(node);
    CHECK(checked.value[node] == 10000);  // the probe, under the preload
    const Json& target = checked.extra["clock"][node]["target"];
    REQUIRE(target.is_object());
    CHECK(target["method"] == "etcd HTTP Date header");
    CHECK(std::abs(target["offset_ms"].get<int64_t>()) <= target["error_ms"].get<int64_t>());
  }
  const Json effect = coordcheck::ClockEffect(history);
  INFO(effect.dump());
  CHECK(effect["verdict"] == "not-reached");
  CHECK(effect["not_reached"] == Json::array({"n1", "n2", "n3"}));
  CHECK(effect["reached"] == Json::array());
  CHECK(effect["samples"] == 3);
  CHECK_THAT(effect["note"].get<std::string>(),
             Catch::StartsWith("the clock faults did not reach the target: its own clock (etcd "
                               "HTTP Date header) stayed within ±") &&
                 Catch::Contains("while the preload offset was up to 10.0 s"));
  std::printf("clock effect: %s\n", effect["note"].get<std::string>().c_str());

  invoke(fault::kResetClock, nullptr);
  CHECK(nemesis.Teardown().ok());
}

TEST_CASE("etcd db: ObserveClock shows etcd's clock unmoved by a +10 s preload offset (local)",
          "[etcd][db][clock]") {
  PreloadScenario("local");
}

TEST_CASE("etcd db: ObserveClock shows etcd's clock unmoved by a +10 s preload offset (netns)",
          "[etcd][db][clock][root]") {
  nodetest::RequireRoot();
  PreloadScenario("netns");
}

}  // namespace
