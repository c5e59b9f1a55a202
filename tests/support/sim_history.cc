#include "tests/support/sim_history.h"

#include <algorithm>
#include <cassert>
#include <deque>
#include <map>
#include <queue>
#include <random>
#include <set>
#include <utility>

namespace coordcheck::test {

std::string_view SimModelName(SimModel model) {
  switch (model) {
    case SimModel::kRegister:
      return "register";
    case SimModel::kCasRegister:
      return "cas-register";
    case SimModel::kKv:
      return "kv";
    case SimModel::kMutex:
      return "mutex";
    case SimModel::kSet:
      return "set";
    case SimModel::kQueue:
      return "queue";
    case SimModel::kCounter:
      return "counter";
    case SimModel::kMultiRegister:
      return "multi-register";
  }
  return "?";
}

std::string_view AnomalyName(Anomaly anomaly) {
  switch (anomaly) {
    case Anomaly::kNone:
      return "none";
    case Anomaly::kStaleRead:
      return "stale-read";
    case Anomaly::kLostWrite:
      return "lost-write";
    case Anomaly::kDoubleAcquire:
      return "double-acquire";
    case Anomaly::kDuplicateDequeue:
      return "duplicate-dequeue";
    case Anomaly::kVanishedElement:
      return "vanished-element";
    case Anomaly::kCounterTooHigh:
      return "counter-too-high";
    case Anomaly::kWrongTxnRead:
      return "wrong-txn-read";
  }
  return "?";
}

std::vector<Anomaly> AnomaliesFor(SimModel model) {
  switch (model) {
    case SimModel::kRegister:
    case SimModel::kCasRegister:
    case SimModel::kKv:
      return {Anomaly::kStaleRead, Anomaly::kLostWrite};
    case SimModel::kMutex:
      return {Anomaly::kDoubleAcquire};
    case SimModel::kSet:
      return {Anomaly::kVanishedElement};
    case SimModel::kQueue:
      return {Anomaly::kDuplicateDequeue};
    case SimModel::kCounter:
      return {Anomaly::kCounterTooHigh};
    case SimModel::kMultiRegister:
      return {Anomaly::kWrongTxnRead};
  }
  return {};
}

namespace {

// Fresh values of the scripted anomalies: far outside [0, values) for ints, and
// marked with '#' (which no other kv value contains) for strings.
constexpr int64_t kFreshIntBase = 1'000'000;
constexpr int kMaxAcquireRetries = 3;
constexpr int64_t kAppendGapNs = 10;

// Deterministic across standard libraries (std::uniform_int_distribution is not).
class Random {
 public:
  explicit Random(uint64_t seed) : gen_(seed) {}
  // Uniform in [lo, hi]; requires lo <= hi.
  int64_t Range(int64_t lo, int64_t hi) {
    assert(lo <= hi);
    const uint64_t span = static_cast<uint64_t>(hi - lo) + 1;
    return lo + static_cast<int64_t>(gen_() % span);
  }
  bool Chance(double p) { return static_cast<double>(gen_() >> 11) * 0x1.0p-53 < p; }
  template <typename T>
  void Shuffle(std::vector<T>* v) {
    for (size_t i = v->size(); i > 1; --i) {
      std::swap((*v)[i - 1], (*v)[static_cast<size_t>(Range(0, static_cast<int64_t>(i) - 1))]);
    }
  }

 private:
  std::mt19937_64 gen_;
};

enum class Fate : uint8_t {
  kNormal,             // completes ok or fail, as the object decides
  kRefused,            // completes fail, no effect
  kInfoApplied,        // completes info, effect applied
  kInfoNotApplied,     // completes info, no effect
  kPendingApplied,     // never completes, effect applied
  kPendingNotApplied,  // never completes, no effect
};

bool Applies(Fate fate) {
  return fate == Fate::kNormal || fate == Fate::kInfoApplied || fate == Fate::kPendingApplied;
}
bool Completes(Fate fate) {
  return fate != Fate::kPendingApplied && fate != Fate::kPendingNotApplied;
}

enum class Status : uint8_t { kOk, kFail, kWait };

struct SimOp {
  int worker = 0;
  int64_t process = 0;
  std::string f;
  Json key;  // null when none
  Json in;   // invoke value
  Json out;  // ok value
  Fate fate = Fate::kNormal;
  OpType completion = OpType::kOk;
  int retries = 0;
  bool anomalous = false;  // scripted op whose result is forced (never applied)
  Json forced;             // the forced result (see Simulator::ApplyAnomalous)
  int64_t invoke_index = -1;
  int64_t complete_index = -1;
};

struct ScriptStep {
  std::string f;
  Json key;
  Json in;
  bool anomalous = false;
  Json forced;
};

struct Worker {
  int64_t process = 0;
  int ops_left = 0;
  bool script = false;
  std::vector<ScriptStep> steps;  // script workers only
  size_t next_step = 0;
  bool paused = false;
};

enum class EventKind : uint8_t { kInvoke, kEffect, kComplete, kAnomalyStart };

struct Event {
  int64_t time = 0;
  uint64_t seq = 0;
  EventKind kind = EventKind::kInvoke;
  int worker = -1;
  int op = -1;
  bool operator>(const Event& o) const { return time != o.time ? time > o.time : seq > o.seq; }
};

Json DefaultInit(SimModel model) {
  switch (model) {
    case SimModel::kRegister:
    case SimModel::kCasRegister:
      return nullptr;
    case SimModel::kKv:
      return "";
    case SimModel::kMutex:
      return false;
    case SimModel::kSet:
    case SimModel::kQueue:
      return Json::array();
    case SimModel::kCounter:
      return 0;
    case SimModel::kMultiRegister:
      return Json::object();
  }
  return nullptr;
}

bool IsScriptAnomaly(Anomaly a) {
  return a == Anomaly::kStaleRead || a == Anomaly::kDoubleAcquire || a == Anomaly::kWrongTxnRead;
}

class Simulator {
 public:
  explicit Simulator(const SimOptions& options)
      : o_(options), rng_(options.seed), model_(options.model) {}

  SimHistory Run();

 private:
  // --- object state -------------------------------------------------------
  void InitState(const Json& init);
  // Makes the next op of a client worker from the current state.
  void MakeClientOp(int worker, SimOp* op);
  // Applies `op` to the true state at its linearization point.
  Status Apply(SimOp* op, int worker);
  Json Current(const Json& key) const;  // register value / kv value of key

  // --- event loop ---------------------------------------------------------
  void Schedule(int64_t time, EventKind kind, int worker, int op = -1);
  void Emit(int64_t time, int64_t process, OpType type, const SimOp& op, const Json& value,
            int64_t* index);
  void OnInvoke(const Event& e);
  void OnEffect(const Event& e);
  void OnComplete(const Event& e);
  void StartScript(int64_t now);
  void MaybeStartQuiescentScript(int64_t now);
  void WorkerIdle(int worker, int64_t now);
  std::vector<ScriptStep> ScriptFor(Anomaly anomaly);

  // --- post-hoc anomalies -------------------------------------------------
  bool IsReadF(const std::string& f) const { return f == "read" || f == "get"; }
  void SetResult(SimOp* op, Json value);
  void AppendSequential(const std::string& f, const Json& key, const Json& in, const Json& out);
  void InjectLostWrite();
  void InjectVanishedElement();
  void InjectDuplicateDequeue();
  void InjectCounterTooHigh();

  Json FreshValue() {
    ++fresh_values_;
    if (model_ == SimModel::kKv) return "#" + std::to_string(fresh_values_);
    return kFreshIntBase + fresh_values_;
  }
  std::string KvKey(int64_t i) const { return "k" + std::to_string(i); }

  SimOptions o_;
  Random rng_;
  SimModel model_;
  Json init_;  // the effective initial state

  // True state, one field per model family.
  Json reg_;                               // register, cas-register
  std::map<std::string, std::string> kv_;  // kv (absent = kv_init_)
  std::string kv_init_;
  int holder_ = -1;                   // mutex: worker holding the lock, -1 = free
  std::set<int64_t> set_;             // set
  std::deque<int64_t> queue_;         // queue
  int64_t counter_ = 0;               // counter
  std::map<std::string, Json> regs_;  // multi-register (absent = null)
  int64_t next_enqueue_ = 0;
  int64_t fresh_values_ = 0;

  History history_;
  std::vector<SimOp> ops_;
  std::vector<Worker> workers_;
  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> events_;
  uint64_t seq_ = 0;
  int64_t next_process_ = 0;
  int64_t last_time_ = 0;
  int in_flight_ = 0;     // invoked ops that will complete
  bool pausing_ = false;  // mutex anomaly: hold new invokes until quiescent
  bool script_started_ = false;
  int script_worker_ = -1;
  std::string note_;
};

void Simulator::InitState(const Json& init) {
  init_ = init;
  switch (model_) {
    case SimModel::kRegister:
    case SimModel::kCasRegister:
      reg_ = init;
      break;
    case SimModel::kKv:
      kv_init_ = init.get<std::string>();
      break;
    case SimModel::kMutex:
      // A lock that starts held is released by worker 0 (release needs the lock
      // held by anyone).
      holder_ = init.get<bool>() ? 0 : -1;
      break;
    case SimModel::kSet:
      for (const Json& v : init) set_.insert(v.get<int64_t>());
      break;
    case SimModel::kQueue:
      for (const Json& v : init) queue_.push_back(v.get<int64_t>());
      for (int64_t v : queue_) next_enqueue_ = std::max(next_enqueue_, v + 1);
      break;
    case SimModel::kCounter:
      counter_ = init.get<int64_t>();
      break;
    case SimModel::kMultiRegister:
      for (auto it = init.begin(); it != init.end(); ++it) regs_[it.key()] = it.value();
      break;
  }
}

Json Simulator::Current(const Json& key) const {
  if (model_ == SimModel::kKv) {
    auto it = kv_.find(key.get<std::string>());
    return it == kv_.end() ? kv_init_ : it->second;
  }
  return reg_;
}

void Simulator::MakeClientOp(int worker, SimOp* op) {
  const int64_t v = rng_.Range(0, o_.values - 1);
  const int64_t r = rng_.Range(0, 99);
  switch (model_) {
    case SimModel::kRegister:
      if (r < 50) {
        op->f = "read";
      } else {
        op->f = "write";
        op->in = v;
      }
      break;
    case SimModel::kCasRegister:
      if (r < 40) {
        op->f = "read";
      } else if (r < 70) {
        op->f = "write";
        op->in = v;
      } else {
        op->f = "cas";
        Json expected = !reg_.is_null() && rng_.Chance(0.5) ? reg_ : Json(v);
        op->in = Json::array({expected, rng_.Range(0, o_.values - 1)});
      }
      break;
    case SimModel::kKv: {
      op->key = KvKey(rng_.Range(0, o_.keys - 1));
      const bool alias = rng_.Chance(0.3);
      if (r < 35) {
        op->f = alias ? "get" : "read";
      } else if (r < 55) {
        op->f = alias ? "put" : "write";
        op->in = "v" + std::to_string(v);
      } else if (r < 70) {
        op->f = "cas";
        Json expected = rng_.Chance(0.5) ? Current(op->key) : Json("v" + std::to_string(v));
        op->in = Json::array({expected, "v" + std::to_string(rng_.Range(0, o_.values - 1))});
      } else {
        op->f = "append";
        op->in = std::to_string(v);
      }
      break;
    }
    case SimModel::kMutex:
      op->f = holder_ == worker || r < 10 ? "release" : "acquire";
      break;
    case SimModel::kSet:
      if (r < 60) {
        op->f = "add";
        op->in = rng_.Range(0, 2 * o_.values - 1);
      } else {
        op->f = "read";
      }
      break;
    case SimModel::kQueue:
      if (r < 50) {
        op->f = "enqueue";
        op->in = next_enqueue_++;
      } else {
        op->f = "dequeue";
      }
      break;
    case SimModel::kCounter:
      if (r < 60) {
        op->f = "add";
        op->in = rng_.Range(-2, 5);
      } else {
        op->f = "read";
      }
      break;
    case SimModel::kMultiRegister: {
      op->f = "txn";
      op->in = Json::array();
      const int64_t n = rng_.Range(1, 3);
      for (int64_t i = 0; i < n; ++i) {
        const std::string k = rng_.Chance(0.5) ? "x" : "y";
        if (rng_.Chance(0.5)) {
          op->in.push_back(Json::array({"read", k, nullptr}));
        } else {
          op->in.push_back(Json::array({"write", k, rng_.Range(0, o_.values - 1)}));
        }
      }
      break;
    }
  }
}

Status Simulator::Apply(SimOp* op, int worker) {
  const std::string& f = op->f;
  op->out = op->in;
  switch (model_) {
    case SimModel::kRegister:
    case SimModel::kCasRegister:
    case SimModel::kKv: {
      const bool kv = model_ == SimModel::kKv;
      Json cur = Current(op->key);
      auto set = [&](const Json& value) {
        if (kv) {
          kv_[op->key.get<std::string>()] = value.get<std::string>();
        } else {
          reg_ = value;
        }
      };
      if (IsReadF(f)) {
        op->out = cur;
      } else if (f == "write" || f == "put") {
        set(op->in);
      } else if (f == "append") {
        set(cur.get<std::string>() + op->in.get<std::string>());
      } else if (f == "cas") {
        if (cur != op->in[0]) return Status::kFail;
        set(op->in[1]);
      }
      return Status::kOk;
    }
    case SimModel::kMutex:
      if (f == "acquire") {
        if (holder_ != -1) return Status::kWait;
        holder_ = worker;
        return Status::kOk;
      }
      if (holder_ != worker) return Status::kFail;
      holder_ = -1;
      return Status::kOk;
    case SimModel::kSet:
      if (f == "add") {
        set_.insert(op->in.get<int64_t>());
      } else {
        std::vector<int64_t> members(set_.begin(), set_.end());
        rng_.Shuffle(&members);
        op->out = members;
      }
      return Status::kOk;
    case SimModel::kQueue:
      if (f == "enqueue") {
        queue_.push_back(op->in.get<int64_t>());
      } else if (queue_.empty()) {
        op->out = nullptr;
      } else {
        op->out = queue_.front();
        queue_.pop_front();
      }
      return Status::kOk;
    case SimModel::kCounter:
      if (f == "add") {
        counter_ += op->in.get<int64_t>();
      } else {
        op->out = counter_;
      }
      return Status::kOk;
    case SimModel::kMultiRegister:
      for (Json& mop : op->out) {
        const std::string k = mop[1].get<std::string>();
        if (mop[0] == "read") {
          auto it = regs_.find(k);
          mop[2] = it == regs_.end() ? Json(nullptr) : it->second;
        } else {
          regs_[k] = mop[2];
        }
      }
      return Status::kOk;
  }
  return Status::kOk;
}

void Simulator::Schedule(int64_t time, EventKind kind, int worker, int op) {
  events_.push(Event{time, seq_++, kind, worker, op});
}

void Simulator::Emit(int64_t time, int64_t process, OpType type, const SimOp& op, const Json& value,
                     int64_t* index) {
  Op e;
  e.index = static_cast<int64_t>(history_.size());
  e.time_ns = time;
  e.process = process;
  e.type = type;
  e.f = op.f;
  e.key = op.key;
  e.value = value;
  *index = e.index;
  last_time_ = std::max(last_time_, time);
  history_.Append(std::move(e));
}

void Simulator::OnInvoke(const Event& e) {
  Worker& w = workers_[static_cast<size_t>(e.worker)];
  if (pausing_ && !w.script) {
    w.paused = true;
    return;
  }
  SimOp op;
  op.worker = e.worker;
  op.process = w.process;
  if (w.script) {
    const ScriptStep& s = w.steps[w.next_step++];
    op.f = s.f;
    op.key = s.key;
    op.in = s.in;
    op.anomalous = s.anomalous;
    op.forced = s.forced;
  } else {
    MakeClientOp(e.worker, &op);
    const bool last = --w.ops_left == 0;
    // In the double-acquire mode releases always complete, so that no release
    // can take effect unseen during the anomaly.
    const bool certain = o_.anomaly == Anomaly::kDoubleAcquire && op.f == "release";
    if (last && !certain && rng_.Chance(o_.pending_probability)) {
      op.fate = rng_.Chance(0.5) ? Fate::kPendingApplied : Fate::kPendingNotApplied;
    } else if (!certain && rng_.Chance(o_.info_probability)) {
      op.fate = rng_.Chance(0.5) ? Fate::kInfoApplied : Fate::kInfoNotApplied;
    } else if (rng_.Chance(o_.fail_probability)) {
      op.fate = Fate::kRefused;
    }
  }
  ops_.push_back(std::move(op));
  SimOp& stored = ops_.back();
  Emit(e.time, stored.process, OpType::kInvoke, stored, stored.in, &stored.invoke_index);
  if (Completes(stored.fate)) ++in_flight_;
  Schedule(e.time + rng_.Range(1, o_.max_latency_ns), EventKind::kEffect, e.worker,
           static_cast<int>(ops_.size()) - 1);
}

void Simulator::OnEffect(const Event& e) {
  SimOp& op = ops_[static_cast<size_t>(e.op)];
  Status status = Status::kFail;
  if (op.anomalous) {
    status = Status::kOk;
    if (model_ == SimModel::kMultiRegister) {
      // Real reads, except the forced key.
      Apply(&op, e.worker);
      for (Json& mop : op.out) {
        if (mop[0] == "read" && mop[1] == op.forced[0]) mop[2] = op.forced[1];
      }
    } else {
      op.out = model_ == SimModel::kMutex ? op.in : op.forced;
    }
  } else if (Applies(op.fate)) {
    status = Apply(&op, e.worker);
    if (status == Status::kWait) {
      // An acquire of a held lock waits a while, then gives up (no effect).
      if (op.retries++ < kMaxAcquireRetries) {
        Schedule(e.time + rng_.Range(1, o_.max_latency_ns), EventKind::kEffect, e.worker, e.op);
        return;
      }
      status = Status::kFail;
    }
  }
  switch (op.fate) {
    case Fate::kNormal:
      op.completion = status == Status::kOk ? OpType::kOk : OpType::kFail;
      break;
    case Fate::kRefused:
      op.completion = OpType::kFail;
      break;
    case Fate::kInfoApplied:
    case Fate::kInfoNotApplied:
      op.completion = OpType::kInfo;
      break;
    case Fate::kPendingApplied:
    case Fate::kPendingNotApplied:
      return;  // never completes; this was the worker's last op
  }
  Schedule(e.time + rng_.Range(1, o_.max_latency_ns), EventKind::kComplete, e.worker, e.op);
}

void Simulator::OnComplete(const Event& e) {
  SimOp& op = ops_[static_cast<size_t>(e.op)];
  Worker& w = workers_[static_cast<size_t>(e.worker)];
  const Json& value = op.completion == OpType::kOk ? op.out : op.in;
  Emit(e.time, op.process, op.completion, op, value, &op.complete_index);
  --in_flight_;
  if (op.completion == OpType::kInfo) w.process = next_process_++;
  WorkerIdle(e.worker, e.time);
  MaybeStartQuiescentScript(e.time);
}

void Simulator::WorkerIdle(int worker, int64_t now) {
  Worker& w = workers_[static_cast<size_t>(worker)];
  if (w.script) {
    if (w.next_step < w.steps.size()) {
      Schedule(now + rng_.Range(1, o_.max_think_ns), EventKind::kInvoke, worker);
      return;
    }
    // Script done: resume the workers held for quiescence.
    pausing_ = false;
    for (size_t i = 0; i < workers_.size(); ++i) {
      if (workers_[i].paused) {
        workers_[i].paused = false;
        Schedule(now + rng_.Range(1, o_.max_think_ns), EventKind::kInvoke, static_cast<int>(i));
      }
    }
    return;
  }
  if (w.ops_left > 0) Schedule(now + rng_.Range(0, o_.max_think_ns), EventKind::kInvoke, worker);
}

std::vector<ScriptStep> Simulator::ScriptFor(Anomaly anomaly) {
  std::vector<ScriptStep> steps;
  switch (anomaly) {
    case Anomaly::kStaleRead: {
      const Json u1 = FreshValue();
      const Json u2 = FreshValue();
      Json key = model_ == SimModel::kKv ? Json(KvKey(rng_.Range(0, o_.keys - 1))) : Json();
      const bool kv = model_ == SimModel::kKv;
      steps.push_back({kv && rng_.Chance(0.5) ? "put" : "write", key, u1, false, nullptr});
      steps.push_back({"write", key, u2, false, nullptr});
      steps.push_back({kv && rng_.Chance(0.5) ? "get" : "read", key, nullptr, true, u1});
      note_ = "stale read of " + u1.dump() + " after " + u2.dump();
      break;
    }
    case Anomaly::kDoubleAcquire:
      steps.push_back({"acquire", nullptr, nullptr, true, nullptr});
      steps.push_back({"acquire", nullptr, nullptr, true, nullptr});
      note_ = "double acquire";
      break;
    case Anomaly::kWrongTxnRead: {
      const Json u1 = FreshValue();
      const Json u2 = FreshValue();
      steps.push_back(
          {"txn", nullptr, Json::array({Json::array({"write", "x", u1})}), false, nullptr});
      steps.push_back(
          {"txn", nullptr, Json::array({Json::array({"write", "x", u2})}), false, nullptr});
      steps.push_back(
          {"txn", nullptr,
           Json::array({Json::array({"read", "y", nullptr}), Json::array({"read", "x", nullptr})}),
           true, Json::array({"x", u1})});
      note_ = "txn read x=" + u1.dump() + " after x=" + u2.dump();
      break;
    }
    default:
      assert(false && "not a script anomaly");
  }
  return steps;
}

void Simulator::StartScript(int64_t now) {
  script_started_ = true;
  Worker w;
  w.script = true;
  w.process = next_process_++;
  w.steps = ScriptFor(o_.anomaly);
  workers_.push_back(std::move(w));
  script_worker_ = static_cast<int>(workers_.size()) - 1;
  Schedule(now, EventKind::kInvoke, script_worker_);
}

void Simulator::MaybeStartQuiescentScript(int64_t now) {
  if (pausing_ && !script_started_ && in_flight_ == 0) StartScript(now);
}

void Simulator::SetResult(SimOp* op, Json value) {
  assert(op->completion == OpType::kOk && op->complete_index >= 0);
  op->out = value;
  history_.ops[static_cast<size_t>(op->complete_index)].value = std::move(value);
}

// A sequential op of a fresh process after everything else, completed ok.
void Simulator::AppendSequential(const std::string& f, const Json& key, const Json& in,
                                 const Json& out) {
  SimOp op;
  op.worker = -1;
  op.process = next_process_++;
  op.f = f;
  op.key = key;
  op.in = in;
  op.out = out;
  op.completion = OpType::kOk;
  Emit(last_time_ + kAppendGapNs, op.process, OpType::kInvoke, op, in, &op.invoke_index);
  Emit(last_time_ + kAppendGapNs, op.process, OpType::kOk, op, out, &op.complete_index);
  ops_.push_back(std::move(op));
}

void Simulator::InjectLostWrite() {
  // Reads that follow an acknowledged change of their key.
  std::vector<size_t> reads;
  for (size_t r = 0; r < ops_.size(); ++r) {
    const SimOp& read = ops_[r];
    if (read.completion != OpType::kOk || read.complete_index < 0 || !IsReadF(read.f)) continue;
    for (const SimOp& w : ops_) {
      if (w.completion == OpType::kOk && w.complete_index >= 0 && !IsReadF(w.f) &&
          w.key == read.key && w.complete_index < read.invoke_index) {
        reads.push_back(r);
        break;
      }
    }
  }
  const Json key = model_ == SimModel::kKv ? Json(KvKey(0)) : Json();
  if (reads.empty()) {
    AppendSequential("write", key, model_ == SimModel::kKv ? Json("v0") : Json(0),
                     model_ == SimModel::kKv ? Json("v0") : Json(0));
    AppendSequential("read", key, nullptr, init_);
    note_ = "appended read of the initial value after a write";
    return;
  }
  SimOp& read =
      ops_[reads[static_cast<size_t>(rng_.Range(0, static_cast<int64_t>(reads.size()) - 1))]];
  SetResult(&read, init_);
  note_ = "read at " + std::to_string(read.invoke_index) + " returns the initial value";
}

void Simulator::InjectVanishedElement() {
  std::vector<std::pair<size_t, size_t>> pairs;  // (read, add)
  for (size_t r = 0; r < ops_.size(); ++r) {
    const SimOp& read = ops_[r];
    if (read.completion != OpType::kOk || read.complete_index < 0 || read.f != "read") continue;
    for (size_t a = 0; a < ops_.size(); ++a) {
      const SimOp& add = ops_[a];
      if (add.f == "add" && add.completion == OpType::kOk && add.complete_index >= 0 &&
          add.complete_index < read.invoke_index) {
        pairs.emplace_back(r, a);
      }
    }
  }
  if (pairs.empty()) {
    AppendSequential("add", nullptr, 0, 0);
    AppendSequential("read", nullptr, nullptr, Json::array());
    note_ = "appended read [] after add 0";
    return;
  }
  auto [r, a] = pairs[static_cast<size_t>(rng_.Range(0, static_cast<int64_t>(pairs.size()) - 1))];
  Json members = Json::array();
  for (const Json& m : ops_[r].out) {
    if (m != ops_[a].in) members.push_back(m);
  }
  assert(members.size() < ops_[r].out.size());
  SetResult(&ops_[r], members);
  note_ = "read at " + std::to_string(ops_[r].invoke_index) + " lacks " + ops_[a].in.dump() +
          " added at " + std::to_string(ops_[a].invoke_index);
}

void Simulator::InjectDuplicateDequeue() {
  std::vector<size_t> dequeues;
  std::vector<size_t> nonempty;
  for (size_t i = 0; i < ops_.size(); ++i) {
    const SimOp& d = ops_[i];
    if (d.f != "dequeue" || d.completion != OpType::kOk || d.complete_index < 0) continue;
    dequeues.push_back(i);
    if (!d.out.is_null()) nonempty.push_back(i);
  }
  if (nonempty.empty() || dequeues.size() < 2) {
    const Json u = next_enqueue_++;
    AppendSequential("enqueue", nullptr, u, u);
    AppendSequential("dequeue", nullptr, nullptr, u);
    AppendSequential("dequeue", nullptr, nullptr, u);
    note_ = "appended enqueue " + u.dump() + " dequeued twice";
    return;
  }
  const size_t first =
      nonempty[static_cast<size_t>(rng_.Range(0, static_cast<int64_t>(nonempty.size()) - 1))];
  size_t second = first;
  while (second == first) {
    second =
        dequeues[static_cast<size_t>(rng_.Range(0, static_cast<int64_t>(dequeues.size()) - 1))];
  }
  SetResult(&ops_[second], ops_[first].out);
  note_ = "dequeues at " + std::to_string(ops_[first].invoke_index) + " and " +
          std::to_string(ops_[second].invoke_index) + " both return " + ops_[first].out.dump();
}

void Simulator::InjectCounterTooHigh() {
  std::vector<size_t> reads;
  for (size_t i = 0; i < ops_.size(); ++i) {
    const SimOp& r = ops_[i];
    if (r.f == "read" && r.completion == OpType::kOk && r.complete_index >= 0) reads.push_back(i);
  }
  if (reads.empty()) {
    AppendSequential("read", nullptr, nullptr, 0);
    reads.push_back(ops_.size() - 1);
  }
  SimOp& read =
      ops_[reads[static_cast<size_t>(rng_.Range(0, static_cast<int64_t>(reads.size()) - 1))]];
  // The largest value any linearization could let this read see.
  int64_t bound = init_.get<int64_t>();
  for (const SimOp& add : ops_) {
    if (add.f != "add" || add.completion == OpType::kFail) continue;
    const int64_t delta = add.in.get<int64_t>();
    const bool ok = add.completion == OpType::kOk && add.complete_index >= 0;
    if (ok && add.complete_index < read.invoke_index) {
      bound += delta;  // must precede the read
    } else if (add.invoke_index < read.complete_index && delta > 0) {
      bound += delta;  // may precede it
    }
  }
  const int64_t value = bound + 1 + rng_.Range(0, 2);
  SetResult(&read, value);
  note_ = "counter read at " + std::to_string(read.invoke_index) + " returns " +
          std::to_string(value) + " > bound " + std::to_string(bound);
}

SimHistory Simulator::Run() {
  assert(o_.processes >= 1 && o_.values >= 1 && o_.keys >= 1);
  if (o_.anomaly != Anomaly::kNone) {
    const std::vector<Anomaly> allowed = AnomaliesFor(model_);
    assert(std::find(allowed.begin(), allowed.end(), o_.anomaly) != allowed.end());
    (void)allowed;
  }
  std::optional<Json> init = o_.init;
  if (o_.anomaly == Anomaly::kLostWrite) init = DefaultInit(model_);
  InitState(init.has_value() ? *init : DefaultInit(model_));

  workers_.resize(static_cast<size_t>(o_.processes));
  next_process_ = o_.processes;
  for (int i = 0; i < o_.ops; ++i) {
    workers_[static_cast<size_t>(rng_.Range(0, o_.processes - 1))].ops_left++;
  }
  for (int i = 0; i < o_.processes; ++i) {
    workers_[static_cast<size_t>(i)].process = i;
    if (workers_[static_cast<size_t>(i)].ops_left > 0) {
      Schedule(rng_.Range(0, o_.max_think_ns), EventKind::kInvoke, i);
    }
  }
  if (IsScriptAnomaly(o_.anomaly)) {
    // Somewhere in the middle of the run.
    const int64_t per_op = o_.max_latency_ns + o_.max_think_ns / 2;
    const int64_t span = std::max<int64_t>(1, o_.ops / o_.processes * per_op);
    Schedule(rng_.Range(span / 4, span / 4 + span / 2), EventKind::kAnomalyStart, -1);
  }

  while (!events_.empty()) {
    const Event e = events_.top();
    events_.pop();
    switch (e.kind) {
      case EventKind::kInvoke:
        OnInvoke(e);
        break;
      case EventKind::kEffect:
        OnEffect(e);
        break;
      case EventKind::kComplete:
        OnComplete(e);
        break;
      case EventKind::kAnomalyStart:
        if (model_ == SimModel::kMutex) {
          pausing_ = true;
          MaybeStartQuiescentScript(e.time);
        } else {
          StartScript(e.time);
        }
        break;
    }
  }

  switch (o_.anomaly) {
    case Anomaly::kLostWrite:
      InjectLostWrite();
      break;
    case Anomaly::kVanishedElement:
      InjectVanishedElement();
      break;
    case Anomaly::kDuplicateDequeue:
      InjectDuplicateDequeue();
      break;
    case Anomaly::kCounterTooHigh:
      InjectCounterTooHigh();
      break;
    default:
      break;
  }

  SimHistory out;
  out.history = std::move(history_);
  out.model = std::string(SimModelName(model_));
  out.init = init;
  out.linearizable = o_.anomaly == Anomaly::kNone;
  out.note = note_;
  return out;
}

}  // namespace

SimHistory Simulate(const SimOptions& options) { return Simulator(options).Run(); }

}  // namespace coordcheck::test
