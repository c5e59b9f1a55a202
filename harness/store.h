// The store: where runs keep their files (shared/DESIGN.md, "A run's store directory").
//
//   STORE/<test>/<UTC timestamp>/  test.json, history.jsonl, results.json, coordcheck.log,
//                                  nodes/<node>/*.log
//   STORE/latest -> <test>/<timestamp>   (the newest run of any test)
//   STORE/<test>/latest -> <timestamp>   (the newest run of that test)
//
// Thread-safety: functions are safe to call from one thread; two runs creating folders in
// the same store at the same instant get distinct folders (a suffix is added).
#pragma once

#include <string>

#include "base/status.h"

namespace coordcheck {

// Creates STORE/<test>/<timestamp>/ (and nodes/) and returns its path.
Result<std::string> CreateRunDir(const std::string& store_dir, const std::string& test);
// Points STORE/latest and STORE/<test>/latest at `run_dir` (replaced atomically).
Status UpdateLatest(const std::string& store_dir, const std::string& run_dir);
// Writes `text` to `path` atomically (a temporary file renamed over it).
Status WriteFileAtomic(const std::string& path, const std::string& text);

}  // namespace coordcheck
