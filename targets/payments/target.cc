#include "targets/payments/target.h"

#include "targets/payments/bugs.h"
#include "targets/payments/client.h"
#include "targets/payments/db.h"
#include "workloads/payments/ops.h"

namespace coordcheck::payments {
namespace {

class Payments final : public Target {
 public:
  explicit Payments(Store store) : store_(store) {}
  std::string name() const override { return store_ == Store::kSqlite ? "payments" : "payments-pg"; }
  std::string description() const override {
    return store_ == Store::kSqlite
               ? "our payments service (idempotency keys, outbox) on SQLite, one instance, and "
                 "its ledger: n1 service, n2 ledger"
               : "our payments service (idempotency keys, outbox) on PostgreSQL shared by "
                 "several instances, and its ledger: n1 PostgreSQL, n2..n(N-1) services, nN "
                 "ledger";
  }
  std::vector<BugInfo> bugs() const override {
    std::vector<BugInfo> out;
    for (const BugSpec& b : AllBugs()) out.push_back({b.name, b.description});
    return out;
  }
  std::vector<std::string> client_ops() const override {
    return {payment_ops::kCharge, payment_ops::kDrain, payment_ops::kReadService,
            payment_ops::kReadLedger};
  }
  int default_nodes() const override { return store_ == Store::kSqlite ? 2 : 4; }
  Status CheckNodes(int nodes) const override {
    if (store_ == Store::kSqlite && nodes != 2) {
      return Status::Error(
          "payments runs on exactly 2 nodes (the service with its SQLite database, the ledger); "
          "got " + std::to_string(nodes) + " (payments-pg runs several instances)");
    }
    if (store_ == Store::kPostgres && (nodes < 3 || nodes > 9)) {
      return Status::Error(
          "payments-pg runs on 3 to 9 nodes (PostgreSQL, 1 to 7 service instances, the ledger); "
          "got " + std::to_string(nodes));
    }
    return Status::Ok();
  }
  std::unique_ptr<Db> MakeDb() const override { return std::make_unique<PaymentsDb>(store_); }
  std::unique_ptr<Client> MakeClient() const override {
    return std::make_unique<PaymentsClient>(store_);
  }

 private:
  const Store store_;
};

}  // namespace

const Target& PaymentsTarget() {
  static const Payments target(Store::kSqlite);
  return target;
}

const Target& PaymentsPgTarget() {
  static const Payments target(Store::kPostgres);
  return target;
}

}  // namespace coordcheck::payments
