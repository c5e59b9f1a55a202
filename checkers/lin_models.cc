#include "checkers/lin_models.h"

#include <algorithm>
#include <atomic>
#include <climits>
#include <unordered_set>

namespace coordcheck::lin {
namespace {

// f aliases, parsed once.
enum class Fn { kRead, kWrite, kCas, kAppend, kAcquire, kRelease, kAdd, kEnqueue, kDequeue, kTxn };

std::optional<Fn> ParseFn(ModelKind kind, std::string_view f) {
  switch (kind) {
    case ModelKind::kRegister:
      if (f == "read") return Fn::kRead;
      if (f == "write") return Fn::kWrite;
      return std::nullopt;
    case ModelKind::kCasRegister:
      if (f == "read") return Fn::kRead;
      if (f == "write") return Fn::kWrite;
      if (f == "cas") return Fn::kCas;
      return std::nullopt;
    case ModelKind::kKv:
      if (f == "read" || f == "get") return Fn::kRead;
      if (f == "write" || f == "put") return Fn::kWrite;
      if (f == "cas") return Fn::kCas;
      if (f == "append") return Fn::kAppend;
      return std::nullopt;
    case ModelKind::kMutex:
      if (f == "acquire" || f == "lock") return Fn::kAcquire;
      if (f == "release" || f == "unlock") return Fn::kRelease;
      return std::nullopt;
    case ModelKind::kSet:
      if (f == "add") return Fn::kAdd;
      if (f == "read") return Fn::kRead;
      return std::nullopt;
    case ModelKind::kQueue:
      if (f == "enqueue") return Fn::kEnqueue;
      if (f == "dequeue") return Fn::kDequeue;
      return std::nullopt;
    case ModelKind::kCounter:
      if (f == "add") return Fn::kAdd;
      if (f == "read") return Fn::kRead;
      return std::nullopt;
    case ModelKind::kMultiRegister:
      if (f == "txn") return Fn::kTxn;
      return std::nullopt;
  }
  return std::nullopt;
}

const char* FnList(ModelKind kind) {
  switch (kind) {
    case ModelKind::kRegister:
      return "read, write";
    case ModelKind::kCasRegister:
      return "read, write, cas";
    case ModelKind::kKv:
      return "read/get, write/put, cas, append";
    case ModelKind::kMutex:
      return "acquire, release";
    case ModelKind::kSet:
      return "add, read";
    case ModelKind::kQueue:
      return "enqueue, dequeue";
    case ModelKind::kCounter:
      return "add, read";
    case ModelKind::kMultiRegister:
      return "txn";
  }
  return "";
}

bool IsPair(const Json& v) { return v.is_array() && v.size() == 2; }

// A micro-op of a multi-register txn: ["read"|"write", key, value].
bool IsMicroOp(const Json& m) {
  return m.is_array() && m.size() == 3 && m[0].is_string() && (m[0] == "read" || m[0] == "write") &&
         (m[1].is_string() || m[1].is_number_integer());
}

std::string KeyName(const Json& k) { return k.is_string() ? k.get<std::string>() : k.dump(); }

}  // namespace

bool ParseModelKind(std::string_view name, ModelKind* kind) {
  static const std::pair<std::string_view, ModelKind> kNames[] = {
      {"register", ModelKind::kRegister},
      {"cas-register", ModelKind::kCasRegister},
      {"kv", ModelKind::kKv},
      {"mutex", ModelKind::kMutex},
      {"lock", ModelKind::kMutex},
      {"set", ModelKind::kSet},
      {"queue", ModelKind::kQueue},
      {"fifo-queue", ModelKind::kQueue},
      {"counter", ModelKind::kCounter},
      {"multi-register", ModelKind::kMultiRegister}};
  for (const auto& [n, k] : kNames) {
    if (n == name) {
      *kind = k;
      return true;
    }
  }
  return false;
}

std::optional<std::string> ValidateOp(ModelKind kind, const Op& invoke, const Op* completion) {
  auto fn = ParseFn(kind, invoke.f);
  if (!fn) {
    return "f \"" + invoke.f + "\" is not an operation of this model (expected " + FnList(kind) +
           ")";
  }
  const Json& in = invoke.value;
  const Json* out = completion != nullptr ? &completion->value : nullptr;
  switch (*fn) {
    case Fn::kRead:
      if (kind == ModelKind::kCounter && out != nullptr && !out->is_number_integer())
        return "a counter read's ok value must be an integer, got " + out->dump();
      if (kind == ModelKind::kSet && out != nullptr && !out->is_array())
        return "a set read's ok value must be a list of members, got " + out->dump();
      return std::nullopt;
    case Fn::kWrite:
    case Fn::kAcquire:
    case Fn::kRelease:
    case Fn::kEnqueue:
    case Fn::kDequeue:
      return std::nullopt;
    case Fn::kCas:
      if (!IsPair(in)) return "cas value must be [expected, new], got " + in.dump();
      return std::nullopt;
    case Fn::kAppend:
      if (!in.is_string()) return "append value must be a string, got " + in.dump();
      return std::nullopt;
    case Fn::kAdd:
      if (kind == ModelKind::kCounter && !in.is_number_integer())
        return "a counter add's value must be an integer delta, got " + in.dump();
      return std::nullopt;
    case Fn::kTxn: {
      const Json& v = out != nullptr ? *out : in;
      if (!v.is_array()) return "txn value must be a list of [f, key, value], got " + v.dump();
      for (const Json& m : v)
        if (!IsMicroOp(m))
          return "txn micro-op must be [\"read\"|\"write\", key, value], got " + m.dump();
      if (out != nullptr && out->size() != in.size() && !in.is_null())
        return "txn completion has " + std::to_string(out->size()) + " micro-ops, invoke had " +
               std::to_string(in.size());
      return std::nullopt;
    }
  }
  return std::nullopt;
}

std::optional<std::string> ValidateInit(ModelKind kind, const Json& init) {
  switch (kind) {
    case ModelKind::kRegister:
    case ModelKind::kCasRegister:
    case ModelKind::kKv:
      return std::nullopt;
    case ModelKind::kMutex:
      if (!init.is_boolean()) return "mutex init must be false (free) or true (held)";
      return std::nullopt;
    case ModelKind::kSet:
    case ModelKind::kQueue:
      if (!init.is_array()) return "init must be a list";
      return std::nullopt;
    case ModelKind::kCounter:
      if (!init.is_number_integer()) return "counter init must be an integer";
      return std::nullopt;
    case ModelKind::kMultiRegister:
      if (!init.is_object()) return "multi-register init must be an object {register: value}";
      return std::nullopt;
  }
  return std::nullopt;
}

std::string PartitionModel::InfoClassKey(const Op& invoke) const {
  return invoke.f + '\0' + invoke.value.dump();
}

namespace {

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

// register, cas-register, kv: the state is a value id.
class RegisterModel final : public PartitionModel {
 public:
  RegisterModel(ModelKind kind, const std::optional<Json>& init, const Json& key)
      : kind_(kind), values_(&charge_) {
    init_ = values_.Intern(RegisterInitialValue(kind, init, key));
  }

  bool InfoIsNoOp(const Op& invoke) const override { return ParseFn(kind_, invoke.f) == Fn::kRead; }

  void AddOp(const Op& invoke, const Op* ok) override {
    RegOp op;
    op.fn = *ParseFn(kind_, invoke.f);
    op.known = ok != nullptr;
    switch (op.fn) {
      case Fn::kRead:
        op.a = ok != nullptr ? values_.Intern(ok->value) : 0;
        break;
      case Fn::kWrite:
      case Fn::kAppend:
        op.a = values_.Intern(invoke.value);
        if (op.fn == Fn::kAppend) has_appends_ = true;
        break;
      case Fn::kCas:
        op.a = values_.Intern(invoke.value[0]);
        op.b = values_.Intern(invoke.value[1]);
        break;
      default:
        break;
    }
    ops_.push_back(op);
  }

  int32_t Step(int32_t state, uint32_t id) {
    const RegOp& op = ops_[id];
    switch (op.fn) {
      case Fn::kRead:
        return !op.known || state == op.a ? state : -1;
      case Fn::kWrite:
        return op.a;
      case Fn::kCas:
        return state == op.a ? op.b : -1;
      case Fn::kAppend:
        return values_.Append(state, op.a);
      default:
        return -1;
    }
  }

  bool DeterminedByState(uint32_t id) const { return ops_[id].fn != Fn::kAppend; }
  bool HasGrowers() const { return has_appends_; }
  uint8_t Role(uint32_t id) const {
    const RegOp& op = ops_[id];
    if (op.fn == Fn::kAppend) return kGrowerRole;
    if (op.fn == Fn::kRead && op.known) return kReaderRole;
    return kOtherRole;
  }
  bool MayGrowInto(int32_t state, uint32_t reader) {
    return values_.IsPrefixOf(state, ops_[reader].a);
  }
  // Aliases (put, get) share classes with their canonical names.
  std::string InfoClassKey(const Op& invoke) const override {
    return std::to_string(static_cast<int>(*ParseFn(kind_, invoke.f))) + '\0' + invoke.value.dump();
  }
  // A write of v stands in for a cas [a, v].
  std::string StrongerClassKey(const Op& invoke) const override {
    if (ParseFn(kind_, invoke.f) != Fn::kCas) return "";
    return std::to_string(static_cast<int>(Fn::kWrite)) + '\0' + invoke.value[1].dump();
  }
  bool ReadOnly(uint32_t id) const {
    const RegOp& op = ops_[id];
    return (op.fn == Fn::kRead && op.known) || (op.fn == Fn::kCas && op.a == op.b);
  }

  SearchResult Run(SearchProblem& problem, const SearchBudget& budget) override {
    charge_.Attach(budget.memory_used);
    problem.init_state = init_;
    return Search(problem, *this, budget);
  }

  Json DescribeState(int32_t state) const override { return values_.Describe(state); }

 private:
  struct RegOp {
    Fn fn = Fn::kRead;
    bool known = false;
    int32_t a = 0, b = 0;
  };
  ModelKind kind_;
  MemoryCharge charge_;  // before values_: it reports to it
  HashedValues values_;
  int32_t init_ = 0;
  bool has_appends_ = false;
  std::vector<RegOp> ops_;
};

// mutex: state 0 = free, 1 = held.
class MutexModel final : public PartitionModel {
 public:
  explicit MutexModel(const std::optional<Json>& init)
      : init_(init && init->is_boolean() && init->get<bool>() ? 1 : 0) {}
  bool InfoIsNoOp(const Op&) const override { return false; }
  void AddOp(const Op& invoke, const Op*) override {
    acquire_.push_back(ParseFn(ModelKind::kMutex, invoke.f) == Fn::kAcquire);
  }
  int32_t Step(int32_t state, uint32_t id) const {
    if (acquire_[id]) return state == 0 ? 1 : -1;
    return state == 1 ? 0 : -1;
  }
  bool DeterminedByState(uint32_t) const { return true; }  // each op is enabled in one state
  bool ReadOnly(uint32_t) const { return false; }
  bool HasGrowers() const { return false; }
  uint8_t Role(uint32_t) const { return kOtherRole; }
  bool MayGrowInto(int32_t, uint32_t) const { return true; }
  SearchResult Run(SearchProblem& problem, const SearchBudget& budget) override {
    problem.init_state = init_;
    return Search(problem, *this, budget);
  }
  Json DescribeState(int32_t state) const override { return state == 1; }

 private:
  int32_t init_;
  std::vector<bool> acquire_;
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

// Models whose state is a small vector of ints (counter, set, queue,
// multi-register): states are interned, transitions cached.
class VectorModel final : public PartitionModel {
 public:
  VectorModel(ModelKind kind, const std::optional<Json>& init)
      : kind_(kind), values_(&charge_), states_(&charge_), transitions_(&charge_) {
    std::vector<int64_t> s;
    switch (kind) {
      case ModelKind::kCounter:
        s.push_back(init ? init->get<int64_t>() : 0);
        break;
      case ModelKind::kSet:
        if (init)
          for (const Json& v : *init) s.push_back(values_.Intern(v));
        std::sort(s.begin(), s.end());
        s.erase(std::unique(s.begin(), s.end()), s.end());
        break;
      case ModelKind::kQueue:
        if (init)
          for (const Json& v : *init) s.push_back(values_.Intern(v));
        break;
      case ModelKind::kMultiRegister:
        if (init) {
          for (const auto& [k, v] : init->items()) {
            size_t r = Register(k);
            if (s.size() <= r) s.resize(r + 1, 0);
            s[r] = values_.Intern(v);
          }
        }
        break;
      default:
        break;
    }
    init_ = InternState(std::move(s));
  }

  bool InfoIsNoOp(const Op& invoke) const override {
    auto fn = ParseFn(kind_, invoke.f);
    if (fn == Fn::kRead) return true;
    if (fn == Fn::kTxn) {
      for (const Json& m : invoke.value)
        if (m[0] == "write") return false;
      return true;
    }
    return false;
  }

  void Scan(const Op& invoke, const Op* ok) override {
    if (kind_ == ModelKind::kQueue && ok != nullptr && ParseFn(kind_, invoke.f) == Fn::kDequeue) {
      dequeued_.insert(values_.Intern(ok->value));
    }
  }

  void AddOp(const Op& invoke, const Op* ok) override {
    VecOp op;
    op.fn = *ParseFn(kind_, invoke.f);
    op.known = ok != nullptr;
    switch (op.fn) {
      case Fn::kAdd:
        if (kind_ == ModelKind::kCounter) {
          op.args.push_back(invoke.value.get<int64_t>());
        } else {
          op.args.push_back(values_.Intern(invoke.value));
        }
        break;
      case Fn::kRead:
        if (ok != nullptr) {
          if (kind_ == ModelKind::kCounter) {
            op.args.push_back(ok->value.get<int64_t>());
          } else {
            for (const Json& v : ok->value) op.args.push_back(values_.Intern(v));
            std::sort(op.args.begin(), op.args.end());
            op.args.erase(std::unique(op.args.begin(), op.args.end()), op.args.end());
          }
        }
        break;
      case Fn::kEnqueue: {
        // A value no ok dequeue ever returns is told apart by no op: all such
        // values are one placeholder, so orders of them are one state.
        int32_t v = values_.Intern(invoke.value);
        op.args.push_back(dequeued_.count(v) != 0 ? v : kUnobserved);
        break;
      }
      case Fn::kDequeue:
        if (ok != nullptr) op.args.push_back(values_.Intern(ok->value));
        break;
      case Fn::kTxn: {
        // Triples (is_write, register, value id); reads of an info txn are dropped.
        const Json& v = ok != nullptr ? ok->value : invoke.value;
        for (const Json& m : v) {
          bool write = m[0] == "write";
          if (!write && ok == nullptr) continue;
          op.args.push_back(write ? 1 : 0);
          op.args.push_back(static_cast<int64_t>(Register(KeyName(m[1]))));
          op.args.push_back(values_.Intern(m[2]));
        }
        break;
      }
      default:
        break;
    }
    ops_.push_back(std::move(op));
  }

  // Reads (with a known result) are enabled in one state only; the rest may
  // be enabled in many states with different results.
  bool DeterminedByState(uint32_t id) const { return ops_[id].fn == Fn::kRead && ops_[id].known; }
  bool HasGrowers() const { return false; }
  uint8_t Role(uint32_t) const { return kOtherRole; }
  bool MayGrowInto(int32_t, uint32_t) const { return true; }
  // Reads, a dequeue that found the queue empty, a txn of reads only.
  bool ReadOnly(uint32_t id) const {
    const VecOp& op = ops_[id];
    if (!op.known) return false;
    if (op.fn == Fn::kRead) return true;
    if (op.fn == Fn::kDequeue) return op.args[0] == 0;
    if (op.fn == Fn::kTxn) {
      for (size_t i = 0; i < op.args.size(); i += 3)
        if (op.args[i] == 1) return false;
      return true;
    }
    return false;
  }

  int32_t Step(int32_t state, uint32_t id) {
    uint64_t k = (static_cast<uint64_t>(state) << 32) | id;
    int32_t cached = transitions_.Find(k);
    if (cached != TransitionCache::kMissing) return cached;
    std::vector<int64_t> s = states_.Copy(state);
    int32_t next = Apply(ops_[id], s) ? InternState(std::move(s)) : -1;
    transitions_.Put(k, next);
    return next;
  }

  SearchResult Run(SearchProblem& problem, const SearchBudget& budget) override {
    charge_.Attach(budget.memory_used);
    if (kind_ == ModelKind::kMultiRegister && states_.Get(init_).second < registers_.size()) {
      std::vector<int64_t> s = states_.Copy(init_);
      s.resize(registers_.size(), 0);  // registers first seen in ops start null
      init_ = InternState(std::move(s));
    }
    problem.init_state = init_;
    return Search(problem, *this, budget);
  }

  Json DescribeState(int32_t state) const override {
    const std::vector<int64_t> s = states_.Copy(state);
    switch (kind_) {
      case ModelKind::kCounter:
        return s[0];
      case ModelKind::kSet:
      case ModelKind::kQueue: {
        Json out = Json::array();
        for (int64_t v : s) {
          out.push_back(v == kUnobserved ? Json("(a value never dequeued)")
                                         : values_.Describe(static_cast<int32_t>(v)));
        }
        return out;
      }
      case ModelKind::kMultiRegister: {
        Json out = Json::object();
        for (size_t r = 0; r < registers_.size(); ++r)
          out[registers_[r]] = r < s.size() ? values_.Describe(static_cast<int32_t>(s[r])) : Json();
        return out;
      }
      default:
        return Json();
    }
  }

 private:
  struct VecOp {
    Fn fn = Fn::kRead;
    bool known = false;
    std::vector<int64_t> args;
  };

  size_t Register(const std::string& name) {
    auto [it, inserted] = register_ids_.try_emplace(name, registers_.size());
    if (inserted) registers_.push_back(name);
    return it->second;
  }

  int32_t InternState(const std::vector<int64_t>& s) { return states_.Intern(s); }

  // Applies `op` to `s` in place; false when the op cannot take effect.
  bool Apply(const VecOp& op, std::vector<int64_t>& s) const {
    switch (op.fn) {
      case Fn::kAdd:
        if (kind_ == ModelKind::kCounter) {
          s[0] += op.args[0];
        } else {
          auto pos = std::lower_bound(s.begin(), s.end(), op.args[0]);
          if (pos == s.end() || *pos != op.args[0]) s.insert(pos, op.args[0]);
        }
        return true;
      case Fn::kRead:
        if (!op.known) return true;
        if (kind_ == ModelKind::kCounter) return s[0] == op.args[0];
        return s == op.args;
      case Fn::kEnqueue:
        s.push_back(op.args[0]);
        return true;
      case Fn::kDequeue:
        if (!op.known) {  // took effect: removed the head, whatever it was
          if (s.empty()) return false;
          s.erase(s.begin());
          return true;
        }
        if (op.args[0] == 0) return s.empty();  // null: the queue was empty
        if (s.empty() || s.front() != op.args[0]) return false;
        s.erase(s.begin());
        return true;
      case Fn::kTxn:
        for (size_t i = 0; i + 2 < op.args.size(); i += 3) {
          size_t r = static_cast<size_t>(op.args[i + 1]);
          if (s.size() <= r) s.resize(registers_.size(), 0);
          if (op.args[i] == 1) {
            s[r] = op.args[i + 2];
          } else if (s[r] != op.args[i + 2]) {
            return false;
          }
        }
        return true;
      default:
        return false;
    }
  }

  static constexpr int64_t kUnobserved = -1;  // queue: a value no ok dequeue returns
  ModelKind kind_;
  MemoryCharge charge_;  // before the tables that report to it
  HashedValues values_;
  std::unordered_set<int32_t> dequeued_;  // queue: values some ok dequeue returned
  std::unordered_map<std::string, size_t> register_ids_;
  std::vector<std::string> registers_;
  StatePool states_;
  TransitionCache transitions_;
  std::vector<VecOp> ops_;
  int32_t init_ = 0;
};

}  // namespace

Json RegisterInitialValue(ModelKind kind, const std::optional<Json>& init, const Json& key) {
  if (!init) return kind == ModelKind::kKv ? Json("") : Json();
  if (kind == ModelKind::kKv && init->is_object()) {
    auto it = init->find(KeyName(key));
    return it != init->end() ? *it : Json("");
  }
  return *init;
}

std::unique_ptr<PartitionModel> MakePartitionModel(ModelKind kind, const std::optional<Json>& init,
                                                   const Json& key) {
  switch (kind) {
    case ModelKind::kRegister:
    case ModelKind::kCasRegister:
    case ModelKind::kKv:
      return std::make_unique<RegisterModel>(kind, init, key);
    case ModelKind::kMutex:
      return std::make_unique<MutexModel>(init);
    default:
      return std::make_unique<VectorModel>(kind, init);
  }
}

}  // namespace coordcheck::lin
