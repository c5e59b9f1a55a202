// HistoryValidator: checks the events of a history one at a time, in order, against every
// rule of shared/HISTORY-FORMAT.md. History::Validate, the JSONL reader (which checks a file
// as it streams in, so the first violation in file order wins) and the importers share it; a
// recorder may also use it to check events as they are written.
//
// Rules checked for each event, in this order (the messages name the field or the other line):
//   index equals the event's 0-based position; time >= 0 and never decreasing; process >= 0
//   or kNemesisProcess; f non-empty; key null, a string or an integer; extra null or an
//   object; then the pairing rules: an invoke needs its process to have no outstanding
//   invoke; a completion needs an outstanding invoke of its process with the same f and key,
//   except a nemesis info with no outstanding nemesis invoke (a lone fault event, as Jepsen
//   records them); after an info completion a client process id is never used again.
//   A nemesis info completion does not retire the nemesis.
//
// Thread-safety: not thread-safe; one validator per history being checked.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "history/op.h"
#include "history/process_table.h"

namespace coordcheck {

class HistoryValidator {
 public:
  // Checks `op`, the next event. `line` is the 1-based line the event came from; it is
  // remembered so that later messages can point to earlier events ("(line 9)"). An error
  // says what is wrong, without the place; the caller adds file and line. After an error the
  // validator's state is unspecified: stop feeding it.
  Status Next(const Op& op, int64_t line);

  // Number of events accepted so far.
  int64_t size() const { return count_; }

 private:
  struct ProcessState {
    bool outstanding = false;  // an invoke without completion yet
    bool retired = false;      // completed with info: never used again (clients only)
    int64_t line = 0;          // line of the outstanding invoke, or of the info completion
    std::string f;             // f of the outstanding invoke
    Json key;                  // key of the outstanding invoke
  };

  Status CheckFields(const Op& op) const;
  Status CheckPairing(const Op& op, int64_t line);

  int64_t count_ = 0;
  int64_t last_time_ns_ = 0;
  int64_t last_time_line_ = 0;
  ProcessTable<ProcessState> processes_;
};

}  // namespace coordcheck
