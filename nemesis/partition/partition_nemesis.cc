#include "nemesis/partition/partition_nemesis.h"

#include <algorithm>
#include <atomic>
#include <sstream>
#include <system_error>
#include <thread>
#include <utility>

#include "nemesis/ops.h"

namespace coordcheck::nemesis {
namespace {


constexpr const char* kLocalBackendError =
    "partitions need the netns backend (or real machines): nodes of the local backend share "
    "one network namespace";

// The cluster's nodes named in `names`, in cluster order; all of them when `names` is empty.
std::vector<control::NodeInfo> Subset(const std::vector<control::NodeInfo>& nodes,
                                      const std::vector<std::string>& names) {
  if (names.empty()) return nodes;
  std::vector<control::NodeInfo> out;
  for (const auto& n : nodes) {
    if (std::find(names.begin(), names.end(), n.name) != names.end()) out.push_back(n);
  }
  return out;
}

std::vector<std::string> Names(const std::vector<control::NodeInfo>& nodes) {
  std::vector<std::string> names;
  for (const auto& node : nodes) names.push_back(node.name);
  return names;
}

// Addresses end up in iptables-restore input, one rule per line: allow nothing that could
// end a line or a word.
bool UsableAddress(const std::string& address) {
  if (address.empty()) return false;
  return std::all_of(address.begin(), address.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' ||
           c == ':' || c == '-' || c == '_' || c == '/';
  });
}

std::string Trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// What of ours an `iptables -S` listing holds: the lines of jumps to our chain and
// whether the chain itself exists.
struct Ours {
  std::vector<std::string> jumps;
  bool chain = false;
  bool empty() const { return jumps.empty() && !chain; }
};

Ours FindOurs(const std::string& listing) {
  const std::string declare = std::string("-N ") + kPartitionChain;
  const std::string jump = std::string(" -j ") + kPartitionChain;
  Ours ours;
  for (const std::string& line : Lines(listing)) {
    if (line == declare) ours.chain = true;
    const bool jumps_to_us = line.size() >= jump.size() &&
                             line.compare(line.size() - jump.size(), jump.size(), jump) == 0;
    if (line.rfind("-A ", 0) == 0 && jumps_to_us) ours.jumps.push_back(line);
  }
  return ours;
}

// The first error of `statuses`, noting how many more failed.
Status FirstError(const std::vector<Status>& statuses) {
  Status first;
  int more = 0;
  for (const Status& s : statuses) {
    if (s.ok()) continue;
    if (first.ok()) {
      first = s;
    } else {
      ++more;
    }
  }
  if (more > 0) {
    return Status::Error(first.message() + " (and " + std::to_string(more) +
                         " more node(s) failed)");
  }
  return first;
}

// Every failing node's error, joined.
std::string AllErrors(const std::vector<Status>& statuses) {
  std::string all;
  for (const Status& s : statuses) {
    if (!s.ok()) all += (all.empty() ? "" : "; ") + s.message();
  }
  return all;
}

Result<uint64_t> ParseSeed(const Json& seed) {
  if (seed.is_number_unsigned()) return seed.get<uint64_t>();
  if (seed.is_number_integer()) return static_cast<uint64_t>(seed.get<int64_t>());
  return Result<uint64_t>::Error("start-partition: seed must be an integer, got " + seed.dump());
}

Op Failed(Op op, const std::string& message) {
  op.error = message;
  return op;
}

}  // namespace

Result<PartitionRequest> ParsePartitionRequest(const Json& value,
                                               const std::vector<std::string>& nodes) {
  using R = Result<PartitionRequest>;
  if (!value.is_object()) {
    return R::Error("start-partition needs an object value, got " + value.dump());
  }
  PartitionRequest request;
  if (auto mode = value.find("mode"); mode != value.end()) {
    if (*mode == "drop") {
      request.mode = CutMode::kDrop;
    } else if (*mode == "reject") {
      request.mode = CutMode::kReject;
    } else {
      return R::Error("start-partition: mode must be \"drop\" or \"reject\", got " + mode->dump());
    }
  }
  const auto kind = value.find("kind");
  const auto grudge = value.find("grudge");
  const bool has_kind = kind != value.end() && !kind->is_null();
  const bool has_grudge = grudge != value.end() && !grudge->is_null();
  if (has_kind == has_grudge) {
    return R::Error("start-partition needs either a kind or an explicit grudge, got " +
                    value.dump());
  }
  if (has_grudge) {
    auto parsed = ParseGrudge(*grudge, nodes);
    if (!parsed.ok()) return parsed.status().Wrap("start-partition");
    request.grudge = std::move(parsed).value();
    return request;
  }
  if (!kind->is_string()) {
    return R::Error("start-partition: kind must be a string, got " + kind->dump());
  }
  request.kind = kind->get<std::string>();
  if (auto seed = value.find("seed"); seed != value.end()) {
    auto parsed = ParseSeed(*seed);
    if (!parsed.ok()) return parsed.status();
    request.seed = *parsed;
  } else if (request.kind != "halves" && request.kind != kIsolatePrimary) {
    return R::Error("start-partition: kind " + request.kind + " needs an integer seed");
  }
  if (request.kind == kIsolatePrimary) return request;
  auto made = MakeGrudge(nodes, request.kind, request.seed);
  if (!made.ok()) return made.status().Wrap("start-partition");
  request.grudge = std::move(made).value();
  return request;
}

PartitionNemesis::PartitionNemesis(control::Cluster& cluster, PrimaryFn primary,
                                   PartitionOptions options)
    : cluster_(cluster),
      primary_(std::move(primary)),
      options_(options),
      nodes_(Subset(cluster.nodes(), options.nodes)),
      names_(Names(nodes_)),
      touched_(nodes_.size(), 0) {}

PartitionNemesis::PrimaryFn PartitionNemesis::PrimaryOf(ProcessControl* process) {
  if (process == nullptr || !process->has_primary()) return nullptr;
  return [process] { return process->Primary(); };
}

std::vector<std::string> PartitionNemesis::fs() const {
  return {fault::kStartPartition, fault::kStopPartition};
}

std::vector<size_t> PartitionNemesis::AllNodes() const {
  std::vector<size_t> all(nodes_.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  return all;
}

std::vector<Status> PartitionNemesis::ForNodes(const std::vector<size_t>& which,
                                               const std::function<Status(size_t)>& step) {
  std::vector<Status> statuses(nodes_.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t k; (k = next.fetch_add(1)) < which.size();) statuses[which[k]] = step(which[k]);
  };
  const size_t workers =
      std::min(which.size(), static_cast<size_t>(std::max(1, options_.parallelism)));
  std::vector<std::thread> threads;
  for (size_t t = 1; t < workers; ++t) {
    try {
      threads.emplace_back(work);
    } catch (const std::system_error&) {
      break;  // the calling thread does the rest
    }
  }
  work();
  for (std::thread& thread : threads) thread.join();
  return statuses;
}

Status PartitionNemesis::Restore(size_t i, const std::string& rules) {
  control::ExecOptions exec;
  exec.timeout = options_.exec_timeout;
  exec.input = "*filter\n" + rules + "COMMIT\n";
  auto result = cluster_.remote(nodes_[i].name).Exec({"iptables-restore", "--noflush", "-w"}, exec);
  if (!result.ok()) return result.status();
  if (result->timed_out) {
    return Status::Error("node " + nodes_[i].name + ": iptables-restore timed out after " +
                         std::to_string(options_.exec_timeout.count()) + " ms");
  }
  if (!result->success()) {
    return Status::Error("node " + nodes_[i].name + ": iptables-restore failed (exit " +
                         std::to_string(result->exit_code) + "): " + Trim(result->err));
  }
  return Status::Ok();
}

Result<std::string> PartitionNemesis::ListRules(size_t i) {
  control::ExecOptions exec;
  exec.timeout = options_.exec_timeout;
  auto result = cluster_.remote(nodes_[i].name).Exec({"iptables", "-w", "-S"}, exec);
  if (!result.ok()) return result.status();
  if (!result->success()) {
    return Result<std::string>::Error(
        "node " + nodes_[i].name + ": iptables -S failed" +
        (result->timed_out ? " (timed out)" : " (exit " + std::to_string(result->exit_code) + ")") +
        ": " + Trim(result->err));
  }
  return std::move(result->out);
}

Status PartitionNemesis::RemoveChain(size_t i) {
  auto before = ListRules(i);
  if (!before.ok()) return before.status();
  const Ours ours = FindOurs(*before);
  if (ours.empty()) return Status::Ok();
  std::string batch;
  for (const std::string& jump : ours.jumps) batch += "-D" + jump.substr(2) + "\n";
  if (ours.chain) {
    batch += std::string("-F ") + kPartitionChain + "\n";
    batch += std::string("-X ") + kPartitionChain + "\n";
  }
  if (Status s = Restore(i, batch); !s.ok()) return s;
  auto after = ListRules(i);
  if (!after.ok()) return after.status();
  if (!FindOurs(*after).empty()) {
    return Status::Error("node " + nodes_[i].name + ": chain " + kPartitionChain +
                         " or a jump to it is still there after removing them");
  }
  return Status::Ok();
}

std::vector<Status> PartitionNemesis::FlushAll() {
  return ForNodes(AllNodes(), [this](size_t i) {
    return Restore(i, std::string("-F ") + kPartitionChain + "\n");
  });
}

std::string PartitionNemesis::RulesFor(size_t i, const Grudge& grudge, CutMode mode,
                                       int64_t* count) const {
  std::string rules;
  auto it = grudge.find(nodes_[i].name);
  if (it == grudge.end()) return rules;
  const std::string append = std::string("-A ") + kPartitionChain;
  for (const std::string& other : it->second) {
    auto node = std::find_if(nodes_.begin(), nodes_.end(),
                             [&](const control::NodeInfo& n) { return n.name == other; });
    const std::string& address = node->address;
    if (mode == CutMode::kDrop) {
      rules += append + " -s " + address + " -j DROP\n";
      *count += 1;
    } else {
      rules += append + " -p tcp -s " + address + " -j REJECT --reject-with tcp-reset\n";
      rules += append + " -s " + address + " -j REJECT\n";
      *count += 2;
    }
  }
  return rules;
}

Status PartitionNemesis::Setup() {
  std::lock_guard lock(mu_);
  ready_ = false;
  if (!cluster_.capabilities().separate_network) return Status::Error(kLocalBackendError);
  for (const auto& node : nodes_) {
    if (!UsableAddress(node.address)) {
      return Status::Error("node " + node.name + ": address '" + node.address +
                           "' cannot be used in an iptables rule");
    }
  }
  std::fill(touched_.begin(), touched_.end(), 1);
  const std::string create =
      std::string("-N ") + kPartitionChain + "\n-I INPUT 1 -j " + kPartitionChain + "\n";
  std::vector<Status> statuses = ForNodes(AllNodes(), [&](size_t i) {
    if (Status s = RemoveChain(i); !s.ok()) return s.Wrap("removing a leftover partition chain");
    return Restore(i, create);
  });
  Status first = FirstError(statuses);
  if (first.ok()) {
    ready_ = true;
    return first;
  }
  std::vector<Status> undone = ForNodes(AllNodes(), [this](size_t i) { return RemoveChain(i); });
  for (size_t i = 0; i < nodes_.size(); ++i) touched_[i] = undone[i].ok() ? 0 : 1;
  std::string message = "partition setup: " + first.message();
  if (Status u = FirstError(undone); !u.ok()) {
    message += "; undoing the setup failed too: " + u.message();
  }
  return Status::Error(message);
}

Op PartitionNemesis::Invoke(const Op& invoke) {
  std::lock_guard lock(mu_);
  Op done = invoke;
  done.type = OpType::kInfo;
  done.error = nullptr;
  if (invoke.f == fault::kStartPartition) return StartPartition(done);
  if (invoke.f == fault::kStopPartition) return StopPartition(done);
  return Failed(done, "the partition nemesis does not perform f '" + invoke.f + "'");
}

Op PartitionNemesis::StartPartition(const Op& invoke) {
  auto request = ParsePartitionRequest(invoke.value, names_);
  if (!request.ok()) return Failed(invoke, request.message());
  if (!ready_) return Failed(invoke, "start-partition: the partition nemesis is not set up");
  Grudge grudge = std::move(request->grudge);
  std::string primary;
  if (request->kind == kIsolatePrimary) {
    if (!primary_) {
      return Failed(invoke,
                    "start-partition: isolate-primary: the target does not report a "
                    "primary");
    }
    auto asked = primary_();
    if (!asked.ok()) {
      return Failed(
          invoke, "start-partition: isolate-primary: cannot learn the primary: " + asked.message());
    }
    primary = *asked;
    auto isolated = IsolateGrudge(names_, primary);
    if (!isolated.ok()) {
      return Failed(invoke,
                    "start-partition: isolate-primary: the target named " + isolated.message());
    }
    grudge = std::move(isolated).value();
  }

  int64_t count = 0;
  std::vector<std::string> batches(nodes_.size());
  for (size_t i = 0; i < nodes_.size(); ++i) {
    batches[i] =
        std::string("-F ") + kPartitionChain + "\n" + RulesFor(i, grudge, request->mode, &count);
  }
  std::vector<Status> statuses =
      ForNodes(AllNodes(), [&](size_t i) { return Restore(i, batches[i]); });
  if (!FirstError(statuses).ok()) {
    std::string message = "start-partition: " + AllErrors(statuses);
    std::vector<Status> healed = FlushAll();
    if (!FirstError(healed).ok()) {
      message += "; healing afterwards failed: " + AllErrors(healed);
    } else {
      message += "; every node healed again";
    }
    return Failed(invoke, message);
  }

  Op done = invoke;
  if (!done.value.is_object()) done.value = Json::object();
  done.value["grudge"] = GrudgeToJson(grudge);
  done.value["rules"] = count;
  done.value["mode"] = request->mode == CutMode::kDrop ? "drop" : "reject";
  if (!primary.empty()) done.value["primary"] = primary;
  return done;
}

Op PartitionNemesis::StopPartition(const Op& invoke) {
  if (!ready_) return Failed(invoke, "stop-partition: the partition nemesis is not set up");
  std::vector<Status> statuses = FlushAll();
  Op done = invoke;
  Json healed = Json::array();
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (statuses[i].ok()) healed.push_back(nodes_[i].name);
  }
  done.value = Json{{"healed", healed}};
  if (!FirstError(statuses).ok()) done.error = "stop-partition: " + AllErrors(statuses);
  return done;
}

Status PartitionNemesis::Teardown() {
  std::lock_guard lock(mu_);
  ready_ = false;
  std::vector<size_t> which;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (touched_[i]) which.push_back(i);
  }
  std::vector<Status> statuses = ForNodes(which, [this](size_t i) { return RemoveChain(i); });
  for (size_t i : which) {
    if (statuses[i].ok()) touched_[i] = 0;
  }
  return FirstError(statuses).Wrap("partition teardown");
}

}  // namespace coordcheck::nemesis
