// Independent keys (Jepsen's independent/concurrent-generator): many small histories, one
// per key, run side by side so that a linearizability checker can check each key apart.
//
// Contract: the client threads of the context (sorted; the nemesis thread never takes part)
// are split into consecutive groups of `threads_per_key`. Each group runs per_key(key) on a
// key of its own, with the context restricted to the group's threads; when that generator
// is done the group takes the next fresh key. Keys are handed out in order: group g starts
// on the g-th key, then each group that finishes takes the next unused one. Every op gets
// `key` set to its group's key. Update events go to the group of the event's thread, and
// only when they carry the group's current key (late completions of a finished key are
// dropped). Done when every group is done and no key is left (never, for the default
// infinite keys 0, 1, 2, ...: bound it with TimeLimit).
//
// Misconfiguration: when the number of client threads is not a multiple of threads_per_key,
// the leftover highest threads stay idle, and with fewer client threads than
// threads_per_key (or threads_per_key <= 0) the generator is done at once. Both are
// configuration errors a test should reject up front with CheckThreadsPerKey.
//
// A per-key generator that is done before emitting anything on a fresh key ends its group
// (instead of spinning through infinitely many keys).
//
// Thread-safety: the generator is immutable; per_key is called from whichever thread calls
// Next and must be pure (the same key gives the same generator).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "generators/generator.h"

namespace coordcheck::gen {

using KeyGenFunction = std::function<GenPtr(const Json& key)>;

// Keys 0, 1, 2, ... (JSON integers), forever.
GenPtr IndependentConcurrent(int threads_per_key, KeyGenFunction per_key);
// Keys from `keys`, in order; done once they are used up and every group is done.
GenPtr IndependentConcurrent(int threads_per_key, KeyGenFunction per_key, std::vector<Json> keys);

// Empty when `client_threads` can be split into groups of `threads_per_key`; else a message
// naming both numbers.
std::string CheckThreadsPerKey(int client_threads, int threads_per_key);

}  // namespace coordcheck::gen
