// CleanLeftovers: undoes what runs whose controller died left behind, from their ledgers.
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <thread>

#include "harness/control/cluster.h"
#include "harness/control/ledger.h"
#include "harness/control/netns.h"
#include "harness/control/process.h"
#include "harness/control/unique_fd.h"

namespace coordcheck::control {
namespace {

constexpr auto kKillBudget = std::chrono::seconds(2);

std::string String(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

int64_t Integer(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

bool ValidRunId(const std::string& id) {
  return id.size() == 6 && std::all_of(id.begin(), id.end(), [](char c) {
           return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f');
         });
}

std::vector<const nlohmann::json*> Entries(const LedgerContents& ledger, const char* kind) {
  std::vector<const nlohmann::json*> out;
  for (const auto& e : ledger.entries) {
    if (String(e, "kind") == kind) out.push_back(&e);
  }
  return out;
}

// Removes one dead run's leftovers; returns false when something could not be removed.
bool CleanRun(const std::string& state_dir, const LedgerContents& ledger, CleanReport& report) {
  const std::string run_id = String(ledger.header, "run_id");
  if (!ValidRunId(run_id)) {
    report.errors.push_back(ledger.path + ": the header has no valid run id; left alone");
    return false;
  }
  const size_t errors_before = report.errors.size();
  auto fail = [&](const std::string& what) {
    report.errors.push_back("run " + run_id + ": " + what);
  };

  // Recorded processes: only while the pid still belongs to the process we started.
  std::vector<pid_t> killed;
  for (const auto* e : Entries(ledger, "process")) {
    const auto pid = static_cast<pid_t>(Integer(*e, "pid"));
    const auto start_time = static_cast<uint64_t>(Integer(*e, "start_time"));
    if (pid <= 1 || !ProcessMatches(pid, start_time)) continue;
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
    killed.push_back(pid);
    report.removed.push_back("process " + String(*e, "node") + "/" + String(*e, "name") + " pid " +
                             std::to_string(pid));
  }
  const auto deadline = std::chrono::steady_clock::now() + kKillBudget;
  for (pid_t pid : killed) {
    while (!ProcessGone(pid) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    if (!ProcessGone(pid)) fail("process " + std::to_string(pid) + " survived SIGKILL");
  }

  // Namespaces: every process inside them, then the namespaces themselves.
  const std::string prefix = "cc-" + run_id + "-";
  std::vector<std::string> present;
  for (const auto* e : Entries(ledger, "netns")) {
    const std::string name = String(*e, "name");
    if (name.rfind(prefix, 0) != 0 || name.find('/') != std::string::npos) {
      fail("namespace '" + name + "' is not named for this run; left alone");
    } else if (NetnsExists(name)) {
      present.push_back(name);
    }
  }
  if (!present.empty()) {
    std::vector<std::string> paths;
    for (const auto& name : present) paths.push_back(NetnsPath(name));
    auto count = KillProcessesInNetns(paths, kKillBudget);
    if (!count.ok()) {
      fail(count.message());
    } else if (*count > 0) {
      report.removed.push_back(std::to_string(*count) + " processes inside the namespaces of run " +
                               run_id);
    }
    Status deleted = DeleteNetns(present);
    for (const auto& name : present) {
      if (!NetnsExists(name)) report.removed.push_back("netns " + name);
    }
    if (!deleted.ok()) fail(deleted.message());
  }

  // Directories, innermost first; only inside <state_dir>/<run_id>.
  const std::string run_dir = state_dir + "/" + run_id;
  auto dirs = Entries(ledger, "dir");
  std::reverse(dirs.begin(), dirs.end());
  for (const auto* e : dirs) {
    const std::string path = String(*e, "path");
    const auto normal = std::filesystem::path(path).lexically_normal().string();
    if (normal != run_dir && normal.rfind(run_dir + "/", 0) != 0) {
      fail("directory '" + path + "' is outside " + run_dir + "; left alone");
      continue;
    }
    std::error_code ec;
    if (!std::filesystem::exists(normal, ec)) continue;
    std::filesystem::remove_all(normal, ec);
    if (ec) {
      fail("cannot remove " + normal + ": " + ec.message());
    } else {
      report.removed.push_back("dir " + normal);
    }
  }

  if (report.errors.size() != errors_before) return false;
  if (unlink(ledger.path.c_str()) < 0 && errno != ENOENT) {
    fail("cannot remove ledger " + ledger.path + ": " + ErrnoText(errno));
    return false;
  }
  report.removed.push_back("ledger " + ledger.path);
  return true;
}

}  // namespace

CleanReport CleanLeftovers(const std::string& state_dir_arg) {
  CleanReport report;
  std::error_code ec;
  auto dir =
      std::filesystem::absolute(state_dir_arg.empty() ? DefaultStateDir() : state_dir_arg, ec);
  std::string state_dir = dir.lexically_normal().string();
  while (state_dir.size() > 1 && state_dir.back() == '/') state_dir.pop_back();

  for (const auto& path : ListLedgers(state_dir)) {
    UniqueFd lock(open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!lock.valid()) continue;  // removed meanwhile by its own run
    if (flock(lock.get(), LOCK_EX | LOCK_NB) < 0) {
      report.errors.push_back(path + ": being cleaned by another process; left alone");
      continue;
    }
    auto ledger = ReadLedger(path);
    if (!ledger.ok()) {
      report.errors.push_back(ledger.message() + "; left alone");
      continue;
    }
    if (ControllerAlive(ledger->header)) {
      ++report.runs_skipped_alive;
      continue;
    }
    CleanRun(state_dir, ledger.value(), report);
  }
  return report;
}

}  // namespace coordcheck::control
