// Hand-driven consensus engines for tests: a validator set of seeded keys,
// signed proposals and votes made by any of them, and a tiny network that
// delivers every Broadcast to every other engine, answers RequestValue and
// ValidateValue, and fires timeouts on a virtual clock. The full seeded
// simulator (delays, drops, partitions) lives in consensus/sim/.
#pragma once
#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "consensus/action_dispatch.h"
#include "consensus/engine.h"
#include "fixtures.h"

namespace nl::test {

using consensus::Actions;
using consensus::Message;

// The application stand-in: a value's id is its SHA-256, and a value is
// valid unless it starts with "bad".
inline Bytes value_bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }
inline crypto::Hash32 value_id(const Bytes& v) { return crypto::sha256(v); }
inline bool app_valid(const Bytes& v) {
  static const Bytes bad = value_bytes("bad");
  return !(v.size() >= bad.size() && std::equal(bad.begin(), bad.end(), v.begin()));
}

// Seeds 100.. with the given powers (all 1 by default), sorted by key.
inline ledger::ValidatorSet seeded_set(size_t n, std::vector<uint64_t> powers = {}) {
  ledger::ValidatorSet s;
  for (size_t i = 0; i < n; ++i)
    s.validators.push_back({seeded_key(uint8_t(100 + i)).public_key(), powers.empty() ? 1 : powers[i]});
  std::sort(s.validators.begin(), s.validators.end());
  return s;
}

// The seed of validators[index] of seeded_set(n): keys sort apart from seeds.
inline uint8_t seed_at(const ledger::ValidatorSet& set, size_t index) {
  for (uint8_t seed = 100; seed < 200; ++seed)
    if (seeded_key(seed).public_key() == set.validators.at(index).key) return seed;
  throw std::logic_error("no seed for validator index");
}

inline ledger::SignedVote vote_by(uint8_t seed, uint64_t h, uint32_t r, ledger::VoteType t,
                                  const crypto::Hash32& id) {
  return ledger::SignedVote::make(test_genesis_hash(), h, r, t, id, seeded_key(seed));
}
inline ledger::SignedVote prevote_by(uint8_t seed, uint64_t h, uint32_t r, const crypto::Hash32& id) {
  return vote_by(seed, h, r, ledger::VoteType::prevote, id);
}
inline ledger::SignedVote precommit_by(uint8_t seed, uint64_t h, uint32_t r, const crypto::Hash32& id) {
  return vote_by(seed, h, r, ledger::VoteType::precommit, id);
}
inline consensus::Proposal proposal_by(uint8_t seed, uint64_t h, uint32_t r, int32_t pol,
                                       const Bytes& value) {
  return consensus::Proposal::make(test_genesis_hash(), h, r, pol, value_id(value), value, seeded_key(seed));
}

template <class T>
std::vector<T> actions_of(const Actions& as) {
  std::vector<T> out;
  for (const auto& a : as)
    if (const T* t = std::get_if<T>(&a)) out.push_back(*t);
  return out;
}

// The votes among the Broadcasts of `as`.
inline std::vector<ledger::SignedVote> broadcast_votes(const Actions& as) {
  std::vector<ledger::SignedVote> out;
  for (const auto& b : actions_of<consensus::Broadcast>(as))
    if (const auto* v = std::get_if<ledger::SignedVote>(&b.msg)) out.push_back(*v);
  return out;
}

inline consensus::EngineConfig engine_config(std::optional<uint8_t> seed) {
  consensus::EngineConfig cfg;
  cfg.genesis_hash = test_genesis_hash();
  if (seed) cfg.key = seeded_key(*seed);
  return cfg;
}

inline const crypto::Hash32 kNilId{};  // id of a nil vote

// One engine (validators[me] of a set, 4 validators of power 1 by default)
// fed crafted messages from the others' seeded keys.
struct SoloEngine {
  ledger::ValidatorSet set;
  consensus::MemoryWal wal;
  consensus::EngineConfig cfg;
  std::unique_ptr<consensus::Engine> e;

  explicit SoloEngine(size_t me, consensus::TimeoutConfig t = {}, ledger::ValidatorSet s = seeded_set(4))
      : set(std::move(s)) {
    cfg = engine_config(seed_at(set, me));
    cfg.timeouts = t;
    e = std::make_unique<consensus::Engine>(cfg, wal);
  }
  uint8_t seed(size_t i) const { return seed_at(set, i); }
  Actions start(uint64_t h) { return e->start_height(h, set); }
  Actions deliver(const Message& m) { return e->on_message(m); }
  // A fresh engine on the same WAL, as after a crash and restart; nullptr
  // if the WAL cannot be read.
  std::unique_ptr<consensus::Engine> restart() {
    auto fresh = std::make_unique<consensus::Engine>(cfg, wal);
    if (!fresh->recover().ok()) return nullptr;
    return fresh;
  }
};

inline bool has_vote(const Actions& as, ledger::VoteType t, uint32_t round, const crypto::Hash32& id) {
  for (const auto& v : broadcast_votes(as))
    if (v.type == t && v.round == round && v.block_hash == id) return true;
  return false;
}

inline void append_actions(Actions& all, Actions more) {
  for (auto& a : more) all.push_back(std::move(a));
}

// A precommit certificate for `id` at (h, r) signed by the given seeds.
inline ledger::CommitCertificate cert_by(const std::vector<uint8_t>& seeds, uint64_t h, uint32_t r,
                                         const crypto::Hash32& id) {
  ledger::CommitCertificate c{h, r, id, {}};
  for (uint8_t s : seeds) c.votes.push_back({seeded_key(s).public_key(), precommit_by(s, h, r, id).sig});
  std::sort(c.votes.begin(), c.votes.end(), [](auto& a, auto& b) { return a.validator < b.validator; });
  return c;
}

// Engines connected by instant, lossless delivery; timeouts fire in order
// of their due time once no message is in flight.
class ConsensusNet {
 public:
  struct Node {
    std::optional<uint8_t> seed;  // none for an observer
    consensus::MemoryWal wal;
    std::unique_ptr<consensus::Engine> engine;
    std::vector<consensus::Decision> decisions;
    std::vector<Message> sent;
    std::optional<std::string> halt;  // the engine's Halted reason
  };

  ConsensusNet(const ledger::ValidatorSet& set, size_t observers = 0) : set_(set) {
    for (size_t i = 0; i < set.validators.size(); ++i) add(seed_at(set, i));
    for (size_t i = 0; i < observers; ++i) add(std::nullopt);
  }

  // The value node `i` proposes at (h, r) when asked.
  std::function<Bytes(size_t i, uint64_t h, uint32_t r)> make_value = [](size_t i, uint64_t h, uint32_t r) {
    return value_bytes("block h" + std::to_string(h) + " r" + std::to_string(r) + " by " + std::to_string(i));
  };

  void start(uint64_t h) {
    for (size_t i = 0; i < nodes_.size(); ++i) apply(i, nodes_[i]->engine->start_height(h, set_));
  }

  // Runs until every node decided the current height or `limit_ms` of
  // virtual time passed. Returns whether all decided.
  bool run(uint64_t limit_ms = 60000) {
    for (;;) {
      while (!work_.empty()) {
        auto job = std::move(work_.front());
        work_.pop_front();
        job();
      }
      if (all_decided()) return true;
      if (timers_.empty() || timers_.begin()->first.first > limit_ms) return false;
      auto it = timers_.begin();
      now_ = it->first.first;
      auto [i, t] = it->second;
      timers_.erase(it);
      apply(i, nodes_[i]->engine->on_timeout(t));
    }
  }

  bool all_decided() const {
    return std::all_of(nodes_.begin(), nodes_.end(), [](const auto& n) { return n->engine->decided(); });
  }
  Node& node(size_t i) { return *nodes_.at(i); }
  size_t size() const { return nodes_.size(); }
  uint64_t now() const { return now_; }

 private:
  void add(std::optional<uint8_t> seed) {
    auto n = std::make_unique<Node>();
    n->seed = seed;
    n->engine = std::make_unique<consensus::Engine>(engine_config(seed), n->wal);
    nodes_.push_back(std::move(n));
  }

  // Through the engines' one dispatch loop; what feeds an engine again is
  // queued as work, so that deliveries interleave.
  struct Handler final : consensus::ActionHandler {
    Handler(ConsensusNet& net, size_t i) : net(net), i(i) {}
    ConsensusNet& net;
    size_t i;
    void broadcast(Message m) override {
      net.nodes_[i]->sent.push_back(m);
      for (size_t j = 0; j < net.nodes_.size(); ++j)
        if (j != i) net.work_.push_back([n = &net, j, m] { n->apply(j, n->nodes_[j]->engine->on_message(m)); });
    }
    void schedule_timeout(const consensus::ScheduleTimeout& st) override {
      net.timers_.emplace(std::pair{net.now_ + st.delay_ms, net.seq_++}, std::pair{i, st.timeout});
    }
    Actions request_value(const consensus::RequestValue& rv) override {
      net.work_.push_back([n = &net, i = i, h = rv.height, r = rv.round] {
        Bytes v = n->make_value(i, h, r);
        n->apply(i, n->nodes_[i]->engine->on_value_ready(h, r, value_id(v), v));
      });
      return {};
    }
    Actions validate_value(const consensus::ValidateValue& vv) override {
      const bool ok = app_valid(vv.value) && value_id(vv.value) == vv.value_id;
      net.work_.push_back([n = &net, i = i, h = vv.height, id = vv.value_id, ok] {
        n->apply(i, n->nodes_[i]->engine->on_validated(h, id, ok));
      });
      return {};
    }
    Actions decided(const consensus::Decision& d) override {
      net.nodes_[i]->decisions.push_back(d);
      return {};
    }
    void evidence_found(const ledger::Evidence&) override {}
    void halted(const consensus::Halted& h) override { net.nodes_[i]->halt = h.reason; }
  };

  void apply(size_t i, Actions as) {
    Handler h(*this, i);
    consensus::dispatch_actions(h, std::move(as));
  }

  ledger::ValidatorSet set_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::deque<std::function<void()>> work_;
  std::map<std::pair<uint64_t, uint64_t>, std::pair<size_t, consensus::Timeout>> timers_;
  uint64_t now_ = 0;
  uint64_t seq_ = 0;
};

}  // namespace nl::test
