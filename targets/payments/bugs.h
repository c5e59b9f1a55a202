// The payments targets' deliberately broken variants (--bug), shared by the Db (which
// passes them to the service and the ledger), the servers and the target's bug list.
//
// Thread-safety: constants and plain functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace coordcheck::payments {

enum class Bug {
  kNone,
  kNoKey,              // no idempotency key at all: every attempt charges
  kCheckThenInsert,    // the key is looked up outside the charge's transaction: two
                       // attempts both find none and both charge
  kEffectBeforeKey,    // the charge commits, then the key is stored in a second transaction:
                       // a crash or a retry in between charges twice
  kShortKeyTtl,        // keys expire sooner than clients stop retrying
  kPublishThenCommit,  // no outbox: the event goes to the ledger before the charge commits
                       // (a charge that then rolls back leaves a phantom event)
  kCommitThenPublish,  // no outbox: the event is queued in memory after the commit and
                       // published from there (a crash or an unreachable ledger loses it)
  kNonDedupConsumer,   // the ledger applies every delivery, so redeliveries apply twice
};

struct BugSpec {
  Bug bug;
  const char* name;
  const char* description;
};

// Every bug, in a stable order.
const std::vector<BugSpec>& AllBugs();
// The bug called `name` ("" = kNone); false when unknown.
bool ParseBug(std::string_view name, Bug* bug);
std::string_view BugName(Bug bug);

}  // namespace coordcheck::payments
