// The block size limit (ledger::kMaxBlockBytes), one number for every
// layer: the decoder refuses more, the chain refuses a block over it, the
// store will not keep one, a proposer builds within it however much waits,
// and a blocks frame carries the largest block there is.
#include <doctest/doctest.h>

#include <algorithm>

#include "ledger/chain.h"
#include "node/driver/block_values.h"
#include "node/driver/mempool.h"
#include "node/transport/p2p_message.h"
#include "support/fixtures.h"
#include "support/process.h"

using namespace nl;
using namespace nl::ledger;

namespace {

Transaction big_tx(uint64_t nonce) {
  const std::string full(kMaxMetadataField, 'x');
  return test::signed_tx(SetMetadataBody{Resource::parse("10.0.0.0/8").value(), Metadata{full, "NL", full, full, full}},
                         1, nonce, test::test_genesis_hash(1));
}

std::vector<Transaction> big_txs(size_t n) {
  std::vector<Transaction> txs;
  for (size_t i = 0; i < n; ++i) txs.push_back(big_tx(i + 1));
  return txs;
}

// How many big_tx fit a block.
size_t fitting() {
  Block probe;
  probe.header.chain_id = test::kTestChain;
  return (kMaxBlockBytesWithoutCommit - probe.size_without_commit()) / big_tx(1).encode().size();
}

struct Fx {
  test::TempDir dir{"nl-block-size"};
  Genesis g = test::test_genesis(1);
  std::unique_ptr<Chain> open(const std::string& name) {
    auto c = Chain::open(dir / name, g);
    REQUIRE_MESSAGE(c.ok(), c.error());
    return std::move(*c);
  }
};

}  // namespace

TEST_CASE("block size: the limits are consistent") {
  static_assert(kMaxBlockBytesWithoutCommit + kMaxCertificateBytes == kMaxBlockBytes);
  static_assert(consensus::kMaxValueBytes == kMaxBlockBytes);
  // A certificate with every validator's vote is exactly the room kept.
  CommitCertificate c;
  for (size_t i = 0; i < kMaxValidators; ++i) {
    VoteSignature v;
    v.validator.b[0] = static_cast<uint8_t>(i);
    v.validator.b[1] = static_cast<uint8_t>(i >> 8);
    c.votes.push_back(v);
  }
  std::sort(c.votes.begin(), c.votes.end(), [](auto& a, auto& b) { return a.validator < b.validator; });
  CHECK(c.encode().size() == kMaxCertificateBytes);
}

TEST_CASE("block size: the decoder refuses more than the limit before reading a field") {
  Bytes huge(kMaxBlockBytes + 1, 0);
  auto b = Block::decode(huge);
  REQUIRE_FALSE(b.ok());
  CHECK_MESSAGE(b.error().find("the limit is " + std::to_string(kMaxBlockBytes)) != std::string::npos, b.error());
}

TEST_CASE_FIXTURE(Fx, "block size: a block one transaction over the limit is refused by every check; at the limit it passes") {
  const size_t n = fitting();
  auto proposer = open("proposer");
  auto over = proposer->propose(big_txs(n + 1), g.genesis_time + 1, test::seeded_key(100).public_key(),
                                SignatureCheck::verify);
  REQUIRE(over.rejected.empty());
  CHECK_FALSE(check_block_size(over.block).ok());
  // The store will not keep it.
  auto st = proposer->commit(over, test::certify(over.block, {100}, test::test_genesis_hash(1)));
  REQUIRE_FALSE(st.ok());
  CHECK_MESSAGE(st.error().find("without its last commit; the limit is") != std::string::npos, st.error());

  auto follower = open("follower");
  auto s = follower->prepare(over.block);
  REQUIRE_FALSE(s.ok());
  CHECK_MESSAGE(s.error().find("bytes without its last commit; the limit is " +
                               std::to_string(kMaxBlockBytesWithoutCommit)) != std::string::npos,
                s.error());

  auto at = proposer->propose(big_txs(n), g.genesis_time + 1, test::seeded_key(100).public_key(), SignatureCheck::verify);
  REQUIRE(check_block_size(at.block).ok());
  CHECK(follower->prepare(at.block).ok());
  REQUIRE(proposer->commit(at, test::certify(at.block, {100}, test::test_genesis_hash(1))).ok());

  // The largest block travels in one blocks frame, and back.
  auto stored = proposer->store().block(1);
  REQUIRE(stored.ok());
  CHECK(stored->encode().size() > kMaxFieldBytes);  // past the generic 1 MiB field cap
  node::p2p::Blocks frame;
  frame.blocks.push_back({*stored, *proposer->store().cert(1)});
  const Bytes enc = node::p2p::encode(frame);
  auto back = node::p2p::decode(enc);
  REQUIRE_MESSAGE(back.ok(), back.error());
  REQUIRE(std::holds_alternative<node::p2p::Blocks>(*back));
  CHECK(std::get<node::p2p::Blocks>(*back).blocks.front().block.header == stored->header);
}

TEST_CASE_FIXTURE(Fx, "block size: a proposer builds within the limit however much waits") {
  auto chain = open("ledger");
  node::MempoolOptions o;
  o.max_per_account = 10000;
  node::Mempool pool(o);
  const size_t n = fitting();
  for (auto& tx : big_txs(n + 200)) REQUIRE(pool.add(tx, {}) == node::Mempool::Added::fresh);
  auto v = node::build_block_value(*chain, pool, test::seeded_key(100).public_key(), g.genesis_time + 1, kMaxBlockTxs);
  CHECK(v.txs > 0);
  CHECK(v.txs <= n);
  CHECK(v.bytes.size() <= kMaxBlockBytes);
  auto b = Block::decode(v.bytes);
  REQUIRE(b.ok());
  CHECK(check_block_size(*b).ok());
}
