// The raft target: coordcheck's own Raft (coordcheck-raft) with a key-value store and a lock
// table, and its deliberately broken variants. See core.h for the consensus, node.h and
// server.h for the node, db.h for its lifecycle, client.h for its client.
//
// Thread-safety: immutable.
#pragma once

#include "targets/target.h"

namespace coordcheck::raft {

const Target& RaftTarget();

}  // namespace coordcheck::raft
