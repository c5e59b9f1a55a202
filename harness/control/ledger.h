// Ledger: the append-only record of everything one cluster creates, each entry written
// before the thing it names exists, so that CleanLeftovers can undo what a killed run left
// behind and never touches anything that is not listed.
//
// File: <state_dir>/ledgers/<run_id>.jsonl. The first line is the header
//   {"kind":"header","version":1,"run_id":"a3f9c2","backend":"netns",
//    "controller_pid":123,"controller_start_time":456,"created":"2025-01-01T00:00:00Z",
//    "state_dir":"/run/coordcheck", ...backend fields such as "local_octet"}
// then one line per thing:
//   {"kind":"dir","path":"/run/coordcheck/a3f9c2/n1"}
//   {"kind":"netns","name":"cc-a3f9c2-n1"}
//   {"kind":"process","node":"n1","name":"kvd","pid":789,"start_time":1011}
//   {"kind":"mount","node":"n1","path":"/run/coordcheck/a3f9c2/n1/data"}
// Each append is a single write() of whole lines followed by fsync(), so a SIGKILL leaves
// either the entry or nothing; a torn last line (power loss) is ignored when read.
//
// Thread-safety: Append and Remove may be called from several threads at once.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "harness/control/unique_fd.h"

namespace coordcheck::control {

// <state_dir>/ledgers and <state_dir>/ledgers/<run_id>.jsonl.
std::string LedgerDir(const std::string& state_dir);
std::string LedgerPath(const std::string& state_dir, const std::string& run_id);

// A header for a ledger owned by this process (its pid and start time, the time now).
nlohmann::json MakeLedgerHeader(const std::string& run_id, const std::string& backend,
                                const std::string& state_dir);

class Ledger {
 public:
  // Creates `path` (which must not exist) and writes `header` as its first line.
  static Result<std::unique_ptr<Ledger>> Create(const std::string& path,
                                                const nlohmann::json& header);

  const std::string& path() const { return path_; }
  Status Append(const nlohmann::json& entry);
  // Several entries in one write and one fsync.
  Status AppendAll(const std::vector<nlohmann::json>& entries);
  // Deletes the file; later appends fail.
  Status Remove();

 private:
  Ledger(std::string path, UniqueFd fd) : path_(std::move(path)), fd_(std::move(fd)) {}

  const std::string path_;
  std::mutex mu_;
  UniqueFd fd_;  // guarded by mu_
};

struct LedgerContents {
  std::string path;
  nlohmann::json header;
  std::vector<nlohmann::json> entries;
};

// Parses a ledger file. An error names the file and line.
Result<LedgerContents> ReadLedger(const std::string& path);

// The ledger files under <state_dir>/ledgers, sorted.
std::vector<std::string> ListLedgers(const std::string& state_dir);

// True while the process that wrote `header` runs: its pid exists, is not a zombie and
// started at the recorded start time.
bool ControllerAlive(const nlohmann::json& header);

// An exclusive lock on <state_dir>/ledgers (held while a run id and addresses are picked
// and the ledger is created, so that concurrent controllers pick distinct ones). The lock
// is released when the returned descriptor is closed.
Result<UniqueFd> LockLedgerDir(const std::string& state_dir);

}  // namespace coordcheck::control
