// Peer slots on a real 4-validator testnet. 64 fake observers from
// 127.0.0.2 (handshaken, fresh keys) used to take every slot of
// validator0 and keep a real observer out; now one address gets at most
// max_peers_per_address (8) of the slots without a reservation. When the
// rest of those slots are taken too, from other addresses, a validator's
// key still gets in: the current validator set has reserved slots.
#include <doctest/doctest.h>

#include <memory>
#include <set>

#include "ledger/genesis.h"
#include "support/hostile_p2p_peer.h"
#include "support/testnet.h"

using namespace nl;
using namespace nl::test;

namespace {

// Opens `n` fake observers from `ip` and handshakes each (the node refuses
// those without a slot right after the handshake, by closing).
std::vector<std::unique_ptr<HostileP2pPeer>> fake_observers(unsigned port, const std::string& ip, int n,
                                                            const ledger::Genesis& g) {
  std::vector<std::unique_ptr<HostileP2pPeer>> out;
  for (int i = 0; i < n; ++i) {
    auto p = std::make_unique<HostileP2pPeer>(port, ip);
    if (p->open() || !p->handshake(g.chain_id, g.hash()).ok()) continue;
    out.push_back(std::move(p));
  }
  return out;
}

// How many of `fakes` the node lists as peers.
size_t admitted(const TestnetHarness& net, const std::string& node,
                const std::vector<std::unique_ptr<HostileP2pPeer>>& fakes) {
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  std::set<std::string> keys;
  const auto answer = net.get(node, "/api/v1/peers");  // kept: the loop must not walk a temporary
  for (const auto& p : answer["peers"]) keys.insert(p["key"].get<std::string>());
  size_t n = 0;
  for (const auto& f : fakes) n += keys.count(f->key().public_key().hex());
  return n;
}

}  // namespace

TEST_CASE("fake observers from one address, then from many, keep neither a real observer nor a validator out") {
  TestnetOptions o;
  o.observers = 1;
  TestnetHarness net(o);
  // validator3 stays down: the other three commit, and its key is played later.
  {
    auto r = net.cli({"testnet", "start", "--dir", net.dir(), "--only", "validator0", "--only", "validator1",
                      "--only", "validator2", "--timeout", "60"});
    REQUIRE_MESSAGE(r.code == 0, r.err << net.logs_tail());
  }
  const std::vector<std::string> up{"validator0", "validator1", "validator2"};
  REQUIRE_MESSAGE(net.wait_height(up, 2, std::chrono::seconds(30)), net.heights());
  auto genesis = ledger::Genesis::load(net.genesis());
  REQUIRE(genesis.ok());
  const unsigned port = net.port("validator0");

  // 64 fakes from 127.0.0.2: only the per-address share gets in.
  auto from_one = fake_observers(port, "127.0.0.2", 64, *genesis);
  const size_t kept_one = admitted(net, "validator0", from_one);
  MESSAGE(kept_one << " of " << from_one.size() << " fake observers from 127.0.0.2 hold a slot");
  // The real observer (127.0.0.1) still gets in and follows the chain.
  {
    auto r = net.cli({"testnet", "start", "--dir", net.dir(), "--only", "observer0", "--timeout", "30"});
    REQUIRE_MESSAGE(r.code == 0, r.err << net.logs_tail({"observer0"}));
  }
  CHECK_MESSAGE(listed_within(net, "validator0", net.node_public_key("observer0"), std::chrono::seconds(15)),
                net.show("validator0", "/api/v1/peers") << net.logs_tail({"validator0", "observer0"}, 20));
  const uint64_t h = net.height("validator0").value_or(0);
  CHECK_MESSAGE(net.wait_height({"observer0"}, h, std::chrono::seconds(20)), net.heights());

  // Every slot without a reservation taken, from seven more addresses.
  std::vector<std::unique_ptr<HostileP2pPeer>> more;
  for (int a = 3; a <= 9; ++a)
    for (auto& p : fake_observers(port, "127.0.0." + std::to_string(a), 9, *genesis)) more.push_back(std::move(p));
  const size_t total = kept_one + admitted(net, "validator0", more);
  MESSAGE(total << " fake observers hold slots on validator0");
  CHECK(total <= 64);
  CHECK(net.log("validator0").find("too many peers (") != std::string::npos);

  // validator3's key still gets in, over the full slots.
  auto v3 = crypto::load_key_file(net.node_dir("validator3") + "/validator.key", std::nullopt);
  REQUIRE(v3.ok());
  HostileP2pPeer validator(port, "127.0.0.1", *v3);
  REQUIRE(!validator.open());
  auto s = validator.handshake(genesis->chain_id, genesis->hash());
  REQUIRE_MESSAGE(s.ok(), s.error());
  CHECK_MESSAGE(listed_within(net, "validator0", v3->public_key(), std::chrono::seconds(5)),
                net.logs_tail({"validator0"}, 20));
  CHECK(net.log("validator0").find("reserved slot") != std::string::npos);
  validator.close();

  // The node answers and commits a transaction from an honest client.
  CHECK(net.get("validator0", "/api/v1/status")["peers"].get<uint64_t>() >= 3);
  auto tx = net.root_tx(delegation("10.45.0.0/16", crypto::SecretKey::generate().public_key()), 1);
  Reply r = net.submit("validator0", tx);
  REQUIRE_MESSAGE(r.status == 200, r.body.dump() << r.error);
  net.require_committed({"validator0", "observer0"}, tx.id().hex());
}
