#include "targets/kvd/target.h"

#include "targets/kvd/client.h"
#include "targets/kvd/db.h"
#include "targets/kvd/options.h"

namespace coordcheck::kvd {
namespace {

class Kvd final : public Target {
 public:
  std::string name() const override { return "kvd"; }
  std::string description() const override {
    return "coordcheck's reference key-value register service: the primary (n1) holds the "
           "data and logs every change to disk, followers forward every request to it; "
           "linearizable unless a bug is enabled";
  }
  std::vector<BugInfo> bugs() const override {
    return {
        {"follower-reads",
         "followers answer reads from a copy the primary updates asynchronously a few tens of "
         "ms later, so reads through a follower can be stale"},
        {"lost-cas",
         "the primary acknowledges a matching cas before applying it (tens of ms later) and a "
         "write in between discards it, so reads miss acknowledged cas ops and some are lost"},
        {"no-fsync",
         "the primary acknowledges a change once its log line is in the kernel's page cache, "
         "before fdatasync makes it durable, so a crash that loses unsynced data (the disk "
         "faults) loses acknowledged writes"},
    };
  }
  std::vector<std::string> client_ops() const override { return {"read", "write", "cas"}; }
  std::vector<OptionDoc> options() const override { return KvdOptionTable().Docs(); }
  std::unique_ptr<Db> MakeDb() const override { return std::make_unique<KvdDb>(); }
  std::unique_ptr<Client> MakeClient() const override { return std::make_unique<KvdClient>(); }
};

}  // namespace

const Target& KvdTarget() {
  static const Kvd kTarget;
  return kTarget;
}

}  // namespace coordcheck::kvd
