// Reading and writing history.jsonl (shared/HISTORY-FORMAT.md).
//
// The reader enforces every rule of the format and reports the first violation
// as "FILE:LINE: what is wrong". The writer appends one event per line and
// flushes each as it is written, so a crash loses nothing already recorded.
//
// Thread-safety: a HistoryWriter may be used from several threads; Append is
// serialized internally. Readers are single-threaded objects.
#pragma once

#include <cstdio>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "history/history.h"

namespace coordcheck {

// Parses one line (no newline) into `op`; on error returns a message without place.
std::optional<std::string> ParseOpLine(std::string_view line, Op* op);

// Reads and validates a whole history file. `path` "-" reads stdin.
std::optional<InputError> ReadHistoryFile(const std::string& path, History* out);

// Reads and validates history text (tests, in-memory data). `name` is used in errors.
std::optional<InputError> ReadHistoryString(std::string_view text, History* out,
                                            const std::string& name = "<string>");

class HistoryWriter {
 public:
  HistoryWriter() = default;
  ~HistoryWriter();
  HistoryWriter(const HistoryWriter&) = delete;
  HistoryWriter& operator=(const HistoryWriter&) = delete;

  // Creates (truncates) `path`. Returns an error message on failure.
  std::optional<std::string> Open(const std::string& path);
  // Appends one event and flushes it. Returns an error message on failure.
  std::optional<std::string> Append(const Op& op);
  void Close();

 private:
  std::mutex mu_;
  std::FILE* file_ = nullptr;
};

// Writes a whole history to `path` (flushed, closed). Returns an error message on failure.
std::optional<std::string> WriteHistoryFile(const std::string& path, const History& history);

}  // namespace coordcheck
