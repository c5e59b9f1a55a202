// PaymentsClient: the payments workload's Client (workloads/payments/ops.h gives the ops) for
// both payments targets, talking the service's and the ledger's wire protocol
// (targets/payments/protocol.h: line-delimited JSON, answers in order, no request ids).
//
//   charge        key K, value {"account", "amount", "attempt": I}. Attempt I goes to service
//                 instance services[(home + I - 1) % services.size()], home = the position of
//                 Open's node among the nodes: a retry goes to the next instance, as a load
//                 balancer retrying elsewhere would. Sends {"op":"charge","key","account",
//                 "amount"} and waits at most min(deadline, now + attempt_timeout_ms) in all.
//                 → ok {"account", "amount", "attempt", "charge_id", "replayed"}
//                 → fail: the service answered {"ok":false,"definite":true}, or nothing was
//                   sent (connect refused or timed out, the op's deadline already passed)
//                 → info: {"ok":false,"definite":false}, no answer in time, the connection
//                   lost after sending, an answer that cannot be parsed.
//   drain         asks every instance {"op":"pending"} in rounds (from the home instance on,
//                 ~50 ms apart) until, in one round, each answered with nothing pending in
//                 the (shared) outbox and no charge in progress ("charging": 0: a charge
//                 whose client gave up may still commit) → ok {"pending": 0, "outbox": B};
//                 at ~200 ms before the deadline → info {"pending": P (the last outbox size
//                 heard, null if none), "outbox": true}.
//   read-service  {"op":"read"} on the first service instance that answers → ok {"charges",
//                 "balances"} as given; fail when no instance got the request, else info.
//   read-ledger   {"op":"read"} on the ledger → ok {"events", "balances"}; fail / info as
//                 for a charge.
//   anything else → fail "unknown op".
// Every completion names the node it talked to (Op::node). Its error is the service's own
// "error" when the service answered {"ok": false}, else what went wrong on the way, naming
// the node and its address ("n2 (10.77.0.12:7500): no answer in time").
//
// Connections: one per node, made lazily through the Dialer, dropped after any error or
// timeout (a late answer must never be taken for a later request's) and when an idle one
// shows the peer went away; the next call dials afresh.
//
// Thread-safety: one thread at a time (Client's contract).
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "targets/client.h"
#include "targets/payments/layout.h"
#include "workloads/payments/options.h"
#include "targets/wire/wire.h"

namespace coordcheck::payments {

class PaymentsClient final : public Client {
 public:
  // With the options given (tests), or (the targets' MakeClient) read by Open from the
  // run's workload options.
  PaymentsClient(Store store, PaymentsOptions options);
  explicit PaymentsClient(Store store);
  ~PaymentsClient() override;
  PaymentsClient(const PaymentsClient&) = delete;
  PaymentsClient& operator=(const PaymentsClient&) = delete;

  // Works out the layout from env.nodes (the target's nodes, extra nodes excluded) and
  // remembers the addresses; connects lazily. An error when the nodes do not fit the store's
  // layout, a node has no address, there is no dialer, or `node` is not one of env.nodes.
  Status Open(const ClientEnv& env, const std::string& node) override;
  Op Invoke(const Op& invoke, Deadline deadline) override;
  void Close() override;

  // The layout Open worked out (for tests and diagnostics).
  const Layout& layout() const { return layout_; }

 private:
  struct Connection {
    std::string address;
    int port = 0;
    int fd = -1;
    wire::LineReader reader{size_t{1} << 30};  // a read's answer is one long line
  };
  // What one request/answer exchange with a node gave.
  struct Reply {
    enum class Kind {
      kOk,         // {"ok": true, ...}: body holds the answer
      kNotSent,    // nothing of the request left this host: certainly not applied
      kRefused,    // {"ok": false, "definite": true}: certainly not applied
      kUncertain,  // {"ok": false, "definite": false}, timeout, lost connection, garbage
    };
    Kind kind = Kind::kUncertain;
    Json body;
    std::string error;
  };

  Reply Call(const std::string& node, const Json& request, Deadline until);
  void Disconnect(Connection& connection);
  std::string Where(const std::string& node) const;

  Op Charge(const Op& invoke, Deadline deadline);
  Op Drain(const Op& invoke, Deadline deadline);
  Op ReadService(const Op& invoke, Deadline deadline);
  Op ReadLedger(const Op& invoke, Deadline deadline);

  Store store_;
  PaymentsOptions options_;
  bool options_from_env_ = false;
  control::Dialer* dialer_ = nullptr;
  Layout layout_;
  size_t home_ = 0;                                // Open's node's position among the nodes
  std::map<std::string, Connection> connections_;  // by node
};

}  // namespace coordcheck::payments
