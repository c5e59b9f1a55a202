// Routing by worker thread: a generator that sees only some threads (Jepsen's on-threads,
// clients, nemesis), one copy of a generator per thread (each-thread), and fixed thread
// ranges per generator (reserve).
//
// Contract: a routed generator is asked with the context restricted to its threads, so it
// never emits an op for another thread, and it receives only the Update events of processes
// that run on its threads. Threads are numbered as in generator.h: clients 0..n-1,
// kNemesisThread for the nemesis. Note that a base generator that is not routed may pick the
// nemesis thread (the lowest free thread): wrap client workloads in Clients.
//
// Thread-safety: the generators are immutable values; predicates are called from whichever
// thread calls Next or Update and must be pure.
#pragma once

#include <functional>
#include <utility>
#include <vector>

#include "generators/generator.h"

namespace coordcheck::gen {

// `gen` on the threads for which keep(thread) is true.
GenPtr OnThreads(std::function<bool(int)> keep, GenPtr gen);
// `gen` on the listed threads.
GenPtr OnThreads(std::vector<int> threads, GenPtr gen);
// `gen` on the threads in [first, last] (cheapest form).
GenPtr OnThreadRange(int first, int last, GenPtr gen);
// `gen` on every client thread (all but kNemesisThread).
GenPtr Clients(GenPtr gen);
// `gen` on the nemesis thread only.
GenPtr Nemesis(GenPtr gen);
// Any(Clients(client_gen), Nemesis(nemesis_gen)).
GenPtr Clients(GenPtr client_gen, GenPtr nemesis_gen);
// Every thread of the context runs its own copy of `gen` (independent state), seeing only
// itself; events go to the copy of the event's thread. The soonest op among the free
// threads' copies wins (ties: the lowest thread). Done once every thread is free and every
// copy is done.
GenPtr EachThread(GenPtr gen);
// Jepsen's reserve: ranges = {{n1, g1}, {n2, g2}, ...}: threads 0..n1-1 run g1, the next n2
// run g2, and so on; every other thread of the context (the rest of the clients, and the
// nemesis thread when present) runs `rest`. The soonest op among them wins.
GenPtr Reserve(std::vector<std::pair<int, GenPtr>> ranges, GenPtr rest);

}  // namespace coordcheck::gen
