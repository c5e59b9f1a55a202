// The local backend's network: loopback addresses 127.77.R.(10+K).
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <set>

#include "harness/control/dialers.h"
#include "harness/control/host_network.h"

namespace coordcheck::control {
namespace {

class LocalNetwork final : public HostNetwork {
 public:
  const std::string& backend() const override { return backend_; }
  Capabilities capabilities() const override {
    return Capabilities{.separate_network = false, .shared_filesystem = true};
  }

  Status Reserve(const std::string& state_dir, nlohmann::json& header) override {
    std::set<int> used;
    for (const auto& path : ListLedgers(state_dir)) {
      auto ledger = ReadLedger(path);
      if (!ledger.ok() || !ControllerAlive(ledger->header)) continue;
      const auto octet = ledger->header.find("local_octet");
      if (octet != ledger->header.end() && octet->is_number_integer()) {
        used.insert(octet->get<int>());
      }
    }
    std::vector<int> free;
    for (int octet = 1; octet <= 254; ++octet) {
      if (used.count(octet) == 0) free.push_back(octet);
    }
    if (free.empty()) {
      return Status::Error("no free loopback range 127.77.R.0/24 under " + state_dir +
                           ": 254 local runs are alive");
    }
    // Ledgers only show runs under the same state folder; runs under other folders are
    // kept apart by a machine-wide claim: an abstract unix socket named after the range,
    // bound for the cluster's life and released by the kernel when its holder dies.
    std::shuffle(free.begin(), free.end(), std::mt19937(std::random_device{}()));
    for (int octet : free) {
      UniqueFd claim = ClaimOctet(octet);
      if (!claim.valid()) continue;
      claim_ = std::move(claim);
      octet_ = octet;
      header["local_octet"] = octet_;
      return Status::Ok();
    }
    return Status::Error("no free loopback range 127.77.R.0/24: every one is claimed by a live run");
  }

  bool NamesFree(const std::string&) const override { return true; }
  Status Create(const std::string&, int, Ledger&) override { return Status::Ok(); }

  std::string Address(int node) const override {
    return "127.77." + std::to_string(octet_) + "." + std::to_string(10 + node);
  }
  Result<UniqueFd> NodeNamespace(int) override { return UniqueFd(); }
  Dialer& dialer() override { return dialer_; }
  Status Destroy() override { return Status::Ok(); }

 private:
  static UniqueFd ClaimOctet(int octet) {
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd.valid()) return UniqueFd();
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const std::string name = "coordcheck-local-127.77." + std::to_string(octet);
    std::memcpy(addr.sun_path + 1, name.data(), name.size());  // sun_path[0] = 0: abstract
    const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0) return UniqueFd();
    return fd;
  }

  const std::string backend_ = "local";
  int octet_ = 0;
  UniqueFd claim_;
  LocalDialer dialer_;
};

}  // namespace

std::unique_ptr<HostNetwork> MakeLocalNetwork() { return std::make_unique<LocalNetwork>(); }

}  // namespace coordcheck::control
