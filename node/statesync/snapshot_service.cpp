#include "node/statesync/snapshot_service.h"

#include "node/log/node_log.h"

namespace nl::node {

SnapshotService::SnapshotService(Transport& inner, const SharedChain& chain, SnapshotServiceOptions opts)
    : inner_(inner), chain_(chain), opts_(opts), worker_([this] { run(); }) {}

SnapshotService::~SnapshotService() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  worker_.join();
}

void SnapshotService::set_handlers(OnMessage on_message, OnPeer on_peer) {
  inner_.set_handlers(
      [this, on_message = std::move(on_message)](const PeerInfo& peer, p2p::P2pMessage m) {
        Request r{peer.id, std::nullopt};
        if (auto* g = std::get_if<p2p::GetChunk>(&m))
          r.chunk = *g;
        else if (!std::holds_alternative<p2p::GetSnapshot>(m)) {
          if (std::holds_alternative<p2p::SnapshotOffer>(m) || std::holds_alternative<p2p::Chunk>(m))
            return;  // answers this node never asked for while it runs
          if (on_message) on_message(peer, std::move(m));
          return;
        }
        {
          std::lock_guard lock(mutex_);
          if (queue_.size() >= opts_.max_queued) return;  // busy: the asker tries another peer
          queue_.push_back(r);
        }
        wake_.notify_one();
      },
      std::move(on_peer));
}

void SnapshotService::run() {
  for (;;) {
    Request r;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      r = queue_.front();
      queue_.pop_front();
    }
    serve(r);
  }
}

const ledger::SnapshotSource* SnapshotService::current() {
  const auto now = Clock::now();
  const bool fresh = snapshot_ && now - taken_ < opts_.max_age;
  const bool in_use = snapshot_ && now - last_chunk_ < opts_.chunk_quiet;
  if (fresh || in_use) return &*snapshot_;
  Result<ledger::SnapshotSource> s = [&] {
    auto lock = chain_.read_lock();
    return chain_.chain().snapshot();
  }();
  if (!s) {
    logging::warn("state sync: no snapshot to serve: " + s.error());
    return snapshot_ ? &*snapshot_ : nullptr;
  }
  snapshot_.emplace(std::move(*s));
  taken_ = now;
  logging::info("state sync: serving the snapshot of height " + std::to_string(snapshot_->height()) + ", " +
                    std::to_string(snapshot_->entry_count()) + " entries in " +
                    std::to_string(snapshot_->chunk_count()) + " chunks",
                {snapshot_->height(), "", ""});
  return &*snapshot_;
}

void SnapshotService::serve(const Request& r) {
  if (!r.chunk) {
    p2p::SnapshotOffer offer;
    if (const auto* s = current()) offer.anchor = s->anchor();
    p2p::P2pMessage m = offer;
    if (offer.anchor && p2p::encode(m).size() > p2p::kMaxSnapshotFrameBytes) {
      logging::warn("state sync: the snapshot's anchor exceeds a frame; none is offered");
      m = p2p::SnapshotOffer{};
    }
    inner_.send(r.peer, m);
    return;
  }
  const p2p::GetChunk& g = *r.chunk;
  p2p::Chunk reply{g.height, g.index, std::nullopt};
  if (snapshot_ && snapshot_->height() == g.height) {
    if (g.index >= snapshot_->chunk_count()) {
      inner_.penalize(r.peer, kPenaltyInvalid,
                      "get_chunk " + std::to_string(g.index) + " of a snapshot of " +
                          std::to_string(snapshot_->chunk_count()) + " chunks");
      return;
    }
    auto c = snapshot_->chunk(g.index);
    if (c) reply.chunk = std::move(*c);
    else logging::warn("state sync: " + c.error());
    last_chunk_ = Clock::now();
  }
  p2p::P2pMessage m = std::move(reply);
  if (p2p::encode(m).size() > p2p::kMaxChunkFrameBytes) {
    logging::warn("state sync: chunk " + std::to_string(g.index) + " exceeds a frame; it is not served");
    m = p2p::Chunk{g.height, g.index, std::nullopt};
  }
  inner_.send(r.peer, m);
}

}  // namespace nl::node
