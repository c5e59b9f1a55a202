#include "targets/etcd/target.h"

#include "targets/etcd/db.h"
#include "targets/etcd/options.h"
#include "targets/etcd/register_client.h"

namespace coordcheck::etcd {
namespace {

constexpr int kMinNodes = 1;
constexpr int kMaxNodes = 7;

class Etcd final : public Target {
 public:
  std::string name() const override { return "etcd"; }
  std::string description() const override {
    return "a real etcd cluster (Debian's etcd-server, 3.4): read/write/cas per key through "
           "each client's own member's v3 JSON gateway — linearizable reads, cas as a txn";
  }
  std::vector<BugInfo> bugs() const override { return {}; }
  std::vector<std::string> client_ops() const override { return {"read", "write", "cas"}; }
  std::vector<OptionDoc> options() const override { return EtcdOptionTable().Docs(); }
  int default_nodes() const override { return 3; }
  Status CheckNodes(int nodes) const override {
    if (nodes >= kMinNodes && nodes <= kMaxNodes) return Status::Ok();
    return Status::Error("etcd runs on " + std::to_string(kMinNodes) + " to " +
                         std::to_string(kMaxNodes) + " nodes, not " + std::to_string(nodes));
  }
  std::unique_ptr<Db> MakeDb() const override { return std::make_unique<EtcdDb>(); }
  std::unique_ptr<Client> MakeClient() const override {
    return std::make_unique<EtcdRegisterClient>();
  }
};

}  // namespace

const Target& EtcdTarget() {
  static const Etcd kTarget;
  return kTarget;
}

}  // namespace coordcheck::etcd
