#include "tests/nemesis/clock/clock_test_util.h"

#include <catch2/catch.hpp>
#include <sstream>

namespace clocktest {

using coordcheck::Json;
using coordcheck::Op;
using coordcheck::OpType;
namespace control = coordcheck::control;

int64_t Nanos(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

ClockCluster::ClockCluster(const std::string& backend, int nodes,
                           coordcheck::ClockNemesisOptions options)
    : cluster_(backend, nodes) {
  nemesis_ = std::make_unique<coordcheck::ClockNemesis>(cluster_.cluster(), kBinDir, options);
  const auto setup = nemesis_->Setup();
  INFO(setup.message());
  REQUIRE(setup.ok());
}

ClockCluster::~ClockCluster() {
  const auto teardown = nemesis_->Teardown();
  CHECK(teardown.message() == "");
}

std::string ClockCluster::StartProbe(const std::string& node, int period_ms) {
  control::DaemonSpec spec;
  spec.name = "probe";
  spec.argv = {kProbe, "loop", std::to_string(period_ms)};
  spec.env = nemesis_->DaemonEnv(node);
  spec.log_path = remote(node).root_dir() + "/probe.log";
  auto daemon = remote(node).StartDaemon(spec);
  INFO(daemon.message());
  REQUIRE(daemon.ok());
  REQUIRE(nodetest::WaitUntil([&] { return !Readings(spec.log_path).empty(); }));
  return spec.log_path;
}

Op ClockCluster::Invoke(const std::string& f, Json value) {
  Op done = nemesis_->Invoke(nodetest::NemesisOp(f, std::move(value)));
  INFO(coordcheck::OpToLine(done));
  CHECK(done.type == OpType::kInfo);
  CHECK(done.process == coordcheck::kNemesisProcess);
  CHECK(done.f == f);
  return done;
}

std::vector<Reading> Readings(const std::string& log_path) {
  std::vector<Reading> readings;
  std::istringstream in(nodetest::ReadFile(log_path));
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // a line still being written
    std::istringstream fields(line);
    Reading r;
    if (fields >> r.seq >> r.mono >> r.rt >> r.raw >> r.coarse >> r.tod_us >> r.time_s >> r.tai >>
        r.raw_tai) {
      readings.push_back(r);
    }
  }
  return readings;
}

Reading FreshReading(const std::string& log_path) {
  const int64_t now = Nanos(CLOCK_MONOTONIC);
  Reading fresh;
  const bool found = nodetest::WaitUntil([&] {
    for (const Reading& r : Readings(log_path)) {
      if (r.mono > now) {
        fresh = r;
        return true;
      }
    }
    return false;
  });
  INFO("no reading in " << log_path << " after this point");
  REQUIRE(found);
  return fresh;
}

namespace {

double OffsetMs(int64_t clock_ns, int64_t mono_ns) {
  const int64_t ours = Nanos(CLOCK_REALTIME) - Nanos(CLOCK_MONOTONIC);
  return static_cast<double>((clock_ns - mono_ns) - ours) / 1e6;
}

}  // namespace

double RealtimeOffsetMs(const Reading& r) { return OffsetMs(r.rt, r.mono); }
double CoarseOffsetMs(const Reading& r) { return OffsetMs(r.coarse, r.mono); }
double GettimeofdayOffsetMs(const Reading& r) { return OffsetMs(r.tod_us * 1000, r.mono); }
double AppliedOffsetMs(const Reading& r) { return static_cast<double>(r.rt - r.raw) / 1e6; }

}  // namespace clocktest
