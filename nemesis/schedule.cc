#include "nemesis/schedule.h"

#include <algorithm>
#include <cassert>

#include "generators/basic.h"
#include "generators/sequence.h"
#include "nemesis/registry.h"

namespace coordcheck {
namespace {

// The schedule's state: the ops still to emit in this step, the time the next one is due,
// the faults running (their family and stop ops, oldest first) and the Rng for the next
// steps.
class ScheduleGen final : public gen::Generator {
 public:
  struct Running {
    const FaultPackage* family;
    std::vector<gen::Invocation> stop;
  };

  ScheduleGen(std::shared_ptr<const FaultScheduleOptions> options,
              std::shared_ptr<const std::vector<const FaultPackage*>> families, gen::Rng rng,
              int64_t due_ns, std::vector<gen::Invocation> queue, std::vector<Running> running,
              std::vector<const FaultPackage*> deck)
      : options_(std::move(options)),
        families_(std::move(families)),
        rng_(rng),
        due_ns_(due_ns),
        queue_(std::move(queue)),
        running_(std::move(running)),
        deck_(std::move(deck)) {}

  gen::Emission Next(const gen::Context& ctx) const override {
    gen::Rng rng = rng_;
    int64_t due = due_ns_;
    std::vector<gen::Invocation> queue = queue_;
    std::vector<Running> running = running_;
    std::vector<const FaultPackage*> deck = deck_;
    if (queue.empty()) {
      const size_t at_once = options_->overlap ? 2 : 1;
      const FaultPackage* family = running.size() < at_once ? Deal(rng, running, &deck) : nullptr;
      if (family == nullptr) {
        // The stop ops of the oldest running fault, after a wait.
        queue = std::move(running.front().stop);
        running.erase(running.begin());
      } else {
        FaultStep step = family->step(rng, *options_);
        queue = std::move(step.start);
        // A point fault (no stop ops, such as a restart) is over once started.
        if (!step.stop.empty()) running.push_back({family, std::move(step.stop)});
      }
      due += Wait(rng);
    }
    gen::Invocation op = queue.front();
    op.time_ns = due;
    std::optional<gen::Invocation> filled = FillIn(op, ctx);
    if (!filled) return gen::Emission::Pending();
    queue.erase(queue.begin());
    return gen::Emission::Of(
        *filled, std::make_shared<ScheduleGen>(options_, families_, rng, due, std::move(queue),
                                               std::move(running), std::move(deck)));
  }

 private:
  // The next family from the deck that has no fault running, or null (then the oldest
  // running fault stops first). Families are dealt from a shuffled deck, dealt again when
  // empty: every family comes once in each round of as many steps as there are families, in
  // random order.
  const FaultPackage* Deal(gen::Rng& rng, const std::vector<Running>& running,
                           std::vector<const FaultPackage*>* deck) const {
    if (deck->empty()) {
      *deck = *families_;
      for (size_t i = deck->size(); i > 1; --i) std::swap((*deck)[i - 1], (*deck)[rng.Uniform(i)]);
    }
    for (size_t i = deck->size(); i > 0; --i) {
      const FaultPackage* family = (*deck)[i - 1];
      const bool busy = std::any_of(running.begin(), running.end(),
                                    [&](const Running& r) { return r.family == family; });
      if (busy) continue;
      deck->erase(deck->begin() + static_cast<ptrdiff_t>(i - 1));
      return family;
    }
    return nullptr;
  }

  int64_t Wait(gen::Rng& rng) const {
    const int64_t mean = std::max<int64_t>(options_->interval_ns, 1);
    return mean / 2 + static_cast<int64_t>(rng.UniformReal() * static_cast<double>(mean));
  }

  std::shared_ptr<const FaultScheduleOptions> options_;
  std::shared_ptr<const std::vector<const FaultPackage*>> families_;
  gen::Rng rng_;
  int64_t due_ns_;
  std::vector<gen::Invocation> queue_;     // ops of the current step still to emit (due at due_ns_)
  std::vector<Running> running_;           // faults started and not yet stopped, oldest first
  std::vector<const FaultPackage*> deck_;  // families still to deal in this round
};

// The packages of `names` (registry names), in order.
std::vector<const FaultPackage*> Packages(const std::vector<std::string>& names) {
  std::vector<const FaultPackage*> out;
  for (const std::string& name : names) {
    const FaultPackage* p = FindFaultPackage(name);
    assert(p != nullptr && "FaultScheduleOptions::families must be registry names");
    if (p != nullptr) out.push_back(p);
  }
  return out;
}

}  // namespace

gen::GenPtr FaultSchedule(const FaultScheduleOptions& options, gen::Rng rng) {
  auto families =
      std::make_shared<const std::vector<const FaultPackage*>>(Packages(options.families));
  if (families->empty() || options.nodes.empty()) return gen::Void();
  return std::make_shared<ScheduleGen>(std::make_shared<const FaultScheduleOptions>(options),
                                       families, rng, 0, std::vector<gen::Invocation>{},
                                       std::vector<ScheduleGen::Running>{},
                                       std::vector<const FaultPackage*>{});
}

gen::GenPtr FaultHeal(const FaultScheduleOptions& options) {
  // In registry order, whatever the order asked: network first, processes last.
  std::vector<gen::GenPtr> ops;
  const std::vector<std::string>& asked = options.families;
  for (const FaultPackage* p : AllFaultPackages()) {
    if (std::find(asked.begin(), asked.end(), p->info.name) == asked.end()) continue;
    for (const std::string& f : p->heal) ops.push_back(gen::Once(FaultStepOp(f)));
  }
  return gen::Seq(std::move(ops));
}

}  // namespace coordcheck
