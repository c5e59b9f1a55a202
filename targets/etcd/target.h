// The etcd target: the register ops (read, write, cas on independent keys) on a real etcd
// cluster — EtcdDb's lifecycle on every node, EtcdRegisterClient at home on one node each.
// A real system: no bug variants. Runs on 1 to 7 nodes, 3 by default.
//
// Thread-safety: immutable.
#pragma once

#include "targets/target.h"

namespace coordcheck::etcd {

const Target& EtcdTarget();

}  // namespace coordcheck::etcd
