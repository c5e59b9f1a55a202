#include "targets/kvd/replicator.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "targets/kvd/protocol.h"
#include "targets/wire/wire.h"

namespace coordcheck::kvd {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxQueue = 1'000'000;
constexpr auto kAnswerTimeout = std::chrono::seconds(2);
constexpr auto kRetryPause = std::chrono::milliseconds(100);

}  // namespace

Replicator::Replicator(const ReplicatorOptions& options) : options_(options), rng_(options.seed) {
  for (const std::string& address : options_.followers) {
    auto follower = std::make_unique<Follower>();
    follower->address = address;
    followers_.push_back(std::move(follower));
  }
  for (auto& follower : followers_) {
    follower->thread = std::thread([this, f = follower.get()] { Run(f); });
  }
}

Replicator::~Replicator() {
  for (auto& follower : followers_) {
    {
      std::lock_guard<std::mutex> lock(follower->mu);
      follower->stopping = true;
    }
    follower->cv.notify_all();
  }
  for (auto& follower : followers_) follower->thread.join();
}

void Replicator::Publish(const Json& key, const Json& value) {
  const auto now = Clock::now();
  for (auto& follower : followers_) {
    int delay_ms;
    {
      std::lock_guard<std::mutex> lock(rng_mu_);
      const int mean = std::max(options_.delay_ms, 1);
      delay_ms = std::uniform_int_distribution<int>(mean / 2, mean + mean / 2)(rng_);
    }
    {
      std::lock_guard<std::mutex> lock(follower->mu);
      auto due = std::max(now + std::chrono::milliseconds(delay_ms), follower->last_due);
      follower->last_due = due;
      if (follower->queue.size() >= kMaxQueue) {
        follower->queue.pop_front();
        if (!follower->dropped_logged) {
          std::fprintf(stderr, "kvd %s: replication queue to %s full; dropping oldest changes\n",
                       options_.node.c_str(), follower->address.c_str());
          follower->dropped_logged = true;
        }
      }
      follower->queue.push_back({due, key, value});
    }
    follower->cv.notify_one();
  }
}

void Replicator::Run(Follower* follower) {
  std::string host;
  int port = 0;
  if (!wire::ParseHostPort(follower->address, &host, &port)) {
    std::fprintf(stderr, "kvd %s: bad follower address %s\n", options_.node.c_str(),
                 follower->address.c_str());
    return;
  }
  int fd = -1;
  wire::LineReader reader;
  int64_t next_id = 1;
  bool failing = false;
  std::unique_lock<std::mutex> lock(follower->mu);
  while (!follower->stopping) {
    if (follower->queue.empty()) {
      follower->cv.wait(lock);
      continue;
    }
    const Change change = follower->queue.front();
    if (Clock::now() < change.due) {
      follower->cv.wait_until(lock, change.due);
      continue;
    }
    lock.unlock();
    std::string error;
    if (fd >= 0 && !wire::IdleConnectionUsable(fd)) {
      close(fd);
      fd = -1;
    }
    if (fd < 0) {
      auto dialed =
          wire::DialTcp(host, port, std::chrono::milliseconds(options_.connect_timeout_ms));
      if (dialed.ok()) {
        fd = *dialed;
        reader.Reset();
      } else {
        error = dialed.message();
      }
    }
    bool delivered = false;
    if (fd >= 0) {
      const Json id = next_id++;
      std::string line = EncodeRequest(id, "replicate", change.key, change.value) + "\n";
      const wire::Deadline deadline = Clock::now() + kAnswerTimeout;
      size_t sent = 0;
      wire::IoResult io = wire::WriteAll(fd, line, deadline, &sent);
      std::string answer;
      if (io.ok()) io = reader.ReadLine(fd, deadline, &answer);
      Response response;
      if (!io.ok()) {
        error = io.error;
      } else if (!ParseResponse(answer, &response, &error) || response.id != id ||
                 response.type != "ok") {
        error = "bad answer: " + answer;
      } else {
        delivered = true;
      }
      if (!delivered) {
        close(fd);
        fd = -1;
      }
    }
    if (delivered != !failing) {
      std::fprintf(stderr, "kvd %s: replication to %s %s\n", options_.node.c_str(),
                   follower->address.c_str(),
                   delivered ? "resumed" : ("failing: " + error).c_str());
      failing = !delivered;
    }
    lock.lock();
    if (delivered) {
      // Publish only appends, so the change sent is still at the front unless it was dropped
      // for a full queue.
      if (!follower->queue.empty() && follower->queue.front().due == change.due &&
          follower->queue.front().key == change.key) {
        follower->queue.pop_front();
      }
    } else {
      follower->cv.wait_for(lock, kRetryPause, [follower] { return follower->stopping; });
    }
  }
  lock.unlock();
  if (fd >= 0) close(fd);
}

}  // namespace coordcheck::kvd
