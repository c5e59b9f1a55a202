// All of the generator combinators in one include, for code that composes a test's
// generator (the harness, workloads). Each concept lives in its own header:
//   basic.h       Void, Once, Repeat, FromFunction, Limit, Map, Filter
//   sequence.h    Seq, Cycle, Synchronize, Phases, Then, UntilOk
//   choice.h      Any, Mix, FlipFlop
//   timing.h      Stagger, Delay, Sleep, TimeLimit
//   threads.h     OnThreads, OnThreadRange, Clients, Nemesis, EachThread, Reserve
//   independent.h IndependentConcurrent, CheckThreadsPerKey
//
// Thread-safety: see each header; all generators are immutable values.
#pragma once

#include "generators/basic.h"        // IWYU pragma: export
#include "generators/choice.h"       // IWYU pragma: export
#include "generators/generator.h"    // IWYU pragma: export
#include "generators/independent.h"  // IWYU pragma: export
#include "generators/sequence.h"     // IWYU pragma: export
#include "generators/threads.h"      // IWYU pragma: export
#include "generators/timing.h"       // IWYU pragma: export
