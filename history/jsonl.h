// Reading and writing history.jsonl (shared/HISTORY-FORMAT.md).
//
// The reader enforces every rule of the format and reports the first violation
// as "FILE:LINE: what is wrong". The writer appends one event per line and
// flushes each as it is written, so a crash loses nothing already recorded.
//
// Reading: the lines are checked in file order as they stream in (HistoryValidator), so
// the first violation in the file wins, whether a syntax error or a broken pairing rule.
// Blank lines may end the file (as may a last line without '\n'); a blank line followed
// by an event is an error. Line numbers are 1-based, so LINE = index + 1 in a valid file.
// On error `out` holds the valid events before the offending line. The reader accepts
// exactly RFC 8259 JSON, checks UTF-8, refuses an object with the same field twice (JSON
// leaves that undefined; nlohmann keeps the last) and needs about 190 bytes of memory per event.
//
// A history with no events (an empty file, or only blank lines) is an error, "FILE: no events":
// a truncated history must never pass as valid. Input beyond InputLimits (a line or the whole
// input too long) is an error naming the line reached, as is running out of memory.
//
// Thread-safety: a HistoryWriter may be used from several threads; Append is
// serialized internally. Readers are single-threaded objects.
#pragma once

#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

#include "base/status.h"
#include "history/history.h"

namespace coordcheck {

// Parses one line (no newline) into `op`; an error's message names no place.
// Checks the syntax and each field's presence and type (process >= 0 included); the
// rules that relate events to each other (index, time order, pairing) are the reader's.
Status ParseOpLine(std::string_view line, Op* op);

// Reads and validates a whole history file. `path` "-" reads stdin (named "<stdin>"); other
// paths must be regular files or pipes (see history/input_file.h).
Status ReadHistoryFile(const std::string& path, History* out, const InputLimits& limits = {});

// Reads and validates history text (tests, in-memory data). `name` is used in errors.
Status ReadHistoryString(std::string_view text, History* out, const std::string& name = "<string>",
                         const InputLimits& limits = {});

class HistoryWriter {
 public:
  HistoryWriter() = default;
  ~HistoryWriter();
  HistoryWriter(const HistoryWriter&) = delete;
  HistoryWriter& operator=(const HistoryWriter&) = delete;

  // Creates (truncates) `path`, closing any file opened before.
  Status Open(const std::string& path);
  // Appends one event (as OpToLine writes it) and flushes it to the OS (fflush, not fsync:
  // it survives a crash of this process, not of the machine). The event is not validated.
  Status Append(const Op& op);
  // Appends one event without flushing: the caller batches events (a runner's scheduler
  // appends what happened since it last woke up) and calls Flush before it waits again.
  Status AppendBuffered(const Op& op);
  // Flushes buffered events to the OS.
  Status Flush();
  // Closes the file (also done by the destructor); later Appends fail until Open.
  void Close();

 private:
  std::mutex mu_;
  std::FILE* file_ = nullptr;
};

// Writes a whole history to `path` (flushed, closed).
Status WriteHistoryFile(const std::string& path, const History& history);

}  // namespace coordcheck
