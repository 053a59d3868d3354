// The block producer on a real chain: submitted transactions commit or are
// refused and every submitter hears which; copies of one transaction share
// one mempool entry and one answer; the mempool is bounded; stop() answers
// whoever still waits; on its own the producer makes certified empty blocks.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <vector>

#include "ledger/chain.h"
#include "node/block_producer.h"
#include "support/fixtures.h"
#include "support/process.h"

using namespace nl;
using namespace nl::ledger;
using nl::node::BlockProducer;
using nl::node::ProducerOptions;
using nl::node::SubmitResult;
using Outcome = nl::node::SubmitResult::Outcome;

namespace {

crypto::SecretKey key(uint8_t fill) { return test::seeded_key(fill); }
AccountId acct(uint8_t fill) { return test::seeded_account(fill); }

constexpr uint8_t kValidator = 100;

Genesis genesis() { return test::test_genesis(1); }  // validator key 100
using test::delegate;

Transaction transfer(const char* range, uint8_t from, uint8_t to, uint64_t nonce) {
  return test::signed_tx(TransferBody{Resource::parse(range).value(), acct(to)}, from, nonce);
}

// Collects the answers the producer gives, from whichever thread.
struct Answers {
  mutable std::mutex m;
  std::vector<SubmitResult> got;
  node::SubmitCallback cb() {
    return [this](SubmitResult r) {
      std::lock_guard<std::mutex> lk(m);
      got.push_back(std::move(r));
    };
  }
  size_t size() const {
    std::lock_guard<std::mutex> lk(m);
    return got.size();
  }
  SubmitResult at(size_t i) const {
    std::lock_guard<std::mutex> lk(m);
    return got.at(i);
  }
  bool wait_for(size_t n, std::chrono::seconds limit = std::chrono::seconds(10)) const {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (size() < n) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
  }
};

struct Fx {
  test::TempDir dir{"nl-producer"};
  std::unique_ptr<Chain> chain;
  explicit Fx() {
    auto c = Chain::open(dir / "ledger", genesis());
    REQUIRE_MESSAGE(c.ok(), c.error());
    chain = std::move(*c);
  }
  ProducerOptions opts(size_t capacity = 20000) {
    ProducerOptions o;
    o.mempool_capacity = capacity;
    return o;
  }
  const Holding* holder_of(const char* addr) {
    auto c = chain->registry().chain(Resource::parse(addr).value());
    return c.empty() ? nullptr : c.back();
  }
};

}  // namespace

TEST_CASE_FIXTURE(Fx, "producer: a submitted transaction commits and its submitter hears the height") {
  BlockProducer p(*chain, key(kValidator), opts());
  Answers a;
  auto tx = delegate("10.1.0.0/16", 1, 2, 1);
  p.submit(tx, a.cb());
  CHECK(p.mempool_size() == 1);
  CHECK(p.pending_callbacks() == 1);
  CHECK(a.size() == 0);
  REQUIRE(p.produce_once().ok());
  REQUIRE(a.size() == 1);
  CHECK(a.at(0).outcome == Outcome::committed);
  CHECK(a.at(0).tx_id == tx.id());
  CHECK(a.at(0).height == 1);
  CHECK(chain->height() == 1);
  CHECK(p.mempool_size() == 0);
  CHECK(p.pending_callbacks() == 0);
  CHECK(p.blocks_produced() == 1);
  auto loc = chain->store().find_tx(tx.id());
  REQUIRE(loc.has_value());
  CHECK(loc->height == 1);
  REQUIRE(holder_of("10.1.2.3") != nullptr);
  CHECK(holder_of("10.1.2.3")->holder == acct(2));
}

TEST_CASE_FIXTURE(Fx, "producer: a transaction the rules refuse is answered with the reason") {
  BlockProducer p(*chain, key(kValidator), opts());
  Answers a;
  auto good = delegate("10.1.0.0/16", 1, 2, 1);
  auto overlapping = delegate("10.1.0.0/17", 1, 3, 2);
  p.submit(good, a.cb());
  p.submit(overlapping, a.cb());
  REQUIRE(p.produce_once().ok());
  REQUIRE(a.size() == 2);
  CHECK(a.at(0).outcome == Outcome::committed);
  CHECK(a.at(0).height == 1);
  CHECK(a.at(1).outcome == Outcome::rejected);
  CHECK(a.at(1).tx_id == overlapping.id());
  CHECK(a.at(1).height == 0);
  CHECK_MESSAGE(a.at(1).reason.find("overlaps") != std::string::npos, a.at(1).reason);

  Answers b;
  auto replay = delegate("10.2.0.0/16", 1, 3, 1);  // nonce 1 is used
  p.submit(replay, b.cb());
  REQUIRE(p.produce_once().ok());
  REQUIRE(b.size() == 1);
  CHECK(b.at(0).outcome == Outcome::rejected);
  CHECK_MESSAGE(b.at(0).reason.find("replayed or out of order") != std::string::npos, b.at(0).reason);
}

TEST_CASE_FIXTURE(Fx, "producer: the same transaction submitted twice commits once and both hear so") {
  BlockProducer p(*chain, key(kValidator), opts());
  Answers a;
  auto tx = delegate("10.1.0.0/16", 1, 2, 1);
  auto other = delegate("10.2.0.0/16", 1, 3, 2);
  p.submit(tx, a.cb());
  p.submit(other, a.cb());
  p.submit(tx, a.cb());
  CHECK(p.mempool_size() == 2);  // one entry per id
  CHECK(p.pending_callbacks() == 3);
  REQUIRE(p.produce_once().ok());
  REQUIRE(a.size() == 3);
  for (size_t i = 0; i < 3; ++i) {
    CHECK_MESSAGE(a.at(i).outcome == Outcome::committed, a.at(i).reason);
    CHECK(a.at(i).height == 1);
  }
  auto b = chain->store().block(1);
  REQUIRE(b.ok());
  REQUIRE(b->txs.size() == 2);  // once each, in submission order
  CHECK(b->txs[0].id() == tx.id());
  CHECK(b->txs[1].id() == other.id());
  CHECK(std::count_if(a.got.begin(), a.got.end(), [&](const SubmitResult& r) { return r.tx_id == tx.id(); }) == 2);
}

TEST_CASE_FIXTURE(Fx, "producer: a copy arriving after its transaction committed hears that block") {
  BlockProducer p(*chain, key(kValidator), opts());
  Answers a, b;
  auto tx = delegate("10.1.0.0/16", 1, 2, 1);
  p.submit(tx, a.cb());
  REQUIRE(p.produce_once().ok());
  // The copy raced the block (the API checks for a committed id before
  // submitting, but the block may land in between).
  p.submit(tx, b.cb());
  REQUIRE(p.produce_once().ok());
  REQUIRE(b.size() == 1);
  CHECK(b.at(0).outcome == Outcome::committed);
  CHECK(b.at(0).height == 1);
  auto blk = chain->store().block(2);
  REQUIRE(blk.ok());
  CHECK(blk->txs.empty());
}

TEST_CASE_FIXTURE(Fx, "producer: an unsigned and a co-signed copy of one transfer in one batch commit once") {
  SUBCASE("the copy without the recipient's signature first") {
    BlockProducer p(*chain, key(kValidator), opts());
    Answers a;
    auto half = transfer("10.1.0.0/16", 1, 2, 1);
    auto full = half;
    full.sign(key(2));
    REQUIRE(half.id() == full.id());
    REQUIRE(!half.signed_by(acct(2).key));
    p.submit(half, a.cb());
    p.submit(full, a.cb());
    CHECK(p.mempool_size() == 1);
    REQUIRE(p.produce_once().ok());
    REQUIRE(a.size() == 2);
    for (size_t i = 0; i < 2; ++i) {
      CHECK_MESSAGE(a.at(i).outcome == Outcome::committed, a.at(i).reason);
      CHECK(a.at(i).height == 1);
    }
    auto b = chain->store().block(1);
    REQUIRE(b.ok());
    REQUIRE(b->txs.size() == 1);
    CHECK(b->txs[0].signatures == full.signatures);
    REQUIRE(holder_of("10.1.0.1") != nullptr);
    CHECK(holder_of("10.1.0.1")->holder == acct(2));
  }
  SUBCASE("the co-signed copy first") {
    BlockProducer p(*chain, key(kValidator), opts());
    Answers a;
    auto half = transfer("10.1.0.0/16", 1, 2, 1);
    auto full = half;
    full.sign(key(2));
    p.submit(full, a.cb());
    p.submit(half, a.cb());
    REQUIRE(p.produce_once().ok());
    REQUIRE(a.size() == 2);
    for (size_t i = 0; i < 2; ++i) {
      CHECK_MESSAGE(a.at(i).outcome == Outcome::committed, a.at(i).reason);
      CHECK(a.at(i).height == 1);
    }
    REQUIRE(holder_of("10.1.0.1") != nullptr);
    CHECK(holder_of("10.1.0.1")->holder == acct(2));
  }
  SUBCASE("signatures from two partial copies are united in key order") {
    BlockProducer p(*chain, key(kValidator), opts());
    Answers a;
    // Only the recipient's signature in one copy, only the signer's in the other.
    auto by_signer = transfer("10.1.0.0/16", 1, 2, 1);
    auto by_recipient = by_signer;
    by_recipient.signatures.clear();
    by_recipient.sign(key(2));
    auto both = by_signer;
    both.sign(key(2));
    p.submit(by_recipient, a.cb());
    p.submit(by_signer, a.cb());
    REQUIRE(p.produce_once().ok());
    REQUIRE(a.size() == 2);
    CHECK(a.at(0).outcome == Outcome::committed);
    CHECK(a.at(1).outcome == Outcome::committed);
    auto b = chain->store().block(1);
    REQUIRE(b.ok());
    REQUIRE(b->txs.size() == 1);
    CHECK(b->txs[0].signatures == both.signatures);  // canonical ascending order
    CHECK(b->txs[0].check_signatures().ok());
    CHECK(Transaction::decode(b->txs[0].encode()).ok());
  }
}

TEST_CASE_FIXTURE(Fx, "producer: a full mempool refuses new transactions but not copies of waiting ones") {
  BlockProducer p(*chain, key(kValidator), opts(2));
  Answers a, refused;
  auto t1 = delegate("10.1.0.0/16", 1, 2, 1);
  auto t2 = delegate("10.2.0.0/16", 1, 2, 2);
  auto t3 = delegate("10.3.0.0/16", 1, 2, 3);
  p.submit(t1, a.cb());
  p.submit(t2, a.cb());
  p.submit(t3, refused.cb());
  REQUIRE(refused.size() == 1);  // answered at once, from the caller's thread
  CHECK(refused.at(0).outcome == Outcome::unavailable);
  CHECK(refused.at(0).tx_id == t3.id());
  CHECK_MESSAGE(refused.at(0).reason.find("mempool is full") != std::string::npos, refused.at(0).reason);
  p.submit(t1, a.cb());  // a copy takes no new room
  CHECK(p.mempool_size() == 2);
  CHECK(p.pending_callbacks() == 3);
  CHECK(a.size() == 0);
  REQUIRE(p.produce_once().ok());
  REQUIRE(a.size() == 3);
  for (size_t i = 0; i < 3; ++i) CHECK(a.at(i).outcome == Outcome::committed);
  p.submit(t3, a.cb());  // room again
  CHECK(p.mempool_size() == 1);
}

TEST_CASE_FIXTURE(Fx, "producer: stop() answers every waiting submitter") {
  Answers a;
  {
    BlockProducer p(*chain, key(kValidator), opts());
    auto t1 = delegate("10.1.0.0/16", 1, 2, 1);
    auto t2 = delegate("10.2.0.0/16", 1, 2, 2);
    p.submit(t1, a.cb());
    p.submit(t2, a.cb());
    p.submit(t1, a.cb());
    p.stop();
    REQUIRE(a.size() == 3);
    for (size_t i = 0; i < 3; ++i) {
      CHECK(a.at(i).outcome == Outcome::unavailable);
      CHECK(a.at(i).reason.find("shutting down") != std::string::npos);
    }
    CHECK(a.at(0).tx_id == t1.id());  // entry by entry, in submission order
    CHECK(a.at(1).tx_id == t1.id());
    CHECK(a.at(2).tx_id == t2.id());
    CHECK(p.mempool_size() == 0);
    CHECK(p.pending_callbacks() == 0);
    Answers late;
    p.submit(t2, late.cb());
    REQUIRE(late.size() == 1);
    CHECK(late.at(0).outcome == Outcome::unavailable);
    CHECK(late.at(0).reason.find("shutting down") != std::string::npos);
  }  // the destructor stops again: nobody is answered twice
  CHECK(a.size() == 3);
  CHECK(chain->height() == 0);
}

TEST_CASE_FIXTURE(Fx, "producer: running on its own it makes certified blocks, empty ones included") {
  ProducerOptions o = opts();
  o.empty_block_interval = std::chrono::milliseconds(50);
  o.batch_window = std::chrono::milliseconds(5);
  BlockProducer p(*chain, key(kValidator), o);
  auto height = [&] {
    std::shared_lock lk(p.state_mutex());
    return chain->height();
  };
  p.start();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (height() < 2 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  REQUIRE(height() >= 2);

  Answers a;
  auto tx = delegate("10.1.0.0/16", 1, 2, 1);
  p.submit(tx, a.cb());
  p.submit(tx, a.cb());
  REQUIRE(a.wait_for(2));
  CHECK(a.at(0).outcome == Outcome::committed);
  CHECK(a.at(1).outcome == Outcome::committed);
  CHECK(a.at(0).height == a.at(1).height);
  CHECK(a.at(0).height >= 3);
  p.stop();

  uint64_t h = chain->height();
  CHECK(p.blocks_produced() == h);
  const auto& g = chain->genesis();
  size_t empty = 0;
  for (uint64_t i = 1; i <= h; ++i) {
    auto b = chain->store().block(i);
    REQUIRE(b.ok());
    if (b->txs.empty()) ++empty;
    CHECK(b->header.proposer == key(kValidator).public_key());
    auto c = chain->store().cert(i);
    REQUIRE_MESSAGE(c.ok(), c.error());
    CHECK(c->height == i);
    CHECK(c->block_hash == b->header.hash());
    auto v = g.validators.verify_commit(g.chain_id, *c);
    CHECK_MESSAGE(v.ok(), "height " << i << ": " << v.error());
  }
  CHECK(empty >= 2);
  auto loc = chain->store().find_tx(tx.id());
  REQUIRE(loc.has_value());
  CHECK(loc->height == a.at(0).height);
}
