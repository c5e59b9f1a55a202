#include "targets/redis/redlock.h"

#include <algorithm>

#include "base/strings.h"

namespace coordcheck::redis {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// "[a, b]".
std::string Bracketed(const std::vector<std::string>& items) { return "[" + Join(items, ", ") + "]"; }

}  // namespace

int64_t RedlockClient::DriftMs(int64_t ttl_ms) { return (ttl_ms + 99) / 100 + 2; }

Status RedlockClient::Open(const LockEnv& env) {
  Close();
  auto options = CheckLockEnv(env, "redlock");
  if (!options.ok()) return options.status();
  env_ = env;
  options_ = *options;
  random_.emplace(env.seed);
  for (size_t i = 0; i < env.nodes.size(); ++i) {
    connections_.push_back(std::make_unique<RespConnection>(env.dialer, env.nodes[i],
                                                            env.addresses[i], options_.port));
  }
  return Status::Ok();
}

void RedlockClient::Close() { connections_.clear(); }

Clock::time_point RedlockClient::InstanceDeadline(Clock::time_point deadline) const {
  return std::min(deadline, Clock::now() + milliseconds(options_.instance_timeout_ms));
}

Result<int64_t> RedlockClient::Unlock(size_t i, const std::string& token,
                                      Clock::time_point deadline, bool* uncertain) {
  auto reply = connections_[i]->Call({"EVAL", kUnlockScript, "1", env_.lock_name, token},
                                     InstanceDeadline(deadline), uncertain);
  if (!reply.ok()) return reply.status();
  if (reply->type != Reply::Type::kInteger) {
    return Status::Error(connections_[i]->where() + ": unlock script answered " +
                         reply->ToString());
  }
  return reply->integer;
}

Result<Grant> RedlockClient::Acquire(Clock::time_point deadline, bool* uncertain) {
  *uncertain = false;  // never set: see the header
  if (connections_.empty()) return Status::Error("redlock: Acquire before Open");
  const size_t n = connections_.size();
  const std::string ttl = std::to_string(env_.ttl_ms);
  const int64_t drift_ms = DriftMs(env_.ttl_ms);
  std::string last;  // what the last attempt saw
  for (int attempts = 1;; ++attempts) {
    if (Clock::now() >= deadline) {
      return Status::Error(
          "redlock: acquire: deadline passed" +
          (last.empty() ? std::string()
                        : " after " + std::to_string(attempts - 1) + " attempts; last: " + last));
    }
    const std::string token = random_->NextToken();
    const auto t1 = Clock::now();
    std::vector<size_t> won, maybe;
    std::vector<std::string> notes;  // per instance not won: why
    for (size_t i = 0; i < n; ++i) {
      bool sent_maybe = false;
      auto reply = connections_[i]->Call({"SET", env_.lock_name, token, "NX", "PX", ttl},
                                         InstanceDeadline(deadline), &sent_maybe);
      if (reply.ok() && reply->is_ok()) {
        won.push_back(i);
      } else if (!reply.ok()) {
        if (sent_maybe) maybe.push_back(i);
        notes.push_back(reply.message() + (sent_maybe ? " (may have set it)" : ""));
      } else if (reply->is_nil()) {
        notes.push_back(connections_[i]->where() + ": held by another client");
      } else {
        notes.push_back(connections_[i]->where() + ": SET answered " + reply->ToString());
      }
    }
    const int64_t elapsed_ms = std::chrono::ceil<milliseconds>(Clock::now() - t1).count();
    const int64_t validity_ms = env_.ttl_ms - elapsed_ms - drift_ms;
    std::vector<std::string> won_nodes, maybe_nodes;
    for (size_t i : won) won_nodes.push_back(env_.nodes[i]);
    for (size_t i : maybe) maybe_nodes.push_back(env_.nodes[i]);
    if (won.size() >= quorum() && validity_ms > 0) {
      Grant grant;
      grant.token = token;
      grant.validity_ms = validity_ms;
      grant.detail = {{"won", won_nodes},     {"maybe", maybe_nodes},     {"quorum", quorum()},
                      {"attempts", attempts}, {"elapsed_ms", elapsed_ms}, {"drift_ms", drift_ms}};
      return grant;
    }

    // Undo the attempt where our token may be.
    std::vector<size_t> undo = won;
    undo.insert(undo.end(), maybe.begin(), maybe.end());
    std::vector<std::string> left_behind;
    for (size_t i : undo) {
      if (Clock::now() >= deadline) {
        // No time to wait for an answer: send the unlock on a live connection and go.
        if (!connections_[i]->SendAndClose({"EVAL", kUnlockScript, "1", env_.lock_name, token})) {
          left_behind.push_back(env_.nodes[i] + " (no time left to unlock)");
        }
        continue;
      }
      bool unlock_maybe = false;
      auto unlocked = Unlock(i, token, deadline, &unlock_maybe);
      if (!unlocked.ok()) left_behind.push_back(env_.nodes[i] + " (" + unlocked.message() + ")");
    }
    last = "won " + Bracketed(won_nodes) + " of " + std::to_string(n) + " (quorum " +
           std::to_string(quorum()) + "), validity " + std::to_string(validity_ms) + " ms";
    for (const std::string& note : notes) last += "; " + note;
    if (!left_behind.empty()) {
      last += "; not unlocked, left to expire: " + Bracketed(left_behind);
    }
    // A retry needs time to give at least one instance its full timeout.
    if (!PauseForRetry(*random_, deadline, milliseconds(options_.instance_timeout_ms))) {
      return Status::Error("redlock: acquire: lock not acquired after " + std::to_string(attempts) +
                           " attempts until the deadline; last: " + last);
    }
  }
}

Status RedlockClient::Release(const Grant& grant, Clock::time_point deadline, bool* uncertain) {
  *uncertain = false;
  if (connections_.empty()) return Status::Error("redlock: Release before Open");
  std::vector<std::string> released, gone, unknown;
  for (size_t i = 0; i < connections_.size(); ++i) {
    if (Clock::now() >= deadline) {
      unknown.push_back(env_.nodes[i] + " (not tried: deadline)");
      continue;
    }
    bool maybe = false;
    auto unlocked = Unlock(i, grant.token, deadline, &maybe);
    if (!unlocked.ok()) {
      unknown.push_back(env_.nodes[i] + " (" + unlocked.message() + ")");
    } else if (*unlocked == 1) {
      released.push_back(env_.nodes[i]);
    } else {
      gone.push_back(env_.nodes[i]);
    }
  }
  if (released.size() >= quorum()) return Status::Ok();
  const std::string summary = "released on " + Bracketed(released) + ", gone on " + Bracketed(gone) +
                              ", unknown on " + Bracketed(unknown) + " (quorum " +
                              std::to_string(quorum()) + ")";
  if (released.size() + unknown.size() < quorum()) {
    return Status::Error("redlock: release: lock already expired or taken: " + summary);
  }
  *uncertain = true;
  return Status::Error("redlock: release: cannot tell whether the lock was still held: " + summary);
}

}  // namespace coordcheck::redis
