// InputFile: an input named on a command line, "-" meaning stdin, read in large chunks by
// the history reader and the importers. Internal to coordcheck_history.
//
// Contract: Open accepts regular files, pipes (a shell's `<(zcat h.jsonl.gz)`) and "-" (stdin,
// whatever it is); it refuses directories and devices (/dev/zero, a terminal), which are never
// histories and some of which never end. Errors are InputErrors naming the file ("<stdin>"
// for "-"), without a line; ReadAll's limit error names the line it reached.
//
// Thread-safety: one reader at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "base/status.h"
#include "history/history.h"

namespace coordcheck {

class InputFile {
 public:
  InputFile() = default;
  ~InputFile();
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  // Opens `path` ("-" = stdin).
  Status Open(const std::string& path);

  // Reads up to `size` bytes into `buffer`; the number read, 0 at end of file.
  Result<size_t> Read(char* buffer, size_t size);

  // Reads everything that is left into `text`; more than `max_bytes` in all is an error
  // (InputTooLong) naming the line where the limit fell.
  Status ReadAll(std::string* text, uint64_t max_bytes);

  // The file's size when it is a regular file, else 0 (pipes, stdin from a terminal).
  int64_t size_hint() const { return size_hint_; }
  // The name errors use: the path, or "<stdin>".
  const std::string& name() const { return name_; }

 private:
  Status ErrnoError(std::string_view what) const;

  int fd_ = -1;
  bool owned_ = false;  // false for stdin, which is not closed
  int64_t size_hint_ = 0;
  std::string name_;
};

// The errors for an input beyond its InputLimits or the machine's memory, shared by the
// readers so that they say the same. `line` is the line reached, 1-based.
Status InputTooLong(const std::string& name, int64_t line, uint64_t max_input_bytes);
Status LineTooLong(const std::string& name, int64_t line, size_t max_line_bytes);
Status OutOfMemory(const std::string& name, int64_t line, size_t events);

}  // namespace coordcheck
