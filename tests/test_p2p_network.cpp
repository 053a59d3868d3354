// The peer network on real sockets (127.0.0.x): nodes with their own HTTP
// servers on one io_context with two threads, connected through configured
// peers, and raw WebSocket clients that misbehave. Every wait is bounded.
#include <doctest/doctest.h>

#include "node/client/http_client.h"
#include "support/consensus_net.h"
#include "support/p2p_nodes.h"

using namespace nl;
using namespace nl::node;
using namespace nl::test;
using namespace nl::test::p2pt;
namespace p2p = nl::node::p2p;

namespace {

p2p::StatusMessage status(uint64_t h) { return p2p::StatusMessage{h, crypto::sha256(as_bytes(std::to_string(h)))}; }

// How often OnPeer said up minus down, per node key.
int net_ups(const TestNode& n, const crypto::PublicKey& k) {
  int up = 0;
  for (auto& [p, connected] : n.peer_events())
    if (p.key == k) up += connected ? 1 : -1;
  return up;
}

// A frame with a valid version, the given tag and `size` bytes in all.
Bytes frame_of(p2p::Tag tag, size_t size) {
  Bytes f(size, 0x42);
  f[0] = p2p::kP2pVersion;
  f[1] = static_cast<uint8_t>(tag);
  return f;
}

}  // namespace

TEST_CASE("three nodes connect through configured peers and exchange messages in order") {
  Loop loop;
  TestNode a(loop, 1), b(loop, 2), c(loop, 3);
  b.best_height = 7;
  a.start({b.address(), c.address()});
  b.start({c.address()});
  c.start();
  REQUIRE(a.wait_peers(2));
  REQUIRE(b.wait_peers(2));
  REQUIRE(c.wait_peers(2));

  auto ab = a.peer_with(b.key().public_key());
  REQUIRE(ab);
  CHECK(ab->outbound);
  CHECK(ab->validator);
  CHECK(ab->best_height == 7);
  CHECK(ab->address == b.address());
  auto ca = c.peer_with(a.key().public_key());
  REQUIRE(ca);
  CHECK(!ca->outbound);
  CHECK(ca->address.rfind("127.0.0.1:", 0) == 0);
  CHECK(a.log_count("numledgerd: p2p: peer " + b.key().public_key().hex().substr(0, 16) + " connected") == 1);

  // Broadcast reaches every peer; `except` leaves one out.
  a.net().broadcast(p2p::TxMessage{delegate("10.1.0.0/16", 1, 2, 1)});
  CHECK(eventually([&] { return b.messages().size() == 1 && c.messages().size() == 1; }));
  CHECK(std::holds_alternative<p2p::TxMessage>(b.messages()[0].second));
  CHECK(b.messages()[0].first.key == a.key().public_key());
  a.net().broadcast(status(5), ab->id);
  CHECK(eventually([&] { return c.statuses() == std::vector<uint64_t>{5}; }));
  std::this_thread::sleep_for(100ms);
  CHECK(b.statuses().empty());

  // Order is kept, and a status updates the sender's best height.
  for (uint64_t h = 1; h <= 300; ++h) a.net().send(ab->id, status(h));
  REQUIRE(eventually([&] { return b.statuses().size() == 300; }));
  auto got = b.statuses();
  for (size_t i = 0; i < got.size(); ++i) CHECK(got[i] == i + 1);
  auto ba = b.peer_with(a.key().public_key());
  REQUIRE(ba);
  CHECK(ba->best_height == 300);

  // A consensus message with a full value goes through too.
  const Bytes value(100000, 0x33);
  a.net().broadcast(p2p::ConsensusMessage{proposal_by(100, 4, 0, -1, value)});
  CHECK(eventually([&] {
    for (auto& [p, m] : c.messages())
      if (std::holds_alternative<p2p::ConsensusMessage>(m)) return true;
    return false;
  }));
}

TEST_CASE("/p2p: an upgrade leaves the HTTP table, a plain request gets the HTTP handler") {
  Loop loop;
  TestNode a(loop, 1);
  a.start();
  // Not an upgrade, or an upgrade elsewhere: the HTTP handler answers (426 here).
  auto plain = http_request("http://" + a.address(), "GET", "/p2p", "", 5s);
  REQUIRE(plain.ok());
  CHECK(plain->status == 426);
  {
    RawPeer elsewhere(a.port(), "127.0.0.1");
    CHECK(elsewhere.upgrade("/other"));
    CHECK(elsewhere.response.result_int() == 426);
  }
  CHECK(eventually([&] { return a.http_connections() == 0; }));
  RawPeer ws(a.port(), "127.0.0.1");
  REQUIRE(!ws.upgrade());
  CHECK(ws.response.result() == http::status::switching_protocols);
  CHECK(ws.response[http::field::server] == "numledger");
  CHECK(eventually([&] { return a.http_connections() == 0; }));
  REQUIRE(ws.handshake(seeded_key(9)));
  CHECK(a.wait_peers(1));
}

TEST_CASE("wrong chain id and wrong genesis are refused with the reason, and no peer appears") {
  Loop loop;
  TestNode a(loop, 1), x(loop, 2), y(loop, 3);
  a.start({}, [](P2pOptions& o) { o.ban_score = 100000; });  // both must get to the handshake
  x.start({a.address()}, [](P2pOptions& o) { o.chain_id = "other-chain"; });
  y.start({a.address()}, [](P2pOptions& o) { o.genesis_hash = crypto::sha256(as_bytes("another genesis")); });
  CHECK(a.wait_log("chain id 'other-chain' is not ours ('chain-test')"));
  CHECK(x.wait_log("chain id 'chain-test' is not ours ('other-chain')"));
  CHECK(a.wait_log("genesis hash " + crypto::sha256(as_bytes("another genesis")).hex() + " is not ours"));
  CHECK(y.wait_log("genesis hash " + kP2pGenesis.hex() + " is not ours"));
  CHECK(a.log_count("numledgerd: p2p: refused 127.0.0.1:") >= 2);
  std::this_thread::sleep_for(200ms);
  CHECK(a.peer_events().empty());
  CHECK(x.peer_events().empty());
  CHECK(y.peer_events().empty());
  CHECK(a.net().peer_count() == 0);
  CHECK(a.log_count("banned") == 0);
}

TEST_CASE("a node configured with its own address detects it and does not redial") {
  Loop loop;
  TestNode s(loop, 1);
  s.start({s.address()});
  REQUIRE(s.wait_log("not redialling " + s.address() + ": it is this node"));
  const size_t refusals = s.log_count("connection to self");
  CHECK(refusals >= 1);
  std::this_thread::sleep_for(700ms);  // more than the longest backoff
  CHECK(s.log_count("connection to self") == refusals);
  CHECK(s.log_count("not redialling") == 1);
  CHECK(s.log_count("banned") == 0);
  CHECK(s.peer_events().empty());
  CHECK(s.net().peer_count() == 0);
}

TEST_CASE("two nodes dialling each other keep exactly one connection, the same at both ends") {
  Loop loop;
  TestNode a(loop, 1), b(loop, 2);
  a.start({b.address()});
  b.start({a.address()});
  REQUIRE(a.wait_peers(1));
  REQUIRE(b.wait_peers(1));
  // Let duplicates resolve, then check that nothing churns.
  std::this_thread::sleep_for(500ms);
  const size_t connected_lines = a.log_count(" connected (") + b.log_count(" connected (");
  std::this_thread::sleep_for(800ms);
  CHECK(a.log_count(" connected (") + b.log_count(" connected (") == connected_lines);
  CHECK(a.net().peer_count() == 1);
  CHECK(b.net().peer_count() == 1);
  const bool a_smaller = a.key().public_key() < b.key().public_key();
  auto at_a = a.peer_with(b.key().public_key());
  auto at_b = b.peer_with(a.key().public_key());
  REQUIRE(at_a);
  REQUIRE(at_b);
  CHECK(at_a->outbound == a_smaller);  // the one dialled by the smaller key stays
  CHECK(at_b->outbound == !a_smaller);
  CHECK(net_ups(a, b.key().public_key()) == 1);
  CHECK(net_ups(b, a.key().public_key()) == 1);
  CHECK(a.log_count("banned") + b.log_count("banned") == 0);
  // And it carries traffic.
  a.net().broadcast(status(1));
  CHECK(eventually([&] { return b.statuses() == std::vector<uint64_t>{1}; }));
}

TEST_CASE("a hostile raw client: garbage, text and oversized frames, a wrong chain, then banned") {
  Loop loop;
  TestNode a(loop, 1), b(loop, 2);
  a.start();
  auto offend = [&](const std::function<void(RawPeer&)>& act, const std::string& logged) {
    RawPeer p(a.port());
    REQUIRE(!p.bind_error);
    REQUIRE(!p.upgrade());
    act(p);
    CHECK(p.wait_closed() == websocket::error::closed);
    CHECK(a.wait_log(logged));
    CHECK(a.log_count("numledgerd: p2p: refused 127.0.0.2:") >= 1);
  };
  offend([](RawPeer& p) { p.send(Bytes{0xff, 1, 2, 3}); }, "p2p frame: unsupported version 255");
  offend([](RawPeer& p) { p.send_text("hello?"); }, "text frame");
  offend([](RawPeer& p) { p.send(Bytes(5000, 1)); }, "frame exceeds 4096 bytes during the handshake");
  CHECK(a.log_count("banned") == 0);  // 75 points so far
  offend([](RawPeer& p) { p.handshake(seeded_key(66), "evil-chain"); }, "chain id 'evil-chain' is not ours");
  CHECK(a.wait_log("numledgerd: p2p: banned 127.0.0.2 for 60 s"));

  // A banned address keeps banned_address_sessions (2) connections
  // without a reserved slot, so that honest nodes behind it still get in;
  // past them its upgrades are refused before any handshake.
  // The last offender's session may still be closing on a's side, and it
  // counts until it is gone: a hold retries a refused upgrade for a second.
  auto hold = [&]() -> std::unique_ptr<RawPeer> {
    for (int tries = 0; tries < 50; ++tries) {
      auto p = std::make_unique<RawPeer>(a.port());
      if (!p->upgrade()) return p;
      std::this_thread::sleep_for(20ms);
    }
    return nullptr;
  };
  auto held1 = hold();
  REQUIRE(held1);
  auto held2 = hold();
  REQUIRE(held2);
  RawPeer again(a.port());
  CHECK(again.upgrade());
  CHECK(again.response.result() == http::status::forbidden);
  CHECK(a.wait_log("refused 127.0.0.2:"));
  CHECK(a.log_count("address 127.0.0.2 is banned") >= 1);

  // Nodes on other addresses are not affected.
  b.start({a.address()});
  CHECK(a.wait_peers(1));
  CHECK(a.peer_events().size() == 1);
}

TEST_CASE("a handshaken peer that sends an oversized or unexpected frame is dropped and scored") {
  Loop loop;
  TestNode a(loop, 1);
  a.start();
  const auto k = seeded_key(50);
  {
    RawPeer p(a.port());
    REQUIRE(!p.upgrade());
    REQUIRE(p.handshake(k));
    REQUIRE(a.wait_peers(1));
    CHECK(p.their_hello->node_key == a.key().public_key());
    p.send(frame_of(p2p::Tag::tx, p2p::kMaxTxFrameBytes + 1));
    CHECK(p.wait_closed() == websocket::error::closed);
    CHECK(p.close_reason().code == websocket::close_code::policy_error);
    CHECK(a.wait_log("dropped 127.0.0.2:"));
    CHECK(a.log_count("(peer " + k.public_key().hex().substr(0, 16) + "): p2p tx frame of " +
                      std::to_string(p2p::kMaxTxFrameBytes + 1) + " bytes exceeds the cap of " +
                      std::to_string(p2p::kMaxTxFrameBytes)) == 1);
    CHECK(a.wait_peers(0));
  }
  {
    RawPeer p(a.port());
    REQUIRE(!p.upgrade());
    REQUIRE(p.handshake(k));
    p.send(p2p::encode(p.ours));
    CHECK(p.wait_closed() == websocket::error::closed);
    CHECK(a.wait_log("unexpected hello frame after the handshake"));
    // Gone from the node too: a session of the same key still there would
    // make the next one a duplicate, closed without its offence scored.
    CHECK(a.wait_peers(0));
  }
  {
    RawPeer p(a.port());
    REQUIRE(!p.upgrade());
    REQUIRE(p.handshake(k));
    p.send(Bytes{p2p::kP2pVersion, static_cast<uint8_t>(p2p::Tag::status), 1, 2});
    CHECK(p.wait_closed() == websocket::error::closed);
    CHECK(a.wait_peers(0));
  }
  // 25 + 25 + 25 so far; a fourth offence bans the key (not the address:
  // only offences before a key is proven count against it).
  {
    RawPeer p(a.port());
    REQUIRE(!p.upgrade());
    REQUIRE(p.handshake(k));
    p.send_text("{}");
    CHECK(p.wait_closed() == websocket::error::closed);
  }
  CHECK(a.wait_log("banned node key " + k.public_key().hex().substr(0, 16) + " (127.0.0.2)"));
  CHECK(a.log_count("banned 127.0.0.2") == 0);
  CHECK(eventually([&] { return a.peer_events().size() == 8; }));
  auto events = a.peer_events();
  REQUIRE(events.size() == 8);  // four times up, then down
  for (size_t i = 0; i < events.size(); ++i) CHECK(events[i].second == (i % 2 == 0));
  // The banned key is refused from any address.
  RawPeer other(a.port(), "127.0.0.3");
  REQUIRE(!other.upgrade());
  other.handshake(k);  // the node signs before it checks the ban
  CHECK(other.wait_closed() == websocket::error::closed);
  CHECK(a.wait_log("node key " + k.public_key().hex().substr(0, 16) + " is banned"));
  CHECK(a.peer_events().size() == 8);
}

TEST_CASE("a client that never handshakes is dropped after handshake_timeout") {
  Loop loop;
  TestNode a(loop, 1);
  a.start({}, [](P2pOptions& o) { o.handshake_timeout = 300ms; });
  RawPeer p(a.port(), "127.0.0.1");
  REQUIRE(!p.upgrade());
  const auto t0 = Clock::now();
  auto hello = p.read();  // the node speaks first
  REQUIRE(hello);
  CHECK(std::holds_alternative<p2p::Hello>(*p2p::decode(*hello)));
  CHECK(p.wait_closed() == websocket::error::closed);
  const auto took = Clock::now() - t0;
  CHECK(took >= 250ms);
  CHECK(took < 3s);
  CHECK(a.wait_log("handshake not finished within 300 ms"));
  CHECK(a.log_count("banned") == 0);
}

TEST_CASE("idle timeout: a silent peer is dropped, a live one is kept up by pings") {
  Loop loop;
  TestNode a(loop, 1), b(loop, 2);
  a.start({b.address()}, [](P2pOptions& o) { o.idle_timeout = 1s; });
  b.start({}, [](P2pOptions& o) { o.idle_timeout = 1s; });
  RawPeer p(a.port());
  REQUIRE(!p.upgrade());
  REQUIRE(p.handshake(seeded_key(80)));  // then reads nothing: no pongs
  REQUIRE(a.wait_peers(2));
  CHECK(a.wait_log("disconnected (127.0.0.2:", 4s));
  CHECK(a.log_count("): idle timeout") == 1);
  CHECK(a.net().peer_count() == 1);
  std::this_thread::sleep_for(1500ms);  // b answers pings
  CHECK(a.net().peer_count() == 1);
  CHECK(a.peer_with(b.key().public_key()));
  CHECK(a.log_count("disconnected") == 1);
}

TEST_CASE("thousands of connections in a loop, and a burst over the cap, leave the node healthy") {
  Loop loop;
  TestNode a(loop, 1), b(loop, 2), c(loop, 3);
  a.start({}, [](P2pOptions& o) {
    o.max_peers = 40;
    o.max_handshaking = 40;
    o.max_handshaking_per_address = 1000;  // one address plays every client here
  });
  b.start({a.address()});
  REQUIRE(a.wait_peers(1));
  const auto t0 = Clock::now();
  int upgraded = 0;
  for (int i = 0; i < 2000; ++i) {
    RawPeer p(a.port(), "127.0.0.1");
    if (p.upgrade()) continue;
    ++upgraded;
    if (i % 2) p.close();  // else dropped without a close frame
  }
  MESSAGE("2000 upgrades and closes took " << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count() << " ms");
  CHECK(upgraded == 2000);

  // A burst held open: past the cap on handshakes in progress they are refused.
  std::vector<std::unique_ptr<RawPeer>> burst;
  int refused = 0;
  for (int i = 0; i < 60; ++i) {
    burst.push_back(std::make_unique<RawPeer>(a.port(), "127.0.0.1"));
    if (burst.back()->upgrade()) {
      ++refused;
      CHECK(burst.back()->response.result() == http::status::service_unavailable);
    }
  }
  CHECK(refused >= 60 - 40);
  CHECK(a.wait_log("too many handshakes in progress"));
  burst.clear();

  // Healthy: the old peer still talks, a new node gets in, nothing was banned.
  CHECK(eventually([&] { return a.http_connections() == 0; }));
  c.start({a.address()});
  CHECK(a.wait_peers(2));
  a.net().broadcast(status(9));
  CHECK(eventually([&] { return b.statuses() == std::vector<uint64_t>{9} && c.statuses() == std::vector<uint64_t>{9}; }));
  CHECK(a.log_count("banned") == 0);
  CHECK(a.peer_events().size() == 2);
}

TEST_CASE("a peer that never reads is dropped when its send queue fills, one that reads is not") {
  Loop loop;
  TestNode a(loop, 1), b(loop, 2);
  a.start({b.address()}, [](P2pOptions& o) { o.send_queue_bytes = 256 * 1024; });
  b.start();
  RawPeer p(a.port());
  REQUIRE(!p.upgrade());
  REQUIRE(p.handshake(seeded_key(70)));
  REQUIRE(a.wait_peers(2));
  const PeerId slow = a.peer_with(seeded_key(70).public_key())->id;
  const PeerId fast = a.peer_with(b.key().public_key())->id;
  p2p::Blocks big;
  p2p::CertifiedBlock cb;
  cb.block.header.chain_id = kTestChain;
  cb.block.header.height = 1;
  for (uint64_t i = 0; i < 100; ++i) cb.block.txs.push_back(delegate("10.1.0.0/16", 1, 2, i + 1));
  big.blocks.push_back(cb);
  const size_t frame = p2p::encode(big).size();
  // Paced well below what a reading peer takes, so only the one that does
  // not read falls behind: first the socket buffers fill, then the queue.
  int sent = 0;
  while (sent < 3000 && a.log_count("send queue full") == 0) {
    a.net().send(slow, big);
    a.net().send(fast, big);
    ++sent;
    std::this_thread::sleep_for(1ms);
  }
  MESSAGE("the silent peer was dropped after " << sent << " frames of " << frame << " bytes");
  CHECK(a.wait_log("send queue full"));
  CHECK(static_cast<size_t>(sent) * frame > 2 * 256 * 1024);  // more than the queue alone holds
  CHECK(a.log_count("dropped 127.0.0.2:") == 1);
  CHECK(eventually([&] { return a.net().peer_count() == 1; }));
  CHECK(a.peer_with(b.key().public_key()));
  CHECK(eventually([&] { return b.messages().size() == static_cast<size_t>(sent); }));
  // Not reading costs the key a ban, and the address some points.
  CHECK(a.wait_log("banned node key " + seeded_key(70).public_key().hex().substr(0, 16)));
  CHECK(a.log_count("banned 127.0.0.2 ") == 0);
}

TEST_CASE("redial: a peer that restarts on the same port is reconnected within the backoff") {
  Loop loop;
  TestNode a(loop, 1);
  auto b = std::make_unique<TestNode>(loop, 2);
  const uint16_t port = b->port();
  a.start({b->address()});
  b->start();
  REQUIRE(a.wait_peers(1));
  b.reset();
  REQUIRE(a.wait_peers(0));
  CHECK(a.wait_log("disconnected (127.0.0.1:" + std::to_string(port) + ")"));
  std::this_thread::sleep_for(300ms);  // a few failed dials
  CHECK(a.wait_log("dial 127.0.0.1:" + std::to_string(port) + " failed"));
  TestNode b2(loop, 4, port);
  b2.start();
  const auto t0 = Clock::now();
  REQUIRE(a.wait_peers(1, 3s));
  CHECK(Clock::now() - t0 < 1500ms);  // redial_max is 500 ms
  CHECK(a.peer_with(b2.key().public_key()));
}

TEST_CASE("penalize: points add up, at the ban score the peer is dropped and banned") {
  Loop loop;
  TestNode a(loop, 1), b(loop, 2);
  a.start();
  b.start({a.address()});
  REQUIRE(a.wait_peers(1));
  const PeerId id = a.net().peers().at(0).id;
  a.net().penalize(id, 60, "invalid vote");
  CHECK(a.wait_log("peer " + b.key().public_key().hex().substr(0, 16) + " (127.0.0.1:"));
  CHECK(a.log_count("penalized 60 points: invalid vote") == 1);
  std::this_thread::sleep_for(100ms);
  CHECK(a.net().peer_count() == 1);
  a.net().penalize(id, 60, "invalid proposal");
  CHECK(a.wait_log("banned node key " + b.key().public_key().hex().substr(0, 16) + " (127.0.0.1)"));
  CHECK(a.wait_peers(0));
  CHECK(b.wait_log("banned: invalid proposal"));
  // b's redial: its key is refused, its address (shared with others) is not.
  CHECK(a.wait_log("node key " + b.key().public_key().hex().substr(0, 16) + " is banned"));
  CHECK(a.log_count("banned 127.0.0.1") == 0);
  a.net().penalize(id, 60, "gone");  // unknown by now: nothing happens
  CHECK(a.log_count("gone") == 0);
}

TEST_CASE("stop: OnPeer(false) for each peer, idempotent, from any thread, and from inside a callback") {
  Loop loop;
  TestNode a(loop, 1), b(loop, 2), c(loop, 3), d(loop, 4);
  a.start({b.address(), c.address()});
  b.start();
  c.start();
  REQUIRE(a.wait_peers(2));
  std::thread([&] { a.net().stop(); }).join();
  a.net().stop();
  CHECK(a.net().peer_count() == 0);
  CHECK(a.net().peers().empty());
  auto events = a.peer_events();
  REQUIRE(events.size() == 4);
  CHECK(!events[2].second);
  CHECK(!events[3].second);
  CHECK(a.log_count("disconnected") == 2);
  CHECK(b.wait_peers(0));
  CHECK(c.wait_peers(0));
  a.net().broadcast(status(1));  // a no-op now
  std::this_thread::sleep_for(100ms);
  CHECK(b.statuses().empty());
  CHECK(a.peer_events().size() == 4);

  // Stopping from inside OnMessage does not wait for itself.
  std::atomic<bool> stopped_inside{false};
  d.on_message = [&](const PeerInfo&, const p2p::P2pMessage&) {
    d.net().stop();
    stopped_inside = true;
  };
  d.start({b.address()});
  REQUIRE(d.wait_peers(1));
  b.net().broadcast(status(2));
  CHECK(eventually([&] { return stopped_inside.load(); }));
  CHECK(d.net().peer_count() == 0);
  CHECK(b.wait_peers(0));
}
