// Bans on a real 4-validator testnet where every node is on 127.0.0.1. A
// misbehaving peer on 127.0.0.1 handshakes with one key and sends garbage
// four times: its key is banned (refused at its next handshake), not the
// address, so every honest node there stays welcome: a fresh observer
// connects from 127.0.0.1 and a restarted validator reconnects. Then an
// unauthenticated flood from 127.0.0.1 (garbage instead of a Hello) bans
// the address, which leaves it only a few slots without a reservation
// and never touches a validator's key.
#include <doctest/doctest.h>

#include "ledger/genesis.h"
#include "support/hostile_p2p_peer.h"
#include "support/testnet.h"

using namespace nl;
using namespace nl::test;

namespace {

Bytes garbage(size_t n) {
  Bytes b(n, 0x5A);
  b[0] = 0xEE;  // never a valid version
  return b;
}

uint64_t peers_of(const TestnetHarness& net, const std::string& node) {
  return net.get(node, "/api/v1/status")["peers"].get<uint64_t>();
}

}  // namespace

TEST_CASE("a misbehaving peer on 127.0.0.1 is banned by key, the honest nodes on 127.0.0.1 stay connected") {
  TestnetHarness net;
  net.start();
  const auto all = net.validators();
  REQUIRE_MESSAGE(net.wait_height(all, 2, std::chrono::seconds(30)), net.heights());
  auto genesis = ledger::Genesis::load(net.genesis());
  REQUIRE(genesis.ok());
  const unsigned port = net.port("validator0");
  const auto bad_key = crypto::SecretKey::generate();
  const std::string bad = bad_key.public_key().hex().substr(0, 16);

  // Four bad frames, each after a valid handshake with the same key.
  for (int i = 0; i < 4; ++i) {
    HostileP2pPeer p(port, "127.0.0.1", bad_key);
    REQUIRE(!p.open());
    auto s = p.handshake(genesis->chain_id, genesis->hash());
    REQUIRE_MESSAGE(s.ok(), "round " << i << ": " << s.error());
    REQUIRE(!p.send(garbage(300)));
    CHECK_MESSAGE(p.dropped_within(std::chrono::seconds(5)), "garbage was not dropped, round " << i);
    // Until the node has let this session go, the next one with the same
    // key is a duplicate connection, refused before its garbage can count.
    CHECK_MESSAGE(unlisted_within(net, "validator0", bad_key.public_key(), std::chrono::seconds(5)),
                  "round " << i << ": the dropped peer is still listed");
  }
  CHECK_MESSAGE(net.log("validator0").find("banned node key " + bad) != std::string::npos,
                net.logs_tail({"validator0"}, 20));
  CHECK(net.log("validator0").find("banned 127.0.0.1") == std::string::npos);

  // The banned key is refused right after its handshake.
  {
    HostileP2pPeer p(port, "127.0.0.1", bad_key);
    REQUIRE(!p.open());
    (void)p.handshake(genesis->chain_id, genesis->hash());
    CHECK(p.dropped_within(std::chrono::seconds(5)));
    CHECK(net.log("validator0").find("node key " + bad + " is banned") != std::string::npos);
  }

  // An honest observer on the same address is welcome.
  HostileP2pPeer honest(port, "127.0.0.1");
  REQUIRE_MESSAGE(!honest.open(), "an honest peer on 127.0.0.1 was refused the upgrade");
  auto hs = honest.handshake(genesis->chain_id, genesis->hash());
  REQUIRE_MESSAGE(hs.ok(), hs.error());
  CHECK_MESSAGE(listed_within(net, "validator0", honest.key().public_key(), std::chrono::seconds(5)),
                net.logs_tail({"validator0"}, 20));
  honest.close();

  // So is a validator that restarts: it dials validator0 from 127.0.0.1.
  net.kill9("validator3");
  net.start();
  CHECK_MESSAGE(listed_within(net, "validator0", net.node_public_key("validator3"), std::chrono::seconds(15)),
                net.logs_tail({"validator0", "validator3"}, 20));

  // An unauthenticated flood from 127.0.0.1 bans the address...
  for (int i = 0; i < 4; ++i) {
    HostileP2pPeer p(port, "127.0.0.1");
    if (p.open()) continue;
    (void)p.send(garbage(100));
    (void)p.dropped_within(std::chrono::seconds(5));
  }
  CHECK_MESSAGE(net.log("validator0").find("banned 127.0.0.1 for") != std::string::npos,
                net.logs_tail({"validator0"}, 20));
  // ...which leaves it a few slots without a reservation, and a
  // validator's key on it is never refused.
  net.kill9("validator2");
  net.start();
  CHECK_MESSAGE(listed_within(net, "validator0", net.node_public_key("validator2"), std::chrono::seconds(15)),
                net.logs_tail({"validator0", "validator2"}, 20));

  // Every validator keeps its three peers, and validator0 commits.
  for (const auto& v : all)
    CHECK_MESSAGE(peers_of(net, v) >= 3, v << ": " << net.show(v, "/api/v1/peers"));
  uint64_t h = net.height("validator0").value_or(0);
  REQUIRE_MESSAGE(net.wait_height(all, h + 2, std::chrono::seconds(30)), net.heights());
  auto tx = net.root_tx(delegation("10.46.0.0/16", crypto::SecretKey::generate().public_key()), 1);
  Reply r = net.submit("validator0", tx);
  REQUIRE_MESSAGE(r.status == 200, r.body.dump() << r.error);
  net.require_committed(all, tx.id().hex());
}
