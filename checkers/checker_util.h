// What the checkers of the lock and payments workloads share when they write their details:
// how many anomalies they list, how often their linear passes look at the clock, and counted
// nouns in their explanations.
//
// Thread-safety: constants and a pure function.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace coordcheck::checker_util {

// How many anomalies a checker lists in its details; the counts are always complete.
inline constexpr size_t kMaxListed = 100;
// How often (in events, payments or entries) the linear passes look at the clock.
inline constexpr size_t kClockStride = 4096;

// "1 write", "2 writes": `n` with the singular or the plural.
inline std::string Plural(int64_t n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace coordcheck::checker_util
