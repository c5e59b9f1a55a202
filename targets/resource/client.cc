#include "targets/resource/client.h"

#include <unistd.h>

#include <algorithm>

#include "targets/resource/protocol.h"

namespace coordcheck::resource {
namespace {

constexpr size_t kMaxQuotedAnswer = 200;

std::string Quote(const std::string& answer) {
  if (answer.size() <= kMaxQuotedAnswer) return answer;
  return answer.substr(0, kMaxQuotedAnswer) + "...";
}

Reply Make(Outcome outcome, std::string error, Json value = nullptr) {
  Reply r;
  r.outcome = outcome;
  r.error = std::move(error);
  r.value = std::move(value);
  return r;
}

}  // namespace

std::string_view OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kOk:
      return "ok";
    case Outcome::kFail:
      return "fail";
    case Outcome::kUncertain:
      return "uncertain";
  }
  return "uncertain";
}

ResourceClient::~ResourceClient() { Disconnect(); }

Status ResourceClient::Open(control::Dialer* dialer, const std::string& address, int port,
                                     std::chrono::milliseconds connect_timeout) {
  Disconnect();
  if (dialer == nullptr) return Status::Error("resource client: no dialer");
  if (port < 1 || port > 65535) {
    return Status::Error("resource client: bad port " + std::to_string(port));
  }
  dialer_ = dialer;
  address_ = address;
  port_ = port;
  connect_timeout_ = connect_timeout;
  return Status::Ok();
}

void ResourceClient::Disconnect() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  reader_.Reset();
}

void ResourceClient::Close() { Disconnect(); }

Reply ResourceClient::Read(const std::string& cs, int64_t process, std::optional<int64_t> fence,
                           Deadline deadline) {
  return Call("read", cs.empty() ? Json() : Json(cs), process, fence, nullptr, deadline);
}

Reply ResourceClient::Write(const std::string& cs, int64_t process, std::optional<int64_t> fence,
                            int64_t value, Deadline deadline) {
  return Call("write", cs.empty() ? Json() : Json(cs), process, fence, value, deadline);
}

Reply ResourceClient::Log(Deadline deadline) {
  return Call("log", nullptr, std::nullopt, std::nullopt, nullptr, deadline);
}

Reply ResourceClient::Ping(Deadline deadline) {
  return Call("ping", nullptr, std::nullopt, std::nullopt, nullptr, deadline);
}

Reply ResourceClient::Call(const std::string& f, const Json& cs, std::optional<int64_t> process,
                           std::optional<int64_t> fence, const Json& value, Deadline deadline) {
  using std::chrono::milliseconds;
  const std::string where = wire::JoinHostPort(address_, port_);
  if (dialer_ == nullptr) return Make(Outcome::kFail, "resource client: used before Open");
  const auto now = std::chrono::steady_clock::now();
  if (now >= deadline) {
    return Make(Outcome::kFail, where + ": deadline passed before the request was sent");
  }
  if (fd_ >= 0 && !wire::IdleConnectionUsable(fd_)) Disconnect();
  if (fd_ < 0) {
    const milliseconds left = std::chrono::ceil<milliseconds>(deadline - now);
    auto fd = dialer_->Connect(address_, port_, std::min(left, connect_timeout_));
    if (!fd.ok()) return Make(Outcome::kFail, where + ": " + fd.message());
    fd_ = *fd;
    reader_.Reset();
  }

  Request request;
  request.id = next_id_++;
  request.f = f;
  request.cs = cs;
  request.process = process;
  request.fence = fence;
  request.value = value;
  size_t sent = 0;
  wire::IoResult io = wire::WriteAll(fd_, EncodeRequest(request) + "\n", deadline, &sent);
  if (!io.ok()) {
    Disconnect();
    if (sent == 0) return Make(Outcome::kFail, where + ": request not sent: " + io.error);
    return Make(Outcome::kUncertain, where + ": connection lost while sending: " + io.error);
  }
  std::string answer;
  io = reader_.ReadLine(fd_, deadline, &answer);
  if (!io.ok()) {
    Disconnect();
    if (io.code == wire::IoCode::kTimeout) {
      return Make(Outcome::kUncertain, where + ": no answer by the deadline");
    }
    return Make(Outcome::kUncertain, where + ": connection lost after sending: " + io.error);
  }
  Response response;
  std::string error;
  if (!ParseResponse(answer, &response, &error) || response.id != request.id) {
    Disconnect();
    return Make(Outcome::kUncertain, where + ": unexpected answer: " + Quote(answer));
  }
  if (response.type == "ok") return Make(Outcome::kOk, "", std::move(response.value));
  std::string why = response.error.is_string() ? response.error.get<std::string>()
                    : response.error.is_null() ? std::string("failed")
                                               : response.error.dump();
  return Make(Outcome::kFail, std::move(why), std::move(response.value));
}

}  // namespace coordcheck::resource
