// A node frees replaced versions of the state tree on a thread of its own
// (node/driver/state_release.h): commits must not notice.
#include <doctest/doctest.h>

#include <atomic>
#include <string>

#include "ledger/chain.h"
#include "node/driver/block_sync.h"
#include "node/driver/mempool.h"
#include "node/driver/state_release.h"
#include "support/fixtures.h"
#include "support/process.h"

using namespace nl;
using namespace nl::ledger;

namespace {

std::unique_ptr<Chain> open_chain(const std::string& dir, ChainOptions options = {}) {
  auto c = Chain::open(dir, test::test_genesis(4), std::move(options));
  REQUIRE_MESSAGE(c.ok(), c.error());
  return std::move(*c);
}

// Blocks of `per` delegations of 10.k.0.0/16 each, k (and the nonce's
// count) from `first` on, committed on `source`.
std::vector<node::p2p::CertifiedBlock> certified_blocks(Chain& source, size_t blocks, size_t per, uint64_t first = 0) {
  std::vector<node::p2p::CertifiedBlock> out;
  uint64_t nonce = first;
  for (size_t b = 0; b < blocks; ++b) {
    std::vector<Transaction> txs;
    for (size_t i = 0; i < per; ++i, ++nonce)
      txs.push_back(test::delegate(("10." + std::to_string(nonce) + ".0.0/16").c_str(), 1, 2, nonce + 1));
    auto p = source.propose(txs, 1700000100 + first + b, test::seeded_key(100).public_key(), SignatureCheck::verify);
    REQUIRE(p.rejected.empty());
    auto cert = test::certify(p.block, {100, 101, 102});
    REQUIRE(source.commit(p, cert).ok());
    out.push_back({p.block, cert});
  }
  return out;
}

// A chain that frees replaced versions as numledgerd does, with at most
// `max_waiting` of them waiting.
std::unique_ptr<Chain> open_released(const std::string& dir, size_t max_waiting) {
  ChainOptions options;
  node::StateRelease::install(options, max_waiting);
  return open_chain(dir, std::move(options));
}

node::SyncApplied sync(Chain& chain, const std::vector<node::p2p::CertifiedBlock>& answer) {
  return node::apply_synced_blocks(chain, answer, node::verify_synced_signatures(node::Mempool{}, answer, 2, 0));
}

}  // namespace

TEST_CASE("state release: versions freed on another thread leave every commit, proof and undo as they were") {
  crypto::init();
  test::TempDir dir{"nl-state-release"};
  auto source = open_chain(dir / "source");
  const auto answer = certified_blocks(*source, 20, 10);

  // One waiting version at most: commits hand off, and free their own when
  // the thread is behind.
  auto follower = open_released(dir / "follower", 1);
  // A hook that only counts: each commit replaces one version.
  std::atomic<int> replaced = 0;
  ChainOptions counted;
  counted.release_state = [&](StateCommitment::Snapshot&&) { ++replaced; };
  auto counter = open_chain(dir / "counter", counted);

  auto flags = node::verify_synced_signatures(node::Mempool{}, answer, 2, 0);
  for (size_t b = 0; b < answer.size(); ++b) {
    const std::vector<node::p2p::CertifiedBlock> one(1, answer[b]);
    const std::vector<TxsVerified> f(1, flags[b]);
    REQUIRE(node::apply_synced_blocks(*follower, one, f).applied == 1);
    REQUIRE(node::apply_synced_blocks(*counter, one, f).applied == 1);
    CHECK(follower->state_root() == counter->state_root());
  }
  CHECK(replaced == 20);
  CHECK(follower->state_root() == source->state_root());
  CHECK(follower->height() == 20);

  // The tree is read through what stayed: a proof of the last delegation.
  auto proof = follower->prove_control(*Resource::parse("10.199.0.0/16"));
  REQUIRE_MESSAGE(proof.ok(), proof.error());

  // A refused block is undone to the tip's version, which was kept.
  auto next = certified_blocks(*source, 1, 5, 200);
  next[0].block.txs[2].signatures[0].sig.b[3] ^= 1;
  next[0].block.header.tx_root = tx_root(next[0].block.txs);
  const auto before = follower->state_root();
  auto bad = sync(*follower, next);
  CHECK(bad.applied == 0);
  CHECK_FALSE(bad.error.empty());
  CHECK(follower->state_root() == before);
  CHECK(follower->height() == 20);
}

TEST_CASE("state release: a chain closes with versions still waiting and reopens at its tip") {
  crypto::init();
  test::TempDir dir{"nl-state-release-stop"};
  auto source = open_chain(dir / "source");
  const auto answer = certified_blocks(*source, 5, 4);
  {
    auto follower = open_released(dir / "follower", 64);
    auto r = sync(*follower, answer);
    CHECK(r.applied == 5);
    CHECK(follower->state_root() == source->state_root());
  }  // the chain, its options and the thread go; the thread joins
  auto reopened = open_chain(dir / "follower");
  CHECK(reopened->height() == 5);
  CHECK(reopened->state_root() == source->state_root());
}
