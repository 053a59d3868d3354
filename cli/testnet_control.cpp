// numledger testnet start and stop: the nodes' processes, through their
// pid files.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

#include "cli/cli_common.h"
#include "cli/exit_codes.h"
#include "cli/testnet_commands.h"
#include "cli/testnet_layout.h"
#include "cli/terminal_progress.h"
#include "cli/testnet_netns.h"
#include "cli/testnet_process.h"
#include "cli/testnet_status.h"

namespace nl::cli::testnet {

namespace {

using Clock = std::chrono::steady_clock;

void sleep_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

// The pid of the running process of `n`, if its pid file names one.
std::optional<pid_t> running_pid(const NodeSpec& n) {
  auto pid = read_pid_file(n.pid_path());
  if (pid && node_process_alive(*pid, n.config_path())) return pid;
  return std::nullopt;
}

std::string log_excerpt(const NodeSpec& n) {
  std::string tail = tail_of(n.log_path(), 8);
  if (tail.empty()) return "; its log " + n.log_path() + " is empty";
  return "; last lines of " + n.log_path() + ":\n" + tail;
}

}  // namespace

int run_start(const StartOptions& o) {
  auto t = load_testnet(o.dir);
  if (!t) return report(kExitFailure, t.error());
  auto chosen = select_nodes(*t, o.only);
  if (!chosen) return report(kExitUsage, chosen.error());
  auto exe = find_numledgerd(o.numledgerd);
  if (!exe) return report(kExitFailure, exe.error());
  if (::access((t->dir + "/" + kHostsFile).c_str(), F_OK) == 0)
    return report(kExitFailure, "testnet start: " + t->dir + " was made with init --host: its nodes run on their own "
                                "machines; copy each DIR/<node>/ there and run numledgerd --config numledgerd.toml in it");
  auto netns = read_netns(t->dir);
  if (!netns) return report(kExitFailure, netns.error());
  if (*netns)
    if (auto s = netns_up(*t, **netns); !s) return report(kExitFailure, "testnet start: " + s.error());

  struct Started {
    const NodeSpec* node;
    pid_t pid;
  };
  std::vector<Started> started;
  for (const NodeSpec* np : *chosen) {
    const NodeSpec& n = *np;
    if (auto pid = running_pid(n)) {
      std::fprintf(o.json ? stderr : stdout, "%s: already running (pid %d)\n", n.name.c_str(), *pid);
      continue;
    }
    ::unlink(n.pid_path().c_str());  // stale, if any
    int ns_fd = -1;
    if (*netns) {
      auto fd = open_netns(**netns, n);
      if (!fd) return report(kExitFailure, n.name + ": " + fd.error());
      ns_fd = *fd;
    }
    auto pid = spawn_detached({*exe, "--config", n.config_path()}, n.log_path(), ns_fd);
    if (ns_fd >= 0) ::close(ns_fd);
    if (!pid) return report(kExitFailure, n.name + ": cannot start " + *exe + ": " + pid.error());
    if (auto s = write_pid_file(n.pid_path(), *pid); !s) {
      ::kill(*pid, SIGTERM);
      return report(kExitFailure, n.name + ": " + s.error());
    }
    std::fprintf(o.json ? stderr : stdout, "%s: started (pid %d), log %s\n", n.name.c_str(), *pid, n.log_path().c_str());
    started.push_back({&n, *pid});
  }
  std::fflush(stdout);

  // Every chosen node, started now or before, must answer for this chain in time.
  const auto deadline = Clock::now() + std::chrono::seconds(o.timeout_s);
  std::vector<bool> up(chosen->size(), false);
  auto last_said = Clock::now();
  for (;;) {
    bool all_up = true;
    for (size_t i = 0; i < chosen->size(); ++i) {
      if (up[i]) continue;
      const NodeSpec& n = *(*chosen)[i];
      for (const auto& s : started)
        if (s.node == &n)
          if (auto how = child_exit(s.pid)) {
            ::unlink(n.pid_path().c_str());
            return report(kExitFailure, n.name + " (" + n.url() + ") " + *how + " before answering" + log_excerpt(n) +
                                            "\nnodes already started keep running; numledger testnet stop --dir " +
                                            t->dir + " stops them");
          }
      up[i] = probe(*t, n, std::chrono::seconds(1)).up;
      all_up = all_up && up[i];
    }
    if (all_up) break;
    if (Clock::now() - last_said >= std::chrono::seconds(2)) {
      std::string waiting;
      for (size_t i = 0; i < chosen->size(); ++i)
        if (!up[i]) waiting += " " + (*chosen)[i]->name;
      progress_line("start", "waiting for" + waiting);
      last_said = Clock::now();
    }
    if (Clock::now() >= deadline) {
      std::string reason;
      for (size_t i = 0; i < chosen->size(); ++i)
        if (!up[i]) {
          const NodeSpec& n = *(*chosen)[i];
          NodeStatus s = probe(*t, n, std::chrono::seconds(1));
          reason += "\n" + n.name + " (" + n.url() + ") did not answer /api/v1/status within " +
                    std::to_string(o.timeout_s) + " s (" + s.problem + ")" + log_excerpt(n);
        }
      return report(kExitFailure, "testnet start: not every node came up; the others keep running (numledger "
                                  "testnet stop --dir " + t->dir + " stops them):" + reason);
    }
    sleep_ms(100);
  }
  const auto all = probe_all(*t, std::chrono::seconds(2));
  if (o.json) {
    nlohmann::json j = to_json(all);
    for (auto& node : j) {
      const std::string name = node.value("name", std::string());
      node["started"] = std::any_of(started.begin(), started.end(), [&](const Started& s) { return s.node->name == name; });
    }
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    print_table(all);
  }
  return kExitOk;
}

int run_stop(const StopOptions& o) {
  auto t = load_testnet(o.dir);
  if (!t) return report(kExitFailure, t.error());
  auto chosen = select_nodes(*t, o.only);
  if (!chosen) return report(kExitUsage, chosen.error());

  struct Stopping {
    const NodeSpec* node;
    pid_t pid;
  };
  std::vector<Stopping> stopping;
  for (const NodeSpec* np : *chosen) {
    const NodeSpec& n = *np;
    auto pid = read_pid_file(n.pid_path());
    if (!pid) {
      std::printf("%s: not running (no pid file)\n", n.name.c_str());
      continue;
    }
    if (!node_process_alive(*pid, n.config_path())) {
      ::unlink(n.pid_path().c_str());
      std::printf("%s: not running (removed the stale pid file naming %d)\n", n.name.c_str(), *pid);
      continue;
    }
    if (::kill(*pid, SIGTERM) != 0) {
      std::printf("%s: could not signal pid %d\n", n.name.c_str(), *pid);
      continue;
    }
    stopping.push_back({&n, *pid});
  }

  auto wait_gone = [&](Clock::time_point until) {
    for (;;) {
      bool any = false;
      for (const auto& s : stopping) any = any || process_running(s.pid);
      if (!any || Clock::now() >= until) return;
      sleep_ms(50);
    }
  };
  wait_gone(Clock::now() + std::chrono::seconds(o.timeout_s));
  std::vector<const Stopping*> killed;
  for (const auto& s : stopping)
    if (process_running(s.pid)) {
      ::kill(s.pid, SIGKILL);
      killed.push_back(&s);
    }
  if (!killed.empty()) wait_gone(Clock::now() + std::chrono::seconds(5));

  int code = kExitOk;
  for (const auto& s : stopping) {
    bool was_killed = std::find(killed.begin(), killed.end(), &s) != killed.end();
    if (process_running(s.pid)) {
      code = report(kExitFailure, s.node->name + ": pid " + std::to_string(s.pid) + " still runs after SIGKILL");
      continue;
    }
    ::unlink(s.node->pid_path().c_str());
    if (was_killed)
      std::printf("%s: killed with SIGKILL (pid %d) after %u s without exiting on SIGTERM\n", s.node->name.c_str(),
                  s.pid, o.timeout_s);
    else
      std::printf("%s: stopped (pid %d, SIGTERM)\n", s.node->name.c_str(), s.pid);
  }
  // The testnet's own network goes when none of its nodes runs any more.
  auto netns = read_netns(t->dir);
  if (!netns) return report(kExitFailure, netns.error());
  if (*netns && code == kExitOk) {
    bool any_running = false;
    for (const auto& n : t->nodes)
      if (auto pid = read_pid_file(n.pid_path()); pid && node_process_alive(*pid, n.config_path())) any_running = true;
    if (!any_running) {
      if (::geteuid() != 0)
        return report(kExitFailure, "testnet stop: the nodes are stopped, but removing the namespaces, bridge and "
                                    "veth pairs needs root");
      if (auto s = netns_down(*t, **netns); !s) return report(kExitFailure, "testnet stop: " + s.error());
      std::printf("removed the testnet's network: bridge %s and %zu namespaces\n", (*netns)->bridge().c_str(),
                  t->nodes.size());
    }
  }
  return code;
}

}  // namespace nl::cli::testnet
