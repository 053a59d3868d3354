// The engine reports a proposer that signs two proposals for one (height,
// round) with different values as evidence the ledger accepts, once per
// round, and keeps the first proposal; other second proposals are not
// evidence.
#include <doctest/doctest.h>

#include "consensus/engine.h"
#include "consensus/proposer.h"
#include "support/consensus_net.h"

using namespace nl;
using namespace nl::consensus;
using namespace nl::test;
using ledger::VoteType;

namespace {

// The index in s.set of the proposer of (h, r).
size_t proposer_index(const SoloEngine& s, uint64_t h, uint32_t r) {
  const crypto::PublicKey k = ProposerSchedule(s.set).at(h, r);
  for (size_t i = 0; i < s.set.validators.size(); ++i)
    if (s.set.validators[i].key == k) return i;
  FAIL("no proposer");
  return 0;
}

}  // namespace

TEST_CASE("engine: two proposals by the round's proposer for different values are evidence, once") {
  SoloEngine s(0);
  s.start(1);
  const size_t p = proposer_index(s, 1, 0);
  REQUIRE(p != 0);  // someone else proposes (1, 0)
  const Bytes A = value_bytes("A"), B = value_bytes("B"), C = value_bytes("C");
  CHECK(actions_of<EvidenceFound>(s.deliver(proposal_by(s.seed(p), 1, 0, -1, A))).empty());
  auto ev = actions_of<EvidenceFound>(s.deliver(proposal_by(s.seed(p), 1, 0, -1, B)));
  REQUIRE(ev.size() == 1);
  const ledger::Evidence& e = ev[0].evidence;
  REQUIRE(e.proposal());
  CHECK(e.kind() == ledger::EvidenceKind::proposal);
  CHECK(e.offender() == seeded_key(s.seed(p)).public_key());
  CHECK(e.height() == 1);
  CHECK(e.round() == 0);
  CHECK(e.proposal()->a.value_id < e.proposal()->b.value_id);
  // What the ledger checks: the signed bytes are the engine's.
  CHECK(e.check(test_genesis_hash(), s.set).ok());
  CHECK(ledger::Evidence::decode(e.encode()).value() == e);
  // Once per round: a third value, or the second again, reports nothing.
  CHECK(actions_of<EvidenceFound>(s.deliver(proposal_by(s.seed(p), 1, 0, -1, C))).empty());
  CHECK(actions_of<EvidenceFound>(s.deliver(proposal_by(s.seed(p), 1, 0, -1, B))).empty());
  // The first proposal stays the round's: the engine prevotes A once it is valid.
  CHECK(has_vote(s.e->on_validated(1, value_id(A), true), VoteType::prevote, 0, value_id(A)));
}

TEST_CASE("engine: second proposals that are not equivocation by the proposer are not evidence") {
  SoloEngine s(0);
  s.start(1);
  const size_t p = proposer_index(s, 1, 0);
  REQUIRE(p != 0);
  const size_t other = p == 1 ? 2 : 1;
  const Bytes A = value_bytes("A"), B = value_bytes("B");
  // A validator that is not the round's proposer: both refused.
  CHECK(actions_of<EvidenceFound>(s.deliver(proposal_by(s.seed(other), 1, 0, -1, A))).empty());
  CHECK(actions_of<EvidenceFound>(s.deliver(proposal_by(s.seed(other), 1, 0, -1, B))).empty());
  // The proposer's first, then a second with a broken signature.
  CHECK(actions_of<EvidenceFound>(s.deliver(proposal_by(s.seed(p), 1, 0, -1, A))).empty());
  Proposal forged = proposal_by(s.seed(p), 1, 0, -1, B);
  forged.sig.b[3] ^= 1;
  CHECK(actions_of<EvidenceFound>(s.deliver(forged)).empty());
  // Bytes that are not the signed value id.
  Proposal swapped = proposal_by(s.seed(p), 1, 0, -1, B);
  swapped.value = value_bytes("not B");
  CHECK(actions_of<EvidenceFound>(s.deliver(swapped)).empty());
  // The same proposal again.
  CHECK(actions_of<EvidenceFound>(s.deliver(proposal_by(s.seed(p), 1, 0, -1, A))).empty());
  CHECK(s.e->stats().messages_rejected >= 4);
}
