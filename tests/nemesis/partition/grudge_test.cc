// Grudges of every kind: determinism per seed, variety across seeds, and each kind's exact
// structure for 3, 5 and 7 nodes; validation of explicit grudges.
#include "nemesis/partition/grudge.h"

#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

namespace coordcheck::nemesis {
namespace {

std::vector<std::string> Nodes(int n) {
  std::vector<std::string> nodes;
  for (int i = 1; i <= n; ++i) nodes.push_back("n" + std::to_string(i));
  return nodes;
}

Grudge Make(const std::vector<std::string>& nodes, const std::string& kind, uint64_t seed) {
  auto grudge = MakeGrudge(nodes, kind, seed);
  INFO(kind << " over " << nodes.size() << " nodes, seed " << seed);
  REQUIRE(grudge.ok());
  return *grudge;
}

// The nodes `a` receives from, itself included.
std::set<std::string> Sees(const Grudge& grudge, const std::vector<std::string>& nodes,
                           const std::string& a) {
  std::set<std::string> seen;
  for (const std::string& b : nodes) {
    if (!Drops(grudge, a, b)) seen.insert(b);
  }
  return seen;
}

bool Symmetric(const Grudge& grudge, const std::vector<std::string>& nodes) {
  for (const std::string& a : nodes) {
    for (const std::string& b : nodes) {
      if (Drops(grudge, a, b) != Drops(grudge, b, a)) return false;
    }
  }
  return true;
}

// Checks the normalized form: keys only for nodes that drop someone, lists in node order,
// no self, no duplicates, every name known.
void CheckNormalized(const Grudge& grudge, const std::vector<std::string>& nodes) {
  for (const auto& [a, list] : grudge) {
    INFO("node " << a);
    CHECK(std::find(nodes.begin(), nodes.end(), a) != nodes.end());
    CHECK_FALSE(list.empty());
    size_t last = 0;
    for (size_t k = 0; k < list.size(); ++k) {
      auto at = std::find(nodes.begin(), nodes.end(), list[k]);
      REQUIRE(at != nodes.end());
      const size_t position = static_cast<size_t>(at - nodes.begin());
      CHECK(list[k] != a);
      if (k > 0) CHECK(position > last);
      last = position;
    }
  }
}

// The two sides of a symmetric two-component cut: every node sees exactly its own side.
void CheckTwoSides(const Grudge& grudge, const std::vector<std::string>& nodes, size_t small_side) {
  REQUIRE(Symmetric(grudge, nodes));
  std::set<std::set<std::string>> sides;
  for (const std::string& a : nodes) sides.insert(Sees(grudge, nodes, a));
  REQUIRE(sides.size() == 2);
  std::set<std::string> all;
  std::vector<size_t> sizes;
  for (const auto& side : sides) {
    sizes.push_back(side.size());
    all.insert(side.begin(), side.end());
  }
  CHECK(all.size() == nodes.size());
  CHECK(sizes[0] + sizes[1] == nodes.size());  // disjoint: the sides complement each other
  CHECK(std::min(sizes[0], sizes[1]) == small_side);
}

}  // namespace

TEST_CASE("grudge: every kind is deterministic for a seed", "[grudge]") {
  for (int n : {3, 5, 7}) {
    for (const std::string& kind : GrudgeKinds()) {
      for (uint64_t seed : {0ULL, 1ULL, 42ULL, 0xdeadbeefULL, ~0ULL}) {
        CHECK(Make(Nodes(n), kind, seed) == Make(Nodes(n), kind, seed));
        CheckNormalized(Make(Nodes(n), kind, seed), Nodes(n));
      }
    }
  }
}

TEST_CASE("grudge: random kinds differ across seeds, halves does not", "[grudge]") {
  for (int n : {3, 5, 7}) {
    for (const std::string& kind : GrudgeKinds()) {
      std::set<Grudge> seen;
      for (uint64_t seed = 1; seed <= 20; ++seed) seen.insert(Make(Nodes(n), kind, seed));
      INFO(kind << " over " << n << " nodes");
      if (kind == "halves") {
        CHECK(seen.size() == 1);
      } else {
        CHECK(seen.size() >= 2);
      }
    }
  }
}

TEST_CASE("grudge: halves cuts the first ceil(n/2) nodes from the rest", "[grudge]") {
  for (int n : {2, 3, 5, 7}) {
    const auto nodes = Nodes(n);
    const Grudge grudge = Make(nodes, "halves", 0);
    CheckTwoSides(grudge, nodes, static_cast<size_t>(n / 2));
    const size_t first = static_cast<size_t>((n + 1) / 2);
    for (size_t i = 0; i < nodes.size(); ++i) {
      for (size_t j = 0; j < nodes.size(); ++j) {
        CHECK(Drops(grudge, nodes[i], nodes[j]) == ((i < first) != (j < first)));
      }
    }
  }
  CHECK(Make(Nodes(5), "halves", 0) == Grudge{{"n1", {"n4", "n5"}},
                                              {"n2", {"n4", "n5"}},
                                              {"n3", {"n4", "n5"}},
                                              {"n4", {"n1", "n2", "n3"}},
                                              {"n5", {"n1", "n2", "n3"}}});
}

TEST_CASE("grudge: random-halves and majority-minority are complementary sides", "[grudge]") {
  for (int n : {3, 4, 5, 7}) {
    for (uint64_t seed = 0; seed < 10; ++seed) {
      INFO(n << " nodes, seed " << seed);
      CheckTwoSides(Make(Nodes(n), "random-halves", seed), Nodes(n), static_cast<size_t>(n / 2));
      CheckTwoSides(Make(Nodes(n), "majority-minority", seed), Nodes(n),
                    static_cast<size_t>((n - 1) / 2));
    }
  }
}

TEST_CASE("grudge: isolate cuts exactly one node off, both ways", "[grudge]") {
  for (int n : {3, 5, 7}) {
    const auto nodes = Nodes(n);
    for (uint64_t seed = 0; seed < 10; ++seed) {
      const Grudge grudge = Make(nodes, "isolate", seed);
      std::vector<std::string> alone;
      for (const std::string& a : nodes) {
        if (Sees(grudge, nodes, a).size() == 1) alone.push_back(a);
      }
      REQUIRE(alone.size() == 1);
      for (const std::string& a : nodes) {
        for (const std::string& b : nodes) {
          const bool cut = a != b && (a == alone[0] || b == alone[0]);
          CHECK(Drops(grudge, a, b) == cut);
        }
      }
    }
  }
  auto isolated = IsolateGrudge(Nodes(3), "n2");
  REQUIRE(isolated.ok());
  CHECK(*isolated == Grudge{{"n1", {"n2"}}, {"n2", {"n1", "n3"}}, {"n3", {"n2"}}});
  auto unknown = IsolateGrudge(Nodes(3), "n9");
  REQUIRE_FALSE(unknown.ok());
  CHECK_THAT(unknown.message(), Catch::Contains("n9"));
}

TEST_CASE("grudge: majorities-ring gives every node a different majority, none all", "[grudge]") {
  for (int n : {3, 4, 5, 6, 7}) {
    const auto nodes = Nodes(n);
    for (uint64_t seed = 0; seed < 10; ++seed) {
      INFO(n << " nodes, seed " << seed);
      const Grudge grudge = Make(nodes, "majorities-ring", seed);
      std::set<std::set<std::string>> views;
      for (const std::string& a : nodes) {
        const auto seen = Sees(grudge, nodes, a);
        CHECK(seen.count(a) == 1);
        CHECK(seen.size() == static_cast<size_t>(n / 2 + 1));  // a bare majority
        CHECK(seen.size() < nodes.size());
        views.insert(seen);
      }
      CHECK(views.size() == nodes.size());
    }
  }
}

TEST_CASE("grudge: bridge keeps one node that sees both sides", "[grudge]") {
  for (int n : {3, 5, 7}) {
    const auto nodes = Nodes(n);
    for (uint64_t seed = 0; seed < 10; ++seed) {
      INFO(n << " nodes, seed " << seed);
      const Grudge grudge = Make(nodes, "bridge", seed);
      REQUIRE(Symmetric(grudge, nodes));
      std::vector<std::string> bridges;
      for (const std::string& a : nodes) {
        if (Sees(grudge, nodes, a).size() == nodes.size()) bridges.push_back(a);
      }
      REQUIRE(bridges.size() == 1);
      const std::string bridge = bridges[0];
      // The others form two sides; each sees its side plus the bridge and nothing more.
      std::set<std::set<std::string>> sides;
      for (const std::string& a : nodes) {
        if (a == bridge) continue;
        auto seen = Sees(grudge, nodes, a);
        CHECK(seen.count(bridge) == 1);
        seen.erase(bridge);
        for (const std::string& b : seen) CHECK(Sees(grudge, nodes, b) == Sees(grudge, nodes, a));
        sides.insert(seen);
      }
      REQUIRE(sides.size() == 2);
      CHECK(sides.begin()->size() + std::next(sides.begin())->size() == nodes.size() - 1);
      CHECK(sides.begin()->size() == static_cast<size_t>(n / 2));
      CHECK(std::next(sides.begin())->size() == static_cast<size_t>(n / 2));
    }
  }
}

TEST_CASE("grudge: one-way is an asymmetric cut of disjoint non-empty sets", "[grudge]") {
  for (int n : {2, 3, 5, 7}) {
    const auto nodes = Nodes(n);
    for (uint64_t seed = 0; seed < 20; ++seed) {
      INFO(n << " nodes, seed " << seed);
      const Grudge grudge = Make(nodes, "one-way", seed);
      REQUIRE_FALSE(grudge.empty());
      std::set<std::string> from;  // A: the droppers
      std::set<std::string> to;    // B: whose packets they drop
      for (const auto& [a, list] : grudge) {
        from.insert(a);
        CHECK(std::set<std::string>(list.begin(), list.end()) ==
              std::set<std::string>(grudge.begin()->second.begin(), grudge.begin()->second.end()));
        to.insert(list.begin(), list.end());
      }
      CHECK_FALSE(to.empty());
      for (const std::string& b : to) {
        CHECK(from.count(b) == 0);
        for (const std::string& a : from) {
          CHECK(Drops(grudge, a, b));
          CHECK_FALSE(Drops(grudge, b, a));
        }
      }
    }
  }
}

TEST_CASE("grudge: unknown kinds and too few nodes are errors", "[grudge]") {
  auto unknown = MakeGrudge(Nodes(5), "thirds", 1);
  REQUIRE_FALSE(unknown.ok());
  CHECK_THAT(unknown.message(), Catch::Contains("thirds") && Catch::Contains("majorities-ring"));
  for (const char* kind : {"majority-minority", "majorities-ring", "bridge"}) {
    auto small = MakeGrudge(Nodes(2), kind, 1);
    REQUIRE_FALSE(small.ok());
    CHECK_THAT(small.message(), Catch::Contains("at least 3 nodes"));
  }
  for (const std::string& kind : GrudgeKinds()) CHECK_FALSE(MakeGrudge(Nodes(1), kind, 1).ok());
}

TEST_CASE("grudge: explicit grudges are validated and normalized", "[grudge]") {
  const auto nodes = Nodes(10);
  auto parsed = ParseGrudge(Json::parse(R"({"n10": ["n2", "n1", "n2"], "n3": []})"), nodes);
  REQUIRE(parsed.ok());
  CHECK(*parsed == Grudge{{"n10", {"n1", "n2"}}});
  CHECK(GrudgeToJson(*parsed) == Json::parse(R"({"n10": ["n1", "n2"]})"));

  auto unknown_key = ParseGrudge(Json::parse(R"({"n11": ["n1"]})"), nodes);
  REQUIRE_FALSE(unknown_key.ok());
  CHECK_THAT(unknown_key.message(), Catch::Contains("unknown node n11"));
  auto unknown_value = ParseGrudge(Json::parse(R"({"n1": ["x7"]})"), nodes);
  REQUIRE_FALSE(unknown_value.ok());
  CHECK_THAT(unknown_value.message(), Catch::Contains("unknown node x7"));
  auto self = ParseGrudge(Json::parse(R"({"n4": ["n4"]})"), nodes);
  REQUIRE_FALSE(self.ok());
  CHECK_THAT(self.message(), Catch::Contains("n4") && Catch::Contains("itself"));
  CHECK_FALSE(ParseGrudge(Json::parse(R"({"n1": "n2"})"), nodes).ok());
  CHECK_FALSE(ParseGrudge(Json::parse(R"({"n1": [2]})"), nodes).ok());
  CHECK_FALSE(ParseGrudge(Json::parse(R"(["n1"])"), nodes).ok());
}

}  // namespace coordcheck::nemesis
