// The payments workload's ops in a history, as the idempotency and outbox checkers
// read them; they need nothing but the history.
//
// Client ops (process >= 0). `key` is the idempotency key, a string unique per logical
// payment ("p<thread>-<n>"); every attempt of that payment is its own op with the same key:
//   charge  invoke {"account": A, "amount": N, "attempt": I}   (I = 1, 2, ... within a key;
//           A a string, N an integer > 0; every attempt of a key has the same A and N)
//           → ok   {"account", "amount", "attempt", "charge_id": C, "replayed": bool}
//                  (C a string; replayed = the service answered from the stored response)
//           → fail (the invoke's value) certainly not applied: refused before anything was
//                  sent, or the service reported its transaction rolled back before commit
//           → info (the invoke's value) unknown: timeout, connection lost, commit outcome
//                  unknown
// Final phase (after healing; no key):
//   drain         invoke null → ok {"pending": 0, "outbox": bool}: the service is quiet —
//                 no charge is still being worked on (one whose client timed out may still
//                 commit) and the relay delivered every event in the outbox (outbox false:
//                 the variant has none; whatever it still held for delivery in memory is
//                 delivered or dropped); info {"pending": P, "outbox": true} when it was not
//                 quiet by the op's deadline (undelivered events may still arrive: lost
//                 events cannot be judged)
//   read-service  invoke null → ok {"charges": [[C, key, A, N], ...], "balances": {A: sum}}
//                 every committed charge in the payments service's database and every
//                 account's balance there, read in one transaction
//   read-ledger   invoke null → ok {"events": [[E, A, N, applications], ...],
//                                   "balances": {A: sum}}
//                 every event the ledger (the outbox's consumer) received, with how many
//                 times it applied it (a deduplicating consumer applies each once), and its
//                 balances; E is the charge id the event was emitted for
//
// Thread-safety: constants only.
#pragma once

namespace coordcheck::payment_ops {

inline constexpr const char* kCharge = "charge";
inline constexpr const char* kDrain = "drain";
inline constexpr const char* kReadService = "read-service";
inline constexpr const char* kReadLedger = "read-ledger";

}  // namespace coordcheck::payment_ops
