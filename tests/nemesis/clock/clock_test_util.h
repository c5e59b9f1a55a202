// Helpers for the clock nemesis tests: a cluster with a ClockNemesis set up on it, fault
// ops, and the readings of cc_clock_probe (clock_probe.cc) compared with the test's own
// clock. The state directory, root check and polling are in tests/support/node_env.h.
//
// Thread-safety: none needed (each test uses its own objects from one thread).
#pragma once

#include <time.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "harness/control/cluster.h"
#include "history/op.h"
#include "nemesis/clock/clock_nemesis.h"
#include "tests/support/node_env.h"

namespace clocktest {

inline const std::string kBinDir = CC_BIN_DIR;
inline const std::string kProbe = CC_CLOCK_PROBE;
inline const std::string kMallocGuard = CC_CLOCK_MALLOC_GUARD;
inline const std::string kPreload = kBinDir + "/" + coordcheck::ClockNemesis::kLibraryName;

int64_t Nanos(clockid_t clock);

// A cluster of `nodes` nodes with a ClockNemesis on it, set up; torn down (checking it
// succeeds) on destruction, then destroyed and checked by nodetest::TestCluster.
class ClockCluster {
 public:
  explicit ClockCluster(const std::string& backend, int nodes = 3,
                        coordcheck::ClockNemesisOptions options = {});
  ~ClockCluster();
  coordcheck::control::Cluster& cluster() { return cluster_.cluster(); }
  coordcheck::ClockNemesis& nemesis() { return *nemesis_; }
  coordcheck::control::Remote& remote(const std::string& node) { return cluster_.remote(node); }

  // Starts `cc_clock_probe loop PERIOD_MS` on `node` under the preload; returns its log.
  std::string StartProbe(const std::string& node, int period_ms);
  // Runs the fault op and checks the completion's type, process and f.
  coordcheck::Op Invoke(const std::string& f, coordcheck::Json value);

 private:
  nodetest::TestCluster cluster_;
  std::unique_ptr<coordcheck::ClockNemesis> nemesis_;
};

// One line of cc_clock_probe (its header has the format).
struct Reading {
  int64_t seq = 0, mono = 0, rt = 0, raw = 0, coarse = 0, tod_us = 0, time_s = 0, tai = 0,
          raw_tai = 0;
};

std::vector<Reading> Readings(const std::string& log_path);
// A reading the probe took entirely after this call began (waits up to 3 s for it).
Reading FreshReading(const std::string& log_path);

// How far a reading's clocks are from the test's own CLOCK_REALTIME, in ms. The probe and
// the test share one CLOCK_MONOTONIC, so the comparison is exact up to microseconds
// however old the reading is: (clock - probe's monotonic) - (ours - our monotonic).
double RealtimeOffsetMs(const Reading& r);
double CoarseOffsetMs(const Reading& r);
double GettimeofdayOffsetMs(const Reading& r);
// What the preload applied, measured inside the probe: realtime minus the raw syscall's.
double AppliedOffsetMs(const Reading& r);

}  // namespace clocktest
