#include "targets/raft/server.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "targets/wire/json_line.h"
#include "targets/wire/server.h"
#include "targets/wire/wire.h"

namespace coordcheck::raft {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr size_t kMaxQueuedMessages = 4096;
constexpr auto kReconnectPause = milliseconds(100);
constexpr auto kPeerWriteTimeout = milliseconds(1000);
// An inbound peer connection that carries nothing for this long is dead (a leader sends a
// heartbeat every few tens of ms; a partition leaves the socket open forever).
constexpr auto kPeerIdleTimeout = milliseconds(5000);
constexpr auto kLeaderWait = milliseconds(1000);
constexpr auto kLeaderPoll = milliseconds(20);

std::string Respond(const Json& id, const char* type, Json value, Json error) {
  return wire::EncodeResponse({id, type, std::move(value), std::move(error)});
}

}  // namespace

// One outgoing link to a peer.
struct Server::PeerLink {
  std::string host;
  int port = 0;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::string> queue;  // encoded lines
  std::thread thread;
};

// A client connection's connection to the leader, for forwarded requests.
struct Server::Upstream {
  int leader = -1;
  int fd = -1;
  wire::LineReader reader;
  void Close() {
    if (fd >= 0) close(fd);
    fd = -1;
    reader.Reset();
  }
};

Server::Server(const ServerOptions& options)
    : options_(options), name_("raft " + options.node.names.at(options.node.id)) {}

Server::~Server() = default;  // main() _exits: threads are left to the kernel

std::string Server::Describe() const {
  return node_->Describe() + ", clients on " + options_.clients[options_.node.id] + ", peers on " +
         options_.peers[options_.node.id];
}

Result<std::unique_ptr<Server>> Server::Start(const ServerOptions& options) {
  using R = Result<std::unique_ptr<Server>>;
  const size_t n = options.node.names.size();
  if (n == 0 || options.node.id < 0 || static_cast<size_t>(options.node.id) >= n ||
      options.clients.size() != n || options.peers.size() != n) {
    return R::Error(
        "raft: --names, --clients and --peers must list the same nodes, and --id "
        "one of them");
  }
  std::unique_ptr<Server> server(new Server(options));
  std::string host;
  int port = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!wire::ParseHostPort(options.clients[i], &host, &port) ||
        !wire::ParseHostPort(options.peers[i], &host, &port)) {
      return R::Error(server->name_ + ": bad address for " + options.node.names[i]);
    }
    auto link = std::make_unique<PeerLink>();
    link->host = host;
    link->port = port;
    server->links_.push_back(std::move(link));
  }
  wire::ParseHostPort(options.clients[options.node.id], &host, &port);
  auto client_fd = wire::ListenTcp(host, port);
  if (!client_fd.ok()) return R::Error(server->name_ + ": " + client_fd.message());
  server->client_fd_ = *client_fd;
  wire::ParseHostPort(options.peers[options.node.id], &host, &port);
  auto peer_fd = wire::ListenTcp(host, port);
  if (!peer_fd.ok()) return R::Error(server->name_ + ": " + peer_fd.message());
  server->peer_fd_ = *peer_fd;

  Server* self = server.get();
  for (size_t i = 0; i < n; ++i) {
    if (static_cast<int>(i) == options.node.id) continue;
    PeerLink* link = server->links_[i].get();
    link->thread = std::thread([link, self] {
      int fd = -1;
      auto next_connect = Clock::now();
      while (true) {
        std::deque<std::string> lines;
        {
          std::unique_lock<std::mutex> lock(link->mu);
          link->cv.wait(lock, [&] { return !link->queue.empty(); });
          lines.swap(link->queue);
        }
        if (fd < 0) {
          if (Clock::now() < next_connect) continue;  // dropped: Raft retransmits
          auto dialed = wire::DialTcp(link->host, link->port,
                                      milliseconds(self->options_.connect_timeout_ms));
          if (!dialed.ok()) {
            next_connect = Clock::now() + kReconnectPause;
            continue;
          }
          fd = *dialed;
          // Unacknowledged data for a second ends the connection, so a link that lived
          // through a partition reconnects instead of waiting out TCP's backoff.
          unsigned int user_timeout_ms = 1000;
          setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout_ms, sizeof(user_timeout_ms));
        }
        std::string batch;
        for (const std::string& line : lines) batch += line;
        size_t sent = 0;
        if (!wire::WriteAll(fd, batch, Clock::now() + kPeerWriteTimeout, &sent).ok()) {
          close(fd);
          fd = -1;
          next_connect = Clock::now() + kReconnectPause;
        }
      }
    });
    link->thread.detach();
  }

  auto node = RaftNode::Start(
      options.node, [self](std::vector<Message> messages) { self->Send(std::move(messages)); });
  if (!node.ok()) return R::Error(node.message());
  server->node_ = std::move(node).value();
  return server;
}

void Server::Send(std::vector<Message> messages) {
  for (const Message& m : messages) {
    if (m.to < 0 || static_cast<size_t>(m.to) >= links_.size() || m.to == options_.node.id) {
      continue;
    }
    PeerLink& link = *links_[m.to];
    std::lock_guard<std::mutex> lock(link.mu);
    if (link.queue.size() >= kMaxQueuedMessages) link.queue.pop_front();
    link.queue.push_back(EncodeMessage(m) + "\n");
    link.cv.notify_one();
  }
}

void Server::Serve(int stop_fd) {
  std::thread peers([this, stop_fd] {
    wire::ServeConnections(peer_fd_, stop_fd, name_, [this](int fd) { HandlePeer(fd); });
  });
  peers.detach();
  wire::ServeConnections(client_fd_, stop_fd, name_, [this](int fd) { HandleClient(fd); });
}

void Server::HandlePeer(int fd) {
  wire::LineReader reader;
  std::string line;
  while (reader.ReadLine(fd, Clock::now() + kPeerIdleTimeout, &line).ok()) {
    Message m;
    std::string error;
    if (!DecodeMessage(line, &m, &error)) {
      std::fprintf(stderr, "%s: dropping a peer connection: %s\n", name_.c_str(), error.c_str());
      break;
    }
    if (m.to == options_.node.id) node_->Receive(m);
  }
  close(fd);
}

void Server::HandleClient(int fd) {
  Upstream upstream;
  wire::AnswerLines(fd, wire::kMaxLineBytes, milliseconds(options_.request_timeout_ms), name_,
                    [&](const std::string& line) { return Answer(line, &upstream); });
  upstream.Close();
  close(fd);
}

std::string Server::Answer(const std::string& line, Upstream* upstream) {
  Json request, id;
  std::string f, error;
  if (!wire::ParseRequestLine(line, &request, &id, &f, &error)) {
    return Respond(id, "fail", nullptr, error);
  }
  const Json key = wire::FieldOrNull(request, "key");
  const Json value = wire::FieldOrNull(request, "value");
  const bool forwarded = request.value("fwd", false);
  const std::string& me = options_.node.names[options_.node.id];
  if (f == "ping")
    return Respond(id, "ok", {{"node", me}, {"role", node_->StatusReport()["role"]}}, nullptr);
  if (f == "status") return Respond(id, "ok", node_->StatusReport(), nullptr);
  if (f == "raft-events")
    return Respond(id, "ok", {{"node", me}, {"events", node_->Events()}}, nullptr);

  const bool is_read = f == "read";
  Json command;
  if (f == "write") {
    command = {{"op", "write"}, {"key", key}, {"value", value}};
  } else if (f == "cas") {
    if (!value.is_array() || value.size() != 2) {
      return Respond(id, "fail", nullptr, "bad request: cas value must be [expected, new]");
    }
    command = {{"op", "cas"}, {"key", key}, {"expected", value[0]}, {"new", value[1]}};
  } else if (f == "acquire" || f == "release") {
    if (!key.is_string() || !value.is_object() || !value.contains("owner") ||
        !value["owner"].is_string()) {
      return Respond(id, "fail", nullptr,
                     "bad request: " + f + " needs a lock name (key) and an owner (value)");
    }
    command = {{"op", f}, {"name", key}, {"owner", value["owner"]}};
    if (f == "acquire") {
      const Json ttl = wire::FieldOrNull(value, "ttl_ms");
      if (!ttl.is_number_integer() || ttl.get<int64_t>() <= 0) {
        return Respond(id, "fail", nullptr, "bad request: acquire needs ttl_ms > 0");
      }
      command["ttl_ms"] = ttl;
    } else {
      const Json fence = wire::FieldOrNull(value, "fence");
      if (!fence.is_null() && !fence.is_number_unsigned()) {
        return Respond(id, "fail", nullptr, "bad request: a release's fence is an index");
      }
      if (!fence.is_null()) command["fence"] = fence;
    }
  } else if (!is_read) {
    return Respond(id, "fail", nullptr, "bad request: unknown f \"" + f + "\"");
  }

  const auto deadline = Clock::now() + milliseconds(options_.request_timeout_ms);
  auto run = [&] {
    return is_read ? node_->Read(key, deadline) : node_->Propose(command, deadline);
  };
  Outcome out = run();
  if (out.type == Outcome::kNotLeader) {
    if (forwarded) return Respond(id, "fail", nullptr, "not leader");
    // Wait a little for a leader to be known (an election may be under way).
    const auto give_up = std::min(deadline, Clock::now() + kLeaderWait);
    int leader = node_->Leader();
    while (leader < 0 && Clock::now() < give_up) {
      std::this_thread::sleep_for(kLeaderPoll);
      leader = node_->Leader();
    }
    if (leader < 0) return Respond(id, "fail", nullptr, "no leader known");
    if (leader == options_.node.id) {
      out = run();
    } else {
      Json copy = request;
      copy["fwd"] = true;
      return Forward(copy, id, is_read, upstream);
    }
  }
  switch (out.type) {
    case Outcome::kOk:
      if (f == "acquire" && options_.node.bug == "no-fence") out.value["fence"] = nullptr;
      return Respond(id, "ok", std::move(out.value), nullptr);
    case Outcome::kInfo:
      return Respond(id, "info", nullptr, out.error);
    case Outcome::kFail:
    case Outcome::kNotLeader:
      break;
  }
  return Respond(id, "fail", nullptr, out.error);
}

std::string Server::Forward(const Json& request, const Json& id, bool is_read, Upstream* upstream) {
  const int leader = node_->Leader();
  if (leader < 0 || leader == options_.node.id) {
    return Respond(id, "fail", nullptr, "no leader to forward to");
  }
  const std::string& leader_name = options_.node.names[leader];
  if (upstream->leader != leader ||
      (upstream->fd >= 0 && !wire::IdleConnectionUsable(upstream->fd))) {
    upstream->Close();
  }
  if (upstream->fd < 0) {
    std::string host;
    int port = 0;
    wire::ParseHostPort(options_.clients[leader], &host, &port);
    auto fd = wire::DialTcp(host, port, milliseconds(options_.connect_timeout_ms));
    if (!fd.ok()) {
      return Respond(id, "fail", nullptr,
                     "leader " + leader_name + " unreachable: " + fd.message());
    }
    upstream->fd = *fd;
    upstream->leader = leader;
  }
  // The leader bounds its own wait by request_timeout_ms; allow for the round trip.
  const auto deadline = Clock::now() + milliseconds(options_.request_timeout_ms + 1000);
  size_t sent = 0;
  wire::IoResult io = wire::WriteAll(upstream->fd, wire::Dump(request) + "\n", deadline, &sent);
  std::string answer;
  if (io.ok()) io = upstream->reader.ReadLine(upstream->fd, deadline, &answer);
  if (!io.ok()) {
    upstream->Close();
    const std::string what = "forwarded to leader " + leader_name + ": " + io.error;
    if (is_read || sent == 0) return Respond(id, "fail", nullptr, what);
    return Respond(id, "info", nullptr, what);
  }
  return answer;
}

}  // namespace coordcheck::raft
