#include "targets/payments/line_link.h"

#include <unistd.h>

namespace coordcheck::payments {

void LineLink::Close() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  reader_.Reset();
}

LinkReply LineLink::Call(const nlohmann::json& request, std::chrono::milliseconds timeout) {
  LinkReply reply;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  if (fd_ >= 0 && !wire::IdleConnectionUsable(fd_)) Close();
  if (fd_ < 0) {
    auto fd = dial_ ? dial_(host_, port_, timeout) : wire::DialTcp(host_, port_, timeout);
    if (!fd.ok()) {
      reply.error = fd.message();
      return reply;
    }
    fd_ = *fd;
  }
  size_t sent = 0;
  wire::IoResult w = wire::WriteAll(fd_, request.dump() + "\n", deadline, &sent);
  if (!w.ok()) {
    reply.sent = sent > 0;
    reply.error = where() + ": " + w.error;
    Close();
    return reply;
  }
  reply.sent = true;
  std::string line;
  wire::IoResult r = reader_.ReadLine(fd_, deadline, &line);
  if (!r.ok()) {
    reply.error = where() + ": " + r.error;
    Close();
    return reply;
  }
  reply.answer = nlohmann::json::parse(line, nullptr, false);
  if (!reply.answer.is_object()) {
    reply.error = where() + ": unparsable answer: " + line.substr(0, 200);
    Close();
    return reply;
  }
  reply.ok = true;
  return reply;
}

}  // namespace coordcheck::payments
