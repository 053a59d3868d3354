// The Tendermint engine (consensus/engine.h) driven by hand: one engine fed
// crafted messages from seeded validator keys, or four engines on the tiny
// instant network of support/consensus_net.h.
#include <doctest/doctest.h>

#include <set>

#include "consensus/action_dispatch.h"
#include "consensus/engine.h"
#include "support/consensus_net.h"

using namespace nl;
using namespace nl::consensus;
using namespace nl::test;
using ledger::VoteType;

TEST_CASE("four honest validators and an observer decide the same value in round 0") {
  auto set = seeded_set(4);
  ConsensusNet net(set, /*observers=*/1);
  for (uint64_t h = 1; h <= 3; ++h) {
    CAPTURE(h);
    net.start(h);
    REQUIRE(net.run());
    const Decision& d = net.node(0).decisions.back();
    for (size_t i = 0; i < net.size(); ++i) {
      REQUIRE(net.node(i).decisions.size() == h);
      const Decision& mine = net.node(i).decisions.back();
      CHECK(mine.height == h);
      CHECK(mine.value_id == d.value_id);
      CHECK(mine.value == d.value);
      // Each node certifies with the precommits it had: sets may differ.
      CHECK(mine.cert.block_hash == d.value_id);
      CHECK(set.verify_commit(test_genesis_hash(), mine.cert).ok());
    }
    CHECK(d.height == h);
    CHECK(d.cert.round == 0);
    CHECK(d.value == net.make_value((h + 0) % 4, h, 0));  // validators[(h + r) % 4] proposes
    CHECK(d.value_id == value_id(d.value));
    CHECK(set.verify_commit(test_genesis_hash(), d.cert).ok());
    CHECK(d.cert.votes.size() >= 3);
    for (size_t k = 1; k < d.cert.votes.size(); ++k) CHECK(d.cert.votes[k - 1].validator < d.cert.votes[k].validator);
  }
  for (size_t i = 0; i < 4; ++i) {
    CHECK(net.node(i).engine->stats().rounds_started == 3);
    CHECK(net.node(i).engine->stats().messages_rejected == 0);
    CHECK(net.node(i).engine->stats().signs_refused == 0);
  }
  CHECK(net.node(4).sent.empty());  // the observer never signs
  CHECK(net.node(4).wal.size() == 0);
}

TEST_CASE("an invalid value is prevoted nil and the next proposer's value is decided") {
  auto set = seeded_set(4);
  ConsensusNet net(set);
  net.make_value = [](size_t, uint64_t, uint32_t r) {
    return value_bytes(r == 0 ? "bad block" : "good block r" + std::to_string(r));
  };
  net.start(1);
  REQUIRE(net.run());
  for (size_t i = 0; i < 4; ++i) {
    const Decision& d = net.node(i).decisions.at(0);
    CHECK(d.cert.round == 1);
    CHECK(d.value == value_bytes("good block r1"));
    CHECK(net.node(i).engine->stats().rounds_started == 2);
    int round0_prevotes = 0;
    for (const auto& m : net.node(i).sent)
      if (const auto* v = std::get_if<ledger::SignedVote>(&m); v && v->round == 0) {
        CHECK(v->is_nil());  // the proposer of the bad value too
        round0_prevotes += v->type == VoteType::prevote;
      }
    CHECK(round0_prevotes == 1);
  }
  // Round 1 belongs to validators[2].
  bool proposed = false;
  for (const auto& m : net.node(2).sent)
    if (const auto* p = std::get_if<Proposal>(&m)) proposed |= p->round == 1;
  CHECK(proposed);
}

TEST_CASE("timeouts are base + round * delta and stale ones change nothing") {
  TimeoutConfig t{100, 10, 200, 20, 300, 30};
  CHECK(t.delay(Step::prevote, 5) == 300);
  TimeoutConfig huge{1, UINT64_MAX / 2, 1, 1, 1, 1};
  CHECK(huge.delay(Step::propose, 7) == UINT64_MAX);  // saturates, never wraps short

  SoloEngine s(0, t);  // validators[1] proposes at (1, 0)
  auto sched = actions_of<ScheduleTimeout>(s.start(1));
  REQUIRE(sched.size() == 1);
  CHECK(sched[0].timeout == Timeout{1, 0, Step::propose});
  CHECK(sched[0].delay_ms == 100);

  CHECK(s.e->on_timeout({2, 0, Step::propose}).empty());
  CHECK(s.e->on_timeout({1, 1, Step::propose}).empty());
  CHECK(s.e->on_timeout({1, 0, Step::prevote}).empty());
  CHECK(s.e->step() == Step::propose);

  // l.57-60: no proposal in time: prevote nil.
  auto a = s.e->on_timeout({1, 0, Step::propose});
  CHECK(has_vote(a, VoteType::prevote, 0, kNilId));
  CHECK(s.e->step() == Step::prevote);
  CHECK(s.e->on_timeout({1, 0, Step::propose}).empty());

  // l.34-35: 2f+1 prevotes of any kind start the prevote timer.
  const auto x = value_id(value_bytes("x"));
  CHECK(s.deliver(prevote_by(s.seed(1), 1, 0, x)).empty());
  sched = actions_of<ScheduleTimeout>(s.deliver(prevote_by(s.seed(2), 1, 0, x)));
  REQUIRE(sched.size() == 1);
  CHECK(sched[0].timeout == Timeout{1, 0, Step::prevote});
  CHECK(sched[0].delay_ms == 200);

  a = s.e->on_timeout({1, 0, Step::prevote});  // l.61-64
  CHECK(has_vote(a, VoteType::precommit, 0, kNilId));
  CHECK(s.e->step() == Step::precommit);

  CHECK(s.deliver(precommit_by(s.seed(1), 1, 0, kNilId)).empty());
  sched = actions_of<ScheduleTimeout>(s.deliver(precommit_by(s.seed(2), 1, 0, x)));
  REQUIRE(sched.size() == 1);  // l.47-48
  CHECK(sched[0].timeout == Timeout{1, 0, Step::precommit});
  CHECK(sched[0].delay_ms == 300);

  sched = actions_of<ScheduleTimeout>(s.e->on_timeout({1, 0, Step::precommit}));  // l.65-67
  CHECK(s.e->round() == 1);
  REQUIRE(sched.size() == 1);
  CHECK(sched[0].timeout == Timeout{1, 1, Step::propose});
  CHECK(sched[0].delay_ms == 110);

  CHECK(s.e->on_timeout({1, 0, Step::precommit}).empty());
  CHECK(s.e->round() == 1);
  sched = actions_of<ScheduleTimeout>(s.e->on_timeout({1, 1, Step::precommit}));
  CHECK(s.e->round() == 2);
  REQUIRE(sched.size() == 1);
  CHECK(sched[0].delay_ms == 120);
  CHECK(s.e->stats().rounds_started == 3);
}

TEST_CASE("a locked validator prevotes another value only after a newer polka") {
  SoloEngine s(0);  // proposers: (1,0) validators[1], (1,1) [2], (1,2) [3]
  const Bytes A = value_bytes("value A"), B = value_bytes("value B");
  s.start(1);
  auto a = s.deliver(proposal_by(s.seed(1), 1, 0, -1, A));
  REQUIRE(actions_of<ValidateValue>(a).size() == 1);
  CHECK(has_vote(s.e->on_validated(1, value_id(A), true), VoteType::prevote, 0, value_id(A)));
  s.deliver(prevote_by(s.seed(1), 1, 0, value_id(A)));
  a = s.deliver(prevote_by(s.seed(2), 1, 0, value_id(A)));
  CHECK(has_vote(a, VoteType::precommit, 0, value_id(A)));  // l.36-41: lock A

  // The lock went to the WAL before the precommit.
  auto entries = s.wal.load();
  REQUIRE(entries.ok());
  REQUIRE(entries->size() == 3);
  const auto* lock = std::get_if<LockRecord>(&(*entries)[1]);
  REQUIRE(lock);
  CHECK(lock->locked_round == 0);
  CHECK(lock->locked_id == value_id(A));
  CHECK(lock->valid_round == 0);
  CHECK(std::holds_alternative<ledger::SignedVote>((*entries)[2]));

  s.deliver(precommit_by(s.seed(1), 1, 0, kNilId));
  s.deliver(precommit_by(s.seed(2), 1, 0, kNilId));
  s.e->on_timeout({1, 0, Step::precommit});
  REQUIRE(s.e->round() == 1);

  // l.22-27: B with no polka: the lock refuses it, without asking valid(B).
  a = s.deliver(proposal_by(s.seed(2), 1, 1, -1, B));
  CHECK(has_vote(a, VoteType::prevote, 1, kNilId));
  CHECK(actions_of<ValidateValue>(a).empty());
  s.e->on_timeout({1, 1, Step::precommit});
  REQUIRE(s.e->round() == 2);

  SUBCASE("a polka for B in round 1 > lockedRound 0 releases the lock (l.28-33)") {
    CHECK(broadcast_votes(s.deliver(proposal_by(s.seed(3), 1, 2, 1, B))).empty());  // no polka seen yet
    s.deliver(prevote_by(s.seed(1), 1, 1, value_id(B)));
    s.deliver(prevote_by(s.seed(2), 1, 1, value_id(B)));
    a = s.deliver(prevote_by(s.seed(3), 1, 1, value_id(B)));
    CHECK(broadcast_votes(a).empty());
    REQUIRE(actions_of<ValidateValue>(a).size() == 1);
    CHECK(has_vote(s.e->on_validated(1, value_id(B), true), VoteType::prevote, 2, value_id(B)));
  }
  SUBCASE("B claiming a polka in round 0, where A had it, gets no prevote for B") {
    a = s.deliver(proposal_by(s.seed(3), 1, 2, 0, B));
    CHECK(broadcast_votes(a).empty());
    a = s.e->on_timeout({1, 2, Step::propose});
    CHECK(has_vote(a, VoteType::prevote, 2, kNilId));
  }
  SUBCASE("the locked value proposed again is prevoted") {
    a = s.deliver(proposal_by(s.seed(3), 1, 2, -1, A));
    CHECK(has_vote(a, VoteType::prevote, 2, value_id(A)));
  }
}

TEST_CASE("f+1 voting power in a higher round moves to that round") {
  SoloEngine s(0);
  s.start(1);
  CHECK(s.deliver(prevote_by(s.seed(1), 1, 2, kNilId)).empty());
  CHECK(s.deliver(precommit_by(s.seed(1), 1, 2, kNilId)).empty());  // same validator: still 1/4
  CHECK(s.e->round() == 0);
  auto sched = actions_of<ScheduleTimeout>(s.deliver(prevote_by(s.seed(2), 1, 2, kNilId)));
  CHECK(s.e->round() == 2);  // 2/4 > 1/3
  CHECK(s.e->stats().rounds_started == 2);
  REQUIRE(sched.size() == 1);
  CHECK(sched[0].timeout == Timeout{1, 2, Step::propose});
  // Lower rounds never move it back.
  s.deliver(prevote_by(s.seed(1), 1, 1, kNilId));
  s.deliver(prevote_by(s.seed(3), 1, 1, kNilId));
  CHECK(s.e->round() == 2);

  // Power, not heads: one validator with half the power is f+1 alone.
  const auto weighted = seeded_set(4, {1, 1, 1, 3});
  size_t heavy = 0;
  while (weighted.validators[heavy].power != 3) ++heavy;
  SoloEngine w((heavy + 1) % 4, {}, weighted);
  w.start(1);
  w.deliver(prevote_by(w.seed(heavy), 1, 5, kNilId));
  CHECK(w.e->round() == 5);
}

TEST_CASE("bad signatures, non-validators and non-proposers are rejected") {
  SoloEngine s(0);
  uint64_t verifications = 0;
  s.cfg.verify = [&](const crypto::PublicKey& k, ByteView m, const crypto::Signature& sig) {
    ++verifications;
    return crypto::verify(k, m, sig);
  };
  s.e = std::make_unique<Engine>(s.cfg, s.wal);
  s.start(1);
  const Bytes A = value_bytes("A");

  CHECK(s.deliver(proposal_by(s.seed(2), 1, 0, -1, A)).empty());  // validators[1] proposes here
  Proposal forged = proposal_by(s.seed(1), 1, 0, -1, A);
  forged.sig.b[5] ^= 1;
  CHECK(s.deliver(forged).empty());
  CHECK(s.e->stats().messages_rejected == 2);

  REQUIRE(actions_of<ValidateValue>(s.deliver(proposal_by(s.seed(1), 1, 0, -1, A))).size() == 1);
  // First one kept; the second is reported as evidence and nothing else.
  auto second = s.deliver(proposal_by(s.seed(1), 1, 0, -1, value_bytes("A2")));
  CHECK(second.size() == 1);
  CHECK(actions_of<EvidenceFound>(second).size() == 1);
  CHECK(has_vote(s.e->on_validated(1, value_id(A), true), VoteType::prevote, 0, value_id(A)));

  s.deliver(prevote_by(s.seed(1), 1, 0, value_id(A)));
  const uint64_t before = verifications;
  s.deliver(prevote_by(s.seed(1), 1, 0, value_id(A)));  // duplicate: not verified again
  CHECK(verifications == before);
  auto bad = prevote_by(s.seed(2), 1, 0, value_id(A));
  bad.sig.b[0] ^= 1;
  CHECK(s.deliver(bad).empty());
  CHECK(s.deliver(prevote_by(77, 1, 0, value_id(A))).empty());  // not a validator
  CHECK(s.deliver(ledger::SignedVote::make(test_genesis_hash(1), 1, 0, VoteType::prevote, value_id(A),
                                           seeded_key(s.seed(2)))).empty());
  CHECK(s.e->stats().messages_rejected == 5);
  CHECK(s.e->step() == Step::prevote);  // no polka from rejected votes
  CHECK(has_vote(s.deliver(prevote_by(s.seed(2), 1, 0, value_id(A))), VoteType::precommit, 0, value_id(A)));
}

TEST_CASE("a double vote yields exactly one piece of evidence and its validator counts once") {
  SoloEngine s(0);
  s.start(1);
  const Bytes A = value_bytes("A"), B = value_bytes("B"), C = value_bytes("C");
  s.deliver(proposal_by(s.seed(1), 1, 0, -1, B));
  CHECK(has_vote(s.e->on_validated(1, value_id(B), true), VoteType::prevote, 0, value_id(B)));

  CHECK(s.deliver(precommit_by(s.seed(1), 1, 0, value_id(A))).empty());
  auto ev = actions_of<EvidenceFound>(s.deliver(precommit_by(s.seed(1), 1, 0, value_id(C))));
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].evidence.check(test_genesis_hash(), s.set).ok());
  REQUIRE(ev[0].evidence.vote());
  CHECK(ev[0].evidence.vote()->a.block_hash < ev[0].evidence.vote()->b.block_hash);
  CHECK(ev[0].evidence.offender() == seeded_key(s.seed(1)).public_key());
  CHECK(actions_of<EvidenceFound>(s.deliver(precommit_by(s.seed(1), 1, 0, value_id(B)))).empty());
  CHECK(actions_of<EvidenceFound>(s.deliver(precommit_by(s.seed(1), 1, 0, value_id(C)))).empty());

  // Three precommits from validators[1] are one validator's power: with
  // validators[2]'s, 2 of 4, so no precommit timer (l.47) yet.
  CHECK(actions_of<ScheduleTimeout>(s.deliver(precommit_by(s.seed(2), 1, 0, kNilId))).empty());
  // validators[1]'s precommit for B, the proposed value, is in B's tally
  // (the one for C, which nobody proposed, in none): with validators[3]'s
  // and ours after a polka, B has 3 of 4.
  CHECK(!actions_of<ScheduleTimeout>(s.deliver(precommit_by(s.seed(3), 1, 0, value_id(B)))).empty());
  CHECK(!s.e->decided());
  s.deliver(prevote_by(s.seed(2), 1, 0, value_id(B)));
  auto d = actions_of<Decided>(s.deliver(prevote_by(s.seed(3), 1, 0, value_id(B))));
  REQUIRE(d.size() == 1);
  CHECK(d[0].decision.value == B);
  REQUIRE(d[0].decision.cert.votes.size() == 3);
  CHECK(std::any_of(d[0].decision.cert.votes.begin(), d[0].decision.cert.votes.end(),
                    [&](const auto& v) { return v.validator == seeded_key(s.seed(1)).public_key(); }));
  CHECK(s.set.verify_commit(test_genesis_hash(), d[0].decision.cert).ok());
}

TEST_CASE("an equivocator's vote for the proposed value completes a polka and is relayed") {
  // validators[2] sends nil to us first and a prevote for V to the others;
  // without its V prevote we could never see the polka the others lock on.
  SoloEngine s(0);
  s.start(1);
  const Bytes V = value_bytes("V");
  s.deliver(proposal_by(s.seed(1), 1, 0, -1, V));
  CHECK(has_vote(s.e->on_validated(1, value_id(V), true), VoteType::prevote, 0, value_id(V)));
  s.deliver(prevote_by(s.seed(2), 1, 0, kNilId));
  s.deliver(prevote_by(s.seed(3), 1, 0, value_id(V)));
  CHECK(s.e->step() == Step::prevote);
  auto a = s.deliver(prevote_by(s.seed(2), 1, 0, value_id(V)));
  CHECK(actions_of<EvidenceFound>(a).size() == 1);
  CHECK(has_vote(a, VoteType::precommit, 0, value_id(V)));
  // The polka behind our validValue is offered to peers, that vote included.
  auto re = s.e->messages_to_regossip();
  CHECK(std::find(re.begin(), re.end(), Message(prevote_by(s.seed(2), 1, 0, value_id(V)))) != re.end());
  CHECK(std::find(re.begin(), re.end(), Message(prevote_by(s.seed(3), 1, 0, value_id(V)))) != re.end());
}

TEST_CASE("a decision message decides only with a valid certificate for this height") {
  SoloEngine s(0);
  s.start(1);
  const Bytes X = value_bytes("caught up");
  const auto id = value_id(X);
  auto decision = [&](std::vector<uint8_t> idx, uint64_t cert_h, const crypto::Hash32& cid) {
    std::vector<uint8_t> seeds;
    for (auto i : idx) seeds.push_back(s.seed(i));
    return Decision{1, cid, X, cert_by(seeds, cert_h, 0, cid)};
  };

  Decision forged = decision({0, 1, 2}, 1, id);
  forged.cert.votes[1].sig.b[3] ^= 1;
  CHECK(s.deliver(forged).empty());
  CHECK(s.deliver(decision({1, 2}, 1, id)).empty());  // 2 of 4 is not > 2/3
  CHECK(s.deliver(decision({1, 2, 3}, 2, id)).empty());  // certificate of another height
  Decision mismatched = decision({1, 2, 3}, 1, id);
  mismatched.value_id = value_id(value_bytes("other"));
  CHECK(s.deliver(mismatched).empty());
  CHECK(s.deliver(decision({1, 2, 3}, 1, kNilId)).empty());  // nil precommits decide nothing
  Decision garbage = decision({1, 2, 3}, 1, id);  // a real certificate, other bytes under its id
  garbage.value = value_bytes("garbage");
  CHECK(s.deliver(garbage).empty());
  CHECK(!s.e->decided());
  CHECK(s.e->stats().messages_rejected == 6);

  Decision good = decision({1, 2, 3}, 1, id);
  auto d = actions_of<Decided>(s.deliver(good));
  REQUIRE(d.size() == 1);
  CHECK(d[0].decision == good);
  CHECK(s.e->decided());
  CHECK(s.deliver(prevote_by(s.seed(1), 1, 0, id)).empty());  // done with height 1
  CHECK(s.e->on_timeout({1, 0, Step::propose}).empty());
}

TEST_CASE("messages for the next height are replayed when it starts") {
  SoloEngine s(0);  // validators[2] proposes at (2, 0)
  s.start(1);
  const Bytes V = value_bytes("height two");
  CHECK(s.deliver(proposal_by(s.seed(2), 2, 0, -1, V)).empty());
  CHECK(s.deliver(prevote_by(s.seed(1), 2, 0, value_id(V))).empty());
  CHECK(s.deliver(proposal_by(s.seed(3), 3, 0, -1, value_bytes("three"))).empty());  // too far: dropped
  CHECK(s.deliver(prevote_by(s.seed(1), 0, 0, value_id(V))).empty());              // old: ignored
  const Bytes X = value_bytes("one");
  REQUIRE(actions_of<Decided>(s.deliver(Decision{1, value_id(X), X, cert_by({s.seed(1), s.seed(2), s.seed(3)}, 1, 0, value_id(X))})).size() == 1);

  auto a = s.start(2);
  CHECK(s.e->height() == 2);
  auto vv = actions_of<ValidateValue>(a);
  REQUIRE(vv.size() == 1);  // the buffered proposal
  CHECK(vv[0].height == 2);
  CHECK(vv[0].value == V);
  CHECK(has_vote(s.e->on_validated(2, value_id(V), true), VoteType::prevote, 0, value_id(V)));
  // The buffered prevote counts: ours, validators[1]'s and one more make a polka.
  CHECK(has_vote(s.deliver(prevote_by(s.seed(3), 2, 0, value_id(V))), VoteType::precommit, 0, value_id(V)));
}

TEST_CASE("WAL recovery: a restarted validator never signs a second value for a slot") {
  SoloEngine s(0);
  const Bytes A = value_bytes("A"), B = value_bytes("B");
  s.start(1);
  s.deliver(proposal_by(s.seed(1), 1, 0, -1, A));
  auto first = broadcast_votes(s.e->on_validated(1, value_id(A), true));
  REQUIRE(first.size() == 1);
  CHECK(first[0].block_hash == value_id(A));

  SUBCASE("same round, a different proposal: the recorded vote is re-sent") {
    auto e2 = s.restart();
    REQUIRE(e2);
    Actions all = e2->start_height(1, s.set);
    CHECK(e2->round() == 0);
    append_actions(all, e2->on_message(proposal_by(s.seed(1), 1, 0, -1, B)));  // the proposer equivocates
    append_actions(all, e2->on_validated(1, value_id(B), true));
    auto votes = broadcast_votes(all);
    REQUIRE(votes.size() == 1);
    CHECK(votes[0] == first[0]);  // the same signed vote for A
    for (const auto& v : votes) CHECK(v.block_hash != value_id(B));
    CHECK(e2->stats().signs_refused == 1);
  }
  SUBCASE("resumes at the last round it signed in, with its lock") {
    s.deliver(prevote_by(s.seed(1), 1, 0, value_id(A)));
    REQUIRE(has_vote(s.deliver(prevote_by(s.seed(2), 1, 0, value_id(A))), VoteType::precommit, 0, value_id(A)));
    s.e->on_timeout({1, 0, Step::precommit});
    auto nil1 = broadcast_votes(s.e->on_timeout({1, 1, Step::propose}));
    REQUIRE(nil1.size() == 1);

    auto e2 = s.restart();
    REQUIRE(e2);
    Actions all = e2->start_height(1, s.set);
    CHECK(e2->round() == 1);
    auto again = broadcast_votes(e2->on_timeout({1, 1, Step::propose}));
    REQUIRE(again.size() == 1);
    CHECK(again[0] == nil1[0]);
    CHECK(e2->stats().signs_refused == 0);
    e2->on_timeout({1, 1, Step::precommit});
    REQUIRE(e2->round() == 2);
    auto a = e2->on_message(proposal_by(s.seed(3), 1, 2, -1, B));
    CHECK(actions_of<ValidateValue>(a).empty());  // locked on A: B is refused unseen
    CHECK(has_vote(a, VoteType::prevote, 2, kNilId));
    append_actions(all, std::move(a));
    for (const auto& v : broadcast_votes(all)) CHECK(v.block_hash != value_id(B));
    // Re-gossip offers what it signed in this round and the one before, and
    // (its validValue being A of round 0) its part of that polka.
    std::set<std::pair<uint32_t, bool>> own;  // (round, nil)
    for (const auto& m : e2->messages_to_regossip())
      if (const auto* v = std::get_if<ledger::SignedVote>(&m))
        if (v->validator == seeded_key(s.seed(0)).public_key() && v->type == VoteType::prevote)
          own.insert({v->round, v->is_nil()});
    CHECK(own == std::set<std::pair<uint32_t, bool>>{{0, false}, {1, true}, {2, true}});
  }
}

namespace {
// The only action of `a` is Halted, naming the WAL's error.
void check_halted(const Actions& a) {
  REQUIRE(a.size() == 1);
  const auto* h = std::get_if<Halted>(&a[0]);
  REQUIRE(h != nullptr);
  CHECK(h->reason.find("WAL append failed") != std::string::npos);
}
}  // namespace

TEST_CASE("a failed WAL append sends nothing, reports Halted once and stops the engine") {
  const Bytes V = value_bytes("V");
  SUBCASE("the proposal cannot be logged") {
    SoloEngine s(1);  // proposer at (1, 0)
    s.wal.fail_after(0);
    auto a = s.start(1);
    REQUIRE(actions_of<RequestValue>(a).size() == 1);
    CHECK_FALSE(s.e->halted());
    check_halted(s.e->on_value_ready(1, 0, value_id(V), V));
    CHECK(s.e->halted());
    CHECK(s.wal.size() == 0);
    CHECK(s.e->on_timeout({1, 0, Step::propose}).empty());
    CHECK(s.deliver(prevote_by(s.seed(2), 1, 0, kNilId)).empty());
  }
  SUBCASE("the prevote cannot be logged") {
    SoloEngine s(1);
    s.wal.fail_after(1);
    s.start(1);
    auto a = s.e->on_value_ready(1, 0, value_id(V), V);
    CHECK(actions_of<Broadcast>(a).size() == 1);  // the proposal, logged
    REQUIRE(actions_of<ValidateValue>(a).size() == 1);  // its own value is checked too
    check_halted(s.e->on_validated(1, value_id(V), true));
    CHECK(s.wal.size() == 1);
    CHECK(s.deliver(prevote_by(s.seed(2), 1, 0, kNilId)).empty());
  }
  SUBCASE("the lock cannot be logged: no precommit") {
    SoloEngine s(0);
    s.start(1);
    s.deliver(proposal_by(s.seed(1), 1, 0, -1, V));
    REQUIRE(broadcast_votes(s.e->on_validated(1, value_id(V), true)).size() == 1);
    s.wal.fail_after(0);
    s.deliver(prevote_by(s.seed(1), 1, 0, value_id(V)));
    check_halted(s.deliver(prevote_by(s.seed(2), 1, 0, value_id(V))));
    CHECK(s.wal.size() == 1);
    CHECK(s.e->on_timeout({1, 0, Step::prevote}).empty());
    CHECK(s.e->start_height(2, s.set).empty());
  }
}

TEST_CASE("the one dispatch loop drops what was queued when the engine halts") {
  struct Recorder final : consensus::ActionHandler {
    std::vector<std::string> seen;
    void broadcast(Message) override { seen.push_back("broadcast"); }
    void schedule_timeout(const ScheduleTimeout&) override { seen.push_back("timeout"); }
    Actions request_value(const RequestValue&) override {
      seen.push_back("request");
      return {Halted{"WAL append failed: disk full"}, ScheduleTimeout{}};
    }
    Actions validate_value(const ValidateValue&) override { return {}; }
    Actions decided(const consensus::Decision&) override { return {}; }
    void evidence_found(const ledger::Evidence&) override {}
    void halted(const Halted& h) override { seen.push_back("halted: " + h.reason); }
  } r;
  consensus::dispatch_actions(r, {ScheduleTimeout{}, RequestValue{}, ScheduleTimeout{}, ScheduleTimeout{}});
  CHECK(r.seen == std::vector<std::string>{"timeout", "request", "halted: WAL append failed: disk full"});
}

// Alg. 1 l.31-32, which the whole-node sweep never reaches: locked on A in
// round 1, a re-proposal of B backed by an older polka (round 0) is
// prevoted nil. The rule counter says which rule voted.
TEST_CASE("a re-proposal backed by a polka older than the lock is prevoted nil (l.31-32), and counted") {
  SoloEngine s(0);  // proposers: (1,0) validators[1], (1,1) [2], (1,2) [3]
  const Bytes A = value_bytes("value A"), B = value_bytes("value B");
  s.start(1);
  // Round 0: B arrives after this validator prevoted and precommitted nil.
  CHECK(has_vote(s.e->on_timeout({1, 0, Step::propose}), VoteType::prevote, 0, kNilId));
  s.deliver(prevote_by(s.seed(1), 1, 0, kNilId));
  CHECK(has_vote(s.deliver(prevote_by(s.seed(2), 1, 0, kNilId)), VoteType::precommit, 0, kNilId));  // l.44
  s.deliver(precommit_by(s.seed(1), 1, 0, kNilId));
  s.deliver(precommit_by(s.seed(2), 1, 0, kNilId));
  s.e->on_timeout({1, 0, Step::precommit});
  REQUIRE(s.e->round() == 1);
  s.deliver(proposal_by(s.seed(1), 1, 0, -1, B));
  for (size_t i = 1; i < 4; ++i) s.deliver(prevote_by(s.seed(i), 1, 0, value_id(B)));  // a polka for B, round 0
  // Round 1: lock A.
  auto a = s.deliver(proposal_by(s.seed(2), 1, 1, -1, A));
  REQUIRE(actions_of<ValidateValue>(a).size() == 1);
  s.e->on_validated(1, value_id(A), true);
  s.deliver(prevote_by(s.seed(1), 1, 1, value_id(A)));
  a = s.deliver(prevote_by(s.seed(2), 1, 1, value_id(A)));
  CHECK(has_vote(a, VoteType::precommit, 1, value_id(A)));
  s.deliver(precommit_by(s.seed(1), 1, 1, kNilId));
  s.deliver(precommit_by(s.seed(2), 1, 1, kNilId));
  s.e->on_timeout({1, 1, Step::precommit});
  REQUIRE(s.e->round() == 2);
  // Round 2: B again with validRound 0 < lockedRound 1.
  const auto before = s.e->stats().rules[static_cast<size_t>(Rule::prevote_pol_nil)];
  a = s.deliver(proposal_by(s.seed(3), 1, 2, 0, B));
  CHECK(has_vote(a, VoteType::prevote, 2, kNilId));
  CHECK(s.e->stats().rules[static_cast<size_t>(Rule::prevote_pol_nil)] == before + 1);
  CHECK(s.e->stats().rules[static_cast<size_t>(Rule::lock_precommit)] == 1);
}
