// ResourceClient: talks to the protected resource (targets/resource/protocol.h) for the lock
// workload's critical sections and its final phase (read the log, read the counter).
//
// Open remembers the address; the connection is made lazily, through the Dialer, by the
// first call and again after a connection was dropped. Every call sends one request and
// waits for its answer until the deadline, and returns
//   ok        — the resource served it (value = the response's value);
//   fail      — it certainly did not happen: the resource refused it (a write with a stale
//               fence: error "stale fence"), or the connect failed, or nothing of the request
//               left this host;
//   uncertain — it may have happened: a timeout or a connection lost after sending, an
//               answer that cannot be parsed. The connection is dropped, so the next call
//               starts on a fresh one. Never guessed as ok or fail.
//
// Thread-safety: one thread at a time (one client per logical process).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "harness/control/dialer.h"
#include "base/status.h"
#include "history/op.h"
#include "targets/wire/wire.h"

namespace coordcheck::resource {

using Deadline = std::chrono::steady_clock::time_point;

enum class Outcome { kOk, kFail, kUncertain };

// "ok", "fail", "uncertain".
std::string_view OutcomeName(Outcome outcome);

struct Reply {
  Outcome outcome = Outcome::kUncertain;
  // ok: read → the counter; write → {"counter", "highest_fence"}; log → the entries; ping →
  // {"node", "mode", "entries", "counter"}. fail from the resource: its value (a stale write:
  // {"highest_fence"}), else null.
  Json value;
  // fail and uncertain: why ("stale fence", "10.77.0.14:7400: no answer by the deadline").
  std::string error;

  bool ok() const { return outcome == Outcome::kOk; }
  bool failed() const { return outcome == Outcome::kFail; }
  bool uncertain() const { return outcome == Outcome::kUncertain; }
};

class ResourceClient {
 public:
  ResourceClient() = default;
  ~ResourceClient();
  ResourceClient(const ResourceClient&) = delete;
  ResourceClient& operator=(const ResourceClient&) = delete;

  // Remembers where the resource is; connects lazily. `connect_timeout` bounds one connect
  // (also clipped by each call's deadline).
  Status Open(control::Dialer* dialer, const std::string& address, int port,
                       std::chrono::milliseconds connect_timeout = std::chrono::seconds(1));

  // The counter, logged as critical section `cs` ("" = none) of `process` with `fence`.
  Reply Read(const std::string& cs, int64_t process, std::optional<int64_t> fence,
             Deadline deadline);
  // Stores `value`, carrying `fence` (nullopt = no fence).
  Reply Write(const std::string& cs, int64_t process, std::optional<int64_t> fence, int64_t value,
              Deadline deadline);
  // The whole log, in the order the resource served the requests.
  Reply Log(Deadline deadline);
  Reply Ping(Deadline deadline);

  void Close();

 private:
  Reply Call(const std::string& f, const Json& cs, std::optional<int64_t> process,
             std::optional<int64_t> fence, const Json& value, Deadline deadline);
  void Disconnect();

  control::Dialer* dialer_ = nullptr;
  std::string address_;
  int port_ = 0;
  std::chrono::milliseconds connect_timeout_{1000};
  int fd_ = -1;
  wire::LineReader reader_{size_t{1} << 30};  // a log answer is one long line
  int64_t next_id_ = 1;
};

}  // namespace coordcheck::resource
