// The engine's side of the driver: carrying out its actions, heights,
// timeouts, building and checking blocks, committing decisions.
#include "node/driver/consensus_driver.h"

#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "consensus/action_dispatch.h"
#include "consensus/message.h"
#include "node/driver/block_values.h"
#include "node/driver/consensus_driver_impl.h"
#include "node/driver/consensus_trace.h"

namespace nl::node {

using consensus::Actions;

void log_line(const std::string& message, const logging::Fields& fields) { logging::info(message, fields); }

std::string key_prefix(const crypto::PublicKey& k) { return k.hex().substr(0, 12); }

uint64_t unix_now() { return DriverClock::unix_seconds(); }

[[noreturn]] void fatal(const std::string& message) {
  // Serving on would be wrong; a restart reloads the last committed block.
  logging::error("FATAL: " + message);
  std::fflush(stderr);
  std::_Exit(70);
}

ConsensusDriver::Impl::Impl(boost::asio::io_context& io, SharedChain& c, DriverOptions o, std::unique_ptr<FileWal> w)
    : ioc(io),
      strand(boost::asio::make_strand(io)),
      shared(c),
      chain(c.chain()),
      opts(std::move(o)),
      chain_id(c.chain().genesis().chain_id),
      wal(std::move(w)),
      mempool(opts.mempool),
      next_height_timer(strand),
      tick_timer(strand),
      sync(opts.sync_timeout, opts.sync_lag_grace),
      verifier(opts.verify_threads, opts.verify_queue, [&io](TxVerifier::Job j) { boost::asio::post(io, std::move(j)); }) {
  consensus::EngineConfig cfg;
  cfg.genesis_hash = c.chain().genesis_hash();
  cfg.timeouts = opts.timeouts;
  cfg.key = opts.validator_key;
  cfg.value_id = [](ByteView v) { return block_value_id(v); };
  engine = std::make_unique<consensus::Engine>(std::move(cfg), *wal);
  committed_height = chain.height();
}

// --- public face ------------------------------------------------------------

Result<std::unique_ptr<ConsensusDriver>> ConsensusDriver::open(boost::asio::io_context& ioc, SharedChain& chain,
                                                               DriverOptions opts) {
  auto wal = FileWal::open(opts.wal_path);
  if (!wal) return fail("consensus WAL " + opts.wal_path + ": " + wal.error());
  if (uint64_t torn = (*wal)->torn_bytes_dropped())
    log_line("consensus WAL: dropped a torn last record (" + std::to_string(torn) + " bytes)");
  auto impl = std::make_shared<Impl>(ioc, chain, std::move(opts), std::move(*wal));
  if (auto s = impl->engine->recover(); !s) return fail("consensus WAL " + impl->opts.wal_path + ": " + s.error());
  return std::unique_ptr<ConsensusDriver>(new ConsensusDriver(std::move(impl)));
}

ConsensusDriver::~ConsensusDriver() { stop(); }

void ConsensusDriver::attach(Transport* network) {
  if (network)
    network->set_handlers([this](const PeerInfo& p, p2p::P2pMessage m) { on_peer_message(p, std::move(m)); },
                          [this](const PeerInfo& p, bool up) { on_peer(p, up); });
  impl_->net = network;
}
void ConsensusDriver::start() { impl_->start(); }
void ConsensusDriver::stop() { impl_->stop(); }
const Mempool& ConsensusDriver::mempool() const { return impl_->mempool; }
uint64_t ConsensusDriver::committed_height() const { return impl_->committed_height; }
consensus::EngineStats ConsensusDriver::engine_stats() const { return impl_->engine->stats(); }

void ConsensusDriver::note_refused(const char* label) { impl_->refused(label); }

DriverStatus ConsensusDriver::status() const {
  return {impl_->engine_height, impl_->engine_round, impl_->opts.validator_key.has_value(), impl_->opts.node_key};
}

std::vector<PeerInfo> ConsensusDriver::peers() const {
  Transport* n = impl_->net;
  return n ? n->peers() : std::vector<PeerInfo>{};
}

void ConsensusDriver::submit(ledger::Transaction tx, AdmitCallback admitted, SubmitCallback done) {
  Impl& d = *impl_;
  auto job = [&d, tx = std::move(tx), admitted, done = std::move(done)]() mutable {
    std::vector<ledger::Transaction> one;
    one.push_back(std::move(tx));
    Admission a = std::move(d.admit_now(one).front());
    // A duplicate that lost the race with its own commit (the rules refuse
    // its nonce now): what the submitter wanted is done.
    if (a.verdict == Admission::Verdict::refused)
      if (auto loc = d.chain.store().find_tx(one.front().id())) {
        if (done) done({SubmitResult::Outcome::committed, one.front().id(), loc->height, ""});
        return admitted({Admission::Verdict::admitted, ""});
      }
    if (a.ok()) {
      std::string why;
      switch (d.add_tx(std::move(one.front()), std::move(done), nullptr, &why)) {
        case Mempool::Added::refused: a = {Admission::Verdict::busy, why, "mempool_full"}; break;
        case Mempool::Added::conflict: a = {Admission::Verdict::refused, why, "conflict"}; break;
        default: break;
      }
    }
    if (!a.ok()) d.refused(a.label);
    admitted(std::move(a));
  };
  if (d.stopped || !d.verifier.submit(std::move(job))) {
    d.refused("queue_full");
    admitted({Admission::Verdict::busy, "node is busy (its verification queue is full); retry later", "queue_full"});
  }
}

void ConsensusDriver::submit(ledger::Transaction tx, SubmitCallback done) {
  auto shared = std::make_shared<SubmitCallback>(std::move(done));
  const crypto::Hash32 id = tx.id();
  submit(
      std::move(tx),
      [shared, id](Admission a) {
        if (a.ok() || !*shared) return;
        (*shared)({a.verdict == Admission::Verdict::refused ? SubmitResult::Outcome::rejected
                                                             : SubmitResult::Outcome::unavailable,
                   id, 0, a.reason});
      },
      [shared](SubmitResult r) {
        if (*shared) (*shared)(std::move(r));
      });
}

PoolStatus ConsensusDriver::pool_status(const crypto::Hash32& id) const { return impl_->mempool.status(id); }

bool ConsensusDriver::submit_evidence(ledger::Evidence ev) { return impl_->mempool.add_evidence(std::move(ev)); }

// --- lifecycle --------------------------------------------------------------

void ConsensusDriver::Impl::start() {
  post([this] {
    if (engine_height != 0) return;  // started already
    tick();
    start_height_now(chain.height() + 1);
  });
}

void ConsensusDriver::Impl::stop() {
  if (stopped.exchange(true)) return;
  verifier.stop();
  outbox.stop();
  mempool.stop();
  boost::asio::post(strand, [self = shared_from_this()] {
    for (auto& [t, timer] : self->timers) timer->cancel();
    self->timers.clear();
    self->next_height_timer.cancel();
    self->tick_timer.cancel();
  });
}

// --- heights ----------------------------------------------------------------

Actions ConsensusDriver::Impl::begin_height(uint64_t height) {
  waiting = false;
  next_height_heard = false;
  next_height_timer.cancel();
  valid_values.clear();
  for (auto it = timers.begin(); it != timers.end();) {
    if (it->first.height < height) {
      it->second->cancel();
      it = timers.erase(it);
    } else {
      ++it;
    }
  }
  height_started = DriverClock::now();
  // The set of height + 1 is known too (set changes take effect two heights
  // on): messages for it are checked against it before they are relayed.
  auto actions = engine->start_height(height, chain.validators_at(height), chain.validators_at(height + 1));
  publish();
  return actions;
}

void ConsensusDriver::Impl::start_height_now(uint64_t height) {
  deferred_at.clear();  // what waited for the old height is moot now
  drive(begin_height(height));
}

void ConsensusDriver::Impl::after_commit() {
  broadcast_status();
  // The next height may be one whose messages this node missed.
  maybe_sync();
  // Posted, not called: the re-check queued by committed() runs first, and
  // a lone validator, which decides a height within one call, does not
  // chain heights without letting the rest of the node in between.
  post([this, next = chain.height() + 1] {
    if (engine->height() >= next) return;  // sync started it already
    // Only the first proposer starts early for its transactions: the others
    // would just time out waiting for its proposal. They start when a
    // peer's message for the height arrives, or after block_interval.
    if ((mempool.size() > 0 && proposes_first(next)) || next_height_heard || opts.block_interval.count() <= 0)
      return start_height_now(next);
    waiting = true;
    next_height_timer.expires_after(opts.block_interval);
    next_height_timer.async_wait([self = shared_from_this(), next](const boost::system::error_code& ec) {
      if (ec || self->stopped || !self->waiting || self->engine->height() >= next) return;
      self->start_height_now(next);
    });
  });
}

void ConsensusDriver::Impl::wake(bool peer_message) {
  if (!waiting || stopped) return;
  const uint64_t next = chain.height() + 1;
  if (peer_message || proposes_first(next)) start_height_now(next);
}

bool ConsensusDriver::Impl::proposes_first(uint64_t height) {
  if (!opts.validator_key) return false;
  const ledger::ValidatorSet& set = chain.validators_at(height);
  const crypto::Hash32 h = set.hash();
  if (!schedule || schedule->first != h) schedule.emplace(h, consensus::ProposerSchedule(set));
  return schedule->second.at(height, 0) == opts.validator_key->public_key();
}

void ConsensusDriver::Impl::publish() {
  engine_height = engine->height();
  engine_round = engine->round();
}

// --- actions ----------------------------------------------------------------

void ConsensusDriver::Impl::drive(Actions first) {
  // The driver's side of the engine's actions, for the one dispatch loop.
  struct DriverActions final : consensus::ActionHandler {
    explicit DriverActions(Impl& d) : d(d) {}
    Impl& d;
    void broadcast(consensus::Message m) override { d.broadcast_consensus(m); }
    void schedule_timeout(const consensus::ScheduleTimeout& t) override { d.schedule_timeout(t); }
    Actions request_value(const consensus::RequestValue& r) override { return d.on_request_value(r); }
    Actions validate_value(const consensus::ValidateValue& v) override { return d.on_validate_value(v); }
    Actions decided(const consensus::Decision& dec) override { return d.on_decided(dec); }
    void evidence_found(const ledger::Evidence& e) override {
      const bool queued = d.mempool.add_evidence(e);
      logging::warn("equivocation (" + std::string(ledger::EnumInfo<ledger::EvidenceKind>::name(e.kind())) +
                        ") by validator " + key_prefix(e.offender()) + " at height " + std::to_string(e.height()) +
                        " round " + std::to_string(e.round()) + (queued ? "; evidence queued" : "; evidence queue full"),
                    {e.height(), key_prefix(e.offender()), ""});
    }
    // Fail-stop, as for a failed block write: a validator that cannot log
    // what it signs must not sign. A restart reads the WAL back (a torn last
    // record is dropped) and resumes without signing anything twice.
    void halted(const consensus::Halted& h) override {
      fatal("consensus " + h.reason + "; this validator stops rather than vote unlogged. Free space or fix the " +
            "disk, then restart it: it resumes from the log");
    }
    bool stopped() const override { return d.stopped; }
  } handler(*this);
  consensus::dispatch_actions(handler, std::move(first));
  publish();
}

void ConsensusDriver::Impl::broadcast_consensus(const consensus::Message& m) {
  if (logging::enabled(logging::Level::debug))
    logging::debug("consensus: send " + describe(m), {consensus::message_height(m), "", ""});
  seen.insert(crypto::sha256(consensus::encode_message(m)));
  if (Transport* n = net) n->broadcast(p2p::ConsensusMessage{m});
}

void ConsensusDriver::Impl::schedule_timeout(const consensus::ScheduleTimeout& t) {
  if (logging::enabled(logging::Level::debug))
    logging::debug("consensus: set " + describe(t), {t.timeout.height, "", ""});
  auto timer = std::make_shared<Timer>(strand, std::chrono::milliseconds(t.delay_ms));
  auto& slot = timers[t.timeout];
  if (slot) slot->cancel();
  slot = timer;
  timer->async_wait([self = shared_from_this(), timer, to = t.timeout](const boost::system::error_code& ec) {
    if (ec || self->stopped) return;
    if (auto it = self->timers.find(to); it != self->timers.end() && it->second == timer) self->timers.erase(it);
    if (logging::enabled(logging::Level::debug)) logging::debug("consensus: fired " + describe(to), {to.height, "", ""});
    self->drive(self->engine->on_timeout(to));
  });
}

Actions ConsensusDriver::Impl::on_request_value(const consensus::RequestValue& r) {
  if (!opts.validator_key || r.height != chain.height() + 1) return {};
  BuiltValue v;
  {
    auto lk = shared.write_lock();
    v = build_block_value(chain, mempool, opts.validator_key->public_key(), unix_now(), opts.max_block_txs);
  }
  valid_values[v.id] = {crypto::sha256(v.bytes), std::move(v.prepared)};
  return engine->on_value_ready(r.height, r.round, v.id, std::move(v.bytes));
}

Actions ConsensusDriver::Impl::on_validate_value(const consensus::ValidateValue& v) {
  const crypto::Hash32 digest = crypto::sha256(v.value);
  if (auto it = valid_values.find(v.value_id); it != valid_values.end() && it->second.digest == digest)
    return engine->on_validated(v.height, v.value_id, true);
  Status s = v.height == chain.height() + 1
                 ? Status{}
                 : Status{fail("the ledger is at height " + std::to_string(chain.height()))};
  std::vector<ledger::Transaction> learned;
  std::shared_ptr<const ledger::PreparedBlock> prepared;
  if (s) {
    // Signatures first, on verify_threads threads and outside the state
    // lock: they need no state, and the API's readers go on meanwhile.
    auto decoded = decode_block_value(mempool, v.value, opts.verify_threads);
    if (!decoded) {
      s = decoded.take_error();
    } else if (Status t = check_block_time(decoded->block.header.time, unix_now()); !t) {
      s = t;
    } else {
      auto lk = shared.write_lock();
      auto p = check_block_value(chain, *decoded, &learned);
      if (p)
        prepared = std::make_shared<const ledger::PreparedBlock>(std::move(*p));
      else
        s = p.take_error();
    }
  }
  // Transactions first seen in a valid proposal, their signatures now
  // verified: pending here too, so that later copies are not verified again.
  for (auto& tx : learned) mempool.add(std::move(tx), {});
  if (s)
    valid_values[v.value_id] = {digest, std::move(prepared)};
  else
    logging::warn("height " + std::to_string(v.height) + ": proposed block " + v.value_id.hex().substr(0, 16) +
                      " refused: " + s.error(),
                  {v.height, "", ""});
  return engine->on_validated(v.height, v.value_id, s.ok());
}

Actions ConsensusDriver::Impl::on_decided(const consensus::Decision& d) {
  if (d.height <= chain.height()) {
    // Sync committed it first; go on from the tip.
    return engine->height() <= chain.height() ? begin_height(chain.height() + 1) : Actions{};
  }
  auto block = ledger::Block::decode(d.value);
  if (!block) fatal("height " + std::to_string(d.height) + " was decided with a value that is not a block: " + block.error());
  auto known = valid_values.find(d.value_id);
  const bool checked = known != valid_values.end() && known->second.digest == crypto::sha256(d.value) &&
                       known->second.prepared && known->second.prepared->parent == chain.tip_hash();
  {
    auto lk = shared.write_lock();
    // A value this node built or checked commits from what it prepared;
    // one decided unseen (catch-up) is prepared now.
    if (auto s = checked ? chain.commit(*known->second.prepared, d.cert)
                         : commit_certified(chain, *block, d.cert, verified_by(mempool, *block));
        !s)
      fatal("cannot commit decided block " + std::to_string(d.height) + ": " + s.error());
    committed({&*block}, d.value.size());
  }
  if (opts.events)
    opts.events->height_decided(d.cert.round, DriverClock::now() - height_started);
  log_line("committed height " + std::to_string(d.height) + ": " + std::to_string(block->txs.size()) + " txs" +
           (block->evidence.empty() ? "" : ", " + std::to_string(block->evidence.size()) + " evidence") +
           ", round " + std::to_string(d.cert.round) + ", proposer " + key_prefix(block->header.proposer) + ", " +
           std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(DriverClock::now() -
                                                                                height_started)
                              .count()) +
           " ms",
           {d.height, "", ""});
  after_commit();
  return {};
}

void ConsensusDriver::Impl::committed(const std::vector<const ledger::Block*>& blocks,
                                      std::optional<size_t> decided_bytes) {
  for (const ledger::Block* b : blocks) {
    std::vector<double> waited = mempool.remove_committed(*b);
    if (opts.events)
      opts.events->block_committed({b->header.height, b->txs.size(),
                                    decided_bytes ? *decided_bytes : b->encode().size(), std::move(waited),
                                    !decided_bytes});
  }
  // The re-check runs once the next height is under way, off its critical
  // path: a proposal built before it refuses what the rules reject anyway.
  // At most one is queued; it always runs, so a refused transaction that
  // keeps a lone validator busy is answered even while heights fly by.
  if (!recheck_queued) {
    recheck_queued = true;
    post([this] {
      recheck_queued = false;
      auto lk = shared.write_lock();
      const RecheckResult r = mempool.recheck(chain, unix_now());
      log_dropped(r.dropped);
      for (const auto& e : r.dropped_evidence)
        log_line("evidence " + e.evidence_id.hex().substr(0, 16) + " dropped: " + e.reason);
    });
  }
  committed_height = chain.height();
  // What was signed below the tip is no longer needed to stay safe.
  if (auto s = wal->prune_below(chain.height() + 1); !s) log_line("consensus WAL: cannot prune: " + s.error());
}

}  // namespace nl::node
