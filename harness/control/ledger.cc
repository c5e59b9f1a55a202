#include "harness/control/ledger.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "harness/control/process.h"

namespace coordcheck::control {
namespace {

std::string UtcNow() {
  const std::time_t now = std::time(nullptr);
  std::tm tm;
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Status WriteAllAndSync(int fd, const std::string& data, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::Error("ledger " + path + ": write: " + ErrnoText(errno));
    done += static_cast<size_t>(n);
  }
  if (fsync(fd) < 0) return Status::Error("ledger " + path + ": fsync: " + ErrnoText(errno));
  return Status::Ok();
}

}  // namespace

std::string LedgerDir(const std::string& state_dir) { return state_dir + "/ledgers"; }

std::string LedgerPath(const std::string& state_dir, const std::string& run_id) {
  return LedgerDir(state_dir) + "/" + run_id + ".jsonl";
}

nlohmann::json MakeLedgerHeader(const std::string& run_id, const std::string& backend,
                                const std::string& state_dir) {
  const pid_t self = getpid();
  auto stat = ReadProcStat(self);
  return {{"kind", "header"},       {"version", 1},
          {"run_id", run_id},       {"backend", backend},
          {"controller_pid", self}, {"controller_start_time", stat ? stat->start_time : 0},
          {"created", UtcNow()},    {"state_dir", state_dir}};
}

Result<std::unique_ptr<Ledger>> Ledger::Create(const std::string& path,
                                               const nlohmann::json& header) {
  UniqueFd fd(open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644));
  if (!fd.valid()) return Status::Error("cannot create ledger " + path + ": " + ErrnoText(errno));
  if (Status s = WriteAllAndSync(fd.get(), header.dump() + "\n", path); !s.ok()) {
    unlink(path.c_str());
    return s;
  }
  return std::unique_ptr<Ledger>(new Ledger(path, std::move(fd)));
}

Status Ledger::Append(const nlohmann::json& entry) { return AppendAll({entry}); }

Status Ledger::AppendAll(const std::vector<nlohmann::json>& entries) {
  std::string lines;
  for (const auto& e : entries) lines += e.dump() + "\n";
  std::lock_guard lock(mu_);
  if (!fd_.valid()) return Status::Error("ledger " + path_ + " was already removed");
  return WriteAllAndSync(fd_.get(), lines, path_);
}

Status Ledger::Remove() {
  std::lock_guard lock(mu_);
  if (!fd_.valid()) return Status::Ok();
  fd_.Reset();
  if (unlink(path_.c_str()) < 0 && errno != ENOENT) {
    return Status::Error("cannot remove ledger " + path_ + ": " + ErrnoText(errno));
  }
  return Status::Ok();
}

Result<LedgerContents> ReadLedger(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error("cannot open ledger " + path + ": " + ErrnoText(errno));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  LedgerContents contents;
  contents.path = path;
  size_t pos = 0;
  int line_no = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    const bool torn = end == std::string::npos;
    if (torn) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (line.empty()) continue;
    auto parsed = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded() || !parsed.is_object() || !parsed.contains("kind")) {
      if (torn) break;  // an append cut short: the thing it named was never created
      return Status::Error(path + ":" + std::to_string(line_no) + ": not a ledger entry");
    }
    if (line_no == 1) {
      if (parsed["kind"] != "header") {
        return Status::Error(path + ":1: the first line is not a ledger header");
      }
      contents.header = std::move(parsed);
    } else {
      contents.entries.push_back(std::move(parsed));
    }
  }
  if (contents.header.is_null()) return Status::Error(path + ": empty ledger (no header)");
  return contents;
}

std::vector<std::string> ListLedgers(const std::string& state_dir) {
  std::vector<std::string> paths;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(LedgerDir(state_dir), ec)) {
    if (entry.path().extension() == ".jsonl") paths.push_back(entry.path().string());
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

bool ControllerAlive(const nlohmann::json& header) {
  const auto pid = header.find("controller_pid");
  const auto start_time = header.find("controller_start_time");
  if (pid == header.end() || start_time == header.end() || !pid->is_number_integer() ||
      !start_time->is_number_integer() || pid->get<int64_t>() <= 0) {
    return false;
  }
  return ProcessMatches(static_cast<pid_t>(pid->get<int64_t>()), start_time->get<uint64_t>());
}

Result<UniqueFd> LockLedgerDir(const std::string& state_dir) {
  const std::string path = LedgerDir(state_dir) + "/.lock";
  UniqueFd fd(open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!fd.valid()) return Status::Error("cannot open " + path + ": " + ErrnoText(errno));
  while (flock(fd.get(), LOCK_EX) < 0) {
    if (errno != EINTR) return Status::Error("cannot lock " + path + ": " + ErrnoText(errno));
  }
  return fd;
}

}  // namespace coordcheck::control
