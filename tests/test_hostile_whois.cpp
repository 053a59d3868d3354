// Attacks on numledgerd's whois port from 127.0.0.2 while an honest
// client on 127.0.0.1 keeps being answered: a flood of idle sockets and
// queries that trickle in a byte at a time. Limits: whitepaper/security.md,
// "Connection limits".
#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "support/after_attack.h"
#include "support/attacker_sockets.h"
#include "support/node_fixture.h"

using namespace nl;
using namespace nl::test;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// One query from 127.0.0.1; the whole answer, or "" if refused or cut.
std::string whois(int port, const std::string& query) {
  int fd = connect_from("127.0.0.1", port);
  if (fd < 0) return "";
  send_all(fd, query + "\r\n");
  timeval tv{3, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return out;
}

bool answers(int port) { return whois(port, "10.0.0.0/8").find("inetnum:") != std::string::npos; }

}  // namespace

TEST_CASE("hostile whois: 300 idle sockets and trickled queries from one address") {
  raise_own_fd_limit();
  NodeFixture n;
  const int whois_port = free_port();
  n.start({"--whois-listen", "127.0.0.1:" + std::to_string(whois_port)});
  REQUIRE(answers(whois_port));

  auto t0 = Clock::now();
  SocketSet idle, trickling;
  idle.open(kAttacker, whois_port, 300);
  // The node keeps 8 from that address (the per-address limit) and refuses the rest at once.
  size_t held = idle.still_open();
  MESSAGE("idle attacker sockets held by the node: " << held);
  CHECK(held <= 8);
  CHECK(held > 0);
  auto start = Clock::now();
  CHECK(answers(whois_port));
  CHECK(Clock::now() - start < 2s);
  // Idle sockets give their slots back at the 5 s query deadline.
  // 8 s leaves room for a loaded machine and still fails the old 10 s deadline.
  CHECK(idle.all_closed_within(8s - std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0)));
  CHECK(Clock::now() - t0 < 8s);

  // Queries sent a byte every 200 ms: closed at the same deadline, however they trickle.
  t0 = Clock::now();
  idle.close_all();
  trickling.open(kAttacker, whois_port, 8);
  REQUIRE(trickling.fds.size() == 8);
  std::atomic<bool> stop{false};
  std::thread trickle([&] {
    while (!stop) {
      trickling.send_each("1");
      std::this_thread::sleep_for(200ms);
    }
  });
  CHECK(answers(whois_port));
  bool closed = trickling.all_closed_within(8s);
  stop = true;
  trickle.join();
  CHECK(closed);
  CHECK(Clock::now() - t0 < 8500ms);

  CHECK(answers(whois_port));
  check_node_after_attack(n, "10.1.0.0/16");
}
