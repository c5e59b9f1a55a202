// SplitMix64: derives well-spread 64-bit values from a seed (Steele et al.), so each node or
// client can get a seed of its own from the run's (seed ^ index).
//
// Thread-safety: a pure function.
#pragma once

#include <cstdint>

namespace coordcheck {

inline uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace coordcheck
