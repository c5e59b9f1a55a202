// The fault ops: their f names and value formats, shared by the fault generators
// (nemesis/schedule.h) and the nemeses that perform them. Each completion is `info` with
// a value saying exactly what was done; on failure `error` says what could not be done.
//
//   start-partition  {"kind": "halves"|"random-halves"|"isolate"|"majority-minority"|
//                              "majorities-ring"|"bridge"|"one-way"|"isolate-primary",
//                     "seed": S,            // the random choices of the kind, from the schedule
//                     "mode": "drop"|"reject"}
//                    or {"grudge": {"n1": ["n2", ...], ...}, "mode": ...} given explicitly;
//                    a grudge maps a node to the nodes whose packets it drops. mode defaults
//                    to drop; seed is required by the random kinds.
//                    completion: the same plus "grudge" (the one applied), "rules" (count),
//                    "mode", and "primary" for isolate-primary.
//                    Note: a TCP connect from X to Y fails fast under REJECT only when Y drops
//                    X and X does not drop Y; if X drops Y it hangs whatever the mode.
//   stop-partition   null → completion: {"healed": [nodes]}
//   start-packet     {"nodes": [...], "loss": 0.2}                    (probability, 0..1)
//                    {"nodes": [...], "delay_ms": 100, "jitter_ms": 20}  (either or both;
//                    optional "seed" for the jitter)
//   stop-packet      null
//   bump-clock       {"n1": delta_ms, ...} → {"n1": {"before_ms", "after_ms"}, ...}
//   strobe-clock     {"nodes": [...], "delta_ms": 200, "period_ms": 10, "duration_ms": 1000}
//   reset-clock      null (every node) or {"nodes": [...]}
//   check-clock-offsets  null → completion: {"n1": offset_ms, ...} observed by a probe under
//                    the preload on each node; "clock" (top level) has each node's method,
//                    error bound and the offset file's value
//   kill / start     {"nodes": [...]} or {"target": "primary"}; start null = every node killed
//   pause / resume   {"nodes": [...]} or {"target": "primary"}; resume null = every node paused
//   lose-unsynced    {"nodes": [...]} or {"target": "primary"}: kill, drop what was not
//                    fsynced, start → {"nodes": [...], "dropped": {node: {...}}}
//   torn-write       the same plus "seed": S (a prefix of each node's last unsynced write kept)
#pragma once

namespace coordcheck::fault {

inline constexpr const char* kStartPartition = "start-partition";
inline constexpr const char* kStopPartition = "stop-partition";
inline constexpr const char* kStartPacket = "start-packet";
inline constexpr const char* kStopPacket = "stop-packet";
inline constexpr const char* kBumpClock = "bump-clock";
inline constexpr const char* kStrobeClock = "strobe-clock";
inline constexpr const char* kResetClock = "reset-clock";
inline constexpr const char* kCheckClockOffsets = "check-clock-offsets";
inline constexpr const char* kKill = "kill";
inline constexpr const char* kStart = "start";
inline constexpr const char* kPause = "pause";
inline constexpr const char* kResume = "resume";
inline constexpr const char* kLoseUnsynced = "lose-unsynced";
inline constexpr const char* kTornWrite = "torn-write";

}  // namespace coordcheck::fault
