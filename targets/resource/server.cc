#include "targets/resource/server.h"

#include <unistd.h>

#include "targets/wire/server.h"
#include "targets/wire/wire.h"

namespace coordcheck::resource {
namespace {

// A reply that cannot be written within this time (a client that stopped reading) drops the
// connection.
constexpr auto kReplyTimeout = std::chrono::seconds(30);

}  // namespace

ResourceServer::ResourceServer(const ServerOptions& options) : options_(options) {}

ResourceServer::~ResourceServer() {
  if (listen_fd_ >= 0) close(listen_fd_);
}

Result<std::unique_ptr<ResourceServer>> ResourceServer::Start(
    const ServerOptions& options) {
  using R = Result<std::unique_ptr<ResourceServer>>;
  const std::string where = "resource" + (options.node.empty() ? "" : " " + options.node) + ": ";
  std::string host;
  int port = 0;
  if (!wire::ParseHostPort(options.listen, &host, &port)) {
    return R::Error(where + "bad --listen \"" + options.listen + "\" (want ADDR:PORT)");
  }
  auto listening = wire::ListenTcp(host, port);
  if (!listening.ok()) return R::Error(where + listening.message());
  std::unique_ptr<ResourceServer> server(new ResourceServer(options));
  server->listen_fd_ = *listening;
  StateOptions so;
  so.mode = options.mode;
  so.data_dir = options.data_dir;
  auto state = ResourceState::Open(so);
  if (!state.ok()) return R::Error(where + state.message());
  server->state_ = std::move(state).value();
  return server;
}

std::string ResourceServer::Describe() const {
  std::string out = "resource" + (options_.node.empty() ? "" : " " + options_.node) +
                    ": listening on " + options_.listen + ", mode " +
                    std::string(ModeName(options_.mode));
  if (options_.data_dir.empty()) return out + ", log in memory only";
  return out + ", data dir " + options_.data_dir + " (" + std::to_string(state_->replayed()) +
         " entries replayed, counter " + std::to_string(state_->counter()) + ")";
}

void ResourceServer::Serve(int stop_fd) {
  wire::ServeConnections(listen_fd_, stop_fd, "resource", [this](int fd) { HandleConnection(fd); });
}

void ResourceServer::HandleConnection(int fd) {
  wire::AnswerLines(fd, options_.max_line_bytes, kReplyTimeout, "resource",
                    [&](const std::string& line) {
                      Request request;
                      std::string error;
                      Response response = ParseRequest(line, &request, &error)
                                              ? Dispatch(request)
                                              : Response{request.id, "fail", nullptr, error};
                      return EncodeResponse(response);
                    });
  close(fd);
}

Response ResourceServer::Dispatch(const Request& request) {
  if (request.f == "ping") {
    return {request.id, "ok",
            Json{{"node", options_.node},
                 {"mode", ModeName(options_.mode)},
                 {"entries", state_->entries()},
                 {"counter", state_->counter()}},
            nullptr};
  }
  return state_->Execute(request);
}

}  // namespace coordcheck::resource
