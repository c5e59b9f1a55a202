#include "targets/redis/redis_lock.h"

#include <algorithm>

namespace coordcheck::redis {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr const char* kHeld = "lock held by another client";
constexpr const char* kGone = "lock already expired or taken";
// A retry starts only with this much time left before the deadline (PauseForRetry).
constexpr milliseconds kAttemptReserve(10);

}  // namespace

RedisLockClient::~RedisLockClient() { Close(); }

Status RedisLockClient::Open(const LockEnv& env) {
  Close();
  auto options = CheckLockEnv(env, "redis-lock");
  if (!options.ok()) return options.status();
  env_ = env;
  options_ = *options;
  random_.emplace(env.seed);
  connection_ =
      std::make_unique<RespConnection>(env.dialer, env.nodes[0], env.addresses[0], options_.port);
  if (options_.renew) {
    renew_connection_ =
        std::make_unique<RespConnection>(env.dialer, env.nodes[0], env.addresses[0], options_.port);
    renew_stopping_ = false;
    renew_thread_ = std::thread([this] { RenewLoop(); });
  }
  return Status::Ok();
}

void RedisLockClient::Close() {
  if (renew_thread_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(renew_mu_);
      renew_stopping_ = true;
      renew_token_.clear();
    }
    renew_wake_.notify_all();
    renew_thread_.join();
  }
  renew_connection_.reset();
  connection_.reset();
}

Result<Grant> RedisLockClient::Acquire(Clock::time_point deadline, bool* uncertain) {
  *uncertain = false;
  if (connection_ == nullptr) return Status::Error("redis-lock: Acquire before Open");
  const std::string token = random_->NextToken();
  const std::string ttl = std::to_string(env_.ttl_ms);
  Status last;
  for (int attempts = 1;; ++attempts) {
    const auto sent_at = Clock::now();
    bool maybe = false;
    auto reply =
        connection_->Call({"SET", env_.lock_name, token, "NX", "PX", ttl}, deadline, &maybe);
    if (!reply.ok()) {
      if (maybe) {
        // The SET may have landed: only the key's expiry can tell, and not before the TTL.
        *uncertain = true;
        return reply.status().Wrap("redis-lock: acquire");
      }
      last = reply.status();  // not sent: the instance may come back before the deadline
    } else if (reply->is_ok()) {
      const auto round_trip = std::chrono::ceil<milliseconds>(Clock::now() - sent_at);
      Grant grant;
      grant.token = token;
      grant.validity_ms = std::max<int64_t>(0, env_.ttl_ms - round_trip.count());
      grant.detail = {{"node", env_.nodes[0]}, {"attempts", attempts}};
      if (options_.renew) {
        grant.detail["renew"] = true;
        {
          std::lock_guard<std::mutex> lock(renew_mu_);
          renew_token_ = token;
          renew_next_ = sent_at + milliseconds(std::max<int64_t>(1, env_.ttl_ms / 3));
        }
        renew_wake_.notify_all();
      }
      return grant;
    } else if (reply->is_nil()) {
      last = Status::Error(connection_->where() + ": " + kHeld);
    } else {
      return Status::Error("redis-lock: acquire: " + connection_->where() + ": SET answered " +
                           reply->ToString());
    }
    if (!PauseForRetry(*random_, deadline, kAttemptReserve)) {
      return Status::Error("redis-lock: acquire: " + last.message() + " (" +
                           std::to_string(attempts) + " attempts until the deadline)");
    }
  }
}

void RedisLockClient::StopRenewing(const std::string& token) {
  std::lock_guard<std::mutex> lock(renew_mu_);
  if (renew_token_ == token) renew_token_.clear();
}

Status RedisLockClient::Release(const Grant& grant, Clock::time_point deadline, bool* uncertain) {
  *uncertain = false;
  if (connection_ == nullptr) return Status::Error("redis-lock: Release before Open");
  // Stop renewing first: a renewal racing the delete is harmless either way (the scripts
  // are atomic and both compare the token), but none may follow the release.
  StopRenewing(grant.token);
  bool maybe = false;
  auto reply = connection_->Call({"EVAL", kUnlockScript, "1", env_.lock_name, grant.token},
                                 deadline, &maybe);
  if (!reply.ok()) {
    *uncertain = maybe;
    return reply.status().Wrap("redis-lock: release");
  }
  if (reply->type == Reply::Type::kInteger && reply->integer == 1) return Status::Ok();
  if (reply->type == Reply::Type::kInteger && reply->integer == 0) {
    return Status::Error("redis-lock: release: " + connection_->where() + ": " + kGone);
  }
  return Status::Error("redis-lock: release: " + connection_->where() +
                       ": unlock script answered " + reply->ToString());
}

void RedisLockClient::PauseBackground(milliseconds d) {
  {
    std::lock_guard<std::mutex> lock(renew_mu_);
    renew_next_ = std::max(renew_next_, Clock::now() + d);
  }
  renew_wake_.notify_all();
}

void RedisLockClient::RenewLoop() {
  const milliseconds period(std::max<int64_t>(1, env_.ttl_ms / 3));
  const std::string ttl = std::to_string(env_.ttl_ms);
  std::unique_lock<std::mutex> lock(renew_mu_);
  while (!renew_stopping_) {
    if (renew_token_.empty()) {
      renew_wake_.wait(lock, [&] { return renew_stopping_ || !renew_token_.empty(); });
      continue;
    }
    const std::string token = renew_token_;
    renew_wake_.wait_until(lock, renew_next_,
                           [&] { return renew_stopping_ || renew_token_ != token; });
    if (renew_stopping_ || renew_token_ != token) continue;
    if (Clock::now() < renew_next_) continue;  // pushed back by PauseBackground
    renew_next_ = Clock::now() + period;
    lock.unlock();
    bool maybe = false;
    auto reply = renew_connection_->Call({"EVAL", kRenewScript, "1", env_.lock_name, token, ttl},
                                         Clock::now() + period, &maybe);
    lock.lock();
    if (!reply.ok() || reply->type != Reply::Type::kInteger) continue;  // next period
    if (reply->integer == 1) {
      ++renewals_;
    } else {
      renewal_lost_ = true;
      if (renew_token_ == token) renew_token_.clear();
    }
  }
}

}  // namespace coordcheck::redis
