#include "generators/simulate.h"

#include <algorithm>
#include <queue>
#include <utility>

namespace coordcheck::gen {
namespace {

struct Outstanding {
  int64_t time_ns = 0;
  int64_t seq = 0;  // invocation order: breaks ties between equal times
  int thread = 0;
  bool record = false;
  Op invoke;
};

struct Later {
  bool operator()(const Outstanding& a, const Outstanding& b) const {
    return a.time_ns != b.time_ns ? a.time_ns > b.time_ns : a.seq > b.seq;
  }
};

class Simulator {
 public:
  Simulator(GenPtr gen, const SimOptions& options)
      : options_(options),
        gen_(std::move(gen)),
        ctx_(options.client_threads, options.with_nemesis) {
    ctx_.SetPickSeed(options.thread_pick_seed);
  }

  SimResult Run() {
    bool stopping = false;
    for (;;) {
      Emission e;
      if (!stopping) {
        ctx_.time_ns = now_;
        e = gen_->Next(ctx_);
      }
      if (e.kind == Emission::Kind::kOp) {
        const int64_t at = std::max(e.op.time_ns, now_);
        if (!outstanding_.empty() && outstanding_.top().time_ns <= at) {
          Complete();
          continue;
        }
        if (invoked_ >= options_.max_ops) {
          Stop(SimStop::kMaxOps, "", &stopping);
          continue;
        }
        if (at > options_.max_time_ns) {
          Stop(SimStop::kMaxTime, "", &stopping);
          continue;
        }
        if (!Invoke(std::move(e), at)) {
          Stop(SimStop::kBadOp, bad_op_, &stopping);
          continue;
        }
        continue;
      }
      if (!outstanding_.empty()) {
        Complete();
        continue;
      }
      if (!stopping && e.kind == Emission::Kind::kPending)
        Stop(SimStop::kDeadlock,
             "generator pending with no op outstanding at " + std::to_string(now_) + " ns",
             &stopping);
      break;
    }
    result_.end_time_ns = now_;
    return std::move(result_);
  }

 private:
  void Stop(SimStop why, std::string message, bool* stopping) {
    result_.stop = why;
    result_.message = std::move(message);
    *stopping = true;
  }

  bool Invoke(Emission e, int64_t at) {
    const int thread = ctx_.ThreadOf(e.op.process);
    if (!ctx_.IsFree(thread) || ctx_.ProcessOf(thread) != e.op.process) {
      bad_op_ = "op " + e.op.f + " for process " + std::to_string(e.op.process) +
                ", whose thread is not free, at " + std::to_string(at) + " ns";
      return false;
    }
    now_ = at;
    ++invoked_;
    const bool sleep = e.op.f == kSleepF;
    const bool record = !sleep || options_.record_sleeps;
    Op invoke;
    invoke.index = record ? static_cast<int64_t>(result_.history.size()) : -1;
    invoke.time_ns = now_;
    invoke.process = e.op.process;
    invoke.type = OpType::kInvoke;
    invoke.f = std::move(e.op.f);
    invoke.key = std::move(e.op.key);
    invoke.value = std::move(e.op.value);
    if (record) result_.history.push_back(invoke);

    ctx_.MarkBusy(thread);
    ctx_.time_ns = now_;
    gen_ = e.next->Update(ctx_, invoke);

    int64_t latency = options_.latency_ns;
    if (sleep && invoke.value.is_number_integer()) {
      latency = invoke.value.get<int64_t>();
    } else if (!sleep && options_.latency) {
      latency = options_.latency(invoke);
    }
    outstanding_.push(Outstanding{now_ + std::max<int64_t>(latency, 0), seq_++, thread, record,
                                  std::move(invoke)});
    return true;
  }

  void Complete() {
    Outstanding o = outstanding_.top();
    outstanding_.pop();
    now_ = std::max(now_, o.time_ns);
    const bool sleep = o.invoke.f == kSleepF;
    Op done = o.invoke;
    done.time_ns = now_;
    done.type = OpType::kOk;
    if (!sleep) {
      if (options_.completion) done.type = options_.completion(o.invoke);
      if (options_.completion_value) done.value = options_.completion_value(o.invoke);
    }
    done.index = o.record ? static_cast<int64_t>(result_.history.size()) : -1;
    ctx_.MarkFree(o.thread);
    if (done.type == OpType::kInfo && o.thread != kNemesisThread) ctx_.AdvanceProcess(o.thread);
    ctx_.time_ns = now_;
    gen_ = gen_->Update(ctx_, done);
    if (o.record) result_.history.push_back(std::move(done));
  }

  const SimOptions& options_;
  GenPtr gen_;
  Context ctx_;
  int64_t now_ = 0;
  int64_t invoked_ = 0;
  int64_t seq_ = 0;
  std::priority_queue<Outstanding, std::vector<Outstanding>, Later> outstanding_;
  std::string bad_op_;
  SimResult result_;
};

}  // namespace

SimResult Simulate(GenPtr gen, const SimOptions& options) {
  return Simulator(std::move(gen), options).Run();
}

}  // namespace coordcheck::gen
