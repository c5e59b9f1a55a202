#include "harness/progress.h"

#include <cmath>

namespace coordcheck {
namespace {

// How far back ops/s looks.
constexpr auto kRateWindow = std::chrono::seconds(3);

std::string Fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// "n1 n2" from a JSON array of node names, or "" when it is not one.
std::string Nodes(const Json& v) {
  std::string out;
  if (v.is_object() && v.contains("nodes")) return Nodes(v["nodes"]);
  if (v.is_object() && v.contains("target")) return v["target"].is_string() ? v["target"].get<std::string>() : "";
  if (!v.is_array()) return out;
  for (const Json& n : v) {
    if (n.is_string()) out += (out.empty() ? "" : " ") + n.get<std::string>();
  }
  return out;
}

}  // namespace

Progress::Progress(std::FILE* out, bool enabled) : out_(out), enabled_(enabled) {
  if (enabled_) thread_ = std::thread([this] { Loop(); });
}

Progress::~Progress() {
  if (!enabled_) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    ClearLocked();
  }
  wake_.notify_all();
  thread_.join();
}

void Progress::StartPhase(const std::string& name, double planned_s, const char* limit_word) {
  if (!enabled_) return;
  std::lock_guard<std::mutex> lock(mu_);
  phase_ = name;
  planned_s_ = planned_s;
  limit_word_ = limit_word;
  started_ = Clock::now();
  active_ = true;
  ok_ = fail_ = info_ = 0;  // figures per phase
  recent_.clear();
  DrawLocked(started_);
  wake_.notify_all();
}

void Progress::EndPhase() {
  if (!enabled_) return;
  std::lock_guard<std::mutex> lock(mu_);
  active_ = false;
  ClearLocked();
}

void Progress::Observe(const Op& event) {
  if (!enabled_) return;
  const auto now = Clock::now();
  std::lock_guard<std::mutex> lock(mu_);
  if (event.is_nemesis()) {
    if (event.is_invoke()) return;
    const std::string& f = event.f;
    if (f == "start-partition") {
      faults_["partition"] = event.value.is_object() && event.value.contains("kind")
                                 ? event.value["kind"].get<std::string>()
                                 : "grudge";
    } else if (f == "stop-partition") {
      faults_.erase("partition");
    } else if (f == "start-packet") {
      faults_["packet"] = Nodes(event.value);
    } else if (f == "stop-packet") {
      faults_.erase("packet");
    } else if (f == "bump-clock" || f == "strobe-clock") {
      faults_["clock"] = f == "bump-clock" ? "bumped" : "strobing";
    } else if (f == "reset-clock") {
      faults_.erase("clock");
    } else if (f == "kill" || f == "pause") {
      faults_[f == "kill" ? "killed" : "paused"] = Nodes(event.value);
    } else if (f == "start") {
      faults_.erase("killed");
    } else if (f == "resume") {
      faults_.erase("paused");
    } else if (f == "pause-client") {
      const int64_t ms = event.value.is_object() ? event.value.value("ms", int64_t{0}) : 0;
      faults_["client pause"] = std::to_string(ms) + " ms";
      until_["client pause"] = now + std::chrono::milliseconds(ms);
    }
    return;
  }
  if (event.is_invoke()) return;
  switch (event.type) {
    case OpType::kOk: ++ok_; break;
    case OpType::kFail: ++fail_; break;
    default: ++info_; break;
  }
  recent_.push_back(now);
}

void Progress::Print(const std::string& line) {
  if (!enabled_) {
    std::fprintf(out_, "%s\n", line.c_str());
    return;
  }
  std::lock_guard<std::mutex> lock(mu_);
  ClearLocked();
  std::fprintf(out_, "%s\n", line.c_str());
  if (active_) DrawLocked(Clock::now());
  std::fflush(out_);
}

std::string Progress::Render(Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  return RenderLocked(now);
}

std::string Progress::RenderLocked(Clock::time_point now) {
  const double elapsed = std::chrono::duration<double>(now - started_).count();
  std::string line = phase_ + " " + Fixed(elapsed, 0) + " s";
  if (planned_s_ > 0) {
    line += " of " + Fixed(planned_s_, 0) + " s";
    if (limit_word_ == "left") {
      line += elapsed < planned_s_
                  ? " (" + Fixed(planned_s_ - elapsed, 0) + " s left)"
                  : " (waiting for the ops in flight)";
    } else {
      line += " " + limit_word_;
    }
  }
  while (!recent_.empty() && now - recent_.front() > kRateWindow) recent_.pop_front();
  if (ok_ + fail_ + info_ > 0) {
    const double window = std::min(std::chrono::duration<double>(kRateWindow).count(),
                                   std::max(elapsed, 0.001));
    line += " | " + Fixed(static_cast<double>(recent_.size()) / window, 0) + " ops/s, ok " +
            std::to_string(ok_) + " fail " + std::to_string(fail_) + " info " +
            std::to_string(info_);
  }
  for (auto it = until_.begin(); it != until_.end();) {
    if (now >= it->second) {
      faults_.erase(it->first);
      it = until_.erase(it);
    } else {
      ++it;
    }
  }
  if (!faults_.empty()) {
    line += " | faults:";
    for (const auto& [family, what] : faults_) {
      line += " " + family + (what.empty() ? "" : " (" + what + ")");
    }
  }
  return line;
}

void Progress::ClearLocked() {
  if (!drawn_) return;
  std::fprintf(out_, "\r\033[K");
  std::fflush(out_);
  drawn_ = false;
}

void Progress::DrawLocked(Clock::time_point now) {
  std::fprintf(out_, "\r\033[K%s", RenderLocked(now).c_str());
  std::fflush(out_);
  drawn_ = true;
}

void Progress::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    wake_.wait_for(lock, std::chrono::milliseconds(250));
    if (stopping_) break;
    if (active_) DrawLocked(Clock::now());
  }
}

}  // namespace coordcheck
