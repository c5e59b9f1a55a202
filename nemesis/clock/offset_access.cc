#include "nemesis/clock/offset_access.h"

#include <cerrno>
#include <cstdlib>
#include <optional>
#include <utility>
#include <vector>

#include "nemesis/clock/offset_file.h"

namespace coordcheck::clock {
namespace {


class Direct : public OffsetAccess {
 public:
  Direct(std::string node, std::string path) : node_(std::move(node)), path_(std::move(path)) {}

  Status Create() override {
    auto file = OffsetFile::Create(path_);
    if (!file.ok()) return file.status().Wrap("node " + node_);
    file_.emplace(std::move(file.value()));
    return Status::Ok();
  }

  Status Write(int64_t offset_ns) override {
    if (Status s = EnsureOpen(); !s.ok()) return s;
    return file_->Write(offset_ns).Wrap("node " + node_);
  }

  Result<int64_t> Read() override {
    if (Status s = EnsureOpen(); !s.ok()) return s;
    auto offset = file_->Read();
    if (!offset.ok()) return offset.status().Wrap("node " + node_);
    return offset;
  }

 private:
  Status EnsureOpen() {
    if (file_.has_value()) return Status::Ok();
    auto file = OffsetFile::Open(path_);
    if (!file.ok()) return file.status().Wrap("node " + node_);
    file_.emplace(std::move(file.value()));
    return Status::Ok();
  }

  std::string node_;
  std::string path_;
  std::optional<OffsetFile> file_;
};

class Exec : public OffsetAccess {
 public:
  Exec(control::Remote& remote, std::string tool, std::string path,
       std::chrono::milliseconds timeout)
      : remote_(remote), tool_(std::move(tool)), path_(std::move(path)), timeout_(timeout) {}

  Status Create() override { return Run({tool_, "create", path_}).status(); }

  Status Write(int64_t offset_ns) override {
    return Run({tool_, "set", path_, std::to_string(offset_ns)}).status();
  }

  Result<int64_t> Read() override {
    auto out = Run({tool_, "get", path_});
    if (!out.ok()) return out.status();
    char* end = nullptr;
    errno = 0;
    const long long value = std::strtoll(out->c_str(), &end, 10);
    if (errno != 0 || end == out->c_str() || (*end != '\n' && *end != '\0')) {
      return Status::Error("node " + remote_.node() + ": " + tool_ + " get " + path_ +
                           " printed '" + *out + "'");
    }
    return static_cast<int64_t>(value);
  }

 private:
  // stdout of argv run on the node; an error naming the node unless it exited 0.
  Result<std::string> Run(const std::vector<std::string>& argv) {
    control::ExecOptions options;
    options.timeout = timeout_;
    auto result = remote_.Exec(argv, options);
    if (!result.ok()) return result.status();
    if (result->success()) return std::move(result->out);
    std::string why = result->timed_out        ? "timed out"
                      : result->exit_code >= 0 ? "exit " + std::to_string(result->exit_code)
                                               : "signal " + std::to_string(result->term_signal);
    while (!result->err.empty() && result->err.back() == '\n') result->err.pop_back();
    if (!result->err.empty()) why += ": " + result->err;
    return Status::Error("node " + remote_.node() + ": " + argv[0] + " " + argv[1] + " " + path_ +
                         ": " + why);
  }

  control::Remote& remote_;
  std::string tool_;
  std::string path_;
  std::chrono::milliseconds timeout_;
};

}  // namespace

std::unique_ptr<OffsetAccess> DirectOffsetAccess(std::string node, std::string path) {
  return std::make_unique<Direct>(std::move(node), std::move(path));
}

std::unique_ptr<OffsetAccess> ExecOffsetAccess(control::Remote& remote, std::string tool,
                                               std::string path,
                                               std::chrono::milliseconds timeout) {
  return std::make_unique<Exec>(remote, std::move(tool), std::move(path), timeout);
}

}  // namespace coordcheck::clock
