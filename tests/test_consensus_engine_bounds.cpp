// The engine's limits and edges: the height + 1 buffer, the cap on rounds
// ahead per validator, a proposer's restart, stale driver answers, what it
// offers for re-gossip, proposals whose bytes are not their id, rounds past
// the signed 32-bit range, a bad set from the driver, and the vote tallies.
#include <doctest/doctest.h>

#include "consensus/engine.h"
#include "consensus/vote_set.h"
#include "support/consensus_net.h"

using namespace nl;
using namespace nl::consensus;
using namespace nl::test;
using ledger::VoteType;

namespace {

// Decides height 1 of `s` by a catch-up decision from validators 1-3.
void decide_height_one(SoloEngine& s) {
  const Bytes X = value_bytes("one");
  auto d = s.deliver(Decision{1, value_id(X), X, cert_by({s.seed(1), s.seed(2), s.seed(3)}, 1, 0, value_id(X))});
  REQUIRE(actions_of<Decided>(d).size() == 1);
}

}  // namespace

TEST_CASE("the height + 1 buffer holds at most max_future_messages") {
  SoloEngine s(0);  // validators[2] proposes at (2, 0)
  s.cfg.max_future_messages = 1;
  s.e = std::make_unique<Engine>(s.cfg, s.wal);
  s.start(1);
  const Bytes V = value_bytes("two");
  s.deliver(proposal_by(s.seed(2), 2, 0, -1, V));
  s.deliver(prevote_by(s.seed(1), 2, 0, value_id(V)));  // over the cap: dropped
  decide_height_one(s);

  REQUIRE(actions_of<ValidateValue>(s.start(2)).size() == 1);
  CHECK(has_vote(s.e->on_validated(2, value_id(V), true), VoteType::prevote, 0, value_id(V)));
  // Ours and validators[3]'s: 2 of 4, so validators[1]'s was not kept.
  CHECK(broadcast_votes(s.deliver(prevote_by(s.seed(3), 2, 0, value_id(V)))).empty());
  CHECK(has_vote(s.deliver(prevote_by(s.seed(1), 2, 0, value_id(V))), VoteType::precommit, 0, value_id(V)));
}

TEST_CASE("a decision for the next height is replayed when it starts") {
  SoloEngine s(0);
  s.start(1);
  const Bytes Y = value_bytes("two");
  Decision next{2, value_id(Y), Y, cert_by({s.seed(0), s.seed(1), s.seed(3)}, 2, 4, value_id(Y))};
  CHECK(s.deliver(next).empty());
  decide_height_one(s);
  auto d = actions_of<Decided>(s.start(2));
  REQUIRE(d.size() == 1);
  CHECK(d[0].decision == next);
  CHECK(s.e->decided());
}

TEST_CASE("a validator holds messages in at most 4 rounds ahead, keeping the newest") {
  SoloEngine s(0);
  s.start(1);
  for (uint32_t r = 10; r <= 15; ++r) CHECK(s.deliver(prevote_by(s.seed(1), 1, r, kNilId)).empty());
  CHECK(s.e->round() == 0);
  // validators[1] now holds rounds 12-15: its votes for 10 and 11 are gone,
  // and an older round than those it holds is not taken.
  s.deliver(prevote_by(s.seed(1), 1, 11, kNilId));
  s.deliver(prevote_by(s.seed(2), 1, 10, kNilId));
  s.deliver(prevote_by(s.seed(2), 1, 11, kNilId));
  CHECK(s.e->round() == 0);
  // Round 13 has two validators: f+1, so the engine moves there.
  s.deliver(prevote_by(s.seed(2), 1, 13, kNilId));
  CHECK(s.e->round() == 13);
}

TEST_CASE("a proposer restarted mid-round re-sends its proposal instead of asking for a value") {
  SoloEngine s(1);  // proposer at (1, 0)
  REQUIRE(actions_of<RequestValue>(s.start(1)).size() == 1);
  const Bytes V = value_bytes("V");
  auto a = s.e->on_value_ready(1, 0, value_id(V), V);
  auto sent = actions_of<Broadcast>(a);
  REQUIRE(sent.size() == 1);
  REQUIRE(std::holds_alternative<Proposal>(sent[0].msg));

  auto e2 = s.restart();
  REQUIRE(e2);
  a = e2->start_height(1, s.set);
  CHECK(actions_of<RequestValue>(a).empty());
  auto again = actions_of<Broadcast>(a);
  REQUIRE(again.size() == 1);
  CHECK(again[0].msg == sent[0].msg);
  CHECK(e2->messages_to_regossip().front() == sent[0].msg);
}

TEST_CASE("stale or unasked driver answers change nothing") {
  SoloEngine s(1);
  s.start(1);
  const Bytes V = value_bytes("V");
  CHECK(s.e->on_value_ready(1, 1, value_id(V), V).empty());  // not the round asked for
  CHECK(s.e->on_value_ready(2, 0, value_id(V), V).empty());
  CHECK(s.e->on_value_ready(1, 0, kNilId, V).empty());  // a value id cannot be nil
  CHECK(s.e->on_validated(1, value_id(V), true).empty());  // never asked
  auto a = s.e->on_value_ready(1, 0, value_id(V), V);
  CHECK(actions_of<Broadcast>(a).size() == 1);
  CHECK(s.e->on_value_ready(1, 0, value_id(V), V).empty());  // asked once, answered once
  CHECK(has_vote(s.e->on_validated(1, value_id(V), true), VoteType::prevote, 0, value_id(V)));
  CHECK(s.e->on_validated(1, value_id(V), false).empty());  // already answered
}

TEST_CASE("an engine that was never started ignores everything") {
  SoloEngine s(0);
  CHECK(s.deliver(prevote_by(s.seed(1), 1, 0, kNilId)).empty());
  CHECK(s.e->on_timeout({0, 0, Step::propose}).empty());
  CHECK(s.e->messages_to_regossip().empty());
  CHECK(s.wal.size() == 0);
}

TEST_CASE("re-gossip holds own recent messages, the current proposal and the polka behind it") {
  SoloEngine s(0);
  const Bytes A = value_bytes("A");
  s.start(1);
  const Proposal p = proposal_by(s.seed(1), 1, 0, -1, A);
  s.deliver(p);
  auto mine = broadcast_votes(s.e->on_validated(1, value_id(A), true));
  REQUIRE(mine.size() == 1);
  auto re = s.e->messages_to_regossip();
  REQUIRE(re.size() == 2);
  CHECK(std::find(re.begin(), re.end(), Message(p)) != re.end());
  CHECK(std::find(re.begin(), re.end(), Message(mine[0])) != re.end());

  s.deliver(prevote_by(s.seed(1), 1, 4, kNilId));
  s.deliver(prevote_by(s.seed(2), 1, 4, kNilId));
  REQUIRE(s.e->round() == 4);
  CHECK(s.e->messages_to_regossip().empty());  // round 0 is older than the previous round

  // A proposal with pol_round 2 comes with the polka l.28 needs from round 2.
  const Bytes W = value_bytes("W");
  for (size_t i : {1, 2, 3}) s.deliver(prevote_by(s.seed(i), 1, 2, value_id(W)));
  const Proposal q = proposal_by(s.seed(1), 1, 4, 2, W);  // validators[1] proposes at (1, 4)
  s.deliver(q);
  re = s.e->messages_to_regossip();
  CHECK(re.size() == 4);
  CHECK(std::find(re.begin(), re.end(), Message(q)) != re.end());
  for (size_t i : {1, 2, 3})
    CHECK(std::find(re.begin(), re.end(), Message(prevote_by(s.seed(i), 1, 2, value_id(W)))) != re.end());
}

TEST_CASE("vote set: one counted vote per validator, conflicting votes in their value's tally only") {
  auto set = seeded_set(4);
  const auto A = value_id(value_bytes("A")), B = value_id(value_bytes("B"));
  const uint8_t v1 = seed_at(set, 1), v2 = seed_at(set, 2);
  VoteSet vs;
  const ledger::SignedVote* earlier = nullptr;
  CHECK(vs.add(prevote_by(v1, 1, 0, A), 2, &earlier) == VoteSet::Added::counted);
  CHECK(vs.add(prevote_by(v1, 1, 0, A), 2, &earlier) == VoteSet::Added::duplicate);
  CHECK(vs.add(prevote_by(v1, 1, 0, B), 2, &earlier) == VoteSet::Added::conflict);
  REQUIRE(earlier);
  CHECK(earlier->block_hash == A);
  CHECK(vs.power() == 2);
  CHECK(vs.power_for(B) == 0);
  CHECK(!vs.contains(prevote_by(v1, 1, 0, B)));
  CHECK(vs.add_conflicting(prevote_by(v1, 1, 0, B), 2));
  CHECK(!vs.add_conflicting(prevote_by(v1, 1, 0, B), 2));
  CHECK(vs.contains(prevote_by(v1, 1, 0, B)));
  CHECK(vs.power() == 2);
  CHECK(vs.power_for(A) == 2);
  CHECK(vs.power_for(B) == 2);
  CHECK(vs.add(prevote_by(v2, 1, 0, B), 1, nullptr) == VoteSet::Added::counted);
  CHECK(vs.power() == 3);
  CHECK(vs.votes_for(B).size() == 2);
  CHECK(vs.signatures_for(B).size() == 2);
  // 3 of 4 is more than 2/3; 2 of 3 is not.
  CHECK(vs.two_thirds_value(4) == B);
  CHECK(more_than_two_thirds(3, 4));
  CHECK(!more_than_two_thirds(2, 3));
  CHECK(more_than_one_third(2, 4));
  CHECK(!more_than_one_third(1, 3));
  vs.remove(seeded_key(v1).public_key());
  CHECK(vs.power() == 1);
  CHECK(vs.power_for(A) == 0);
  CHECK(vs.power_for(B) == 1);
}

TEST_CASE("a proposal whose bytes are not its signed id is refused; the real one still counts") {
  SoloEngine s(0);  // validators[1] proposes at (1, 0)
  s.start(1);
  const Bytes A = value_bytes("A");
  const auto real = proposal_by(s.seed(1), 1, 0, -1, A);
  auto swapped = real;  // a relay keeps the signature and swaps the value
  swapped.value = value_bytes("swapped");
  CHECK(actions_of<ValidateValue>(s.deliver(swapped)).empty());
  CHECK(s.e->stats().messages_rejected == 1);
  auto asked = actions_of<ValidateValue>(s.deliver(real));
  REQUIRE(asked.size() == 1);
  CHECK(asked[0].value == A);
  CHECK(has_vote(s.e->on_validated(1, value_id(A), true), VoteType::prevote, 0, value_id(A)));
}

TEST_CASE("a restarted proposer offers the polka behind its validValue, even a vote only it had") {
  SoloEngine s(0);  // validators[1] proposes at (1, 0), validators[0] (this engine) at (1, 3)
  s.start(1);
  const Bytes A = value_bytes("A");
  s.deliver(proposal_by(s.seed(1), 1, 0, -1, A));
  s.e->on_validated(1, value_id(A), true);
  s.deliver(prevote_by(s.seed(1), 1, 0, value_id(A)));
  // validators[3] sends its prevote to this engine alone: the polka rests on it.
  REQUIRE(has_vote(s.deliver(prevote_by(s.seed(3), 1, 0, value_id(A))), VoteType::precommit, 0, value_id(A)));
  for (uint32_t r = 0; r < 3; ++r) {
    s.e->on_timeout({1, r, Step::precommit});
    s.e->on_timeout({1, r + 1, Step::propose});
    s.e->on_timeout({1, r + 1, Step::prevote});
  }
  REQUIRE(s.e->round() == 3);

  auto e2 = s.restart();
  REQUIRE(e2);
  Actions all = e2->start_height(1, s.set);
  CHECK(e2->round() == 3);
  // It proposes (A, validRound 0) again; peers need the whole polka of round 0.
  auto offered = e2->messages_to_regossip();
  CHECK(std::find(offered.begin(), offered.end(), Message(prevote_by(s.seed(3), 1, 0, value_id(A)))) !=
        offered.end());
  CHECK(std::find(offered.begin(), offered.end(), Message(prevote_by(s.seed(1), 1, 0, value_id(A)))) !=
        offered.end());
  // And the proposer, too, has a timeoutPropose: it moves on if it cannot prevote.
  bool timeout = false;
  for (const auto& t : actions_of<ScheduleTimeout>(all))
    timeout |= t.timeout == Timeout{1, 3, Step::propose};
  CHECK(timeout);
}

TEST_CASE("messages for the next height beyond its first rounds are not buffered") {
  SoloEngine s(0);
  s.start(1);
  const auto id = value_id(value_bytes("next"));
  // f+1 validators at (2, 5): would skip the next height to round 5.
  s.deliver(prevote_by(s.seed(1), 2, 5, id));
  s.deliver(prevote_by(s.seed(2), 2, 5, id));
  // f+1 at (2, 3): within the first kMaxFutureRoundsPerValidator rounds, kept.
  s.deliver(prevote_by(s.seed(1), 2, 3, id));
  s.deliver(prevote_by(s.seed(2), 2, 3, id));
  decide_height_one(s);
  s.start(2);
  CHECK(s.e->round() == 3);
}

TEST_CASE("votes past the signed 32-bit round range are refused") {
  SoloEngine s(0);
  s.start(1);
  const auto before = s.e->stats().messages_rejected;
  s.deliver(prevote_by(s.seed(1), 1, 0x80000000u, value_id(value_bytes("far"))));
  CHECK(s.e->stats().messages_rejected == before + 1);
}

TEST_CASE("a set that fails validation from the driver throws and leaves the engine as it was") {
  SoloEngine s(0);
  s.start(1);
  CHECK_THROWS_AS(s.e->start_height(2, ledger::ValidatorSet{}), std::invalid_argument);
  CHECK(s.e->height() == 1);
  // Still working: a catch-up decision for height 1 decides it.
  decide_height_one(s);
  CHECK(s.e->decided());
}
