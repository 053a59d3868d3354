// numledgerd under a low soft RLIMIT_NOFILE: it raises the soft limit to
// the hard one at start, fits its connection caps into it, says so in one
// log line, and then holds more connections than the soft limit it was
// given. Sizing rule: node/net/descriptor_budget.h.
#include <doctest/doctest.h>

#include "support/after_attack.h"
#include "support/attacker_sockets.h"
#include "support/node_fixture.h"

using namespace nl;
using namespace nl::test;
using namespace std::chrono_literals;

namespace {

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

}  // namespace

TEST_CASE("descriptors: soft limit 128 raised to the hard 1024, caps scaled to fit") {
  REQUIRE(::access("/usr/bin/prlimit", X_OK) == 0);
  raise_own_fd_limit();
  NodeFixture n;
  n.launcher = {"/usr/bin/prlimit", "--nofile=128:1024", "--"};
  n.start({"--whois-listen", "127.0.0.1:" + std::to_string(free_port()), "--rtr-listen",
           "127.0.0.1:" + std::to_string(free_port())});
  // files max(256, 1024/4) = 256, peers 64: 704 left for 512 + 256 + 256 wanted, each scaled by 704/1024.
  const std::string line =
      "open files: soft limit 128 raised to 1024 (hard 1024); 256 kept for files, 64 for peers, 704 for "
      "connections: http 352, whois 176, rtr 176 (scaled down to fit)";
  CHECK_MESSAGE(contains(n.node.log(), line), n.node.log());

  // 320 connections from five addresses (64 each, the per-address limit),
  // far past the soft limit of 128 the node was started with.
  SocketSet held;
  for (const char* from : {"127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6"})
    held.open(from, n.port, 64);
  REQUIRE(held.fds.size() == 320);
  CHECK(held.still_open() == 320);
  auto status = node::http_request(n.url, "GET", "/api/v1/status", "", 5s);
  REQUIRE(status.ok());
  CHECK(status->status == 200);
  held.close_all();
  check_node_after_attack(n, "10.1.0.0/16");
}

TEST_CASE("descriptors: a soft limit already at the hard one is kept, caps unchanged") {
  NodeFixture n;
  n.launcher = {"/usr/bin/prlimit", "--nofile=8192:8192", "--"};
  n.start();
  CHECK_MESSAGE(contains(n.node.log(), "open files: soft limit 8192 (hard 8192); 2048 kept for files, 64 for "
                                       "peers, 6080 for connections: http 512, whois off, rtr off\n"),
                n.node.log());
}
