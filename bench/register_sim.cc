// Simulated cas-register clients: see register_sim.h.
#include "bench/register_sim.h"

#include <algorithm>
#include <cassert>
#include <functional>
#include <numeric>
#include <queue>

namespace coordcheck::bench {

uint64_t Rng::Next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

int64_t Rng::Uniform(int64_t lo, int64_t hi) {
  assert(lo <= hi);
  const uint64_t span = static_cast<uint64_t>(hi - lo) + 1;
  if (span == 0) return static_cast<int64_t>(Next());  // the whole 64-bit range
  // Rejection sampling: drop the top partial copy of [0, span) to stay unbiased.
  const uint64_t limit = UINT64_MAX - UINT64_MAX % span;
  uint64_t x;
  do {
    x = Next();
  } while (x >= limit);
  return lo + static_cast<int64_t>(x % span);
}

bool Rng::Chance(double p) { return static_cast<double>(Next() >> 11) * 0x1.0p-53 < p; }

uint64_t ChildSeed(uint64_t master, std::string_view name) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a of the name
  for (char c : name) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  Rng mix(master ^ h);
  return mix.Next();
}

namespace {

enum class EventKind : uint8_t { kInvoke, kEffect, kComplete };

// One scheduled step of the simulation; ties in time go by scheduling order.
struct Scheduled {
  int64_t time_ns;
  int64_t seq;
  EventKind kind;
  int64_t target;  // kInvoke: the slot; otherwise the op id

  bool operator>(const Scheduled& o) const {
    return time_ns != o.time_ns ? time_ns > o.time_ns : seq > o.seq;
  }
};

}  // namespace

SimHistory Simulate(const SimOptions& o, uint64_t seed) {
  assert(o.processes > 0 && o.ops >= 0 && o.keys >= 0);
  assert(o.values >= 2 && o.values <= 100);
  assert(!o.plan_stale_read || o.keys == 0);
  Rng rng(seed);
  SimHistory h;
  h.options = o;
  h.ops.reserve(o.ops);
  h.events.reserve(2 * o.ops);
  h.effects.reserve(o.ops);

  std::vector<int> state(std::max(1, o.keys), -1);  // -1 = the initial value
  std::vector<int64_t> slot_process(o.processes);
  std::iota(slot_process.begin(), slot_process.end(), 0);
  int64_t next_process = o.processes;
  std::vector<int32_t> op_slot;
  op_slot.reserve(o.ops);

  int64_t window_end = -1;
  if (o.plan_stale_read) {
    h.quarantine_value = static_cast<int>(rng.Uniform(0, o.values - 1));
    h.quarantine_begin = o.ops * rng.Uniform(50, 90) / 100;
    window_end = h.quarantine_begin + 8 * o.processes;
  }

  std::priority_queue<Scheduled, std::vector<Scheduled>, std::greater<>> queue;
  int64_t seq = 0;
  auto schedule = [&](int64_t time_ns, EventKind kind, int64_t target) {
    queue.push(Scheduled{time_ns, seq++, kind, target});
  };
  for (int s = 0; s < o.processes; ++s) {
    schedule(rng.Uniform(0, o.max_think_ns), EventKind::kInvoke, s);
  }
  const int64_t max_duration = o.max_effect_ns + o.max_complete_ns;

  while (!queue.empty()) {
    const Scheduled e = queue.top();
    queue.pop();
    switch (e.kind) {
      case EventKind::kInvoke: {
        const auto id = static_cast<int64_t>(h.ops.size());
        if (id == o.ops) break;  // this slot retires
        SimOp op;
        op.process = slot_process[e.target];
        op.invoke_ns = e.time_ns;
        if (o.keys > 0) op.key = static_cast<int32_t>(rng.Uniform(0, o.keys - 1));
        const int64_t dice = rng.Uniform(0, 99);
        op.f = dice < o.read_pct                 ? SimF::kRead
               : dice < o.read_pct + o.write_pct ? SimF::kWrite
                                                 : SimF::kCas;
        const bool info = rng.Chance(o.info_fraction);
        const bool avoid = o.plan_stale_read && ((id >= h.quarantine_begin && id < window_end) ||
                                                 (info && id < window_end));
        auto draw_written = [&]() -> int8_t {
          if (!avoid) return static_cast<int8_t>(rng.Uniform(0, o.values - 1));
          const auto v = static_cast<int>(rng.Uniform(0, o.values - 2));
          return static_cast<int8_t>(v >= h.quarantine_value ? v + 1 : v);
        };
        if (op.f == SimF::kWrite) op.arg = draw_written();
        if (op.f == SimF::kCas) {
          op.arg = static_cast<int8_t>(rng.Uniform(0, o.values - 1));
          op.arg2 = draw_written();
        }
        if (info) {
          // A timeout: the client gives up later than any ok op takes; the op
          // may still take effect afterwards.
          op.outcome = OpType::kInfo;
          op.took_effect = rng.Chance(0.5);
          op.complete_ns = e.time_ns + max_duration + rng.Uniform(0, o.max_effect_ns);
          if (op.took_effect) op.effect_ns = e.time_ns + rng.Uniform(1, 2 * max_duration);
        } else {
          op.took_effect = true;
          op.effect_ns = e.time_ns + rng.Uniform(1, o.max_effect_ns);
          op.complete_ns = op.effect_ns + rng.Uniform(1, o.max_complete_ns);
        }
        if (op.took_effect) schedule(op.effect_ns, EventKind::kEffect, id);
        schedule(op.complete_ns, EventKind::kComplete, id);
        h.ops.push_back(op);
        op_slot.push_back(static_cast<int32_t>(e.target));
        h.events.push_back(id * 2);
        break;
      }
      case EventKind::kEffect: {
        SimOp& op = h.ops[e.target];
        int& value = state[op.key < 0 ? 0 : op.key];
        switch (op.f) {
          case SimF::kRead:
            op.result = static_cast<int8_t>(value);
            break;
          case SimF::kWrite:
            value = op.arg;
            break;
          case SimF::kCas:
            if (value == op.arg) {
              value = op.arg2;
            } else if (op.outcome == OpType::kOk) {
              op.outcome = OpType::kFail;
            }
            break;
        }
        h.effects.push_back(e.target);
        break;
      }
      case EventKind::kComplete: {
        const SimOp& op = h.ops[e.target];
        h.events.push_back(e.target * 2 + 1);
        const int32_t slot = op_slot[e.target];
        if (op.outcome == OpType::kInfo) slot_process[slot] = next_process++;
        schedule(e.time_ns + rng.Uniform(0, o.max_think_ns), EventKind::kInvoke, slot);
        break;
      }
    }
  }

  for (size_t i = 0; i < h.events.size(); ++i) {
    SimOp& op = h.ops[h.events[i] / 2];
    (h.events[i] % 2 == 0 ? op.invoke_index : op.complete_index) = static_cast<int64_t>(i);
  }
  return h;
}

std::optional<std::string> VerifyWitness(const SimHistory& h) {
  std::vector<int> state(std::max(1, h.options.keys), -1);
  int64_t last_ns = -1;
  for (int64_t id : h.effects) {
    const SimOp& op = h.ops[id];
    const std::string where =
        "op " + std::to_string(id) + " (invoke index " + std::to_string(op.invoke_index) + "): ";
    if (!op.took_effect || op.effect_ns < last_ns || op.effect_ns <= op.invoke_ns) {
      return where + "instant out of order or before its invoke";
    }
    if (op.outcome != OpType::kInfo &&
        (op.effect_ns >= op.complete_ns || op.invoke_index >= op.complete_index)) {
      return where + "instant after its completion";
    }
    last_ns = op.effect_ns;
    int& value = state[op.key < 0 ? 0 : op.key];
    switch (op.f) {
      case SimF::kRead:
        if (op.outcome == OpType::kOk && op.result != value) return where + "read result differs";
        break;
      case SimF::kWrite:
        value = op.arg;
        break;
      case SimF::kCas:
        if (value == op.arg) {
          if (op.outcome == OpType::kFail) return where + "cas failed although it matched";
          value = op.arg2;
        } else if (op.outcome == OpType::kOk) {
          return where + "cas succeeded although it did not match";
        }
        break;
    }
  }
  for (size_t id = 0; id < h.ops.size(); ++id) {
    const SimOp& op = h.ops[id];
    if (op.invoke_index < 0 || op.complete_index <= op.invoke_index) {
      return "op " + std::to_string(id) + ": events missing or out of order";
    }
    if (op.outcome != OpType::kInfo && !op.took_effect) {
      return "op " + std::to_string(id) + ": completed without taking effect";
    }
  }
  return std::nullopt;
}

std::optional<StaleRead> FindStaleRead(const SimHistory& h) {
  const int v = h.quarantine_value;
  if (v < 0) return std::nullopt;
  const auto n = static_cast<int64_t>(h.ops.size());
  const int64_t end = std::min(n, h.quarantine_begin + 8 * h.options.processes);
  for (int64_t r = h.quarantine_begin; r < end; ++r) {
    const SimOp& read = h.ops[r];
    if (read.f != SimF::kRead || read.outcome != OpType::kOk) continue;
    // Every op that could write v and could take effect before the read ends.
    int64_t last_done = -1;
    int64_t last_writer = -1;
    bool open_writer = false;
    for (int64_t x = 0; x < n && h.ops[x].invoke_index < read.complete_index; ++x) {
      const SimOp& op = h.ops[x];
      if (op.written() != v || op.outcome == OpType::kFail) continue;
      if (op.outcome == OpType::kInfo) {
        open_writer = true;
        break;
      }
      if (op.complete_index > last_done) {
        last_done = op.complete_index;
        last_writer = x;
      }
    }
    if (open_writer || last_writer < 0) continue;
    for (int64_t w = 0; w < n && h.ops[w].invoke_index < read.invoke_index; ++w) {
      const SimOp& op = h.ops[w];
      if (op.outcome == OpType::kOk && op.written() >= 0 && op.written() != v &&
          op.invoke_index > last_done && op.complete_index < read.invoke_index) {
        assert(read.result != v);
        return StaleRead{r, v, last_writer, w};
      }
    }
  }
  return std::nullopt;
}

Json ValueJson(const SimOptions& options, int value) {
  if (value < 0) return options.string_values ? Json("") : Json(nullptr);
  return options.string_values ? Json(std::to_string(value)) : Json(value);
}

Op EventOp(const SimHistory& h, int64_t position, const StaleRead* stale) {
  const int64_t event = h.events[position];
  const int64_t id = event / 2;
  const SimOp& sim = h.ops[id];
  const bool completion = event % 2 == 1;
  Op op;
  op.index = position;
  op.time_ns = completion ? sim.complete_ns : sim.invoke_ns;
  op.process = sim.process;
  op.type = completion ? sim.outcome : OpType::kInvoke;
  if (sim.key >= 0) op.key = sim.key;
  switch (sim.f) {
    case SimF::kRead:
      op.f = "read";
      if (completion && sim.outcome == OpType::kOk) {
        const bool injected = stale != nullptr && stale->read_op == id;
        op.value = ValueJson(h.options, injected ? stale->value : sim.result);
      }
      break;
    case SimF::kWrite:
      op.f = "write";
      op.value = ValueJson(h.options, sim.arg);
      break;
    case SimF::kCas:
      op.f = "cas";
      op.value = Json::array({ValueJson(h.options, sim.arg), ValueJson(h.options, sim.arg2)});
      break;
  }
  return op;
}

}  // namespace coordcheck::bench
