#include "harness/control/host_cluster.h"

#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>

#include "harness/control/process.h"

namespace coordcheck::control {
namespace {

constexpr auto kDestroyGrace = std::chrono::milliseconds(1500);
constexpr int kRunIdAttempts = 100;

Status MakeDir(const std::string& path) {
  if (mkdir(path.c_str(), 0755) < 0) {
    return Status::Error("cannot create directory " + path + ": " + ErrnoText(errno));
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Cluster>> HostCluster::Create(const ClusterOptions& options,
                                                     std::unique_ptr<HostNetwork> network) {
  std::unique_ptr<HostCluster> cluster(new HostCluster(options.state_dir, std::move(network)));
  if (Status s = cluster->Open(); !s.ok()) {
    cluster->destroyed_ = true;  // nothing was created
    return s;
  }
  if (Status s = cluster->Build(options.nodes); !s.ok()) {
    Status undo = cluster->Destroy();
    if (undo.ok()) return s;
    return Status::Error(s.message() + " (and undoing it failed: " + undo.message() + ")");
  }
  return std::unique_ptr<Cluster>(std::move(cluster));
}

HostCluster::~HostCluster() {
  if (Status s = Destroy(); !s.ok()) {
    std::fprintf(stderr, "coordcheck: run %s: destroy: %s\n", run_id_.c_str(), s.message().c_str());
  }
}

Status HostCluster::Open() {
  std::error_code ec;
  if (mkdir(LedgerDir(state_dir_).c_str(), 0700) < 0 && errno != EEXIST) {
    return Status::Error("state directory " + state_dir_ + ": cannot create " +
                         LedgerDir(state_dir_) + ": " + ErrnoText(errno));
  }
  auto lock = LockLedgerDir(state_dir_);
  if (!lock.ok()) return lock.status();
  nlohmann::json reserved = nlohmann::json::object();
  if (Status s = network_->Reserve(state_dir_, reserved); !s.ok()) return s;
  std::random_device random;
  for (int attempt = 0; attempt < kRunIdAttempts; ++attempt) {
    char id[16];
    std::snprintf(id, sizeof id, "%06x", static_cast<unsigned>(random()) & 0xffffffu);
    const std::string run_dir = state_dir_ + "/" + id;
    if (std::filesystem::exists(LedgerPath(state_dir_, id), ec) ||
        std::filesystem::exists(run_dir, ec) || !network_->NamesFree(id)) {
      continue;
    }
    nlohmann::json header = MakeLedgerHeader(id, network_->backend(), state_dir_);
    header.update(reserved);
    auto ledger = Ledger::Create(LedgerPath(state_dir_, id), header);
    if (!ledger.ok()) return ledger.status();
    ledger_ = std::move(ledger.value());
    run_id_ = id;
    run_dir_ = run_dir;
    return Status::Ok();
  }
  return Status::Error("state directory " + state_dir_ + ": no free run id found");
}

Status HostCluster::Build(int count) {
  std::vector<nlohmann::json> dirs = {{{"kind", "dir"}, {"path", run_dir_}}};
  for (int k = 1; k <= count; ++k) {
    dirs.push_back({{"kind", "dir"}, {"path", run_dir_ + "/n" + std::to_string(k)}});
  }
  if (Status s = ledger_->AppendAll(dirs); !s.ok()) return s;
  if (Status s = MakeDir(run_dir_); !s.ok()) return s;
  for (int k = 1; k <= count; ++k) {
    const std::string name = "n" + std::to_string(k);
    if (Status s = MakeDir(run_dir_ + "/" + name); !s.ok()) return s.Wrap("node " + name);
  }
  if (Status s = network_->Create(run_id_, count, *ledger_); !s.ok()) return s;
  for (int k = 1; k <= count; ++k) {
    const std::string name = "n" + std::to_string(k);
    auto netns = network_->NodeNamespace(k);
    if (!netns.ok()) return netns.status();
    remotes_.push_back(std::make_unique<HostRemote>(name, network_->Address(k),
                                                    run_dir_ + "/" + name, std::move(netns.value()),
                                                    ledger_.get()));
    nodes_.push_back({name, network_->Address(k)});
    by_name_[name] = remotes_.back().get();
  }
  return Status::Ok();
}

Remote& HostCluster::remote(const std::string& node) {
  auto it = by_name_.find(node);
  if (it == by_name_.end()) {
    std::fprintf(stderr, "coordcheck: run %s has no node '%s'\n", run_id_.c_str(), node.c_str());
    std::abort();
  }
  return *it->second;
}

Status HostCluster::Destroy() {
  if (destroyed_) return Status::Ok();
  Status first;
  auto note = [&first](const Status& s) {
    if (first.ok() && !s.ok()) first = s;
  };
  for (auto& remote : remotes_) remote->TerminateDaemons();
  const auto grace_deadline = std::chrono::steady_clock::now() + kDestroyGrace;
  for (auto& remote : remotes_) note(remote->StopDaemons(grace_deadline));
  for (auto& remote : remotes_) note(remote->DetachMounts());
  for (auto& remote : remotes_) remote->Close();
  note(network_->Destroy());
  if (!run_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(run_dir_, ec);
    if (ec) note(Status::Error("cannot remove " + run_dir_ + ": " + ec.message()));
  }
  if (first.ok() && ledger_ != nullptr) note(ledger_->Remove());
  if (!first.ok()) return first.Wrap("run " + run_id_ + ": destroy");
  destroyed_ = true;
  return first;
}

}  // namespace coordcheck::control
