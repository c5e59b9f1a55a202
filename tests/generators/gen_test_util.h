// Helpers for the generator tests: picking events out of a simulated history, and a spy
// generator that logs the Update events it receives.
//
// Thread-safety: test-only; single-threaded.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "generators/generator.h"
#include "generators/simulate.h"

namespace coordcheck::gen::testing {

constexpr int64_t kMs = 1'000'000;

inline std::vector<Op> Invokes(const std::vector<Op>& history) {
  std::vector<Op> out;
  for (const Op& op : history)
    if (op.is_invoke()) out.push_back(op);
  return out;
}

inline std::vector<std::string> Fs(const std::vector<Op>& ops) {
  std::vector<std::string> out;
  for (const Op& op : ops) out.push_back(op.f);
  return out;
}

inline std::vector<int64_t> Times(const std::vector<Op>& ops) {
  std::vector<int64_t> out;
  for (const Op& op : ops) out.push_back(op.time_ns);
  return out;
}

inline std::vector<int64_t> Processes(const std::vector<Op>& ops) {
  std::vector<int64_t> out;
  for (const Op& op : ops) out.push_back(op.process);
  return out;
}

// Invocations of `gen` in a simulation with `threads` client threads and default options.
inline std::vector<Op> SimInvokes(GenPtr gen, int threads = 1) {
  SimOptions options;
  options.client_threads = threads;
  return Invokes(Simulate(std::move(gen), options).history);
}

// Wraps a generator and appends every Update event it receives to a shared log. (Not pure:
// for observing routing in tests, where each event is delivered once.)
class Spy final : public Generator {
 public:
  Spy(GenPtr gen, std::shared_ptr<std::vector<Op>> log)
      : gen_(std::move(gen)), log_(std::move(log)) {}
  Emission Next(const Context& ctx) const override {
    Emission e = gen_->Next(ctx);
    if (e.kind == Emission::Kind::kOp) e.next = std::make_shared<Spy>(std::move(e.next), log_);
    return e;
  }
  GenPtr Update(const Context& ctx, const Op& event) const override {
    log_->push_back(event);
    return std::make_shared<Spy>(gen_->Update(ctx, event), log_);
  }

 private:
  GenPtr gen_;
  std::shared_ptr<std::vector<Op>> log_;
};

inline GenPtr Spied(GenPtr gen, std::shared_ptr<std::vector<Op>> log) {
  return std::make_shared<Spy>(std::move(gen), std::move(log));
}

}  // namespace coordcheck::gen::testing
