#include "consensus/sim/simulation.h"

#include <algorithm>
#include <string>

#include "consensus/sim/byzantine_node.h"
#include "crypto/domain_tags.h"
#include "consensus/sim/sim_node.h"
#include "consensus/sim/split_attack.h"

namespace nl::consensus::sim {

crypto::Hash32 sim_genesis_hash() { return crypto::tagged_hash(tags::kGenesis, as_bytes("numledger-sim")); }

namespace {

size_t node_count(const SimConfig& cfg) {
  return std::max(cfg.validators, cfg.change ? cfg.change->powers.size() : size_t{0});
}

std::vector<crypto::SecretKey> make_keys(const SimConfig& cfg) {
  std::vector<crypto::SecretKey> keys;
  for (size_t i = 0; i < node_count(cfg); ++i) {
    const std::string label = "numledger/sim-key|" + std::to_string(cfg.seed) + "|" + std::to_string(i);
    keys.push_back(crypto::SecretKey::from_seed(crypto::sha256(as_bytes(label)).b));
  }
  return keys;
}

std::vector<crypto::PublicKey> public_keys(const std::vector<crypto::SecretKey>& keys) {
  std::vector<crypto::PublicKey> out;
  for (const auto& k : keys) out.push_back(k.public_key());
  return out;
}

template <class T>
void shuffle(std::vector<T>& v, Rng& rng) {
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng.below(i)]);
}

}  // namespace

Simulation::Simulation(SimConfig cfg)
    : cfg_(std::move(cfg)),
      rng_(cfg_.seed),
      keys_(make_keys(cfg_)),
      sets_(public_keys(keys_), cfg_.validators, cfg_.change),
      net_(keys_.size(), LinkConfig{cfg_.min_delay_ms, cfg_.max_delay_ms, cfg_.drop}, rng_, queue_),
      checker_(sim_genesis_hash(), sets_),
      env_{sim_genesis_hash(),
           cfg_.timeouts,
           cfg_.heights,
           cfg_.gossip_min_ms,
           cfg_.gossip_max_ms,
           queue_,
           net_,
           rng_,
           sets_,
           checker_,
           make_verify_fn(verify_cache_, cfg_.memoize_verify)} {
  const size_t n = keys_.size();
  drivers_.assign(n, nullptr);
  if (uses_split_attack(cfg_)) {
    std::vector<size_t> colluders;
    std::vector<crypto::SecretKey> colluder_keys;
    for (size_t i = 0; i < cfg_.byzantine; ++i) {
      colluders.push_back(i);
      colluder_keys.push_back(keys_[i]);
    }
    std::vector<size_t> honest_validators;
    for (size_t i = cfg_.byzantine; i < cfg_.validators; ++i) honest_validators.push_back(i);
    shuffle(honest_validators, rng_);
    std::vector<int> group(n, -1);
    for (size_t k = 0; k < honest_validators.size(); ++k)
      group[honest_validators[k]] = k < (honest_validators.size() + 1) / 2 ? 0 : 1;
    split_ = std::make_unique<SplitAttack>(env_, colluders, colluder_keys, group);
  }
  for (size_t i = 0; i < n; ++i) {
    if (i < cfg_.byzantine && split_) {
      nodes_.push_back(std::make_unique<SplitAttackNode>(*split_));
    } else if (i < cfg_.byzantine) {
      const Behaviour b = cfg_.behaviours.empty() ? static_cast<Behaviour>(rng_.below(5))
                                                  : cfg_.behaviours[i % cfg_.behaviours.size()];
      if (b == Behaviour::silent) {
        nodes_.push_back(std::make_unique<SilentNode>());
      } else {
        auto node = std::make_unique<ByzantineNode>(env_, i, keys_[i], b);
        drivers_[i] = node.get();
        nodes_.push_back(std::move(node));
      }
    } else {
      auto node = std::make_unique<EngineNode>(env_, i, keys_[i]);
      drivers_[i] = node.get();
      honest_.push_back(node.get());
      nodes_.push_back(std::move(node));
    }
  }
  plan_partition();
  plan_crashes();
}

Simulation::~Simulation() = default;

const std::map<uint64_t, Decision>* Simulation::decisions(size_t i) const {
  return drivers_[i] ? &drivers_[i]->decisions() : nullptr;
}

void Simulation::plan_partition() {
  const size_t n = nodes_.size();
  if (!cfg_.partition || n < 2) return;
  const uint64_t start = rng_.between(50, 500);
  const uint64_t heal = start + rng_.between(2000, 5000);
  partition_sides_.resize(n);
  for (auto& side : partition_sides_) side = static_cast<uint8_t>(rng_.below(2));
  // Both sides non-empty.
  const size_t a = rng_.below(n);
  const size_t b = (a + 1 + rng_.below(n - 1)) % n;
  partition_sides_[a] = 0;
  partition_sides_[b] = 1;
  queue_.at(start, PartitionChange{true});
  queue_.at(heal, PartitionChange{false});
  faults_end_ms_ = std::max(faults_end_ms_, heal);
}

void Simulation::plan_crashes() {
  if (!cfg_.crash || honest_.empty()) return;
  std::vector<EngineNode*> victims = honest_;
  shuffle(victims, rng_);
  victims.resize(honest_.size() >= 5 ? 1 + rng_.below(2) : 1);
  for (EngineNode* v : victims) {
    uint64_t t = rng_.between(50, 800);
    const uint64_t times = 1 + rng_.below(2);
    for (uint64_t k = 0; k < times; ++k) {
      const uint64_t down = rng_.between(300, 3000);
      std::optional<uint64_t> appends;
      if (rng_.chance(0.5)) appends = rng_.below(4);
      queue_.at(t, CrashNode{v->index(), appends, down, std::nullopt});
      const uint64_t back = t + (appends ? kArmedCrashFallbackMs : 0) + down;
      faults_end_ms_ = std::max(faults_end_ms_, back);
      t = back + rng_.between(100, 1000);
    }
  }
}

std::string Simulation::describe() const {
  std::string out;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    out += "node " + std::to_string(i) + ": ";
    if (const auto* b = dynamic_cast<const ByzantineNode*>(nodes_[i].get()))
      out += "byzantine " + std::string(behaviour_name(b->behaviour())) + ", ";
    else if (!nodes_[i]->honest())
      out += split_ ? "byzantine split-attack" : "byzantine silent";
    else
      out += "honest, ";
    if (drivers_[i]) out += drivers_[i]->describe();
    out += "\n";
  }
  out += "time " + std::to_string(queue_.now()) + " ms, faults end " + std::to_string(faults_end_ms_) + " ms" +
         (net_.partitioned() ? ", partitioned" : "") + "\n";
  return out;
}

bool Simulation::all_done() const {
  if (net_.partitioned()) return false;
  return std::all_of(honest_.begin(), honest_.end(), [](const EngineNode* n) { return n->up() && n->finished(); });
}

void Simulation::dispatch(Event& e) {
  if (auto* d = std::get_if<Deliver>(&e.body)) {
    // A partition that began while the message was in flight loses it too.
    if (net_.connected(d->from, d->to)) nodes_[d->to]->receive(d->from, d->payload, d->regossip);
  } else if (auto* t = std::get_if<FireTimeout>(&e.body)) {
    nodes_[t->node]->on_timeout(t->incarnation, t->timeout);
  } else if (auto* v = std::get_if<FireValidated>(&e.body)) {
    nodes_[v->node]->on_validated(*v);
  } else if (auto* g = std::get_if<GossipTick>(&e.body)) {
    queue_.after(rng_.between(cfg_.gossip_min_ms, cfg_.gossip_max_ms), GossipTick{g->node});
    nodes_[g->node]->gossip_tick();
  } else if (auto* c = std::get_if<CrashNode>(&e.body)) {
    drivers_[c->node]->on_crash(*c);
  } else if (auto* r = std::get_if<RestartNode>(&e.body)) {
    drivers_[r->node]->restart();
  } else if (auto* p = std::get_if<PartitionChange>(&e.body)) {
    if (p->split) {
      net_.split(partition_sides_);
      ++partitions_;
    } else {
      net_.heal();
      env_.progress = true;
    }
  }
}

void Simulation::run() {
  if (ran_) return;
  ran_ = true;
  for (auto& node : nodes_) node->start();
  for (size_t i = 0; i < nodes_.size(); ++i)
    queue_.after(rng_.between(cfg_.gossip_min_ms, cfg_.gossip_max_ms), GossipTick{i});
  const uint64_t deadline = faults_end_ms_ + cfg_.liveness_bound_ms;
  env_.progress = true;
  for (;;) {
    if (env_.progress) {
      env_.progress = false;
      if (all_done()) {
        done_ = true;
        break;
      }
    }
    if (queue_.empty() || queue_.next_time() > deadline) break;
    Event e = queue_.pop();
    dispatch(e);
  }
}

SimResult Simulation::result() const {
  SimResult r;
  r.seed = cfg_.seed;
  r.validators = cfg_.validators;
  r.byzantine = cfg_.byzantine;
  r.heights = cfg_.heights;
  std::vector<SafetyChecker::HonestNode> honest;
  for (const EngineNode* n : honest_)
    honest.push_back({n->index(), n->key(), &n->decisions(), &n->evidence(), n->conflicting_redecisions()});
  checker_.check(honest, cfg_.heights, r);
  r.all_decided = done_ && r.heights_decided >= cfg_.heights;
  for (const EngineNode* n : honest_) {
    r.crashes += n->crashes();
    r.crashes_at_wal_append += n->crashes_at_wal_append();
    if (n->failure()) {
      r.all_decided = false;
      if (r.first_problem.empty()) r.first_problem = *n->failure();
    }
  }
  r.messages = net_.messages();
  r.messages_per_height = static_cast<double>(r.messages) / static_cast<double>(cfg_.heights);
  r.regossip_messages = net_.regossip_messages();
  r.status_messages = net_.status_messages();
  r.partitions = partitions_;
  r.sim_time_ms = queue_.now();
  r.verifications = verify_cache_.verifications();
  return r;
}

Result<SimResult> run_simulation(const SimConfig& cfg) {
  if (auto s = validate(cfg); !s) return s.take_error();
  Simulation sim(cfg);
  sim.run();
  return sim.result();
}

}  // namespace nl::consensus::sim
