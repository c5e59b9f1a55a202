// The payments targets: our reference payments service (idempotency keys and an outbox) and
// its ledger, with PostgreSQL (payments-pg) or SQLite (payments, the embedded default for a
// single instance) as the key store; driven by the payments workload (PaymentsClient).
//
// Thread-safety: Target objects are immutable.
#pragma once

#include "targets/target.h"

namespace coordcheck::payments {

const Target& PaymentsTarget();    // "payments": SQLite, 1 service instance + the ledger
const Target& PaymentsPgTarget();  // "payments-pg": PostgreSQL, N-2 instances + the ledger

}  // namespace coordcheck::payments
