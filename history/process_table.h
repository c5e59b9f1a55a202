// ProcessTable<T>: a value per process id (clients >= 0, and kNemesisProcess), for the code
// that pairs invokes with completions. Internal to coordcheck_history.
//
// Why two tables: Jepsen's client ids are small and grow slowly (a crashed process comes back
// as id + concurrency), so a vector indexed by id serves nearly every lookup without hashing;
// an id far beyond the vector goes to a map, and its entry moves into the vector once the
// vector grows over it. Values start as T{}.
//
// Thread-safety: not thread-safe.
#pragma once

#include <algorithm>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "history/op.h"

namespace coordcheck {

template <typename T>
class ProcessTable {
 public:
  // The value of `process`, which must be >= 0 or kNemesisProcess.
  T& operator[](int64_t process) {
    if (process == kNemesisProcess) return nemesis_;
    const auto id = static_cast<uint64_t>(process);
    if (id < dense_.size()) return dense_[id];
    if (id < 2 * dense_.size() + 64) {
      dense_.resize(std::max<size_t>(id + 1, 2 * dense_.size()));
      for (auto it = sparse_.begin(); it != sparse_.end();) {
        if (static_cast<uint64_t>(it->first) < dense_.size()) {
          dense_[it->first] = std::move(it->second);
          it = sparse_.erase(it);
        } else {
          ++it;
        }
      }
      return dense_[id];
    }
    return sparse_[process];
  }

 private:
  std::vector<T> dense_;
  std::unordered_map<int64_t, T> sparse_;
  T nemesis_{};
};

}  // namespace coordcheck
