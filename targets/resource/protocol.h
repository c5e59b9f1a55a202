// The protected resource's wire protocol: line-delimited JSON over TCP, one request per
// line, one response per line, answered in order on each connection (like kvd's).
//
//   request  {"id": N, "f": "read"|"write"|"log"|"ping", "cs": ID|null, "process": P|null,
//             "fence": F|null, "value": V}
//   response {"id": N, "type": "ok"|"fail", "value": ..., "error": ...}
//
// The fenced mode accepts a fencing token F only if no higher one came before it (Kleppmann):
// every accepted request — read or write — raises the highest fence seen to its own.
// read  → fenced mode: F lower than the highest fence seen → fail, error "stale fence",
//           value {"highest_fence": H}; else ok (highest = max(highest, F); a read without a
//           fence, such as the final read, is always served and changes nothing).
//         unfenced mode: always ok. ok value = the counter.
// write → value V (an integer) with fence F:
//           fenced mode:   F null, or F lower than the highest fence seen so far →
//                          fail, error "stale fence", value {"highest_fence": H|null};
//                          else ok (counter = V, highest = F);
//           unfenced mode: always ok.
//         Why reads count: a holder whose lease ran out may read, stall, and write after
//         the next holder READ (but before it wrote); checking writes only would accept
//         both writes and lose an update.
//         ok value = {"counter": V, "highest_fence": H|null}.
// log   → ok, value = every read and write served so far, in order:
//           [{"seq", "cs", "process", "kind": "read"|"write", "fence", "value" (read: the
//             counter returned; write: V), "accepted", "t_ns"}, ...]
//         (workloads/lock/ops.h's resource-log entries; pings and log fetches are not logged).
// ping  → ok, value = {"node", "mode", "entries", "counter"}.
// A malformed request → fail with error "bad request: ...".
//
// cs is a string or an integer (the lock workload's "<process>-<n>"); process and fence are
// integers; absent = null.
//
// Thread-safety: plain functions and value types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "history/op.h"
#include "targets/wire/json_line.h"

namespace coordcheck::resource {

inline constexpr char kStaleFence[] = "stale fence";

struct Request {
  Json id;                         // echoed in the response; null when the line had none
  std::string f;                   // read, write, log, ping
  Json cs;                         // null, a string or an integer
  std::optional<int64_t> process;  // the client's process
  std::optional<int64_t> fence;    // the client's fencing token
  Json value;                      // write: the integer to store
};

// type: ok or fail.
using Response = wire::Response;

// Parses one request line; false with `*error` set (and request->id when readable).
bool ParseRequest(std::string_view line, Request* request, std::string* error);
// One request line without '\n'.
std::string EncodeRequest(const Request& request);

// Parses one response line; false with `*error` set when it is not a response.
bool ParseResponse(std::string_view line, Response* response, std::string* error);
// One response line without '\n'; "error" is omitted when null.
using wire::EncodeResponse;

}  // namespace coordcheck::resource
