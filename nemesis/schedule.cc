#include "nemesis/schedule.h"

#include <algorithm>
#include <cassert>

#include "generators/basic.h"
#include "generators/sequence.h"
#include "nemesis/registry.h"

namespace coordcheck {
namespace {

// The schedule's state: the ops still to emit in this step, the time the next one is due,
// and the Rng for the next steps.
class ScheduleGen final : public gen::Generator {
 public:
  ScheduleGen(std::shared_ptr<const FaultScheduleOptions> options,
              std::shared_ptr<const std::vector<const FaultPackage*>> families, gen::Rng rng,
              int64_t due_ns, std::vector<gen::Invocation> queue,
              std::vector<gen::Invocation> after, std::vector<const FaultPackage*> deck)
      : options_(std::move(options)),
        families_(std::move(families)),
        rng_(rng),
        due_ns_(due_ns),
        queue_(std::move(queue)),
        after_(std::move(after)),
        deck_(std::move(deck)) {}

  gen::Emission Next(const gen::Context& ctx) const override {
    gen::Rng rng = rng_;
    int64_t due = due_ns_;
    std::vector<gen::Invocation> queue = queue_;
    std::vector<gen::Invocation> after = after_;
    std::vector<const FaultPackage*> deck = deck_;
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
        const FaultPackage* family = deck.back();
        deck.pop_back();
        FaultStep step = family->step(rng, *options_);
        queue = std::move(step.start);
        after = std::move(step.stop);
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
                                               std::move(after), std::move(deck)));
  }

 private:
  int64_t Wait(gen::Rng& rng) const {
    const int64_t mean = std::max<int64_t>(options_->interval_ns, 1);
    return mean / 2 + static_cast<int64_t>(rng.UniformReal() * static_cast<double>(mean));
  }

  std::shared_ptr<const FaultScheduleOptions> options_;
  std::shared_ptr<const std::vector<const FaultPackage*>> families_;
  gen::Rng rng_;
  int64_t due_ns_;
  std::vector<gen::Invocation> queue_;  // ops of the current step still to emit (due at due_ns_)
  std::vector<gen::Invocation> after_;  // the step's stop ops, after the next wait
  std::vector<const FaultPackage*>
      deck_;  // families still to deal in this round (dealt from the back)
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
                                       std::vector<gen::Invocation>{},
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
