// State sync over real sockets (in-process P2pNetworks on 127.0.0.1): a
// joining node asks two peers for their snapshot; one serves every chunk
// with a value changed, or offers an anchor with another state root. Each
// bad chunk or anchor is refused and costs its peer a penalty, the chunks
// come from the honest peer instead, and the joined chain has the source's
// state root.
#include <doctest/doctest.h>

#include <mutex>
#include <thread>

#include "node/driver/shared_chain.h"
#include "node/statesync/snapshot_service.h"
#include "node/statesync/state_sync_client.h"
#include "support/p2p_nodes.h"
#include "support/state_sync_source.h"

using namespace nl;
using namespace nl::node;

namespace {

// A peer that lies: every chunk it sends has its first value changed, or
// (forge_anchor) the anchor it offers names another state root.
class CorruptChunks final : public Transport {
 public:
  explicit CorruptChunks(Transport& inner, bool forge_anchor = false) : inner_(inner), forge_anchor_(forge_anchor) {}
  void set_handlers(OnMessage m, OnPeer p) override { inner_.set_handlers(std::move(m), std::move(p)); }
  void broadcast(const p2p::P2pMessage& m, std::optional<PeerId> except) override { inner_.broadcast(m, except); }
  void send(PeerId peer, const p2p::P2pMessage& m) override {
    if (const auto* c = std::get_if<p2p::Chunk>(&m); c && c->chunk) {
      p2p::Chunk bad = *c;
      bad.chunk->proof.entries.front().value.push_back('!');
      ++corrupted;
      return inner_.send(peer, bad);
    }
    if (const auto* o = std::get_if<p2p::SnapshotOffer>(&m); o && o->anchor && forge_anchor_) {
      p2p::SnapshotOffer forged = *o;
      forged.anchor->base.header.state_root.b[0] ^= 1;
      ++corrupted;
      return inner_.send(peer, forged);
    }
    inner_.send(peer, m);
  }
  void send(const std::vector<PeerId>& peers, const p2p::P2pMessage& m) override {
    for (PeerId p : peers) send(p, m);
  }
  void penalize(PeerId peer, int points, const std::string& reason) override { inner_.penalize(peer, points, reason); }
  std::vector<PeerInfo> peers() const override { return inner_.peers(); }
  std::atomic<int> corrupted{0};

 private:
  Transport& inner_;
  bool forge_anchor_;
};

struct Joined {
  uint64_t bad_chunks = 0;
  int corrupted = 0;
  std::vector<std::string> penalties;  // the joiner's log lines penalising the hostile peer
  std::unique_ptr<ledger::Chain> chain;
};

// A node joins by state sync from an honest peer and a hostile one, both
// serving `src`'s chain over real sockets.
Joined join_from_two(test::StateSyncSource& src, bool forge_anchor) {
  SharedChain shared(*src.chain);
  const crypto::Hash32 genesis_hash = src.g.hash();
  auto same_chain = [&](P2pOptions& o) { o.genesis_hash = genesis_hash; };

  test::Loop loop;
  test::TestNode honest(loop, 1), hostile(loop, 2);
  honest.start({}, same_chain);
  hostile.start({}, same_chain);
  SnapshotService honest_service(honest.net(), shared);
  CorruptChunks corrupt(hostile.net(), forge_anchor);
  SnapshotService hostile_service(corrupt, shared);
  honest_service.set_handlers({}, {});
  hostile_service.set_handlers({}, {});

  std::mutex log_mu;
  std::vector<std::string> log;
  P2pNetwork joiner(loop.ioc, P2pOptions{.chain_id = src.g.chain_id,
                                         .genesis_hash = genesis_hash,
                                         .node_key = test::seeded_key(3),
                                         .validator = false,
                                         .peers = {honest.address(), hostile.address()},
                                         .best_height = [] { return uint64_t{0}; },
                                         .log = [&](const std::string& line) {
                                           std::lock_guard lock(log_mu);
                                           log.push_back(line);
                                         }});
  // Both offers are awaited: neither peer is left out of the chunk requests.
  StateSyncClient client(joiner, src.g, StateSyncOptions{.offer_wait = std::chrono::seconds(20)});
  joiner.set_handlers([&](const PeerInfo& p, p2p::P2pMessage m) { client.on_message(p, std::move(m)); },
                      [&](const PeerInfo& p, bool up) { client.on_peer(p, up); });
  joiner.start();
  REQUIRE(test::eventually([&] { return joiner.peer_count() == 2; }, std::chrono::seconds(10)));
  const bool done = test::eventually(
      [&] {
        client.tick(std::chrono::steady_clock::now());
        return client.complete();
      },
      std::chrono::seconds(60));
  REQUIRE_MESSAGE(done, client.progress());
  joiner.stop();

  Joined out;
  out.bad_chunks = client.bad_chunks();
  out.corrupted = corrupt.corrupted.load();
  {
    std::lock_guard lock(log_mu);
    const std::string hostile_key = hostile.key().public_key().hex().substr(0, 16);
    for (const auto& line : log)
      if (line.find(hostile_key) != std::string::npos && line.find("penalized 10 points") != std::string::npos)
        out.penalties.push_back(line);
  }
  test::TempDir dir("nl-statesync-peers");
  auto joined = ledger::Chain::open_from_snapshot(dir / "ledger", src.g, client.anchor(), client.take_entries());
  REQUIRE_MESSAGE(joined.ok(), joined.error());
  out.chain = std::move(*joined);
  return out;
}

}  // namespace

TEST_CASE("state sync over the network: a peer's bad chunks are refused and penalised, the honest peer serves them") {
  test::StateSyncSource src(3000);
  src.with_a_set_change();
  Joined j = join_from_two(src, false);
  CHECK(j.corrupted >= 1);
  CHECK(j.bad_chunks == static_cast<uint64_t>(j.corrupted));
  CHECK(j.penalties.size() == static_cast<size_t>(j.corrupted));
  for (const auto& line : j.penalties) CHECK(line.find("does not lead to the certified state root") != std::string::npos);
  CHECK(j.chain->height() == src.chain->height());
  CHECK(j.chain->state_root() == src.chain->state_root());
}

TEST_CASE("state sync over the network: a forged anchor is refused and penalised, the honest peer's is taken") {
  test::StateSyncSource src(10);
  src.with_a_set_change();
  Joined j = join_from_two(src, true);
  CHECK(j.corrupted >= 1);
  CHECK(j.bad_chunks == 0);  // no chunk was asked of the forger
  CHECK(j.penalties.size() == static_cast<size_t>(j.corrupted));
  // Refused on its own, or, after the honest offer, as another block at that height.
  for (const auto& line : j.penalties) {
    const bool named = line.find("snapshot anchor refused") != std::string::npos ||
                       line.find("offers another block") != std::string::npos;
    CHECK_MESSAGE(named, line);
  }
  CHECK(j.chain->state_root() == src.chain->state_root());
}
