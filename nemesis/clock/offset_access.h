// OffsetAccess: how the controller creates, writes and reads one node's clock offset file
// (offset_file.h) — the seam between the clock nemesis and where node folders live.
//
//   Direct — the node's folder is on this machine (the "local" and "netns" backends share
//            the controller's filesystem): OffsetFile on the path itself, a few
//            microseconds per write.
//   Exec   — any backend, SSH included: runs the coordcheck-clock tool uploaded to the
//            node (`create PATH`, `set PATH NS`, `get PATH`) through Remote::Exec, one
//            process per call (about a millisecond locally, a round trip over SSH). Never
//            Remote::Upload a new offset file instead: Upload replaces the file by a
//            rename, and processes would keep the old one mapped.
//
// Errors name the node.
//
// Thread-safety: one thread at a time per OffsetAccess (the file has one writer).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "harness/control/remote.h"
#include "base/status.h"

namespace coordcheck::clock {

class OffsetAccess {
 public:
  virtual ~OffsetAccess() = default;
  // Creates the file with offset 0, or sets an existing one to 0 in place.
  virtual Status Create() = 0;
  virtual Status Write(int64_t offset_ns) = 0;
  virtual Result<int64_t> Read() = 0;
};

// `node` names the node in errors; `path` is the offset file (on this machine).
std::unique_ptr<OffsetAccess> DirectOffsetAccess(std::string node, std::string path);

// `tool` and `path` are paths on the node; every call is bounded by `timeout`.
std::unique_ptr<OffsetAccess> ExecOffsetAccess(control::Remote& remote, std::string tool,
                                               std::string path, std::chrono::milliseconds timeout);

}  // namespace coordcheck::clock
