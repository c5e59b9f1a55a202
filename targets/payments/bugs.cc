#include "targets/payments/bugs.h"

namespace coordcheck::payments {

const std::vector<BugSpec>& AllBugs() {
  static const std::vector<BugSpec> bugs = {
      {Bug::kNoKey, "no-key",
       "ignores the idempotency key: every retry of a payment charges it again"},
      {Bug::kCheckThenInsert, "check-then-insert",
       "looks the key up outside the charge's transaction: two attempts of one payment both "
       "find no key and both charge"},
      {Bug::kEffectBeforeKey, "effect-before-key",
       "commits the charge, then stores the key in a second transaction: a crash or a retry "
       "in between charges twice"},
      {Bug::kShortKeyTtl, "short-key-ttl",
       "expires idempotency keys after short_key_ttl_ms, sooner than clients stop retrying: a "
       "late retry charges again"},
      {Bug::kPublishThenCommit, "publish-then-commit",
       "no outbox: sends the charge's event to the ledger before committing, so a charge that "
       "then fails to commit leaves a phantom event"},
      {Bug::kCommitThenPublish, "commit-then-publish",
       "no outbox: queues the event in memory after the commit (an after-commit hook), so a crash "
       "or a ledger unreachable for a few tries loses it"},
      {Bug::kNonDedupConsumer, "non-dedup-consumer",
       "the ledger does not deduplicate by event id: a redelivered event is applied twice"},
  };
  return bugs;
}

bool ParseBug(std::string_view name, Bug* bug) {
  if (name.empty()) {
    *bug = Bug::kNone;
    return true;
  }
  for (const BugSpec& b : AllBugs()) {
    if (name == b.name) {
      *bug = b.bug;
      return true;
    }
  }
  return false;
}

std::string_view BugName(Bug bug) {
  for (const BugSpec& b : AllBugs())
    if (b.bug == bug) return b.name;
  return "";
}

}  // namespace coordcheck::payments
