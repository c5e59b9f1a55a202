#include "harness/runner.h"

#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_set>

namespace coordcheck {

using Clock = std::chrono::steady_clock;

namespace {

// How long the scheduler sleeps at most before looking at the stop flag again.
constexpr auto kMaxWaitSlice = std::chrono::milliseconds(50);
// How long a "pending" generator is left alone when nothing is in flight.
constexpr auto kPendingPoll = std::chrono::milliseconds(1);

// The completion a worker records for `job`, whatever the client or nemesis returned:
// same process, f and key; a type that is not a completion becomes info.
Op Normalize(const Op& job, Op done, const std::string& node) {
  if (done.type == OpType::kInvoke) {
    done.type = OpType::kInfo;
    done.error = "client returned an invoke as its completion";
  }
  done.process = job.process;
  done.f = job.f;
  done.key = job.key;
  if (done.node.empty()) done.node = node;
  return done;
}

Op InfoFor(const Op& job, const std::string& error, const std::string& node) {
  Op done = job;
  done.type = OpType::kInfo;
  done.value = job.value;
  done.error = error;
  done.node = node;
  return done;
}

}  // namespace

struct Runner::Worker {
  int thread = 0;  // gen thread id (kNemesisThread for the nemesis)
  std::string node;
  std::thread handle;
  std::mutex mu;
  std::condition_variable cv;
  std::optional<Op> job;
  bool quit = false;
  // Owned by the worker thread.
  std::unique_ptr<Client> client;
  int64_t client_process = -1;
};

struct Runner::Completion {
  int thread = 0;
  Op op;
  int64_t time_ns = 0;
};

class Runner::Impl {
 public:
  Impl(RunnerOptions options, ClientFactory clients, Nemesis* nemesis, HistoryWriter* history)
      : options_(std::move(options)),
        factory_(std::move(clients)),
        nemesis_(nemesis),
        history_(history),
        t0_(Clock::now()),
        ctx_(options_.concurrency, /*with_nemesis=*/true) {
    ctx_.SetPickSeed(options_.thread_pick_seed);
    for (int t = 0; t < options_.concurrency; ++t) StartWorker(t);
    StartWorker(gen::kNemesisThread);
  }

  ~Impl() {
    for (auto& w : workers_) {
      {
        std::lock_guard<std::mutex> lock(w->mu);
        w->quit = true;
      }
      w->cv.notify_one();
    }
    for (auto& w : workers_) w->handle.join();
  }

  int64_t NowNs() const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0_).count();
  }

  std::vector<Json> KeysSeen() const {
    std::lock_guard<std::mutex> lock(keys_mu_);
    return keys_;
  }

  Result<PhaseStats> RunPhase(gen::GenPtr gen) {
    PhaseStats stats;
    stats_ = &stats;
    const int64_t started = NowNs();
    while (true) {
      if (auto err = DrainCompletions(gen)) return *err;
      WakeSleepers(gen);
      if (StopRequested()) {
        stats.stopped = true;
        break;
      }
      ctx_.time_ns = NowNs();
      gen::Emission e = gen->Next(ctx_);
      if (e.kind == gen::Emission::Kind::kDone) {
        if (outstanding_ == 0 && sleepers_.empty()) break;
        if (auto err = WaitForCompletion(WakeAt(Clock::now() + kMaxWaitSlice))) return *err;
        continue;
      }
      if (e.kind == gen::Emission::Kind::kPending) {
        auto until = Clock::now() + (outstanding_ ? kMaxWaitSlice : kPendingPoll);
        if (auto err = WaitForCompletion(WakeAt(until))) return *err;
        continue;
      }
      if (e.op.time_ns > ctx_.time_ns) {
        // Not yet: wait for its time, but re-ask if something completes meanwhile.
        auto until = t0_ + std::chrono::nanoseconds(e.op.time_ns);
        if (auto err = WaitForCompletion(WakeAt(std::min(until, Clock::now() + kMaxWaitSlice))))
          return *err;
        continue;
      }
      if (e.op.f == gen::kSleepF) {
        Sleep(e, &gen);
        continue;
      }
      if (auto err = Dispatch(e, &gen)) return *err;
    }
    if (stats.stopped) {
      // Give in-flight ops their timeout to come back; the rest stay open (info).
      auto until = Clock::now() + options_.op_timeout + std::chrono::seconds(1);
      while (outstanding_ > 0 && Clock::now() < until) {
        if (auto err = WaitForCompletion(std::min(until, Clock::now() + kMaxWaitSlice)))
          return *err;
        if (auto err = DrainCompletions(gen)) return *err;
      }
      stats.abandoned = outstanding_;
    }
    sleepers_.clear();
    if (Status st = history_->Flush(); !st) return st;
    stats.seconds = (NowNs() - started) / 1e9;
    stats_ = nullptr;
    return stats;
  }

 private:
  bool StopRequested() const { return options_.stop != nullptr && options_.stop->load(); }

  Worker& WorkerFor(int thread) {
    return thread == gen::kNemesisThread ? *workers_.back() : *workers_[thread];
  }

  void StartWorker(int thread) {
    auto w = std::make_unique<Worker>();
    w->thread = thread;
    if (thread != gen::kNemesisThread && !options_.nodes.empty()) {
      w->node = options_.nodes[thread % options_.nodes.size()];
    }
    Worker* raw = w.get();
    workers_.push_back(std::move(w));
    raw->handle = std::thread([this, raw] { WorkerLoop(raw); });
  }

  // A pause op (Sleep): its thread stays busy for `value` ns; nothing is recorded.
  void Sleep(const gen::Emission& e, gen::GenPtr* gen) {
    const int thread = ctx_.ThreadOf(e.op.process);
    Op inv;
    inv.index = -1;
    inv.time_ns = NowNs();
    inv.process = e.op.process;
    inv.f = e.op.f;
    inv.value = e.op.value;
    ctx_.MarkBusy(thread);
    *gen = e.next->Update(ctx_, inv);
    const int64_t dt = e.op.value.is_number_integer() ? e.op.value.get<int64_t>() : 0;
    sleepers_.push_back({thread, inv.time_ns + std::max<int64_t>(dt, 0), std::move(inv)});
  }

  // Completes the pauses that are over.
  void WakeSleepers(gen::GenPtr& gen) {
    if (sleepers_.empty()) return;
    const int64_t now = NowNs();
    for (size_t i = 0; i < sleepers_.size();) {
      if (sleepers_[i].until_ns > now) {
        ++i;
        continue;
      }
      Op done = std::move(sleepers_[i].invoke);
      done.type = OpType::kOk;
      done.time_ns = now;
      ctx_.time_ns = now;
      ctx_.MarkFree(sleepers_[i].thread);
      sleepers_.erase(sleepers_.begin() + static_cast<std::ptrdiff_t>(i));
      gen = gen->Update(ctx_, done);
    }
  }

  // `until`, or earlier if a pause ends before it.
  Clock::time_point WakeAt(Clock::time_point until) const {
    for (const Sleeper& s : sleepers_) {
      until = std::min(until, t0_ + std::chrono::nanoseconds(s.until_ns));
    }
    return until;
  }

  // The time for the next event: now, but never before the previous event.
  int64_t Stamp(int64_t t) {
    last_time_ns_ = std::max(last_time_ns_, t);
    return last_time_ns_;
  }

  std::optional<Status> Append(const Op& op) {
    if (Status st = history_->AppendBuffered(op); !st) return st;
    if (options_.on_event) options_.on_event(op);
    return std::nullopt;
  }

  std::optional<Status> Dispatch(const gen::Emission& e, gen::GenPtr* gen) {
    const int thread = ctx_.ThreadOf(e.op.process);
    Worker& w = WorkerFor(thread);
    Op inv;
    inv.index = next_index_++;
    inv.time_ns = Stamp(NowNs());
    inv.process = e.op.process;
    inv.type = OpType::kInvoke;
    inv.f = e.op.f;
    inv.key = e.op.key;
    inv.value = e.op.value;
    inv.node = w.node;
    if (auto err = Append(inv)) return err;
    if (!inv.key.is_null()) NoteKey(inv.key);
    ctx_.MarkBusy(thread);
    ++outstanding_;
    ++stats_->invoked;
    *gen = e.next->Update(ctx_, inv);
    {
      std::lock_guard<std::mutex> lock(w.mu);
      w.job = std::move(inv);
    }
    w.cv.notify_one();
    return std::nullopt;
  }

  void NoteKey(const Json& key) {
    std::string k = key.dump();
    if (seen_keys_.insert(std::move(k)).second) {
      std::lock_guard<std::mutex> lock(keys_mu_);
      keys_.push_back(key);
    }
  }

  // Records every completion queued so far and feeds it to the generator.
  std::optional<Status> DrainCompletions(gen::GenPtr& gen) {
    {
      std::lock_guard<std::mutex> lock(cq_mu_);
      if (cq_.empty()) return std::nullopt;
      batch_.swap(cq_);
    }
    for (Completion& c : batch_) {
      c.op.index = next_index_++;
      c.op.time_ns = Stamp(c.time_ns);
      if (auto err = Append(c.op)) return err;
      --outstanding_;
      switch (c.op.type) {
        case OpType::kOk: ++stats_->ok; break;
        case OpType::kFail: ++stats_->fail; break;
        default: ++stats_->info; break;
      }
      ctx_.time_ns = c.op.time_ns;
      ctx_.MarkFree(c.thread);
      if (c.op.type == OpType::kInfo && c.thread != gen::kNemesisThread) {
        ctx_.AdvanceProcess(c.thread);
      }
      gen = gen->Update(ctx_, c.op);
    }
    batch_.clear();
    return std::nullopt;
  }

  // Flushes the history, then sleeps until a completion arrives or `until`.
  std::optional<Status> WaitForCompletion(Clock::time_point until) {
    if (Status st = history_->Flush(); !st) return st;
    std::unique_lock<std::mutex> lock(cq_mu_);
    scheduler_waiting_ = true;
    cq_cv_.wait_until(lock, until, [this] { return !cq_.empty(); });
    scheduler_waiting_ = false;
    return std::nullopt;
  }

  void WorkerLoop(Worker* w) {
    while (true) {
      Op job;
      {
        std::unique_lock<std::mutex> lock(w->mu);
        w->cv.wait(lock, [w] { return w->job.has_value() || w->quit; });
        if (w->quit) break;
        job = std::move(*w->job);
        w->job.reset();
      }
      Op done = w->thread == gen::kNemesisThread ? InvokeNemesis(job) : InvokeClient(w, job);
      Completion c{w->thread, std::move(done), NowNs()};
      bool wake;
      {
        std::lock_guard<std::mutex> lock(cq_mu_);
        cq_.push_back(std::move(c));
        wake = scheduler_waiting_;
      }
      if (wake) cq_cv_.notify_one();
    }
    if (w->client) w->client->Close();
  }

  Op InvokeClient(Worker* w, const Op& job) {
    if (w->client && w->client_process != job.process) {
      w->client->Close();
      w->client.reset();
    }
    if (!w->client) {
      std::unique_ptr<Client> client;
      try {
        client = factory_();
      } catch (const std::exception& ex) {
        return InfoFor(job, std::string("client factory threw: ") + ex.what(), w->node);
      }
      Status st = client->Open(options_.client_env, w->node);
      if (!st.ok()) {
        // Nothing was sent: the op certainly did not happen.
        Op done = job;
        done.type = OpType::kFail;
        done.error = "open: " + st.message();
        done.node = w->node;
        return done;
      }
      w->client = std::move(client);
      w->client_process = job.process;
    }
    Op done;
    try {
      done = Normalize(job, w->client->Invoke(job, Clock::now() + options_.op_timeout), w->node);
    } catch (const std::exception& ex) {
      done = InfoFor(job, std::string("client threw: ") + ex.what(), w->node);
    } catch (...) {
      done = InfoFor(job, "client threw a non-exception", w->node);
    }
    if (done.type == OpType::kInfo) {
      // This process is over; its thread continues with a fresh process and client.
      w->client->Close();
      w->client.reset();
    }
    return done;
  }

  Op InvokeNemesis(const Op& job) {
    if (nemesis_ == nullptr) return InfoFor(job, "no nemesis in this test", "");
    try {
      return Normalize(job, nemesis_->Invoke(job), "");
    } catch (const std::exception& ex) {
      return InfoFor(job, std::string("nemesis threw: ") + ex.what(), "");
    }
  }

  RunnerOptions options_;
  ClientFactory factory_;
  Nemesis* nemesis_;
  HistoryWriter* history_;
  const Clock::time_point t0_;

  // Scheduler state (the RunPhase thread only).
  gen::Context ctx_;
  int64_t next_index_ = 0;
  int64_t last_time_ns_ = 0;
  int64_t outstanding_ = 0;
  PhaseStats* stats_ = nullptr;
  std::unordered_set<std::string> seen_keys_;
  struct Sleeper {
    int thread;
    int64_t until_ns;
    Op invoke;
  };
  std::vector<Sleeper> sleepers_;
  std::deque<Completion> batch_;

  mutable std::mutex keys_mu_;
  std::vector<Json> keys_;

  std::mutex cq_mu_;
  std::condition_variable cq_cv_;
  std::deque<Completion> cq_;
  bool scheduler_waiting_ = false;

  std::vector<std::unique_ptr<Worker>> workers_;  // client threads 0..n-1, then the nemesis
};

Runner::Runner(RunnerOptions options, ClientFactory clients, Nemesis* nemesis,
               HistoryWriter* history)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(clients), nemesis, history)) {}

Runner::~Runner() = default;

Result<PhaseStats> Runner::RunPhase(gen::GenPtr gen) { return impl_->RunPhase(gen); }

std::vector<Json> Runner::KeysSeen() const { return impl_->KeysSeen(); }

int64_t Runner::NowNs() const { return impl_->NowNs(); }

}  // namespace coordcheck
