// GetBlocks amplification against a real 4-validator testnet: 16 handshaken
// observers with fresh keys, each from its own loopback address and with a
// tiny receive buffer, send 2,000 get_blocks frames for 64 blocks each and
// never read. Before the peer limits each reply was queued in the node
// (up to 64 MiB per peer); now a peer gets one reply at a time, only as
// fast as it reads, within a budget shared by all. The node's RSS stays
// under the bound, a fresh observer still syncs, and the node still commits.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "ledger/genesis.h"
#include "support/hostile_p2p_peer.h"
#include "support/testnet.h"

using namespace nl;
using namespace nl::test;

namespace {
// A node here uses 20-60 MiB; 16 non-reading peers once took one to 1.16 GB.
constexpr uint64_t kRssBoundKib = 200 * 1024;
constexpr int kAttackers = 16;
constexpr int kRequestsEach = 2000;
constexpr uint64_t kChainHeight = 64;
}  // namespace

TEST_CASE("16 non-reading get_blocks peers do not blow up the node's memory, a fresh observer still syncs") {
  TestnetOptions o;
  o.observers = 1;
  o.block_interval = 0.05;
  TestnetHarness net(o);
  const auto validators = net.validators();
  {
    std::vector<std::string> args{"testnet", "start", "--dir", net.dir(), "--timeout", "60"};
    for (const auto& v : validators) args.insert(args.end(), {"--only", v});
    auto r = net.cli(args);
    REQUIRE_MESSAGE(r.code == 0, r.err << net.logs_tail());
  }
  REQUIRE_MESSAGE(net.wait_height(validators, kChainHeight + 2, std::chrono::seconds(40)), net.heights());
  auto genesis = ledger::Genesis::load(net.genesis());
  REQUIRE(genesis.ok());
  const unsigned port = net.port("validator0");
  const auto pid = net.pid("validator0");
  REQUIRE(pid.has_value());
  const uint64_t before = rss_kib(*pid);
  MESSAGE("validator0 RSS before the attack: " << before / 1024 << " MiB");

  std::atomic<int> handshaken{0}, sent{0};
  std::atomic<bool> done{false};
  std::vector<std::thread> attackers;
  for (int i = 0; i < kAttackers; ++i)
    attackers.emplace_back([&, i] {
      HostileP2pPeer p(port, "127.0.0." + std::to_string(10 + i), crypto::SecretKey::generate(), 4096);
      if (p.open() || !p.handshake(genesis->chain_id, genesis->hash()).ok()) return;
      ++handshaken;
      const Bytes ask = node::p2p::encode(node::p2p::GetBlocks{1, node::p2p::kMaxBlocksPerRequest});
      for (int k = 0; k < kRequestsEach && !done; ++k) {
        if (p.send(ask)) break;  // the node let go of us
        ++sent;
      }
      while (!done) std::this_thread::sleep_for(std::chrono::milliseconds(50));  // hold on, never read
    });

  // Watch validator0's memory while the requests pile up.
  uint64_t peak = before;
  const auto attack_end = std::chrono::steady_clock::now() + std::chrono::seconds(12);
  while (std::chrono::steady_clock::now() < attack_end && peak < kRssBoundKib) {
    peak = std::max(peak, rss_kib(*pid));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  MESSAGE(handshaken.load() << " attackers handshaken, " << sent.load() << " get_blocks sent; validator0 peak RSS "
                            << peak / 1024 << " MiB (bound " << kRssBoundKib / 1024 << " MiB)");
  CHECK(handshaken.load() == kAttackers);
  CHECK_MESSAGE(peak < kRssBoundKib, net.logs_tail({"validator0"}, 20));

  // A fresh observer syncs from the validators while the attackers hold on.
  {
    auto r = net.cli({"testnet", "start", "--dir", net.dir(), "--only", "observer0", "--timeout", "30"});
    REQUIRE_MESSAGE(r.code == 0, r.err << net.logs_tail({"observer0"}));
  }
  const uint64_t target = net.height("validator0").value_or(kChainHeight);
  CHECK_MESSAGE(net.wait_height({"observer0"}, target, std::chrono::seconds(20)),
                net.heights() << net.logs_tail({"observer0"}, 20));
  peak = std::max(peak, rss_kib(*pid));
  done = true;
  for (auto& t : attackers) t.join();

  // validator0 answers and commits a transaction from an honest client.
  CHECK(net.get("validator0", "/api/v1/status")["height"].get<uint64_t>() >= target);
  auto tx = net.root_tx(delegation("10.44.0.0/16", crypto::SecretKey::generate().public_key()), 1);
  Reply r = net.submit("validator0", tx);
  REQUIRE_MESSAGE(r.status == 200, r.body.dump() << r.error);
  net.require_committed({"validator0", "observer0"}, tx.id().hex());
  const uint64_t after = rss_kib(*pid);
  MESSAGE("validator0 RSS after: " << after / 1024 << " MiB, peak " << peak / 1024 << " MiB");
  CHECK(after < kRssBoundKib);
}
