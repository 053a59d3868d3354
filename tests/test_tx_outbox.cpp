// The per-peer gossip batches: a batch goes when full (by count or bytes) or
// flush_delay after its first transaction, each peer's apart from the
// others', in the order added; a departed peer's batch and everything after
// stop() is dropped. A real io_context runs the timer.
#include <doctest/doctest.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "node/driver/tx_outbox.h"
#include "support/fixtures.h"

using namespace nl;
using namespace nl::node;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

struct Loop {
  boost::asio::io_context ioc;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{ioc.get_executor()};
  std::thread thread{[this] { ioc.run(); }};
  ~Loop() {
    work.reset();
    ioc.stop();
    thread.join();
  }
};

struct Sent {
  PeerId peer;
  std::vector<ledger::Transaction> batch;
  Clock::time_point at;
};

// What the outbox sent, in order.
class Recorder {
 public:
  TxOutbox::Send send() {
    return [this](PeerId peer, std::vector<ledger::Transaction> batch) {
      std::lock_guard lk(mu_);
      sent_.push_back({peer, std::move(batch), Clock::now()});
    };
  }
  std::vector<Sent> sent() const {
    std::lock_guard lk(mu_);
    return sent_;
  }
  size_t batches() const { return sent().size(); }
  size_t txs_to(PeerId peer) const {
    size_t n = 0;
    for (const auto& s : sent())
      if (s.peer == peer) n += s.batch.size();
    return n;
  }

 private:
  mutable std::mutex mu_;
  std::vector<Sent> sent_;
};

// Transactions compare by their encodings (they have no operator==).
std::vector<Bytes> encodings(const std::vector<ledger::Transaction>& txs) {
  std::vector<Bytes> out;
  for (const auto& tx : txs) out.push_back(tx.encode());
  return out;
}

using Txs = std::vector<ledger::Transaction>;

bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit = 5s) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return done();
}

// Distinct transactions of equal encoded size (only the nonce differs).
std::vector<ledger::Transaction> txs(size_t n, uint64_t first_nonce = 1) {
  std::vector<ledger::Transaction> out;
  for (size_t i = 0; i < n; ++i) out.push_back(test::delegate("10.1.0.0/16", 1, 2, first_nonce + i));
  return out;
}

constexpr auto kNever = std::chrono::milliseconds(std::chrono::hours(1));

}  // namespace

TEST_CASE("a batch goes as soon as it holds flush_txs, in the order added, from the adding thread") {
  Loop loop;
  Recorder rec;
  TxOutbox box(loop.ioc, {.flush_txs = 4, .flush_delay = kNever}, rec.send());
  const auto t = txs(10);
  for (size_t i = 0; i < t.size(); ++i) {
    REQUIRE(box.add({7}, t[i]));
    // Sent synchronously by add(): no waiting needed.
    CHECK(rec.batches() == (i + 1) / 4);
  }
  const auto sent = rec.sent();
  REQUIRE(sent.size() == 2);
  CHECK(sent[0].peer == 7);
  CHECK(encodings(sent[0].batch) == encodings(Txs(t.begin(), t.begin() + 4)));
  CHECK(encodings(sent[1].batch) == encodings(Txs(t.begin() + 4, t.begin() + 8)));
  CHECK(box.pending(7) == 2);
  CHECK(box.pending_peers() == 1);
}

TEST_CASE("a batch that is not full goes flush_delay after its first transaction") {
  Loop loop;
  Recorder rec;
  TxOutbox box(loop.ioc, {.flush_txs = 512, .flush_delay = 150ms}, rec.send());
  const auto t = txs(5);
  const auto t0 = Clock::now();
  REQUIRE(box.add({1}, t[0]));
  REQUIRE(box.add({1}, t[1]));
  REQUIRE(box.add({1}, t[2]));
  CHECK(rec.batches() == 0);
  REQUIRE(eventually([&] { return rec.batches() == 1; }));
  auto sent = rec.sent();
  CHECK(encodings(sent[0].batch) == encodings(Txs(t.begin(), t.begin() + 3)));
  CHECK(sent[0].at - t0 >= 150ms);
  CHECK(box.pending_peers() == 0);  // a sent batch leaves nothing behind
  // The next transaction starts a new delay of its own.
  const auto t1 = Clock::now();
  REQUIRE(box.add({1}, t[3]));
  REQUIRE(eventually([&] { return rec.batches() == 2; }));
  sent = rec.sent();
  CHECK(encodings(sent[1].batch) == encodings(Txs{t[3]}));
  CHECK(sent[1].at - t1 >= 150ms);
}

TEST_CASE("each peer has its own batch") {
  Loop loop;
  Recorder rec;
  const auto t = txs(4);
  SUBCASE("by size") {
    TxOutbox box(loop.ioc, {.flush_txs = 2, .flush_delay = kNever}, rec.send());
    REQUIRE(box.add({1, 2}, t[0]));
    REQUIRE(box.add({2}, t[1]));
    REQUIRE(box.add({1, 3}, t[2]));
    const auto sent = rec.sent();
    REQUIRE(sent.size() == 2);
    std::map<PeerId, std::vector<ledger::Transaction>> by_peer;
    for (const auto& s : sent) by_peer[s.peer] = s.batch;
    CHECK(encodings(by_peer[1]) == encodings(Txs{t[0], t[2]}));
    CHECK(encodings(by_peer[2]) == encodings(Txs{t[0], t[1]}));
    CHECK(box.pending(1) == 0);
    CHECK(box.pending(2) == 0);
    CHECK(box.pending(3) == 1);
  }
  SUBCASE("by time: one timer serves every peer's deadline") {
    TxOutbox box(loop.ioc, {.flush_txs = 512, .flush_delay = 30ms}, rec.send());
    REQUIRE(box.add({1, 2, 3}, t[0]));
    std::this_thread::sleep_for(10ms);
    REQUIRE(box.add({4}, t[1]));
    REQUIRE(eventually([&] { return rec.batches() == 4; }));
    std::this_thread::sleep_for(60ms);
    const auto sent = rec.sent();
    CHECK(sent.size() == 4);  // each once
    for (PeerId p : {1, 2, 3}) CHECK(rec.txs_to(p) == 1);
    CHECK(rec.txs_to(4) == 1);
    CHECK(sent.back().peer == 4);  // its deadline came last
  }
}

TEST_CASE("a batch never grows past flush_bytes: it goes before a transaction that would take it past") {
  Loop loop;
  Recorder rec;
  const auto t = txs(7);
  const size_t one = t[0].encode().size();
  TxOutbox box(loop.ioc, {.flush_txs = 512, .flush_delay = kNever, .flush_bytes = 3 * one}, rec.send());
  for (const auto& tx : t) REQUIRE(box.add({5}, tx));
  const auto sent = rec.sent();
  REQUIRE(sent.size() == 2);
  CHECK(sent[0].batch.size() == 3);
  CHECK(sent[1].batch.size() == 3);
  CHECK(box.pending(5) == 1);
  // The default bound is what one txs frame can carry.
  CHECK(TxOutbox::Options{}.flush_bytes == p2p::kMaxTxsPayloadBytes);
  CHECK(TxOutbox::Options{}.flush_txs <= p2p::kMaxTxsPerFrame);
}

TEST_CASE("flush_txs above the frame's limit is held to it; a zero delay sends every transaction at once") {
  Loop loop;
  Recorder rec;
  const auto t = txs(3);
  TxOutbox box(loop.ioc, {.flush_txs = 100000, .flush_delay = 0ms}, rec.send());
  for (const auto& tx : t) REQUIRE(box.add({1}, tx));
  CHECK(rec.batches() == 3);
  CHECK(box.pending_peers() == 0);
}

TEST_CASE("a departed peer's batch is dropped, and nothing is sent after stop()") {
  Loop loop;
  Recorder rec;
  const auto t = txs(3);
  auto box = std::make_unique<TxOutbox>(loop.ioc, TxOutbox::Options{.flush_txs = 512, .flush_delay = 40ms}, rec.send());
  REQUIRE(box->add({1, 2}, t[0]));
  REQUIRE(box->add({2}, t[1]));
  box->drop_peer(2);
  CHECK(box->pending(2) == 0);
  CHECK(box->pending(1) == 1);
  REQUIRE(eventually([&] { return rec.batches() == 1; }));
  std::this_thread::sleep_for(80ms);
  CHECK(rec.batches() == 1);
  CHECK(rec.txs_to(2) == 0);

  REQUIRE(box->add({1, 3}, t[2]));
  box->stop();
  CHECK(box->pending_peers() == 0);
  CHECK(!box->add({1}, t[0]));
  box->stop();  // twice is fine
  std::this_thread::sleep_for(100ms);  // past the delay: the timer finds nothing
  CHECK(rec.batches() == 1);
  box.reset();
  // Destroyed with its timer set while the loop runs on: nothing goes, and
  // another outbox on the same loop is not disturbed.
  TxOutbox other(loop.ioc, {.flush_txs = 512, .flush_delay = 20ms}, rec.send());
  REQUIRE(other.add({9}, t[0]));
  {
    TxOutbox gone(loop.ioc, {.flush_txs = 512, .flush_delay = 20ms}, rec.send());
    REQUIRE(gone.add({8}, t[1]));
  }
  REQUIRE(eventually([&] { return rec.txs_to(9) == 1; }));
  std::this_thread::sleep_for(60ms);
  CHECK(rec.txs_to(8) == 0);
}

TEST_CASE("many threads adding at once: every transaction reaches every peer exactly once, in batches within bounds") {
  Loop loop;
  Recorder rec;
  TxOutbox box(loop.ioc, {.flush_txs = 64, .flush_delay = 5ms}, rec.send());
  constexpr size_t kThreads = 4, kEach = 300;
  std::vector<std::vector<ledger::Transaction>> per_thread;
  for (size_t i = 0; i < kThreads; ++i) per_thread.push_back(txs(kEach, 1 + i * kEach));
  std::atomic<bool> go{false};
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (size_t i = 0; i < kThreads; ++i)
    threads.emplace_back([&, i] {
      while (!go) std::this_thread::yield();
      for (const auto& tx : per_thread[i])
        if (!box.add({1, 2}, tx)) ++refused;
    });
  go = true;
  for (auto& th : threads) th.join();
  CHECK(refused == 0);
  REQUIRE(eventually([&] { return rec.txs_to(1) == kThreads * kEach && rec.txs_to(2) == kThreads * kEach; }));
  std::map<PeerId, std::map<uint64_t, int>> seen;  // peer -> nonce -> copies
  for (const auto& s : rec.sent()) {
    CHECK(!s.batch.empty());
    CHECK(s.batch.size() <= 64);
    for (const auto& tx : s.batch) ++seen[s.peer][tx.nonce];
  }
  for (PeerId p : {1, 2}) {
    CHECK(seen[p].size() == kThreads * kEach);
    for (const auto& [nonce, copies] : seen[p]) CHECK(copies == 1);
  }
  CHECK(box.pending_peers() == 0);
}
