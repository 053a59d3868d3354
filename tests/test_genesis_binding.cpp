// Two chains that share a chain id and every key but not their genesis:
// transactions, votes, certificates and proofs of one are refused by the
// other, because each signs the genesis hash (issue 13, item 9).
#include <doctest/doctest.h>

#include "consensus/proposal.h"
#include "ledger/chain.h"
#include "ledger/control_proof.h"
#include "support/fixtures.h"
#include "support/process.h"

using namespace nl;
using namespace nl::ledger;

namespace {

// The twin of test_genesis(1): same chain id, validator and root holder;
// one second later, so another genesis hash.
Genesis twin_genesis() {
  Genesis g = test::test_genesis(1);
  g.genesis_time += 1;
  return g;
}

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

std::unique_ptr<Chain> open_chain(const std::string& dir, const Genesis& g) {
  auto c = Chain::open(dir, g);
  REQUIRE_MESSAGE(c.ok(), c.error());
  return std::move(*c);
}

}  // namespace

TEST_CASE("genesis binding: the twin chains share the chain id and keys, not the genesis hash") {
  const Genesis a = test::test_genesis(1), b = twin_genesis();
  CHECK(a.chain_id == b.chain_id);
  CHECK(a.validators == b.validators);
  REQUIRE(a.roots.size() == 1);
  CHECK(a.roots[0].holder == b.roots[0].holder);
  CHECK(a.hash() != b.hash());
}

TEST_CASE("genesis binding: a transaction signed for genesis A is refused by the ledger of genesis B, naming both") {
  test::TempDir dir("nl-genesis-binding-tx");
  const Genesis a = test::test_genesis(1), b = twin_genesis();
  auto chain_a = open_chain(dir / "a", a);
  auto chain_b = open_chain(dir / "b", b);
  const Transaction tx = test::delegate("10.1.0.0/16", 1, 2, 1, a.hash());
  REQUIRE(tx.check_signatures().ok());  // a good signature, for A

  auto on_b = chain_b->propose({tx}, 1700000100, test::seeded_key(100).public_key(), SignatureCheck::verify);
  REQUIRE(on_b.rejected.size() == 1);
  const std::string why = on_b.rejected[0].reason;
  CAPTURE(why);
  CHECK(contains(why, "wrong genesis hash"));
  CHECK(contains(why, a.hash().hex().substr(0, 16)));
  CHECK(contains(why, b.hash().hex().substr(0, 16)));

  auto on_a = chain_a->propose({tx}, 1700000100, test::seeded_key(100).public_key(), SignatureCheck::verify);
  CHECK(on_a.rejected.empty());
  CHECK(on_a.block.txs.size() == 1);

  // Re-pointing the copy at B breaks its signature instead.
  Transaction moved = tx;
  moved.genesis_hash = b.hash();
  CHECK(!moved.check_signatures().ok());
}

TEST_CASE("genesis binding: a version-1 transaction (chain id only) is refused by the decoder with the reason") {
  const Transaction tx = test::delegate("10.1.0.0/16", 1, 2, 1);
  Bytes v2 = tx.encode();
  REQUIRE(v2[0] == kTxVersion);
  REQUIRE(kTxVersion == 2);
  // Version 1 was the same bytes without the genesis hash after the chain id.
  const size_t genesis_at = 1 + 4 + tx.chain_id.size();
  Bytes v1(v2.begin(), v2.begin() + genesis_at);
  v1.insert(v1.end(), v2.begin() + genesis_at + 32, v2.end());
  v1[0] = 1;
  auto r = Transaction::decode(v1);
  REQUIRE(!r.ok());
  CHECK(contains(r.error(), "transaction version 1 does not bind the genesis hash; re-sign it for this chain"));
}

TEST_CASE("genesis binding: votes, proposals and a commit certificate made for A do not verify for B") {
  const Genesis a = test::test_genesis(1), b = twin_genesis();
  const auto k = test::seeded_key(100);
  const crypto::Hash32 block = crypto::sha256(as_bytes("block"));

  auto vote = SignedVote::make(a.hash(), 3, 0, VoteType::precommit, block, k);
  CHECK(vote.verify(a.hash()));
  CHECK(!vote.verify(b.hash()));
  auto p = consensus::Proposal::make(a.hash(), 3, 0, -1, block, Bytes{1, 2, 3}, k);
  CHECK(p.verify(a.hash()));
  CHECK(!p.verify(b.hash()));

  CommitCertificate cert{3, 0, block, {{k.public_key(), vote.sig}}};
  CHECK(a.validators.verify_commit(a.hash(), cert).ok());
  auto s = b.validators.verify_commit(b.hash(), cert);
  REQUIRE(!s.ok());
  CHECK(contains(s.error(), "does not verify"));

  // So chain B refuses a block of its own certified with A's votes.
  test::TempDir dir("nl-genesis-binding-cert");
  auto chain_b = open_chain(dir / "b", b);
  auto proposed = chain_b->propose({}, 1700000100, k.public_key(), SignatureCheck::verify);
  CHECK(!chain_b->commit(proposed, test::certify(proposed.block, {100}, a.hash())).ok());
  CHECK(chain_b->commit(proposed, test::certify(proposed.block, {100}, b.hash())).ok());
}

TEST_CASE("genesis binding: a proof of control made on A fails verification against B's genesis, saying why") {
  test::TempDir dir("nl-genesis-binding-proof");
  const Genesis a = test::test_genesis(1), b = twin_genesis();
  auto chain_a = open_chain(dir / "a", a);
  auto p = chain_a->propose({test::delegate("10.1.0.0/16", 1, 2, 1, a.hash())}, 1700000100,
                            test::seeded_key(100).public_key(), SignatureCheck::verify);
  REQUIRE(p.rejected.empty());
  REQUIRE(chain_a->commit(p, test::certify(p.block, {100}, a.hash())).ok());
  auto proof = chain_a->prove_control(*Resource::parse("10.1.0.0/16"));
  REQUIRE_MESSAGE(proof.ok(), proof.error());
  auto decoded = ControlProof::decode(proof->encode());
  REQUIRE(decoded.ok());

  auto on_a = verify_control_proof(*decoded, a);
  REQUIRE_MESSAGE(on_a.ok(), on_a.error());
  auto on_b = verify_control_proof(*decoded, b);
  REQUIRE(!on_b.ok());
  CAPTURE(on_b.error());
  CHECK(contains(on_b.error(), "the certificate of the header at height"));
  CHECK(contains(on_b.error(), "the votes sign the genesis hash"));
  CHECK(contains(on_b.error(), b.hash().hex().substr(0, 16)));
}
