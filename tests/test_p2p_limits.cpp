// The peer network's limits, in process: one get_blocks reply in flight per
// peer and a rate for serving them, a frame the peer does not take in, the
// bound on all send queues, the idle timeout that pings do not reset, and
// the slots (per address, in total, reserved for validators).
#include <doctest/doctest.h>

#include "node/p2p/peer_session.h"
#include "support/consensus_net.h"
#include "support/p2p_nodes.h"

using namespace nl;
using namespace nl::node;
using namespace nl::test;
using namespace nl::test::p2pt;
namespace p2p = nl::node::p2p;

namespace {

size_t get_blocks_seen(const TestNode& n) {
  size_t count = 0;
  for (auto& [p, m] : n.messages()) count += std::holds_alternative<p2p::GetBlocks>(m) ? 1 : 0;
  return count;
}

// A blocks frame of about `txs` delegations (some 200 bytes each).
p2p::Blocks blocks_of(size_t txs) {
  p2p::Blocks out;
  p2p::CertifiedBlock cb;
  cb.block.header.chain_id = kTestChain;
  cb.block.header.height = 1;
  for (uint64_t i = 0; i < txs; ++i) cb.block.txs.push_back(delegate("10.1.0.0/16", 1, 2, i + 1));
  out.blocks.push_back(cb);
  return out;
}

// `p` upgraded and handshaken with `key`, once `a` counts `peers` peers:
// its id at `a`.
PeerId joined(TestNode& a, RawPeer& p, const crypto::SecretKey& key, size_t peers = 1) {
  REQUIRE(!p.upgrade());
  REQUIRE(p.handshake(key));
  REQUIRE(a.wait_peers(peers));
  return a.peer_with(key.public_key())->id;
}

p2p::StatusMessage status(uint64_t h) { return p2p::StatusMessage{h, crypto::sha256(as_bytes(std::to_string(h)))}; }

}  // namespace

TEST_CASE("get_blocks: one reply in flight per peer, the next request is read once the reply is written") {
  Loop loop;
  TestNode a(loop, 1);
  a.start({}, [](P2pOptions& o) { o.serve_bytes_burst = o.serve_bytes_per_second = 1000.0 * kServeMinBytes; });
  RawPeer p(a.port());
  const PeerId id = joined(a, p, seeded_key(5));
  for (int i = 0; i < 3; ++i) REQUIRE(!p.send(p2p::encode(p2p::GetBlocks{1, 8})));
  CHECK(eventually([&] { return get_blocks_seen(a) == 1; }));
  std::this_thread::sleep_for(300ms);
  CHECK(get_blocks_seen(a) == 1);  // no reply yet: nothing more is read
  a.net().send(id, p2p::Blocks{});
  CHECK(eventually([&] { return get_blocks_seen(a) == 2; }));
  std::this_thread::sleep_for(300ms);
  CHECK(get_blocks_seen(a) == 2);
  a.net().send(id, p2p::Blocks{});
  CHECK(eventually([&] { return get_blocks_seen(a) == 3; }));
  CHECK(a.net().peer_count() == 1);
  CHECK(a.log_count("banned") == 0);
}

TEST_CASE("get_blocks: past the burst, requests are served at the rate, without penalty") {
  Loop loop;
  TestNode a(loop, 1);
  a.start({}, [](P2pOptions& o) {  // 5 empty replies a second, 2 at once
    o.serve_bytes_per_second = 5.0 * kServeMinBytes;
    o.serve_bytes_burst = 2.0 * kServeMinBytes;
  });
  RawPeer p(a.port());
  const PeerId id = joined(a, p, seeded_key(6));
  const auto t0 = Clock::now();
  for (int i = 0; i < 6; ++i) REQUIRE(!p.send(p2p::encode(p2p::GetBlocks{1, 1})));
  size_t answered = 0;
  while (answered < 6 && Clock::now() - t0 < 5s) {  // the node's driver, played here: reply to each
    if (get_blocks_seen(a) > answered) {
      ++answered;
      a.net().send(id, p2p::Blocks{});
    }
    std::this_thread::sleep_for(1ms);
  }
  const auto took = Clock::now() - t0;
  MESSAGE("6 get_blocks at 5/s with a burst of 2 took " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");
  CHECK(answered == 6);
  CHECK(took >= 700ms);  // 2 at once, then 4 at 200 ms each
  CHECK(a.net().peer_count() == 1);
  CHECK(a.log_count("banned") == 0);
}

TEST_CASE("get_blocks: a reply costs its bytes, so a large one delays the next request and small ones do not") {
  Loop loop;
  TestNode a(loop, 1);
  a.start({}, [](P2pOptions& o) {  // 4 minimum charges a second, 4 at once
    o.serve_bytes_per_second = 4.0 * kServeMinBytes;
    o.serve_bytes_burst = 4.0 * kServeMinBytes;
  });
  RawPeer p(a.port());
  const PeerId id = joined(a, p, seeded_key(9));
  const auto big = blocks_of(10000);
  const size_t big_bytes = p2p::encode(big).size();
  REQUIRE(big_bytes > 6 * kServeMinBytes);  // far more than the one charge an empty reply costs
  // Each reply is read off the socket before the next request, so only
  // the bucket can hold a request back.
  auto serve = [&](const p2p::Blocks& reply, std::chrono::milliseconds limit) {
    const size_t seen = get_blocks_seen(a);
    REQUIRE(!p.send(p2p::encode(p2p::GetBlocks{1, 1})));
    const auto t0 = Clock::now();
    const bool got = eventually([&] { return get_blocks_seen(a) == seen + 1; }, limit);
    const auto took = Clock::now() - t0;
    if (got) {
      a.net().send(id, reply);
      const auto frame = p.read();
      REQUIRE(frame);
      REQUIRE(frame->size() >= 2);
      CHECK((*frame)[1] == static_cast<uint8_t>(p2p::Tag::blocks));
    }
    return std::pair{got, took};
  };
  // Small replies: three at once from the burst.
  for (int i = 0; i < 3; ++i) {
    auto [got, took] = serve(p2p::Blocks{}, 2s);
    CHECK(got);
    CHECK(took < 1s);
  }
  // The large one is served from the last charge in the bucket, then costs its size...
  auto [got_big, took_big] = serve(big, 2s);
  CHECK(got_big);
  CHECK(took_big < 1s);
  // ...so the next request waits until its size has come back: the bucket
  // held about one charge before it, the next needs one.
  auto [got_next, took_next] = serve(p2p::Blocks{}, 10s);
  const double expected_s = static_cast<double>(big_bytes) / (4.0 * kServeMinBytes);
  MESSAGE("after a reply of " << big_bytes << " bytes the next request waited "
                              << std::chrono::duration_cast<std::chrono::milliseconds>(took_next).count() << " ms (bucket: "
                              << expected_s << " s)");
  CHECK(got_next);
  CHECK(took_next >= std::chrono::duration<double>(expected_s * 0.8));
  CHECK(a.net().peer_count() == 1);
  CHECK(a.log_count("banned") == 0);
}

TEST_CASE("a peer that does not take in a frame within write_stall_timeout is dropped and its key banned") {
  Loop loop;
  TestNode a(loop, 1);
  a.start({}, [](P2pOptions& o) { o.write_stall_timeout = 500ms; });
  RawPeer p(a.port());
  const PeerId id = joined(a, p, seeded_key(7));  // then reads nothing
  const auto big = blocks_of(1000);
  for (int i = 0; i < 100; ++i) a.net().send(id, big);  // about 20 MB: more than the socket buffers
  CHECK(a.wait_log("does not read: a frame of", 10s));
  CHECK(a.wait_log("banned node key " + seeded_key(7).public_key().hex().substr(0, 16)));
  CHECK(eventually([&] { return a.net().peer_count() == 0; }));
  CHECK(eventually([&] { return a.net().queued_bytes() == 0; }));
}

TEST_CASE("past the bound on all send queues, the peer with the longest queue is dropped") {
  Loop loop;
  TestNode a(loop, 1), b(loop, 2);
  a.start({b.address()}, [](P2pOptions& o) { o.max_queued_bytes = 2 * 1024 * 1024; });
  b.start();
  RawPeer p(a.port());
  const PeerId slow = joined(a, p, seeded_key(8), 2);
  const auto big = blocks_of(1000);
  for (int i = 0; i < 100 && a.log_count("send queues of all peers") == 0; ++i) {
    a.net().send(slow, big);
    std::this_thread::sleep_for(1ms);
  }
  CHECK(a.wait_log("send queues of all peers past 2097152 bytes"));
  CHECK(eventually([&] { return a.net().peer_count() == 1; }));
  CHECK(a.peer_with(b.key().public_key()));
  CHECK(eventually([&] { return a.net().queued_bytes() == 0; }));
}

TEST_CASE("idle: a peer without a reserved slot and without useful frames is dropped, pings do not count") {
  Loop loop;
  TestNode a(loop, 1), b(loop, 2);
  a.start({b.address()}, [](P2pOptions& o) { o.useful_idle_timeout = 1s; });
  b.start();
  RawPeer silent(a.port()), talking(a.port(), "127.0.0.3");
  REQUIRE(!silent.upgrade());
  REQUIRE(silent.handshake(seeded_key(9)));
  REQUIRE(!talking.upgrade());
  REQUIRE(talking.handshake(seeded_key(10)));
  REQUIRE(a.wait_peers(3));
  // A status every 300 ms is useful; the silent one goes (its close waits
  // out the handshake timeout, 2 s here, as it reads nothing).
  const auto t0 = Clock::now();
  for (uint64_t i = 0; Clock::now() - t0 < 6s && a.peer_with(seeded_key(9).public_key()); ++i) {
    REQUIRE(!talking.send(p2p::encode(status(i))));
    std::this_thread::sleep_for(300ms);
  }
  CHECK(a.log_count("idle: no transaction, consensus, status or blocks frame in 1 s") == 1);
  CHECK(!a.peer_with(seeded_key(9).public_key()));
  CHECK(a.peer_with(seeded_key(10).public_key()));
  CHECK(a.peer_with(b.key().public_key()));  // configured: reserved, silent and kept
  CHECK(a.log_count("banned") == 0);
}

TEST_CASE("slots: a cap per address and in total for peers without a reservation, a validator's key gets in anyway") {
  Loop loop;
  TestNode a(loop, 1);
  const auto validator = seeded_key(40).public_key();
  a.start({}, [validator](P2pOptions& o) {
    o.max_peers = 3;
    o.max_peers_per_address = 2;
    o.max_handshaking_per_address = 2;
    o.is_validator = [validator](const crypto::PublicKey& k) { return k == validator; };
  });
  std::vector<std::unique_ptr<RawPeer>> in;
  auto join = [&](const std::string& ip, uint8_t seed) {
    in.push_back(std::make_unique<RawPeer>(a.port(), ip));
    REQUIRE(!in.back()->upgrade());
    REQUIRE(in.back()->handshake(seeded_key(seed)));
    return in.back().get();
  };
  join("127.0.0.2", 11);
  join("127.0.0.2", 12);
  REQUIRE(a.wait_peers(2));
  CHECK(join("127.0.0.2", 13)->wait_closed() == websocket::error::closed);
  CHECK(a.wait_log("too many peers from 127.0.0.2 (the cap is 2)"));
  join("127.0.0.3", 14);
  REQUIRE(a.wait_peers(3));
  CHECK(join("127.0.0.4", 15)->wait_closed() == websocket::error::closed);
  CHECK(a.wait_log("too many peers (3 without a reserved slot, the cap is 3)"));
  join("127.0.0.4", 40);
  CHECK(a.wait_peers(4));
  CHECK(a.peer_with(validator));
  CHECK(a.log_count(", reserved slot, ") == 1);

  // Handshakes in progress: at most 2 from one address.
  RawPeer h1(a.port(), "127.0.0.5"), h2(a.port(), "127.0.0.5"), h3(a.port(), "127.0.0.5");
  REQUIRE(!h1.upgrade());
  REQUIRE(!h2.upgrade());
  CHECK(h3.upgrade());
  CHECK(h3.response.result() == http::status::service_unavailable);
  CHECK(a.wait_log("too many handshakes in progress from 127.0.0.5"));
}
