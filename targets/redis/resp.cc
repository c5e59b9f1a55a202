#include "targets/redis/resp.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "targets/wire/wire.h"

namespace coordcheck::redis {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kMaxDepth = 32;
constexpr int64_t kMaxBulkBytes = int64_t{512} << 20;
constexpr int64_t kMaxArrayElements = int64_t{1} << 24;
constexpr size_t kMaxRendered = 200;
constexpr size_t kMaxLineBytes = 64 * 1024;  // a type byte's line (not a bulk's payload)

// The line starting at `pos` (without "\r\n") and the position after it; false when its
// "\r\n" has not arrived yet.
bool FindLine(std::string_view input, size_t pos, std::string_view* line, size_t* next) {
  const size_t cr = input.find("\r\n", pos);
  if (cr == std::string_view::npos) return false;
  *line = input.substr(pos, cr - pos);
  *next = cr + 2;
  return true;
}

bool ParseInteger(std::string_view text, int64_t* value) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *value);
  return ec == std::errc() && end == text.data() + text.size();
}

ParseStatus ParseAt(std::string_view input, size_t pos, int depth, Reply* reply, size_t* next,
                    std::string* error) {
  if (depth > kMaxDepth) {
    *error = "replies nested deeper than " + std::to_string(kMaxDepth);
    return ParseStatus::kInvalid;
  }
  if (pos >= input.size()) return ParseStatus::kIncomplete;
  std::string_view line;
  size_t after = 0;
  if (!FindLine(input, pos + 1, &line, &after)) {
    if (input.size() - pos > kMaxLineBytes) {
      *error = "reply line longer than " + std::to_string(kMaxLineBytes) + " bytes";
      return ParseStatus::kInvalid;
    }
    return ParseStatus::kIncomplete;
  }
  const char kind = input[pos];
  switch (kind) {
    case '+':
      *reply = Reply::Simple(std::string(line));
      *next = after;
      return ParseStatus::kComplete;
    case '-':
      *reply = Reply::Error(std::string(line));
      *next = after;
      return ParseStatus::kComplete;
    case ':': {
      int64_t value = 0;
      if (!ParseInteger(line, &value)) {
        *error = "bad integer reply \":" + std::string(line.substr(0, 40)) + "\"";
        return ParseStatus::kInvalid;
      }
      *reply = Reply::Integer(value);
      *next = after;
      return ParseStatus::kComplete;
    }
    case '$': {
      int64_t length = 0;
      if (!ParseInteger(line, &length) || length < -1 || length > kMaxBulkBytes) {
        *error = "bad bulk length \"$" + std::string(line.substr(0, 40)) + "\"";
        return ParseStatus::kInvalid;
      }
      if (length == -1) {
        *reply = Reply::Nil();
        *next = after;
        return ParseStatus::kComplete;
      }
      const size_t size = static_cast<size_t>(length);
      if (input.size() < after + size + 2) return ParseStatus::kIncomplete;
      if (input.substr(after + size, 2) != "\r\n") {
        *error = "bulk string of " + std::to_string(size) + " bytes not followed by CRLF";
        return ParseStatus::kInvalid;
      }
      *reply = Reply::Bulk(std::string(input.substr(after, size)));
      *next = after + size + 2;
      return ParseStatus::kComplete;
    }
    case '*': {
      int64_t count = 0;
      if (!ParseInteger(line, &count) || count < -1 || count > kMaxArrayElements) {
        *error = "bad array length \"*" + std::string(line.substr(0, 40)) + "\"";
        return ParseStatus::kInvalid;
      }
      if (count == -1) {
        *reply = Reply::Nil();
        *next = after;
        return ParseStatus::kComplete;
      }
      std::vector<Reply> elements;
      elements.reserve(static_cast<size_t>(std::min<int64_t>(count, 1024)));
      size_t cursor = after;
      for (int64_t i = 0; i < count; ++i) {
        Reply element;
        ParseStatus status = ParseAt(input, cursor, depth + 1, &element, &cursor, error);
        if (status != ParseStatus::kComplete) return status;
        elements.push_back(std::move(element));
      }
      *reply = Reply::Array(std::move(elements));
      *next = cursor;
      return ParseStatus::kComplete;
    }
    default:
      *error = "unknown reply type byte 0x" + [&] {
        static constexpr char kHex[] = "0123456789abcdef";
        const auto byte = static_cast<unsigned char>(kind);
        return std::string{kHex[byte >> 4], kHex[byte & 15]};
      }();
      return ParseStatus::kInvalid;
  }
}

std::string Cut(const std::string& text) {
  return text.size() <= kMaxRendered ? text : text.substr(0, kMaxRendered) + "...";
}

}  // namespace

Reply Reply::Simple(std::string text) {
  Reply r;
  r.type = Type::kSimple;
  r.text = std::move(text);
  return r;
}

Reply Reply::Error(std::string text) {
  Reply r;
  r.type = Type::kError;
  r.text = std::move(text);
  return r;
}

Reply Reply::Integer(int64_t value) {
  Reply r;
  r.type = Type::kInteger;
  r.integer = value;
  return r;
}

Reply Reply::Bulk(std::string text) {
  Reply r;
  r.type = Type::kBulk;
  r.text = std::move(text);
  return r;
}

Reply Reply::Nil() { return Reply(); }

Reply Reply::Array(std::vector<Reply> elements) {
  Reply r;
  r.type = Type::kArray;
  r.elements = std::move(elements);
  return r;
}

std::string Reply::ToString() const {
  switch (type) {
    case Type::kSimple:
      return Cut(text);
    case Type::kError:
      return "(error) " + Cut(text);
    case Type::kInteger:
      return "(integer) " + std::to_string(integer);
    case Type::kBulk:
      return "\"" + Cut(text) + "\"";
    case Type::kNil:
      return "(nil)";
    case Type::kArray: {
      std::string out = "[";
      for (size_t i = 0; i < elements.size(); ++i) {
        if (out.size() > kMaxRendered) {
          out += ", ...";
          break;
        }
        out += (i == 0 ? "" : ", ") + elements[i].ToString();
      }
      return out + "]";
    }
  }
  return "?";
}

std::string EncodeCommand(const std::vector<std::string>& argv) {
  std::string out = "*" + std::to_string(argv.size()) + "\r\n";
  for (const std::string& arg : argv) {
    out += "$" + std::to_string(arg.size()) + "\r\n";
    out += arg;
    out += "\r\n";
  }
  return out;
}

ParseStatus ParseReply(std::string_view input, Reply* reply, size_t* consumed, std::string* error) {
  size_t next = 0;
  Reply parsed;
  ParseStatus status = ParseAt(input, 0, 0, &parsed, &next, error);
  if (status == ParseStatus::kComplete) {
    *reply = std::move(parsed);
    *consumed = next;
  }
  return status;
}

RespConnection::RespConnection(control::Dialer* dialer, std::string node, std::string address,
                               int port)
    : dialer_(dialer),
      node_(std::move(node)),
      address_(std::move(address)),
      port_(port),
      where_(node_ + " (" + address_ + ":" + std::to_string(port_) + ")") {}

RespConnection::~RespConnection() { Disconnect(); }

void RespConnection::Disconnect() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  buffer_.clear();
}

bool RespConnection::SendAndClose(const std::vector<std::string>& argv) {
  bool sent = false;
  if (fd_ >= 0 && buffer_.empty() && wire::IdleConnectionUsable(fd_)) {
    const std::string command = EncodeCommand(argv);
    ssize_t n;
    do {
      n = send(fd_, command.data(), command.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    sent = n == static_cast<ssize_t>(command.size());
  }
  Disconnect();
  return sent;
}

Result<Reply> RespConnection::Call(const std::vector<std::string>& argv, Deadline deadline,
                                   bool* uncertain) {
  using std::chrono::milliseconds;
  *uncertain = false;
  const auto now = Clock::now();
  if (now >= deadline) {
    return Status::Error(where_ + ": deadline passed before the command was sent");
  }
  if (fd_ >= 0 && (!buffer_.empty() || !wire::IdleConnectionUsable(fd_))) Disconnect();
  if (fd_ < 0) {
    if (dialer_ == nullptr) return Status::Error(where_ + ": no dialer");
    const milliseconds left =
        std::max(milliseconds(1), std::chrono::ceil<milliseconds>(deadline - now));
    auto fd = dialer_->Connect(address_, port_, left);
    if (!fd.ok()) return Status::Error(where_ + ": " + fd.message());
    fd_ = *fd;
  }

  size_t sent = 0;
  wire::IoResult io = wire::WriteAll(fd_, EncodeCommand(argv), deadline, &sent);
  if (!io.ok()) {
    Disconnect();
    *uncertain = sent > 0;
    return Status::Error(where_ +
                         (sent > 0 ? ": connection lost while sending: " : ": command not sent: ") +
                         io.error);
  }
  *uncertain = true;  // from here on the command may have run
  while (true) {
    Reply reply;
    size_t consumed = 0;
    std::string error;
    switch (ParseReply(buffer_, &reply, &consumed, &error)) {
      case ParseStatus::kComplete:
        buffer_.erase(0, consumed);
        *uncertain = false;
        return reply;
      case ParseStatus::kInvalid:
        Disconnect();
        return Status::Error(where_ + ": unparsable reply: " + error);
      case ParseStatus::kIncomplete:
        break;
    }
    // Wait for more bytes.
    const auto left = deadline - Clock::now();
    const int timeout_ms = left <= Clock::duration::zero()
                               ? 0
                               : static_cast<int>(std::min<int64_t>(
                                     std::chrono::ceil<milliseconds>(left).count(), 1'000'000'000));
    pollfd p{fd_, POLLIN, 0};
    const int ready = poll(&p, 1, timeout_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) {
      const std::string why = std::strerror(errno);
      Disconnect();
      return Status::Error(where_ + ": poll: " + why);
    }
    if (ready == 0) {
      Disconnect();
      return Status::Error(where_ + ": no reply by the deadline");
    }
    char chunk[16384];
    const ssize_t n = recv(fd_, chunk, sizeof chunk, MSG_DONTWAIT);
    if (n > 0) {
      buffer_.append(chunk, static_cast<size_t>(n));
    } else if (n == 0) {
      Disconnect();
      return Status::Error(where_ + ": connection closed by the server before its reply");
    } else if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
      const std::string why = std::strerror(errno);
      Disconnect();
      return Status::Error(where_ + ": connection lost before the reply: " + why);
    }
  }
}

}  // namespace coordcheck::redis
