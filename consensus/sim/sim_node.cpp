#include "consensus/sim/sim_node.h"

#include "consensus/action_dispatch.h"

#include "consensus/sim/safety_checker.h"

namespace nl::consensus::sim {

EngineNode::EngineNode(SimEnv& env, size_t index, crypto::SecretKey key)
    : env_(env), index_(index), key_(std::move(key)) {}

EngineNode::~EngineNode() = default;

uint64_t EngineNode::decided_height() const { return decisions_.empty() ? 0 : decisions_.rbegin()->first; }

std::string EngineNode::describe() const {
  std::string out = up() ? "up" : "down";
  if (engine_)
    out += " h=" + std::to_string(engine_->height()) + " r=" + std::to_string(engine_->round()) + " " +
           std::string(step_name(engine_->step())) + (engine_->decided() ? " (decided)" : "");
  // The lock and valid value it last logged at its height, as the WAL holds them.
  if (auto entries = durable_wal_.load(); entries && engine_) {
    for (auto it = entries->rbegin(); it != entries->rend(); ++it) {
      const auto* lock = std::get_if<LockRecord>(&*it);
      if (!lock || lock->height != engine_->height()) continue;
      out += " locked_round=" + std::to_string(lock->locked_round) + " valid_round=" +
             std::to_string(lock->valid_round);
      break;
    }
  }
  out += " decided=" + std::to_string(decided_height()) + " crashes=" + std::to_string(crashes_);
  if (failure_) out += " failure: " + *failure_;
  return out;
}

bool EngineNode::signed_by_me(const Message& m) const {
  if (const auto* p = std::get_if<Proposal>(&m)) return p->proposer == key_.public_key();
  if (const auto* v = std::get_if<ledger::SignedVote>(&m)) return v->validator == key_.public_key();
  return false;
}

bool EngineNode::boot() {
  EngineConfig cfg;
  cfg.genesis_hash = env_.genesis_hash;
  cfg.timeouts = env_.timeouts;
  cfg.key = key_;
  cfg.verify = env_.verify;
  engine_ = std::make_unique<Engine>(std::move(cfg), wal_);
  if (auto s = engine_->recover(); !s) {
    failure_ = "node " + std::to_string(index_) + " could not recover its WAL: " + s.error();
    engine_.reset();
    return false;
  }
  return true;
}

void EngineNode::start() {
  if (!boot()) return;
  drive(engine_->start_height(1, env_.sets.at(1), env_.sets.at(2)));
}

void EngineNode::restart() {
  if (up() || failure_) return;
  wal_.reset();
  env_.progress = true;
  if (!boot() || finished()) return;
  const uint64_t next = decided_height() + 1;
  drive(engine_->start_height(next, env_.sets.at(next), env_.sets.at(next + 1)));
  if (up()) announce_height();
}

void EngineNode::on_crash(const CrashNode& c) {
  if (!up()) return;
  if (c.fallback_for) {
    // The armed crash never came (no WAL append in time): crash now.
    if (*c.fallback_for == incarnation_ && wal_.armed()) crash_now(c.down_ms);
    return;
  }
  if (!c.wal_appends) return crash_now(c.down_ms);
  wal_.crash_after(*c.wal_appends);
  armed_down_ms_ = c.down_ms;
  env_.queue.after(kArmedCrashFallbackMs, CrashNode{index_, std::nullopt, c.down_ms, incarnation_});
}

void EngineNode::crash_now(uint64_t down_ms) {
  engine_.reset();
  ++incarnation_;
  ++crashes_;
  env_.queue.after(down_ms, RestartNode{index_});
}

void EngineNode::receive(size_t from, const Payload& p, bool regossip) {
  if (!up()) return;
  if (const auto* s = std::get_if<HeightStatus>(&p)) return answer_catch_up(from, s->height);
  const Message& m = *std::get<std::shared_ptr<const Message>>(p);
  const bool is_decision = std::holds_alternative<Decision>(m);
  // A re-gossiped message says its sender is still at that height right
  // now; a first delivery may just be late, so it is not answered.
  if (regossip && !is_decision) answer_catch_up(from, message_height(m));
  if (finished()) return;
  const uint64_t before = decided_height();
  drive(engine_->on_message(m));
  // Caught up by a decision: ask for the next one at once.
  if (is_decision && up() && decided_height() > before) announce_height();
}

void EngineNode::on_timeout(uint64_t incarnation, const Timeout& t) {
  if (!up() || incarnation != incarnation_ || finished()) return;
  drive(engine_->on_timeout(t));
}

void EngineNode::on_validated(const FireValidated& v) {
  if (!up() || v.incarnation != incarnation_ || finished()) return;
  drive(engine_->on_validated(v.height, v.value_id, v.valid));
}

void EngineNode::gossip_tick() {
  if (!up() || finished()) return;
  // Re-gossip is for a height that is not moving: while heights are decided
  // between ticks, every first send got through and re-sending all of them
  // to every peer would only multiply the traffic.
  const uint64_t height = engine_->height();
  const bool moving = height != last_tick_height_;
  last_tick_height_ = height;
  if (moving && !regossips_always()) return;
  for (auto& m : engine_->messages_to_regossip()) emit(std::make_shared<const Message>(std::move(m)), true);
  announce_height();
}

void EngineNode::announce_height() {
  if (!up() || finished()) return;
  env_.net.broadcast(index_, HeightStatus{engine_->height()});
}

void EngineNode::answer_catch_up(size_t peer, uint64_t height) {
  auto it = decision_messages_.find(height);
  if (it == decision_messages_.end()) return;
  auto& last = last_answer_[peer];
  if (last.first == height && env_.queue.now() < last.second + env_.gossip_min_ms) return;
  last = {height, env_.queue.now()};
  env_.net.send(index_, peer, it->second);
}

void EngineNode::emit(std::shared_ptr<const Message> m, bool regossip) {
  if (signed_by_me(*m)) env_.checker.record_signed(index_, *m);
  env_.net.broadcast(index_, m, regossip);
}

SimValue EngineNode::propose_value(uint64_t height, uint32_t round) {
  return make_value(height, round, index_, env_.rng.next());
}

Actions EngineNode::decided(const Decision& d) {
  env_.progress = true;
  if (auto it = decisions_.find(d.height); it != decisions_.end()) {
    if (it->second.value_id != d.value_id) ++conflicting_redecisions_;
    return {};
  }
  decisions_.emplace(d.height, d);
  decision_messages_.emplace(d.height, std::make_shared<const Message>(d));
  // Committed: the WAL no longer needs what was signed at this height.
  if (auto s = wal_.prune_below(d.height + 1); !s)
    failure_ = "node " + std::to_string(index_) + " could not prune its WAL: " + s.error();
  if (finished()) return {};
  return engine_->start_height(d.height + 1, env_.sets.at(d.height + 1), env_.sets.at(d.height + 2));
}

void EngineNode::drive(Actions first) {
  struct Handler final : ActionHandler {
    explicit Handler(EngineNode& n) : n(n) {}
    EngineNode& n;
    void broadcast(Message m) override { n.emit(std::make_shared<const Message>(std::move(m)), false); }
    void schedule_timeout(const ScheduleTimeout& t) override {
      n.env_.queue.after(t.delay_ms, FireTimeout{n.index_, n.incarnation_, t.timeout});
    }
    Actions request_value(const RequestValue& r) override {
      SimValue v = n.propose_value(r.height, r.round);
      return n.engine_->on_value_ready(r.height, r.round, v.id, std::move(v.bytes));
    }
    Actions validate_value(const ValidateValue& v) override {
      const bool valid = value_is_valid(v.height, v.value_id, v.value);
      // The application answers at once or a little later, as a real one may.
      if (n.env_.rng.chance(0.5)) return n.engine_->on_validated(v.height, v.value_id, valid);
      n.env_.queue.after(n.env_.rng.between(1, 20), FireValidated{n.index_, n.incarnation_, v.height, v.value_id, valid});
      return {};
    }
    Actions decided(const Decision& d) override { return n.decided(d); }
    void evidence_found(const ledger::Evidence& e) override {
      if (n.evidence_ids_.insert(e.id()).second) n.evidence_.push_back(e);
    }
    // The armed WAL failure hit: the node is dead and nothing more it
    // returned is carried out.
    void halted(const Halted&) override {
      ++n.crashes_at_wal_append_;
      n.crash_now(n.armed_down_ms_);
    }
  } handler(*this);
  dispatch_actions(handler, std::move(first));
}

}  // namespace nl::consensus::sim
