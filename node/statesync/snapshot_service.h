// The serving side of state sync on the peer network: a Transport between
// the network and the consensus driver that answers get_snapshot and
// get_chunk itself (whitepaper/network.md, "State sync") and passes every
// other frame and call through, so the driver never sees them.
// One snapshot is served at a time, taken from the chain's tip under the
// read lock when a peer asks and the one held is older than max_age and has
// served no chunk for chunk_quiet (someone is still downloading it). The
// work runs on one thread of its own, at most max_queued requests waiting;
// a request past that is dropped and the asker tries another peer.
#pragma once
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "ledger/snapshot_source.h"
#include "node/driver/shared_chain.h"
#include "node/transport/transport.h"

namespace nl::node {

struct SnapshotServiceOptions {
  std::chrono::seconds max_age{60};
  std::chrono::seconds chunk_quiet{10};
  size_t max_queued = 64;
};

class SnapshotService final : public Transport {
 public:
  // `inner` and `chain` outlive this.
  SnapshotService(Transport& inner, const SharedChain& chain, SnapshotServiceOptions opts = {});
  ~SnapshotService() override;  // stops the worker
  SnapshotService(const SnapshotService&) = delete;
  SnapshotService& operator=(const SnapshotService&) = delete;

  void set_handlers(OnMessage on_message, OnPeer on_peer) override;
  void broadcast(const p2p::P2pMessage& m, std::optional<PeerId> except = {}) override { inner_.broadcast(m, except); }
  void send(PeerId peer, const p2p::P2pMessage& m) override { inner_.send(peer, m); }
  void send(const std::vector<PeerId>& peers, const p2p::P2pMessage& m) override { inner_.send(peers, m); }
  void penalize(PeerId peer, int points, const std::string& reason) override {
    inner_.penalize(peer, points, reason);
  }
  std::vector<PeerInfo> peers() const override { return inner_.peers(); }

 private:
  using Clock = std::chrono::steady_clock;
  struct Request {
    PeerId peer;
    std::optional<p2p::GetChunk> chunk;  // none: get_snapshot
  };
  void run();
  void serve(const Request& r);
  // The snapshot to offer now: the one held, or a new one of the tip.
  const ledger::SnapshotSource* current();

  Transport& inner_;
  const SharedChain& chain_;
  SnapshotServiceOptions opts_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Request> queue_;
  bool stopping_ = false;
  // The worker's own.
  std::optional<ledger::SnapshotSource> snapshot_;
  Clock::time_point taken_{}, last_chunk_{};
  std::thread worker_;
};

}  // namespace nl::node
