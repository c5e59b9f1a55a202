#include "targets/kvd/store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace coordcheck::kvd {
namespace {

using Clock = std::chrono::steady_clock;

const Json kNull = nullptr;

std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

// fsync of the directory `dir`, so the entries made in it are durable.
Status SyncDir(const std::string& dir) {
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || fsync(fd) < 0) {
    const std::string why = std::strerror(errno);
    if (fd >= 0) close(fd);
    return Status::Error("cannot fsync data dir " + dir + ": " + why);
  }
  close(fd);
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Store>> Store::Open(const StoreOptions& options,
                                                    ChangeListener listener) {
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) {
    return Result<std::unique_ptr<Store>>::Error("cannot create data dir " +
                                                          options.data_dir + ": " + ec.message());
  }
  std::unique_ptr<Store> store(new Store(options, std::move(listener)));
  store->log_path_ = options.data_dir + "/data.jsonl";
  if (Status s = store->Replay(store->log_path_); !s.ok()) return s;
  const bool existed = std::filesystem::exists(store->log_path_, ec);
  store->log_ = std::fopen(store->log_path_.c_str(), "a");
  if (store->log_ == nullptr) {
    return Result<std::unique_ptr<Store>>::Error("cannot open " + store->log_path_ + ": " +
                                                          std::strerror(errno));
  }
  store->sync_fd_ = fcntl(fileno(store->log_), F_DUPFD_CLOEXEC, 0);
  if (store->sync_fd_ < 0) {
    return Result<std::unique_ptr<Store>>::Error("cannot dup the descriptor of " +
                                                 store->log_path_ + ": " + std::strerror(errno));
  }
  if (options.sync && !existed) {
    if (Status s = SyncDir(options.data_dir); !s.ok()) return s;
  }
  if (options.lost_cas) store->applier_ = std::thread([s = store.get()] { s->RunApplier(); });
  return store;
}

Store::Store(const StoreOptions& options, ChangeListener listener)
    : options_(options), listener_(std::move(listener)), rng_(options.seed) {}

Store::~Store() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  applier_cv_.notify_all();
  if (applier_.joinable()) applier_.join();
  Close();
  if (sync_fd_ >= 0) close(sync_fd_);
}

Status Store::Replay(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Ok();  // first start
  std::stringstream content;
  content << in.rdbuf();
  const std::string text = content.str();
  size_t pos = 0;
  size_t valid_end = 0;
  int64_t line_no = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    ++line_no;
    if (nl == std::string::npos) break;  // torn last line
    Json rec = Json::parse(std::string_view(text).substr(pos, nl - pos), nullptr, false);
    bool good = rec.is_object() && rec.contains("k") && rec.contains("v");
    if (!good) {
      if (nl + 1 < text.size()) {
        return Status::Error(path + ":" + std::to_string(line_no) +
                                      ": corrupt data log entry");
      }
      break;  // torn last line that happens to end in '\n'
    }
    data_[Dump(rec["k"])] = rec["v"];
    ++replayed_;
    pos = nl + 1;
    valid_end = pos;
  }
  if (valid_end < text.size()) {
    std::error_code ec;
    std::filesystem::resize_file(path, valid_end, ec);
    if (ec)
      return Status::Error("cannot truncate torn tail of " + path + ": " + ec.message());
    std::fprintf(stderr, "kvd: cut %zu bytes of a torn last entry from %s\n",
                 text.size() - valid_end, path.c_str());
  }
  return Status::Ok();
}

void Store::ApplyLocked(const std::string& key_name, const Json& key, const Json& value) {
  std::string line = Dump(Json{{"k", key}, {"v", value}});
  line += '\n';
  if (std::fwrite(line.data(), 1, line.size(), log_) != line.size() || std::fflush(log_) != 0) {
    std::fprintf(stderr, "kvd: cannot append to %s: %s; exiting\n", log_path_.c_str(),
                 std::strerror(errno));
    std::fflush(stderr);
    _exit(1);
  }
  ++written_;
  data_[key_name] = value;
  if (listener_) listener_(key, value);
}

const Json& Store::GetLocked(const std::string& key_name) const {
  auto it = data_.find(key_name);
  return it == data_.end() ? kNull : it->second;
}

Response Store::Execute(const Request& request) {
  std::unique_lock<std::mutex> lock(mu_);
  Response response = ExecuteLocked(request, lock);
  // Everything this answer shows — its own change, or what other changes wrote — is durable
  // before it leaves.
  const uint64_t shown = written_.load();
  if (lock.owns_lock()) lock.unlock();
  if (options_.sync) WaitDurable(shown);
  return response;
}

void Store::WaitDurable(uint64_t lines) {
  std::unique_lock<std::mutex> lock(sync_mu_);
  while (synced_ < lines) {
    if (syncing_) {
      sync_cv_.wait(lock);
      continue;
    }
    // This thread syncs for everyone: every line written so far, whoever wrote it.
    syncing_ = true;
    const uint64_t target = written_.load();
    lock.unlock();
    const int r = fdatasync(sync_fd_);
    const int err = errno;
    lock.lock();
    syncing_ = false;
    if (r != 0) {
      std::fprintf(stderr, "kvd: cannot fdatasync %s: %s; exiting\n", log_path_.c_str(),
                   std::strerror(err));
      std::fflush(stderr);
      _exit(1);
    }
    synced_ = std::max(synced_, target);
    sync_cv_.notify_all();
  }
}

Response Store::ExecuteLocked(const Request& request, std::unique_lock<std::mutex>& lock) {
  if (request.f == "read") return OkResponse(request.id, GetLocked(request.key_name));
  if (request.f != "write" && request.f != "cas") {
    return FailResponse(request.id, "unknown f \"" + request.f + "\"");
  }
  if (log_ == nullptr) return FailResponse(request.id, "shutting down");
  if (request.f == "write") {
    if (options_.lost_cas) pending_.erase(request.key_name);
    ApplyLocked(request.key_name, request.key, request.value);
    return OkResponse(request.id, nullptr);
  }
  if (!request.value.is_array() || request.value.size() != 2) {
    return FailResponse(request.id, "bad request: cas value must be [expected, new]");
  }
  if (GetLocked(request.key_name) != request.value[0]) return FailResponse(request.id, "mismatch");
  if (!options_.lost_cas) {
    ApplyLocked(request.key_name, request.key, request.value[1]);
    return OkResponse(request.id, nullptr);
  }
  const uint64_t token = next_token_++;
  const int mean = std::max(options_.lost_cas_delay_ms, 1);
  std::uniform_int_distribution<int> delay(mean / 2, mean + mean / 2);
  pending_[request.key_name].push_back({token, request.key, request.value[1]});
  timers_.push({Clock::now() + std::chrono::milliseconds(delay(rng_)), request.key_name, token});
  lock.unlock();
  applier_cv_.notify_one();
  return OkResponse(request.id, nullptr);
}

void Store::RunApplier() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    if (timers_.empty()) {
      applier_cv_.wait(lock);
      continue;
    }
    Timer next = timers_.top();
    if (Clock::now() < next.due) {
      applier_cv_.wait_until(lock, next.due);
      continue;
    }
    timers_.pop();
    auto it = pending_.find(next.key_name);
    if (it == pending_.end()) continue;  // discarded by a write
    auto& queue = it->second;
    for (auto p = queue.begin(); p != queue.end(); ++p) {
      if (p->token != next.token) continue;
      PendingCas cas = std::move(*p);
      queue.erase(p);
      if (log_ != nullptr) ApplyLocked(next.key_name, cas.key, cas.value);
      break;
    }
    if (queue.empty()) pending_.erase(it);
  }
}

size_t Store::size() {
  std::lock_guard<std::mutex> lock(mu_);
  return data_.size();
}

void Store::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  if (log_ != nullptr) {
    std::fclose(log_);
    log_ = nullptr;
  }
}

}  // namespace coordcheck::kvd
