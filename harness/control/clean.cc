// CleanLeftovers: undoes what runs whose controller died left behind, from their ledgers.
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <utility>

#include "harness/control/cluster.h"
#include "harness/control/ledger.h"
#include "harness/control/mounts.h"
#include "harness/control/netns.h"
#include "harness/control/process.h"
#include "harness/control/state_dir.h"
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

// Exactly the names a cluster of run `run_id` gives its namespaces (netns_network.cc):
// cc-RUN_ID-ctl and cc-RUN_ID-nK, K a node number without leading zeros.
bool OurNetnsName(const std::string& name, const std::string& run_id) {
  const std::string prefix = "cc-" + run_id + "-";
  if (name.rfind(prefix, 0) != 0) return false;
  const std::string rest = name.substr(prefix.size());
  if (rest == "ctl") return true;
  return rest.size() >= 2 && rest.size() <= 4 && rest[0] == 'n' && rest[1] != '0' &&
         std::all_of(rest.begin() + 1, rest.end(),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

// An error when the namespace `name` is ours or the host's (that of pid 1, when we may
// look at it): killing every process inside it would kill the machine's. A ledger can only
// name it if someone bound that namespace under our name (`ip netns attach`, a bind mount).
Status NotHostNetns(const std::string& name) {
  struct stat ns;
  if (stat(NetnsPath(name).c_str(), &ns) < 0) {
    return Status::Error("namespace " + name + ": " + ErrnoText(errno));
  }
  struct Reference {
    const char* path;
    bool may_be_hidden;  // pid 1's, in a container that lacks a capability pid 1 has
  };
  for (const Reference& ref :
       {Reference{"/proc/self/ns/net", false}, Reference{"/proc/1/ns/net", true}}) {
    struct stat st;
    if (stat(ref.path, &st) < 0) {
      if (ref.may_be_hidden && (errno == EACCES || errno == EPERM)) continue;
      return Status::Error("cannot stat " + std::string(ref.path) + ": " + ErrnoText(errno));
    }
    if (st.st_dev == ns.st_dev && st.st_ino == ns.st_ino) {
      return Status::Error("namespace " + name + " is the same namespace as " + ref.path +
                           " (the host's or ours)");
    }
  }
  return Status::Ok();
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
  std::vector<std::pair<pid_t, UniqueFd>> killed;
  for (const auto* e : Entries(ledger, "process")) {
    const auto pid = static_cast<pid_t>(Integer(*e, "pid"));
    UniqueFd pidfd = KillIfSame(pid, static_cast<uint64_t>(Integer(*e, "start_time")));
    if (!pidfd.valid()) continue;
    killed.emplace_back(pid, std::move(pidfd));
    report.removed.push_back("process " + String(*e, "node") + "/" + String(*e, "name") + " pid " +
                             std::to_string(pid));
  }
  const auto deadline = std::chrono::steady_clock::now() + kKillBudget;
  for (const auto& [pid, pidfd] : killed) {
    if (!WaitPidfdExit(pidfd.get(), deadline)) {
      fail("process " + std::to_string(pid) + " survived SIGKILL");
    }
  }

  // Namespaces: every process inside them, then the namespaces themselves.
  std::vector<std::string> present;
  for (const auto* e : Entries(ledger, "netns")) {
    const std::string name = String(*e, "name");
    if (!OurNetnsName(name, run_id)) {
      fail("namespace '" + name + "' is not a name this run's cluster makes; left alone");
    } else if (!NetnsExists(name)) {
      continue;
    } else if (Status s = NotHostNetns(name); !s.ok()) {
      fail(s.message() + "; left alone");
    } else {
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

  // Mounts (a FUSE daemon killed above leaves a dead one), before the directories holding
  // them; only inside <state_dir>/<run_id>.
  const std::string run_dir = state_dir + "/" + run_id;
  auto inside_run = [&run_dir](const std::string& path) {
    const auto normal = std::filesystem::path(path).lexically_normal().string();
    return normal.rfind(run_dir + "/", 0) == 0;
  };
  for (const auto* e : Entries(ledger, "mount")) {
    const std::string path = String(*e, "path");
    if (!inside_run(path)) {
      fail("mount '" + path + "' is outside " + run_dir + "; left alone");
    } else if (IsMountPoint(path)) {
      if (Status s = DetachMount(path); !s.ok()) {
        fail(s.message());
      } else {
        report.removed.push_back("mount " + path);
      }
    }
  }

  // Directories, innermost first; only inside <state_dir>/<run_id>.
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
  auto resolved = ResolveStateDir(state_dir_arg);
  if (!resolved.ok()) {
    report.errors.push_back(resolved.message());
    return report;
  }
  const std::string& state_dir = resolved.value();
  struct stat st;
  if (lstat(state_dir.c_str(), &st) < 0 && errno == ENOENT) return report;  // no run used it
  // Its ledgers decide what is killed and removed: read them only from a folder of ours.
  if (Status s = CheckStateDir(state_dir); !s.ok()) {
    report.errors.push_back(s.message());
    return report;
  }

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
  // A live run of this state directory has its ledger before its namespaces, so a
  // namespace of ours without one belongs elsewhere (or to a run whose folder is gone).
  for (const std::string& name : ListNetns("cc-")) {
    const std::string run_id = name.substr(3, 6);
    if (!ValidRunId(run_id) || !OurNetnsName(name, run_id)) continue;
    struct stat ledger;
    if (stat(LedgerPath(state_dir, run_id).c_str(), &ledger) == 0) continue;
    report.unowned.push_back(name);
  }
  return report;
}

}  // namespace coordcheck::control
