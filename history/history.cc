#include "history/history.h"

#include <utility>

#include "history/process_table.h"
#include "history/validator.h"

namespace coordcheck {

Status InputError(const std::string& file, int64_t line, const std::string& message) {
  if (file.empty()) {
    return Status::Error(line > 0 ? "line " + std::to_string(line) + ": " + message : message);
  }
  return Status::Error(line > 0 ? file + ":" + std::to_string(line) + ": " + message
                                : file + ": " + message);
}

void History::Append(Op op) {
  op.index = static_cast<int64_t>(ops.size());
  ops.push_back(std::move(op));
}

Status History::Validate(const std::string& file_name) const {
  HistoryValidator validator;
  for (const Op& op : ops) {
    // Line = position + 1, as in a well-formed file (the op's own index may be wrong).
    int64_t line = validator.size() + 1;
    if (Status st = validator.Next(op, line); !st) return InputError(file_name, line, st.message());
  }
  return Status::Ok();
}

std::vector<int64_t> History::Partners() const {
  struct Outstanding {
    int64_t invoke = -1;  // index of the process's open invoke
  };
  std::vector<int64_t> partners(ops.size(), -1);
  ProcessTable<Outstanding> outstanding;
  for (size_t i = 0; i < ops.size(); ++i) {
    const Op& op = ops[i];
    int64_t& invoke = outstanding[op.process].invoke;
    if (op.is_invoke()) {
      invoke = static_cast<int64_t>(i);
    } else if (invoke >= 0) {  // else a lone nemesis event
      partners[i] = invoke;
      partners[invoke] = static_cast<int64_t>(i);
      invoke = -1;
    }
  }
  return partners;
}

std::vector<Operation> History::Operations() const {
  std::vector<int64_t> partners = Partners();
  std::vector<Operation> operations;
  operations.reserve(ops.size() / 2 + 1);
  for (size_t i = 0; i < ops.size(); ++i) {
    const int64_t index = static_cast<int64_t>(i);
    if (ops[i].is_invoke()) {
      operations.push_back(Operation{index, partners[i]});
    } else if (partners[i] < 0) {
      operations.push_back(Operation{-1, index});
    }
  }
  return operations;
}

}  // namespace coordcheck
