#include "reports/history_view.h"

#include <algorithm>
#include <functional>
#include <map>
#include <queue>
#include <set>
#include <unordered_map>
#include <utility>

namespace coordcheck::reports {

namespace {

Outcome OutcomeOf(OpType type) {
  switch (type) {
    case OpType::kOk:
      return Outcome::kOk;
    case OpType::kFail:
      return Outcome::kFail;
    case OpType::kInfo:
      return Outcome::kInfo;
    default:
      return Outcome::kPending;
  }
}

// Lanes by process id (at most max lanes) or nothing.
bool LanesByProcess(HistoryView* view, const std::vector<int64_t>& processes, size_t max_lanes) {
  if (processes.size() > max_lanes) return false;
  std::unordered_map<int64_t, uint32_t> lane_of;
  for (size_t i = 0; i < processes.size(); ++i) {
    lane_of[processes[i]] = static_cast<uint32_t>(i);
    view->lanes.push_back(Lane{"p" + std::to_string(processes[i]), {processes[i]}});
  }
  for (ClientSpan& op : view->ops) op.lane = lane_of[op.process];
  view->lane_mode = "process";
  return true;
}

// Lanes by worker thread (process mod concurrency), if no two ops on a lane overlap.
bool LanesByThread(HistoryView* view, const std::vector<int64_t>& processes, int concurrency) {
  if (concurrency <= 0) return false;
  std::vector<int64_t> last_end(concurrency, INT64_MIN);
  for (const ClientSpan& op : view->ops) {
    const auto thread = static_cast<size_t>(op.process % concurrency);
    if (op.start_ns < last_end[thread]) return false;
    last_end[thread] = op.end_ns;
  }
  for (int t = 0; t < concurrency; ++t)
    view->lanes.push_back(Lane{"thread " + std::to_string(t), {}});
  for (int64_t p : processes)
    view->lanes[static_cast<size_t>(p % concurrency)].processes.push_back(p);
  for (ClientSpan& op : view->ops) op.lane = static_cast<uint32_t>(op.process % concurrency);
  view->lane_mode = "thread";
  return true;
}

// Processes packed greedily into lanes by their active spans (first invoke to last end).
void LanesPacked(HistoryView* view) {
  struct Active {
    int64_t first = 0, last = 0;
  };
  std::map<int64_t, Active> spans;  // by process
  std::vector<int64_t> order;       // processes by first invoke
  for (const ClientSpan& op : view->ops) {
    auto [it, inserted] = spans.try_emplace(op.process, Active{op.start_ns, op.end_ns});
    if (inserted) order.push_back(op.process);
    it->second.last = std::max(it->second.last, op.end_ns);
  }
  using Busy = std::pair<int64_t, uint32_t>;  // (end, lane)
  std::priority_queue<Busy, std::vector<Busy>, std::greater<>> busy;
  std::set<uint32_t> free_lanes;
  std::unordered_map<int64_t, uint32_t> lane_of;
  for (int64_t p : order) {
    const Active& a = spans[p];
    while (!busy.empty() && busy.top().first <= a.first) {
      free_lanes.insert(busy.top().second);
      busy.pop();
    }
    uint32_t lane;
    if (!free_lanes.empty()) {
      lane = *free_lanes.begin();
      free_lanes.erase(free_lanes.begin());
    } else {
      lane = static_cast<uint32_t>(view->lanes.size());
      view->lanes.push_back(Lane{"lane " + std::to_string(lane), {}});
    }
    view->lanes[lane].processes.push_back(p);
    lane_of[p] = lane;
    busy.emplace(a.last, lane);
  }
  for (Lane& lane : view->lanes) std::sort(lane.processes.begin(), lane.processes.end());
  for (ClientSpan& op : view->ops) op.lane = lane_of[op.process];
  view->lane_mode = "packed";
}

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

std::string Base64(const std::string& bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t n = (static_cast<uint8_t>(bytes[i]) << 16) |
                       (static_cast<uint8_t>(bytes[i + 1]) << 8) |
                       static_cast<uint8_t>(bytes[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i + 1 == bytes.size()) {
    const uint32_t n = static_cast<uint8_t>(bytes[i]) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    const uint32_t n =
        (static_cast<uint8_t>(bytes[i]) << 16) | (static_cast<uint8_t>(bytes[i + 1]) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

}  // namespace

int64_t HistoryView::OpOf(int64_t index) const {
  if (index < 0 || index >= static_cast<int64_t>(span_of_event.size())) return -1;
  const int64_t s = span_of_event[index];
  if (s >= 0) return ops[s].invoke;
  if (s <= -2) return nemesis[-2 - s].first();
  return -1;
}

const ClientSpan* HistoryView::ClientOf(int64_t index) const {
  if (index < 0 || index >= static_cast<int64_t>(span_of_event.size())) return nullptr;
  const int64_t s = span_of_event[index];
  return s >= 0 ? &ops[s] : nullptr;
}

HistoryView BuildHistoryView(const History& history, int concurrency, int max_process_lanes) {
  HistoryView view;
  const size_t n = history.size();
  view.span_of_event.assign(n, -1);
  std::unordered_map<std::string, uint32_t> f_index;
  std::unordered_map<int64_t, size_t> open_client;  // process → ClientSpan index
  int64_t open_nemesis = -1;                        // NemesisSpan index
  int64_t last_time = 0;
  std::vector<int64_t> processes;
  std::unordered_map<int64_t, bool> seen_process;
  for (size_t i = 0; i < n; ++i) {
    const Op& op = history.ops[i];
    const int64_t t = std::max(last_time, op.time_ns);
    last_time = t;
    const auto index = static_cast<int64_t>(i);
    if (op.is_nemesis()) {
      if (op.is_invoke()) {
        if (open_nemesis >= 0) view.nemesis[open_nemesis].end_ns = t;  // never completed
        view.nemesis.push_back(NemesisSpan{index, -1, t, t});
        open_nemesis = static_cast<int64_t>(view.nemesis.size()) - 1;
        view.span_of_event[i] = -2 - open_nemesis;
      } else if (open_nemesis >= 0 && history.ops[view.nemesis[open_nemesis].invoke].f == op.f) {
        view.nemesis[open_nemesis].complete = index;
        view.nemesis[open_nemesis].end_ns = t;
        view.span_of_event[i] = -2 - open_nemesis;
        open_nemesis = -1;
      } else {
        view.nemesis.push_back(NemesisSpan{-1, index, t, t});
        view.span_of_event[i] = -2 - (static_cast<int64_t>(view.nemesis.size()) - 1);
      }
      continue;
    }
    if (op.is_invoke()) {
      if (auto it = open_client.find(op.process); it != open_client.end()) {
        view.ops[it->second].end_ns = t;  // a second invoke: the first one ends pending here
        open_client.erase(it);
      }
      auto [fit, inserted] = f_index.try_emplace(op.f, static_cast<uint32_t>(view.f_names.size()));
      if (inserted) view.f_names.push_back(op.f);
      ClientSpan span;
      span.invoke = index;
      span.process = op.process;
      span.start_ns = t;
      span.end_ns = -1;  // set below
      span.f = fit->second;
      open_client[op.process] = view.ops.size();
      view.span_of_event[i] = static_cast<int64_t>(view.ops.size());
      view.ops.push_back(span);
      if (!seen_process[op.process]) {
        seen_process[op.process] = true;
        processes.push_back(op.process);
      }
      continue;
    }
    auto it = open_client.find(op.process);
    if (it == open_client.end()) {
      ++view.unpaired;
      continue;
    }
    ClientSpan& span = view.ops[it->second];
    span.complete = index;
    span.end_ns = t;
    span.outcome = OutcomeOf(op.type);
    view.span_of_event[i] = static_cast<int64_t>(it->second);
    open_client.erase(it);
  }
  view.end_ns = last_time;
  for (ClientSpan& span : view.ops)
    if (span.end_ns < 0) span.end_ns = last_time;
  for (auto& [process, index] : open_client) view.ops[index].end_ns = last_time;
  if (open_nemesis >= 0) view.nemesis[open_nemesis].end_ns = last_time;

  std::sort(processes.begin(), processes.end());
  if (!LanesByProcess(&view, processes, static_cast<size_t>(std::max(1, max_process_lanes))) &&
      !LanesByThread(&view, processes, concurrency)) {
    LanesPacked(&view);
  }
  return view;
}

std::string EncodeTimeline(const HistoryView& view) {
  std::string bytes;
  bytes.reserve(view.ops.size() * 9);
  int64_t prev_invoke = 0;
  int64_t prev_start_us = 0;
  for (const ClientSpan& op : view.ops) {
    const int64_t start_us = std::max(prev_start_us, op.start_ns / 1000);
    const int64_t end_us = std::max(start_us, op.end_ns / 1000);
    PutVarint(&bytes, static_cast<uint64_t>(op.invoke - prev_invoke));
    PutVarint(&bytes, op.lane);
    PutVarint(&bytes, static_cast<uint64_t>(start_us - prev_start_us));
    PutVarint(&bytes, static_cast<uint64_t>(end_us - start_us));
    PutVarint(&bytes, uint64_t{op.f} * 4 + static_cast<uint64_t>(op.outcome));
    PutVarint(&bytes, op.complete >= 0 ? static_cast<uint64_t>(op.complete - op.invoke) : 0);
    prev_invoke = op.invoke;
    prev_start_us = start_us;
  }
  return Base64(bytes);
}

}  // namespace coordcheck::reports
