// Server: one coordcheck-raft node's network side — the client port (line JSON, kvd's
// protocol plus the lock, status and event requests below) and the peer port (Raft messages,
// one JSON line each, message.h) around a RaftNode.
//
// Client requests {"id","f","key","value"} → {"id","type","value","error"}:
//   read, write, cas     as kvd (targets/kvd/protocol.h): read → ok value; write → ok;
//                        cas [expected, new] → ok, or fail "mismatch"
//   acquire  key = lock name, value {"owner": O, "ttl_ms": T} → ok {"fence": F, "ttl_ms": T}
//                        (F = the log index of the granting entry; bug no-fence: F null),
//                        fail "held"
//   release  key = lock name, value {"owner": O, "fence": F} → ok, fail "not held"
//   status   → ok RaftNode::StatusReport();  ping → ok {"node","role"}
//   raft-events → ok {"node": N, "events": [...]} (this node's event log)
// A node that does not lead forwards a request to the leader it believes in, once (the
// forwarded copy carries "fwd": true and is not forwarded again), and relays the answer.
// Outcomes never guess: "fail" only when the op certainly did not and will not take effect
// (not proposed: no leader known, the leader refused it unproposed, the forward never left
// this node; a read, which changes nothing), "info" otherwise (sent to the leader and no
// answer; appended but not applied in time).
//
// Peer links: one outgoing connection per peer, fed by a queue and its own thread; a
// message that cannot be sent is dropped (Raft retransmits), and while a peer is
// unreachable the link reconnects at most every 100 ms, dropping what queued meanwhile.
//
// Thread-safety: Serve runs on main's thread; connection and link threads are internal.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "targets/raft/node.h"

namespace coordcheck::raft {

struct ServerOptions {
  NodeOptions node;
  std::vector<std::string> clients;  // every node's client "host:port", in node order
  std::vector<std::string> peers;    // every node's peer "host:port", in node order
  int request_timeout_ms = 1000;     // bound on waiting for a commit or a read
  int connect_timeout_ms = 300;      // bound on connecting to a peer or the leader
};

class Server {
 public:
  static Result<std::unique_ptr<Server>> Start(const ServerOptions& options);
  ~Server();
  // Serves clients until `stop_fd` becomes readable.
  void Serve(int stop_fd);
  std::string Describe() const;

 private:
  struct PeerLink;
  struct Upstream;

  explicit Server(const ServerOptions& options);
  void Send(std::vector<Message> messages);
  void ServePeers(int stop_fd);
  void HandlePeer(int fd);
  void HandleClient(int fd);
  std::string Answer(const std::string& line, Upstream* upstream);
  std::string Forward(const Json& request, const Json& id, bool is_read, Upstream* upstream);

  const ServerOptions options_;
  const std::string name_;
  std::unique_ptr<RaftNode> node_;
  std::vector<std::unique_ptr<PeerLink>> links_;
  int client_fd_ = -1;
  int peer_fd_ = -1;
};

}  // namespace coordcheck::raft
