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
// The same client serves every service that speaks kvd's protocol (coordcheck-raft): such a
// target constructs it with its own name and a function that reads its port and connect
// timeout from the target's options.
//
// Thread-safety: one thread at a time (Client's contract).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "targets/client.h"
#include "targets/kvd/options.h"
#include "targets/wire/wire.h"

namespace coordcheck::kvd {

// Where a node of a kvd-protocol service listens, read from the target's options.
struct LineEndpoint {
  int port = 0;
  int connect_timeout_ms = 1000;
};
using EndpointFn = std::function<Result<LineEndpoint>(const Json& target_options)>;

class KvdClient final : public Client {
 public:
  KvdClient();  // kvd's own (KvdOptions)
  // A client of another service speaking the protocol; `label` names it in messages.
  KvdClient(std::string label, EndpointFn endpoint);
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
  std::string label_ = "kvd";
  EndpointFn endpoint_fn_;
  LineEndpoint endpoint_;
  int fd_ = -1;
  wire::LineReader reader_;
  int64_t next_id_ = 1;
};

}  // namespace coordcheck::kvd
