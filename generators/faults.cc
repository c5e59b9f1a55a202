#include "generators/faults.h"

#include <algorithm>

#include "generators/basic.h"
#include "generators/sequence.h"

namespace coordcheck::gen {
namespace {

const char* const kPartitionKinds[] = {"halves",          "random-halves", "isolate",
                                       "majority-minority", "majorities-ring", "bridge",
                                       "one-way"};

Invocation Fault(std::string f, Json value) { return MakeOp(std::move(f), std::move(value)); }

// A random set of nodes of the given shape: one, a minority, a majority or all.
Json PickNodes(Rng& rng, const std::vector<std::string>& nodes, bool allow_all = true) {
  const size_t n = nodes.size();
  std::vector<std::string> shuffled = nodes;
  for (size_t i = n; i > 1; --i) std::swap(shuffled[i - 1], shuffled[rng.Uniform(i)]);
  size_t count = 1;
  switch (rng.Uniform(allow_all ? 4 : 3)) {
    case 0: count = 1; break;
    case 1: count = std::max<size_t>(1, (n - 1) / 2); break;  // a minority
    case 2: count = n / 2 + 1; break;                          // a majority
    default: count = n; break;
  }
  count = std::min(count, n);
  shuffled.resize(count);
  std::sort(shuffled.begin(), shuffled.end());
  return Json(shuffled);
}

// One schedule step: the ops that start a fault and the ops that stop it.
struct Step {
  std::vector<Invocation> start;
  std::vector<Invocation> stop;
};

Step MakeStep(const std::string& family, Rng& rng, const FaultScheduleOptions& o) {
  Step s;
  if (family == "partition") {
    std::vector<std::string> kinds;
    for (const char* kind : kPartitionKinds) {
      // Three-sided shapes need three nodes (nemesis/partition/grudge.cc); with two, only
      // the splits that exist.
      const std::string k = kind;
      const bool three_sided = k == "majority-minority" || k == "majorities-ring" || k == "bridge";
      if (!three_sided || o.nodes.size() >= 3) kinds.push_back(k);
    }
    if (o.has_primary) kinds.push_back("isolate-primary");
    Json value = {{"kind", kinds[rng.Uniform(kinds.size())]},
                  {"seed", rng.Next() >> 11},  // fits a double exactly: JSON readers agree
                  {"mode", rng.Uniform(2) == 0 ? "drop" : "reject"}};
    s.start.push_back(Fault("start-partition", value));
    s.stop.push_back(Fault("stop-partition", nullptr));
  } else if (family == "packet") {
    Json value = {{"nodes", PickNodes(rng, o.nodes)}, {"seed", rng.Next() >> 11}};
    const uint64_t shape = rng.Uniform(3);  // loss, delay, both
    if (shape != 1) value["loss"] = 0.1 + 0.05 * static_cast<double>(rng.Uniform(7));
    if (shape != 0) {
      value["delay_ms"] = 20 + 20 * static_cast<int64_t>(rng.Uniform(10));
      value["jitter_ms"] = 10 * static_cast<int64_t>(rng.Uniform(4));
    }
    s.start.push_back(Fault("start-packet", value));
    s.stop.push_back(Fault("stop-packet", nullptr));
  } else if (family == "clock") {
    Json nodes = PickNodes(rng, o.nodes);
    if (rng.Uniform(3) == 0) {
      Json value = {{"nodes", nodes},
                    {"delta_ms", 100 * static_cast<int64_t>(1 + rng.Uniform(50))},
                    {"period_ms", 10 * static_cast<int64_t>(1 + rng.Uniform(10))},
                    {"duration_ms", 1000 + 500 * static_cast<int64_t>(rng.Uniform(5))}};
      s.start.push_back(Fault("strobe-clock", value));
    } else {
      Json value = Json::object();
      // Half the time every node jumps the same way (one bad time source for all), else
      // each its own way: expiring a Redlock needs a majority of instances to jump forward.
      const bool same_sign = rng.Uniform(2) == 0;
      const bool forward = rng.Uniform(2) == 0;
      for (const Json& n : nodes) {
        // ±(100 ms .. 30 s), mostly large enough to outrun leases.
        const int64_t magnitude = 100 * static_cast<int64_t>(1 + rng.Uniform(300));
        const bool ahead = same_sign ? forward : rng.Uniform(2) == 0;
        value[n.get<std::string>()] = ahead ? magnitude : -magnitude;
      }
      s.start.push_back(Fault("bump-clock", value));
    }
    s.start.push_back(Fault("check-clock-offsets", nullptr));
    s.stop.push_back(Fault("reset-clock", nullptr));
    s.stop.push_back(Fault("check-clock-offsets", nullptr));
  } else if (family == "client-pause") {
    // Whichever client enters its critical section next: the pause lands on a holder.
    s.start.push_back(Fault("pause-client", Json{{"ms", o.client_pause_ms}}));
  } else if (family == "pause" || family == "kill") {
    const bool kill = family == "kill";
    Json value;
    if (o.has_primary && rng.Uniform(4) == 0) {
      value = {{"target", "primary"}};
    } else {
      value = {{"nodes", PickNodes(rng, o.nodes)}};
    }
    s.start.push_back(Fault(kill ? "kill" : "pause", value));
    s.stop.push_back(Fault(kill ? "start" : "resume", nullptr));
  }
  return s;
}

std::vector<std::string> Usable(const FaultScheduleOptions& o) {
  std::vector<std::string> out;
  for (const std::string& f : o.families) {
    if (f == "kill" && !o.can_kill) continue;
    if (f == "pause" && !o.can_pause) continue;
    if (f == "client-pause" && o.client_threads <= 0) continue;
    out.push_back(f);
  }
  return out;
}

// The schedule's state: the ops still to emit in this step, the time the next one is due,
// and the Rng for the next steps.
class ScheduleGen final : public Generator {
 public:
  ScheduleGen(std::shared_ptr<const FaultScheduleOptions> options,
              std::shared_ptr<const std::vector<std::string>> families, Rng rng,
              int64_t due_ns, std::vector<Invocation> queue, std::vector<Invocation> after,
              std::vector<std::string> deck)
      : options_(std::move(options)),
        families_(std::move(families)),
        rng_(rng),
        due_ns_(due_ns),
        queue_(std::move(queue)),
        after_(std::move(after)),
        deck_(std::move(deck)) {}

  Emission Next(const Context& ctx) const override {
    Rng rng = rng_;
    int64_t due = due_ns_;
    std::vector<Invocation> queue = queue_;
    std::vector<Invocation> after = after_;
    std::vector<std::string> deck = deck_;
    if (queue.empty()) {
      if (!after.empty()) {
        // The stop ops of the running fault, after a wait.
        queue = std::move(after);
        after.clear();
      } else {
        // Families are dealt from a shuffled deck, dealt again when empty: every family
        // comes once in each round of as many steps as there are families, in random order.
        if (deck.empty()) {
          deck = *families_;
          for (size_t i = deck.size(); i > 1; --i) std::swap(deck[i - 1], deck[rng.Uniform(i)]);
        }
        const std::string family = deck.back();
        deck.pop_back();
        Step step = MakeStep(family, rng, *options_);
        queue = std::move(step.start);
        after = std::move(step.stop);
      }
      due += Wait(rng);
    }
    Invocation op = queue.front();
    op.time_ns = due;
    std::optional<Invocation> filled = FillIn(op, ctx);
    if (!filled) return Emission::Pending();
    queue.erase(queue.begin());
    return Emission::Of(*filled,
                        std::make_shared<ScheduleGen>(options_, families_, rng, due, std::move(queue),
                                                      std::move(after), std::move(deck)));
  }

 private:
  int64_t Wait(Rng& rng) const {
    const int64_t mean = std::max<int64_t>(options_->interval_ns, 1);
    return mean / 2 + static_cast<int64_t>(rng.UniformReal() * static_cast<double>(mean));
  }

  std::shared_ptr<const FaultScheduleOptions> options_;
  std::shared_ptr<const std::vector<std::string>> families_;
  Rng rng_;
  int64_t due_ns_;
  std::vector<Invocation> queue_;  // ops of the current step still to emit (due at due_ns_)
  std::vector<Invocation> after_;  // the step's stop ops, after the next wait
  std::vector<std::string> deck_;  // families still to deal in this round (dealt from the back)
};

}  // namespace

const std::vector<std::string>& FaultFamilies() {
  static const std::vector<std::string> families = {"partition", "packet", "clock", "pause",
                                                    "kill",      "client-pause"};
  return families;
}

GenPtr FaultSchedule(const FaultScheduleOptions& options, Rng rng) {
  auto families = std::make_shared<const std::vector<std::string>>(Usable(options));
  if (families->empty() || options.nodes.empty()) return Void();
  return std::make_shared<ScheduleGen>(std::make_shared<const FaultScheduleOptions>(options),
                                       families, rng, 0, std::vector<Invocation>{},
                                       std::vector<Invocation>{}, std::vector<std::string>{});
}

GenPtr FaultHeal(const FaultScheduleOptions& options) {
  std::vector<GenPtr> ops;
  auto has = [&](const char* f) {
    auto u = Usable(options);
    return std::find(u.begin(), u.end(), f) != u.end();
  };
  if (has("partition")) ops.push_back(Once(Fault("stop-partition", nullptr)));
  if (has("packet")) ops.push_back(Once(Fault("stop-packet", nullptr)));
  if (has("clock")) {
    ops.push_back(Once(Fault("reset-clock", nullptr)));
    ops.push_back(Once(Fault("check-clock-offsets", nullptr)));
  }
  if (has("pause")) ops.push_back(Once(Fault("resume", nullptr)));
  if (has("kill")) ops.push_back(Once(Fault("start", nullptr)));
  return Seq(std::move(ops));
}

}  // namespace coordcheck::gen
