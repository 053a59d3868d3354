#include "node/sim/whole_node_sim.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>

#include "consensus/sim/sim_rng.h"
#include "ledger/chain.h"
#include "node/driver/consensus_driver.h"
#include "node/driver/driver_clock.h"
#include "node/driver/shared_chain.h"
#include "node/sim/byzantine_peer.h"
#include "node/sim/sim_wire.h"

namespace nl::node::sim {

namespace {
using consensus::sim::Rng;
using std::chrono::milliseconds;
using Duration = DriverClock::duration;

constexpr uint64_t kGenesisTime = 1'700'000'000;
constexpr auto kStep = milliseconds(1);
constexpr auto kActEvery = milliseconds(20);
constexpr auto kCheckEvery = milliseconds(50);
constexpr size_t kMaxTxs = 250;  // one /16 of 10.0.0.0/8 each

crypto::SecretKey key_for(uint64_t seed, char kind, uint64_t i) {
  Bytes b{'n', 'l', '-', 's', 'i', 'm', static_cast<uint8_t>(kind)};
  for (int s = 0; s < 8; ++s) b.push_back(static_cast<uint8_t>(seed >> (8 * s)));
  for (int s = 0; s < 8; ++s) b.push_back(static_cast<uint8_t>(i >> (8 * s)));
  return crypto::SecretKey::from_seed(crypto::sha256(b).b);
}

std::string fresh_dir(const WholeNodeConfig& c) {
  static std::atomic<uint64_t> runs{0};
  namespace fs = std::filesystem;
  const fs::path base = fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
  return (base / ("numledger-sim-" + std::to_string(::getpid()) + "-" + std::to_string(c.seed) + "-" +
                  std::to_string(runs++)))
      .string();
}

struct HonestNode {
  size_t index = 0;
  std::string home;
  std::optional<crypto::SecretKey> key;  // validators, and the observer that joins
  std::unique_ptr<ledger::Chain> chain;
  std::unique_ptr<SharedChain> shared;
  std::unique_ptr<SimTransport> transport;
  std::unique_ptr<ConsensusDriver> driver;
};

struct PlannedTx {
  Duration at;
  ledger::Transaction tx;
};

class World {
 public:
  explicit World(const WholeNodeConfig& c) : cfg_(c), time_(kGenesisTime + 5), rng_(c.seed) {}
  ~World() { teardown(); }

  Status setup();
  void run();
  WholeNodeResult result();

 private:
  Duration delay(size_t from, size_t to, const p2p::P2pMessage& m);
  Duration scripted_delay(size_t from, size_t to, const p2p::P2pMessage& m);
  // The honest nodes split in two for (h, r), the same for the Byzantine
  // validators and the adversary's delays.
  Sides sides_for(uint64_t h, uint32_t r) const;
  void settle();  // runs everything due now
  void adversary_step();
  void byzantine_act();
  void submit_due();
  bool done() const;
  void teardown();
  Duration since_start() const { return time_.elapsed(); }

  const WholeNodeConfig cfg_;
  SimulatedTime time_;  // first: everything below reads it, to the end
  Rng rng_;
  std::string dir_;
  ledger::Genesis genesis_;
  std::vector<crypto::SecretKey> keys_;  // every node's, by node index
  std::vector<bool> honest_;
  std::unique_ptr<boost::asio::io_context> ioc_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::unique_ptr<SimWire> wire_;
  std::vector<HonestNode> nodes_;  // honest ones
  std::vector<std::unique_ptr<ByzantinePeer>> byzantine_;
  std::vector<size_t> victims_;    // honest nodes the adversary starves of proposals
  std::map<Duration, std::vector<std::pair<size_t, size_t>>> heals_;
  std::vector<PlannedTx> txs_;
  size_t next_tx_ = 0;
  std::vector<crypto::Hash32> submitted_;
  bool set_change_sent_ = false;
  uint64_t cuts_ = 0;
  size_t stall_victim_ = 0;  // stall_bug1: A
  Duration gst_;
};

Status World::setup() {
  gst_ = milliseconds(cfg_.gst_ms);
  dir_ = cfg_.dir.empty() ? fresh_dir(cfg_) : cfg_.dir;
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) return fail("cannot create " + dir_ + ": " + ec.message());

  // Validators first (the first `byzantine` of them run no driver), then observers.
  const size_t v = cfg_.validators, total = v + cfg_.observers;
  for (size_t i = 0; i < total; ++i) keys_.push_back(key_for(cfg_.seed, 'v', i));
  const crypto::SecretKey client = key_for(cfg_.seed, 'c', 0);
  genesis_.chain_id = "sim-whole-node";
  genesis_.genesis_time = kGenesisTime;
  // Unequal power goes to the honest validators: the Byzantine ones keep
  // power 1, so that they stay below a third as F < N/3 promises.
  for (size_t i = 0; i < v; ++i)
    genesis_.validators.validators.push_back(
        {keys_[i].public_key(), cfg_.unequal_power && i >= cfg_.byzantine ? rng_.between(1, 4) : 1});
  std::sort(genesis_.validators.validators.begin(), genesis_.validators.validators.end());
  genesis_.roots.push_back({ledger::Resource::parse("10.0.0.0/8").value(), ledger::AccountId{client.public_key()},
                            {"sim root", "", "", "", ""}});
  const crypto::Hash32 gh = genesis_.hash();

  // The scripted bug-1 run needs an honest proposer at (1, 0), and A and D
  // not proposing there.
  std::vector<size_t> byz_nodes;
  for (size_t i = 0; i < cfg_.byzantine; ++i) byz_nodes.push_back(i);
  if (cfg_.scenario == Scenario::stall_bug1) {
    const crypto::PublicKey p0 = consensus::ProposerSchedule(genesis_.validators).at(1, 0);
    std::vector<size_t> others;
    for (size_t i = 0; i < v; ++i)
      if (keys_[i].public_key() != p0) others.push_back(i);
    byz_nodes = {others[0]};    // D
    stall_victim_ = others[1];  // A
  }
  honest_.assign(total, true);
  for (size_t b : byz_nodes) honest_[b] = false;

  std::vector<SimWire::Endpoint> eps;
  for (size_t i = 0; i < total; ++i)
    eps.push_back({keys_[i].public_key(), i < v && !(!honest_[i] && (cfg_.behaviours & kClaimObserver)), honest_[i]});
  ioc_ = std::make_unique<boost::asio::io_context>(1);
  work_.emplace(ioc_->get_executor());
  wire_ = std::make_unique<SimWire>(
      std::move(eps), [this](size_t f, size_t t, const p2p::P2pMessage& m) { return delay(f, t, m); },
      [this](size_t n) -> uint64_t {
        for (const auto& h : nodes_)
          if (h.index == n) return h.chain->height();
        return 0;
      });

  for (size_t i = 0; i < total; ++i) {
    if (!honest_[i]) {
      const uint32_t does = cfg_.scenario == Scenario::random ? cfg_.behaviours : kDoubleVote | kPrevotesOnly;
      byzantine_.push_back(std::make_unique<ByzantinePeer>(*wire_, i, keys_[i], gh, does));
      ByzantinePeer* b = byzantine_.back().get();
      wire_->set_handlers(i, [b](const PeerInfo& p, p2p::P2pMessage m) { b->on_message(p, std::move(m)); },
                          [](const PeerInfo&, bool) {});
      continue;
    }
    HonestNode n;
    n.index = i;
    n.home = dir_ + "/node" + std::to_string(i);
    std::filesystem::create_directories(n.home, ec);
    auto c = ledger::Chain::open(n.home + "/ledger", genesis_);
    if (!c) return fail("node " + std::to_string(i) + ": " + c.error());
    n.chain = std::move(*c);
    n.shared = std::make_unique<SharedChain>(*n.chain);
    // Every validator key, and the first observer's, which joins in a set change.
    if (i < v || (cfg_.set_change_at != 0 && i == v)) n.key = keys_[i];
    DriverOptions d;
    d.wal_path = n.home + "/consensus.wal";
    d.validator_key = n.key;
    d.node_key = keys_[i].public_key();
    d.timeouts = cfg_.timeouts;
    d.block_interval = milliseconds(200);
    d.regossip_interval = milliseconds(500);
    d.sync_timeout = milliseconds(2000);
    d.sync_lag_grace = milliseconds(500);
    d.verify_threads = 0;  // on this thread, in order
    d.gossip_batch_delay = milliseconds(5);
    auto drv = ConsensusDriver::open(*ioc_, *n.shared, d);
    if (!drv) return fail("node " + std::to_string(i) + ": " + drv.error());
    n.driver = std::move(*drv);
    n.transport = std::make_unique<SimTransport>(*wire_, i);
    n.driver->attach(n.transport.get());
    nodes_.push_back(std::move(n));
  }

  // The adversary's victims: a minority of the honest nodes.
  std::vector<size_t> honest_idx;
  for (const auto& n : nodes_) honest_idx.push_back(n.index);
  for (size_t k = 0; k < honest_idx.size() / 3 + 1 && !honest_idx.empty(); ++k)
    victims_.push_back(honest_idx[rng_.below(honest_idx.size())]);

  // Clients: delegations from the root's holder, submitted before GST + 1 s.
  const size_t ntx = std::min(cfg_.txs, kMaxTxs);
  for (size_t k = 1; k <= ntx; ++k) {
    ledger::Transaction tx;
    tx.chain_id = genesis_.chain_id;
    tx.genesis_hash = gh;
    tx.signer = ledger::AccountId{client.public_key()};
    tx.nonce = k;
    tx.body = ledger::DelegateBody{ledger::Resource::parse("10." + std::to_string(k) + ".0.0/16").value(),
                                   ledger::AccountId{key_for(cfg_.seed, 'a', k).public_key()},
                                   ledger::HoldingKind::allocation, 0};
    tx.sign(client);
    txs_.push_back({milliseconds(rng_.below(cfg_.gst_ms + 1000)), std::move(tx)});
  }
  std::stable_sort(txs_.begin(), txs_.end(), [](const PlannedTx& a, const PlannedTx& b) { return a.at < b.at; });

  wire_->connect_all();
  for (auto& n : nodes_) n.driver->start();
  return {};
}

Duration World::delay(size_t from, size_t to, const p2p::P2pMessage& m) {
  if (cfg_.scenario == Scenario::stall_bug1) return scripted_delay(from, to, m);
  if (since_start() >= gst_) return milliseconds(rng_.between(1, cfg_.delta_ms));
  // Before GST the adversary starves its victims of proposals or of
  // prevotes (so that they precommit nil while others lock, and rounds
  // end undecided with some nodes locked: the lock and unlock rules, Alg. 1
  // l.15 and l.28, run), and gives them the Byzantine validators' messages
  // first.
  const auto* c = std::get_if<p2p::ConsensusMessage>(&m);
  const bool victim = std::find(victims_.begin(), victims_.end(), to) != victims_.end();
  if (c && honest_[from]) {
    if (victim && std::holds_alternative<consensus::Proposal>(c->msg)) return milliseconds(cfg_.max_delay_ms);
    // Half the honest prevotes reach the Byzantine validators' side b late,
    // where their nil prevotes come at once: side b precommits nil while
    // side a locks. Every copy of a vote (relays too) is held alike.
    if (const auto* v = std::get_if<ledger::SignedVote>(&c->msg); v && v->type == ledger::VoteType::prevote) {
      const Sides s = sides_for(v->height, v->round);
      if (std::find(s.b.begin(), s.b.end(), to) != s.b.end() &&
          (v->validator.b[0] + to + v->height + v->round + cfg_.seed) % 2 == 0)
        return milliseconds(cfg_.max_delay_ms);
    }
  }
  // The Byzantine validators hear everything at once and speak at once.
  if (!honest_[from] || !honest_[to]) return milliseconds(1);
  return milliseconds(rng_.between(1, cfg_.max_delay_ms));
}

// Issue 20, bug 1: the round-0 proposal reaches A only at GST; D's nil
// prevote reaches A before anyone relays D's vote for the proposal.
Duration World::scripted_delay(size_t from, size_t to, const p2p::P2pMessage& m) {
  const auto* c = std::get_if<p2p::ConsensusMessage>(&m);
  if (c && to == stall_victim_ && since_start() < gst_)
    if (const auto* p = std::get_if<consensus::Proposal>(&c->msg); p && p->height == 1 && p->round == 0)
      return gst_ - since_start();
  if (!honest_[from]) return milliseconds(1);
  return milliseconds(rng_.between(20, 40));
}

void World::settle() {
  for (int guard = 0; guard < 100000; ++guard) {
    size_t n = ioc_->poll();
    n += wire_->deliver_due();
    if (n == 0) return;
  }
}

void World::adversary_step() {
  if (cfg_.scenario != Scenario::random) return;
  const Duration now = since_start();
  if (now < gst_ && cfg_.cut_per_second > 0 && rng_.chance(cfg_.cut_per_second / 1000.0)) {
    const size_t a = rng_.below(wire_->size()), b = rng_.below(wire_->size());
    if (a != b && wire_->up(a, b)) {
      wire_->cut(a, b);
      ++cuts_;
      heals_[std::min<Duration>(now + milliseconds(rng_.between(100, 1500)), gst_)].push_back({a, b});
    }
  }
  while (!heals_.empty() && heals_.begin()->first <= now) {
    for (auto [a, b] : heals_.begin()->second) wire_->heal(a, b);
    heals_.erase(heals_.begin());
  }
  wire_->lift_bans();
}

Sides World::sides_for(uint64_t h, uint32_t r) const {
  Sides sides;
  Rng split(cfg_.seed ^ (h * 1000003) ^ (uint64_t(r) << 40));
  for (const auto& n : nodes_) (split.chance(0.5) ? sides.a : sides.b).push_back(n.index);
  return sides;
}

void World::byzantine_act() {
  if (byzantine_.empty()) return;
  std::set<std::pair<uint64_t, uint32_t>> at;
  for (const auto& n : nodes_) {
    const DriverStatus s = n.driver->status();
    if (s.height) at.insert({s.height, s.round});
  }
  for (auto [h, r] : at) {
    HonestNode* base = nullptr;
    for (auto& n : nodes_)
      if (n.chain->height() + 1 == h) base = &n;
    if (!base) continue;
    Sides sides = sides_for(h, r);
    if (cfg_.scenario == Scenario::stall_bug1) {
      // D: nil to A, the proposal's value to B and C; prevotes only, round 0 only.
      if (h != 1 || r != 0) continue;
      sides = {};
      for (const auto& n : nodes_) (n.index == stall_victim_ ? sides.b : sides.a).push_back(n.index);
    }
    for (auto& b : byzantine_)
      b->act(h, r, *base->chain, base->chain->validators_at(h), base->chain->validators_at(h + 1), sides);
  }
}

void World::submit_due() {
  while (next_tx_ < txs_.size() && txs_[next_tx_].at <= since_start()) {
    std::vector<HonestNode*> validators;
    for (auto& n : nodes_)
      if (n.key && n.index < cfg_.validators) validators.push_back(&n);
    HonestNode* to = validators[rng_.below(validators.size())];
    submitted_.push_back(txs_[next_tx_].tx.id());
    to->driver->submit(std::move(txs_[next_tx_].tx), SubmitCallback{});
    ++next_tx_;
  }
  if (cfg_.set_change_at != 0 && !set_change_sent_) {
    uint64_t low = UINT64_MAX;
    for (const auto& n : nodes_) low = std::min(low, n.chain->height());
    if (low + 1 >= cfg_.set_change_at) {
      set_change_sent_ = true;
      // The last honest validator leaves; the first observer joins.
      size_t leaving = 0;
      for (const auto& n : nodes_)
        if (n.index < cfg_.validators) leaving = n.index;
      ledger::Transaction tx;
      tx.chain_id = genesis_.chain_id;
      tx.genesis_hash = nodes_[0].chain->genesis_hash();
      tx.signer = ledger::AccountId{keys_[leaving].public_key()};
      tx.nonce = 1;
      // The joiner takes the leaver's power: the Byzantine share stays as it was.
      const uint64_t power = nodes_[0].chain->validators_at(nodes_[0].chain->height() + 1).power_of({keys_[leaving].public_key()});
      std::vector<ledger::Validator> changes{{keys_[leaving].public_key(), 0},
                                             {keys_[cfg_.validators].public_key(), std::max<uint64_t>(power, 1)}};
      std::sort(changes.begin(), changes.end());
      tx.body = ledger::ValidatorUpdateBody{changes};
      std::vector<crypto::SecretKey> signers(keys_.begin(), keys_.begin() + static_cast<long>(cfg_.validators));
      std::sort(signers.begin(), signers.end(),
                [](const auto& a, const auto& b) { return a.public_key() < b.public_key(); });
      for (const auto& k : signers) tx.sign(k);
      submitted_.push_back(tx.id());
      nodes_[0].driver->submit(std::move(tx), SubmitCallback{});
    }
  }
}

bool World::done() const {
  if (since_start() < gst_ || next_tx_ < txs_.size()) return false;
  if (cfg_.set_change_at != 0 && !set_change_sent_) return false;
  for (const auto& n : nodes_) {
    if (n.chain->height() < cfg_.heights) return false;
    for (const auto& id : submitted_)
      if (!n.chain->store().find_tx(id)) return false;
  }
  return true;
}

void World::run() {
  const Duration end = gst_ + milliseconds(cfg_.limit_ms);
  Duration next_act{}, next_check{};
  settle();
  while (since_start() < end) {
    adversary_step();
    submit_due();
    if (since_start() >= next_act) {
      byzantine_act();
      next_act = since_start() + kActEvery;
    }
    settle();
    if (since_start() >= next_check) {
      if (done()) return;
      next_check = since_start() + kCheckEvery;
    }
    time_.advance(kStep);
  }
}

WholeNodeResult World::result() {
  WholeNodeResult r;
  r.seed = cfg_.seed;
  r.sim_ms = static_cast<uint64_t>(std::chrono::duration_cast<milliseconds>(since_start()).count());
  r.deliveries = wire_->deliveries();
  r.cuts = cuts_;
  r.bans = wire_->bans();
  r.txs_submitted = submitted_.size();
  for (const auto& b : byzantine_) r.byzantine_messages += b->sent();
  auto problem = [&r](const std::string& p) {
    if (r.first_problem.empty()) r.first_problem = p;
  };
  r.honest_penalties = wire_->honest_penalty_points();
  r.byzantine_penalties = wire_->byzantine_penalty_points();
  if (r.honest_penalties) problem(wire_->first_honest_penalty());

  // Safety: one block per height over every honest chain.
  uint64_t top = 0;
  r.min_height = UINT64_MAX;
  for (const auto& n : nodes_) {
    top = std::max(top, n.chain->height());
    r.min_height = std::min(r.min_height, n.chain->height());
  }
  if (nodes_.empty()) r.min_height = 0;
  uint64_t rounds = 0, commits = 0;
  for (uint64_t h = 1; h <= top; ++h) {
    std::optional<crypto::Hash32> first;
    for (const auto& n : nodes_) {
      if (n.chain->height() < h) continue;
      auto b = n.chain->store().block(h);
      auto c = n.chain->store().cert(h);
      if (!b || !c) {
        r.safe = false;
        problem("node " + std::to_string(n.index) + " cannot read its block " + std::to_string(h));
        continue;
      }
      rounds += c->round + 1;
      ++commits;
      const crypto::Hash32 hash = b->header.hash();
      if (!first) first = hash;
      if (hash != *first) {
        r.safe = false;
        problem("height " + std::to_string(h) + ": node " + std::to_string(n.index) + " committed " +
                hash.hex().substr(0, 16) + ", another honest node " + first->hex().substr(0, 16));
      }
    }
    if (first) wire_->mix_into_trace(ByteView(first->b.data(), first->b.size()));
  }
  r.rounds_per_height = commits ? double(rounds) / double(commits) : 0;
  if (!nodes_.empty() && nodes_[0].chain->height() >= 1)
    if (auto c = nodes_[0].chain->store().cert(1)) r.first_height_round = c->round;
  if (!nodes_.empty() && r.min_height >= 1)
    r.set_changed = nodes_[0].chain->validators_at(r.min_height) != genesis_.validators;
  if (r.min_height < cfg_.heights) {
    r.live = false;
    problem("an honest node is at height " + std::to_string(r.min_height) + " of " + std::to_string(cfg_.heights) +
            " " + std::to_string(cfg_.limit_ms) + " ms after GST");
  }
  for (const auto& n : nodes_)
    for (const auto& id : submitted_)
      if (!n.chain->store().find_tx(id)) {
        r.all_txs_committed = false;
        problem("transaction " + id.hex().substr(0, 16) + " is not committed at node " + std::to_string(n.index));
        break;
      }
  for (const auto& n : nodes_) {
    const consensus::EngineStats s = n.driver->engine_stats();
    for (size_t i = 0; i < consensus::kRuleCount; ++i) r.rules[i] += s.rules[i];
  }
  r.trace_digest = wire_->trace().hex();
  return r;
}

void World::teardown() {
  // Timers must go before their io_context: stop the drivers, let every
  // cancelled or due wait complete, drop the drivers, and only then the
  // io_context.
  for (auto& n : nodes_)
    if (n.driver) n.driver->stop();
  if (ioc_) {
    for (int i = 0; i < 20; ++i) {
      time_.advance(std::chrono::seconds(1));
      while (ioc_->poll() > 0) {
      }
    }
  }
  for (auto& n : nodes_) n.driver.reset();
  if (ioc_) {
    while (ioc_->poll() > 0) {
    }
    work_.reset();
    ioc_.reset();
  }
  for (auto& n : nodes_) {
    n.transport.reset();
    n.shared.reset();
    n.chain.reset();
  }
  byzantine_.clear();
  wire_.reset();
  if (!dir_.empty() && cfg_.dir.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

}  // namespace

Result<WholeNodeResult> run_whole_node(const WholeNodeConfig& cfg) {
  if (auto s = validate(cfg); !s) return s.take_error();
  World w(cfg);
  if (auto s = w.setup(); !s) return s.take_error();
  w.run();
  return w.result();
}

}  // namespace nl::node::sim
