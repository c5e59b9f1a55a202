// The lock workload's ops in a history, as the mutual-exclusion and fencing checkers read
// them (they need nothing but the history).
//
// Client ops (process >= 0):
//   acquire    invoke null → ok {"token": T, "fence": F|null, "validity_ms": V}; fail = not
//              acquired; info = unknown
//   increment  the critical section on the protected resource: read the counter, hold,
//              write read+1 carrying the fence (or null) — invoke null
//              → ok {"cs": ID, "fence": F|null, "read": R, "wrote": R+1, "accepted": true}
//              → fail {"cs": ID, ...} with error "stale fence" when the resource rejected it
//              → info when unknown
//   release    invoke {"token": T} → ok / fail / info
// Final phase (after healing), read by a client of the resource:
//   resource-log   invoke null → ok [entry, ...], one entry per request the resource served,
//                  in the order it served them:
//                  {"seq": N, "cs": ID, "process": P, "kind": "read"|"write", "fence": F|null,
//                   "value": V, "accepted": true|false, "t_ns": resource's own timestamp}
//                  (pings and log fetches are not logged; a request outside a critical
//                  section, such as the final resource-read, has "cs": null; t_ns is the
//                  resource host's monotonic clock since the resource first started, never
//                  decreasing along the log; a read's value is the counter it returned;
//                  targets/resource/protocol.h has the resource's side)
//   resource-read  invoke null → ok counter value
// Nemesis ops also include "pause-client" {"ms": D} (or {"thread": T, "ms": D}): the next
// critical section of any client (of client thread T, whatever process it runs then) stalls
// D ms between its read and its write (a GC pause); that increment's value carries
// "paused_ms" (the stall, cut short if the op's deadline would pass).
//
// A critical section ID ("cs") is unique per run: "<process>-<n>".
#pragma once

namespace coordcheck::lock_ops {

inline constexpr const char* kAcquire = "acquire";
inline constexpr const char* kIncrement = "increment";
inline constexpr const char* kRelease = "release";
inline constexpr const char* kResourceLog = "resource-log";
inline constexpr const char* kResourceRead = "resource-read";
inline constexpr const char* kPauseClient = "pause-client";

}  // namespace coordcheck::lock_ops
