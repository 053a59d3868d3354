// The node's consensus driver: it runs consensus::Engine on its own strand
// of the io_context and carries out what the engine asks, in order:
// broadcasting proposals and votes on the peer network, timeouts on timers,
// building a block from the mempool when this validator proposes, checking
// the blocks others propose against the ledger rules, committing decided
// blocks (then answering submitters, re-checking the mempool, announcing
// the new height and starting the next one) and keeping equivocation
// evidence for a later block. Around the engine it gossips transactions,
// forwards consensus messages once, re-gossips while a height is stuck, and
// catches up by block ranges from peers that are ahead (block_sync.h).
//
// An observer (no validator key) runs the same code; its engine just does
// not sign. The driver is the chain's only writer, under its SharedChain's
// write lock; readers of chain state take its read lock.
#pragma once
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <cstdint>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "consensus/engine.h"
#include "crypto/ed25519.h"
#include "crypto/basics/result.h"
#include "ledger/chain.h"
#include "node/driver/shared_chain.h"
#include "node/driver/driver_events.h"
#include "node/driver/mempool.h"
#include "node/transport/p2p_message.h"
#include "node/driver/tx_admission.h"
#include "node/transport/transport.h"

namespace nl::node {

struct DriverOptions {
  std::string wal_path;                            // the consensus WAL (HOME/consensus.wal)
  std::optional<crypto::SecretKey> validator_key;  // none: an observer
  crypto::PublicKey node_key;                      // as the network knows this node (for status)
  consensus::TimeoutConfig timeouts;
  // The longest wait before an empty block; a block with transactions
  // starts as soon as one is pending.
  std::chrono::milliseconds block_interval{2000};
  // The most transactions this validator puts in one block: big enough to
  // spread each height's fixed costs (votes, WAL and store syncs, the
  // mempool re-check) over many, small enough that a height stays well
  // within its timeouts on a small machine (numledgerd --max-block-txs).
  size_t max_block_txs = 4000;
  std::chrono::milliseconds regossip_interval{1000};
  std::chrono::milliseconds sync_timeout{10000};
  std::chrono::milliseconds sync_lag_grace{1000};
  MempoolOptions mempool;
  // Threads that verify gossiped transactions (and, for a proposal, the
  // signatures the mempool has not seen), and how many may wait. 0: the
  // checks run as handlers on the io_context (a deterministic simulation,
  // node/sim, runs everything on its one thread).
  size_t verify_threads = 2;
  size_t verify_queue = 50000;
  // Transactions go to each peer in batches (txs frames): a batch goes when
  // it holds gossip_batch_txs (at most p2p::kMaxTxsPerFrame), or
  // gossip_batch_delay after its first transaction (0: at once).
  size_t gossip_batch_txs = 512;
  std::chrono::milliseconds gossip_batch_delay{5};
  // Hears commits, decided heights and refusals (node/metrics); may be none.
  DriverEvents* events = nullptr;
};

struct DriverStatus {
  uint64_t height = 0;  // the height consensus is working on
  uint32_t round = 0;
  bool validator = false;
  crypto::PublicKey node_key;
};

class ConsensusDriver {
 public:
  // Opens the WAL and reads it back (what this validator signed, its lock).
  static Result<std::unique_ptr<ConsensusDriver>> open(boost::asio::io_context& ioc, SharedChain& chain,
                                                       DriverOptions opts);
  ~ConsensusDriver();  // stops
  ConsensusDriver(const ConsensusDriver&) = delete;
  ConsensusDriver& operator=(const ConsensusDriver&) = delete;

  // The network to gossip on, before start() and before the network starts:
  // its handlers become this driver's. None for a lone validator.
  void attach(Transport* network);
  // Starts consensus at the height after the chain's tip.
  void start();
  // Stops timers and consensus, answers every waiting submitter; any
  // thread, safe twice. A step in progress on the strand finishes first.
  void stop();

  // The transport's handlers (any thread).
  void on_peer_message(const PeerInfo& peer, p2p::P2pMessage m);
  void on_peer(const PeerInfo& peer, bool connected);

  // A transaction whose signatures the caller verified. Admission
  // (tx_admission.h) runs on a verifier thread under the state lock;
  // `admitted` hears its verdict (any thread), and an admitted transaction
  // goes into the mempool and to the peers if it is new. `done` (may be
  // empty) then hears once whether it committed or was dropped.
  using AdmitCallback = std::function<void(Admission)>;
  void submit(ledger::Transaction tx, AdmitCallback admitted, SubmitCallback done);
  // The same with one answer: a refusal at admission reaches `done` as
  // rejected (or unavailable when busy).
  void submit(ledger::Transaction tx, SubmitCallback done);
  // A transaction refused before it reached the driver (the API's checks:
  // "malformed", "signature"), for opts.events.
  void note_refused(const char* label);
  // Where a transaction id stands in the mempool (not the chain).
  PoolStatus pool_status(const crypto::Hash32& id) const;
  // Equivocation evidence for a later block; false when the queue is full.
  bool submit_evidence(ledger::Evidence ev);

  const Mempool& mempool() const;
  DriverStatus status() const;
  std::vector<PeerInfo> peers() const;
  uint64_t committed_height() const;  // any thread, for the handshake
  // The engine's counters, rules of Algorithm 1 included. On the driver's
  // strand only, or while no thread runs its io_context (simulations).
  consensus::EngineStats engine_stats() const;

 private:
  struct Impl;
  explicit ConsensusDriver(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

}  // namespace nl::node
