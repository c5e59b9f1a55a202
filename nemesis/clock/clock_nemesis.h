// ClockNemesis: per-node clock skew without touching the host's clock (Jepsen's clock
// nemesis, done with an LD_PRELOAD library instead of date/adjtime).
//
// Every process the target starts on a node carries DaemonEnv(node): LD_PRELOAD of
// libcoordcheck-clock.so (preload.cc) and COORDCHECK_CLOCK_FILE naming the node's offset
// file (offset_layout.h). The controller writes an offset into that file and from the
// next clock call on, those processes' CLOCK_REALTIME (and gettimeofday, time,
// timespec_get, CLOCK_REALTIME_COARSE/_ALARM, CLOCK_TAI) read real time + offset; their
// monotonic clocks are untouched. No restart is needed. Processes that read the clock
// without libc (Go binaries such as etcd) are not affected (shared/PLATFORM.md).
//
// Fault ops (nemesis/ops.h); every completion is `info` with the same process and f:
//   bump-clock    {"n1": delta_ms, ...}
//                 → {"n1": {"before_ms": B, "after_ms": B + delta}, ...}
//   strobe-clock  {"nodes": [...], "delta_ms": D, "period_ms": P, "duration_ms": T}
//                 flips the nodes between before + D and before every P ms for T ms
//                 (blocking the nemesis thread), then restores `before`
//                 → {"nodes": {"n1": {"before_ms", "strobe_ms", "after_ms"}, ...},
//                    "delta_ms", "period_ms", "duration_ms", "flips": switches made,
//                    the final restore included}
//   reset-clock   null (every node) or {"nodes": [...]}
//                 → {"n1": {"before_ms": B, "after_ms": 0}, ...}
//   check-clock-offsets  null → {"n1": offset_ms, ...}, OBSERVED: coordcheck-clock `now`
//                 runs on each node under the preload and its CLOCK_REALTIME is compared
//                 with the controller's (the comment on CheckOffsets in the .cc says how;
//                 on one machine the error is under a microsecond, across machines half
//                 the Exec round trip). The op's extra field "clock" holds per node
//                 {"observed_ms", "error_ms", "method", "file_ms"}: file_ms is what the
//                 offset file says, so a process that ignores the preload shows up.
//                 With ClockNemesisOptions::target_clock set, each node's object also
//                 holds the TARGET's own clock as the target itself reports it,
//                 "target": {"offset_ms", "error_ms", "method"}, or "target_error":
//                 "message" when that read failed (which fails neither the op nor the
//                 probe's reading): the probe shows what the preload applies, "target"
//                 whether the target follows it (a Go program such as etcd does not).
//                 A node whose probe fails is named in `error` and left out. Nodes are
//                 read one after the other, the probe then the target.
// Offsets are whole milliseconds, |offset| <= 1e12. A node whose offset could not be
// written is named in `error` ("node n2: ...", several joined by "; ") and left out of
// `value`; the others are still done. Invalid input changes nothing: `value` is null and
// `error` says why.
//
// Setup uploads libcoordcheck-clock.so to ROOT/lib/ and coordcheck-clock to ROOT/bin/ on
// every node (ROOT = Remote::root_dir()) and creates ROOT/clock/offset with offset 0.
// Teardown sets every offset back to 0 (the files go away with the node folders). The
// offset files are written directly on this machine for the "local" and "netns" backends,
// through Remote::Exec of coordcheck-clock for any other (offset_access.h; the uploaded
// binaries must then suit the node's architecture and libc).
//
// Thread-safety: DaemonEnv may be called from any thread at any time (it only reads paths
// fixed at construction). Setup, Invoke and Teardown follow nemesis.h; target_clock is
// called from Invoke's thread only, one node at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "harness/control/cluster.h"
#include "nemesis/clock/offset_access.h"
#include "nemesis/nemesis.h"

namespace coordcheck {

// The target's own clock on a node, as the target reports it (its time command, a Date
// header): offset from the controller's realtime and a bound on the measurement's error.
struct TargetClockSample {
  int64_t offset_ms = 0;  // the target's realtime - the controller's realtime (ms)
  int64_t error_ms = 0;   // the true offset is within offset_ms ± error_ms
  std::string method;     // how it was read ("redis TIME", "etcd HTTP Date header")
};

struct ClockNemesisOptions {
  enum class Access {
    kAuto,    // kDirect when the nodes share the controller's filesystem, else kExec
    kDirect,  // write the offset files as paths on this machine
    kExec,    // run coordcheck-clock on the node through Remote::Exec
  };
  // How the controller reaches the offset files. Default kAuto.
  Access access = Access::kAuto;
  // Bound of every command run on a node (probe, offset writes with kExec), ms. Default 10 s.
  std::chrono::milliseconds exec_timeout{10000};
  // Longest strobe-clock duration accepted, ms. Default 10 minutes.
  int64_t max_strobe_duration_ms = 600000;
  // Reads the TARGET's own clock offset on a node (not the preload probe's); null = not
  // observable. Called by check-clock-offsets for every node whose probe succeeded; it
  // must be bounded (a few seconds at most: it runs on the nemesis thread) and its error
  // should name the node. Default null.
  std::function<Result<TargetClockSample>(const std::string& node)> target_clock;
};

class ClockNemesis : public Nemesis {
 public:
  // File names in coordcheck's bin directory (and on the nodes).
  static constexpr const char* kLibraryName = "libcoordcheck-clock.so";
  static constexpr const char* kToolName = "coordcheck-clock";

  // `cluster` must outlive this. `bin_dir` holds kLibraryName and kToolName.
  ClockNemesis(control::Cluster& cluster, std::string bin_dir, ClockNemesisOptions options = {});
  ~ClockNemesis() override;

  std::vector<std::string> fs() const override;
  Status Setup() override;
  Op Invoke(const Op& invoke) override;
  Status Teardown() override;

  // The environment entries every process the target starts on `node` must carry:
  // {"LD_PRELOAD=ROOT/lib/libcoordcheck-clock.so", "COORDCHECK_CLOCK_FILE=ROOT/clock/offset"}.
  // Empty for a node not in the cluster. Valid from construction; the files exist once
  // Setup returned ok.
  std::vector<std::string> DaemonEnv(const std::string& node) const override;

 private:
  struct NodeClock;

  NodeClock* Find(const std::string& node);
  Status SetOffset(NodeClock& node, int64_t offset_ms);
  // Each performs one fault op; `done` is the completion to fill (value null, no error).
  Op Bump(const Json& input, Op done);
  Op Strobe(const Json& input, Op done);
  Op Reset(const Json& input, Op done);
  Op CheckOffsets(Op done);

  control::Cluster& cluster_;
  std::string bin_dir_;
  ClockNemesisOptions options_;
  std::vector<std::unique_ptr<NodeClock>> nodes_;  // in cluster order
  bool set_up_ = false;
};

}  // namespace coordcheck
