// EtcdRegisterClient: the Client of the `etcd` target — the register ops (read, write, cas
// on independent keys, as kvd's client defines them) on a real etcd cluster, through the v3
// JSON gateway (targets/etcd/gateway.h) of the client's home node only; etcd forwards
// writes and linearizable reads to the leader itself.
//
// Keys and values: the op's key (a JSON string or integer; null for none) is stored under
// "coordcheck/register/" + key.dump(), so 1 and "1" are different keys, as in kvd; a value is
// stored as its JSON dump. A register holding null is an absent etcd key: writing null
// deletes it, so "null" and "absent" never both stand for the same register state. Values
// compare as their dumps (etcd compares bytes): 1 and 1.0 differ; the workloads write
// integers.
//
//   read             kv/range {key} — linearizable: serializable is left false (etcd's
//                    default), so the member confirms with the leader (ReadIndex) before it
//                    answers. ok with the value parsed back, null when there is no key.
//   write v          kv/put {key, value} (kv/deleterange {key} for null). ok, value v.
//   cas [e, n]       kv/txn: compare value == dump(e) (for e = null: create_revision == 0,
//                    i.e. the key is absent); success: the write of n. ok (value [e, n])
//                    when the compare held; fail "mismatch" when etcd answered that it did
//                    not (`succeeded` false, which the gateway omits as proto3's default).
//
// Outcomes never guess (Client's contract): ok only on etcd's answer; fail only when the
// op certainly did not take effect — nothing of the request was sent (connect refused or
// timed out, deadline passed: HttpClient's certain failures), an error etcd answers only
// for requests it did not apply (gateway.h: InvalidArgument, ResourceExhausted, ...), or
// a cas whose compare failed; info for everything else — a timeout or lost connection
// after sending, Unavailable/DeadlineExceeded ("request timed out", "leader changed": the
// proposal may still commit), an answer that cannot be read (no header, a value that is
// not JSON). Errors name the node and its address ("n2 (10.77.0.12:2379): ...").
//
// Thread-safety: one thread at a time (Client's contract).
#pragma once

#include <memory>
#include <string>

#include "targets/client.h"
#include "targets/etcd/gateway.h"
#include "targets/etcd/http.h"
#include "targets/etcd/options.h"

namespace coordcheck::etcd {

class EtcdRegisterClient final : public Client {
 public:
  // Every register key lives under this prefix.
  static constexpr const char* kKeyPrefix = "coordcheck/register/";

  EtcdRegisterClient() = default;
  ~EtcdRegisterClient() override = default;
  EtcdRegisterClient(const EtcdRegisterClient&) = delete;
  EtcdRegisterClient& operator=(const EtcdRegisterClient&) = delete;

  Status Open(const ClientEnv& env, const std::string& node) override;
  Op Invoke(const Op& invoke, Deadline deadline) override;
  void Close() override;

  // The etcd key of a register key (exposed for tests).
  static std::string EtcdKey(const Json& key);

 private:
  Op Read(const Op& invoke, const std::string& key, Deadline deadline);
  Op Write(const Op& invoke, const std::string& key, Deadline deadline);
  Op Cas(const Op& invoke, const std::string& key, Deadline deadline);
  // The completion of a gateway call that failed: fail when certainly not applied, else info.
  Op Failed(const Op& invoke, const Status& error, const CallOutcome& outcome) const;
  // info for an answer that was not what the method returns.
  Op Unreadable(const Op& invoke, const char* method, const Json& reply) const;
  // "n1 (10.77.0.11:2379)", for error messages.
  std::string Where() const;

  std::string node_;
  std::string address_;
  EtcdOptions options_;
  std::unique_ptr<HttpClient> http_;
};

}  // namespace coordcheck::etcd
