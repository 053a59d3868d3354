// Internal to the consensus driver: its state, shared by
// consensus_driver.cpp (the engine's actions, heights, commits) and
// driver_gossip.cpp (peer messages, sync, periodic ticks).
// Everything below "strand only" is touched on the strand alone.
#pragma once
#include <boost/asio/strand.hpp>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <utility>
#include <set>
#include <shared_mutex>
#include <string>

#include "consensus/engine.h"
#include "consensus/proposer.h"
#include "node/driver/block_sync.h"
#include "node/driver/consensus_driver.h"
#include "node/driver/driver_timer.h"
#include "node/driver/file_wal.h"
#include "node/driver/mempool.h"
#include "node/transport/seen_digests.h"
#include "node/driver/tx_outbox.h"
#include "node/driver/tx_verifier.h"
#include "node/log/node_log.h"

namespace nl::node {

struct ConsensusDriver::Impl : std::enable_shared_from_this<ConsensusDriver::Impl> {
  using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;
  using Timer = DriverTimer;

  Impl(boost::asio::io_context& ioc, SharedChain& chain, DriverOptions opts, std::unique_ptr<FileWal> wal);

  // Runs `f` on the strand unless the driver stopped by then.
  template <class F>
  void post(F f) {
    boost::asio::post(strand, [self = shared_from_this(), f = std::move(f)]() mutable {
      if (!self->stopped) f();
    });
  }

  // --- consensus_driver.cpp ---
  void start();
  void stop();
  // Carries out `first` and everything the engine returns on the way, in order.
  void drive(consensus::Actions first);
  // Starts `height` in the engine; its actions are returned to drive.
  consensus::Actions begin_height(uint64_t height);
  void start_height_now(uint64_t height);
  // Once committed: the next height at once if work is waiting, else
  // after block_interval.
  void after_commit();
  // Work arrived while the next height waits: a transaction starts it if
  // this validator proposes first there; a peer's message for it always.
  void wake(bool peer_message);
  bool proposes_first(uint64_t height);
  void broadcast_consensus(const consensus::Message& m);
  void schedule_timeout(const consensus::ScheduleTimeout& t);
  consensus::Actions on_request_value(const consensus::RequestValue& r);
  consensus::Actions on_validate_value(const consensus::ValidateValue& v);
  consensus::Actions on_decided(const consensus::Decision& d);
  // After blocks were committed (by consensus or by sync): submitters
  // answered, the WAL pruned, the mempool re-check queued. Under the
  // unique state lock.
  // `decided_bytes`: the size of the value consensus decided, for a block
  // decided here; none for blocks taken from a peer's range (synced), whose
  // size is encoded again for the metrics.
  void committed(const std::vector<const ledger::Block*>& blocks, std::optional<size_t> decided_bytes);
  // Tells opts.events, if any, of a refused transaction.
  void refused(const char* label) {
    if (opts.events) opts.events->tx_refused(label);
  }
  void publish();  // the engine's height and round, for status()

  // --- driver_gossip.cpp ---
  // A tx or txs frame: what is new and not yet verified is checked, in
  // order, by one verifier job (verify_gossiped).
  void on_txs(const PeerInfo& peer, std::vector<ledger::Transaction> txs);
  void verify_gossiped(const PeerInfo& peer, std::vector<ledger::Transaction> txs);
  void on_consensus(const PeerInfo& from, consensus::Message m);
  void on_status(PeerId from, const p2p::StatusMessage& s);
  void on_blocks(const PeerInfo& peer, p2p::Blocks blocks);
  void serve(const PeerInfo& peer, const p2p::GetBlocks& req);
  void on_peer(const PeerInfo& peer, bool connected);
  void maybe_sync() { request_blocks_after(chain.height()); }
  // Asks a peer for the heights after `have` if BlockSync says so: the
  // tip, or the last height of an answer still being applied, so that the
  // next answer is served and sent meanwhile.
  void request_blocks_after(uint64_t have);
  void tick();        // every regossip_interval
  void broadcast_status();
  // Into the mempool and on to the peers if new; what the mempool says.
  Mempool::Added add_tx(ledger::Transaction tx, SubmitCallback done, const PeerInfo* from, std::string* why = nullptr);
  // Admission of `txs` under the state lock (a verifier thread).
  std::vector<Admission> admit_now(const std::vector<ledger::Transaction>& txs);
  // One line per dropped transaction, the first few of a burst.
  void log_dropped(const std::vector<ledger::Rejection>& dropped);
  // Forwards what `from` sent (once) to the peers that may lack it: what a
  // validator sent goes on to non-validators only, since validators are
  // connected to each other and had it from its sender; what a
  // non-validator sent goes to every other peer.
  void relay(const p2p::P2pMessage& m, const PeerInfo& from);
  // Who gets what `from` sent under that rule (relay() and the
  // transaction outbox); every peer for what was submitted here (no `from`).
  std::vector<PeerId> forward_targets(Transport& n, const PeerInfo* from) const;

  boost::asio::io_context& ioc;
  Strand strand;
  SharedChain& shared;
  ledger::Chain& chain;  // shared.chain(): read freely here, written under shared.write_lock()
  const DriverOptions opts;
  const std::string chain_id;
  std::unique_ptr<FileWal> wal;
  std::unique_ptr<consensus::Engine> engine;
  Mempool mempool;
  SeenDigests seen;      // consensus messages the engine took (SHA-256 of their encoding)
  SeenDigests relayed;   // consensus messages forwarded to peers, each once
  // Deferred consensus messages (Engine::Intake::deferred), by digest, and
  // when the engine last looked at each (strand only).
  static constexpr auto kDeferredRecheck = std::chrono::milliseconds(250);
  static constexpr size_t kMaxDeferred = 10000;
  std::map<crypto::Hash32, std::chrono::steady_clock::time_point> deferred_at;
  SeenDigests seen_txs{200000};  // transaction copies taken in from peers (SHA-256 of the encoding)
  std::atomic<Transport*> net{nullptr};
  std::atomic<bool> stopped{false};
  std::atomic<bool> waiting{false};  // the next height waits for work or block_interval
  std::atomic<bool> wake_posted{false};  // a wake(false) for a new transaction is queued
  std::atomic<uint64_t> committed_height{0};
  std::atomic<uint64_t> engine_height{0};
  std::atomic<uint32_t> engine_round{0};
  std::atomic<size_t> verifying_txs{0};  // in verifier jobs, queued or running; bounded by opts.verify_queue

  // --- strand only ---
  std::map<consensus::Timeout, std::shared_ptr<Timer>> timers;
  Timer next_height_timer;
  Timer tick_timer;
  BlockSync sync;
  // Values of the current height known valid, by id: built here or checked
  // here, prepared on the tip. A decided one commits from what was prepared.
  struct ValidValue {
    crypto::Hash32 digest;  // SHA-256 of the bytes
    std::shared_ptr<const ledger::PreparedBlock> prepared;
  };
  std::map<crypto::Hash32, ValidValue> valid_values;
  uint64_t last_tick_height = 0;
  // Consensus messages for this height came while this node was two
  // heights short of it and were dropped: the others decide it without
  // this node, and re-gossip does not come while they wait for the next
  // height. While this node works on it, a peer one height ahead is
  // synced from at once instead of after the lag grace.
  uint64_t missed_height = 0;
  std::optional<std::pair<crypto::Hash32, consensus::ProposerSchedule>> schedule;  // by set hash
  bool next_height_heard = false;  // a peer's message for the next height came in
  bool recheck_queued = false;      // a mempool re-check is posted and has not run yet
  std::chrono::steady_clock::time_point height_started{};
  bool sync_logged_behind = false;

  // Gossiped transactions wait here for their peers' next txs frames.
  // stop() stops it (the check below covers a send already under way); a
  // departed peer's batch is dropped by on_peer.
  TxOutbox outbox{ioc,
                  TxOutbox::Options{.flush_txs = opts.gossip_batch_txs, .flush_delay = opts.gossip_batch_delay},
                  [this](PeerId peer, std::vector<ledger::Transaction> batch) {
                    if (stopped) return;
                    if (Transport* n = net) n->send(peer, p2p::TxsMessage{std::move(batch)});
                  }};

  // Last, so that it goes first: its workers call into the members above.
  TxVerifier verifier;
};

// "numledgerd: " + message, one line on stderr.
// An event of the node's log at info (node/log/node_log.h).
void log_line(const std::string& message, const logging::Fields& fields = {});
std::string key_prefix(const crypto::PublicKey& k);
// The driver's unix time (driver_clock.h).
uint64_t unix_now();
// Logs the message and exits (status 70): the live state may hold effects
// that are not on disk, or the ledger refuses what more than 2/3 decided.
[[noreturn]] void fatal(const std::string& message);

}  // namespace nl::node
