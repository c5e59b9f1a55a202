#include "harness/control/netns.h"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <thread>
#include <utility>

#include "base/strings.h"
#include "harness/control/process.h"
#include "harness/control/unique_fd.h"

namespace coordcheck::control {
namespace {

constexpr char kNetnsDir[] = "/run/netns";
constexpr auto kIpTimeout = std::chrono::seconds(10);

using NsKey = std::pair<dev_t, ino_t>;

bool InNetns(pid_t pid, const std::set<NsKey>& keys) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/ns/net", static_cast<int>(pid));
  struct stat st;
  return stat(path, &st) == 0 && keys.count({st.st_dev, st.st_ino}) != 0;
}

std::vector<pid_t> ProcessesIn(const std::set<NsKey>& keys) {
  std::vector<pid_t> found;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return found;
  const pid_t self = getpid();
  while (dirent* entry = readdir(proc)) {
    if (!std::isdigit(static_cast<unsigned char>(entry->d_name[0]))) continue;
    const pid_t pid = static_cast<pid_t>(std::strtol(entry->d_name, nullptr, 10));
    if (pid != self && InNetns(pid, keys)) found.push_back(pid);
  }
  closedir(proc);
  return found;
}

}  // namespace

std::string NetnsPath(const std::string& name) { return std::string(kNetnsDir) + "/" + name; }

bool NetnsExists(const std::string& name) {
  struct stat st;
  return lstat(NetnsPath(name).c_str(), &st) == 0;
}

std::vector<std::string> ListNetns(const std::string& prefix) {
  std::vector<std::string> names;
  DIR* dir = opendir(kNetnsDir);
  if (dir == nullptr) return names;
  while (dirent* entry = readdir(dir)) {
    std::string name = entry->d_name;
    if (name.rfind(prefix, 0) == 0 && name != "." && name != "..") names.push_back(name);
  }
  closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

Status RunIp(const std::vector<std::string>& args, const std::string& input) {
  SpawnSpec spec;
  spec.argv = {"ip"};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  const std::string what = Join(spec.argv, " ");
  auto result = RunProcess(spec, input, kIpTimeout);
  if (!result.ok()) return result.status().Wrap(what);
  if (result->timed_out) return Status::Error(what + ": timed out");
  if (!result->success()) {
    std::string err = result->err;
    while (!err.empty() && err.back() == '\n') err.pop_back();
    return Status::Error(what + ": exit " + std::to_string(result->exit_code) + ": " + err);
  }
  return Status::Ok();
}

Result<int> KillProcessesInNetns(const std::vector<std::string>& ns_paths,
                                 std::chrono::milliseconds budget) {
  std::set<NsKey> keys;
  for (const auto& path : ns_paths) {
    struct stat st;
    if (stat(path.c_str(), &st) == 0) keys.insert({st.st_dev, st.st_ino});
  }
  std::set<pid_t> killed;
  if (keys.empty()) return 0;
  const auto deadline = std::chrono::steady_clock::now() + budget;
  while (true) {
    std::vector<pid_t> pids = ProcessesIn(keys);
    if (pids.empty()) return static_cast<int>(killed.size());
    if (std::chrono::steady_clock::now() >= deadline) {
      std::string list;
      for (pid_t pid : pids) list += (list.empty() ? "" : " ") + std::to_string(pid);
      return Status::Error("processes still running inside the namespaces after SIGKILL: " + list);
    }
    for (pid_t pid : pids) {
      // Checked again through a pidfd, so the signal cannot reach a process that took
      // over the pid after the scan.
      UniqueFd pidfd = OpenPidfd(pid);
      if (pidfd.valid() && InNetns(pid, keys) && SignalPidfd(pidfd.get(), SIGKILL)) {
        killed.insert(pid);
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

Status DeleteNetns(const std::vector<std::string>& names) {
  std::string batch;
  for (const auto& name : names) {
    if (NetnsExists(name)) batch += "netns del " + name + "\n";
  }
  if (batch.empty()) return Status::Ok();
  Status ip = RunIp({"-force", "-batch", "-"}, batch);
  std::vector<std::string> left;
  for (const auto& name : names) {
    if (NetnsExists(name)) left.push_back(name);
  }
  if (left.empty()) return Status::Ok();
  return Status::Error("cannot delete namespaces " + Join(left, ", ") +
                       (ip.ok() ? "" : ": " + ip.message()));
}

}  // namespace coordcheck::control
