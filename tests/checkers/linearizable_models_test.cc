// Hand-written histories per model, with verdicts worked out by hand (and
// confirmed by tests/support's brute force): valid and invalid ones, info and
// pending ops that must be allowed to take effect late or never, fail ops that
// must be ignored, initial states, kv aliases and independent keys, and the
// details of both verdicts (exact witness where only one linearization exists;
// failing op, prefix and states of an invalid history).
//
// Indices in the comments are event indices; ops are named by their invoke.

#include <catch2/catch.hpp>
#include <set>
#include <string_view>

#include "checkers/lin_model.h"
#include "checkers/linearizable.h"
#include "tests/checkers/check_util.h"
#include "tests/support/history_builder.h"

namespace coordcheck::test {
namespace {

using Witness = std::vector<int64_t>;

const Json kNull = nullptr;

int64_t FailingOp(const CheckResult& r) { return r.details.at("op").at("index").get<int64_t>(); }
Witness Prefix(const CheckResult& r) { return r.details.at("prefix").get<Witness>(); }

// ---------------------------------------------------------------- register

TEST_CASE("register: a read sees the completed write", "[linearizable][register]") {
  HistoryBuilder b;
  b.Invoke(0, "write", 1).Ok(0).Invoke(1, "read").Ok(1, 1);  // 0-1 write, 2-3 read
  const CheckResult r = ExpectValid(b.history(), "register");
  CHECK(WitnessOf(r) == Witness{0, 2});
}

TEST_CASE("register: a read concurrent with a write may see either value",
          "[linearizable][register]") {
  for (const Json& seen : {Json(nullptr), Json(1)}) {
    HistoryBuilder b;
    b.Invoke(0, "write", 1).Invoke(1, "read").Ok(1, seen).Ok(0);
    ExpectValid(b.history(), "register");
  }
}

TEST_CASE("register: an info write may take effect after its info completion",
          "[linearizable][register]") {
  HistoryBuilder b;
  b.Invoke(0, "write", 1).Info(0);   // 0-1
  b.Invoke(1, "read").Ok(1, kNull);  // 2-3: not yet
  b.Invoke(1, "read").Ok(1, 1);      // 4-5: now
  const CheckResult r = ExpectValid(b.history(), "register");
  CHECK(WitnessOf(r) == Witness{2, 0, 4});
}

TEST_CASE("register: a pending write may take effect or not", "[linearizable][register]") {
  HistoryBuilder b;
  b.Invoke(0, "write", 3);           // 0: never completes
  b.Invoke(1, "read").Ok(1, kNull);  // 1-2
  SECTION("never") { ExpectValid(b.history(), "register"); }
  SECTION("later") {
    b.Invoke(1, "read").Ok(1, 3);  // 3-4
    const CheckResult r = ExpectValid(b.history(), "register");
    CHECK(WitnessOf(r) == Witness{1, 0, 3});
  }
}

TEST_CASE("register: a failed write did not happen", "[linearizable][register]") {
  HistoryBuilder b;
  b.Invoke(0, "write", 5).Fail(0);  // 0-1
  SECTION("read sees no value") {
    b.Invoke(1, "read").Ok(1, kNull);
    const CheckResult r = ExpectValid(b.history(), "register");
    CHECK(WitnessOf(r) == Witness{2});
  }
  SECTION("read sees the failed write") {
    b.Invoke(1, "read").Ok(1, 5);  // 2-3
    const CheckResult r = ExpectInvalid(b.history(), "register");
    CHECK(FailingOp(r) == 2);
    CHECK(Prefix(r).empty());
  }
}

TEST_CASE("register: a stale read is invalid", "[linearizable][register]") {
  HistoryBuilder b;
  b.Invoke(0, "write", 1).Ok(0);  // 0-1
  b.Invoke(0, "write", 2).Ok(0);  // 2-3
  b.Invoke(1, "read").Ok(1, 1);   // 4-5
  const CheckResult r = ExpectInvalid(b.history(), "register");
  CHECK(FailingOp(r) == 4);
  CHECK(Prefix(r) == Witness{0, 2});
  CHECK(r.details.at("states") == Json::array({2}));
}

TEST_CASE("register: an info write takes effect at most once", "[linearizable][register]") {
  HistoryBuilder b;
  b.Invoke(0, "write", 1).Info(0);  // 0-1
  b.Invoke(1, "write", 2).Ok(1);    // 2-3
  b.Invoke(1, "read").Ok(1, 1);     // 4-5: the info write took effect here
  b.Invoke(1, "write", 3).Ok(1);    // 6-7
  b.Invoke(1, "read").Ok(1, 1);     // 8-9: it cannot take effect again
  const CheckResult r = ExpectInvalid(b.history(), "register");
  CHECK(FailingOp(r) == 8);
  CHECK(Prefix(r) == Witness{2, 0, 4, 6});
  CHECK(r.details.at("states") == Json::array({3}));
}

TEST_CASE("register: initial state", "[linearizable][register]") {
  HistoryBuilder b;
  b.Invoke(0, "read").Ok(0, 7);
  ExpectValid(b.history(), "register", Json(7));
  ExpectInvalid(b.history(), "register");                 // default: no value
  ExpectInvalid(b.history(), "register", Json(nullptr));  // explicit: no value
  HistoryBuilder none;
  none.Invoke(0, "read").Ok(0, kNull);
  ExpectValid(none.history(), "register", Json(nullptr));
  ExpectInvalid(none.history(), "register", Json(0));
}

TEST_CASE("register: nemesis events are ignored", "[linearizable][register]") {
  HistoryBuilder b;
  b.Nemesis("start-partition", Json::object({{"n1", {"n2"}}}));  // 0
  b.Invoke(0, "write", 1);                                       // 1
  b.Nemesis("stop-partition");                                   // 2
  b.Ok(0);                                                       // 3
  b.Invoke(1, "read").Ok(1, 1);                                  // 4-5
  const CheckResult r = ExpectValid(b.history(), "register");
  CHECK(WitnessOf(r) == Witness{1, 4});
}

TEST_CASE("register: the empty history is valid", "[linearizable][register]") {
  ExpectValid(History{}, "register");
  HistoryBuilder only_nemesis;
  only_nemesis.Nemesis("kill");
  ExpectValid(only_nemesis.history(), "register");
}

// ------------------------------------------------------------ cas-register

TEST_CASE("cas-register: an ok cas applied", "[linearizable][cas-register]") {
  HistoryBuilder b;
  b.Invoke(0, "write", 0).Ok(0);                  // 0-1
  b.Invoke(0, "cas", Json::array({0, 1})).Ok(0);  // 2-3
  b.Invoke(1, "read").Ok(1, 1);                   // 4-5
  const CheckResult r = ExpectValid(b.history(), "cas-register");
  CHECK(WitnessOf(r) == Witness{0, 2, 4});
}

TEST_CASE("cas-register: a failed cas did not happen", "[linearizable][cas-register]") {
  HistoryBuilder b;
  b.Invoke(0, "write", 0).Ok(0);  // 0-1
  SECTION("mismatch, read unchanged") {
    b.Invoke(0, "cas", Json::array({5, 6})).Fail(0);  // 2-3
    b.Invoke(1, "read").Ok(1, 0);                     // 4-5
    const CheckResult r = ExpectValid(b.history(), "cas-register");
    CHECK(WitnessOf(r) == Witness{0, 4});
  }
  SECTION("a fail that would have matched still did not happen") {
    b.Invoke(0, "cas", Json::array({0, 1})).Fail(0);  // 2-3
    b.Invoke(1, "read").Ok(1, 1);                     // 4-5
    const CheckResult r = ExpectInvalid(b.history(), "cas-register");
    CHECK(FailingOp(r) == 4);
    CHECK(Prefix(r) == Witness{0});
    CHECK(r.details.at("states") == Json::array({0}));
  }
}

TEST_CASE("cas-register: an info cas may take effect late", "[linearizable][cas-register]") {
  HistoryBuilder b;
  b.Invoke(0, "write", 0).Ok(0);                    // 0-1
  b.Invoke(0, "cas", Json::array({0, 1})).Info(0);  // 2-3
  b.Invoke(1, "read").Ok(1, 0);                     // 4-5
  b.Invoke(1, "read").Ok(1, 1);                     // 6-7
  const CheckResult r = ExpectValid(b.history(), "cas-register");
  CHECK(WitnessOf(r) == Witness{0, 4, 2, 6});
}

TEST_CASE("cas-register: invalid cas histories", "[linearizable][cas-register]") {
  SECTION("read of the value a completed cas replaced") {
    HistoryBuilder b;
    b.Invoke(0, "write", 0).Ok(0);                  // 0-1
    b.Invoke(0, "cas", Json::array({0, 1})).Ok(0);  // 2-3
    b.Invoke(1, "read").Ok(1, 0);                   // 4-5
    const CheckResult r = ExpectInvalid(b.history(), "cas-register");
    CHECK(FailingOp(r) == 4);
    CHECK(Prefix(r) == Witness{0, 2});
  }
  SECTION("ok cas whose expected value was not there") {
    HistoryBuilder b;
    b.Invoke(0, "write", 2).Ok(0);                  // 0-1
    b.Invoke(0, "cas", Json::array({0, 1})).Ok(0);  // 2-3
    const CheckResult r = ExpectInvalid(b.history(), "cas-register");
    CHECK(FailingOp(r) == 2);
    CHECK(r.details.at("states") == Json::array({2}));
  }
}

TEST_CASE("cas-register: cas on the initial state", "[linearizable][cas-register]") {
  HistoryBuilder b;
  b.Invoke(0, "cas", Json::array({0, 1})).Ok(0);
  b.Invoke(0, "read").Ok(0, 1);
  ExpectInvalid(b.history(), "cas-register");  // starts with no value
  ExpectValid(b.history(), "cas-register", Json(0));
}

TEST_CASE("cas-register: concurrent cas chain", "[linearizable][cas-register]") {
  HistoryBuilder b;
  b.Invoke(0, "write", 0).Ok(0);            // 0-1
  b.Invoke(2, "cas", Json::array({1, 2}));  // 2
  b.Invoke(1, "cas", Json::array({0, 1}));  // 3
  b.Ok(2).Ok(1);                            // 4, 5
  SECTION("both applied, in the other order") {
    b.Invoke(0, "read").Ok(0, 2);  // 6-7
    const CheckResult r = ExpectValid(b.history(), "cas-register");
    CHECK(WitnessOf(r) == Witness{0, 3, 2, 6});
  }
  SECTION("a read cannot see the middle value after both") {
    b.Invoke(0, "read").Ok(0, 1);  // 6-7
    const CheckResult r = ExpectInvalid(b.history(), "cas-register");
    CHECK(FailingOp(r) == 6);
  }
}

// ---------------------------------------------------------------------- kv

TEST_CASE("kv: aliases, append and the per-key default", "[linearizable][kv]") {
  HistoryBuilder b;
  b.Invoke(0, "put", "a", "k").Ok(0);              // 0-1
  b.Invoke(0, "get", nullptr, "k").Ok(0, "a");     // 2-3
  b.Invoke(0, "append", "b", "k").Ok(0);           // 4-5
  b.Invoke(1, "read", nullptr, "k").Ok(1, "ab");   // 6-7
  b.Invoke(1, "get", nullptr, "other").Ok(1, "");  // 8-9
  b.Invoke(1, "write", "c", "other").Ok(1);        // 10-11
  const CheckResult r = ExpectValid(b.history(), "kv");
  CHECK(WitnessOf(r, "k") == Witness{0, 2, 4, 6});
  CHECK(WitnessOf(r, "other") == Witness{8, 10});
}

TEST_CASE("kv: keys are independent", "[linearizable][kv]") {
  // As one register this would be invalid (the read comes after "b" was written).
  HistoryBuilder b;
  b.Invoke(0, "write", "a", "k1").Ok(0);          // 0-1
  b.Invoke(1, "write", "b", "k2").Ok(1);          // 2-3
  b.Invoke(0, "read", nullptr, "k1").Ok(0, "a");  // 4-5
  const CheckResult r = ExpectValid(b.history(), "kv");
  CHECK(WitnessOf(r, "k1") == Witness{0, 4});
  CHECK(WitnessOf(r, "k2") == Witness{2});
}

TEST_CASE("kv: the invalid key is named", "[linearizable][kv]") {
  HistoryBuilder b;
  b.Invoke(0, "write", "a", "k1").Ok(0);          // 0-1
  b.Invoke(1, "write", "x", "k2");                // 2
  b.Invoke(0, "read", nullptr, "k1").Ok(0, "a");  // 3-4
  b.Ok(1);                                        // 5
  b.Invoke(1, "get", nullptr, "k2").Ok(1, "y");   // 6-7
  const CheckResult r = ExpectInvalid(b.history(), "kv");
  CHECK(r.details.at("key") == "k2");
  CHECK(FailingOp(r) == 6);
  CHECK(Prefix(r) == Witness{2});
  CHECK(r.details.at("states") == Json::array({"x"}));
}

TEST_CASE("kv: a lost append is invalid", "[linearizable][kv]") {
  HistoryBuilder b;
  b.Invoke(0, "append", "a", "k").Ok(0);         // 0-1
  b.Invoke(1, "append", "b", "k").Ok(1);         // 2-3
  b.Invoke(0, "read", nullptr, "k").Ok(0, "b");  // 4-5
  const CheckResult r = ExpectInvalid(b.history(), "kv");
  CHECK(FailingOp(r) == 4);
  // The growth lookahead stops the search once the read of "b" can no longer
  // be grown into: after the prefix [append a] the state is "a".
  CHECK(Prefix(r) == Witness{0});
  CHECK(r.details.at("states") == Json::array({"a"}));
}

TEST_CASE("kv: cas on strings", "[linearizable][kv]") {
  HistoryBuilder b;
  b.Invoke(0, "write", "a", "k").Ok(0);                    // 0-1
  b.Invoke(0, "cas", Json::array({"a", "b"}), "k").Ok(0);  // 2-3
  SECTION("applied") {
    b.Invoke(0, "read", nullptr, "k").Ok(0, "b");
    ExpectValid(b.history(), "kv");
  }
  SECTION("ok cas of a value that is not there") {
    b.Invoke(0, "cas", Json::array({"z", "q"}), "k").Ok(0);  // 4-5
    const CheckResult r = ExpectInvalid(b.history(), "kv");
    CHECK(FailingOp(r) == 4);
  }
}

TEST_CASE("kv: initial value", "[linearizable][kv]") {
  HistoryBuilder b;
  b.Invoke(0, "read", nullptr, "k").Ok(0, "z");
  b.Invoke(0, "append", "q", "k").Ok(0);
  b.Invoke(0, "read", nullptr, "k").Ok(0, "zq");
  ExpectValid(b.history(), "kv", Json("z"));
  ExpectInvalid(b.history(), "kv");
  ExpectInvalid(b.history(), "kv", Json(""));
}

TEST_CASE("kv: info ops per key", "[linearizable][kv]") {
  HistoryBuilder b;
  b.Invoke(0, "append", "x", "k").Info(0);       // 0-1
  b.Invoke(1, "read", nullptr, "k").Ok(1, "");   // 2-3
  b.Invoke(1, "read", nullptr, "k").Ok(1, "x");  // 4-5
  SECTION("takes effect late") {
    const CheckResult r = ExpectValid(b.history(), "kv");
    CHECK(WitnessOf(r, "k") == Witness{2, 0, 4});
  }
  SECTION("but only once") {
    b.Invoke(1, "read", nullptr, "k").Ok(1, "xx");  // 6-7
    const CheckResult r = ExpectInvalid(b.history(), "kv");
    CHECK(FailingOp(r) == 6);
  }
}

// ------------------------------------------------------------------- mutex

TEST_CASE("mutex: acquire, release, acquire", "[linearizable][mutex]") {
  HistoryBuilder b;
  b.Invoke(0, "acquire").Ok(0);  // 0-1
  b.Invoke(0, "release").Ok(0);  // 2-3
  b.Invoke(1, "acquire").Ok(1);  // 4-5
  const CheckResult r = ExpectValid(b.history(), "mutex");
  CHECK(WitnessOf(r) == Witness{0, 2, 4});
}

TEST_CASE("mutex: an info acquire may or may not have taken the lock", "[linearizable][mutex]") {
  SECTION("not taken: another process acquires") {
    HistoryBuilder b;
    b.Invoke(0, "acquire").Info(0);  // 0-1
    b.Invoke(1, "acquire").Ok(1);    // 2-3
    const CheckResult r = ExpectValid(b.history(), "mutex");
    CHECK(WitnessOf(r) == Witness{2});
  }
  SECTION("taken: a release succeeds") {
    HistoryBuilder b;
    b.Invoke(0, "acquire").Info(0);  // 0-1
    b.Invoke(1, "release").Ok(1);    // 2-3
    const CheckResult r = ExpectValid(b.history(), "mutex");
    CHECK(WitnessOf(r) == Witness{0, 2});
  }
}

TEST_CASE("mutex: fail ops are ignored", "[linearizable][mutex]") {
  HistoryBuilder b;
  b.Invoke(0, "acquire").Ok(0);    // 0-1
  b.Invoke(1, "acquire").Fail(1);  // 2-3
  b.Invoke(1, "release").Fail(1);  // 4-5
  b.Invoke(0, "release").Ok(0);    // 6-7
  const CheckResult r = ExpectValid(b.history(), "mutex");
  CHECK(WitnessOf(r) == Witness{0, 6});
}

TEST_CASE("mutex: double acquire is invalid", "[linearizable][mutex]") {
  HistoryBuilder b;
  b.Invoke(0, "acquire").Ok(0);  // 0-1
  b.Invoke(1, "acquire").Ok(1);  // 2-3
  const CheckResult r = ExpectInvalid(b.history(), "mutex");
  CHECK(FailingOp(r) == 2);
  CHECK(Prefix(r) == Witness{0});
}

TEST_CASE("mutex: release of a free lock is invalid", "[linearizable][mutex]") {
  HistoryBuilder b;
  b.Invoke(0, "acquire").Ok(0);  // 0-1
  b.Invoke(0, "release").Ok(0);  // 2-3
  b.Invoke(1, "release").Ok(1);  // 4-5
  const CheckResult r = ExpectInvalid(b.history(), "mutex");
  CHECK(FailingOp(r) == 4);
  CHECK(Prefix(r) == Witness{0, 2});
}

TEST_CASE("mutex: initial state", "[linearizable][mutex]") {
  HistoryBuilder b;
  b.Invoke(0, "release").Ok(0);
  ExpectValid(b.history(), "mutex", Json(true));
  ExpectInvalid(b.history(), "mutex");
  ExpectInvalid(b.history(), "mutex", Json(false));
}

// --------------------------------------------------------------------- set

TEST_CASE("set: reads list the members in any order", "[linearizable][set]") {
  HistoryBuilder b;
  b.Invoke(0, "add", 1).Ok(0);                     // 0-1
  b.Invoke(1, "add", 2).Ok(1);                     // 2-3
  b.Invoke(0, "read").Ok(0, Json::array({2, 1}));  // 4-5
  const CheckResult r = ExpectValid(b.history(), "set");
  CHECK(WitnessOf(r) == Witness{0, 2, 4});
}

TEST_CASE("set: a read concurrent with an add", "[linearizable][set]") {
  for (const Json& seen : {Json::array({1}), Json::array({1, 2})}) {
    HistoryBuilder b;
    b.Invoke(0, "add", 1).Ok(0);      // 0-1
    b.Invoke(1, "add", 2);            // 2
    b.Invoke(0, "read").Ok(0, seen);  // 3-4
    b.Ok(1);                          // 5
    ExpectValid(b.history(), "set");
  }
}

TEST_CASE("set: invalid reads", "[linearizable][set]") {
  SECTION("an acknowledged element vanished") {
    HistoryBuilder b;
    b.Invoke(0, "add", 1).Ok(0);               // 0-1
    b.Invoke(1, "read").Ok(1, Json::array());  // 2-3
    const CheckResult r = ExpectInvalid(b.history(), "set");
    CHECK(FailingOp(r) == 2);
    CHECK(Prefix(r) == Witness{0});
  }
  SECTION("an element never added") {
    HistoryBuilder b;
    b.Invoke(0, "add", 1).Ok(0);                     // 0-1
    b.Invoke(1, "read").Ok(1, Json::array({1, 3}));  // 2-3
    const CheckResult r = ExpectInvalid(b.history(), "set");
    CHECK(FailingOp(r) == 2);
  }
}

TEST_CASE("set: an info add", "[linearizable][set]") {
  HistoryBuilder b;
  b.Invoke(0, "add", 5).Info(0);                // 0-1
  b.Invoke(1, "read").Ok(1, Json::array());     // 2-3
  b.Invoke(1, "read").Ok(1, Json::array({5}));  // 4-5
  SECTION("takes effect late") {
    const CheckResult r = ExpectValid(b.history(), "set");
    CHECK(WitnessOf(r) == Witness{2, 0, 4});
  }
  SECTION("and stays") {
    b.Invoke(1, "read").Ok(1, Json::array());  // 6-7
    const CheckResult r = ExpectInvalid(b.history(), "set");
    CHECK(FailingOp(r) == 6);
  }
}

TEST_CASE("set: initial members", "[linearizable][set]") {
  HistoryBuilder b;
  b.Invoke(0, "read").Ok(0, Json::array({7}));
  ExpectValid(b.history(), "set", Json::array({7}));
  ExpectInvalid(b.history(), "set");
}

// ------------------------------------------------------------------- queue

TEST_CASE("queue: FIFO order and empty dequeues", "[linearizable][queue]") {
  HistoryBuilder b;
  b.Invoke(0, "enqueue", 1).Ok(0);      // 0-1
  b.Invoke(0, "enqueue", 2).Ok(0);      // 2-3
  b.Invoke(1, "dequeue").Ok(1, 1);      // 4-5
  b.Invoke(1, "dequeue").Ok(1, 2);      // 6-7
  b.Invoke(1, "dequeue").Ok(1, kNull);  // 8-9
  const CheckResult r = ExpectValid(b.history(), "queue");
  CHECK(WitnessOf(r) == Witness{0, 2, 4, 6, 8});
}

TEST_CASE("queue: concurrent enqueues may be ordered either way", "[linearizable][queue]") {
  HistoryBuilder b;
  b.Invoke(0, "enqueue", 1);        // 0
  b.Invoke(1, "enqueue", 2);        // 1
  b.Ok(0).Ok(1);                    // 2, 3
  b.Invoke(2, "dequeue").Ok(2, 2);  // 4-5
  b.Invoke(2, "dequeue").Ok(2, 1);  // 6-7
  const CheckResult r = ExpectValid(b.history(), "queue");
  CHECK(WitnessOf(r) == Witness{1, 0, 4, 6});
}

TEST_CASE("queue: invalid dequeues", "[linearizable][queue]") {
  SECTION("out of order") {
    HistoryBuilder b;
    b.Invoke(0, "enqueue", 1).Ok(0);  // 0-1
    b.Invoke(0, "enqueue", 2).Ok(0);  // 2-3
    b.Invoke(1, "dequeue").Ok(1, 2);  // 4-5
    const CheckResult r = ExpectInvalid(b.history(), "queue");
    CHECK(FailingOp(r) == 4);
    CHECK(Prefix(r) == Witness{0, 2});
  }
  SECTION("from an empty queue") {
    HistoryBuilder b;
    b.Invoke(1, "dequeue").Ok(1, 5);
    const CheckResult r = ExpectInvalid(b.history(), "queue");
    CHECK(FailingOp(r) == 0);
  }
  SECTION("the same element twice") {
    HistoryBuilder b;
    b.Invoke(0, "enqueue", 1).Ok(0);  // 0-1
    b.Invoke(1, "dequeue").Ok(1, 1);  // 2-3
    b.Invoke(2, "dequeue").Ok(2, 1);  // 4-5
    const CheckResult r = ExpectInvalid(b.history(), "queue");
    CHECK(FailingOp(r) == 4);
  }
  SECTION("empty while an element is there") {
    HistoryBuilder b;
    b.Invoke(0, "enqueue", 1).Ok(0);      // 0-1
    b.Invoke(1, "dequeue").Ok(1, kNull);  // 2-3
    ExpectInvalid(b.history(), "queue");
  }
}

TEST_CASE("queue: an info enqueue and an info dequeue", "[linearizable][queue]") {
  SECTION("info enqueue lands late") {
    HistoryBuilder b;
    b.Invoke(0, "enqueue", 3).Info(0);    // 0-1
    b.Invoke(1, "dequeue").Ok(1, kNull);  // 2-3
    b.Invoke(1, "dequeue").Ok(1, 3);      // 4-5
    const CheckResult r = ExpectValid(b.history(), "queue");
    CHECK(WitnessOf(r) == Witness{2, 0, 4});
  }
  SECTION("info dequeue may have removed the head") {
    HistoryBuilder b;
    b.Invoke(0, "enqueue", 1).Ok(0);  // 0-1
    b.Invoke(0, "enqueue", 2).Ok(0);  // 2-3
    b.Invoke(1, "dequeue").Info(1);   // 4-5
    b.Invoke(2, "dequeue").Ok(2, 2);  // 6-7
    const CheckResult r = ExpectValid(b.history(), "queue");
    CHECK(WitnessOf(r) == Witness{0, 2, 4, 6});
  }
}

TEST_CASE("queue: initial contents", "[linearizable][queue]") {
  HistoryBuilder b;
  b.Invoke(0, "dequeue").Ok(0, 4);
  b.Invoke(0, "dequeue").Ok(0, 5);
  ExpectValid(b.history(), "queue", Json::array({4, 5}));
  ExpectInvalid(b.history(), "queue", Json::array({5, 4}));
  ExpectInvalid(b.history(), "queue");
}

// ----------------------------------------------------------------- counter

TEST_CASE("counter: reads see the sum", "[linearizable][counter]") {
  HistoryBuilder b;
  b.Invoke(0, "add", 1).Ok(0);    // 0-1
  b.Invoke(1, "add", 2).Ok(1);    // 2-3
  b.Invoke(0, "add", -4).Ok(0);   // 4-5
  b.Invoke(1, "read").Ok(1, -1);  // 6-7
  const CheckResult r = ExpectValid(b.history(), "counter");
  CHECK(WitnessOf(r) == Witness{0, 2, 4, 6});
}

TEST_CASE("counter: a read concurrent with an add", "[linearizable][counter]") {
  for (int seen : {0, 3}) {
    HistoryBuilder b;
    b.Invoke(0, "add", 3);
    b.Invoke(1, "read").Ok(1, seen);
    b.Ok(0);
    ExpectValid(b.history(), "counter");
  }
}

TEST_CASE("counter: invalid reads", "[linearizable][counter]") {
  SECTION("too low") {
    HistoryBuilder b;
    b.Invoke(0, "add", 1).Ok(0);   // 0-1
    b.Invoke(1, "read").Ok(1, 0);  // 2-3
    const CheckResult r = ExpectInvalid(b.history(), "counter");
    CHECK(FailingOp(r) == 2);
    CHECK(Prefix(r) == Witness{0});
  }
  SECTION("too high") {
    HistoryBuilder b;
    b.Invoke(0, "add", 1).Ok(0);   // 0-1
    b.Invoke(1, "add", 2);         // 2: pending
    b.Invoke(0, "read").Ok(0, 4);  // 3-4
    const CheckResult r = ExpectInvalid(b.history(), "counter");
    CHECK(FailingOp(r) == 3);
  }
}

TEST_CASE("counter: an info add", "[linearizable][counter]") {
  HistoryBuilder b;
  b.Invoke(0, "add", 5).Info(0);  // 0-1
  b.Invoke(1, "read").Ok(1, 0);   // 2-3
  b.Invoke(1, "read").Ok(1, 5);   // 4-5
  SECTION("takes effect late") {
    const CheckResult r = ExpectValid(b.history(), "counter");
    CHECK(WitnessOf(r) == Witness{2, 0, 4});
  }
  SECTION("only once") {
    b.Invoke(1, "read").Ok(1, 10);  // 6-7
    ExpectInvalid(b.history(), "counter");
  }
  SECTION("and cannot be undone") {
    b.Invoke(1, "read").Ok(1, 0);  // 6-7
    ExpectInvalid(b.history(), "counter");
  }
}

TEST_CASE("counter: initial value", "[linearizable][counter]") {
  HistoryBuilder b;
  b.Invoke(0, "add", 1).Ok(0);
  b.Invoke(0, "read").Ok(0, 11);
  ExpectValid(b.history(), "counter", Json(10));
  ExpectInvalid(b.history(), "counter");
}

// ---------------------------------------------------------- multi-register

Json Txn(std::initializer_list<Json> mops) {
  Json txn = Json::array();
  for (const Json& mop : mops) txn.push_back(mop);
  return txn;
}
Json R(const std::string& k, Json v = nullptr) { return Json::array({"read", k, v}); }
Json W(const std::string& k, Json v) { return Json::array({"write", k, v}); }

const Json kXY0 = Json::object({{"x", 0}, {"y", 0}});

TEST_CASE("multi-register: txn reads see earlier txns", "[linearizable][multi-register]") {
  HistoryBuilder b;
  b.Invoke(0, "txn", Txn({W("x", 1), W("y", 2)})).Ok(0);                            // 0-1
  b.Invoke(1, "txn", Txn({R("x"), R("y")})).Ok(1, Txn({R("x", 1), R("y", 2)}));     // 2-3
  b.Invoke(1, "txn", Txn({W("x", 3), R("x")})).Ok(1, Txn({W("x", 3), R("x", 3)}));  // 4-5
  const CheckResult r = ExpectValid(b.history(), "multi-register", kXY0);
  CHECK(WitnessOf(r) == Witness{0, 2, 4});
}

TEST_CASE("multi-register: txns are atomic", "[linearizable][multi-register]") {
  HistoryBuilder b;
  b.Invoke(0, "txn", Txn({W("x", 1), W("y", 2)}));  // 0
  b.Invoke(1, "txn", Txn({R("x"), R("y")}));        // 1
  SECTION("all or nothing is valid") {
    b.Ok(1, Txn({R("x", 0), R("y", 0)})).Ok(0);
    ExpectValid(b.history(), "multi-register", kXY0);
  }
  SECTION("half a txn is invalid") {
    b.Ok(1, Txn({R("x", 1), R("y", 0)})).Ok(0);  // 2, 3
    const CheckResult r = ExpectInvalid(b.history(), "multi-register", kXY0);
    CHECK(FailingOp(r) == 1);
  }
}

TEST_CASE("multi-register: initial registers", "[linearizable][multi-register]") {
  HistoryBuilder zero;
  zero.Invoke(0, "txn", Txn({R("x")})).Ok(0, Txn({R("x", 0)}));
  ExpectValid(zero.history(), "multi-register", kXY0);
  ExpectInvalid(zero.history(), "multi-register");  // default: every register null
  HistoryBuilder none;
  none.Invoke(0, "txn", Txn({R("x")})).Ok(0, Txn({R("x", nullptr)}));
  ExpectValid(none.history(), "multi-register");
  ExpectInvalid(none.history(), "multi-register", kXY0);
}

TEST_CASE("multi-register: an info txn", "[linearizable][multi-register]") {
  HistoryBuilder b;
  b.Invoke(0, "txn", Txn({W("x", 5), W("y", 5)})).Info(0);    // 0-1
  b.Invoke(1, "txn", Txn({R("x")})).Ok(1, Txn({R("x", 0)}));  // 2-3
  b.Invoke(1, "txn", Txn({R("y")})).Ok(1, Txn({R("y", 5)}));  // 4-5
  SECTION("takes effect late") {
    const CheckResult r = ExpectValid(b.history(), "multi-register", kXY0);
    CHECK(WitnessOf(r) == Witness{2, 0, 4});
  }
  SECTION("as a whole") {
    b.Invoke(1, "txn", Txn({R("x")})).Ok(1, Txn({R("x", 0)}));  // 6-7
    const CheckResult r = ExpectInvalid(b.history(), "multi-register", kXY0);
    CHECK(FailingOp(r) == 6);
  }
}

// ----------------------------------------------------------- input checks

TEST_CASE("linearizable: models and input validation", "[linearizable]") {
  const std::vector<std::string> names = ModelNames();
  for (const char* model :
       {"register", "cas-register", "kv", "mutex", "set", "queue", "counter", "multi-register"}) {
    INFO(model);
    CHECK(std::find(names.begin(), names.end(), model) != names.end());
  }

  HistoryBuilder b;
  b.Invoke(0, "acquire").Ok(0);   // 0-1
  b.Invoke(0, "write", 1).Ok(0);  // 2-3
  LinearizableOptions mutex;
  mutex.model = "mutex";
  const Status error = ValidateForModel(b.history(), mutex);
  INFO(error.message());
  CHECK(error.message().rfind("line 3: ", 0) == 0);  // the invoke of the op the model does not know

  LinearizableOptions counter;
  counter.model = "counter";
  counter.init = Json("ten");
  HistoryBuilder reads;
  reads.Invoke(0, "read").Ok(0, 10);
  CHECK_FALSE(ValidateForModel(reads.history(), counter).ok());
  counter.init = Json(10);
  CHECK(ValidateForModel(reads.history(), counter).ok());
}

TEST_CASE("linearizable: the model registry", "[linearizable]") {
  const std::vector<std::string> names = ModelNames();
  const std::string help = ModelHelp();
  std::set<std::string_view> seen;
  REQUIRE(lin::AllLinModels().size() == names.size());
  for (const lin::LinModel* model : lin::AllLinModels()) {
    INFO(model->name);
    CHECK(seen.insert(model->name).second);
    CHECK(lin::FindLinModel(model->name) == model);
    for (std::string_view alias : model->aliases) {
      CHECK(seen.insert(alias).second);
      CHECK(lin::FindLinModel(alias) == model);
    }
    CHECK_FALSE(model->summary.empty());
    CHECK(model->summary.find('\n') == std::string_view::npos);
    CHECK(help.find("  " + std::string(model->name) + " ") != std::string::npos);
    CHECK(model->make != nullptr);
    CHECK_FALSE(model->ops.empty());
    // Every op resolves to its code; codes of aliases are equal.
    for (const lin::OpName& op : model->ops) CHECK(lin::OpCode(*model, op.f) == op.code);
    CHECK(lin::OpCode(*model, "no-such-f") == -1);
  }
  CHECK(lin::FindLinModel("no-such-model") == nullptr);
  CHECK(lin::FindLinModel("lock") == lin::FindLinModel("mutex"));
  CHECK(lin::FindLinModel("fifo-queue") == lin::FindLinModel("queue"));
  // The stale-read proof applies to the register family only.
  for (const char* name : {"register", "cas-register", "kv"})
    CHECK(lin::FindLinModel(name)->register_initial != nullptr);
  for (const char* name : {"mutex", "set", "queue", "counter", "multi-register"})
    CHECK(lin::FindLinModel(name)->register_initial == nullptr);
}

TEST_CASE("linearizable: an unknown f names the model's ops, aliases together", "[linearizable]") {
  HistoryBuilder b;
  b.Invoke(0, "frobnicate", 1).Ok(0);
  LinearizableOptions kv;
  kv.model = "kv";
  const Status error = ValidateForModel(b.history(), kv);
  REQUIRE_FALSE(error.ok());
  CHECK(error.message().find("(expected read/get, write/put, cas, append)") != std::string::npos);
  LinearizableOptions unknown;
  unknown.model = "nope";
  const Status no_model = ValidateForModel(b.history(), unknown);
  REQUIRE_FALSE(no_model.ok());
  CHECK(no_model.message().find("register, cas-register, kv, mutex, set, queue, counter, "
                                "multi-register") != std::string::npos);
}

}  // namespace
}  // namespace coordcheck::test
