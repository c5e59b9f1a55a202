#include "targets/resource/state.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace coordcheck::resource {
namespace {


constexpr char kFileName[] = "resource.jsonl";

int64_t MonotonicNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

Json OrNull(const std::optional<int64_t>& v) { return v ? Json(*v) : Json(); }

std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

// Writes all of `line` to fd; "" or the error.
std::string WriteLine(int fd, const std::string& line) {
  size_t done = 0;
  while (done < line.size()) {
    ssize_t n = write(fd, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::strerror(n < 0 ? errno : EIO);
    done += static_cast<size_t>(n);
  }
  return "";
}

}  // namespace

std::string_view ModeName(Mode mode) { return mode == Mode::kFenced ? "fenced" : "unfenced"; }

bool ParseMode(std::string_view name, Mode* mode) {
  if (name == "fenced") {
    *mode = Mode::kFenced;
  } else if (name == "unfenced") {
    *mode = Mode::kUnfenced;
  } else {
    return false;
  }
  return true;
}

ResourceState::ResourceState(const StateOptions& options) : options_(options) {}

ResourceState::~ResourceState() {
  if (fd_ >= 0) close(fd_);
}

Result<std::unique_ptr<ResourceState>> ResourceState::Open(const StateOptions& options) {
  std::unique_ptr<ResourceState> state(new ResourceState(options));
  state->base_ns_ = MonotonicNs();
  if (!options.data_dir.empty()) {
    if (Status s = state->Replay(); !s.ok()) return s;
  }
  return state;
}

Status ResourceState::Replay() {
  const std::string path = options_.data_dir + "/" + kFileName;
  std::error_code ec;
  std::filesystem::create_directories(options_.data_dir, ec);
  if (ec) return Status::Error("cannot create " + options_.data_dir + ": " + ec.message());
  fd_ = open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) return Status::Error("cannot open " + path + ": " + std::strerror(errno));
  std::string content;
  char buffer[65536];
  while (true) {
    ssize_t n = read(fd_, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::Error("cannot read " + path + ": " + std::strerror(errno));
    if (n == 0) break;
    content.append(buffer, static_cast<size_t>(n));
  }
  // Drop a torn last line (a write cut short by a kill).
  const size_t complete = content.rfind('\n') == std::string::npos ? 0 : content.rfind('\n') + 1;
  if (complete != content.size()) {
    if (ftruncate(fd_, static_cast<off_t>(complete)) != 0) {
      return Status::Error("cannot truncate the torn last line of " + path + ": " +
                           std::strerror(errno));
    }
    content.resize(complete);
  }
  if (content.empty()) {
    std::string error = WriteLine(fd_, Dump(Json{{"base_ns", base_ns_}}) + "\n");
    if (!error.empty()) return Status::Error("cannot write " + path + ": " + error);
    return Status::Ok();
  }
  size_t begin = 0;
  int64_t line_no = 0;
  while (begin < content.size()) {
    const size_t end = content.find('\n', begin);
    const std::string_view line(content.data() + begin, end - begin);
    begin = end + 1;
    ++line_no;
    const std::string where = path + ":" + std::to_string(line_no) + ": ";
    Json j = Json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) return Status::Error(where + "not a JSON object");
    if (line_no == 1) {
      auto base = j.find("base_ns");
      if (base == j.end() || !base->is_number_integer()) {
        return Status::Error(where + "the header has no integer base_ns");
      }
      base_ns_ = base->get<int64_t>();
      continue;
    }
    auto seq = j.find("seq");
    auto kind = j.find("kind");
    auto accepted = j.find("accepted");
    auto t = j.find("t_ns");
    if (seq == j.end() || *seq != static_cast<int64_t>(log_.size()) || kind == j.end() ||
        !kind->is_string() || accepted == j.end() || !accepted->is_boolean() || t == j.end() ||
        !t->is_number_integer()) {
      return Status::Error(where + "not entry " + std::to_string(log_.size()) + " of the log");
    }
    if (*kind == "write" && *accepted == true) {
      auto value = j.find("value");
      if (value == j.end() || !value->is_number_integer()) {
        return Status::Error(where + "an accepted write without an integer value");
      }
      counter_ = value->get<int64_t>();
    }
    if (*accepted == true) {  // an accepted read's fence counts too (Execute)
      if (auto fence = j.find("fence"); fence != j.end() && fence->is_number_integer()) {
        const int64_t f = fence->get<int64_t>();
        if (!highest_fence_ || f > *highest_fence_) highest_fence_ = f;
      }
    }
    last_t_ns_ = std::max(last_t_ns_, t->get<int64_t>());
    log_.push_back(std::move(j));
  }
  replayed_ = log_.size();
  return Status::Ok();
}

int64_t ResourceState::NowNs() {
  last_t_ns_ = std::max(last_t_ns_, MonotonicNs() - base_ns_);
  return last_t_ns_;
}

void ResourceState::Append(const Request& request, bool is_write, const Json& value,
                           bool accepted) {
  Json entry = {{"seq", static_cast<int64_t>(log_.size())},
                {"cs", request.cs},
                {"process", OrNull(request.process)},
                {"kind", is_write ? "write" : "read"},
                {"fence", OrNull(request.fence)},
                {"value", value},
                {"accepted", accepted},
                {"t_ns", NowNs()}};
  if (fd_ >= 0 && persist_error_.empty()) {
    std::string error = WriteLine(fd_, Dump(entry) + "\n");
    if (!error.empty()) {
      persist_error_ = "cannot append to " + options_.data_dir + "/" + kFileName + ": " + error;
      std::fprintf(stderr, "resource: %s (serving on from memory)\n", persist_error_.c_str());
    }
  }
  log_.push_back(std::move(entry));
}

Response ResourceState::Execute(const Request& request) {
  std::lock_guard<std::mutex> lock(mu_);
  const bool fenced = options_.mode == Mode::kFenced;
  const bool stale = fenced && request.fence && highest_fence_ && *request.fence < *highest_fence_;
  auto note_fence = [&] {
    if (request.fence && (!highest_fence_ || *request.fence > *highest_fence_)) {
      highest_fence_ = request.fence;
    }
  };
  if (request.f == "read") {
    if (stale) {
      Append(request, /*is_write=*/false, counter_, /*accepted=*/false);
      return {request.id, "fail", Json{{"highest_fence", OrNull(highest_fence_)}}, kStaleFence};
    }
    if (fenced) note_fence();
    Append(request, /*is_write=*/false, counter_, /*accepted=*/true);
    return {request.id, "ok", counter_, nullptr};
  }
  if (request.f == "write") {
    if (!request.value.is_number_integer()) {
      return {request.id, "fail", nullptr, "bad request: write needs an integer value"};
    }
    const int64_t value = request.value.get<int64_t>();
    if (stale || (fenced && !request.fence)) {
      Append(request, /*is_write=*/true, value, /*accepted=*/false);
      return {request.id, "fail", Json{{"highest_fence", OrNull(highest_fence_)}}, kStaleFence};
    }
    counter_ = value;
    note_fence();
    Append(request, /*is_write=*/true, value, /*accepted=*/true);
    return {request.id, "ok",
            Json{{"counter", counter_}, {"highest_fence", OrNull(highest_fence_)}}, nullptr};
  }
  if (request.f == "log") {
    Json all = Json::array();
    for (const Json& entry : log_) all.push_back(entry);
    return {request.id, "ok", std::move(all), nullptr};
  }
  return {request.id, "fail", nullptr, "unknown f \"" + request.f + "\""};
}

int64_t ResourceState::counter() {
  std::lock_guard<std::mutex> lock(mu_);
  return counter_;
}

size_t ResourceState::entries() {
  std::lock_guard<std::mutex> lock(mu_);
  return log_.size();
}

std::string ResourceState::persist_error() {
  std::lock_guard<std::mutex> lock(mu_);
  return persist_error_;
}

}  // namespace coordcheck::resource
