// A validator that fell two heights behind the consensus traffic: the
// messages of the height it then works on were dropped on arrival (too far
// ahead to keep), and its peers, which decided that height without it,
// re-gossip nothing while they wait for the next one. It must fetch that
// one-height gap from a peer at once instead of waiting out the sync lag
// grace (1 s in numledgerd, plus up to a re-gossip tick), which stalled
// every validator whenever the laggard proposed next. Seen from a raw
// WebSocket peer that plays the other validators (real sockets on
// 127.0.0.x); BlockSync's grace rule on its own first.
#include <doctest/doctest.h>

#include "consensus/message.h"
#include "ledger/chain.h"
#include "node/driver/block_sync.h"
#include "support/driver_node.h"
#include "support/fixtures.h"
#include "support/p2p_nodes.h"
#include "support/process.h"

using namespace nl;
using namespace std::chrono_literals;
using test::DriverNode;
using test::RawPeer;
namespace p2p = nl::node::p2p;

namespace {

// A raw peer that completed the handshake with `node` as validator `key`.
std::unique_ptr<RawPeer> connect(DriverNode& node, uint8_t key) {
  auto p = std::make_unique<RawPeer>(node.port(), "127.0.0.2");
  REQUIRE(!p->upgrade());
  const auto k = test::seeded_key(key);
  const auto genesis = node.read([](const ledger::Chain& c) { return c.genesis_hash(); });
  p->ours = p2p::make_hello(test::kTestChain, genesis, k.public_key(), 0, true, p2p::random_nonce());
  REQUIRE(!p->send(p2p::encode(p->ours)));
  auto h = p->read();
  REQUIRE(h);
  auto theirs = p2p::decode(*h);
  REQUIRE(theirs.ok());
  REQUIRE(std::holds_alternative<p2p::Hello>(*theirs));
  p->their_hello = std::get<p2p::Hello>(*theirs);
  REQUIRE(!p->send(p2p::encode(p2p::make_auth(k, p->ours, *p->their_hello))));
  auto a = p->read();
  REQUIRE(a);
  auto auth = p2p::decode(*a);
  REQUIRE(auth.ok());
  REQUIRE(std::holds_alternative<p2p::HelloAuth>(*auth));
  return p;
}

// The first GetBlocks the node sends within `limit`; other frames skipped.
std::optional<p2p::GetBlocks> next_request(RawPeer& p, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left <= 0ms) return std::nullopt;
    auto f = p.read(nullptr, left);
    if (!f) return std::nullopt;
    auto m = p2p::decode(*f);
    REQUIRE_MESSAGE(m.ok(), m.error());
    if (auto* g = std::get_if<p2p::GetBlocks>(&*m)) return *g;
  }
}

// Blocks 1..n of test_genesis(4), certified by validators 101..103.
std::vector<p2p::CertifiedBlock> certified_blocks(const std::string& dir, uint64_t n) {
  auto c = ledger::Chain::open(dir, test::test_genesis(4));
  REQUIRE_MESSAGE(c.ok(), c.error());
  std::vector<p2p::CertifiedBlock> out;
  for (uint64_t h = 1; h <= n; ++h) {
    auto p = (*c)->propose({}, 1700000100 + 10 * h, test::seeded_key(101).public_key(), ledger::SignatureCheck::verify);
    auto cert = test::certify(p.block, {101, 102, 103});
    REQUIRE((*c)->commit(p, cert).ok());
    out.push_back({p.block, cert});
  }
  return out;
}

p2p::Blocks range(const std::vector<p2p::CertifiedBlock>& all, const p2p::GetBlocks& g) {
  p2p::Blocks b;
  for (uint64_t h = g.from; h < g.from + g.count && h <= all.size(); ++h) b.blocks.push_back(all[h - 1]);
  return b;
}

}  // namespace

TEST_CASE("block sync: a one-height gap waits out the grace unless that height was missed; two heights never wait") {
  using Clock = node::BlockSync::Clock;
  const auto t0 = Clock::now();
  node::BlockSync s(10s, 1s);
  s.peer_height(7, 5);
  CHECK(!s.next(4, t0));
  CHECK(!s.next(4, t0 + 500ms));
  auto r = s.next(4, t0 + 500ms, /*missed=*/true);
  REQUIRE(r);
  CHECK(r->peer == 7);
  CHECK(r->from == 5);
  CHECK(r->count == 1);

  node::BlockSync t(10s, 1s);
  t.peer_height(7, 5);
  CHECK(!t.next(4, t0));
  CHECK(t.next(4, t0 + 1s).has_value());  // the grace is over

  node::BlockSync u(10s, 1s);
  u.peer_height(7, 6);
  auto two = u.next(4, t0);
  REQUIRE(two);
  CHECK(two->count == 2);
}

TEST_CASE("driver: a validator whose next height's messages passed it by syncs that height at once, not after the lag grace") {
  test::TempDir dir{"nl-driver-catchup"};
  const auto blocks = certified_blocks(dir / "source", 3);
  test::DriverNodeOptions o;
  o.validator = test::seeded_key(100);
  o.sync_lag_grace = 20s;  // far past every wait below: only the fix can fetch in time
  DriverNode node(dir / "home", test::test_genesis(4), o);
  node.open();
  node.start({});
  auto peer = connect(node, 101);
  REQUIRE(test::eventually([&] { return node.driver().peers().size() == 1; }, 5s));
  REQUIRE(test::eventually([&] { return node.driver().status().height == 1; }, 5s));

  // A vote for height 3 while the node works on height 1: too far ahead to
  // keep, so it is dropped (the others are deciding 2 and 3 without it).
  const auto vote = ledger::SignedVote::make(test::test_genesis_hash(), 3, 0, ledger::VoteType::prevote,
                                             blocks[2].block.header.hash(), test::seeded_key(101));
  REQUIRE(!peer->send(p2p::encode(p2p::ConsensusMessage{consensus::Message{vote}})));

  // Two heights behind: fetched at once, as before.
  REQUIRE(!peer->send(p2p::encode(p2p::StatusMessage{2, blocks[1].block.header.hash()})));
  auto first = next_request(*peer, 5s);
  REQUIRE(first);
  CHECK(first->from == 1);
  CHECK(first->count == 2);
  REQUIRE(!peer->send(p2p::encode(range(blocks, *first))));
  REQUIRE(test::eventually([&] { return node.height() == 2; }, 5s));

  // Now at height 3, whose messages it dropped, with a peer one height
  // ahead: the gap is fetched at once instead of after the 20 s grace.
  const auto asked = std::chrono::steady_clock::now();
  REQUIRE(!peer->send(p2p::encode(p2p::StatusMessage{3, blocks[2].block.header.hash()})));
  auto second = next_request(*peer, 5s);
  REQUIRE_MESSAGE(second, "no GetBlocks within 5 s of a one-height gap whose messages were missed");
  CHECK(std::chrono::steady_clock::now() - asked < 5s);
  CHECK(second->from == 3);
  CHECK(second->count == 1);
  REQUIRE(!peer->send(p2p::encode(range(blocks, *second))));
  REQUIRE(test::eventually([&] { return node.height() == 3; }, 5s));
  CHECK(node.hash_at(3) == blocks[2].block.header.hash());
}

TEST_CASE("block sync: the next range is asked for as soon as an answer is in hand; after a refused block its answer is dropped as stale and the gap asked for again") {
  test::TempDir dir{"nl-driver-pipelined"};
  const auto blocks = certified_blocks(dir / "source", 70);
  test::DriverNodeOptions o;
  o.validator = test::seeded_key(100);
  DriverNode node(dir / "home", test::test_genesis(4), o);
  node.open();
  node.start({});
  auto peer = connect(node, 101);
  REQUIRE(test::eventually([&] { return node.driver().peers().size() == 1; }, 5s));

  REQUIRE(!peer->send(p2p::encode(p2p::StatusMessage{70, blocks[69].block.header.hash()})));
  auto first = next_request(*peer, 5s);
  REQUIRE(first);
  CHECK(first->from == 1);
  CHECK(first->count == p2p::kMaxBlocksPerRequest);
  // The last block of the answer carries a forged certificate.
  auto answer = range(blocks, *first);
  answer.blocks.back().cert.votes[0].sig.b[0] ^= 1;
  REQUIRE(!peer->send(p2p::encode(answer)));

  // Asked for before the answer was applied: the heights after it.
  auto second = next_request(*peer, 5s);
  REQUIRE(second);
  CHECK(second->from == 65);
  CHECK(second->count == 6);
  REQUIRE(test::eventually([&] { return node.height() == 63; }, 5s));
  // Its answer no longer follows the tip: dropped, and height 64 asked for
  // again (from this peer, the only one).
  REQUIRE(!peer->send(p2p::encode(range(blocks, *second))));
  auto third = next_request(*peer, 5s);
  REQUIRE(third);
  CHECK(third->from == 64);
  CHECK(third->count == 7);
  REQUIRE(!peer->send(p2p::encode(range(blocks, *third))));
  REQUIRE(test::eventually([&] { return node.height() == 70; }, 5s));
  CHECK(node.hash_at(70) == blocks[69].block.header.hash());
  CHECK(node.driver().peers().size() == 1);
}
