// A hostile peer against validator0 of a 4-validator testnet: a raw Beast
// WebSocket client (not a node) opens thousands of connections in a bounded
// loop, sends garbage frames before and after a valid handshake, a frame
// over its kind's cap, a frame over the WebSocket read limit, and a valid
// Hello for the wrong chain. Every offence costs it the connection, the
// repeat offender is banned (its address, for what it did before a
// handshake), and the testnet keeps committing all along.
#include <doctest/doctest.h>

#include <atomic>
#include <random>

#include "ledger/genesis.h"
#include "node/transport/p2p_message.h"
#include "support/hostile_p2p_peer.h"
#include "support/testnet.h"

using namespace nl;
using namespace nl::test;

namespace {

// One raw WebSocket connection to a node's /p2p from 127.0.0.1, with a
// fresh key for the handshake.
struct RawPeer : HostileP2pPeer {
  explicit RawPeer(unsigned port) : HostileP2pPeer(port, "127.0.0.1") {}
};

Bytes random_frame(std::mt19937& rng, size_t n) {
  Bytes b(n);
  for (auto& x : b) x = static_cast<uint8_t>(rng());
  b[0] = 0xEE;  // never a valid version
  return b;
}

}  // namespace

TEST_CASE("a hostile raw WebSocket client is dropped and banned, and the testnet keeps committing") {
  TestnetHarness net;
  net.start();
  const auto all = net.validators();
  REQUIRE_MESSAGE(net.wait_height(all, 2, std::chrono::seconds(30)), net.heights() << net.logs_tail());
  const unsigned port = net.port("validator0");
  auto genesis = ledger::Genesis::load(net.genesis());
  REQUIRE(genesis.ok());
  std::mt19937 rng(42);

  SUBCASE("thousands of connections in a bounded loop") {
    const int kThreads = 8, kEach = 250;
    std::atomic<int> upgraded{0}, refused{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([&] {
        for (int i = 0; i < kEach; ++i) {
          RawPeer p(port);
          (p.open() ? refused : upgraded)++;
          if (i % 2 == 0) p.close();  // half close politely, half just vanish
        }
      });
    for (auto& t : threads) t.join();
    MESSAGE("2000 connections: " << upgraded.load() << " upgraded, " << refused.load() << " refused");
    CHECK(upgraded.load() + refused.load() == kThreads * kEach);
    CHECK(upgraded.load() > 0);
    // The node is healthy: it answers, keeps its peers and keeps committing,
    // and an honest handshake still works.
    uint64_t h = net.height("validator0").value_or(0);
    REQUIRE_MESSAGE(net.wait_height(all, h + 3, std::chrono::seconds(30)), net.heights() << net.logs_tail({"validator0"}));
    CHECK(net.get("validator0", "/api/v1/status")["peers"].get<uint64_t>() >= 3);
    RawPeer honest(port);
    REQUIRE(!honest.open());
    auto s = honest.handshake(genesis->chain_id, genesis->hash());
    REQUIRE_MESSAGE(s.ok(), s.error());
    bool listed = false;
    for (int i = 0; i < 50 && !listed; ++i) {
      listed = peer_listed(net, "validator0", honest.key().public_key());
      if (!listed) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    CHECK_MESSAGE(listed, net.show("validator0", "/api/v1/peers") << net.logs_tail({"validator0"}, 30));
    honest.close();
  }

  // The testnet kept its peers and keeps committing.
  auto still_committing = [&](const std::string& range, uint64_t nonce) {
    uint64_t h = net.height("validator0").value_or(0);
    REQUIRE_MESSAGE(net.wait_height(all, h + 3, std::chrono::seconds(30)), net.heights() << net.logs_tail({"validator0"}));
    auto tx = net.root_tx(delegation(range, crypto::SecretKey::generate().public_key()), nonce);
    Reply r = net.submit("validator0", tx);
    REQUIRE_MESSAGE(r.status == 200, r.body.dump() << r.error);
    net.require_committed(all, tx.id().hex());
    CHECK(net.get("validator0", "/api/v1/status")["peers"].get<uint64_t>() == 3);
  };
  auto handshaken = [&](RawPeer& p) {
    REQUIRE(!p.open());
    auto s = p.handshake(genesis->chain_id, genesis->hash());
    REQUIRE_MESSAGE(s.ok(), s.error());
    bool listed = false;
    for (int i = 0; i < 50 && !listed; ++i) {
      listed = peer_listed(net, "validator0", p.key().public_key());
      if (!listed) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    CHECK(listed);
  };

  SUBCASE("frames over their kind's cap and over the read limit, after a valid handshake") {
    {
      RawPeer p(port);
      handshaken(p);
      Bytes frame(node::p2p::kMaxSmallFrameBytes * 4, 0);
      frame[0] = node::p2p::kP2pVersion;
      frame[1] = static_cast<uint8_t>(node::p2p::Tag::status);
      REQUIRE(!p.send(frame));
      CHECK_MESSAGE(p.dropped_within(std::chrono::seconds(10)), "an over-cap status frame was not dropped");
      CHECK(unlisted_within(net, "validator0", p.key().public_key(), std::chrono::seconds(5)));
    }
    {
      RawPeer p(port);
      handshaken(p);
      Bytes huge(node::p2p::kMaxFrameBytes + 1, 0);
      huge[0] = node::p2p::kP2pVersion;
      huge[1] = static_cast<uint8_t>(node::p2p::Tag::blocks);
      auto ec = p.send(huge);
      // The node may cut the connection while the frame is still going out.
      CHECK_MESSAGE((ec || p.dropped_within(std::chrono::seconds(10))), "a frame over the read limit was not dropped");
      CHECK(unlisted_within(net, "validator0", p.key().public_key(), std::chrono::seconds(5)));
    }
    // Each drop is logged with its reason.
    const std::string log = net.log("validator0");
    size_t exceeds = 0;
    for (size_t at = log.find("exceeds"); at != std::string::npos; at = log.find("exceeds", at + 1)) ++exceeds;
    CHECK_MESSAGE(exceeds >= 2, net.logs_tail({"validator0"}, 30));
    still_committing("10.9.0.0/16", 1);
  }

  SUBCASE("garbage and the wrong chain: dropped each time, then banned") {
    // Garbage instead of a Hello, twice.
    for (int i = 0; i < 2; ++i) {
      RawPeer p(port);
      REQUIRE(!p.open());
      REQUIRE(!p.send(random_frame(rng, 100)));
      CHECK_MESSAGE(p.dropped_within(std::chrono::seconds(10)), "garbage before the handshake was not dropped");
    }
    // A valid Hello for another chain.
    {
      RawPeer p(port);
      REQUIRE(!p.open());
      (void)p.handshake("another-chain", genesis->hash());
      CHECK_MESSAGE(p.dropped_within(std::chrono::seconds(10)), "a Hello for the wrong chain was not dropped");
      CHECK(net.log("validator0").find("'another-chain' is not ours") != std::string::npos);
    }
    // A real handshake, then garbage: the peer appears, then is dropped.
    {
      RawPeer p(port);
      handshaken(p);
      REQUIRE(!p.send(random_frame(rng, 5000)));
      CHECK_MESSAGE(p.dropped_within(std::chrono::seconds(10)), "garbage after the handshake was not dropped");
      CHECK(unlisted_within(net, "validator0", p.key().public_key(), std::chrono::seconds(5)));
    }
    // The offences before a handshake (25 + 25 + 50) banned the address;
    // the one after it counts against the key only. A banned address keeps
    // two connections without a reserved slot (the validators on it have
    // one), so a third upgrade is refused.
    CHECK_MESSAGE(net.log("validator0").find("banned 127.0.0.1 for") != std::string::npos,
                  net.logs_tail({"validator0"}, 40));
    RawPeer held1(port), held2(port), again(port);
    REQUIRE(!held1.open());
    REQUIRE(!held2.open());
    CHECK_MESSAGE(again.open(), "a banned address was allowed a third upgrade");
    still_committing("10.9.0.0/16", 1);
  }
}
