// Small frames sent back to back reach the peer without waiting for the
// first one's ACK: peer connections disable Nagle's algorithm, which would
// hold the second frame until the peer's delayed ACK (40 ms on Linux) and
// made every other consensus step on a loopback testnet take ~45 ms instead
// of ~5 ms. Two in-process nodes on 127.0.0.1: A sends two statuses at once,
// B answers when it has both, A times the exchange.
#include <doctest/doctest.h>

#include <algorithm>
#include <condition_variable>

#include "support/p2p_nodes.h"

using namespace nl;
using namespace nl::test;
using namespace nl::test::p2pt;
namespace p2p = nl::node::p2p;

TEST_CASE("p2p: two small frames sent back to back and their answer take well under a delayed ACK") {
  Loop loop;
  TestNode a(loop, 1), b(loop, 2);
  std::mutex mu;
  std::condition_variable answered;
  uint64_t last_answer = 0;
  a.on_message = [&](const node::PeerInfo&, const p2p::P2pMessage& m) {
    if (auto* s = std::get_if<p2p::StatusMessage>(&m)) {
      std::lock_guard lk(mu);
      last_answer = s->height;
      answered.notify_all();
    }
  };
  // B answers the second of each pair (even heights) at once.
  b.on_message = [&](const node::PeerInfo& from, const p2p::P2pMessage& m) {
    if (auto* s = std::get_if<p2p::StatusMessage>(&m); s && s->height % 2 == 0)
      b.net().send(from.id, p2p::StatusMessage{s->height, {}});
  };
  a.start({b.address()});
  b.start();
  REQUIRE(a.wait_peers(1));
  REQUIRE(b.wait_peers(1));
  const auto to_b = a.peer_with(b.key().public_key());
  REQUIRE(to_b);

  // Past the first segments, which Linux acknowledges at once (quick-ACK
  // mode), the delayed ACK is what a held-back frame waits for.
  constexpr int kWarmup = 30, kTimed = 60;
  std::vector<double> ms;
  for (int i = 1; i <= kWarmup + kTimed; ++i) {
    const uint64_t odd = 2 * static_cast<uint64_t>(i) - 1, even = odd + 1;
    const auto t0 = Clock::now();
    a.net().send(to_b->id, p2p::StatusMessage{odd, {}});
    a.net().send(to_b->id, p2p::StatusMessage{even, {}});
    std::unique_lock lk(mu);
    REQUIRE(answered.wait_for(lk, 5s, [&] { return last_answer == even; }));
    if (i > kWarmup) ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  const double median = ms[ms.size() / 2];
  MESSAGE("pair + answer round trip over 127.0.0.1: median " << median << " ms, max " << ms.back() << " ms");
  // With Nagle on, the second frame of each pair waits ~40 ms for an ACK.
  CHECK(median < 20.0);
}
