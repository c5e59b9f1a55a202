// The clock offset file: its fixed layout and the lock-free read that every process under
// libcoordcheck-clock.so performs on each clock call. Shared by the preload library (which
// may use nothing of the C++ runtime: this header is plain functions on raw memory, no
// allocation, no locks) and the writer (offset_file.h).
//
// Layout: kFileSize (64) bytes, native byte order (the file is written on the machine that
// reads it), 8-byte aligned fields:
//   [0, 8)    magic "ccclock1"
//   [8, 16)   generation: uint64, the number of offsets written since creation
//   [16, 24)  slot 0: int64 offset in nanoseconds
//   [24, 32)  slot 1: int64 offset in nanoseconds
//   [32, 64)  reserved, zero
// The current offset is slot[generation & 1].
//
// Why two slots: a writer (pwrite, one syscall per field) first writes the new offset into
// the slot readers are NOT using, then publishes it by advancing the generation. A reader
// loads generation, slot, generation; if both generations agree the slot was stable for
// the whole read: the writer touches slot[g & 1] again only after publishing g + 1. So a
// reader never sees a torn value even if the kernel copied the bytes one at a time (a torn
// generation picks one of the two slots, both stable at that moment), and never waits: a
// writer that died half-way leaves the last published offset readable. This needs one
// writer per file at a time.
//
// The file is never truncated or replaced while processes map it (a truncated mapping
// raises SIGBUS; a replaced file is no longer the one mapped): it is created once at its
// full size and from then on only rewritten in place.
//
// Thread-safety: ReadOffsetNs may run in any number of threads and processes at once.
#pragma once

#include <cstdint>

namespace coordcheck::clock {

inline constexpr char kOffsetMagic[8] = {'c', 'c', 'c', 'l', 'o', 'c', 'k', '1'};
inline constexpr int64_t kOffsetFileSize = 64;
inline constexpr int64_t kGenerationPos = 8;
inline constexpr int64_t kSlotPos = 16;
// Where the slot a write of generation `generation` goes.
constexpr int64_t SlotPos(uint64_t generation) {
  return kSlotPos + 8 * static_cast<int64_t>(generation & 1);
}

// True when the kOffsetFileSize bytes at `mapping` start with the magic.
inline bool HasOffsetMagic(const void* mapping) {
  const auto* bytes = static_cast<const volatile char*>(mapping);
  for (int i = 0; i < 8; ++i) {
    if (bytes[i] != kOffsetMagic[i]) return false;
  }
  return true;
}

// The current offset in nanoseconds from a mapping of at least kOffsetFileSize bytes.
// Retries while a writer publishes; only against a writer that publishes faster than
// kMaxRetries reads in a row does it give up and return the last slot read, unverified.
inline int64_t ReadOffsetNs(const void* mapping) {
  constexpr int kMaxRetries = 64;
  const auto* base = static_cast<const unsigned char*>(mapping);
  const auto* generation = reinterpret_cast<const uint64_t*>(base + kGenerationPos);
  uint64_t before = __atomic_load_n(generation, __ATOMIC_ACQUIRE);
  int64_t value = 0;
  for (int attempt = 0; attempt < kMaxRetries; ++attempt) {
    const auto* slot = reinterpret_cast<const int64_t*>(base + SlotPos(before));
    value = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    const uint64_t after = __atomic_load_n(generation, __ATOMIC_ACQUIRE);
    if (after == before) return value;
    before = after;
  }
  return value;
}

}  // namespace coordcheck::clock
