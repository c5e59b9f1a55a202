// The local backend's network: loopback addresses 127.77.R.(10+K).
#include <random>
#include <set>

#include "harness/control/dialers.h"
#include "harness/control/host_network.h"

namespace coordcheck::control {
namespace {

class LocalNetwork final : public HostNetwork {
 public:
  const std::string& backend() const override { return backend_; }

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
    std::random_device random;
    octet_ = free[std::uniform_int_distribution<size_t>(0, free.size() - 1)(random)];
    header["local_octet"] = octet_;
    return Status::Ok();
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
  const std::string backend_ = "local";
  int octet_ = 0;
  LocalDialer dialer_;
};

}  // namespace

std::unique_ptr<HostNetwork> MakeLocalNetwork() { return std::make_unique<LocalNetwork>(); }

}  // namespace coordcheck::control
