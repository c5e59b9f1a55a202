// KvdClient: the Client of the kvd target (protocol in targets/kvd/protocol.h).
//
// Open remembers the node's address and port (KvdOptions::port); the connection is made
// lazily, through the ClientEnv's Dialer, by the first Invoke and again after a connection
// was dropped. Invoke sends one request line and waits for the matching answer until the
// deadline. Mapping:
//   server ok                                     → ok (read: the value read; write and cas:
//                                                   the invoke's value)
//   server fail; connect failed or nothing of the
//   request was sent                              → fail, with the error
//   timeout, connection lost after sending, an
//   unparsable or mismatched answer, server info  → info; the connection is closed so the
//                                                   next op starts on a fresh one
// It never guesses ok or fail.
//
// Thread-safety: one thread at a time (Client's contract).
#pragma once

#include <cstdint>
#include <string>

#include "targets/client.h"
#include "targets/kvd/options.h"
#include "targets/wire/wire.h"

namespace coordcheck::kvd {

class KvdClient final : public Client {
 public:
  KvdClient() = default;
  ~KvdClient() override;
  KvdClient(const KvdClient&) = delete;
  KvdClient& operator=(const KvdClient&) = delete;

  Status Open(const ClientEnv& env, const std::string& node) override;
  Op Invoke(const Op& invoke, Deadline deadline) override;
  void Close() override;

 private:
  // "n1 (10.77.0.11:7000)", for error messages.
  std::string Where() const;
  void Disconnect();

  control::Dialer* dialer_ = nullptr;
  std::string node_;
  std::string address_;
  KvdOptions options_;
  int fd_ = -1;
  wire::LineReader reader_;
  int64_t next_id_ = 1;
};

}  // namespace coordcheck::kvd
