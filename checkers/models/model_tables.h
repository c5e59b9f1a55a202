// The tables behind the models' integer form: interned values (with O(1)
// string appends), interned int-vector states, a transition cache, and the
// charge of their growth to a check's memory budget.
//
// Header-only on purpose: HashedValues::Append and ::IsPrefixOf, and the
// pool and cache lookups, run in the search's inner loop and must inline
// into each model's step.
//
// Thread-safety: none; each table belongs to one PartitionModel (one thread).
// MemoryCharge reports to the check's shared atomic counter.
#pragma once

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "checkers/lin_search.h"
#include "history/op.h"

namespace coordcheck::lin {

// Growth of a model's own tables, charged to the check's memory budget.
class MemoryCharge {
 public:
  ~MemoryCharge() {
    if (used_ != nullptr) used_->fetch_sub(bytes_);
  }
  void Attach(std::atomic<uint64_t>* used) {
    used_ = used;
    if (used_ != nullptr) used_->fetch_add(bytes_);
  }
  void Add(int64_t delta) {
    bytes_ += delta;
    if (used_ != nullptr) used_->fetch_add(delta);
  }

 private:
  std::atomic<uint64_t>* used_ = nullptr;
  int64_t bytes_ = 0;
};

// Values of every model, interned so that appends (kv) cost O(1):
// each value is identified by two polynomial hashes of its content (mod the
// Mersenne prime 2^61-1, two fixed bases), its length and whether it is a
// string; an append combines the hashes of its parts without building the
// string. Why this is trustworthy: two different strings of length n share
// both hashes with probability below (n/2^61)^2, far below any hardware error
// rate; non-string values hash their canonical JSON text under a distinct tag.
class HashedValues {
 public:
  explicit HashedValues(MemoryCharge* charge) : charge_(charge) { Intern(Json()); }  // id 0 = null

  int32_t Intern(const Json& v) {
    Entry e;
    const std::string text = v.is_string() ? v.get<std::string>() : v.dump();
    e.is_string = v.is_string();
    e.h1 = e.h2 = e.is_string ? 0 : 1;
    e.p1 = e.p2 = 1;
    for (unsigned char c : text) {
      e.h1 = Add(MulMod(e.h1, kB1), c + 1);
      e.h2 = Add(MulMod(e.h2, kB2), c + 1);
      e.p1 = MulMod(e.p1, kB1);
      e.p2 = MulMod(e.p2, kB2);
    }
    e.len = text.size();
    auto [it, inserted] = ids_.try_emplace(Key{e.h1, e.h2, e.len, e.is_string},
                                           static_cast<int32_t>(entries_.size()));
    if (inserted) {
      e.leaf = static_cast<int32_t>(leaves_.size());
      leaves_.push_back(v);
      entries_.push_back(e);
    }
    return it->second;
  }

  // The string a + b, or -1 when either is not a string.
  int32_t Append(int32_t a, int32_t b) {
    const Entry& x = entries_[a];
    const Entry& y = entries_[b];
    if (!x.is_string || !y.is_string) return -1;
    Entry e;
    e.is_string = true;
    e.h1 = Add(MulMod(x.h1, y.p1), y.h1);
    e.h2 = Add(MulMod(x.h2, y.p2), y.h2);
    e.p1 = MulMod(x.p1, y.p1);
    e.p2 = MulMod(x.p2, y.p2);
    e.len = x.len + y.len;
    e.left = a;
    e.right = b;
    auto [it, inserted] =
        ids_.try_emplace(Key{e.h1, e.h2, e.len, true}, static_cast<int32_t>(entries_.size()));
    if (inserted) {
      entries_.push_back(e);
      charge_->Add(sizeof(Entry) + 32);  // the entry and its hash-map node
    }
    return it->second;
  }

  // Whether a is a prefix of b (strings), or equal to it (other values).
  // Exact for a leaf b (a value from the history); true (no claim) otherwise.
  bool IsPrefixOf(int32_t a, int32_t b) {
    const Entry& x = entries_[a];
    const Entry& y = entries_[b];
    if (!x.is_string || !y.is_string) return a == b;
    if (x.len > y.len) return false;
    if (y.leaf < 0) return true;
    auto it = prefixes_.find(b);
    if (it == prefixes_.end()) {
      std::vector<std::pair<uint64_t, uint64_t>> p(1, {0, 0});
      for (unsigned char c : leaves_[y.leaf].get_ref<const std::string&>()) {
        p.emplace_back(Add(MulMod(p.back().first, kB1), c + 1),
                       Add(MulMod(p.back().second, kB2), c + 1));
      }
      charge_->Add(static_cast<int64_t>(p.size() * 16));
      it = prefixes_.emplace(b, std::move(p)).first;
    }
    return it->second[x.len] == std::make_pair(x.h1, x.h2);
  }

  Json Describe(int32_t id) const {
    const Entry& e = entries_[id];
    if (e.leaf >= 0) return leaves_[e.leaf];
    std::string out;
    AppendText(id, &out);
    return out;
  }

 private:
  static constexpr uint64_t kMod = (1ULL << 61) - 1;
  static constexpr uint64_t kB1 = 0x1f3a5b7c9d2e4f61ULL % kMod;
  static constexpr uint64_t kB2 = 0x6c8e9f0a1b2c3d4fULL % kMod;
  static uint64_t MulMod(uint64_t a, uint64_t b) {
    __uint128_t p = static_cast<__uint128_t>(a) * b;
    uint64_t r = static_cast<uint64_t>(p & kMod) + static_cast<uint64_t>(p >> 61);
    return r >= kMod ? r - kMod : r;
  }
  static uint64_t Add(uint64_t a, uint64_t b) {
    uint64_t r = a + b;
    return r >= kMod ? r - kMod : r;
  }
  void AppendText(int32_t id, std::string* out) const {
    const Entry& e = entries_[id];
    if (e.leaf >= 0) {
      *out += leaves_[e.leaf].get<std::string>();
      return;
    }
    AppendText(e.left, out);
    AppendText(e.right, out);
  }

  struct Entry {
    uint64_t h1 = 0, h2 = 0, p1 = 1, p2 = 1, len = 0;
    int32_t leaf = -1, left = -1, right = -1;
    bool is_string = false;
  };
  struct Key {
    uint64_t h1, h2, len;
    bool is_string;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const {
      return internal::Mix64(k.h1 ^ (k.len << 1) ^ k.is_string);
    }
  };
  MemoryCharge* charge_;
  std::vector<Entry> entries_;
  std::vector<Json> leaves_;
  std::unordered_map<Key, int32_t, KeyHash> ids_;
  std::unordered_map<int32_t, std::vector<std::pair<uint64_t, uint64_t>>> prefixes_;
};

// Interned int vectors (states of the vector models), in one flat pool: no
// allocation per state, so building and freeing millions of them is cheap.
class StatePool {
 public:
  explicit StatePool(MemoryCharge* charge) : charge_(charge) { offsets_.push_back(0); }

  int32_t Intern(const std::vector<int64_t>& s) {
    if ((size() + 1) * 2 > table_.size()) Grow();
    const uint64_t h = Hash(s.data(), s.size());
    size_t i = h & (table_.size() - 1);
    while (table_[i] != 0) {
      int32_t id = table_[i] - 1;
      auto [data, len] = Get(id);
      if (len == s.size() && std::equal(s.begin(), s.end(), data)) return id;
      i = (i + 1) & (table_.size() - 1);
    }
    const size_t before = pool_.capacity() + offsets_.capacity();
    pool_.insert(pool_.end(), s.begin(), s.end());
    offsets_.push_back(pool_.size());
    charge_->Add(static_cast<int64_t>(pool_.capacity() + offsets_.capacity() - before) * 8);
    int32_t id = static_cast<int32_t>(size() - 1);
    table_[i] = id + 1;
    return id;
  }
  std::pair<const int64_t*, size_t> Get(int32_t id) const {
    return {pool_.data() + offsets_[id], offsets_[id + 1] - offsets_[id]};
  }
  std::vector<int64_t> Copy(int32_t id) const {
    auto [data, len] = Get(id);
    return std::vector<int64_t>(data, data + len);
  }
  size_t size() const { return offsets_.size() - 1; }

 private:
  static uint64_t Hash(const int64_t* v, size_t n) {
    uint64_t h = n;
    for (size_t i = 0; i < n; ++i) h = internal::Mix64(h ^ static_cast<uint64_t>(v[i]));
    return h;
  }
  void Grow() {
    size_t n = table_.empty() ? 64 : table_.size() * 2;
    charge_->Add(static_cast<int64_t>((n - table_.size()) * sizeof(int32_t)));
    table_.assign(n, 0);
    for (size_t id = 0; id < size(); ++id) {
      auto [data, len] = Get(static_cast<int32_t>(id));
      size_t i = Hash(data, len) & (n - 1);
      while (table_[i] != 0) i = (i + 1) & (n - 1);
      table_[i] = static_cast<int32_t>(id) + 1;
    }
  }

  MemoryCharge* charge_;
  std::vector<int64_t> pool_;
  std::vector<uint64_t> offsets_;  // state id -> start in pool_; one past the last at the end
  std::vector<int32_t> table_;     // open addressing: state id + 1, 0 = empty
};

// A flat cache uint64 -> int32 (transitions: state << 32 | op -> next state).
class TransitionCache {
 public:
  explicit TransitionCache(MemoryCharge* charge) : charge_(charge) {}
  // The cached value, or kMissing.
  static constexpr int32_t kMissing = INT32_MIN;
  int32_t Find(uint64_t key) const {
    if (keys_.empty()) return kMissing;
    size_t i = internal::Mix64(key) & (keys_.size() - 1);
    while (values_[i] != kMissing) {
      if (keys_[i] == key) return values_[i];
      i = (i + 1) & (keys_.size() - 1);
    }
    return kMissing;
  }
  void Put(uint64_t key, int32_t value) {
    if ((count_ + 1) * 2 > keys_.size()) Grow();
    size_t i = internal::Mix64(key) & (keys_.size() - 1);
    while (values_[i] != kMissing) i = (i + 1) & (keys_.size() - 1);
    keys_[i] = key;
    values_[i] = value;
    ++count_;
  }

 private:
  void Grow() {
    size_t n = keys_.empty() ? 64 : keys_.size() * 2;
    charge_->Add(static_cast<int64_t>((n - keys_.size()) * 12));
    std::vector<uint64_t> old_keys(n, 0);
    std::vector<int32_t> old_values(n, kMissing);
    old_keys.swap(keys_);
    old_values.swap(values_);
    for (size_t j = 0; j < old_keys.size(); ++j) {
      if (old_values[j] == kMissing) continue;
      size_t i = internal::Mix64(old_keys[j]) & (n - 1);
      while (values_[i] != kMissing) i = (i + 1) & (n - 1);
      keys_[i] = old_keys[j];
      values_[i] = old_values[j];
    }
  }

  MemoryCharge* charge_;
  std::vector<uint64_t> keys_;
  std::vector<int32_t> values_;
  size_t count_ = 0;
};

}  // namespace coordcheck::lin
