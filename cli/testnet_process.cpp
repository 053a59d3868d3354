#include "cli/testnet_process.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/cli_common.h"

namespace nl::cli::testnet {

namespace fs = std::filesystem;

namespace {

bool executable(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

std::string read_small(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

Result<std::string> find_numledgerd(const std::string& flag) {
  if (!flag.empty()) {
    if (!executable(flag)) return fail("--numledgerd " + flag + ": not an executable file");
    return fs::absolute(flag).string();
  }
  if (const char* env = std::getenv("NUMLEDGERD"); env && *env) {
    if (!executable(env)) return fail("NUMLEDGERD=" + std::string(env) + ": not an executable file");
    return fs::absolute(env).string();
  }
  std::error_code ec;
  auto self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return fail("cannot find numledgerd: /proc/self/exe: " + ec.message() + "; pass --numledgerd PATH");
  std::string beside = (self.parent_path() / "numledgerd").string();
  if (!executable(beside))
    return fail("cannot find numledgerd: " + beside + " is not an executable file; pass --numledgerd PATH or set NUMLEDGERD");
  return beside;
}

std::optional<pid_t> read_pid_file(const std::string& path) {
  std::string text = read_small(path);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  if (text.empty() || text.size() > 10 || text.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  long v = std::stol(text);
  if (v <= 1 || v > 0x7fffffff) return std::nullopt;
  return static_cast<pid_t>(v);
}

Status write_pid_file(const std::string& path, pid_t pid) { return write_file(path, std::to_string(pid) + "\n"); }

bool process_running(pid_t pid) {
  if (pid <= 1) return false;
  // "pid (comm) S ...": the state follows the last ')'. A zombie has exited
  // but waits for a parent that may never reap it.
  std::string stat = read_small("/proc/" + std::to_string(pid) + "/stat");
  auto close = stat.rfind(')');
  if (close == std::string::npos || close + 2 >= stat.size()) return false;
  char state = stat[close + 2];
  return state != 'Z' && state != 'X' && state != 'x';
}

bool node_process_alive(pid_t pid, const std::string& config_path) {
  if (!process_running(pid)) return false;
  std::string cmdline = read_small("/proc/" + std::to_string(pid) + "/cmdline");
  size_t start = 0;
  while (start < cmdline.size()) {
    size_t end = cmdline.find('\0', start);
    if (end == std::string::npos) end = cmdline.size();
    if (cmdline.compare(start, end - start, config_path) == 0) return true;
    start = end + 1;
  }
  return false;
}

Result<pid_t> spawn_detached(const std::vector<std::string>& argv, const std::string& log_path, int netns_fd) {
  int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log < 0) return fail(log_path + ": " + std::strerror(errno));
  int null_in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_in < 0) {
    ::close(log);
    return fail(std::string("/dev/null: ") + std::strerror(errno));
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) {
    int e = errno;
    ::close(log);
    ::close(null_in);
    return fail(std::string("fork: ") + std::strerror(e));
  }
  if (pid == 0) {
    // Only async-signal-safe calls from here on.
    ::setsid();  // its own session: no terminal, no signals from our shell's job control
    if (netns_fd >= 0 && ::setns(netns_fd, CLONE_NEWNET) != 0) {
      const char msg[] = "numledger testnet: cannot enter the node's network namespace\n";
      (void)!::write(log, msg, sizeof msg - 1);
      ::_exit(126);
    }
    ::dup2(null_in, 0);
    ::dup2(log, 1);
    ::dup2(log, 2);
    ::close_range(3, ~0U, 0);
    ::execv(args[0], args.data());
    const char msg[] = "numledger testnet: exec of numledgerd failed\n";
    (void)!::write(2, msg, sizeof msg - 1);
    ::_exit(127);
  }
  ::close(log);
  ::close(null_in);
  return pid;
}

std::optional<std::string> child_exit(pid_t pid) {
  int status = 0;
  pid_t r = ::waitpid(pid, &status, WNOHANG);
  if (r == 0) return std::nullopt;
  if (r < 0) return process_running(pid) ? std::nullopt : std::optional<std::string>("exited");
  if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
  return "stopped";
}

std::string tail_of(const std::string& path, size_t lines) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return "";
  std::streamoff size = in.tellg();
  std::streamoff from = size > 8192 ? size - 8192 : 0;
  in.seekg(from);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!text.empty() && text.back() == '\n') text.pop_back();
  size_t start = text.size();
  for (size_t n = 0; n < lines && start > 0; ++n) {
    size_t nl = text.rfind('\n', start - 1);
    start = nl == std::string::npos ? 0 : nl;
    if (nl == std::string::npos) break;
  }
  if (start < text.size() && text[start] == '\n') ++start;
  return text.substr(start);
}

}  // namespace nl::cli::testnet
