// The engine's intake at the edges of a height (issue 20): what it keeps,
// defers (a later copy must count) or ignores, and that it signs only at
// heights whose set holds its key.
#include <doctest/doctest.h>

#include "consensus/engine.h"
#include "consensus/engine_state.h"  // the caps the bounds test reaches
#include "support/consensus_net.h"

using namespace nl;
using namespace nl::consensus;
using namespace nl::test;
using ledger::VoteType;

// issue 20, bug 2: a validator removed by a validator-update kept signing;
// peers refused every vote, banned it, and penalised the honest relays.
TEST_CASE("a validator whose key left the set follows a height without signing, and signs again once back") {
  SoloEngine s(0);
  ledger::ValidatorSet three = s.set;
  three.validators.erase(three.validators.begin());  // validators[0] is this engine's key
  Actions all = s.e->start_height(1, three);
  const Bytes v = value_bytes("a value");
  for (size_t i = 1; i < 4; ++i) append_actions(all, s.deliver(proposal_by(s.seed(i), 1, 0, -1, v)));
  append_actions(all, s.e->on_validated(1, value_id(v), true));
  for (size_t i = 1; i < 4; ++i) append_actions(all, s.deliver(prevote_by(s.seed(i), 1, 0, value_id(v))));
  for (size_t i = 1; i < 4; ++i) append_actions(all, s.deliver(precommit_by(s.seed(i), 1, 0, value_id(v))));
  append_actions(all, s.e->on_timeout({1, 0, Step::propose}));
  CHECK(broadcast_votes(all).empty());
  CHECK(actions_of<Broadcast>(all).empty());
  CHECK(s.wal.size() == 0);
  // It still follows: the height is decided.
  REQUIRE(actions_of<Decided>(all).size() == 1);
  CHECK(actions_of<Decided>(all)[0].decision.value_id == value_id(v));
  // Back in the set at the next height, it votes again.
  s.e->start_height(2, s.set);
  auto a = s.e->on_timeout({2, 0, Step::propose});
  CHECK(has_vote(a, VoteType::prevote, 0, kNilId));
}

// issue 20, bug 2: what a validator of the height before still sends is
// ignored for one height, not refused (the driver penalises refusals).
TEST_CASE("a removed validator's messages are ignored without a refusal for one height, then refused") {
  SoloEngine s(0);
  ledger::ValidatorSet three = s.set;
  three.validators.pop_back();  // validators[3] leaves after height 1
  const uint8_t gone = s.seed(3);
  s.start(1);
  s.e->start_height(2, three);
  const auto x = value_id(value_bytes("x"));
  auto rejected = s.e->stats().messages_rejected;
  s.deliver(prevote_by(gone, 2, 0, x));
  CHECK(s.e->last_intake() == Engine::Intake::ignored);  // the driver neither relays nor penalises it
  s.deliver(proposal_by(gone, 2, 0, -1, value_bytes("x")));
  CHECK(s.e->last_intake() == Engine::Intake::ignored);
  CHECK(s.e->stats().messages_rejected == rejected);
  // A forgery in its name is still refused.
  auto forged = prevote_by(gone, 2, 0, value_id(value_bytes("y")));
  forged.sig.b[5] ^= 1;
  s.deliver(forged);
  CHECK(s.e->stats().messages_rejected == ++rejected);
  s.deliver(prevote_by(150, 2, 0, x));  // never a validator: refused
  CHECK(s.e->stats().messages_rejected == rejected + 1);
  s.e->start_height(3, three);
  s.deliver(prevote_by(gone, 3, 0, x));
  CHECK(s.e->stats().messages_rejected == rejected + 2);
}

// issue 20, bug 1: D prevotes nil to A and Y to B; B relays D's Y vote to A
// before A has the proposal. A dropped it (and the node's seen-filter
// swallowed every later copy), so A's tally for Y stayed at 2 of 4: A
// prevoted nil on every re-proposal of Y with validRound 0 and the height
// never decided. Kept until the proposal arrives, it completes A's polka.
TEST_CASE("an equivocator's vote for a value not yet proposed counts once the proposal comes") {
  SoloEngine s(0);  // A; validators[1] (B) proposes at (1, 0)
  const uint8_t b = s.seed(1), c = s.seed(2), d = s.seed(3);
  const Bytes y = value_bytes("value Y");
  s.start(1);
  CHECK(has_vote(s.e->on_timeout({1, 0, Step::propose}), VoteType::prevote, 0, kNilId));  // Y is late
  s.deliver(prevote_by(d, 1, 0, kNilId));
  Actions all = s.deliver(prevote_by(b, 1, 0, value_id(y)));
  append_actions(all, s.deliver(prevote_by(d, 1, 0, value_id(y))));  // relayed by B, before the proposal
  CHECK(s.e->last_intake() == Engine::Intake::taken);                 // kept: no copy is needed
  append_actions(all, s.deliver(proposal_by(b, 1, 0, -1, y)));
  append_actions(all, s.deliver(prevote_by(c, 1, 0, value_id(y))));
  // B, C and D prevoted Y: A sees the polka (l.36) and asks whether Y is
  // valid; then, still in the prevote step, it locks and precommits Y.
  REQUIRE(actions_of<ValidateValue>(all).size() == 1);
  CHECK(has_vote(s.e->on_validated(1, value_id(y), true), VoteType::precommit, 0, value_id(y)));
}

TEST_CASE("an equivocator's second votes are kept only for values others voted, two at most; the rest deferred") {
  SoloEngine s(0, {}, seeded_set(5));
  const uint8_t d = s.seed(3);
  const auto a = value_id(value_bytes("a")), b = value_id(value_bytes("b")), c = value_id(value_bytes("c"));
  s.start(1);
  s.deliver(prevote_by(s.seed(1), 1, 0, a));
  s.deliver(prevote_by(s.seed(2), 1, 0, b));
  s.deliver(prevote_by(s.seed(4), 1, 0, c));
  s.deliver(prevote_by(d, 1, 0, kNilId));
  // A value nobody else voted: not kept, so it cannot take a slot.
  s.deliver(prevote_by(d, 1, 0, value_id(value_bytes("nobody's"))));
  CHECK(s.e->last_intake() == Engine::Intake::deferred);
  for (const auto& id : {a, b}) {
    s.deliver(prevote_by(d, 1, 0, id));
    CHECK(s.e->last_intake() == Engine::Intake::taken);
  }
  s.deliver(prevote_by(d, 1, 0, c));  // past the two a validator may hold
  CHECK(s.e->last_intake() == Engine::Intake::deferred);
  // A message for a round too far ahead for the engine to keep is deferred too.
  for (uint32_t r = 1; r <= kMaxFutureRoundsPerValidator; ++r) s.deliver(prevote_by(d, 1, 100 + r, kNilId));
  s.deliver(prevote_by(d, 1, 50, kNilId));
  CHECK(s.e->last_intake() == Engine::Intake::deferred);
  // A bad signature is no deferral: it is refused.
  auto bad = prevote_by(d, 1, 0, value_id(value_bytes("x")));
  bad.sig.b[0] ^= 1;
  const auto rejected = s.e->stats().messages_rejected;
  s.deliver(bad);
  CHECK(s.e->last_intake() == Engine::Intake::taken);
  CHECK(s.e->stats().messages_rejected == rejected + 1);
}

namespace {
// The seed of the proposer of (h, r) under `set`.
uint8_t proposer_seed(const ledger::ValidatorSet& set, uint64_t h, uint32_t r) {
  const crypto::PublicKey k = ProposerSchedule(set).at(h, r);
  for (uint8_t seed = 100; seed < 200; ++seed)
    if (seeded_key(seed).public_key() == k) return seed;
  throw std::logic_error("no seed for the proposer");
}
}  // namespace

// issue 20, bug 3: a node at h kept (and relayed) a proposal for h + 1 by a
// validator that is not that round's proposer; peers already at h + 1
// refused it and penalised the honest relay.
TEST_CASE("messages for the next height are checked against its set and proposers before they are kept") {
  SoloEngine s(0);
  ledger::ValidatorSet next = s.set;  // validators[3] leaves at height 2; seed 150 joins
  next.validators.pop_back();
  next.validators.push_back({seeded_key(150).public_key(), 1});
  std::sort(next.validators.begin(), next.validators.end());
  s.e->start_height(1, s.set, next);
  const Bytes v = value_bytes("next");
  const uint8_t owner = proposer_seed(next, 2, 0);
  uint8_t other = 0;
  for (size_t i = 0; i < next.validators.size() && !other; ++i)
    if (seed_at(next, i) != owner) other = seed_at(next, i);

  auto rejected = s.e->stats().messages_rejected;
  s.deliver(proposal_by(other, 2, 0, -1, v));  // not the proposer of (2, 0)
  CHECK(s.e->stats().messages_rejected == ++rejected);
  CHECK(s.e->last_refusal() == Engine::Refusal::unentitled);
  s.deliver(proposal_by(owner, 2, 0, -1, v));
  CHECK(s.e->last_refusal() == Engine::Refusal::none);
  CHECK(s.e->last_intake() == Engine::Intake::taken);
  CHECK(s.e->stats().messages_rejected == rejected);

  // Votes: the joining validator's count already; the leaving one's is refused.
  s.deliver(prevote_by(150, 2, 0, value_id(v)));
  CHECK(s.e->last_intake() == Engine::Intake::taken);
  CHECK(s.e->stats().messages_rejected == rejected);
  s.deliver(prevote_by(s.seed(3), 2, 0, value_id(v)));
  CHECK(s.e->last_refusal() == Engine::Refusal::unentitled);
  CHECK(s.e->stats().messages_rejected == ++rejected);

  // A bad signature is a forgery, whoever relays it.
  auto forged = prevote_by(s.seed(1), 2, 0, value_id(v));
  forged.sig.b[3] ^= 1;
  s.deliver(forged);
  CHECK(s.e->last_refusal() == Engine::Refusal::forged);

  // What was kept counts at height 2: the proposal and the joiner's vote.
  Actions a = s.e->start_height(2, next);
  CHECK(actions_of<ValidateValue>(a).size() == 1);
}

TEST_CASE("without the next set, messages for the next height are checked against this one, as before") {
  SoloEngine s(0);
  s.start(1);
  const Bytes v = value_bytes("next");
  const uint8_t owner = proposer_seed(s.set, 2, 0);
  const uint8_t other = owner == s.seed(1) ? s.seed(2) : s.seed(1);
  s.deliver(proposal_by(other, 2, 0, -1, v));  // the proposer cannot be checked yet: kept
  CHECK(s.e->last_intake() == Engine::Intake::taken);
  s.deliver(prevote_by(150, 2, 0, value_id(v)));  // maybe a joiner: deferred, no refusal
  CHECK(s.e->last_intake() == Engine::Intake::deferred);
  CHECK(s.e->last_refusal() == Engine::Refusal::none);
}
