// The joining side of state sync on the peer network (numledgerd
// --state-sync): asks every peer which snapshot it serves, checks each
// offered anchor from the genesis (ledger/snapshot_anchor.h), picks the
// height most peers offer (the highest of a tie), then fetches its chunks
// from those peers, a few at a time from each, every chunk verified on
// arrival (ledger/snapshot_assembly.h). A peer whose chunk or anchor fails
// is penalised (Transport::penalize) and the chunk asked of another; one
// that does not answer within chunk_timeout, or no longer serves the
// height, is passed over for that chunk. When every offering peer has
// failed one chunk, the client starts again from the offers.
// Driven from outside: the transport's handlers, and tick() now and then.
// Every call may come from any thread.
#pragma once
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "ledger/genesis.h"
#include "ledger/snapshot_assembly.h"
#include "node/transport/transport.h"

namespace nl::node {

struct StateSyncOptions {
  std::chrono::milliseconds offer_wait{1000};   // after the first offer, for the others
  std::chrono::milliseconds chunk_timeout{10000};
  std::chrono::milliseconds reask_interval{2000};  // get_snapshot again while no snapshot is chosen
  size_t in_flight_per_peer = 4;
};

class StateSyncClient {
 public:
  using Clock = std::chrono::steady_clock;
  // `transport` outlives this.
  StateSyncClient(Transport& transport, const ledger::Genesis& genesis, StateSyncOptions opts = {});

  void on_peer(const PeerInfo& peer, bool connected);
  void on_message(const PeerInfo& peer, p2p::P2pMessage m);
  void tick(Clock::time_point now);

  bool complete() const;
  // The verified anchor and every entry of its state; requires complete().
  ledger::SnapshotAnchor anchor() const;
  std::vector<ledger::StateMultiproof::Entry> take_entries();
  // One line on where it stands, for the log.
  std::string progress() const;
  // Chunks refused as bad (each cost its peer a penalty).
  uint64_t bad_chunks() const;

 private:
  struct Offer {
    ledger::SnapshotAnchor anchor;
    std::set<PeerId> peers;
  };
  struct InFlight {
    PeerId peer;
    Clock::time_point sent;
  };
  void on_offer(PeerId peer, const p2p::SnapshotOffer& o);
  void on_chunk(PeerId peer, p2p::Chunk c);
  void choose(Clock::time_point now);
  void request_more(Clock::time_point now);
  void pass_over(uint32_t index, PeerId peer);
  void restart();

  Transport& transport_;
  const ledger::TrustedSet start_;  // the genesis set
  StateSyncOptions opts_;
  mutable std::mutex mutex_;
  std::set<PeerId> connected_, answered_;
  std::map<uint64_t, Offer> offers_;  // verified, by height
  std::optional<Clock::time_point> first_offer_;
  Clock::time_point last_ask_{};
  std::optional<ledger::SnapshotAssembly> assembly_;
  std::set<PeerId> serving_;  // the chosen height's peers still connected
  std::map<uint32_t, InFlight> in_flight_;
  std::map<uint32_t, std::set<PeerId>> passed_over_;
  uint64_t bad_chunks_ = 0;
};

}  // namespace nl::node
