// A real BIRD 2 (Debian bird2) as an RTR client, for the interop test and
// bench_roa_to_router: its own config, control socket, pid file and log in
// a temporary directory, run in the foreground (`bird -f`) as a child of
// this process and killed when the object goes. Its ROA tables are read
// over the control socket, in the same line protocol birdc speaks, so a
// poll costs one round trip rather than a process start. Errors are
// values; the callers decide whether they fail a test or end a benchmark.
#pragma once
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "crypto/basics/result.h"
#include "process.h"

namespace nl::test {

inline constexpr const char* kBird = "/usr/sbin/bird";
inline constexpr const char* kBirdc = "/usr/sbin/birdc";

// Empty when bird and birdc are installed; otherwise what to do about it.
inline std::string bird_missing() {
  if (::access(kBird, X_OK) == 0 && ::access(kBirdc, X_OK) == 0) return "";
  return std::string(kBird) + " or " + kBirdc +
         " is not installed: run scripts/install-deps.sh (it installs the Debian package bird2)";
}

struct BirdOptions {
  unsigned rtr_port = 0;  // the cache on 127.0.0.1
  // `keep`: BIRD uses these, not the intervals in the cache's End of Data.
  // BIRD's minimums: refresh 1 s, retry 1 s, expire 600 s.
  unsigned refresh = 3600, retry = 600, expire = 7200;
};

// One line of a ROA table: "10.1.0.0/16-24 AS64500".
struct RoaEntry {
  std::string prefix;
  unsigned max_length = 0;
  uint32_t asn = 0;
  auto operator<=>(const RoaEntry&) const = default;
};

// A timestamped line of BIRD's log (timeformat log iso long ms).
struct BirdLogLine {
  std::chrono::system_clock::time_point at;
  std::string text;
};

class BirdRouter {
 public:
  BirdRouter() = default;
  BirdRouter(const BirdRouter&) = delete;
  BirdRouter& operator=(const BirdRouter&) = delete;
  ~BirdRouter() { stop(); }

  std::string conf() const { return dir_ / "bird.conf"; }
  std::string socket() const { return dir_ / "bird.ctl"; }
  std::string log_path() const { return dir_ / "bird.log"; }
  std::string log() const { return slurp(log_path()) + slurp(dir_ / "bird.err"); }
  pid_t pid() const { return pid_; }

  // Writes the config, checks it with `bird -p`, starts BIRD and waits
  // until its control socket answers.
  Status start(const BirdOptions& o) {
    if (auto m = bird_missing(); !m.empty()) return fail(m);
    std::ofstream(conf()) << config_text(o);
    auto check = run({kBird, "-p", "-c", conf()});
    if (check.code != 0) return fail("bird -p refused the config: " + check.err + check.out);
    pid_ = spawn({kBird, "-f", "-c", conf(), "-s", socket(), "-P", dir_ / "bird.pid"}, dir_ / "bird.out",
                 dir_ / "bird.err");
    for (int i = 0; i < 200; ++i) {
      if (command("show status").ok()) return {};
      if (!running()) return fail("bird exited at start: " + log());
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return fail("bird's control socket did not answer within 5 s: " + log());
  }

  // SIGTERM, then SIGKILL after a second; reaps the child. Safe to repeat.
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 100; ++i) {
      if (::waitpid(pid_, &status, WNOHANG) != 0) return void(pid_ = -1);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  // Reaps BIRD if it has exited, so that stop() never signals a stale pid.
  bool running() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == 0) return true;
    pid_ = -1;
    return false;
  }

  // One CLI command over the control socket; its reply without the
  // four-digit codes, or the error BIRD gave (codes 8xxx and 9xxx).
  Result<std::string> command(const std::string& cmd) const {
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0) return fail(std::string("socket: ") + std::strerror(errno));
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, socket().c_str(), sizeof a.sun_path - 1);
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(fd);
      return fail("connect " + socket() + ": " + std::strerror(errno));
    }
    Reader in{fd, {}};
    auto hello = in.reply();  // "0001 BIRD 2.x ready."
    const std::string line = cmd + "\n";
    if (!hello.ok() || ::send(fd, line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size())) {
      ::close(fd);
      return fail("bird's control socket did not greet or take the command");
    }
    auto r = in.reply();
    ::close(fd);
    return r;
  }

  // The entries of a ROA table ("show route table NAME").
  Result<std::set<RoaEntry>> roa_table(const std::string& table) const {
    auto r = command("show route table " + table);
    if (!r) return r.take_error();
    return parse_roa_lines(*r);
  }

  // Lines of BIRD's log that contain `needle`, with their times.
  std::vector<BirdLogLine> log_lines(const std::string& needle) const {
    std::vector<BirdLogLine> out;
    std::istringstream in(slurp(log_path()));
    for (std::string l; std::getline(in, l);) {
      if (l.find(needle) == std::string::npos || l.size() < 23) continue;
      if (auto t = parse_log_time(l.substr(0, 23))) out.push_back({*t, l.substr(24)});
    }
    return out;
  }

  static std::set<RoaEntry> parse_roa_lines(const std::string& text) {
    std::set<RoaEntry> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) {
      std::istringstream words(l);
      std::string net, as;
      words >> net >> as;
      const auto dash = net.rfind('-'), slash = net.find('/');
      if (slash == std::string::npos || dash == std::string::npos || dash < slash || as.rfind("AS", 0) != 0)
        continue;
      out.insert({net.substr(0, dash), static_cast<unsigned>(std::stoul(net.substr(dash + 1))),
                  static_cast<uint32_t>(std::stoul(as.substr(2)))});
    }
    return out;
  }

 private:
  // Reads whole replies: lines "CODE-text" go on, "CODE text" ends one,
  // " text" continues the previous code.
  struct Reader {
    int fd;
    std::string buf;
    Result<std::string> reply() {
      std::string body;
      for (;;) {
        auto nl = buf.find('\n');
        if (nl == std::string::npos) {
          char chunk[65536];
          ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
          if (n <= 0) return fail("bird closed the control socket mid-reply");
          buf.append(chunk, static_cast<size_t>(n));
          continue;
        }
        std::string line = buf.substr(0, nl);
        buf.erase(0, nl + 1);
        if (line.size() >= 5 && std::isdigit(static_cast<unsigned char>(line[0])) && line[4] == ' ') {
          if (line[0] == '8' || line[0] == '9') return fail("bird: " + line.substr(5));
          if (line.substr(0, 4) != "0000") body += line.substr(5) + "\n";
          return body;
        }
        body += (line.size() >= 5 && line[4] == '-' ? line.substr(5) : line.substr(std::min<size_t>(1, line.size()))) +
                "\n";
      }
    }
  };

  std::string config_text(const BirdOptions& o) const {
    std::ostringstream c;
    c << "# Written by tests/support/bird_router.h\n"
      << "log \"" << log_path() << "\" all;\n"
      << "timeformat log iso long ms;\n"
      << "timeformat protocol iso long ms;\n"
      << "router id 127.0.0.1;\n"
      << "roa4 table r4;\nroa6 table r6;\n"
      << "protocol rpki numledger {\n"
      << "  debug all;\n"
      << "  roa4 { table r4; };\n  roa6 { table r6; };\n"
      << "  remote 127.0.0.1 port " << o.rtr_port << ";\n"
      << "  refresh keep " << o.refresh << ";\n  retry keep " << o.retry << ";\n  expire keep " << o.expire
      << ";\n}\n";
    return c.str();
  }
  // "2026-12-06 08:30:00.123" in local time, as BIRD writes it.
  static std::optional<std::chrono::system_clock::time_point> parse_log_time(const std::string& s) {
    std::tm tm{};
    const char* end = ::strptime(s.c_str(), "%Y-%m-%d %H:%M:%S", &tm);
    if (!end || *end != '.') return std::nullopt;
    tm.tm_isdst = -1;
    const time_t secs = std::mktime(&tm);
    const int ms = std::atoi(end + 1);
    return std::chrono::system_clock::from_time_t(secs) + std::chrono::milliseconds(ms);
  }

  TempDir dir_{"nl-bird"};
  pid_t pid_ = -1;
};

}  // namespace nl::test
