#include "nemesis/disk/disk_nemesis.h"

#include <unistd.h>

#include <set>

#include "nemesis/ops.h"
#include "nemesis/process/process_nemesis.h"

namespace coordcheck {
namespace {

constexpr const char* kDaemon = "syncfs";

// The last `max` bytes of `text` on one line.
std::string Tail(std::string text, size_t max = 300) {
  if (text.size() > max) text = "..." + text.substr(text.size() - max);
  for (char& c : text) {
    if (c == '\n') c = ' ';
  }
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

std::string Joined(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) s += (s.empty() ? "" : " ") + a;
  return s;
}

}  // namespace

DiskNemesis::DiskNemesis(control::Cluster& cluster, ProcessControl* control,
                         std::vector<std::string> nodes,
                         std::map<std::string, std::string> data_dirs, std::string bin_dir,
                         DiskNemesisOptions options)
    : cluster_(cluster),
      control_(control),
      nodes_(std::move(nodes)),
      data_dirs_(std::move(data_dirs)),
      bin_dir_(std::move(bin_dir)),
      options_(options) {}

std::vector<std::string> DiskNemesis::fs() const {
  return {fault::kLoseUnsynced, fault::kTornWrite};
}

std::string DiskNemesis::Dir(const std::string& node) const {
  return cluster_.remote(node).root_dir() + "/syncfs";
}

std::string DiskNemesis::Program(const std::string& node) const {
  return cluster_.remote(node).root_dir() + "/bin/" + kSyncfsProgram;
}

Result<control::ExecResult> DiskNemesis::Run(const std::string& node,
                                             const std::vector<std::string>& argv,
                                             std::chrono::milliseconds timeout) {
  control::ExecOptions exec;
  exec.timeout = timeout;
  auto result = cluster_.remote(node).Exec(argv, exec);
  const std::string what = "node " + node + ": " + Joined(argv);
  if (!result.ok()) return result.status();
  if (result->timed_out) {
    return Status::Error(what + ": timed out after " + std::to_string(timeout.count()) + " ms");
  }
  if (!result->success()) {
    return Status::Error(what + ": exit " + std::to_string(result->exit_code) + ": " +
                         Tail(result->err.empty() ? result->out : result->err));
  }
  return result;
}

Result<Json> DiskNemesis::Ctl(const std::string& node, const std::vector<std::string>& args,
                              std::chrono::milliseconds wait) {
  std::vector<std::string> argv = {Program(node),  "ctl",
                                   "--socket",     Dir(node) + "/ctl.sock",
                                   "--mount",      data_dirs_.at(node),
                                   "--timeout-ms", std::to_string(options_.ctl_timeout.count()),
                                   "--wait-ms",    std::to_string(wait.count())};
  argv.insert(argv.end(), args.begin(), args.end());
  // The helper bounds itself; this bound only catches a helper that does not.
  auto ran = Run(node, argv, options_.ctl_timeout + wait + std::chrono::seconds(5));
  if (!ran.ok()) return ran.status();
  Json answer = Json::parse(ran->out, nullptr, false);
  if (!answer.is_object()) {
    return Status::Error("node " + node + ": syncfs at " + data_dirs_.at(node) +
                         ": bad answer: " + Tail(ran->out));
  }
  return answer;
}

Status DiskNemesis::Setup() {
  if (control_ == nullptr) return Status::Error("disk faults: no target to act on");
  const std::string helper = bin_dir_ + "/" + kSyncfsProgram;
  if (access(helper.c_str(), X_OK) != 0) {
    return Status::Error("disk faults: " + helper +
                         " not found or not executable (build the coordcheck-syncfs target)");
  }
  for (const std::string& node : nodes_) {
    if (data_dirs_.count(node) == 0) {
      return Status::Error("disk faults: node " + node + ": the target names no data folder");
    }
    if (Status s = Mount(node); !s.ok()) {
      Teardown();
      return s.Wrap("disk faults set-up");
    }
  }
  return Status::Ok();
}

Status DiskNemesis::Mount(const std::string& node) {
  control::Remote& remote = cluster_.remote(node);
  const std::string data = data_dirs_.at(node), dir = Dir(node);
  if (Status s = remote.Upload(bin_dir_ + "/" + kSyncfsProgram, Program(node), 0755); !s.ok()) {
    return s;
  }
  if (auto made = Run(node, {"mkdir", "-p", data, dir + "/backing"}, options_.mount_timeout);
      !made.ok()) {
    return made.status();
  }
  // On record before it exists: a controller killed from here on leaves it to `clean`.
  if (Status s = remote.RecordMount(data); !s.ok()) return s;
  control::DaemonSpec spec;
  spec.name = kDaemon;
  spec.argv = {Program(node),  "mount",        "--backing", dir + "/backing", "--trash",
               dir + "/trash", "--mountpoint", data,        "--socket",       dir + "/ctl.sock"};
  spec.log_path = remote.root_dir() + "/syncfs.log";
  auto daemon = remote.StartDaemon(spec);
  if (!daemon.ok()) return daemon.status();
  mounted_[node] = *daemon;
  if (auto up = Ctl(node, {"status"}, options_.mount_timeout); !up.ok()) {
    // The daemon's own words say why (no /dev/fuse, not root, a busy mount point).
    control::ExecOptions exec;
    exec.timeout = options_.mount_timeout;
    auto log = remote.Exec({"tail", "-c", "300", spec.log_path}, exec);
    const std::string said = log.ok() ? Tail(log->out) : "";
    return up.status().Wrap("the mount did not come up" +
                            (said.empty() ? std::string() : " (its log: " + said + ")"));
  }
  return Status::Ok();
}

Op DiskNemesis::Invoke(const Op& invoke) {
  Op done = invoke;
  done.type = OpType::kInfo;
  const bool torn = invoke.f == fault::kTornWrite;
  if (!torn && invoke.f != fault::kLoseUnsynced) {
    done.error = "disk nemesis: unknown fault " + invoke.f;
    return done;
  }
  std::vector<std::string> drop = {"drop"};
  if (torn) {
    if (!invoke.value.is_object() || !invoke.value.contains("seed") ||
        !invoke.value["seed"].is_number_unsigned()) {
      done.error = "torn-write needs a \"seed\" (an unsigned integer)";
      return done;
    }
    drop = {"drop", "--torn", std::to_string(invoke.value["seed"].get<uint64_t>())};
  }
  auto targets = FaultNodes(*control_, invoke, nodes_, {});
  if (!targets.ok()) {
    done.error = targets.message();
    return done;
  }
  // Every target node crashes at once — a power failure of those machines — then each loses
  // what it had not synced, then all start again. One node at a time would let the others
  // hand back what it lost: a replicated target (our Raft) masks one node's lost writes, and
  // only a correlated crash of a majority shows that it acknowledged what was not durable.
  Json dropped = Json::object();
  Json done_nodes = Json::array();
  std::string errors;
  auto fail = [&](const Status& st) { errors += (errors.empty() ? "" : "; ") + st.message(); };
  std::vector<std::string> crashed;
  for (const std::string& node : *targets) {
    if (Status st = control_->Kill(node); !st.ok()) {
      fail(st);
      continue;
    }
    down_.insert(node);
    crashed.push_back(node);
  }
  std::set<std::string> not_dropped;
  for (const std::string& node : crashed) {
    Status st =
        mounted_.count(node) == 0 ? Status::Error("node " + node + ": not mounted") : Status::Ok();
    if (st.ok()) {
      auto answer = Ctl(node, drop);
      if (answer.ok()) {
        answer->erase("mount");
        dropped[node] = std::move(*answer);
      } else {
        st = answer.status();
      }
    }
    if (!st.ok()) {
      fail(st);
      not_dropped.insert(node);
    }
  }
  // Started again also when the drop failed: the run goes on with every node up.
  for (const std::string& node : crashed) {
    if (Status st = control_->Start(node); !st.ok()) {
      fail(st);
      continue;
    }
    down_.erase(node);
    if (not_dropped.count(node) == 0) done_nodes.push_back(node);
  }
  done.value = Json{{"nodes", done_nodes}, {"dropped", std::move(dropped)}};
  if (!errors.empty()) done.error = errors;
  if (torn) done.value["seed"] = invoke.value["seed"];
  return done;
}

Status DiskNemesis::Unmount(const std::string& node) {
  auto it = mounted_.find(node);
  if (it == mounted_.end()) return Status::Ok();
  control::Remote& remote = cluster_.remote(node);
  Status first = remote.StopDaemon(it->second, options_.stop_grace);
  // A daemon that died (or was SIGKILLed above) leaves a dead mount: detach it.
  const std::string data = data_dirs_.at(node);
  control::ExecOptions exec;
  exec.timeout = options_.mount_timeout;
  auto listed = remote.Exec({"findmnt", "--mountpoint", data}, exec);
  if (listed.ok() && listed->success()) {
    if (auto detached = Run(node, {"umount", "-l", data}, options_.mount_timeout);
        !detached.ok() && first.ok()) {
      first = detached.status();
    }
  }
  if (first.ok()) mounted_.erase(it);
  return first;
}

Status DiskNemesis::Teardown() {
  Status started = UndoAll(&down_, [&](const std::string& n) { return control_->Start(n); });
  Status first = started;
  for (const std::string& node : nodes_) {
    if (Status s = Unmount(node); !s.ok() && first.ok()) first = s;
  }
  return first;
}

}  // namespace coordcheck
