// Which node does what in a payments target. The target's nodes, in order:
//   payments (SQLite):       n1 = the payments service (SQLite in its own process),
//                            n2 = the ledger                                   (2 nodes)
//   payments-pg (PostgreSQL): n1 = PostgreSQL, n2 .. n(N-1) = payments service instances
//                            sharing it, nN = the ledger                       (N >= 3)
// Every node is a target node: kills, pauses and partitions reach the database, the
// service instances and the ledger alike.
//
// Thread-safety: plain value type.
#pragma once

#include <string>
#include <vector>

namespace coordcheck::payments {

enum class Store { kSqlite, kPostgres };

struct Layout {
  Store store = Store::kSqlite;
  std::string db;                     // the PostgreSQL node ("" with SQLite)
  std::vector<std::string> services;  // service instances, in node order
  std::string ledger;

  // The layout of `nodes` (the target's nodes, in order; extra nodes excluded) for `store`.
  // `nodes` must have at least 2 (SQLite) or 3 (PostgreSQL) entries.
  static Layout Of(Store store, const std::vector<std::string>& nodes) {
    Layout l;
    l.store = store;
    size_t first_service = 0;
    if (store == Store::kPostgres) {
      l.db = nodes.front();
      first_service = 1;
    }
    for (size_t i = first_service; i + 1 < nodes.size(); ++i) l.services.push_back(nodes[i]);
    l.ledger = nodes.back();
    return l;
  }
};

}  // namespace coordcheck::payments
