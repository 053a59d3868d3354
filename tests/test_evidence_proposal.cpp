// Proposal equivocation as evidence: the encoding (kind byte 3 where vote
// evidence has its vote type), the check (the round's proposer, two values,
// both signatures under the genesis hash), and the rules that commit it
// once, under its own state key, queryable and shown with its kind.
#include <doctest/doctest.h>

#include "ledger/chain.h"
#include "ledger/proposal_sign_bytes.h"
#include "ledger/proposer_schedule.h"
#include "ledger/state_keys.h"
#include "node/client/json_views.h"
#include "support/chain_fixture.h"
#include "support/fixtures.h"

using namespace nl;
using namespace nl::ledger;
using test::certify;

namespace {

crypto::SecretKey key(uint8_t fill) { return test::seeded_key(fill); }
crypto::PublicKey pub(uint8_t fill) { return key(fill).public_key(); }

const ValidatorSet& test_set() {
  static const ValidatorSet set = test::test_genesis(4).validators;
  return set;
}

// The seed (100..103) of the proposer of (height, round) in test_genesis(4).
uint8_t proposer_seed(uint64_t height, uint32_t round) {
  const crypto::PublicKey k = ProposerSchedule(test_set()).at(height, round);
  for (uint8_t s = 100; s < 104; ++s)
    if (pub(s) == k) return s;
  FAIL("no proposer");
  return 0;
}

ProposalHalf half(uint8_t signer, uint64_t height, uint32_t round, const char* value, int32_t pol = -1,
                  const crypto::Hash32& genesis = test::test_genesis_hash()) {
  const auto id = crypto::sha256(as_bytes(value));
  return {pol, id, key(signer).sign(proposal_sign_bytes(genesis, height, round, pol, id))};
}

ProposalEvidence double_proposal(uint8_t signer, uint64_t height, uint32_t round, const char* a = "block-a",
                                 const char* b = "block-b") {
  return ProposalEvidence::make(height, round, pub(signer), half(signer, height, round, a),
                                half(signer, height, round, b))
      .value();
}

// The proposer of (h, r) signing two values.
ProposalEvidence by_proposer(uint64_t h, uint32_t r, const char* a = "block-a", const char* b = "block-b") {
  return double_proposal(proposer_seed(h, r), h, r, a, b);
}

struct Fx : test::EvidenceChainFixture {
  Fx() : EvidenceChainFixture("nl-evidence-proposal") {}
};

bool has(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("proposal evidence: byte layout, kind byte 12, one encoding, strict decoding") {
  Evidence ev = by_proposer(3, 1);
  const Bytes bytes = ev.encode();
  // height || round || kind || proposer || 2 x (pol_round || value id || signature)
  CHECK(bytes.size() == 8 + 4 + 1 + 32 + 2 * (4 + 32 + 64));
  CHECK(bytes[kEvidenceKindOffset] == 3);
  Writer w;
  const auto& p = *ev.proposal();
  w.u64(3).u32(1).u8(3).fixed(p.proposer.b);
  for (const auto* h : {&p.a, &p.b}) w.u32(static_cast<uint32_t>(h->pol_round)).fixed(h->value_id.b).fixed(h->sig.b);
  CHECK(bytes == w.data());
  auto back = Evidence::decode(bytes);
  REQUIRE(back.ok());
  CHECK(*back == ev);
  CHECK(back->kind() == EvidenceKind::proposal);
  CHECK(back->offender() == p.proposer);
  CHECK(back->state_key() == keys::evidence(p.proposer, 3, 1, 3));

  // The swapped pair is not a second encoding; nor is one value twice.
  ProposalEvidence swapped = p;
  std::swap(swapped.a, swapped.b);
  auto r = Evidence::decode(Evidence(swapped).encode());
  REQUIRE(!r.ok());
  CHECK(has(r.error(), "canonical order"));
  CHECK(!ProposalEvidence::make(3, 1, p.proposer, p.a, p.a).ok());
  // Kinds other than 1, 2 and 3 are refused.
  for (uint8_t k : {0, 4, 255}) {
    Bytes other = bytes;
    other[kEvidenceKindOffset] = k;
    auto o = Evidence::decode(other);
    REQUIRE(!o.ok());
    CHECK(has(o.error(), "unknown evidence kind"));
  }
  // Vote evidence has its vote type at byte 12.
  auto v = [](const char* b) {
    return SignedVote::make(test::test_genesis_hash(), 3, 1, VoteType::prevote, crypto::sha256(as_bytes(b)), key(101));
  };
  Evidence votes = VoteEvidence::make(v("a"), v("b")).value();
  CHECK(votes.encode()[kEvidenceKindOffset] == 1);
  CHECK(votes.kind() == EvidenceKind::prevote);
  CHECK(Evidence::decode(votes.encode()).value() == votes);
}

TEST_CASE("proposal evidence: checks the round's proposer, the pol_rounds and both signatures") {
  const auto& g = test::test_genesis_hash();
  CHECK(Evidence(by_proposer(3, 1)).check(g, test_set()).ok());
  CHECK(Evidence(by_proposer(7, 2)).check(g, test_set()).ok());
  // Signed for another chain.
  CHECK(!Evidence(by_proposer(3, 1)).check(test::test_genesis_hash(3), test_set()).ok());
  // A forged second signature.
  auto forged = by_proposer(3, 1);
  forged.b.sig.b[9] ^= 1;
  CHECK(has(Evidence(forged).check(g, test_set()).error(), "does not verify"));
  // A validator that is not the proposer of that round.
  const uint8_t other = proposer_seed(3, 1) == 100 ? 101 : 100;
  CHECK(has(Evidence(double_proposal(other, 3, 1)).check(g, test_set()).error(), "not the proposer"));
  // Not a validator at all.
  CHECK(has(Evidence(double_proposal(77, 3, 1)).check(g, test_set()).error(), "not a validator"));
  // A pol_round the engine would refuse (not below the round).
  const uint8_t s = proposer_seed(3, 1);
  auto bad_pol = ProposalEvidence::make(3, 1, pub(s), half(s, 3, 1, "a", 1), half(s, 3, 1, "b")).value();
  CHECK(has(Evidence(bad_pol).check(g, test_set()).error(), "pol_round"));
  auto good_pol = ProposalEvidence::make(3, 1, pub(s), half(s, 3, 1, "a", 0), half(s, 3, 1, "b")).value();
  CHECK(Evidence(good_pol).check(g, test_set()).ok());
}

TEST_CASE_FIXTURE(Fx, "proposal evidence: committed once beside vote evidence, queryable, kept on reopen") {
  next();
  next();
  Evidence ev = by_proposer(1, 0);
  const auto proposer = ev.offender();
  // A double vote by the same validator in the same round is another equivocation.
  auto v = [&](const char* b) {
    return SignedVote::make(test::test_genesis_hash(), 1, 0, VoteType::prevote, crypto::sha256(as_bytes(b)),
                            key(proposer_seed(1, 0)));
  };
  Evidence votes = VoteEvidence::make(v("a"), v("b")).value();
  auto p = next({ev, votes});
  REQUIRE(p.rejected_evidence.empty());
  CHECK(p.block.evidence.size() == 2);
  CHECK(p.block.header.evidence_root == evidence_root({ev, votes}));
  auto mine = chain->registry().evidence_of(proposer);
  REQUIRE(mine.size() == 2);
  // Key order: prevote (kind 1) before proposal (kind 3).
  CHECK(mine[0].evidence == votes);
  CHECK(mine[1].evidence == ev);
  CHECK(mine[1].committed_height == 3);
  auto entry = chain->store().state_value(keys::evidence(proposer, 1, 0, 3));
  REQUIRE(entry.ok());
  REQUIRE(entry->has_value());

  // The same equivocation again, by another pair of values: already committed.
  CHECK(has(refusal(by_proposer(1, 0, "block-c", "block-d")), "already committed at height 3"));
  CHECK(has(refusal(by_proposer(1, 0, "block-c", "block-d")), "(proposal)"));
  // Not yet due, and not by the round's proposer.
  CHECK(has(refusal(by_proposer(chain->height() + 1, 0)), "earlier heights"));
  const uint8_t other = proposer_seed(2, 0) == 100 ? 101 : 100;
  CHECK(has(refusal(double_proposal(other, 2, 0)), "not the proposer"));

  // The JSON view says which kind it is.
  auto j = node::evidence_json(ev, 3);
  CHECK(j["kind"] == "proposal");
  CHECK(!j.contains("type"));
  CHECK(j["block_hash_a"] == ev.proposal()->a.value_id.hex());
  CHECK(j["pol_round_b"] == -1);
  CHECK(node::evidence_json(votes)["kind"] == "prevote");

  open();
  CHECK(chain->registry().evidence_of(proposer).size() == 2);
  CHECK(chain->registry().check_invariants().ok());
}

TEST_CASE("proposal evidence: older than kEvidenceMaxAge heights is refused") {
  Registry reg(test::kTestChain, test::test_genesis_hash());
  REQUIRE(reg.set_genesis_validators(test_set()).ok());
  auto old = reg.apply_evidence(by_proposer(1, 0), BlockContext{kEvidenceMaxAge + 2, 0});
  REQUIRE(!old.ok());
  CHECK(has(old.error(), "too old"));
  CHECK(reg.apply_evidence(by_proposer(1, 0), BlockContext{kEvidenceMaxAge + 1, 0}).ok());
  CHECK(reg.check_invariants().ok());
}
