#include "targets/lock/workload_client.h"

#include <algorithm>
#include <thread>

#include "workloads/lock/ops.h"
#include "targets/client_faults.h"

namespace coordcheck::lock {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// A process's own seed from the clients' seed (splitmix64 of both).
uint64_t ProcessSeed(uint64_t seed, int64_t process) {
  uint64_t z = seed ^ (0x9e3779b97f4a7c15ull * static_cast<uint64_t>(process + 1));
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

Json FenceJson(const std::optional<int64_t>& fence) { return fence ? Json(*fence) : Json(nullptr); }

// The time a write needs before the deadline: a round trip on a healthy network is well
// under a millisecond; this leaves room for a delayed one.
constexpr milliseconds kWriteReserve{300};

}  // namespace

LockWorkloadClient::LockWorkloadClient(LockClientFactory factory) : factory_(std::move(factory)) {}

LockWorkloadClient::~LockWorkloadClient() { Close(); }

// Remembers where everything is. The LockClient is opened by the first op, when the
// process (and so its seed) is known.
Status LockWorkloadClient::Open(const ClientEnv& env, const std::string& node) {
  auto options = ParseLockWorkloadOptions(env.workload_options);
  if (!options.ok()) return options.status();
  options_ = *options;
  if (env.extra_nodes != 1 || env.nodes.size() < 2) {
    return Status::Error(
        "the lock workload needs the lock service's nodes and one resource node");
  }
  const std::string& resource_node = env.nodes.back();
  auto address = env.addresses.find(resource_node);
  if (address == env.addresses.end()) {
    return Status::Error("no address for the resource node " + resource_node);
  }
  if (auto st = resource_.Open(env.dialer, address->second, options_.resource_port); !st.ok()) {
    return st;
  }
  lock_env_.dialer = env.dialer;
  lock_env_.nodes.assign(env.nodes.begin(), env.nodes.end() - 1);
  lock_env_.addresses.clear();
  for (const std::string& n : lock_env_.nodes) {
    auto it = env.addresses.find(n);
    if (it == env.addresses.end()) return Status::Error("no address for node " + n);
    lock_env_.addresses.push_back(it->second);
  }
  lock_env_.node = node;
  lock_env_.ttl_ms = options_.ttl_ms;
  lock_env_.options = env.options;
  faults_ = env.client_faults;
  concurrency_ = env.concurrency;
  seed_ = env.seed;
  return Status::Ok();
}

void LockWorkloadClient::Close() {
  if (lock_) {
    lock_->Close();  // like a crash: a held lease or key expires by itself
    lock_.reset();
  }
  lock_open_ = false;
  held_.reset();
  resource_.Close();
}

Op LockWorkloadClient::Invoke(const Op& invoke, Deadline deadline) {
  if (invoke.f == lock_ops::kResourceLog || invoke.f == lock_ops::kResourceRead) {
    resource::Reply reply = invoke.f == lock_ops::kResourceLog ? resource_.Log(deadline)
                                                                : resource_.Read("", invoke.process,
                                                                                 std::nullopt,
                                                                                 deadline);
    if (reply.ok()) return Complete(invoke, OpType::kOk, reply.value, nullptr);
    return Complete(invoke, reply.failed() ? OpType::kFail : OpType::kInfo, nullptr, reply.error);
  }
  if (invoke.f != lock_ops::kAcquire && invoke.f != lock_ops::kIncrement &&
      invoke.f != lock_ops::kRelease) {
    return Complete(invoke, OpType::kFail, nullptr, "the lock workload has no op '" + invoke.f + "'");
  }
  if (!lock_open_) {
    lock_ = factory_();
    lock_env_.seed = ProcessSeed(seed_, invoke.process);
    if (auto st = lock_->Open(lock_env_); !st.ok()) {
      lock_.reset();
      return Complete(invoke, OpType::kFail, nullptr, "open: " + st.message());
    }
    lock_open_ = true;
  }
  if (invoke.f == lock_ops::kAcquire) return Acquire(invoke, deadline);
  if (invoke.f == lock_ops::kIncrement) return Increment(invoke, deadline);
  return Release(invoke, deadline);
}

Op LockWorkloadClient::Acquire(const Op& invoke, Deadline deadline) {
  if (held_) {
    // The cycle releases before it acquires again; holding here would be a workload bug.
    return Complete(invoke, OpType::kFail, nullptr, "already holding the lock");
  }
  bool uncertain = false;
  auto grant = lock_->Acquire(deadline, &uncertain);
  if (!grant.ok()) {
    return Complete(invoke, uncertain ? OpType::kInfo : OpType::kFail, nullptr, grant.message());
  }
  held_ = *grant;
  return Complete(invoke, OpType::kOk,
                  Json{{"token", grant->token},
                       {"fence", FenceJson(grant->fence)},
                       {"validity_ms", grant->validity_ms},
                       {"detail", grant->detail}},
                  nullptr);
}

Op LockWorkloadClient::Increment(const Op& invoke, Deadline deadline) {
  if (!held_) return Complete(invoke, OpType::kFail, nullptr, "lock not held");
  const std::string cs = std::to_string(invoke.process) + "-" + std::to_string(++sections_);
  const std::optional<int64_t> fence = held_->fence;
  Json value{{"cs", cs}, {"fence", FenceJson(fence)}};

  resource::Reply read = resource_.Read(cs, invoke.process, fence, deadline);
  if (!read.ok()) {
    // Nothing was written: the critical section certainly had no effect.
    return Complete(invoke, OpType::kFail, value, "read: " + read.error);
  }
  if (!read.value.is_number_integer()) {
    return Complete(invoke, OpType::kFail, value, "read: the counter is not an integer: " + read.value.dump());
  }
  const int64_t counter = read.value.get<int64_t>();
  value["read"] = counter;
  value["wrote"] = counter + 1;

  const auto read_at = Clock::now();
  auto hold_until = read_at + milliseconds(options_.hold_ms);
  if (faults_ != nullptr && concurrency_ > 0) {
    const int thread = static_cast<int>(invoke.process % concurrency_);
    if (auto pause = faults_->TakePause(thread)) {
      // A stop-the-world pause: the whole client stops, its background threads included.
      const auto latest = deadline - kWriteReserve;
      auto until = std::min(hold_until + milliseconds(*pause), std::max(latest, hold_until));
      const auto paused = std::chrono::duration_cast<milliseconds>(until - hold_until);
      lock_->PauseBackground(paused);
      value["paused_ms"] = paused.count();
      hold_until = until;
    }
  }
  SleepUntil(hold_until, deadline);

  resource::Reply wrote = resource_.Write(cs, invoke.process, fence, counter + 1, deadline);
  if (wrote.ok()) {
    value["accepted"] = true;
    return Complete(invoke, OpType::kOk, value, nullptr);
  }
  if (wrote.failed()) {
    value["accepted"] = false;
    return Complete(invoke, OpType::kFail, value, wrote.error);
  }
  return Complete(invoke, OpType::kInfo, value, "write: " + wrote.error);
}

Op LockWorkloadClient::Release(const Op& invoke, Deadline deadline) {
  if (!held_) return Complete(invoke, OpType::kFail, nullptr, "lock not held");
  const Grant grant = *held_;
  held_.reset();
  Json value{{"token", grant.token}};
  bool uncertain = false;
  Status st = lock_->Release(grant, deadline, &uncertain);
  if (st.ok()) return Complete(invoke, OpType::kOk, value, nullptr);
  return Complete(invoke, uncertain ? OpType::kInfo : OpType::kFail, value, st.message());
}

void LockWorkloadClient::SleepUntil(Clock::time_point until, Deadline deadline) {
  std::this_thread::sleep_until(std::min(until, deadline));
}

}  // namespace coordcheck::lock
