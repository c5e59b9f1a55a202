#include "workloads/register/generator.h"

#include <cassert>
#include <string_view>
#include <utility>

#include "generators/basic.h"
#include "generators/independent.h"
#include "generators/sequence.h"
#include "generators/threads.h"

namespace coordcheck::gen {
namespace {

// A stable stream number for a key (FNV-1a of its JSON text when it is not an integer).
uint64_t KeyStream(const Json& key) {
  if (key.is_number_integer()) return static_cast<uint64_t>(key.get<int64_t>());
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : key.dump()) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

}  // namespace

GenPtr RegisterOps(Rng rng, const RegisterOpsOptions& options) {
  const uint64_t reads = options.read_weight;
  const uint64_t writes = options.write_weight;
  const uint64_t total = reads + writes + options.cas_weight;
  const uint64_t values = options.value_count;
  assert(total > 0 && values > 0);
  return FromFunction(
      [reads, writes, total, values](Rng& r, const Context&) {
        const uint64_t pick = r.Uniform(total);
        Invocation op;
        if (pick < reads) {
          op.f = "read";
        } else if (pick < reads + writes) {
          op.f = "write";
          op.value = static_cast<int64_t>(r.Uniform(values));
        } else {
          op.f = "cas";
          const auto expected = static_cast<int64_t>(r.Uniform(values));
          op.value = Json::array({expected, static_cast<int64_t>(r.Uniform(values))});
        }
        return op;
      },
      rng);
}

GenPtr RegisterWorkload(const RegisterOptions& options, Rng rng) {
  const int64_t ops_per_key = options.ops_per_key;
  const RegisterOpsOptions ops = options.ops;
  return IndependentConcurrent(options.threads_per_key, [rng, ops_per_key, ops](const Json& key) {
    return Limit(ops_per_key, RegisterOps(rng.Child(KeyStream(key)), ops));
  });
}

GenPtr FinalReads(std::vector<Json> keys) {
  std::vector<GenPtr> reads;
  reads.reserve(keys.size());
  for (Json& key : keys) {
    Invocation read = MakeOp("read");
    read.key = std::move(key);
    reads.push_back(Once(std::move(read)));
  }
  return Clients(Seq(std::move(reads)));
}

}  // namespace coordcheck::gen
