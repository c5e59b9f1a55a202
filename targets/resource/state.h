// ResourceState: the protected resource itself — a counter, the highest fencing token it
// accepted, and its log of every read and write it served (protocol in
// targets/resource/protocol.h).
//
// Each served request is logged with its own timestamp t_ns: nanoseconds of this host's
// CLOCK_MONOTONIC since the resource's first start. Only entries of the same log are ever
// compared, so the unknown test start does not matter. t_ns never decreases along the log
// (a clock that steps back, under a clock fault, is clamped to the previous entry's time).
//
// Persistence (when data_dir is set): <data_dir>/resource.jsonl holds a header line
// {"base_ns": B} (the monotonic clock at the first start) and then one line per entry,
// appended as requests are served (no fsync: a killed process loses nothing, a power loss
// may). Open replays it: counter, highest fence, the log and its seq numbers continue where
// they were, and t_ns stays on the same base (CLOCK_MONOTONIC is host-wide). A torn last line
// is dropped; any other bad line is an error.
//
// Thread-safety: Execute may be called from several threads at once; requests are served one
// at a time (a mutex), which is the order seq records.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "targets/resource/protocol.h"

namespace coordcheck::resource {

enum class Mode { kFenced, kUnfenced };

// "fenced", "unfenced".
std::string_view ModeName(Mode mode);
// False when `name` is neither.
bool ParseMode(std::string_view name, Mode* mode);

struct StateOptions {
  Mode mode = Mode::kFenced;  // whether requests with stale fences are rejected (protocol.h)
  std::string data_dir;       // where the log is persisted; empty = memory only
};

class ResourceState {
 public:
  // Opens (and replays) the data directory; the error names the file and line.
  static Result<std::unique_ptr<ResourceState>> Open(const StateOptions& options);
  ~ResourceState();
  ResourceState(const ResourceState&) = delete;
  ResourceState& operator=(const ResourceState&) = delete;

  // Serves read, write and log (anything else: fail "unknown f").
  Response Execute(const Request& request);

  Mode mode() const { return options_.mode; }
  int64_t counter();
  size_t entries();
  // Entries replayed from the data directory at Open.
  size_t replayed() const { return replayed_; }
  // A write to the data file failed: the error (it is also on stderr once); "" if none.
  std::string persist_error();

 private:
  explicit ResourceState(const StateOptions& options);
  Status Replay();
  // Appends an entry to the log and the data file (requires mu_).
  void Append(const Request& request, bool is_write, const Json& value, bool accepted);
  int64_t NowNs();  // requires mu_

  const StateOptions options_;
  std::mutex mu_;
  int64_t counter_ = 0;
  std::optional<int64_t> highest_fence_;
  std::vector<Json> log_;
  int64_t base_ns_ = 0;  // CLOCK_MONOTONIC at the first start
  int64_t last_t_ns_ = 0;
  size_t replayed_ = 0;
  int fd_ = -1;  // the data file, or -1
  std::string persist_error_;
};

}  // namespace coordcheck::resource
