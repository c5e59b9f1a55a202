#include "tests/targets/kvd_test_cluster.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "targets/wire/wire.h"

extern char** environ;

namespace coordcheck::test {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kFirstNodeHost = 11;
constexpr int kFirstSpareHost = 90;
constexpr int kHostsPerRange = 10;
constexpr int kPorts[] = {27817, 28817, 29817};

bool CanBind(const std::string& address, int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, address.c_str(), &addr.sin_addr);
  bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

std::string BinDir() { return std::filesystem::path(COORDCHECK_KVD_BINARY).parent_path().string(); }

}  // namespace

AddressBlock PickAddressBlock() {
  const int start = static_cast<int>((static_cast<unsigned>(getpid()) * 7u) % 250u);
  for (int port : kPorts) {
    for (int k = 0; k < 250; ++k) {
      AddressBlock block{"127.78." + std::to_string((start + k) % 250 + 1) + ".", port};
      bool free = true;
      for (int h = 0; h < kHostsPerRange && free; ++h) {
        free = CanBind(block.address(kFirstNodeHost + h), port) &&
               CanBind(block.address(kFirstSpareHost + h), port);
      }
      if (free) return block;
    }
  }
  return {"127.78.250.", kPorts[0]};
}

Result<int> LoopbackDialer::Connect(const std::string& address, int port,
                                    std::chrono::milliseconds timeout) {
  return wire::DialTcp(address, port, timeout);
}

LocalRemote::LocalRemote(std::string node, std::string address, std::string root_dir)
    : node_(std::move(node)), address_(std::move(address)), root_dir_(std::move(root_dir)) {}

LocalRemote::~LocalRemote() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [pid, status] : children_) {
    if (status.has_value()) continue;
    kill(-static_cast<pid_t>(pid), SIGKILL);
    int raw = 0;
    waitpid(static_cast<pid_t>(pid), &raw, 0);
  }
}

Result<control::ExecResult> LocalRemote::Exec(const std::vector<std::string>& argv,
                                              const control::ExecOptions& options) {
  using R = Result<control::ExecResult>;
  if (argv.empty()) return R::Error("node " + node_ + ": empty argv");
  if (!options.input.empty() || !options.env.empty()) {
    return R::Error("node " + node_ + ": the test double's Exec takes no input or env");
  }
  std::string program = argv[0];
  if (program.find('/') == std::string::npos) {
    for (const char* dir : {"/usr/local/bin", "/usr/bin", "/bin"}) {
      if (access((std::string(dir) + "/" + argv[0]).c_str(), X_OK) == 0) {
        program = std::string(dir) + "/" + argv[0];
        break;
      }
    }
  }
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0) return R::Error("node " + node_ + ": pipe");
  if (pipe2(err, O_CLOEXEC) != 0) {
    close(out[0]);
    close(out[1]);
    return R::Error("node " + node_ + ": pipe");
  }
  const pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    int null = open("/dev/null", O_RDONLY);
    dup2(null, 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    syscall(SYS_close_range, 3U, ~0U, 0U);
    if (chdir(root_dir_.c_str()) != 0) _exit(125);
    execve(program.c_str(), args.data(), environ);
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  control::ExecResult result;
  const auto deadline = Clock::now() + options.timeout;
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  int open_fds = 2;
  while (pid > 0 && open_fds > 0) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      kill(-pid, SIGKILL);
      result.timed_out = true;
      break;
    }
    if (poll(fds, 2, static_cast<int>(left.count())) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buffer[4096];
      ssize_t n = read(fds[i].fd, buffer, sizeof(buffer));
      if (n > 0) {
        (i == 0 ? result.out : result.err).append(buffer, static_cast<size_t>(n));
      } else {
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  close(out[0]);
  close(err[0]);
  if (pid < 0) return R::Error("node " + node_ + ": fork: " + std::strerror(errno));
  int raw = 0;
  waitpid(pid, &raw, 0);
  if (WIFEXITED(raw)) result.exit_code = WEXITSTATUS(raw);
  if (WIFSIGNALED(raw)) result.term_signal = WTERMSIG(raw);
  return result;
}

Result<control::Daemon> LocalRemote::StartDaemon(const control::DaemonSpec& spec) {
  if (spec.argv.empty()) return Result<control::Daemon>::Error("node " + node_ + ": empty argv");
  // Everything the child needs is prepared before fork: after it, only async-signal-safe
  // calls.
  std::vector<char*> argv;
  for (const std::string& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
  for (const std::string& e : spec.env) env_strings.push_back(e);
  std::vector<char*> envp;
  for (std::string& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  const std::string cwd = spec.cwd.empty() ? root_dir_ : spec.cwd;
  const pid_t parent = getpid();

  std::lock_guard<std::mutex> lock(mu_);
  pid_t pid = fork();
  if (pid < 0) {
    return Result<control::Daemon>::Error("node " + node_ + ": fork: " + std::strerror(errno));
  }
  if (pid == 0) {
    setsid();
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    int log = open(spec.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    int null = open("/dev/null", O_RDONLY);
    if (log < 0 || null < 0) _exit(126);
    dup2(null, 0);
    dup2(log, 1);
    dup2(log, 2);
    syscall(SYS_close_range, 3U, ~0U, 0U);
    if (chdir(cwd.c_str()) != 0) _exit(125);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  children_[pid] = std::nullopt;
  last_pid_ = pid;
  return control::Daemon{node_, spec.name, pid};
}

void LocalRemote::ReapLocked(int64_t pid) {
  auto it = children_.find(pid);
  if (it == children_.end() || it->second.has_value()) return;
  int raw = 0;
  if (waitpid(static_cast<pid_t>(pid), &raw, WNOHANG) == pid) it->second = raw;
}

Status LocalRemote::SignalDaemon(const control::Daemon& daemon, int signal) {
  std::lock_guard<std::mutex> lock(mu_);
  ReapLocked(daemon.pid);
  auto it = children_.find(daemon.pid);
  if (it == children_.end() || it->second.has_value()) return Status::Ok();
  if (kill(-static_cast<pid_t>(daemon.pid), signal) != 0) {
    return Status::Error("node " + node_ + ": kill " + std::to_string(daemon.pid) + ": " +
                         std::strerror(errno));
  }
  return Status::Ok();
}

Status LocalRemote::StopDaemon(const control::Daemon& daemon, std::chrono::milliseconds grace) {
  if (Status s = SignalDaemon(daemon, SIGTERM); !s.ok()) return s;
  const auto deadline = Clock::now() + grace;
  while (DaemonAlive(daemon) && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (Status s = SignalDaemon(daemon, SIGKILL); !s.ok()) return s;
  while (DaemonAlive(daemon)) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return Status::Ok();
}

bool LocalRemote::DaemonAlive(const control::Daemon& daemon) {
  std::lock_guard<std::mutex> lock(mu_);
  ReapLocked(daemon.pid);
  auto it = children_.find(daemon.pid);
  return it != children_.end() && !it->second.has_value();
}

std::optional<int> LocalRemote::WaitStatus(int64_t pid) {
  std::lock_guard<std::mutex> lock(mu_);
  ReapLocked(pid);
  auto it = children_.find(pid);
  return it == children_.end() ? std::nullopt : it->second;
}

int64_t LocalRemote::last_pid() {
  std::lock_guard<std::mutex> lock(mu_);
  return last_pid_;
}

Status LocalRemote::Upload(const std::string& local_path, const std::string& remote_path,
                           int mode) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(remote_path).parent_path(), ec);
  if (!ec) {
    std::filesystem::copy_file(local_path, remote_path,
                               std::filesystem::copy_options::overwrite_existing, ec);
  }
  if (!ec) {
    std::filesystem::permissions(remote_path, static_cast<std::filesystem::perms>(mode), ec);
  }
  if (ec) return Status::Error("node " + node_ + ": upload " + local_path + ": " + ec.message());
  return Status::Ok();
}

Status LocalRemote::Download(const std::string& remote_path, const std::string& local_path) {
  std::error_code ec;
  std::filesystem::copy_file(remote_path, local_path,
                             std::filesystem::copy_options::overwrite_existing, ec);
  if (ec) return Status::Error("node " + node_ + ": download " + remote_path + ": " + ec.message());
  return Status::Ok();
}

namespace {

// Removes the directories of test processes that died before their TestCluster could
// (named /tmp/coordcheck-kvd-test-PID-XXXXXX). Their servers died with them
// (PR_SET_PDEATHSIG).
void RemoveDeadProcessesDirs() {
  const std::string prefix = "coordcheck-kvd-test-";
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/tmp", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    const std::string rest = name.substr(prefix.size());
    const size_t dash = rest.find('-');
    if (dash == std::string::npos || dash == 0) continue;
    const std::string pid = rest.substr(0, dash);
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    if (std::filesystem::exists("/proc/" + pid, ec)) continue;
    std::filesystem::remove_all(entry.path(), ec);
  }
}

}  // namespace

TestCluster::TestCluster(TestClusterOptions options) {
  RemoveDeadProcessesDirs();
  std::string dir = "/tmp/coordcheck-kvd-test-" + std::to_string(getpid()) + "-XXXXXX";
  if (mkdtemp(dir.data()) != nullptr) dir_ = dir;
  block_ = PickAddressBlock();
  env_.bin_dir = BinDir();
  env_.bug = options.bug;
  env_.options = options.options;
  env_.options["port"] = block_.port;
  env_.seed = options.seed;
  env_.dialer = &dialer_;
  for (int i = 0; i < options.nodes; ++i) {
    control::NodeInfo info{"n" + std::to_string(i + 1), block_.address(kFirstNodeHost + i)};
    env_.nodes.push_back(info);
    addresses_[info.name] = info.address;
    const std::string root = dir_ + "/" + info.name;
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::create_directories(root, ec);
    remotes_.push_back(std::make_unique<LocalRemote>(info.name, info.address, root));
  }
}

TestCluster::~TestCluster() {
  for (auto& remote : remotes_) db_.Teardown(*remote);
  remotes_.clear();
  if (!dir_.empty() && std::getenv("COORDCHECK_KEEP_TEST_DIRS") == nullptr) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

Status TestCluster::Start() {
  if (dir_.empty()) return Status::Error("cannot create a temporary directory");
  for (auto& remote : remotes_) {
    if (Status s = db_.Setup(*remote, env_); !s.ok()) return s;
  }
  return db_.Ready(env_, std::chrono::seconds(5));
}

std::string TestCluster::Logs() const {
  std::string out;
  for (const auto& remote : remotes_) {
    std::ifstream in(remote->root_dir() + "/kvd.log");
    std::stringstream content;
    content << in.rdbuf();
    out += "--- " + remote->node() + " kvd.log\n" + content.str();
  }
  return out;
}

std::string RawCall(const std::string& address, int port, const std::string& line,
                    std::string* error) {
  std::string ignored;
  if (error == nullptr) error = &ignored;
  auto fd = wire::DialTcp(address, port, std::chrono::seconds(2));
  if (!fd.ok()) {
    *error = fd.message();
    return "";
  }
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  size_t sent = 0;
  wire::IoResult io = wire::WriteAll(*fd, line + "\n", deadline, &sent);
  std::string answer;
  if (io.ok()) {
    wire::LineReader reader;
    io = reader.ReadLine(*fd, deadline, &answer);
  }
  close(*fd);
  if (!io.ok()) *error = io.error;
  return answer;
}

}  // namespace coordcheck::test
