#include "targets/kvd/server.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "base/strings.h"
#include "targets/wire/server.h"
#include "targets/wire/wire.h"

namespace coordcheck::kvd {

using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kReplyTimeout = std::chrono::seconds(10);

}  // namespace

struct Server::Upstream {
  int fd = -1;
  wire::LineReader reader;
  void Close() {
    if (fd >= 0) close(fd);
    fd = -1;
  }
};

const std::vector<std::string>& KnownBugs() {
  static const std::vector<std::string> kBugs = {"follower-reads", "lost-cas", "no-fsync"};
  return kBugs;
}

Server::Server(const ServerOptions& options) : options_(options) {}

Server::~Server() {
  if (listen_fd_ >= 0) close(listen_fd_);
}

Result<std::unique_ptr<Server>> Server::Start(const ServerOptions& options) {
  using R = Result<std::unique_ptr<Server>>;
  const std::string where = "kvd " + options.node + ": ";
  if (options.node.empty()) return R::Error("kvd: --node is required");
  if (!options.bug.empty() &&
      std::find(KnownBugs().begin(), KnownBugs().end(), options.bug) == KnownBugs().end()) {
    return R::Error(where + "unknown bug \"" + options.bug + "\" (known: " + Join(KnownBugs(), ",") +
                    ")");
  }
  std::string listen_host;
  int listen_port = 0;
  if (!wire::ParseHostPort(options.listen, &listen_host, &listen_port)) {
    return R::Error(where + "bad --listen \"" + options.listen + "\" (want ADDR:PORT)");
  }
  std::unique_ptr<Server> server(new Server(options));
  if (!wire::ParseHostPort(options.primary, &server->primary_host_, &server->primary_port_)) {
    return R::Error(where + "bad --primary \"" + options.primary + "\" (want ADDR:PORT)");
  }
  for (const std::string& peer : options.peers) {
    std::string host;
    int port;
    if (!wire::ParseHostPort(peer, &host, &port)) {
      return R::Error(where + "bad peer \"" + peer + "\" (want ADDR:PORT)");
    }
  }
  server->is_primary_ = options.listen == options.primary;
  if (server->is_primary_ && options.data_dir.empty()) {
    return R::Error(where + "--data-dir is required on the primary");
  }

  auto listening = wire::ListenTcp(listen_host, listen_port);
  if (!listening.ok()) return R::Error(where + listening.message());
  server->listen_fd_ = *listening;

  if (server->is_primary_) {
    if (options.bug == "follower-reads") {
      ReplicatorOptions ro;
      ro.node = options.node;
      for (const std::string& peer : options.peers) {
        if (peer != options.listen) ro.followers.push_back(peer);
      }
      ro.delay_ms = options.replication_delay_ms;
      ro.connect_timeout_ms = options.connect_timeout_ms;
      ro.seed = options.seed ^ 0x9e3779b97f4a7c15ULL;
      server->replicator_ = std::make_unique<Replicator>(ro);
    }
    StoreOptions so;
    so.data_dir = options.data_dir;
    so.lost_cas = options.bug == "lost-cas";
    so.sync = options.bug != "no-fsync";
    so.lost_cas_delay_ms = options.lost_cas_delay_ms;
    so.seed = options.seed;
    ChangeListener listener;
    if (server->replicator_) {
      listener = [r = server->replicator_.get()](const Json& key, const Json& value) {
        r->Publish(key, value);
      };
    }
    auto store = Store::Open(so, std::move(listener));
    if (!store.ok()) return R::Error(where + store.message());
    server->store_ = std::move(store).value();
  }
  return server;
}

std::string Server::Describe() const {
  std::string out = "kvd " + options_.node + ": " + (is_primary_ ? "primary" : "follower") +
                    " listening on " + options_.listen + ", primary " + options_.primary +
                    ", peers [" + Join(options_.peers, ",") + "], bug " +
                    (options_.bug.empty() ? "none" : options_.bug);
  if (options_.bug == "follower-reads") {
    out += ", replication delay ~" + std::to_string(options_.replication_delay_ms) + " ms";
  }
  if (options_.bug == "lost-cas") {
    out += ", cas delay ~" + std::to_string(options_.lost_cas_delay_ms) + " ms";
  }
  if (store_) {
    out += ", data dir " + options_.data_dir + " (" + std::to_string(store_->replayed()) +
           " entries replayed, " + std::to_string(store_->size()) + " keys)";
  }
  return out;
}

void Server::Serve(int stop_fd) {
  wire::ServeConnections(listen_fd_, stop_fd, "kvd " + options_.node,
                         [this](int fd) { HandleConnection(fd); });
}

void Server::Shutdown() {
  if (store_) store_->Close();
}

void Server::HandleConnection(int fd) {
  Upstream upstream;
  wire::AnswerLines(fd, wire::kMaxLineBytes, kReplyTimeout, "kvd " + options_.node,
                    [&](const std::string& line) {
                      Request request;
                      std::string error;
                      Response response = ParseRequest(line, &request, &error)
                                              ? Dispatch(request, line, &upstream)
                                              : FailResponse(request.id, error);
                      return EncodeResponse(response);
                    });
  upstream.Close();
  close(fd);
}

Response Server::Dispatch(const Request& request, const std::string& line, Upstream* upstream) {
  if (request.f == "ping") {
    return OkResponse(
        request.id, Json{{"node", options_.node}, {"role", is_primary_ ? "primary" : "follower"}});
  }
  const bool follower_reads = options_.bug == "follower-reads";
  if (request.f == "replicate") {
    if (is_primary_ || !follower_reads) return FailResponse(request.id, "unknown f \"replicate\"");
    return Replicate(request);
  }
  if (is_primary_) return store_->Execute(request);
  if (follower_reads && request.f == "read") return ReadLocalCopy(request);
  return Forward(request, line, upstream);
}

Response Server::Forward(const Request& request, const std::string& line, Upstream* upstream) {
  // fail only while no byte of the request has left this node; info once any may have.
  auto fail = [&](const std::string& error) {
    upstream->Close();
    LogForwardError("fail: " + error);
    return FailResponse(request.id, error);
  };
  auto info = [&](const std::string& error) {
    upstream->Close();
    LogForwardError("info: " + error);
    return InfoResponse(request.id, error);
  };
  if (upstream->fd >= 0 && !wire::IdleConnectionUsable(upstream->fd)) upstream->Close();
  if (upstream->fd < 0) {
    auto dialed = wire::DialTcp(primary_host_, primary_port_,
                                std::chrono::milliseconds(options_.connect_timeout_ms));
    if (!dialed.ok()) return fail("primary unreachable: " + dialed.message());
    upstream->fd = *dialed;
    upstream->reader.Reset();
  }
  const wire::Deadline deadline =
      Clock::now() + std::chrono::milliseconds(options_.forward_timeout_ms);
  size_t sent = 0;
  wire::IoResult io = wire::WriteAll(upstream->fd, line + "\n", deadline, &sent);
  if (!io.ok()) {
    if (sent == 0) return fail("primary unreachable: " + io.error);
    return info("primary connection lost while sending: " + io.error);
  }
  std::string answer;
  io = upstream->reader.ReadLine(upstream->fd, deadline, &answer);
  if (!io.ok()) return info("no answer from primary: " + io.error);
  Response response;
  std::string error;
  if (!ParseResponse(answer, &response, &error) || response.id != request.id) {
    return info("bad answer from primary: " + answer.substr(0, 200));
  }
  return response;
}

void Server::LogForwardError(const std::string& what) {
  std::lock_guard<std::mutex> lock(log_mu_);
  const auto now = Clock::now();
  if (now - last_forward_log_ < std::chrono::seconds(1)) {
    ++forward_errors_unlogged_;
    return;
  }
  std::string more;
  if (forward_errors_unlogged_ > 0) {
    more = " (and " + std::to_string(forward_errors_unlogged_) + " more since the last line)";
  }
  std::fprintf(stderr, "kvd %s: forward to primary %s: %s%s\n", options_.node.c_str(),
               options_.primary.c_str(), what.c_str(), more.c_str());
  last_forward_log_ = now;
  forward_errors_unlogged_ = 0;
}

Response Server::ReadLocalCopy(const Request& request) {
  std::lock_guard<std::mutex> lock(copy_mu_);
  auto it = local_copy_.find(request.key_name);
  return OkResponse(request.id, it == local_copy_.end() ? Json() : it->second);
}

Response Server::Replicate(const Request& request) {
  std::lock_guard<std::mutex> lock(copy_mu_);
  local_copy_[request.key_name] = request.value;
  return OkResponse(request.id, nullptr);
}

}  // namespace coordcheck::kvd
