#include "cli/testnet_netns.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <vector>

#include "cli/cli_common.h"

namespace nl::cli::testnet {

namespace {

// Runs `ip ARGS...`; its stderr is the error.
Status ip(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"/usr/sbin/ip"};
  if (::access(argv[0].c_str(), X_OK) != 0) argv[0] = "/sbin/ip";
  if (::access(argv[0].c_str(), X_OK) != 0) return fail("the ip command is missing: apt-get install iproute2");
  argv.insert(argv.end(), args.begin(), args.end());
  int err[2];
  if (::pipe2(err, O_CLOEXEC) != 0) return fail(std::string("pipe: ") + std::strerror(errno));
  std::vector<char*> c;
  for (auto& a : argv) c.push_back(a.data());
  c.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) {
    const int e = errno;
    ::close(err[0]);
    ::close(err[1]);
    return fail(std::string("fork: ") + std::strerror(e));
  }
  if (pid == 0) {
    ::dup2(err[1], 2);
    ::dup2(err[1], 1);
    ::execv(c[0], c.data());
    ::_exit(127);
  }
  ::close(err[1]);
  std::string out;
  char buf[512];
  for (ssize_t n; (n = ::read(err[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  ::close(err[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
  std::string cmd = "ip";
  for (const auto& a : args) cmd += " " + a;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return fail("`" + cmd + "` failed: " + out);
}

bool link_exists(const std::string& name) { return ::access(("/sys/class/net/" + name).c_str(), F_OK) == 0; }
bool ns_exists(const std::string& name) { return ::access(("/run/netns/" + name).c_str(), F_OK) == 0; }

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

NetnsPlan plan_for(const std::string& dir) {
  // From the directory, then the next K whose bridge is free on this machine.
  const unsigned first = static_cast<unsigned>(std::hash<std::string>{}(dir) % 250);
  for (unsigned i = 0; i < 250; ++i) {
    NetnsPlan p{(first + i) % 250 + 1};
    if (!link_exists(p.bridge())) return p;
  }
  return {first + 1};  // all taken: start will say whose the bridge is
}

Status write_netns(const std::string& dir, const NetnsPlan& p) {
  return write_file(dir + "/" + kNetnsFile, "id " + std::to_string(p.id) + "\n");
}

Result<std::optional<NetnsPlan>> read_netns(const std::string& dir) {
  const std::string path = dir + "/" + kNetnsFile;
  if (::access(path.c_str(), F_OK) != 0) return std::optional<NetnsPlan>();
  const std::string text = read_text(path);
  unsigned id = 0;
  if (text.rfind("id ", 0) != 0 || text.size() > 6 || text.find_first_not_of("0123456789", 3) != std::string::npos ||
      (id = static_cast<unsigned>(std::stoul(text.substr(3)))) < 1 || id > 250)
    return fail(path + ": expected one line \"id K\" with K from 1 to 250");
  return std::optional<NetnsPlan>(NetnsPlan{id});
}

Status netns_up(const Testnet& t, const NetnsPlan& p) {
  if (::geteuid() != 0)
    return fail("this testnet runs in network namespaces (init --netns): start needs root to create them, the bridge "
                "and the veth pairs; run it as root, or init a testnet without --netns");
  const std::string br = p.bridge();
  if (link_exists(br)) {
    const std::string owner = read_text("/sys/class/net/" + br + "/ifalias");
    if (owner != t.dir)
      return fail("bridge " + br + " belongs to another testnet (" + (owner.empty() ? "unnamed" : owner) +
                  "); stop that one, or init this one again in another directory");
  } else {
    if (auto s = ip({"link", "add", br, "type", "bridge"}); !s) return s;
    if (auto s = ip({"link", "set", br, "alias", t.dir}); !s) return s;
    if (auto s = ip({"addr", "add", p.bridge_address() + "/24", "dev", br}); !s) return s;
    if (auto s = ip({"link", "set", br, "up"}); !s) return s;
  }
  for (size_t i = 0; i < t.nodes.size(); ++i) {
    const std::string ns = p.ns(t.nodes[i]), host = p.host_veth(i), inner = p.inner_veth(i);
    if (!ns_exists(ns)) {
      if (auto s = ip({"netns", "add", ns}); !s) return s;
      if (auto s = ip({"-n", ns, "link", "set", "lo", "up"}); !s) return s;
    }
    if (!link_exists(host)) {
      if (auto s = ip({"link", "add", host, "type", "veth", "peer", "name", inner, "netns", ns}); !s) return s;
      if (auto s = ip({"link", "set", host, "master", br}); !s) return s;
      if (auto s = ip({"-n", ns, "addr", "add", p.address(i) + "/24", "dev", inner}); !s) return s;
      if (auto s = ip({"-n", ns, "link", "set", inner, "up"}); !s) return s;
    }
    if (auto s = ip({"link", "set", host, "up"}); !s) return s;
  }
  return {};
}

Status netns_down(const Testnet& t, const NetnsPlan& p) {
  // Another testnet's bridge means the names below are its too: touch nothing.
  if (link_exists(p.bridge())) {
    const std::string owner = read_text("/sys/class/net/" + p.bridge() + "/ifalias");
    if (owner != t.dir)
      return fail("bridge " + p.bridge() + " and its namespaces belong to another testnet (" + owner +
                  "); removed nothing");
  }
  // Deleting a namespace deletes the veth end inside it, and with it the pair.
  for (size_t i = 0; i < t.nodes.size(); ++i) {
    if (link_exists(p.host_veth(i)))
      if (auto s = ip({"link", "del", p.host_veth(i)}); !s) return s;
    if (ns_exists(p.ns(t.nodes[i])))
      if (auto s = ip({"netns", "del", p.ns(t.nodes[i])}); !s) return s;
  }
  if (link_exists(p.bridge()) && read_text("/sys/class/net/" + p.bridge() + "/ifalias") == t.dir)
    if (auto s = ip({"link", "del", p.bridge()}); !s) return s;
  return {};
}

Result<int> open_netns(const NetnsPlan& p, const NodeSpec& n) {
  const std::string path = "/run/netns/" + p.ns(n);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(path + ": " + std::strerror(errno) + " (testnet start creates it)");
  return fd;
}

Status set_link(const NetnsPlan& p, size_t i, bool up) {
  return ip({"link", "set", p.host_veth(i), up ? "up" : "down"});
}

}  // namespace nl::cli::testnet
