// Basic generators: single ops, op streams from a seeded function, and the wrappers that
// count, transform or drop ops (Jepsen's maps-as-generators, repeat, fn, limit, once, map,
// filter).
//
// Contract: every constructor returns an immutable generator (see generator.h). Base
// generators (Once, Repeat of an Invocation, FromFunction) fill in their ops with FillIn:
// they are pending while the context has no free thread. Wrappers pass Update events to the
// generator they wrap.
//
// Thread-safety: the generators are immutable; the functions given to FromFunction, Map and
// Filter are called from whichever thread calls Next and must be pure (no clock, no ambient
// randomness, no side effects): Next may be asked twice for the same op.
#pragma once

#include <cstdint>
#include <functional>

#include "generators/generator.h"

namespace coordcheck::gen {

// Makes an op from a carried Rng (which it may advance) and the context (read-only).
using OpFunction = std::function<Invocation(Rng& rng, const Context& ctx)>;

// Done at once (Jepsen's nil).
GenPtr Void();
// Emits `op` once, then is done.
GenPtr Once(Invocation op);
// Emits `op` forever.
GenPtr Repeat(Invocation op);
// Emits the first op of `gen` forever (or `times` times), never advancing `gen` itself:
// repeating a FromFunction gives the same op each time, since its Rng is part of its value.
// Update events go to `gen`. Done when `gen` is done.
GenPtr Repeat(GenPtr gen);
GenPtr Repeat(int64_t times, GenPtr gen);
// An infinite stream: each op is fn(rng, ctx) with the Rng carried from the previous op.
// fn is only called when the context has a free thread.
GenPtr FromFunction(OpFunction fn, Rng rng);
// At most `n` ops of `gen`.
GenPtr Limit(int64_t n, GenPtr gen);
// At most one op of `gen` (= Limit(1, gen)).
GenPtr Once(GenPtr gen);
// `gen`'s ops passed through fn. fn sees filled-in ops and must keep process and time valid
// (it may change f, key and value freely).
GenPtr Map(std::function<Invocation(Invocation)> fn, GenPtr gen);
// `gen`'s ops for which pred is true; the others are skipped as if invoked (their
// successors are asked at once), so a generator whose ops all fail pred never returns.
GenPtr Filter(std::function<bool(const Invocation&)> pred, GenPtr gen);

}  // namespace coordcheck::gen
