#include "tests/targets/kvd_workload.h"

#include <memory>
#include <mutex>
#include <random>
#include <thread>

#include "checkers/linearizable.h"
#include "targets/kvd/client.h"

namespace coordcheck::test {

using Clock = std::chrono::steady_clock;

std::string WorkloadResult::Describe() const {
  return std::to_string(history.size()) + " events (ok " + std::to_string(ok) + ", fail " +
         std::to_string(fail) + ", info " + std::to_string(info) + ")";
}

WorkloadResult RunRegisterWorkload(const ClientEnv& env, const std::vector<std::string>& nodes,
                                   const WorkloadOptions& w) {
  WorkloadResult result;
  std::mutex mu;
  const auto start = Clock::now();
  const auto end = start + w.duration;
  auto now_ns = [&] {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count();
  };
  const int n = static_cast<int>(nodes.size());
  std::vector<std::thread> threads;
  for (int t = 0; t < w.threads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(w.seed * 7919 + static_cast<uint64_t>(t));
      auto uniform = [&rng](int bound) {
        return static_cast<int>(rng() % static_cast<uint64_t>(bound));
      };
      std::vector<std::unique_ptr<kvd::KvdClient>> clients;
      for (const std::string& node : nodes) {
        clients.push_back(std::make_unique<kvd::KvdClient>());
        if (!clients.back()->Open(env, node).ok()) return;
      }
      int64_t process = t;
      while (Clock::now() < end) {
        const int node = w.only_node >= 0 ? w.only_node : uniform(n);
        Op invoke;
        invoke.process = process;
        invoke.key = uniform(w.keys);
        invoke.node = nodes[static_cast<size_t>(node)];
        const int dice = uniform(10);
        if (dice < 4) {
          invoke.f = "read";
        } else if (dice < 7) {
          invoke.f = "write";
          invoke.value = uniform(w.values);
        } else {
          invoke.f = "cas";
          invoke.value = Json{uniform(w.values), uniform(w.values)};
        }
        {
          std::lock_guard<std::mutex> lock(mu);
          invoke.time_ns = now_ns();
          result.history.Append(invoke);
        }
        Op done = clients[static_cast<size_t>(node)]->Invoke(invoke, Clock::now() + w.op_timeout);
        {
          std::lock_guard<std::mutex> lock(mu);
          done.time_ns = now_ns();
          done.process = process;
          result.history.Append(done);
          if (done.type == OpType::kOk) ++result.ok;
          if (done.type == OpType::kFail) ++result.fail;
          if (done.type == OpType::kInfo) ++result.info;
        }
        if (done.type == OpType::kInfo) process += w.threads;
        if (w.max_pause_us > 0) {
          std::this_thread::sleep_for(std::chrono::microseconds(uniform(w.max_pause_us)));
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return result;
}

CheckResult CheckCasRegister(const History& history) {
  if (Status invalid = history.Validate(); !invalid) {
    CheckResult result;
    result.valid = Validity::kUnknown;
    result.summary = "history is not valid: " + invalid.message();
    return result;
  }
  LinearizableOptions options;
  options.model = "cas-register";
  options.witness = false;
  CheckBudget budget;
  budget.time_limit = std::chrono::seconds(30);
  return LinearizableChecker(options).Check(history, budget);
}

}  // namespace coordcheck::test
