// Attacks on numledgerd's RTR port from 127.0.0.2 while a real router
// (rtrclient, Debian package rtr-tools) on 127.0.0.1 keeps its session:
// a flood of sockets that each send one Reset Query and then only hold
// their slot. Refresh 2 s and retry 2 s make the idle deadline
// (refresh + retry) 4 s, so the test sees the silent sessions dropped
// while rtrclient, which polls every refresh interval, stays.
// Limits: whitepaper/security.md, "Connection limits".
#include <doctest/doctest.h>

#include <set>
#include <sstream>
#include <thread>

#include "node/rtr/rtr_pdu.h"
#include "support/after_attack.h"
#include "support/attacker_sockets.h"
#include "support/node_fixture.h"

using namespace nl;
using namespace nl::test;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

std::string reset_query() {
  Bytes b = node::rtr::encode({1, node::rtr::ResetQuery{}});
  return std::string(b.begin(), b.end());
}

// A full answer (Cache Response ... End of Data) to a Reset Query sent
// from 127.0.0.1; false if refused or cut.
bool router_served(int port) {
  int fd = connect_from("127.0.0.1", port);
  if (fd < 0) return false;
  send_all(fd, reset_query());
  timeval tv{3, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  Bytes in;
  bool done = false;
  uint8_t buf[4096];
  while (!done) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    in.insert(in.end(), buf, buf + n);
    // Walk the PDUs; End of Data (type 7) ends the answer.
    size_t at = 0;
    while (in.size() - at >= node::rtr::kHeaderSize) {
      auto h = node::rtr::decode_header(ByteView(in.data() + at, in.size() - at));
      if (h.length < node::rtr::kHeaderSize || in.size() - at < h.length) break;
      if (h.type == 7) done = true;
      at += h.length;
    }
  }
  ::close(fd);
  return done;
}

// rtrclient -p prints "+ 10.1.0.0   16 -  24   64496" per update.
std::set<std::string> prefixes(const std::string& out) {
  std::set<std::string> lines;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    std::istringstream l(line);
    std::string sign, ip, min_len, dash, max_len, asn;
    if (l >> sign >> ip >> min_len >> dash >> max_len >> asn && (sign == "+" || sign == "-") && dash == "-")
      lines.insert(sign + " " + ip + "/" + min_len + "-" + max_len + " AS" + asn);
  }
  return lines;
}

template <class F>
bool eventually(F&& f, std::chrono::milliseconds limit) {
  auto end = Clock::now() + limit;
  while (Clock::now() < end) {
    if (f()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return f();
}

size_t count_of(const std::string& hay, const std::string& needle) {
  size_t n = 0;
  for (size_t at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("hostile rtr: a flood of one-query sockets comes and goes, and rtrclient keeps its session") {
  const std::string rtrclient = "/usr/bin/rtrclient";
  REQUIRE_MESSAGE(::access(rtrclient.c_str(), X_OK) == 0, "rtrclient is missing: apt-get install rtr-tools");
  raise_own_fd_limit();
  NodeFixture n;
  const int rtr_port = free_port();
  n.start({"--rtr-listen", "127.0.0.1:" + std::to_string(rtr_port), "--rtr-refresh", "2", "--rtr-retry", "2",
           "--rtr-expire", "600"});
  n.roa("authorize", "10.1.0.0/16", "AS64496", 24);

  Daemon router;
  router.start({"/usr/bin/stdbuf", "-oL", rtrclient, "-s", "tcp", "-p", "127.0.0.1", std::to_string(rtr_port)},
               n.dir / "rtrclient.log");
  const std::string out = n.dir / "rtrclient.log.out";
  REQUIRE_MESSAGE(eventually([&] { return prefixes(slurp(out)).count("+ 10.1.0.0/16-24 AS64496") == 1; }, 10s),
                  slurp(out));

  // The flood: 300 sockets from one address, each with one Reset Query, never read.
  auto t0 = Clock::now();
  SocketSet flood;
  flood.open(kAttacker, rtr_port, 300);
  flood.send_each(reset_query());
  size_t held = flood.still_open();
  MESSAGE("attacker sessions held by the node: " << held);
  CHECK(held <= 8);
  CHECK(held > 0);
  // Another router is served during the flood.
  CHECK(router_served(rtr_port));
  // A change reaches rtrclient during the flood.
  n.roa("authorize", "10.2.0.0/16", "AS64497", 20);
  CHECK_MESSAGE(eventually([&] { return prefixes(slurp(out)).count("+ 10.2.0.0/16-20 AS64497") == 1; }, 10s),
                slurp(out));
  // Sessions that asked once and then fell silent are dropped at the idle
  // deadline (refresh + retry = 4 s after their query), long before expire (600 s).
  CHECK(flood.all_closed_within(
      9s - std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0)));
  MESSAGE("flood dropped after " << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count()
                                 << " ms");
  // The flood goes; rtrclient, polling every 2 s, outlived several idle deadlines on one session.
  flood.close_all();
  std::this_thread::sleep_for(5s);
  CHECK(router.running());
  n.roa("withdraw", "10.1.0.0/16", "AS64496", 24);
  CHECK_MESSAGE(eventually([&] { return prefixes(slurp(out)).count("- 10.1.0.0/16-24 AS64496") == 1; }, 10s),
                slurp(out));
  const std::string log = slurp(out);
  INFO("rtrclient output:\n" << log);
  // One session: reset once at the start, never again, no error; and it
  // polled (a sync every refresh) through several idle deadlines.
  CHECK(count_of(log, "status to: RTR_RESET") == 1);
  CHECK(count_of(log, "status to: RTR_ERROR") == 0);
  CHECK(count_of(log, "status to: RTR_CONNECTING") == 0);
  CHECK(count_of(log, "status to: RTR_SYNC") >= 4);

  check_node_after_attack(n, "10.3.0.0/16");
  CHECK(router.kill(SIGKILL) == 128 + SIGKILL);
}
