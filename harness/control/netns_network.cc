// The netns backend's network: a bridge namespace and one namespace per node, set up with
// a handful of `ip -batch` calls (one for all namespaces, one for the bridge side, one per
// node), none of which touches the root namespace.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "harness/control/dialers.h"
#include "harness/control/host_network.h"
#include "harness/control/netns.h"
#include "harness/control/process.h"

namespace coordcheck::control {
namespace {

constexpr auto kKillBudget = std::chrono::seconds(2);

class StoppedDialer final : public Dialer {
 public:
  Result<int> Connect(const std::string& address, int port, std::chrono::milliseconds) override {
    return Status::Error("connect " + address + ":" + std::to_string(port) +
                         ": the cluster has no network");
  }
};

class NetnsNetwork final : public HostNetwork {
 public:
  const std::string& backend() const override { return backend_; }
  Capabilities capabilities() const override {
    return Capabilities{.separate_network = true, .shared_filesystem = true};
  }

  Status Reserve(const std::string&, nlohmann::json&) override {
    if (geteuid() != 0) {
      return Status::Error(
          "the netns backend needs root (network namespaces); run as root or use the local "
          "backend");
    }
    return Status::Ok();
  }

  bool NamesFree(const std::string& run_id) const override {
    return ListNetns("cc-" + run_id + "-").empty();
  }

  Status Create(const std::string& run_id, int count, Ledger& ledger) override {
    const std::string prefix = "cc-" + run_id + "-";
    ctl_ = prefix + "ctl";
    std::vector<std::string> names = {ctl_};
    for (int k = 1; k <= count; ++k) names.push_back(prefix + "n" + std::to_string(k));
    std::vector<nlohmann::json> entries;
    std::string add;
    for (const auto& name : names) {
      entries.push_back({{"kind", "netns"}, {"name", name}});
      add += "netns add " + name + "\n";
    }
    if (Status s = ledger.AppendAll(entries); !s.ok()) return s;
    names_ = names;
    if (Status s = RunIp({"-batch", "-"}, add); !s.ok()) return s.Wrap("create namespaces");

    std::string bridge =
        "link set lo up\n"
        "link add br0 type bridge\n"
        "addr add 10.77.0.1/24 dev br0\n"
        "link set br0 up\n";
    for (int k = 1; k <= count; ++k) {
      const std::string veth = "v-n" + std::to_string(k);
      bridge += "link add " + veth + " type veth peer name eth0 netns " + names[k] + "\n";
      bridge += "link set " + veth + " master br0 up\n";
    }
    if (Status s = RunIp({"-n", ctl_, "-batch", "-"}, bridge); !s.ok()) {
      return s.Wrap("set up bridge namespace " + ctl_);
    }
    for (int k = 1; k <= count; ++k) {
      const std::string node =
          "link set lo up\naddr add " + Address(k) + "/24 dev eth0\nlink set eth0 up\n";
      if (Status s = RunIp({"-n", names[k], "-batch", "-"}, node); !s.ok()) {
        return s.Wrap("node n" + std::to_string(k) + ": set up namespace " + names[k]);
      }
      UniqueFd fd(open(NetnsPath(names[k]).c_str(), O_RDONLY | O_CLOEXEC));
      if (!fd.valid()) {
        return Status::Error("node n" + std::to_string(k) + ": cannot open " + NetnsPath(names[k]) +
                             ": " + ErrnoText(errno));
      }
      node_fds_.push_back(std::move(fd));
    }
    auto dialer = NetnsDialer::Start(NetnsPath(ctl_));
    if (!dialer.ok()) return dialer.status();
    dialer_ = std::move(dialer.value());
    return Status::Ok();
  }

  std::string Address(int node) const override { return "10.77.0." + std::to_string(10 + node); }

  Result<UniqueFd> NodeNamespace(int node) override {
    if (node < 1 || node > static_cast<int>(node_fds_.size())) {
      return Status::Error("node n" + std::to_string(node) + ": no namespace");
    }
    UniqueFd fd(fcntl(node_fds_[node - 1].get(), F_DUPFD_CLOEXEC, 0));
    if (!fd.valid())
      return Status::Error("node n" + std::to_string(node) + ": " + ErrnoText(errno));
    return fd;
  }

  Dialer& dialer() override {
    if (dialer_ != nullptr) return *dialer_;
    return stopped_;
  }

  Status Destroy() override {
    if (dialer_ != nullptr) dialer_->Stop();
    node_fds_.clear();
    std::vector<std::string> paths;
    for (const auto& name : names_) paths.push_back(NetnsPath(name));
    Status first;
    if (auto killed = KillProcessesInNetns(paths, kKillBudget); !killed.ok()) {
      first = killed.status();
    }
    if (Status s = DeleteNetns(names_); !s.ok() && first.ok()) first = s;
    return first;
  }

 private:
  const std::string backend_ = "netns";
  std::string ctl_;
  std::vector<std::string> names_;  // every namespace recorded in the ledger
  std::vector<UniqueFd> node_fds_;
  std::unique_ptr<NetnsDialer> dialer_;
  StoppedDialer stopped_;
};

}  // namespace

std::unique_ptr<HostNetwork> MakeNetnsNetwork() { return std::make_unique<NetnsNetwork>(); }

}  // namespace coordcheck::control
