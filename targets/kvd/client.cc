#include "targets/kvd/client.h"

#include <unistd.h>

#include <algorithm>

#include "targets/kvd/protocol.h"

namespace coordcheck::kvd {
namespace {

constexpr size_t kMaxQuotedAnswer = 200;

std::string Quote(const std::string& answer) {
  if (answer.size() <= kMaxQuotedAnswer) return answer;
  return answer.substr(0, kMaxQuotedAnswer) + "...";
}

}  // namespace

KvdClient::KvdClient()
    : endpoint_fn_([](const Json& options) -> Result<LineEndpoint> {
        auto parsed = ParseKvdOptions(options);
        if (!parsed.ok()) return parsed.status();
        return LineEndpoint{parsed->port, parsed->connect_timeout_ms};
      }) {}

KvdClient::KvdClient(std::string label, EndpointFn endpoint)
    : label_(std::move(label)), endpoint_fn_(std::move(endpoint)) {}

KvdClient::~KvdClient() { Disconnect(); }

Status KvdClient::Open(const ClientEnv& env, const std::string& node) {
  Disconnect();
  if (env.dialer == nullptr) return Status::Error(label_ + " client for " + node + ": no dialer");
  auto address = env.addresses.find(node);
  if (address == env.addresses.end()) {
    return Status::Error(label_ + " client: unknown node " + node);
  }
  auto endpoint = endpoint_fn_(env.options);
  if (!endpoint.ok())
    return Status::Error(label_ + " client for " + node + ": " + endpoint.message());
  dialer_ = env.dialer;
  node_ = node;
  address_ = address->second;
  endpoint_ = *endpoint;
  return Status::Ok();
}

std::string KvdClient::Where() const {
  return node_ + " (" + wire::JoinHostPort(address_, endpoint_.port) + ")";
}

void KvdClient::Disconnect() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  reader_.Reset();
}

void KvdClient::Close() { Disconnect(); }

Op KvdClient::Invoke(const Op& invoke, Deadline deadline) {
  using std::chrono::milliseconds;
  if (dialer_ == nullptr) return CompleteFail(invoke, label_ + " client: Invoke before Open");
  const auto now = std::chrono::steady_clock::now();
  if (now >= deadline) {
    return CompleteFail(invoke, Where() + ": deadline passed before the request was sent");
  }
  if (fd_ >= 0 && !wire::IdleConnectionUsable(fd_)) Disconnect();
  if (fd_ < 0) {
    const milliseconds left = std::chrono::ceil<milliseconds>(deadline - now);
    auto fd = dialer_->Connect(address_, endpoint_.port,
                               std::min(left, milliseconds(endpoint_.connect_timeout_ms)));
    if (!fd.ok()) return CompleteFail(invoke, Where() + ": " + fd.message());
    fd_ = *fd;
    reader_.Reset();
  }

  const Json id = next_id_++;
  size_t sent = 0;
  wire::IoResult io = wire::WriteAll(
      fd_, EncodeRequest(id, invoke.f, invoke.key, invoke.value) + "\n", deadline, &sent);
  if (!io.ok()) {
    Disconnect();
    if (sent == 0) return CompleteFail(invoke, Where() + ": request not sent: " + io.error);
    return CompleteInfo(invoke, Where() + ": connection lost while sending: " + io.error);
  }
  std::string answer;
  io = reader_.ReadLine(fd_, deadline, &answer);
  if (!io.ok()) {
    Disconnect();
    if (io.code == wire::IoCode::kTimeout)
      return CompleteInfo(invoke, Where() + ": no answer by the deadline");
    return CompleteInfo(invoke, Where() + ": connection lost after sending: " + io.error);
  }
  Response response;
  std::string error;
  if (!ParseResponse(answer, &response, &error) || response.id != id) {
    Disconnect();
    return CompleteInfo(invoke, Where() + ": unexpected answer: " + Quote(answer));
  }
  if (response.type == "ok") {
    const bool echoes_argument = invoke.f == "write" || invoke.f == "cas";
    return CompleteOk(invoke, echoes_argument ? invoke.value : std::move(response.value));
  }
  if (response.type == "fail") {
    return CompleteFail(invoke, response.error.is_null() ? Json("failed") : response.error);
  }
  Disconnect();
  return CompleteInfo(
      invoke, response.error.is_null() ? Json(Where() + ": outcome unknown") : response.error);
}

}  // namespace coordcheck::kvd
