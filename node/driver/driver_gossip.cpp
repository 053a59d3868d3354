// The network's side of the driver: transactions and consensus messages
// from peers (each forwarded once; transactions in per-peer batches, see
// tx_outbox.h), height announcements, block-range sync in both directions,
// and re-gossip while a height is stuck.
#include <algorithm>
#include <mutex>

#include "consensus/message.h"
#include "node/driver/consensus_driver.h"
#include "node/driver/consensus_driver_impl.h"
#include "node/driver/consensus_trace.h"

namespace nl::node {

namespace {
template <class... F>
struct Overload : F... {
  using F::operator()...;
};
template <class... F>
Overload(F...) -> Overload<F...>;

// A frame's offences of one kind cost what as many tx frames would.
int penalty_for(size_t offences) {
  return kPenaltyInvalid * static_cast<int>(std::min<size_t>(offences, p2p::kMaxTxsPerFrame));
}

// Who signed a proposal or vote; a decision carries many signatures.
std::optional<crypto::PublicKey> signer_of(const consensus::Message& m) {
  if (const auto* p = std::get_if<consensus::Proposal>(&m)) return p->proposer;
  if (const auto* v = std::get_if<ledger::SignedVote>(&m)) return v->validator;
  return std::nullopt;
}

std::string and_more(size_t offences, const char* what) {
  return offences > 1 ? " (and " + std::to_string(offences - 1) + " more " + what + " in this frame)" : "";
}
}  // namespace

void ConsensusDriver::on_peer_message(const PeerInfo& peer, p2p::P2pMessage m) {
  Impl& d = *impl_;
  if (d.stopped) return;
  std::visit(Overload{
                 [&](p2p::TxMessage& t) {  // from an older peer; ours send txs
                   std::vector<ledger::Transaction> one;
                   one.push_back(std::move(t.tx));
                   d.on_txs(peer, std::move(one));
                 },
                 [&](p2p::TxsMessage& t) { d.on_txs(peer, std::move(t.txs)); },
                 [&](p2p::ConsensusMessage& c) {
                   d.post([&d, peer, msg = std::move(c.msg)]() mutable { d.on_consensus(peer, std::move(msg)); });
                 },
                 [&](p2p::StatusMessage& s) { d.post([&d, from = peer.id, s] { d.on_status(from, s); }); },
                 [&](p2p::GetBlocks& g) { d.serve(peer, g); },
                 [&](p2p::Blocks& b) { d.post([&d, peer, b = std::move(b)]() mutable { d.on_blocks(peer, std::move(b)); }); },
                 [&](auto&) {},  // Hello and HelloAuth stay inside the network
             },
             m);
}

void ConsensusDriver::on_peer(const PeerInfo& peer, bool connected) {
  if (!connected) impl_->outbox.drop_peer(peer.id);
  impl_->on_peer(peer, connected);
}

// --- transactions -----------------------------------------------------------

std::vector<Admission> ConsensusDriver::Impl::admit_now(const std::vector<ledger::Transaction>& txs) {
  auto lk = shared.write_lock();
  return admit(chain, mempool, txs, unix_now(), opts.mempool.max_per_account);
}

void ConsensusDriver::Impl::log_dropped(const std::vector<ledger::Rejection>& dropped) {
  constexpr size_t kShown = 10;
  for (size_t i = 0; i < dropped.size() && i < kShown; ++i)
    log_line("mempool: dropped transaction " + dropped[i].tx_id.hex() + ": " + dropped[i].reason,
             {std::nullopt, "", dropped[i].tx_id.hex()});
  if (dropped.size() > kShown)
    log_line("mempool: dropped " + std::to_string(dropped.size() - kShown) + " more transactions");
}

Mempool::Added ConsensusDriver::Impl::add_tx(ledger::Transaction tx, SubmitCallback done, const PeerInfo* from,
                                             std::string* why) {
  Transport* n = net;
  std::optional<ledger::Transaction> forward;  // the copy as it came, not as merged
  if (n) forward = tx;
  const auto added = mempool.add(std::move(tx), std::move(done), why);
  if (added != Mempool::Added::fresh && added != Mempool::Added::merged) return added;
  // New to this node (or a signature it lacked): on to the peers, once.
  if (n) outbox.add(forward_targets(*n, from), *forward);
  // One wake queued at a time: a burst of thousands of transactions
  // would otherwise queue as many on the strand.
  if (waiting && !wake_posted.exchange(true)) post([this] {
    wake_posted = false;
    wake(false);
  });
  return added;
}

std::vector<PeerId> ConsensusDriver::Impl::forward_targets(Transport& n, const PeerInfo* from) const {
  std::vector<PeerId> out;
  for (const PeerInfo& p : n.peers()) {
    if (from && (p.id == from->id || (from->validator && p.validator))) continue;
    out.push_back(p.id);
  }
  return out;
}

void ConsensusDriver::Impl::relay(const p2p::P2pMessage& m, const PeerInfo& from) {
  if (Transport* n = net) n->send(forward_targets(*n, &from), m);
}

void ConsensusDriver::Impl::on_txs(const PeerInfo& peer, std::vector<ledger::Transaction> txs) {
  std::vector<ledger::Transaction> fresh;
  fresh.reserve(txs.size());
  size_t foreign = 0;
  std::string first_foreign;
  for (auto& tx : txs) {
    if (tx.chain_id != chain_id || tx.genesis_hash != chain.genesis_hash()) {
      if (foreign++ == 0)
        first_foreign = tx.chain_id + (tx.chain_id == chain_id ? "' (genesis " + tx.genesis_hash.hex().substr(0, 16) + "...)" : "'");
      continue;
    }
    // The same copy often comes from several peers at once (the sender and
    // those that forward it): it is verified once.
    if (!seen_txs.insert(crypto::sha256(tx.encode()))) continue;
    if (mempool.verified(tx)) continue;  // every signature of this copy is already waiting
    fresh.push_back(std::move(tx));
  }
  if (Transport* n = net; n && foreign > 0)
    n->penalize(peer.id, penalty_for(foreign),
                "transaction for chain '" + first_foreign + and_more(foreign, "for other chains"));
  if (fresh.empty()) return;
  // Checked on the verifier's threads, one job per frame, so that this
  // peer's next frames (a proposal, say) are not held up. Bounded in
  // transactions: past verify_queue the frame is dropped, as a full
  // mempool would drop it.
  const size_t count = fresh.size();
  if (verifying_txs.fetch_add(count) + count > opts.verify_queue) {
    verifying_txs -= count;
    return;
  }
  if (!verifier.submit([this, peer, txs = std::move(fresh)]() mutable { verify_gossiped(peer, std::move(txs)); }))
    verifying_txs -= count;
}

void ConsensusDriver::Impl::verify_gossiped(const PeerInfo& peer, std::vector<ledger::Transaction> txs) {
  struct Release {
    std::atomic<size_t>& count;
    size_t n;
    ~Release() { count -= n; }
  } release{verifying_txs, txs.size()};
  // A forged signature does not end the frame: its other transactions were
  // marked seen, so dropping them would also refuse honest copies from
  // other peers. Each forgery costs what a forged tx frame does, so a
  // forger is banned after a few of them.
  size_t forged = 0;
  std::string first_forged;
  std::vector<ledger::Transaction> genuine;
  genuine.reserve(txs.size());
  for (auto& tx : txs) {
    if (stopped) return;
    // A late copy of a committed transaction: dropped before the costly part.
    const crypto::Hash32 id = tx.id();
    if (mempool.committed_recently(id)) continue;
    // No state lock: find_tx needs none, and this worker would otherwise
    // idle while a block is checked under it.
    if (chain.store().find_tx(id)) continue;
    // Taken in from a proposal while this job waited: verified there.
    if (mempool.verified(tx, id)) continue;
    if (auto s = tx.check_signatures(); !s) {
      if (forged++ == 0) first_forged = "transaction " + id.hex().substr(0, 16) + ": " + s.error();
      continue;
    }
    genuine.push_back(std::move(tx));
  }
  Transport* n = net;
  for (size_t i = 0; i < forged; ++i) refused("signature");
  if (n && forged > 0) n->penalize(peer.id, penalty_for(forged), first_forged + and_more(forged, "forged"));
  if (genuine.empty() || stopped) return;
  // The rules next, all of the frame under one hold of the state lock.
  const std::vector<Admission> verdicts = admit_now(genuine);
  size_t junk = 0;
  std::string first_junk;
  for (size_t i = 0; i < genuine.size(); ++i) {
    if (verdicts[i].ok()) {
      add_tx(std::move(genuine[i]), {}, &peer);
      continue;
    }
    refused(verdicts[i].label);
    if (verdicts[i].verdict == Admission::Verdict::refused && junk++ == 0) {
      first_junk = "transaction " + genuine[i].id().hex().substr(0, 16) + " refused: " + verdicts[i].reason;
    }
  }
  if (n && junk > 0)
    n->penalize(peer.id, std::min<int>(kMaxJunkPenaltyPerFrame, kPenaltyJunkTx * static_cast<int>(junk)),
                first_junk + and_more(junk, "refused"));
}

// --- consensus messages -----------------------------------------------------

void ConsensusDriver::Impl::on_consensus(const PeerInfo& from, consensus::Message m) {
  const uint64_t h = consensus::message_height(m);
  const uint64_t at = engine->height();
  // Too far ahead for the engine to keep: not marked seen, so a copy that
  // arrives when this node got there still counts. Sync covers the gap.
  // Noted as at + 2, not h: an unchecked height must not skip the sync
  // grace for long.
  if (h > at + 1) {
    if (missed_height < at + 2) {
      missed_height = at + 2;
      maybe_sync();
    }
    return;
  }
  const crypto::Hash32 digest = crypto::sha256(consensus::encode_message(m));
  if (seen.contains(digest)) return;
  if (h < at) {  // a height this node is past
    seen.insert(digest);
    return;
  }
  // A deferred message is looked at again, but not more often than
  // kDeferredRecheck: a peer replaying one must not buy a signature check
  // per copy (re-gossip comes every regossip_interval).
  const auto now = DriverClock::now();
  if (auto it = deferred_at.find(digest); it != deferred_at.end() && now - it->second < kDeferredRecheck) return;
  if (logging::enabled(logging::Level::debug))
    logging::debug("consensus: got " + describe(m), {h, key_prefix(from.key), ""});
  const bool next_height = h == at + 1;
  const uint64_t rejected = engine->stats().messages_rejected;
  consensus::Actions actions = engine->on_message(m);
  // Remembered once the engine took it (kept, or found wrong); a deferred
  // one (a cap, the set, a value nobody else voted yet) must count when a
  // copy comes again with re-gossip (issue 20).
  const auto intake = engine->last_intake();
  if (intake == consensus::Engine::Intake::deferred) {
    if (deferred_at.size() >= kMaxDeferred) deferred_at.clear();  // a burst: forget, at worst check again
    deferred_at[digest] = now;
  } else {
    seen.insert(digest);
    deferred_at.erase(digest);
  }
  Transport* n = net;
  if (engine->stats().messages_rejected > rejected) {
    // A relay answers for what every honest node checks alike before
    // relaying (signature, value id, shape), never for what depends on its
    // view (the set, the round's proposer): only the signer does (issue 20).
    const bool forged = engine->last_refusal() == consensus::Engine::Refusal::forged;
    if (n && (forged || signer_of(m) == from.key))
      n->penalize(from.id, kPenaltyInvalid,
                  forged ? "consensus message refused (signature, value id or shape)"
                         : "consensus message refused (its signer may not send it: not in the set, or not the round's proposer)");
    return;
  }
  // A validator of the height before: nobody's fault, and nothing to pass on.
  if (intake == consensus::Engine::Intake::ignored) return;
  // Forwarded once, before this node acts on it; decisions are not gossiped.
  // Votes are small and go to every other peer, so that validators whose
  // own link is down still hear them; a proposal (a whole block) is relayed
  // to the peers that may lack it.
  if (n && relayed.insert(digest)) {
    if (std::holds_alternative<ledger::SignedVote>(m))
      n->broadcast(p2p::ConsensusMessage{m}, from.id);
    else if (std::holds_alternative<consensus::Proposal>(m))
      relay(p2p::ConsensusMessage{m}, from);
  }
  drive(std::move(actions));
  // The others are at the next height already: so is this node.
  if (next_height) {
    next_height_heard = true;
    if (waiting) wake(true);
  }
}

// --- heights and sync -------------------------------------------------------

void ConsensusDriver::Impl::broadcast_status() {
  if (Transport* n = net) n->broadcast(p2p::StatusMessage{chain.height(), chain.tip_hash()});
}

void ConsensusDriver::Impl::on_status(PeerId from, const p2p::StatusMessage& s) {
  sync.peer_height(from, s.height);
  maybe_sync();
}

void ConsensusDriver::Impl::on_peer(const PeerInfo& peer, bool connected) {
  post([this, peer, connected] {
    if (!connected) {
      sync.peer_gone(peer.id);
      maybe_sync();
      return;
    }
    sync.peer_height(peer.id, peer.best_height);
    // A peer that just (re)connected may have missed this height's messages.
    if (Transport* n = net; n && engine_height != 0)
      for (auto& m : engine->messages_to_regossip()) n->send(peer.id, p2p::ConsensusMessage{std::move(m)});
    maybe_sync();
  });
}

void ConsensusDriver::Impl::request_blocks_after(uint64_t have) {
  Transport* n = net;
  if (!n) return;
  auto r = sync.next(have, BlockSync::Clock::now(), missed_height == have + 1);
  if (!r) {
    if (!sync.in_flight()) sync_logged_behind = false;
    return;
  }
  if (!sync_logged_behind) {
    log_line("sync: at height " + std::to_string(chain.height()) + ", peers at up to " +
                 std::to_string(sync.best_peer_height()) + "; fetching blocks",
             {chain.height(), "", ""});
    sync_logged_behind = true;
  }
  n->send(r->peer, p2p::GetBlocks{r->from, r->count});
}

void ConsensusDriver::Impl::serve(const PeerInfo& peer, const p2p::GetBlocks& req) {
  // Always answered, if only with no blocks: the peer's session reads
  // nothing more from it until this reply is written (p2p_network.h).
  p2p::Blocks out;
  try {
    auto lk = shared.read_lock();
    out = serve_blocks(chain.store(), req);
  } catch (const std::exception& e) {
    logging::warn("sync: could not serve heights from " + std::to_string(req.from) + " to " + key_prefix(peer.key) +
                      ": " + e.what(),
                  {req.from, key_prefix(peer.key), ""});
    out.blocks.clear();
  }
  if (Transport* n = net) n->send(peer.id, out);
}

void ConsensusDriver::Impl::on_blocks(const PeerInfo& peer, p2p::Blocks answer) {
  auto req = sync.answered(peer.id);
  if (!req) return;  // not asked, or asked too long ago
  Transport* n = net;
  const auto now = BlockSync::Clock::now();
  if (answer.blocks.empty()) {
    sync.failed(peer.id, now);
    return maybe_sync();
  }
  if (answer.blocks.front().block.header.height != req->from || answer.blocks.size() > req->count) {
    if (n) n->penalize(peer.id, kPenaltyInvalid, "blocks answer does not match the request");
    sync.failed(peer.id, now);
    return maybe_sync();
  }
  // Asked while the previous answer was applied, which then stopped short
  // (a refused block): not this peer's fault, and of no use now.
  if (req->from > chain.height() + 1) return maybe_sync();
  // The next range is served and sent while this one is checked and applied.
  request_blocks_after(std::max(chain.height(), answer.blocks.back().block.header.height));
  // Signatures on verify_threads threads, checked ahead while the blocks
  // are applied (synced_signatures.h); the first block's before the state
  // lock. Only this strand commits, so the height read here holds until
  // the lock is taken.
  SyncedSignatures verified(mempool, answer.blocks, opts.verify_threads, chain.height());
  verified.block(0);
  const uint64_t before = chain.height();
  SyncApplied r;
  {
    auto lk = shared.write_lock();
    r = apply_synced_blocks(chain, answer.blocks, verified);
    if (!r.not_durable.empty()) fatal("sync: committed heights are not durable: " + r.not_durable);
    std::vector<const ledger::Block*> applied;
    for (const auto& cb : answer.blocks)
      if (cb.block.header.height > before && cb.block.header.height <= chain.height()) applied.push_back(&cb.block);
    if (!applied.empty()) committed(applied, std::nullopt);
  }
  if (!r.error.empty()) {
    logging::warn("sync: refused a block from " + key_prefix(peer.key) + " (" + peer.address + "): " + r.error,
                  {chain.height() + 1, key_prefix(peer.key), ""});
    if (n) n->penalize(peer.id, kPenaltyInvalid, "sync: " + r.error);
    // Not failed(): the request sent before this answer was applied is
    // still to be answered, and its answer is then dropped as stale.
    sync.avoid(peer.id, now);
  }
  if (chain.height() > before) {
    log_line("sync: applied heights " + std::to_string(before + 1) + "-" + std::to_string(chain.height()) + " from " +
                 key_prefix(peer.key) + " (peers at up to " + std::to_string(sync.best_peer_height()) + ")",
             {chain.height(), key_prefix(peer.key), ""});
    broadcast_status();
    if (engine->height() <= chain.height()) start_height_now(chain.height() + 1);
  }
  maybe_sync();
}

// --- periodic ---------------------------------------------------------------

void ConsensusDriver::Impl::tick() {
  const uint64_t h = engine->height();
  // Re-gossip only for a height that is not moving: peers that lost a
  // message get it again; while heights are decided, every first send got
  // through and repeating them would only multiply the traffic.
  if (h != 0 && h == last_tick_height && !waiting) {
    if (Transport* n = net) {
      for (auto& m : engine->messages_to_regossip()) n->broadcast(p2p::ConsensusMessage{std::move(m)});
      broadcast_status();
    }
  }
  last_tick_height = h;
  maybe_sync();
  tick_timer.expires_after(opts.regossip_interval);
  tick_timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec && !self->stopped) self->tick();
  });
}

}  // namespace nl::node
