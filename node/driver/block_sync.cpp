#include "node/driver/block_sync.h"

#include "node/driver/block_values.h"

#include <algorithm>

namespace nl::node {

void BlockSync::peer_height(PeerId peer, uint64_t height) {
  Peer& p = peers_[peer];
  p.height = std::max(p.height, height);
}

void BlockSync::peer_gone(PeerId peer) {
  peers_.erase(peer);
  if (inflight_ && inflight_->peer == peer) inflight_.reset();
}

uint64_t BlockSync::best_peer_height() const {
  uint64_t best = 0;
  for (const auto& [id, p] : peers_) best = std::max(best, p.height);
  return best;
}

std::optional<SyncRequest> BlockSync::next(uint64_t our_height, Clock::time_point now, bool missed) {
  if (inflight_) {
    if (now - sent_at_ < timeout_) return std::nullopt;
    failed(inflight_->peer, now);
  }
  const uint64_t best = best_peer_height();
  if (best <= our_height) {
    behind_since_.reset();
    return std::nullopt;
  }
  if (!behind_since_) behind_since_ = now;
  if (best == our_height + 1 && !missed && now - *behind_since_ < lag_grace_) return std::nullopt;
  // The highest peer not being avoided; if all are, the highest anyway.
  std::optional<PeerId> pick, fallback;
  uint64_t pick_h = our_height, fallback_h = our_height;
  for (const auto& [id, p] : peers_) {
    if (p.height <= our_height) continue;
    if (p.avoid_until <= now && p.height > pick_h) pick = id, pick_h = p.height;
    if (p.height > fallback_h) fallback = id, fallback_h = p.height;
  }
  if (!pick) pick = fallback, pick_h = fallback_h;
  if (!pick) return std::nullopt;
  SyncRequest r{*pick, our_height + 1,
                static_cast<uint32_t>(std::min<uint64_t>(p2p::kMaxBlocksPerRequest, pick_h - our_height))};
  inflight_ = r;
  sent_at_ = now;
  return r;
}

std::optional<SyncRequest> BlockSync::answered(PeerId peer) {
  if (!inflight_ || inflight_->peer != peer) return std::nullopt;
  auto r = inflight_;
  inflight_.reset();
  return r;
}

void BlockSync::failed(PeerId peer, Clock::time_point now) {
  avoid(peer, now);
  if (inflight_ && inflight_->peer == peer) inflight_.reset();
}

void BlockSync::avoid(PeerId peer, Clock::time_point now) {
  if (auto it = peers_.find(peer); it != peers_.end()) it->second.avoid_until = now + 4 * timeout_;
}

p2p::Blocks serve_blocks(const ledger::BlockStore& store, const p2p::GetBlocks& request) {
  p2p::Blocks out;
  // Room for the frame's own fields besides the blocks.
  constexpr size_t kFrameOverhead = 64, kPerBlockOverhead = 16;
  size_t bytes = kFrameOverhead;
  const uint64_t tip = store.tip_height();
  for (uint64_t h = request.from; h >= 1 && h <= tip && h - request.from < request.count; ++h) {
    auto b = store.block(h);
    auto c = store.cert(h);
    if (!b || !c) break;
    const size_t size = b->encode().size() + c->encode().size() + kPerBlockOverhead;
    if (!out.blocks.empty() && bytes + size > p2p::kMaxBlocksFrameBytes) break;
    bytes += size;
    out.blocks.push_back({std::move(*b), std::move(*c)});
  }
  return out;
}

std::vector<ledger::TxsVerified> verify_synced_signatures(const Mempool& mempool,
                                                          const std::vector<p2p::CertifiedBlock>& answer,
                                                          size_t threads, uint64_t tip) {
  return SyncedSignatures(mempool, answer, threads, tip).all();
}

namespace {

// The commits, each written without an fsync; `flags(k)` is block k's
// TxsVerified, asked for just before it is applied.
template <class Flags>
SyncApplied commit_deferred(ledger::Chain& chain, const std::vector<p2p::CertifiedBlock>& answer, Flags&& flags) {
  SyncApplied r;
  for (size_t k = 0; k < answer.size(); ++k) {
    const auto& cb = answer[k];
    const uint64_t h = cb.block.header.height;
    if (h <= chain.height()) continue;  // committed meanwhile by consensus
    if (h != chain.height() + 1) {
      r.error = "block " + std::to_string(h) + " does not follow height " + std::to_string(chain.height());
      return r;
    }
    if (auto s = commit_certified(chain, cb.block, cb.cert, flags(k), ledger::Durability::deferred); !s) {
      r.error = "block " + std::to_string(h) + " refused: " + s.error();
      return r;
    }
    ++r.applied;
  }
  return r;
}

// Also after a refusal: the blocks before it are committed.
SyncApplied made_durable(ledger::Chain& chain, SyncApplied r) {
  if (r.applied > 0)
    if (auto s = chain.sync_store(); !s) r.not_durable = s.error();
  return r;
}

}  // namespace

SyncApplied apply_synced_blocks(ledger::Chain& chain, const std::vector<p2p::CertifiedBlock>& answer,
                                const std::vector<ledger::TxsVerified>& verified) {
  return made_durable(chain, commit_deferred(chain, answer, [&](size_t k) -> const ledger::TxsVerified& {
                        return verified.at(k);
                      }));
}

SyncApplied apply_synced_blocks(ledger::Chain& chain, const std::vector<p2p::CertifiedBlock>& answer,
                                SyncedSignatures& verified) {
  return made_durable(chain, commit_deferred(chain, answer, [&](size_t k) -> const ledger::TxsVerified& {
                        return verified.block(k);
                      }));
}

}  // namespace nl::node
