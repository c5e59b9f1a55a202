// RESP: a small client of the Redis protocol (RESP2) over a Dialer-made TCP connection,
// every call bounded by a deadline.
//
// Commands go out as arrays of bulk strings (binary-safe argv); replies come back parsed
// into a Reply: simple string, error, integer, bulk string, nil (the null bulk string and
// the null array) or array. An error reply (-ERR ...) is a Reply, not a failed call: the
// server answered.
//
// What a failed call means (shared/STYLE.md, errors tier 1): RespConnection::Call returns
// an error Status when no reply arrived, and says in `*uncertain` whether the command may
// still have reached the server:
//   *uncertain == false  nothing of the command left this host (connect refused or timed
//                        out, deadline already passed, the kernel accepted no byte): the
//                        command certainly did not run;
//   *uncertain == true   some or all of it was sent and no complete reply came back by the
//                        deadline (timeout, connection lost, unparsable reply): it may
//                        have run, or may still run later (a paused server runs it once
//                        resumed).
// After an uncertain call the connection is closed (a late reply must never be taken for
// the answer to the next command); the next call connects afresh. A connection the server
// closed while idle (it was restarted) is noticed before sending and replaced, so a
// restart does not make the next command uncertain.
//
// Thread-safety: Reply, EncodeCommand and ParseReply are plain values and pure functions.
// A RespConnection is used by one thread at a time.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "harness/control/dialer.h"
#include "base/status.h"

namespace coordcheck::redis {

using Deadline = std::chrono::steady_clock::time_point;

// One RESP2 reply (a tagged value).
struct Reply {
  enum class Type : uint8_t { kSimple, kError, kInteger, kBulk, kNil, kArray };

  Type type = Type::kNil;
  std::string text;             // kSimple, kError (without the '-'), kBulk (binary-safe)
  int64_t integer = 0;          // kInteger
  std::vector<Reply> elements;  // kArray

  static Reply Simple(std::string text);
  static Reply Error(std::string text);
  static Reply Integer(int64_t value);
  static Reply Bulk(std::string text);
  static Reply Nil();
  static Reply Array(std::vector<Reply> elements);

  bool is_error() const { return type == Type::kError; }
  bool is_nil() const { return type == Type::kNil; }
  // The simple string "OK" (SET's success).
  bool is_ok() const { return type == Type::kSimple && text == "OK"; }
  // Rendered as redis-cli does, for messages: OK, (error) ERR x, (integer) 1, "v", (nil),
  // [a, b]. Long texts are cut at about 200 bytes.
  std::string ToString() const;

  bool operator==(const Reply& other) const = default;
};

// The command `argv` in RESP: *N\r\n then $len\r\narg\r\n per argument.
std::string EncodeCommand(const std::vector<std::string>& argv);

enum class ParseStatus { kComplete, kIncomplete, kInvalid };

// Parses one reply at the start of `input`. kComplete: *reply is set and *consumed is the
// number of bytes it took. kIncomplete: `input` is a proper prefix of a reply (read more).
// kInvalid: not RESP2; *error says why. Nesting deeper than 32, bulk strings over
// 512 MiB, arrays over 2^24 elements and other lines over 64 KiB are invalid.
ParseStatus ParseReply(std::string_view input, Reply* reply, size_t* consumed, std::string* error);

// One connection to one Redis instance, opened lazily through the Dialer.
class RespConnection {
 public:
  // `node` and `address:port` name the instance in messages. `dialer` must outlive this.
  RespConnection(control::Dialer* dialer, std::string node, std::string address, int port);
  ~RespConnection();
  RespConnection(const RespConnection&) = delete;
  RespConnection& operator=(const RespConnection&) = delete;

  // Sends `argv` and reads its reply, by `deadline` (connecting first when needed). On an
  // error, `*uncertain` says whether the command may have run (see the header comment);
  // the message names the node and address ("n1 (10.77.0.11:6379): no reply by the
  // deadline").
  Result<Reply> Call(const std::vector<std::string>& argv, Deadline deadline,
                              bool* uncertain);
  // Hands `argv` to the kernel without waiting for the socket or for a reply, then closes
  // the connection: for a last command whose outcome nobody will wait for (undoing a lock
  // attempt when the deadline has come). True when the connection was open and idle and
  // the kernel took the whole command. Redis runs a command that arrived before the
  // connection's end (it reads the bytes before it sees the FIN); its reply is lost.
  bool SendAndClose(const std::vector<std::string>& argv);
  // Closes the connection (the next Call connects again).
  void Disconnect();
  bool connected() const { return fd_ >= 0; }
  // "n1 (10.77.0.11:6379)".
  const std::string& where() const { return where_; }

 private:
  control::Dialer* dialer_;
  std::string node_;
  std::string address_;
  int port_;
  std::string where_;
  int fd_ = -1;
  std::string buffer_;  // bytes read after the last complete reply
};

}  // namespace coordcheck::redis
