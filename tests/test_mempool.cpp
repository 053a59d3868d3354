// The mempool on a real chain (RocksDB in a temp dir): copies of one
// transaction share one entry and one answer, their signatures merged; it
// is bounded; a committed block answers its submitters with the height;
// the re-check after a commit refuses what the new state rejects, with the
// rules' reason; stop() answers whoever still waits; evidence waits for a
// block above its height.
#include <doctest/doctest.h>

#include <algorithm>
#include <mutex>
#include <thread>
#include <vector>

#include "ledger/chain.h"
#include "node/driver/mempool.h"
#include "support/fixtures.h"
#include "support/process.h"

using namespace nl;
using namespace nl::ledger;
using nl::node::Mempool;
using nl::node::MempoolOptions;
using nl::node::SubmitResult;
using Outcome = nl::node::SubmitResult::Outcome;
using Added = nl::node::Mempool::Added;

namespace {

crypto::SecretKey key(uint8_t fill) { return test::seeded_key(fill); }
crypto::PublicKey pub(uint8_t fill) { return key(fill).public_key(); }
AccountId acct(uint8_t fill) { return test::seeded_account(fill); }
// Most of these tests run on test_genesis(1), whose hash the transactions bind.
const crypto::Hash32& genesis1() { return test::test_genesis_hash(1); }
Transaction delegate(const char* range, uint8_t from, uint8_t to, uint64_t nonce) {
  return test::delegate(range, from, to, nonce, genesis1());
}

constexpr uint8_t kValidator = 100;

Transaction transfer(const char* range, uint8_t from, uint8_t to, uint64_t nonce) {
  return test::signed_tx(TransferBody{Resource::parse(range).value(), acct(to)}, from, nonce, genesis1());
}

Evidence double_vote(uint8_t signer, uint64_t height, const crypto::Hash32& genesis = genesis1()) {
  auto v = [&](const char* block) {
    return SignedVote::make(genesis, height, 0, VoteType::precommit, crypto::sha256(as_bytes(block)),
                            key(signer));
  };
  return VoteEvidence::make(v("block-a"), v("block-b")).value();
}

// The answers submitters got, in order.
struct Answers {
  std::mutex m;
  std::vector<SubmitResult> got;
  node::SubmitCallback cb() {
    return [this](SubmitResult r) {
      std::lock_guard lk(m);
      got.push_back(std::move(r));
    };
  }
  size_t size() {
    std::lock_guard lk(m);
    return got.size();
  }
  SubmitResult at(size_t i) {
    std::lock_guard lk(m);
    return got.at(i);
  }
};

struct Fx {
  test::TempDir dir{"nl-mempool"};
  Genesis g = test::test_genesis(1);  // validator 100 certifies alone
  std::unique_ptr<Chain> chain;
  uint64_t time = 1700000100;
  Fx() {
    auto c = Chain::open(dir / "ledger", g);
    REQUIRE_MESSAGE(c.ok(), c.error());
    chain = std::move(*c);
  }
  // What a validator does with the pool: propose what it selects, commit,
  // then tell the pool and re-check it.
  Block commit_from(Mempool& pool, size_t max = kMaxBlockTxs) {
    auto p = chain->propose(pool.select(max, SIZE_MAX, [&](const AccountId& a) { return chain->registry().next_nonce(a); }),
                            time += 10, pub(kValidator),
                            SignatureCheck::already_verified, pool.select_evidence(chain->height() + 1, 100));
    auto s = chain->commit(p, test::certify(p.block, {kValidator}, genesis1()));
    REQUIRE_MESSAGE(s.ok(), s.error());
    pool.remove_committed(p.block);
    (void)pool.recheck(*chain, time);
    return p.block;
  }
  std::optional<Holding> holder_of(const char* addr) {
    auto c = chain->registry().chain(Resource::parse(addr).value());
    if (c.empty()) return std::nullopt;
    return c.back();
  }
};

}  // namespace

TEST_CASE_FIXTURE(Fx, "mempool: a committed transaction's submitter hears the height, and the entry leaves") {
  Answers a;
  Mempool pool;
  auto tx = delegate("10.1.0.0/16", 1, 2, 1);
  CHECK(pool.add(tx, a.cb()) == Added::fresh);
  CHECK(pool.size() == 1);
  CHECK(pool.pending_callbacks() == 1);
  CHECK(a.size() == 0);
  auto b = commit_from(pool);
  REQUIRE(b.txs.size() == 1);
  REQUIRE(a.size() == 1);
  CHECK(a.at(0).outcome == Outcome::committed);
  CHECK(a.at(0).tx_id == tx.id());
  CHECK(a.at(0).height == 1);
  CHECK(pool.size() == 0);
  CHECK(pool.pending_callbacks() == 0);
  REQUIRE(holder_of("10.1.2.3").has_value());
  CHECK(holder_of("10.1.2.3")->holder == acct(2));
}

TEST_CASE_FIXTURE(Fx, "mempool: the re-check after a commit refuses what the new state rejects, with the reason") {
  Answers a, b;  // outlive the pool, which answers whoever waits when it goes
  Mempool pool;
  auto good = delegate("10.1.0.0/16", 1, 2, 1);
  auto overlapping = delegate("10.1.0.0/17", 1, 3, 2);
  pool.add(good, a.cb());
  pool.add(overlapping, a.cb());
  commit_from(pool, 1);  // a block with the first only
  REQUIRE(a.size() == 2);
  CHECK(a.at(0).outcome == Outcome::committed);
  CHECK(a.at(0).height == 1);
  CHECK(a.at(1).outcome == Outcome::rejected);
  CHECK(a.at(1).tx_id == overlapping.id());
  CHECK(a.at(1).height == 0);
  CHECK_MESSAGE(a.at(1).reason.find("overlaps") != std::string::npos, a.at(1).reason);
  CHECK(pool.size() == 0);

  auto replay = delegate("10.2.0.0/16", 1, 3, 1);  // nonce 1 is used
  auto later = delegate("10.3.0.0/16", 1, 3, 2);   // the next nonce: still fine
  pool.add(replay, b.cb());
  pool.add(later, b.cb());
  (void)pool.recheck(*chain, time);
  REQUIRE(b.size() == 1);
  CHECK(b.at(0).outcome == Outcome::rejected);
  CHECK_MESSAGE(b.at(0).reason.find("was used by another committed transaction") != std::string::npos, b.at(0).reason);
  CHECK(pool.size() == 1);
  // The re-check left the state as it was.
  CHECK(chain->state_root() == chain->tip_header().state_root);
  CHECK(holder_of("10.3.0.1")->holder == acct(1));
}

TEST_CASE_FIXTURE(Fx, "mempool: of two conflicting transfers, the one committed elsewhere makes the re-check refuse the other") {
  // As on a network: another validator's block carried the transfer to 2;
  // this node holds the transfer of the same prefix to 3.
  commit_from(*std::make_unique<Mempool>());  // height 1, empty
  Answers a;
  Mempool pool;
  auto setup = delegate("10.1.0.0/16", 1, 5, 1);
  pool.add(setup, a.cb());
  commit_from(pool);
  REQUIRE(a.size() == 1);
  auto to_2 = transfer("10.1.0.0/24", 5, 2, 1);
  to_2.sign(key(2));
  auto to_3 = transfer("10.1.0.0/24", 5, 3, 2);  // the next nonce: refused for the prefix alone
  to_3.sign(key(3));
  pool.add(to_3, a.cb());
  auto p = chain->propose({to_2}, time += 10, pub(kValidator), SignatureCheck::verify);
  REQUIRE(p.rejected.empty());
  REQUIRE(chain->commit(p, test::certify(p.block, {kValidator}, genesis1())).ok());
  pool.remove_committed(p.block);  // not in this pool: nobody to answer
  CHECK(a.size() == 1);
  (void)pool.recheck(*chain, time);
  REQUIRE(a.size() == 2);
  CHECK(a.at(1).outcome == Outcome::rejected);
  CHECK(a.at(1).tx_id == to_3.id());
  CHECK_MESSAGE(a.at(1).reason.find("10.1.0.0/24") != std::string::npos, a.at(1).reason);
  CHECK_MESSAGE(a.at(1).reason.find("replayed") == std::string::npos, a.at(1).reason);
  CHECK(holder_of("10.1.0.1")->holder == acct(2));
  CHECK(pool.size() == 0);
}

TEST_CASE_FIXTURE(Fx, "mempool: the same transaction added twice is one entry, committed once, and both hear so") {
  Answers a;
  Mempool pool;
  auto tx = delegate("10.1.0.0/16", 1, 2, 1);
  auto other = delegate("10.2.0.0/16", 1, 3, 2);
  CHECK(pool.add(tx, a.cb()) == Added::fresh);
  CHECK(pool.add(other, a.cb()) == Added::fresh);
  CHECK(pool.add(tx, a.cb()) == Added::duplicate);
  CHECK(pool.add(tx, {}) == Added::duplicate);  // a peer's copy: nobody waits on it
  CHECK(pool.size() == 2);
  CHECK(pool.pending_callbacks() == 3);
  auto b = commit_from(pool);
  REQUIRE(b.txs.size() == 2);  // once each, in arrival order
  CHECK(b.txs[0].id() == tx.id());
  CHECK(b.txs[1].id() == other.id());
  REQUIRE(a.size() == 3);
  for (size_t i = 0; i < 3; ++i) {
    CHECK_MESSAGE(a.at(i).outcome == Outcome::committed, a.at(i).reason);
    CHECK(a.at(i).height == 1);
  }
}

TEST_CASE_FIXTURE(Fx, "mempool: a copy arriving after its transaction committed hears that block from the re-check") {
  Answers a, b;
  Mempool pool;
  auto tx = delegate("10.1.0.0/16", 1, 2, 1);
  pool.add(tx, a.cb());
  commit_from(pool);
  pool.add(tx, b.cb());  // raced the block
  (void)pool.recheck(*chain, time);
  REQUIRE(b.size() == 1);
  CHECK(b.at(0).outcome == Outcome::committed);
  CHECK(b.at(0).height == 1);
  CHECK(pool.size() == 0);
}

TEST_CASE_FIXTURE(Fx, "mempool: a signer's copy and a co-signed copy of one transfer merge into one entry") {
  auto setup = [&](Mempool& pool) {
    Answers s;
    pool.add(delegate("10.1.0.0/16", 1, 5, 1), s.cb());
    commit_from(pool);
    REQUIRE(s.size() == 1);
  };
  SUBCASE("the copy without the recipient's signature first") {
    Answers a;
    Mempool pool;
    setup(pool);
    auto half = transfer("10.1.0.0/16", 5, 2, 1);
    auto full = half;
    full.sign(key(2));
    REQUIRE(half.id() == full.id());
    CHECK(pool.add(half, a.cb()) == Added::fresh);
    CHECK(!pool.verified(full));  // the co-signature is new to the pool
    CHECK(pool.add(full, a.cb()) == Added::merged);
    CHECK(pool.verified(full));
    CHECK(pool.verified(half));
    CHECK(pool.size() == 1);
    auto b = commit_from(pool);
    REQUIRE(b.txs.size() == 1);
    CHECK(b.txs[0].signatures == full.signatures);
    REQUIRE(a.size() == 2);
    for (size_t i = 0; i < 2; ++i) CHECK_MESSAGE(a.at(i).outcome == Outcome::committed, a.at(i).reason);
    CHECK(holder_of("10.1.0.1")->holder == acct(2));
  }
  SUBCASE("the co-signed copy first") {
    Answers a;
    Mempool pool;
    setup(pool);
    auto half = transfer("10.1.0.0/16", 5, 2, 1);
    auto full = half;
    full.sign(key(2));
    CHECK(pool.add(full, a.cb()) == Added::fresh);
    CHECK(pool.add(half, a.cb()) == Added::duplicate);
    commit_from(pool);
    REQUIRE(a.size() == 2);
    for (size_t i = 0; i < 2; ++i) CHECK(a.at(i).outcome == Outcome::committed);
  }
  SUBCASE("signatures from two partial copies are united in key order") {
    Answers a;
    Mempool pool;
    setup(pool);
    auto by_signer = transfer("10.1.0.0/16", 5, 2, 1);
    auto by_recipient = by_signer;
    by_recipient.signatures.clear();
    by_recipient.sign(key(2));
    auto both = by_signer;
    both.sign(key(2));
    pool.add(by_recipient, a.cb());
    CHECK(pool.add(by_signer, a.cb()) == Added::merged);
    auto b = commit_from(pool);
    REQUIRE(b.txs.size() == 1);
    CHECK(b.txs[0].signatures == both.signatures);  // canonical ascending order
    CHECK(b.txs[0].check_signatures().ok());
    CHECK(Transaction::decode(b.txs[0].encode()).ok());
    REQUIRE(a.size() == 2);
    CHECK(a.at(0).outcome == Outcome::committed);
    CHECK(a.at(1).outcome == Outcome::committed);
  }
}

TEST_CASE_FIXTURE(Fx, "mempool: a half-signed transfer is refused by the re-check unless its co-signature arrives") {
  Answers s;
  Mempool pool;
  pool.add(delegate("10.1.0.0/16", 1, 5, 1), s.cb());
  commit_from(pool);
  Answers a;
  auto half = transfer("10.1.0.0/16", 5, 2, 1);
  pool.add(half, a.cb());
  (void)pool.recheck(*chain, time);
  REQUIRE(a.size() == 1);
  CHECK(a.at(0).outcome == Outcome::rejected);
  CHECK_MESSAGE(a.at(0).reason.find("co-signature") != std::string::npos, a.at(0).reason);
}

TEST_CASE_FIXTURE(Fx, "mempool: a full pool refuses new transactions but not copies of waiting ones") {
  MempoolOptions o;
  o.capacity = 2;
  Answers a, refused;
  Mempool pool(o);
  auto t1 = delegate("10.1.0.0/16", 1, 2, 1);
  auto t2 = delegate("10.2.0.0/16", 1, 2, 2);
  auto t3 = delegate("10.3.0.0/16", 1, 2, 3);
  pool.add(t1, a.cb());
  pool.add(t2, a.cb());
  CHECK(pool.add(t3, refused.cb()) == Added::refused);
  REQUIRE(refused.size() == 1);  // answered at once, from the caller's thread
  CHECK(refused.at(0).outcome == Outcome::unavailable);
  CHECK(refused.at(0).tx_id == t3.id());
  CHECK_MESSAGE(refused.at(0).reason.find("mempool is full; retry later") != std::string::npos, refused.at(0).reason);
  CHECK(pool.add(t1, a.cb()) == Added::duplicate);  // a copy takes no new room
  CHECK(pool.size() == 2);
  CHECK(pool.pending_callbacks() == 3);
  commit_from(pool);
  REQUIRE(a.size() == 3);
  for (size_t i = 0; i < 3; ++i) CHECK(a.at(i).outcome == Outcome::committed);
  CHECK(pool.add(t3, a.cb()) == Added::fresh);  // room again
  CHECK(pool.size() == 1);
}

TEST_CASE_FIXTURE(Fx, "mempool: the byte bound refuses too, and select() keeps to its limits in arrival order") {
  auto t1 = delegate("10.1.0.0/16", 1, 2, 1);
  auto t2 = delegate("10.2.0.0/16", 1, 2, 2);
  auto t3 = delegate("10.3.0.0/16", 1, 2, 3);
  const size_t one = t1.encode().size();
  MempoolOptions o;
  o.max_bytes = 2 * one + one / 2;
  Answers a;
  Mempool pool(o);
  CHECK(pool.add(t1, a.cb()) == Added::fresh);
  CHECK(pool.add(t2, a.cb()) == Added::fresh);
  CHECK(pool.add(t3, a.cb()) == Added::refused);
  REQUIRE(a.size() == 1);
  CHECK(a.at(0).reason.find("mempool is full") != std::string::npos);
  auto all = pool.select(10, SIZE_MAX);
  REQUIRE(all.size() == 2);
  CHECK(all[0].id() == t1.id());
  CHECK(all[1].id() == t2.id());
  CHECK(pool.select(1, SIZE_MAX).size() == 1);
  CHECK(pool.select(10, one + one / 2).size() == 1);
  CHECK(pool.select(10, one / 2).empty());
  CHECK(pool.size() == 2);  // selecting removes nothing
}

TEST_CASE_FIXTURE(Fx, "mempool: stop() answers every waiting submitter once and refuses later ones") {
  Answers a;
  {
    Mempool pool;
    auto t1 = delegate("10.1.0.0/16", 1, 2, 1);
    auto t2 = delegate("10.2.0.0/16", 1, 2, 2);
    pool.add(t1, a.cb());
    pool.add(t2, a.cb());
    pool.add(t1, a.cb());
    pool.stop();
    REQUIRE(a.size() == 3);
    for (size_t i = 0; i < 3; ++i) {
      CHECK(a.at(i).outcome == Outcome::unavailable);
      CHECK(a.at(i).reason.find("shutting down") != std::string::npos);
    }
    CHECK(a.at(0).tx_id == t1.id());  // entry by entry, in arrival order
    CHECK(a.at(1).tx_id == t1.id());
    CHECK(a.at(2).tx_id == t2.id());
    CHECK(pool.size() == 0);
    CHECK(pool.pending_callbacks() == 0);
    Answers late;
    CHECK(pool.add(t2, late.cb()) == Added::refused);
    REQUIRE(late.size() == 1);
    CHECK(late.at(0).outcome == Outcome::unavailable);
    CHECK(late.at(0).reason.find("shutting down") != std::string::npos);
    CHECK(!pool.add_evidence(double_vote(100, 1)));
  }  // the destructor stops again: nobody is answered twice
  CHECK(a.size() == 3);
}

TEST_CASE("mempool: evidence waits for a block above its height, leaves when committed, and is dropped once refused") {
  test::TempDir dir{"nl-mempool-ev"};
  Genesis g = test::test_genesis(4);
  for (auto& v : g.validators.validators)
    if (v.key == pub(100)) v.power = 10;  // 100 certifies alone; 101..103 can equivocate
  auto c = Chain::open(dir / "ledger", g);
  REQUIRE(c.ok());
  Chain& chain = **c;
  uint64_t time = 1700000100;
  Mempool pool;
  auto commit = [&] {
    auto p = chain.propose({}, time += 10, pub(100), SignatureCheck::verify,
                           pool.select_evidence(chain.height() + 1, kMaxBlockEvidence));
    REQUIRE(chain.commit(p, test::certify(p.block, {100}, g.hash())).ok());
    pool.remove_committed(p.block);
    return std::pair{p.block, pool.recheck(chain, time).dropped_evidence};
  };
  commit();  // height 1
  auto ev1 = double_vote(101, 1, g.hash());
  auto ev2 = double_vote(102, 2, g.hash());  // the height being decided
  CHECK(pool.add_evidence(ev1));
  CHECK(pool.add_evidence(ev1));  // one entry per id
  CHECK(pool.add_evidence(ev2));
  CHECK(pool.evidence_pending() == 2);
  CHECK(pool.select_evidence(2, 100).size() == 1);
  auto [b2, dropped2] = commit();  // height 2 carries ev1
  REQUIRE(b2.evidence.size() == 1);
  CHECK(b2.evidence[0] == ev1);
  CHECK(dropped2.empty());
  CHECK(pool.evidence_pending() == 1);
  auto [b3, dropped3] = commit();  // height 3 carries ev2
  CHECK(b3.evidence.size() == 1);
  CHECK(pool.evidence_pending() == 0);

  // Evidence of an equivocation already committed is dropped by the re-check.
  Evidence again = VoteEvidence::make(SignedVote::make(g.hash(), 1, 0, VoteType::precommit,
                                               crypto::sha256(as_bytes("block-c")), key(101)),
                                  ev1.vote()->a)
                       .value();
  REQUIRE(again.id() != ev1.id());
  CHECK(pool.add_evidence(again));
  auto dropped = pool.recheck(chain, time).dropped_evidence;
  REQUIRE(dropped.size() == 1);
  CHECK(dropped[0].evidence_id == again.id());
  CHECK_MESSAGE(dropped[0].reason.find("already") != std::string::npos, dropped[0].reason);
  CHECK(pool.evidence_pending() == 0);
}

// ---- nonce order, waiting and dropping (issue 13, item 10) ----

TEST_CASE_FIXTURE(Fx, "mempool: nonces added out of order leave in nonce order and all commit") {
  Answers a;
  Mempool pool;
  for (uint64_t n : {3, 1, 4, 2}) REQUIRE(pool.add(delegate(("10." + std::to_string(n) + ".0.0/16").c_str(), 1, 2, n), a.cb()) == Added::fresh);
  auto sel = pool.select(100, SIZE_MAX, [&](const AccountId& x) { return chain->registry().next_nonce(x); });
  REQUIRE(sel.size() == 4);
  for (size_t i = 0; i < 4; ++i) CHECK(sel[i].nonce == i + 1);
  Block b = commit_from(pool);
  CHECK(b.txs.size() == 4);
  REQUIRE(a.size() == 4);
  for (size_t i = 0; i < 4; ++i) CHECK_MESSAGE(a.at(i).outcome == Outcome::committed, a.at(i).reason);
  CHECK(pool.size() == 0);
}

TEST_CASE_FIXTURE(Fx, "mempool: a nonce whose predecessor has not come waits, and is dropped when the wait runs out") {
  SUBCASE("it waits through commits, then commits after its predecessor") {
    Answers a;
    Mempool pool;
    auto second = delegate("10.2.0.0/16", 1, 2, 2);
    REQUIRE(pool.add(second, a.cb()) == Added::fresh);
    CHECK(commit_from(pool).txs.empty());
    CHECK(commit_from(pool).txs.empty());
    CHECK(pool.status(second.id()).state == node::PoolStatus::State::pending);
    REQUIRE(pool.add(delegate("10.1.0.0/16", 1, 2, 1), a.cb()) == Added::fresh);
    CHECK(commit_from(pool).txs.size() == 2);
    REQUIRE(a.size() == 2);
    CHECK(a.at(0).outcome == Outcome::committed);
    CHECK(a.at(1).outcome == Outcome::committed);
  }
  SUBCASE("past future_ttl it is dropped with the reason, and status() says so") {
    Answers a;
    MempoolOptions o;
    o.future_ttl = std::chrono::seconds(0);
    Mempool pool(o);
    auto second = delegate("10.2.0.0/16", 1, 2, 2);
    REQUIRE(pool.add(second, a.cb()) == Added::fresh);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    commit_from(pool);
    REQUIRE(a.size() == 1);
    CHECK(a.at(0).outcome == Outcome::rejected);
    CHECK_MESSAGE(a.at(0).reason.find("for nonce 1") != std::string::npos, a.at(0).reason);
    auto st = pool.status(second.id());
    CHECK(st.state == node::PoolStatus::State::dropped);
    CHECK(st.reason == a.at(0).reason);
  }
}

TEST_CASE_FIXTURE(Fx, "mempool: one nonce, one waiting transaction; an account's quota") {
  Answers a;
  MempoolOptions o;
  o.max_per_account = 2;
  Mempool pool(o);
  auto first = delegate("10.1.0.0/16", 1, 2, 1);
  REQUIRE(pool.add(first, a.cb()) == Added::fresh);
  CHECK(pool.nonce_holder(acct(1), 1) == first.id());
  CHECK_FALSE(pool.nonce_holder(acct(1), 2).has_value());
  // Without `why`, the submitter hears the conflict; with it, the caller does.
  CHECK(pool.add(delegate("10.9.0.0/16", 1, 3, 1), a.cb()) == Added::conflict);
  REQUIRE(a.size() == 1);
  CHECK(a.at(0).outcome == Outcome::rejected);
  std::string why;
  CHECK(pool.add(delegate("10.9.0.0/16", 1, 3, 1), a.cb(), &why) == Added::conflict);
  CHECK_MESSAGE(why.find("is taken by waiting transaction " + first.id().hex()) != std::string::npos, why);
  CHECK(a.size() == 1);
  REQUIRE(pool.add(delegate("10.2.0.0/16", 1, 2, 2), a.cb()) == Added::fresh);
  CHECK(pool.add(delegate("10.3.0.0/16", 1, 2, 3), a.cb(), &why) == Added::refused);
  CHECK_MESSAGE(why.find("2 transactions waiting") != std::string::npos, why);
  CHECK(a.size() == 1);
  // Another account is not held back.
  CHECK(pool.add(delegate("10.3.0.0/16", 2, 3, 1), {}) == Added::fresh);
}

TEST_CASE_FIXTURE(Fx, "mempool: a refused nonce is dropped; its successors wait for a replacement") {
  Answers a;
  Mempool pool;
  // Nonce 1 delegates space account 1 does not hold; nonce 2 is fine.
  auto bad = delegate("11.0.0.0/16", 1, 2, 1);
  auto next = delegate("10.2.0.0/16", 1, 2, 2);
  REQUIRE(pool.add(bad, a.cb()) == Added::fresh);
  REQUIRE(pool.add(next, a.cb()) == Added::fresh);
  commit_from(pool);
  CHECK(pool.status(bad.id()).state == node::PoolStatus::State::dropped);
  CHECK(pool.status(next.id()).state == node::PoolStatus::State::pending);
  // A replacement for nonce 1 lets nonce 2 through.
  REQUIRE(pool.add(delegate("10.1.0.0/16", 1, 2, 1), a.cb()) == Added::fresh);
  CHECK(commit_from(pool).txs.size() == 2);
  CHECK(pool.size() == 0);
}
