// The kvd target: coordcheck's reference key-value service (a primary that holds the data,
// followers that forward to it) and its deliberately broken variants. See
// targets/kvd/server.h for the server, db.h for its lifecycle, client.h for its client.
//
// Thread-safety: immutable.
#pragma once

#include "targets/target.h"

namespace coordcheck::kvd {

const Target& KvdTarget();

}  // namespace coordcheck::kvd
