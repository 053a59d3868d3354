// Blocks proposed by another validator: prepare says whether one would
// be valid next without changing state; commit commits it with its
// certificate. A follower chain that commits the proposer's blocks reaches
// the same state roots; every kind of bad block is refused with the reason
// and leaves the follower exactly as it was.
#include <doctest/doctest.h>

#include "ledger/chain.h"
#include "support/fixtures.h"
#include "support/process.h"

using namespace nl;
using namespace nl::ledger;
using test::certify;
using test::delegate;

namespace {

crypto::SecretKey key(uint8_t fill) { return test::seeded_key(fill); }
crypto::PublicKey pub(uint8_t fill) { return key(fill).public_key(); }

std::unique_ptr<Chain> open_chain(const std::string& dir) {
  auto c = Chain::open(dir, test::test_genesis(4));
  REQUIRE_MESSAGE(c.ok(), c.error());
  return std::move(*c);
}

VoteEvidence double_vote(uint8_t signer, uint64_t height) {
  auto v = [&](const char* b) {
    return SignedVote::make(test::test_genesis_hash(), height, 0, VoteType::precommit, crypto::sha256(as_bytes(b)), key(signer));
  };
  return VoteEvidence::make(v("a"), v("b")).value();
}

// What the follower must keep when it refuses a block.
struct Snapshot {
  uint64_t height;
  crypto::Hash32 root, tip;
  uint64_t nonce;
  size_t holdings, sets, evidence;
  explicit Snapshot(const Chain& c)
      : height(c.height()),
        root(c.state_root()),
        tip(c.tip_hash()),
        nonce(c.registry().next_nonce(test::seeded_account(1))),
        holdings(c.registry().holding_count()),
        sets(c.registry().validator_sets().size()),
        evidence(c.registry().evidence().size()) {}
  bool operator==(const Snapshot&) const = default;
};

struct Fx {
  test::TempDir dir{"nl-blockcheck"};
  std::unique_ptr<Chain> proposer = open_chain(dir / "proposer");
  std::unique_ptr<Chain> follower = open_chain(dir / "follower");
  uint64_t time = 1700000100;

  // The proposer builds and commits the next block; returns it with its certificate.
  std::pair<Block, CommitCertificate> make(const std::vector<Transaction>& txs, const std::vector<Evidence>& ev = {}) {
    auto p = proposer->propose(txs, time += 10, pub(100), SignatureCheck::verify, ev);
    REQUIRE(p.rejected.empty());
    REQUIRE(p.rejected_evidence.empty());
    auto cert = certify(p.block, {100, 101, 102});
    REQUIRE(proposer->commit(p, cert).ok());
    return {p.block, cert};
  }
  // Refused by prepare and by prepare-and-commit with `reason`, follower unchanged.
  void refused(const Block& b, const CommitCertificate& cert, const std::string& reason) {
    Snapshot before(*follower);
    auto c = follower->prepare(b);
    REQUIRE(!c.ok());
    CHECK_MESSAGE(c.error().find(reason) != std::string::npos, c.error());
    CHECK(Snapshot(*follower) == before);
    auto m = test::commit_block(*follower, b, cert);
    REQUIRE(!m.ok());
    CHECK_MESSAGE(m.error().find(reason) != std::string::npos, m.error());
    CHECK(Snapshot(*follower) == before);
    CHECK(follower->registry().check_invariants().ok());
  }
};

// The same block with its header re-derived after a change, re-certified.
std::pair<Block, CommitCertificate> recertified(Block b) {
  b.header.tx_root = tx_root(b.txs);
  b.header.evidence_root = evidence_root(b.evidence);
  return {b, certify(b, {100, 101, 102})};
}

}  // namespace

TEST_CASE_FIXTURE(Fx, "prepare and commit: honest blocks pass, commit, and reach the proposer's state roots") {
  // Height 1 is checked against the genesis state (not yet on disk).
  auto [b1, c1] = make({delegate("10.1.0.0/16", 1, 2, 1), delegate("10.2.0.0/16", 1, 3, 2)});
  Snapshot before(*follower);
  auto s = follower->prepare(b1);
  REQUIRE_MESSAGE(s.ok(), s.error());
  CHECK(Snapshot(*follower) == before);  // a check changes nothing
  REQUIRE(test::commit_block(*follower, b1, c1).ok());
  CHECK(follower->state_root() == proposer->state_root());
  CHECK(follower->tip_hash() == proposer->tip_hash());

  // Later heights undo from the store; a validator update and evidence ride along.
  ValidatorUpdateBody vu{{{pub(104), 1}}};
  auto up = test::signed_tx(vu, 2, 1);
  for (uint8_t v : {100, 101, 102}) up.sign(key(v));
  auto [b2, c2] = make({up, delegate("10.1.5.0/24", 2, 4, 2)}, {double_vote(103, 1)});
  REQUIRE(follower->prepare(b2).ok());
  CHECK(follower->height() == 1);
  REQUIRE(test::commit_block(*follower, b2, c2).ok());
  CHECK(follower->state_root() == proposer->state_root());
  CHECK(follower->validators_at(4) == proposer->validators_at(4));
  CHECK(follower->registry().evidence().size() == 1);
  CHECK(follower->registry().check_invariants().ok());

  // The follower's own certificate of height 2 may differ from the
  // proposer's; block 3 is still accepted and stored with the follower's.
  auto [b3, c3] = make({});
  Block b3_other = b3;
  b3_other.last_commit = certify(b2, {100, 101, 102, 103});
  REQUIRE(test::commit_block(*follower, b3_other, c3).ok());
  CHECK(follower->store().block(3)->last_commit == *follower->store().cert(2));
  CHECK(follower->state_root() == proposer->state_root());

  // Reopen: the follower's ledger verifies end to end.
  follower.reset();
  follower = open_chain(dir / "follower");
  CHECK(follower->height() == 3);
  CHECK(follower->state_root() == proposer->state_root());
}

TEST_CASE_FIXTURE(Fx, "prepare and commit: bad blocks are refused with the reason, state untouched") {
  auto [b1, c1] = make({delegate("10.1.0.0/16", 1, 2, 1)});
  REQUIRE(test::commit_block(*follower, b1, c1).ok());
  auto [good, cert] = make({delegate("10.2.0.0/16", 1, 3, 2), delegate("10.3.0.0/16", 1, 4, 3)});

  SUBCASE("transactions that do not match the tx root") {
    Block b = good;
    b.txs.pop_back();
    refused(b, cert, "tx root");
  }
  SUBCASE("a wrong state root") {
    auto [b, c] = recertified(good);
    b.header.state_root.b[0] ^= 1;
    c = certify(b, {100, 101, 102});
    refused(b, c, "state root");
  }
  SUBCASE("a wrong validator set hash") {
    Block b = good;
    b.header.validator_set_hash.b[3] ^= 1;
    refused(b, certify(b, {100, 101, 102}), "validator set");
  }
  SUBCASE("a transaction the rules refuse, after one they accept") {
    Block b = good;
    b.txs.push_back(delegate("10.2.0.0/17", 1, 5, 4));  // overlaps 10.2.0.0/16
    auto [bb, c] = recertified(b);
    refused(bb, c, "transaction 2");
    refused(bb, c, "overlaps");
  }
  SUBCASE("bad evidence") {
    Block b = good;
    auto forged = double_vote(101, 1);
    forged.a.sig.b[1] ^= 1;
    b.evidence.push_back(forged);
    auto [bb, c] = recertified(b);
    refused(bb, c, "evidence 0");
    refused(bb, c, "does not verify");
  }
  SUBCASE("evidence that does not match the evidence root") {
    Block b = good;
    b.evidence.push_back(double_vote(101, 1));
    refused(b, certify(b, {100, 101, 102}), "evidence root");
  }
  SUBCASE("a wrong link, height or chain") {
    Block b = good;
    b.header.prev_hash.b[0] ^= 1;
    refused(b, certify(b, {100, 101, 102}), "does not link to height 1");
    b = good;
    b.header.height = 3;
    refused(b, certify(b, {100, 101, 102}), "the next height is 2");
  }
  SUBCASE("a proposer that is not a validator, or time going backwards") {
    Block b = good;
    b.header.proposer = pub(77);
    refused(b, certify(b, {100, 101, 102}), "not a validator at height 2");
    b = good;
    b.header.time = 1;
    refused(b, certify(b, {100, 101, 102}), "before the previous block's time");
  }
  SUBCASE("a missing or invalid last commit") {
    Block b = good;
    b.last_commit.reset();
    refused(b, cert, "no certificate of height 1");
    b = good;
    b.last_commit->votes.pop_back();
    b.last_commit->votes.pop_back();
    refused(b, cert, "last commit is invalid");
  }
  SUBCASE("a forged certificate after the genuine one passed (verified certificates are remembered)") {
    REQUIRE(follower->prepare(good).ok());
    Block b = good;
    b.last_commit->votes[0].sig.b[5] ^= 1;
    refused(b, cert, "last commit is invalid");
    CommitCertificate forged = cert;
    forged.votes[1].sig.b[7] ^= 1;
    CHECK(test::commit_block(*follower, good, forged).error().find("does not verify") != std::string::npos);
    CHECK(follower->height() == 1);
  }
  SUBCASE("a certificate that does not carry the block") {
    CHECK(test::commit_block(*follower, good, certify(good, {100, 101})).error().find("2/3") != std::string::npos);
    CHECK(test::commit_block(*follower, good, c1).error().find("does not certify this block") != std::string::npos);
    CHECK(follower->height() == 1);
  }
  // After any refusal the honest block still commits to the proposer's root.
  REQUIRE(test::commit_block(*follower, good, cert).ok());
  CHECK(follower->state_root() == proposer->state_root());
}

TEST_CASE_FIXTURE(Fx, "propose leaves the state as it was, and a block prepared on an older tip is not committed") {
  auto [b1, c1] = make({delegate("10.1.0.0/16", 1, 2, 1)});
  REQUIRE(test::commit_block(*follower, b1, c1).ok());
  Snapshot before(*follower);
  auto p = follower->propose({delegate("10.9.0.0/16", 1, 9, 2)}, time + 5, pub(101), SignatureCheck::verify);
  REQUIRE(p.block.txs.size() == 1);
  CHECK(p.block.header.state_root != follower->state_root());
  CHECK(Snapshot(*follower) == before);
  CHECK(follower->registry().next_nonce(test::seeded_account(1)) == 2);
  auto [b2, c2] = make({});
  REQUIRE(test::commit_block(*follower, b2, c2).ok());
  CHECK(follower->state_root() == proposer->state_root());
  // p was built on height 1: the chain is at 2 now.
  auto late = follower->commit(p, certify(p.block, {100, 101, 102}));
  CHECK_MESSAGE(late.error().find("prepared on another tip") != std::string::npos, late.error());
  CHECK(follower->state_root() == proposer->state_root());
}

TEST_CASE_FIXTURE(Fx, "undo restores every kind of change exactly: splits, returns, leases, authorizations, keys") {
  // Account 4 gets a holding: only a holder may rotate its key.
  auto [b1, c1] = make({delegate("10.1.0.0/16", 1, 2, 1), delegate("10.2.0.0/16", 1, 3, 2),
                        delegate("10.4.0.0/16", 1, 4, 3)});
  REQUIRE(test::commit_block(*follower, b1, c1).ok());
  auto r = [](const char* s) { return Resource::parse(s).value(); };
  auto transfer = test::signed_tx(TransferBody{r("10.1.128.0/17"), test::seeded_account(5)}, 2, 1);
  transfer.sign(key(5));
  auto rotate = test::signed_tx(RotateKeyBody{pub(9)}, 4, 1);
  rotate.sign(key(9));
  std::vector<Transaction> mix = {
      transfer,
      test::signed_tx(ReturnBody{r("10.1.0.0/24")}, 2, 2),
      test::signed_tx(AuthorizeBody{r("10.2.0.0/16"), 24, 64496}, 3, 1),
      test::signed_tx(SetMetadataBody{r("10.2.0.0/16"), {"net", "NL", "", "", ""}}, 3, 2),
      test::signed_tx(DelegateBody{r("10.2.1.0/24"), test::seeded_account(6), HoldingKind::lease, 1900000000}, 3, 3),
      test::signed_tx(TransferBody{r("10.2.0.0/16"), test::seeded_account(7)}, 3, 4),  // the authorization lapses
      rotate,
  };
  mix[5].sign(key(7));
  auto [b2, c2] = make(mix);
  REQUIRE(b2.txs.size() == mix.size());

  Snapshot before(*follower);
  REQUIRE(follower->prepare(b2).ok());  // applied and undone; undo checks the root itself
  CHECK(Snapshot(*follower) == before);
  CHECK(follower->registry().check_invariants().ok());
  CHECK(follower->registry().authorizations().empty());
  CHECK(follower->registry().current_key(test::seeded_account(4)) == pub(4));

  // The same changes, then a refused transaction: all of it is undone.
  Block bad = b2;
  bad.txs.push_back(delegate("10.3.0.0/16", 1, 8, 99));  // nonce out of order
  auto [bb, bc] = recertified(bad);
  refused(bb, bc, "nonce 99");

  REQUIRE(test::commit_block(*follower, b2, c2).ok());
  CHECK(follower->state_root() == proposer->state_root());
  CHECK(follower->registry().current_key(test::seeded_account(4)) == pub(9));
}
