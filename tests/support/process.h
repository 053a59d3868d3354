// Real processes for end-to-end tests: run a command to completion, or
// keep a daemon running and kill it. Output goes through files so large
// outputs can't deadlock a pipe.
#pragma once
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace nl::test {

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& stem) {
    std::random_device rd;
    path = std::filesystem::temp_directory_path() / (stem + "-" + std::to_string(rd()) + std::to_string(getpid()));
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

inline pid_t spawn(const std::vector<std::string>& argv, const std::string& out_path,
                   const std::string& err_path, const std::vector<std::string>& env = {}) {
  pid_t pid = fork();
  if (pid == 0) {
    int in = open("/dev/null", O_RDONLY);
    int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    setsid();  // no controlling terminal: passphrase prompts fail instead of hanging
    for (const auto& e : env) putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

struct RunResult {
  int code = -1;
  std::string out, err;
};

inline RunResult run(const std::vector<std::string>& argv, const std::vector<std::string>& env = {}) {
  TempDir tmp("nl-run");
  pid_t pid = spawn(argv, tmp / "out", tmp / "err", env);
  int status = 0;
  waitpid(pid, &status, 0);
  RunResult r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = slurp(tmp / "out");
  r.err = slurp(tmp / "err");
  return r;
}

// `n` consecutive ports on 127.0.0.1 that were all free a moment ago,
// starting somewhere random so concurrent runs rarely meet; none after 200
// tries.
inline std::optional<unsigned> free_port_range(unsigned n) {
  std::mt19937 rng(std::random_device{}());
  for (int attempt = 0; attempt < 200; ++attempt) {
    // Below the kernel's ephemeral range (32768-60999), so no outgoing
    // connection takes a node's port between this check and its bind.
    unsigned base = 20000 + rng() % 12000;
    bool all_free = true;
    for (unsigned i = 0; i < n && all_free; ++i) {
      int s = socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      a.sin_port = htons(static_cast<uint16_t>(base + i));
      all_free = bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
      close(s);
    }
    if (all_free) return base;
  }
  return std::nullopt;
}

// A port on 127.0.0.1 that was free a moment ago. Not one the kernel hands
// out (those are ephemeral: any outgoing connection may take it back).
inline int free_port() {
  auto p = free_port_range(1);
  if (!p) throw std::runtime_error("no free port on 127.0.0.1 in 20000-31999 after 200 tries");
  return static_cast<int>(*p);
}

class Daemon {
 public:
  Daemon() = default;
  Daemon(const Daemon&) = delete;
  ~Daemon() { kill(SIGKILL); }
  void start(const std::vector<std::string>& argv, const std::string& log) {
    log_ = log;
    pid_ = spawn(argv, log + ".out", log, {});
  }
  // Signals the daemon and reaps it; returns its exit status code.
  int kill(int sig) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, sig);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  // Waits for it to exit by itself (e.g. refusing to start).
  int wait_exit(std::chrono::seconds limit) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return -1;
  }
  bool running() const { return pid_ > 0 && ::kill(pid_, 0) == 0; }
  pid_t pid() const { return pid_; }
  std::string log() const { return slurp(log_); }

 private:
  pid_t pid_ = -1;
  std::string log_;
};

}  // namespace nl::test
