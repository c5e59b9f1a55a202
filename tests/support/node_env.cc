#include "tests/support/node_env.h"

#include <fcntl.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <thread>

#include "harness/control/netns.h"
#include "harness/control/process.h"

namespace nodetest {
namespace {

namespace control = coordcheck::control;

// "family name" of every nf_tables table in the test's namespace: a netlink dump
// (NFT_MSG_GETTABLE), the read `nft list tables` would do, without the nft program.
std::string NfTables() {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
  if (fd < 0) return "nf_tables: no netlink socket\n";
  struct {
    nlmsghdr header;
    nfgenmsg body;
  } request{};
  request.header.nlmsg_len = sizeof request;
  request.header.nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETTABLE;
  request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  request.header.nlmsg_seq = 1;
  request.body.nfgen_family = AF_UNSPEC;
  request.body.version = NFNETLINK_V0;
  if (send(fd, &request, sizeof request, 0) < 0) {
    close(fd);
    return "nf_tables: send failed\n";
  }
  std::vector<std::string> tables;
  std::string failure;
  alignas(nlmsghdr) char buf[65536];
  for (bool done = false; !done;) {
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      failure = "nf_tables: recv failed\n";
      break;
    }
    int left = static_cast<int>(n);
    for (auto* msg = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(msg, left);
         msg = NLMSG_NEXT(msg, left)) {
      if (msg->nlmsg_type == NLMSG_DONE) {
        done = true;
        break;
      }
      if (msg->nlmsg_type == NLMSG_ERROR) {
        failure = "nf_tables: dump failed\n";
        done = true;
        break;
      }
      auto* gen = static_cast<nfgenmsg*>(NLMSG_DATA(msg));
      const size_t offset = NLMSG_LENGTH(NLMSG_ALIGN(sizeof(nfgenmsg)));
      char* attr_start = reinterpret_cast<char*>(msg) + offset;
      int attr_left = static_cast<int>(msg->nlmsg_len) - static_cast<int>(offset);
      while (attr_left >= static_cast<int>(sizeof(nlattr))) {
        auto* attr = reinterpret_cast<nlattr*>(attr_start);
        if (attr->nla_len < sizeof(nlattr) || attr->nla_len > attr_left) break;
        if ((attr->nla_type & NLA_TYPE_MASK) == NFTA_TABLE_NAME) {
          tables.push_back(std::to_string(gen->nfgen_family) + " " +
                           std::string(attr_start + NLA_HDRLEN));
        }
        const int step = NLA_ALIGN(attr->nla_len);
        attr_start += step;
        attr_left -= step;
      }
    }
  }
  close(fd);
  std::sort(tables.begin(), tables.end());
  std::string out = failure;
  for (const std::string& table : tables) out += "nf_tables table " + table + "\n";
  return out;
}

}  // namespace

TempDir::TempDir() {
  char tmpl[] = "/tmp/cc-test.XXXXXX";
  if (mkdtemp(tmpl) == nullptr) FAIL("mkdtemp failed");
  path_ = tmpl;
  // Like the real state directory (/run/coordcheck), others may pass through it: services
  // that run as their own user (PostgreSQL as postgres) reach their node's directory.
  chmod(path_.c_str(), 0755);
}

TempDir::~TempDir() {
  control::CleanLeftovers(path_);
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::vector<pid_t> PidsWith(const std::vector<std::string>& parts) {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(name));
    if (pid == getpid()) continue;
    std::string cmdline = ReadFile(e.path().string() + "/cmdline");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    const bool all = std::all_of(parts.begin(), parts.end(), [&](const std::string& part) {
      return cmdline.find(part) != std::string::npos;
    });
    if (all && !control::ProcessGone(pid)) out.push_back(pid);
  }
  std::sort(out.begin(), out.end());
  return out;
}

char ProcessStateOf(pid_t pid) {
  auto st = control::ReadProcStat(pid);
  return st ? st->state : '-';
}

const std::string& ProcessTempDir() {
  struct Folder {
    Folder() {
      char tmpl[] = "/tmp/cc-test-files.XXXXXX";
      if (mkdtemp(tmpl) == nullptr) FAIL("mkdtemp failed");
      path = tmpl;
    }
    ~Folder() {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
    std::string path;
  };
  static const Folder folder;
  return folder.path;
}

void RequireRoot(const char* why) {
  if (geteuid() != 0) {
    FAIL("this test needs root (" << why << "); run the tests labelled root as root");
  }
}

bool WaitUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout,
               std::chrono::milliseconds poll) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(poll);
  }
  return true;
}

std::string ReadFile(const std::string& path) {
  // read(2), not a stream: a /proc file of a process that exits while it is read fails with
  // ESRCH, which istreambuf_iterator turns into an exception.
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  std::string out;
  char buf[65536];
  while (true) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

bool Exists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

int WaitForListeningPort(const std::string& log_path) {
  int port = 0;
  WaitUntil([&] {
    std::smatch m;
    const std::string log = ReadFile(log_path);
    if (!std::regex_search(log, m, std::regex("listening (\\d+)"))) return false;
    port = std::stoi(m[1]);
    return true;
  });
  return port;
}

int StartListeningDaemon(control::Remote& remote, const control::DaemonSpec& spec) {
  auto daemon = remote.StartDaemon(spec);
  INFO(daemon.message());
  REQUIRE(daemon.ok());
  const int port = WaitForListeningPort(spec.log_path);
  INFO(ReadFile(spec.log_path));
  REQUIRE(port > 0);
  return port;
}

std::string RunHere(const std::vector<std::string>& argv) {
  control::SpawnSpec spec;
  spec.argv = argv;
  auto result = control::RunProcess(spec, "", std::chrono::seconds(10));
  INFO("running " << argv[0] << " here: " << result.message());
  REQUIRE(result.ok());
  INFO(argv[0] << " stderr: " << result->err);
  REQUIRE(result->success());
  return result->out;
}

std::string RootNetworkState() {
  std::string state;
  for (const char* name : {"ip_tables_names", "ip6_tables_names", "arp_tables_names"}) {
    const std::string path = std::string("/proc/net/") + name;
    state += std::string(name) + ": " + (Exists(path) ? ReadFile(path) : "(absent)\n");
  }
  state += NfTables();
  state += RunHere({"ip", "-o", "link"});
  state += RunHere({"ip", "-o", "addr"});
  return std::regex_replace(state, std::regex("(valid|preferred)_lft \\S+"), "");
}

std::vector<std::string> NamespacesOf(const std::string& run_id) {
  return control::ListNetns("cc-" + run_id + "-");
}

coordcheck::Op NemesisOp(const std::string& f, coordcheck::Json value) {
  coordcheck::Op op;
  op.process = coordcheck::kNemesisProcess;
  op.type = coordcheck::OpType::kInvoke;
  op.f = f;
  op.value = std::move(value);
  return op;
}

TestCluster::TestCluster(const std::string& backend, int nodes) {
  if (backend == "netns") RequireRoot("a netns cluster");
  control::ClusterOptions options;
  options.backend = backend;
  options.nodes = nodes;
  options.state_dir = dir_.path();
  auto created = control::Cluster::Create(options);
  INFO("cannot create the " << backend << " cluster: " << created.message());
  REQUIRE(created.ok());
  cluster_ = std::move(created).value();
}

TestCluster::~TestCluster() {
  const std::string run_id = cluster_->run_id();
  const auto destroyed = cluster_->Destroy();
  INFO("Destroy: " << destroyed.message());
  CHECK(destroyed.ok());
  CHECK(NamespacesOf(run_id).empty());
}

std::vector<std::string> TestCluster::names() const {
  std::vector<std::string> names;
  for (const auto& node : cluster_->nodes()) names.push_back(node.name);
  return names;
}

std::string TestCluster::Exec(const std::string& node, const std::vector<std::string>& argv,
                              std::chrono::milliseconds timeout) {
  control::ExecOptions options;
  options.timeout = timeout;
  auto result = cluster_->remote(node).Exec(argv, options);
  INFO("on " << node << ": " << argv[0] << (argv.size() > 1 ? " " + argv[1] : ""));
  INFO(result.message());
  REQUIRE(result.ok());
  INFO("exit " << result->exit_code << ", stderr: " << result->err);
  REQUIRE(result->success());
  return result->out;
}

}  // namespace nodetest
