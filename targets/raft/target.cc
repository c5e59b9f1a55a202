#include "targets/raft/target.h"

#include "targets/raft/client.h"
#include "targets/raft/db.h"
#include "targets/raft/options.h"

namespace coordcheck::raft {
namespace {

class Raft final : public Target {
 public:
  std::string name() const override { return "raft"; }
  std::string description() const override {
    return "coordcheck's own Raft (pre-vote, check-quorum, ReadIndex reads, WAL with "
           "snapshots): a replicated key-value store and lock table; linearizable unless a "
           "bug is enabled";
  }
  std::vector<BugInfo> bugs() const override {
    return {
        {"no-persist-vote",
         "votedFor is kept only in memory: a node killed and restarted can vote twice in one "
         "term, so two leaders can lead one term"},
        {"local-reads",
         "the leader answers reads from its own state without ReadIndex and trusts that it "
         "leads until it hears of a higher term: a deposed leader cut off in a minority serves "
         "stale reads"},
        {"lease-reads",
         "reads are served under a leader lease judged by the wall clock with no bound on "
         "drift: a leader whose clock was set back keeps leading and serving stale reads"},
        {"commit-prior-term",
         "the leader commits entries of earlier terms by counting replicas and appends no "
         "no-op when elected (the paper's Figure 8): committed entries can be overwritten"},
        {"no-fence",
         "the lock returns no fencing token, so the resource cannot refuse a stale holder"},
        {"no-fsync",
         "appends and votes are acknowledged before the WAL is fsynced, so a crash that loses "
         "unsynced data (the disk faults) loses acknowledged writes"},
    };
  }
  std::vector<std::string> client_ops() const override {
    return {"read", "write", "cas", "status", "raft-events"};
  }
  std::vector<OptionDoc> options() const override { return RaftOptionTable().Docs(); }
  int default_nodes() const override { return 5; }
  std::unique_ptr<Db> MakeDb() const override { return std::make_unique<RaftDb>(); }
  std::unique_ptr<Client> MakeClient() const override { return std::make_unique<RaftClient>(); }
};

}  // namespace

const Target& RaftTarget() {
  static const Raft kTarget;
  return kTarget;
}

}  // namespace coordcheck::raft
