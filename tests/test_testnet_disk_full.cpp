// A validator whose disk fills up stops at once, saying why, instead of
// silently ceasing to vote: its home is a small tmpfs (tests run as root),
// filled while the testnet runs. The next consensus WAL append fails, the
// engine reports Halted, and numledgerd exits non-zero naming the WAL. Once
// space is freed it restarts, catches up, and agrees; nothing committed is
// lost, and no peer ever sees it sign twice (no equivocation evidence).
#include <doctest/doctest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "support/testnet.h"

using namespace nl;
using namespace nl::test;
namespace fs = std::filesystem;

namespace {

// `dir` with its files on a fresh tmpfs of `mib` MiB; lazily unmounted at
// the end, since a process may still hold files there.
struct TmpfsHome {
  TmpfsHome(const std::string& dir, unsigned mib) : dir(dir) {
    const std::string aside = dir + ".init";
    fs::rename(dir, aside);
    fs::create_directory(dir);
    const std::string opts = "size=" + std::to_string(mib) + "m,mode=0700";
    mounted = ::mount("tmpfs", dir.c_str(), "tmpfs", 0, opts.c_str()) == 0;
    if (!mounted) return;
    fs::copy(aside, dir, fs::copy_options::recursive);
  }
  ~TmpfsHome() {
    if (mounted) ::umount2(dir.c_str(), MNT_DETACH);
  }
  std::string dir;
  bool mounted = false;
};

// Writes `path` until the filesystem refuses more; returns the bytes written.
uint64_t fill(const std::string& path) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  uint64_t written = 0;
  for (size_t chunk : {size_t{1} << 20, size_t{4096}, size_t{64}, size_t{1}}) {
    const std::string block(chunk, 'x');
    while (out.write(block.data(), static_cast<std::streamsize>(chunk)) && out.flush()) written += chunk;
    out.clear();
  }
  return written;
}

struct Node3 {
  TestnetHarness& net;
  Daemon proc;
  std::string log;
  explicit Node3(TestnetHarness& n) : net(n), log(n.dir() + "/validator3.outside.log") {}
  // Started by the test, not by `testnet start`, to see its exit status; the
  // pid file makes `testnet start` and `stop` treat it as theirs.
  void start() {
    proc.start({NL_BIN_DIR "/numledgerd", "--config", net.node_dir("validator3") + "/numledgerd.toml"}, log);
    std::ofstream(net.node_dir("validator3") + "/numledgerd.pid") << proc.pid() << "\n";
  }
};

}  // namespace

TEST_CASE("disk full: the validator exits naming the WAL, and after space is freed resumes without signing twice") {
  REQUIRE_MESSAGE(::geteuid() == 0, "this test mounts a tmpfs and needs root (CI runs as root)");
  TestnetHarness net;
  TmpfsHome home(net.node_dir("validator3"), 16);
  REQUIRE_MESSAGE(home.mounted, "mount tmpfs on " << home.dir << ": " << std::strerror(errno));
  const std::string filler = home.dir + "/filler";
  const std::string v3_key = net.node_key("validator3").substr(0, 12);

  Node3 v3(net);
  v3.start();
  net.start();
  const auto all = net.validators();
  const std::vector<std::string> three = {"validator0", "validator1", "validator2"};
  REQUIRE_MESSAGE(net.wait_height(all, 2, std::chrono::seconds(30)), net.heights() << net.logs_tail());

  std::vector<std::string> acked;
  auto commit_via = [&](const std::string& node) { acked.push_back(net.commit_delegation(node)); };
  commit_via("validator3");
  commit_via("validator0");

  // Fill its disk. The next write is nearly always a WAL append (four per
  // height); only a block commit landing in the few milliseconds between
  // the precommit's append and the block write fails first, and that path
  // has its own FATAL. Then the test frees space and tries again.
  std::string why;
  for (int attempt = 0; attempt < 3; ++attempt) {
    const uint64_t filled = fill(filler);
    INFO("filled " << filled << " bytes");
    const int code = v3.proc.wait_exit(std::chrono::seconds(60));
    why = slurp(v3.log);
    REQUIRE_MESSAGE(code != -1, "validator3 still runs 60 s after its disk filled\n" << why.substr(why.size() - std::min<size_t>(why.size(), 3000)));
    CHECK_MESSAGE(code != 0, "exit status " << code);
    if (why.find("FATAL: consensus WAL append failed") != std::string::npos) break;
    REQUIRE_MESSAGE(why.find("FATAL: cannot commit decided block") != std::string::npos,
                    "validator3 exited (" << code << ") without a FATAL line naming what failed:\n" << why);
    fs::remove(filler);
    v3.start();
    REQUIRE_MESSAGE(net.wait_height({"validator3"}, net.height("validator0").value_or(0), std::chrono::seconds(30)),
                    net.heights() << why);
  }
  const size_t fatal_at = why.rfind("FATAL: consensus WAL append failed");
  REQUIRE_MESSAGE(fatal_at != std::string::npos, why);
  const std::string fatal_line = why.substr(fatal_at, why.find('\n', fatal_at) - fatal_at);
  CHECK_MESSAGE(fatal_line.find(home.dir + "/data/consensus.wal") != std::string::npos, fatal_line);
  CHECK_MESSAGE(fatal_line.find("No space left on device") != std::string::npos, fatal_line);

  // The other three go on without it.
  const uint64_t h = net.height("validator0").value_or(0);
  REQUIRE_MESSAGE(net.wait_height(three, h + 2, std::chrono::seconds(30)), net.heights() << net.logs_tail(three));
  commit_via("validator1");

  // Space freed: it restarts from its WAL (a torn last record is dropped),
  // catches up, and takes part again.
  fs::remove(filler);
  v3.start();
  const uint64_t top = net.height("validator0").value_or(0);
  REQUIRE_MESSAGE(net.wait_height({"validator3"}, top, std::chrono::seconds(30)), net.heights() << slurp(v3.log));
  commit_via("validator3");
  net.require_agreement(all, net.common_height(all, std::chrono::seconds(20)));
  for (const auto& id : acked) net.require_committed(all, id);

  // Never signed twice: no peer holds or logged equivocation evidence.
  for (const auto& n : three) {
    auto ev = net.get(n, "/api/v1/evidence");
    CHECK_MESSAGE(ev["total"] == 0, n << ": " << ev.dump());
    CHECK_MESSAGE(ev["pending"] == 0, n << ": " << ev.dump());
    CHECK_MESSAGE(net.log(n).find("equivocation by validator " + v3_key) == std::string::npos, n);
  }
  CHECK_MESSAGE(v3.proc.running(), slurp(v3.log));
}
