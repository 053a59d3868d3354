// Transaction gossip through the consensus driver, seen from raw WebSocket
// peers of one in-process observer node (real sockets on 127.0.0.x):
// transactions go out in txs frames, batched; the forwarding rule holds (a
// validator's transactions go on to non-validators only, a non-validator's
// to every other peer, a local one to all); a txs frame is taken in like
// that many tx frames (good ones kept around a forged one, each forgery and
// each wrong-chain transaction penalised as a tx frame would be), and a tx
// frame from an older peer still works.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>

#include "support/driver_node.h"
#include "support/fixtures.h"
#include "support/p2p_nodes.h"
#include "support/process.h"

using namespace nl;
using namespace std::chrono_literals;
using test::DriverNode;
using test::RawPeer;

namespace {

// A raw peer that completed the handshake with `node` as `key`, claiming to
// be a validator or not.
std::unique_ptr<RawPeer> connect(DriverNode& node, uint8_t key, bool validator, const std::string& from_ip = "127.0.0.2") {
  auto p = std::make_unique<RawPeer>(node.port(), from_ip);
  REQUIRE(!p->upgrade());
  const auto k = test::seeded_key(key);
  const auto genesis = node.read([](const ledger::Chain& c) { return c.genesis_hash(); });
  p->ours = node::p2p::make_hello(test::kTestChain, genesis, k.public_key(), 0, validator, node::p2p::random_nonce());
  REQUIRE(!p->send(node::p2p::encode(p->ours)));
  auto h = p->read();
  REQUIRE(h);
  auto theirs = node::p2p::decode(*h);
  REQUIRE(theirs.ok());
  REQUIRE(std::holds_alternative<node::p2p::Hello>(*theirs));
  p->their_hello = std::get<node::p2p::Hello>(*theirs);
  REQUIRE(!p->send(node::p2p::encode(node::p2p::make_auth(k, p->ours, *p->their_hello))));
  auto a = p->read();
  REQUIRE(a);
  auto auth = node::p2p::decode(*a);
  REQUIRE(auth.ok());
  REQUIRE(std::holds_alternative<node::p2p::HelloAuth>(*auth));
  return p;
}

// What a raw peer was sent, by kind.
struct Received {
  std::vector<Bytes> tx_encodings;  // from txs frames, in order
  size_t txs_frames = 0;
  size_t largest_frame = 0;  // transactions in one txs frame
  size_t tx_frames = 0;      // single-transaction frames (the driver should send none)
  bool has(const ledger::Transaction& tx) const {
    return std::find(tx_encodings.begin(), tx_encodings.end(), tx.encode()) != tx_encodings.end();
  }
};

// Reads frames until `done` holds for what came so far; false when the
// connection ends or nothing comes for 5 s.
template <class F>
bool read_until(RawPeer& p, Received& r, F done) {
  while (!done(r)) {
    auto f = p.read();
    if (!f) return false;
    auto m = node::p2p::decode(*f);
    REQUIRE_MESSAGE(m.ok(), m.error());
    if (auto* t = std::get_if<node::p2p::TxsMessage>(&*m)) {
      ++r.txs_frames;
      r.largest_frame = std::max(r.largest_frame, t->txs.size());
      for (const auto& tx : t->txs) r.tx_encodings.push_back(tx.encode());
    } else if (std::holds_alternative<node::p2p::TxMessage>(*m)) {
      ++r.tx_frames;
    }
  }
  return true;
}

bool until_has(RawPeer& p, Received& r, const ledger::Transaction& tx) {
  return read_until(p, r, [&](const Received& x) { return x.has(tx); });
}

// The same transaction with its signature made invalid: a different copy.
ledger::Transaction forged(ledger::Transaction tx) {
  tx.signatures.at(0).sig.b[0] ^= 0x01;
  return tx;
}

ledger::Transaction for_chain(const std::string& chain, uint64_t nonce) {
  ledger::Transaction tx = test::delegate("10.9.0.0/16", 3, 4, nonce);
  tx.chain_id = chain;
  tx.signatures.clear();
  tx.sign(test::seeded_key(3));
  return tx;
}

// An observer of a 4-validator genesis whose validators are not running:
// nothing commits, so what is gossiped stays in its mempool.
struct Observer {
  test::TempDir dir{"nl-driver-gossip"};
  DriverNode node{dir / "home", test::test_genesis(4), {}};
  Observer() {
    node.open();
    node.start({});
  }
  bool holds(const ledger::Transaction& tx) { return node.driver().mempool().verified(tx); }
};

}  // namespace

TEST_CASE("gossip: local transactions reach every peer in txs frames, batched, none as tx frames") {
  Observer o;
  auto a = connect(o.node, 50, true);
  auto b = connect(o.node, 51, false);
  REQUIRE(test::eventually([&] { return o.node.network().peer_count() == 2; }, 5s));
  constexpr size_t kCount = 250;  // within one account's 256 waiting transactions
  std::vector<ledger::Transaction> txs;
  for (size_t i = 0; i < kCount; ++i) txs.push_back(test::delegate("10.1.0.0/16", 1, 2, i + 1));
  for (const auto& tx : txs) o.node.driver().submit(tx, {});
  for (auto* p : {a.get(), b.get()}) {
    Received r;
    REQUIRE(read_until(*p, r, [&](const Received& x) { return x.tx_encodings.size() >= kCount; }));
    CHECK(r.tx_encodings.size() == kCount);
    CHECK(r.tx_frames == 0);
    CHECK(r.largest_frame <= 512);  // the default flush size
    CHECK(r.txs_frames < kCount);    // batched: fewer frames than transactions
    MESSAGE(kCount << " transactions came in " << r.txs_frames << " txs frames");
    // Every one of them (admission runs on two verifier threads, so the
    // order may differ from the order submitted).
    std::vector<Bytes> want;
    for (const auto& tx : txs) want.push_back(tx.encode());
    std::sort(want.begin(), want.end());
    std::sort(r.tx_encodings.begin(), r.tx_encodings.end());
    CHECK(r.tx_encodings == want);
  }
}

TEST_CASE("gossip: the forwarding rule; tx frames from older peers are still taken in") {
  Observer o;
  auto va = connect(o.node, 50, true);   // claims to be a validator
  auto vc = connect(o.node, 52, true);   // so does this one
  auto ob = connect(o.node, 51, false);  // an observer
  REQUIRE(test::eventually([&] { return o.node.network().peer_count() == 3; }, 5s));
  Received ra, rb, rc;
  // From a validator: on to the non-validators only.
  const auto t1 = test::delegate("10.1.0.0/16", 1, 2, 1);
  REQUIRE(!va->send(node::p2p::encode(node::p2p::TxsMessage{{t1}})));
  REQUIRE(until_has(*ob, rb, t1));
  // From a non-validator, in an old tx frame: to every other peer.
  const auto t2 = test::delegate("10.1.0.0/16", 1, 2, 2);
  REQUIRE(!ob->send(node::p2p::encode(node::p2p::TxMessage{t2})));
  REQUIRE(until_has(*va, ra, t2));
  REQUIRE(until_has(*vc, rc, t2));
  CHECK(o.holds(t1));
  CHECK(o.holds(t2));
  // t1 was forwarded before t2 arrived, each batch in its connection's
  // order: had it gone to a validator, it would have come before t2.
  CHECK(!ra.has(t1));
  CHECK(!rc.has(t1));
  // And nothing goes back to its sender: t3 from the validator reaches the
  // observer, after anything that would have echoed t2.
  const auto t3 = test::delegate("10.1.0.0/16", 1, 2, 3);
  REQUIRE(!va->send(node::p2p::encode(node::p2p::TxsMessage{{t3}})));
  REQUIRE(until_has(*ob, rb, t3));
  CHECK(!rb.has(t2));
  CHECK(rb.tx_frames + ra.tx_frames + rc.tx_frames == 0);
}

TEST_CASE("gossip: good transactions around a forged one are kept; each forgery costs as a tx frame would") {
  Observer o;
  auto p = connect(o.node, 50, false);
  auto watcher = connect(o.node, 51, false, "127.0.0.3");
  REQUIRE(test::eventually([&] { return o.node.network().peer_count() == 2; }, 5s));
  const auto g1 = test::delegate("10.1.0.0/16", 1, 2, 1), g2 = test::delegate("10.1.0.0/16", 1, 2, 2);
  const auto f1 = forged(test::delegate("10.1.0.0/16", 1, 2, 3));
  REQUIRE(!p->send(node::p2p::encode(node::p2p::TxsMessage{{g1, f1, g2}})));
  Received w;
  REQUIRE(until_has(*watcher, w, g2));
  CHECK(w.has(g1));
  CHECK(!w.has(f1));
  CHECK(o.holds(g1));
  CHECK(o.holds(g2));
  CHECK(!o.holds(f1));
  CHECK(o.node.network().peer_count() == 2);  // 10 points: not banned yet
  // Nine more forgeries in one frame: 90 points more, the ban score. The
  // close reason names the first forged transaction of that frame.
  std::vector<ledger::Transaction> more;
  for (uint64_t n = 10; n < 19; ++n) more.push_back(forged(test::delegate("10.1.0.0/16", 1, 2, n)));
  const auto g3 = test::delegate("10.1.0.0/16", 1, 2, 30);
  more.push_back(g3);  // after the forgeries, still kept
  REQUIRE(!p->send(node::p2p::encode(node::p2p::TxsMessage{more})));
  p->wait_closed();
  const std::string reason(p->close_reason().reason.c_str());
  CHECK_MESSAGE(reason.find("banned: transaction " + more[0].id().hex().substr(0, 16)) == 0, reason);
  REQUIRE(until_has(*watcher, w, g3));
  CHECK(o.holds(g3));
}

TEST_CASE("gossip: transactions for another chain in a txs frame are dropped and penalised each") {
  Observer o;
  auto p = connect(o.node, 50, false);
  REQUIRE(test::eventually([&] { return o.node.network().peer_count() == 1; }, 5s));
  std::vector<ledger::Transaction> frame;
  const auto good = test::delegate("10.1.0.0/16", 1, 2, 1);
  frame.push_back(good);
  for (uint64_t n = 1; n <= 10; ++n) frame.push_back(for_chain("other-chain", n));
  REQUIRE(!p->send(node::p2p::encode(node::p2p::TxsMessage{frame})));
  p->wait_closed();
  const std::string reason(p->close_reason().reason.c_str());
  CHECK_MESSAGE(reason.find("banned: transaction for chain 'other-chain' (and 9 more") == 0, reason);
  REQUIRE(test::eventually([&] { return o.holds(good); }, 5s));
}
