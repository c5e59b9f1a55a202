// OffsetFile: the writer side of a clock offset file (layout and read protocol in
// offset_layout.h); OffsetMapping: a read-only mapping of one, read exactly as the preload
// library reads it (for tools and tests).
//
// Contract: a file is created once at its full size and afterwards only rewritten in place
// with pwrite, never truncated, replaced or resized, because processes under the preload
// map it for their whole life. One writer per file at a time; readers are unlimited.
// Errors name the file.
//
// Thread-safety: an OffsetFile or OffsetMapping is used by one thread at a time; any
// number of OffsetMappings (in any processes) may read while one OffsetFile writes.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "base/status.h"
#include "harness/control/unique_fd.h"

namespace coordcheck::clock {

class OffsetFile {
 public:
  // Creates `path` (and its parent directories) with offset 0. An existing offset file is
  // kept and its offset set to 0 in place; anything else at `path` is an error.
  static Result<OffsetFile> Create(const std::string& path);
  // Opens an existing offset file for writing.
  static Result<OffsetFile> Open(const std::string& path);

  // Publishes `offset_ns` (see offset_layout.h for why readers never see it torn).
  Status Write(int64_t offset_ns);
  // The current offset.
  Result<int64_t> Read() const;
  const std::string& path() const { return path_; }

 private:
  OffsetFile(std::string path, control::UniqueFd fd) : path_(std::move(path)), fd_(std::move(fd)) {}
  Status Error(const std::string& what, int err) const;

  std::string path_;
  control::UniqueFd fd_;
};

class OffsetMapping {
 public:
  // Maps an existing offset file read-only and shared, as the preload does.
  static Result<OffsetMapping> Map(const std::string& path);
  OffsetMapping(OffsetMapping&& other) noexcept;
  OffsetMapping& operator=(OffsetMapping&& other) noexcept;
  OffsetMapping(const OffsetMapping&) = delete;
  OffsetMapping& operator=(const OffsetMapping&) = delete;
  ~OffsetMapping();

  // The current offset; lock-free, never torn (ReadOffsetNs).
  int64_t Read() const;

 private:
  explicit OffsetMapping(const void* mapping) : mapping_(mapping) {}
  const void* mapping_ = nullptr;
};

}  // namespace coordcheck::clock
