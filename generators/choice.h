// Choosing between generators: the soonest op of several (Jepsen's any), a random mixture
// (mix), and strict alternation (flip-flop).
//
// Contract: all three pass every Update event to every sub-generator. Mix's choices come
// from the Rng it carries, so they repeat exactly for the same seed.
//
// Thread-safety: the generators are immutable values (see generator.h).
#pragma once

#include <vector>

#include "generators/generator.h"

namespace coordcheck::gen {

// The op with the smallest time among the sub-generators' ops (ties: the first listed);
// pending when none has an op and some is pending; done when all are done. Asks every
// sub-generator each time, so costs grow with their number.
GenPtr Any(std::vector<GenPtr> gens);
// Each op from a sub-generator chosen uniformly at random; exhausted ones are dropped, done
// when all are. A pending choice stays pending (the same one is chosen again) until an
// event changes it, as in Jepsen. Each op copies the list of sub-generators.
GenPtr Mix(std::vector<GenPtr> gens, Rng rng);
// Ops alternately from `a` and `b`, starting with `a`; done as soon as the one whose turn it
// is is done.
GenPtr FlipFlop(GenPtr a, GenPtr b);

}  // namespace coordcheck::gen
