// A real router as the RTR client: BIRD 2 (Debian bird2) against a real
// numledgerd. Authorizations committed on the node reach BIRD's ROA
// tables through Serial Notify (BIRD's own refresh is an hour, so nothing
// else could bring them in time), a withdraw takes its entry out, and
// with --rtr-no-notify BIRD still gets them, at its refresh poll. BIRD
// runs as a child in a temporary directory and is killed on every path
// (tests/support/bird_router.h); each wait is bounded, so the whole file
// stays under a minute even when everything fails. The figures:
// bench_roa_to_router.
#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include "support/bird_router.h"
#include "support/node_fixture.h"
#include "support/process.h"

using namespace nl;
using namespace nl::test;

namespace {

RoaEntry roa(const char* prefix, unsigned max_length, uint32_t asn) { return {prefix, max_length, asn}; }

// Whether BIRD's `table` holds (or, with want = false, lacks) `e` within `limit`.
bool table_within(const BirdRouter& bird, const std::string& table, const RoaEntry& e, bool want,
                  std::chrono::seconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  for (;;) {
    auto t = bird.roa_table(table);
    if (t.ok() && (t->count(e) > 0) == want) return true;
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::string show(const BirdRouter& bird, const std::string& table) {
  auto t = bird.command("show route table " + table);
  return t.ok() ? *t : t.error();
}

}  // namespace

TEST_CASE("BIRD 2 takes the node's authorizations over RTR, by Serial Notify, and drops a withdrawn one") {
  REQUIRE_MESSAGE(bird_missing().empty(), bird_missing());
  NodeFixture n;
  const int rtr_port = free_port();
  n.start({"--rtr-listen", "127.0.0.1:" + std::to_string(rtr_port), "--rtr-notify-interval", "0"});
  n.roa("authorize", "10.1.0.0/16", "AS64496", 24);

  BirdRouter bird;
  auto started = bird.start({static_cast<unsigned>(rtr_port), 3600, 600, 7200});
  REQUIRE_MESSAGE(started.ok(), started.error());
  // The first load (Reset Query) brings what was committed before BIRD came.
  REQUIRE_MESSAGE(table_within(bird, "r4", roa("10.1.0.0/16", 24, 64496), true, std::chrono::seconds(8)),
                  show(bird, "r4") << "\n" << bird.log());

  // Later ones only by Serial Notify: BIRD's refresh is an hour.
  n.roa("authorize", "10.2.0.0/24", "AS64498", 24);
  n.roa("authorize", "10.3.0.0/22", "AS64499", 24);
  n.roa("authorize", "2001:db8:100::/40", "AS64497", 48);
  CHECK_MESSAGE(table_within(bird, "r4", roa("10.2.0.0/24", 24, 64498), true, std::chrono::seconds(8)),
                show(bird, "r4"));
  CHECK_MESSAGE(table_within(bird, "r4", roa("10.3.0.0/22", 24, 64499), true, std::chrono::seconds(8)),
                show(bird, "r4"));
  CHECK_MESSAGE(table_within(bird, "r6", roa("2001:db8:100::/40", 48, 64497), true, std::chrono::seconds(8)),
                show(bird, "r6"));
  CHECK_MESSAGE(!bird.log_lines("Serial Notify").empty(), bird.log());

  // What an operator types shows the same.
  auto birdc = run({kBirdc, "-s", bird.socket(), "show", "route", "table", "r4"});
  CHECK_MESSAGE(birdc.code == 0, birdc.err);
  CHECK_MESSAGE(birdc.out.find("10.2.0.0/24-24 AS64498") != std::string::npos, birdc.out);

  n.roa("withdraw", "10.1.0.0/16", "AS64496", 24);
  CHECK_MESSAGE(table_within(bird, "r4", roa("10.1.0.0/16", 24, 64496), false, std::chrono::seconds(8)),
                show(bird, "r4"));
  CHECK_MESSAGE(table_within(bird, "r4", roa("10.2.0.0/24", 24, 64498), true, std::chrono::seconds(1)),
                show(bird, "r4"));
  CHECK(bird.running());
}

TEST_CASE("BIRD 2 with --rtr-no-notify: no Serial Notify, the payload comes at BIRD's refresh") {
  REQUIRE_MESSAGE(bird_missing().empty(), bird_missing());
  NodeFixture n;
  const int rtr_port = free_port();
  n.start({"--rtr-listen", "127.0.0.1:" + std::to_string(rtr_port), "--rtr-no-notify"});
  BirdRouter bird;
  auto started = bird.start({static_cast<unsigned>(rtr_port), 2, 1, 600});
  REQUIRE_MESSAGE(started.ok(), started.error());
  n.roa("authorize", "10.4.0.0/24", "AS64500", 24);
  CHECK_MESSAGE(table_within(bird, "r4", roa("10.4.0.0/24", 24, 64500), true, std::chrono::seconds(8)),
                show(bird, "r4") << "\n" << bird.log());
  CHECK_MESSAGE(bird.log_lines("Serial Notify").empty(), bird.log());
}
