// Catching up by block ranges. BlockSync decides whom to ask for which
// heights: the peers' committed heights (from their Hello and Status
// messages), one GetBlocks in flight at a time (sent as soon as the answer
// before it is in hand, so that it is served while that one is applied), a
// timeout, and another peer after a failure. A peer one height ahead is normal while a height
// commits everywhere at once, so that gap is only chased after a grace
// period (unless this node missed that height's consensus messages); two
// or more heights at once. The free functions serve ranges
// from the block store and apply received ones; Chain::prepare and commit check
// every certificate against the set of its height and every hash link.
#pragma once
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ledger/block_store.h"
#include "node/driver/driver_clock.h"
#include "ledger/chain.h"
#include "node/driver/mempool.h"
#include "node/driver/synced_signatures.h"
#include "node/transport/p2p_message.h"
#include "node/transport/transport.h"

namespace nl::node {

struct SyncRequest {
  PeerId peer = 0;
  uint64_t from = 0;
  uint32_t count = 0;
};

class BlockSync {
 public:
  using Clock = DriverClock;
  BlockSync(std::chrono::milliseconds timeout, std::chrono::milliseconds lag_grace)
      : timeout_(timeout), lag_grace_(lag_grace) {}

  void peer_height(PeerId peer, uint64_t height);
  void peer_gone(PeerId peer);
  // The request to send now, if some usable peer is ahead of `our_height`
  // and none is in flight. A request past its timeout counts as a failure
  // of its peer and is replaced. `missed`: the consensus messages of the
  // height after `our_height` passed this node by (it was too far behind
  // to keep them), so the grace for a one-height gap would only wait for
  // a re-gossip that may not come.
  std::optional<SyncRequest> next(uint64_t our_height, Clock::time_point now, bool missed = false);
  // The request in flight if `peer` is the one asked; it is then done.
  std::optional<SyncRequest> answered(PeerId peer);
  // `peer` failed us (timeout, empty or bad answer): others are asked
  // first for a while, and its request in flight is given up.
  void failed(PeerId peer, Clock::time_point now);
  // Others are asked first for a while; a request in flight stays (one
  // sent while the peer's bad answer was being applied: its answer, now of
  // no use, is dropped when it comes instead of taken for a wrong one).
  void avoid(PeerId peer, Clock::time_point now);

  uint64_t best_peer_height() const;
  bool in_flight() const { return inflight_.has_value(); }

 private:
  struct Peer {
    uint64_t height = 0;
    Clock::time_point avoid_until{};
  };
  const std::chrono::milliseconds timeout_;
  const std::chrono::milliseconds lag_grace_;
  std::map<PeerId, Peer> peers_;
  std::optional<SyncRequest> inflight_;
  Clock::time_point sent_at_{};
  std::optional<Clock::time_point> behind_since_;
};

// Consecutive blocks from request.from with their certificates, as many
// as fit one Blocks frame (at least one); empty when the store has none.
p2p::Blocks serve_blocks(const ledger::BlockStore& store, const p2p::GetBlocks& request);

struct SyncApplied {
  uint64_t applied = 0;
  std::string error;  // why the first refused block was refused; empty if none
  // Why the applied blocks could not be made durable (this node's disk,
  // not the peer's doing); empty when they are.
  std::string not_durable;
};

// The transactions' signatures of the blocks of `answer` that follow
// height `tip` without a gap, all checked on `threads` threads: one flag
// list per block (all unset for the others). The mempool's verified ones
// are not checked again; a failed check is left unset, so the chain checks
// it once more and names the reason (synced_signatures.h).
std::vector<ledger::TxsVerified> verify_synced_signatures(const Mempool& mempool,
                                                          const std::vector<p2p::CertifiedBlock>& answer,
                                                          size_t threads, uint64_t tip);

// Commits, in order, the blocks of `answer` that continue the chain's tip
// (heights already committed are skipped); stops at the first refusal.
// Each block is fully checked before it is written; the writes are
// fsynced once, after the last (one fsync per answer instead of one per
// block), before this returns. `verified` is verify_synced_signatures'
// answer. The caller holds the chain's state lock exclusively.
SyncApplied apply_synced_blocks(ledger::Chain& chain, const std::vector<p2p::CertifiedBlock>& answer,
                                const std::vector<ledger::TxsVerified>& verified);
// The same with the signatures checked while the blocks are applied: each
// block waits for its own checks only.
SyncApplied apply_synced_blocks(ledger::Chain& chain, const std::vector<p2p::CertifiedBlock>& answer,
                                SyncedSignatures& verified);

}  // namespace nl::node
