// The payments service's and the ledger's wire protocol: line-delimited JSON over TCP, one
// request per line, one response per line, answered in order on each connection.
//
// Payments service (coordcheck-payments, PaymentsOptions::service_port):
//   {"op": "charge", "key": K, "account": A, "amount": N}
//       → {"ok": true, "charge_id": C, "replayed": bool}
//       → {"ok": false, "definite": true, "error": E}   rolled back before commit: not applied
//       → {"ok": false, "definite": false, "error": E}  outcome unknown (commit lost, ...)
//   {"op": "balance", "account": A}  → {"ok": true, "balance": N}
//   {"op": "pending"}                → {"ok": true, "pending": P, "outbox": bool,
//                                       "charging": N}
//                                      (P: events not yet delivered: in the outbox table,
//                                      or for commit-then-publish in its in-memory queue;
//                                      N: charges this instance is working on now, whose
//                                      client may have given up long ago)
//   {"op": "read"}                   → {"ok": true, "charges": [[C, K, A, N], ...],
//                                       "balances": {A: N}}
//   {"op": "ping"}                   → {"ok": true, "node": NODE}
// Ledger (coordcheck-ledger, PaymentsOptions::ledger_port), the outbox's consumer:
//   {"op": "apply", "events": [[E, A, N], ...]} → {"ok": true, "applied": n}
//       (n = events applied now; a deduplicating ledger skips ids it already applied)
//   {"op": "read"}  → {"ok": true, "events": [[E, A, N, applications], ...], "balances": {A: N}}
//   {"op": "ping"}  → {"ok": true, "node": NODE}
// Any failure → {"ok": false, "definite": bool, "error": E}; a malformed request →
// {"ok": false, "definite": true, "error": "bad request: ..."}.
//
// Thread-safety: constants only.
#pragma once

namespace coordcheck::payments {

inline constexpr int kDefaultServicePort = 7500;
inline constexpr int kDefaultLedgerPort = 7600;

}  // namespace coordcheck::payments
