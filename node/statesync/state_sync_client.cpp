#include "node/statesync/state_sync_client.h"

#include <algorithm>

#include "node/log/node_log.h"

namespace nl::node {

namespace {
std::string peer_name(PeerId id) { return "peer " + std::to_string(id); }
}  // namespace

StateSyncClient::StateSyncClient(Transport& transport, const ledger::Genesis& genesis, StateSyncOptions opts)
    : transport_(transport), start_(ledger::TrustedSet::from_genesis(genesis)), opts_(opts) {}

void StateSyncClient::on_peer(const PeerInfo& peer, bool connected) {
  std::lock_guard lock(mutex_);
  if (connected) {
    connected_.insert(peer.id);
    transport_.send(peer.id, p2p::GetSnapshot{});
    return;
  }
  connected_.erase(peer.id);
  answered_.erase(peer.id);
  serving_.erase(peer.id);
  for (auto& [h, o] : offers_) o.peers.erase(peer.id);
  for (auto it = in_flight_.begin(); it != in_flight_.end();)
    it = it->second.peer == peer.id ? in_flight_.erase(it) : std::next(it);
}

void StateSyncClient::on_message(const PeerInfo& peer, p2p::P2pMessage m) {
  std::lock_guard lock(mutex_);
  if (auto* o = std::get_if<p2p::SnapshotOffer>(&m)) on_offer(peer.id, *o);
  else if (auto* c = std::get_if<p2p::Chunk>(&m)) on_chunk(peer.id, std::move(*c));
  // Anything else (status, consensus, blocks) waits for the node proper.
}

void StateSyncClient::on_offer(PeerId peer, const p2p::SnapshotOffer& o) {
  answered_.insert(peer);
  if (!o.anchor || assembly_) return;
  const uint64_t h = o.anchor->height();
  if (auto it = offers_.find(h); it != offers_.end()) {
    if (it->second.anchor.base.header.hash() != o.anchor->base.header.hash()) {
      transport_.penalize(peer, kPenaltyInvalid, "offers another block at snapshot height " + std::to_string(h));
      return;
    }
    if (it->second.anchor.chunk_bits == o.anchor->chunk_bits) it->second.peers.insert(peer);
    return;
  }
  if (auto s = ledger::verify_snapshot_anchor(*o.anchor, start_); !s) {
    transport_.penalize(peer, kPenaltyInvalid, "snapshot anchor refused: " + s.error());
    logging::warn("state sync: " + peer_name(peer) + " offered a snapshot that does not verify: " + s.error());
    return;
  }
  offers_[h] = Offer{*o.anchor, {peer}};
  if (!first_offer_) first_offer_ = Clock::now();
}

void StateSyncClient::choose(Clock::time_point now) {
  if (assembly_ || !first_offer_) return;
  const bool all_answered = std::all_of(connected_.begin(), connected_.end(),
                                        [this](PeerId p) { return answered_.contains(p); });
  if (!all_answered && now - *first_offer_ < opts_.offer_wait) return;
  const Offer* best = nullptr;
  for (const auto& [h, o] : offers_)
    if (!o.peers.empty() && (!best || o.peers.size() >= best->peers.size())) best = &o;
  if (!best) return;
  assembly_.emplace(best->anchor);
  serving_ = best->peers;
  logging::info("state sync: fetching the snapshot of height " + std::to_string(best->anchor.height()) + " (" +
                    std::to_string(assembly_->chunk_count()) + " chunks) from " + std::to_string(serving_.size()) +
                    " peers, state root " + best->anchor.base.header.state_root.hex(),
                {best->anchor.height(), "", ""});
}

void StateSyncClient::pass_over(uint32_t index, PeerId peer) {
  in_flight_.erase(index);
  auto& passed = passed_over_[index];
  passed.insert(peer);
  if (std::all_of(serving_.begin(), serving_.end(), [&](PeerId p) { return passed.contains(p); })) restart();
}

void StateSyncClient::restart() {
  logging::warn("state sync: no peer serves one of the chunks any more; asking for snapshots again");
  assembly_.reset();
  offers_.clear();
  first_offer_.reset();
  answered_.clear();
  serving_.clear();
  in_flight_.clear();
  passed_over_.clear();
  for (PeerId p : connected_) transport_.send(p, p2p::GetSnapshot{});
  last_ask_ = Clock::now();
}

void StateSyncClient::on_chunk(PeerId peer, p2p::Chunk c) {
  if (!assembly_) return;
  auto it = in_flight_.find(c.index);
  // Only the answer to what was asked of this peer; a late one is dropped.
  if (it == in_flight_.end() || it->second.peer != peer || c.height != assembly_->anchor().height()) return;
  in_flight_.erase(it);
  if (!c.chunk) return pass_over(c.index, peer);
  if (auto s = assembly_->add(c.index, std::move(*c.chunk)); !s) {
    ++bad_chunks_;
    logging::warn("state sync: " + peer_name(peer) + " served a bad chunk: " + s.error());
    transport_.penalize(peer, kPenaltyInvalid, s.error());
    return pass_over(c.index, peer);
  }
  request_more(Clock::now());
}

void StateSyncClient::request_more(Clock::time_point now) {
  if (!assembly_) return;
  std::map<PeerId, size_t> load;
  for (PeerId p : serving_) load[p] = 0;
  for (const auto& [i, f] : in_flight_) ++load[f.peer];
  for (uint32_t index : assembly_->missing()) {
    if (in_flight_.contains(index)) continue;
    const auto& passed = passed_over_[index];
    std::optional<PeerId> pick;
    for (PeerId p : serving_)
      if (!passed.contains(p) && load[p] < opts_.in_flight_per_peer && (!pick || load[p] < load[*pick])) pick = p;
    if (!pick) continue;
    ++load[*pick];
    in_flight_[index] = InFlight{*pick, now};
    transport_.send(*pick, p2p::GetChunk{assembly_->anchor().height(), index});
  }
}

void StateSyncClient::tick(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (!assembly_ && now - last_ask_ >= opts_.reask_interval) {
    for (PeerId p : connected_)
      if (!answered_.contains(p) || offers_.empty()) transport_.send(p, p2p::GetSnapshot{});
    last_ask_ = now;
  }
  choose(now);
  if (!assembly_) return;
  std::vector<std::pair<uint32_t, PeerId>> late;
  for (const auto& [i, f] : in_flight_)
    if (now - f.sent >= opts_.chunk_timeout) late.emplace_back(i, f.peer);
  for (auto [i, p] : late) {
    pass_over(i, p);
    if (!assembly_) return;
  }
  if (serving_.empty()) return restart();
  request_more(now);
}

bool StateSyncClient::complete() const {
  std::lock_guard lock(mutex_);
  return assembly_ && assembly_->complete();
}

ledger::SnapshotAnchor StateSyncClient::anchor() const {
  std::lock_guard lock(mutex_);
  return assembly_->anchor();
}

std::vector<ledger::StateMultiproof::Entry> StateSyncClient::take_entries() {
  std::lock_guard lock(mutex_);
  return assembly_->take_entries();
}

uint64_t StateSyncClient::bad_chunks() const {
  std::lock_guard lock(mutex_);
  return bad_chunks_;
}

std::string StateSyncClient::progress() const {
  std::lock_guard lock(mutex_);
  if (!assembly_)
    return std::to_string(connected_.size()) + " peers, " + std::to_string(offers_.size()) + " snapshot offers";
  return "height " + std::to_string(assembly_->anchor().height()) + ": " +
         std::to_string(assembly_->chunk_count() - assembly_->missing().size()) + " of " +
         std::to_string(assembly_->chunk_count()) + " chunks from " + std::to_string(serving_.size()) + " peers";
}

}  // namespace nl::node
