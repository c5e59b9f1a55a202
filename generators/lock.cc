#include "generators/lock.h"

#include <algorithm>

#include "generators/basic.h"
#include "generators/sequence.h"
#include "generators/threads.h"
#include "generators/timing.h"

namespace coordcheck::gen {

GenPtr LockCycles() {
  return EachThread(Cycle(Seq({Once(MakeOp("acquire")), Once(MakeOp("increment")),
                               Once(MakeOp("release"))})));
}

GenPtr ClientPauses(const ClientPauseOptions& options, Rng rng) {
  const int threads = std::max(options.client_threads, 1);
  const int64_t pause_ms = std::max<int64_t>(options.pause_ns / 1'000'000, 1);
  return Stagger(options.interval_ns,
                 FromFunction(
                     [threads, pause_ms](Rng& r, const Context&) {
                       Invocation op = MakeOp(
                           "pause-client",
                           Json{{"thread", static_cast<int64_t>(r.Uniform(threads))},
                                {"ms", pause_ms}});
                       return op;
                     },
                     rng.Child(1)),
                 rng.Child(2));
}

}  // namespace coordcheck::gen
