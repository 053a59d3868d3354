// An honest simulated validator: one Engine and the driver around it. The
// driver carries out the engine's actions in order (broadcast, timers,
// building and validating values, committing decisions, keeping evidence)
// and plays the gossip layer: periodic re-gossip of the engine's messages,
// height announcements, and catch-up answers with recorded decisions.
// A crash discards the Engine and keeps the MemoryWal and the decisions,
// the durable state; a restart builds a new Engine on them.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "consensus/engine.h"
#include "consensus/sim/crash_point_wal.h"
#include "consensus/sim/sim_env.h"
#include "consensus/sim/sim_value.h"

namespace nl::consensus::sim {

class EngineNode : public Node {
 public:
  EngineNode(SimEnv& env, size_t index, crypto::SecretKey key);
  ~EngineNode() override;

  bool honest() const override { return true; }
  void start() override;
  void receive(size_t from, const Payload& p, bool regossip) override;
  void on_timeout(uint64_t incarnation, const Timeout& t) override;
  void on_validated(const FireValidated& v) override;
  void gossip_tick() override;

  // Faults: crash now, or arm a crash at a coming WAL append; restart.
  void on_crash(const CrashNode& c);
  void restart();

  bool up() const { return engine_ != nullptr; }
  // Every height up to the target decided, so the node stopped.
  bool finished() const { return decided_height() >= env_.target_height; }
  uint64_t decided_height() const;
  const std::map<uint64_t, Decision>& decisions() const { return decisions_; }
  const std::vector<ledger::Evidence>& evidence() const { return evidence_; }
  // Heights the engine decided a second time with a different value.
  uint64_t conflicting_redecisions() const { return conflicting_redecisions_; }
  uint64_t crashes() const { return crashes_; }
  // Of those, crashes between a WAL append and sending what was logged.
  uint64_t crashes_at_wal_append() const { return crashes_at_wal_append_; }
  // Why the node could not run (a failed WAL recovery), if it could not.
  const std::optional<std::string>& failure() const { return failure_; }
  const crypto::PublicKey& key() const { return key_.public_key(); }
  size_t index() const { return index_; }
  // "up h=3 r=1 prevote decided=2 crashes=1": where the node stands.
  std::string describe() const;

 protected:
  // A message the engine asked to broadcast (or re-gossip).
  virtual void emit(std::shared_ptr<const Message> m, bool regossip);
  // Whether to re-gossip even while heights are moving (honest nodes do not).
  virtual bool regossips_always() const { return false; }
  // The value to propose at (height, round).
  virtual SimValue propose_value(uint64_t height, uint32_t round);
  // Carries out `first` and everything the engine returns on the way, in order.
  void drive(Actions first);
  bool signed_by_me(const Message& m) const;

  SimEnv& env_;
  const size_t index_;
  const crypto::SecretKey key_;

 private:
  void crash_now(uint64_t down_ms);
  bool boot();  // new engine from the durable state; false when it cannot run
  Actions decided(const Decision& d);
  void announce_height();
  void answer_catch_up(size_t peer, uint64_t height);

  mutable MemoryWal durable_wal_;  // mutable: describe() reads it, and load() is not const
  CrashPointWal wal_{durable_wal_};
  std::unique_ptr<Engine> engine_;
  uint64_t incarnation_ = 0;
  uint64_t last_tick_height_ = 0;  // engine height at the last gossip tick
  uint64_t armed_down_ms_ = 0;
  uint64_t crashes_ = 0;
  uint64_t crashes_at_wal_append_ = 0;
  std::optional<std::string> failure_;

  std::map<uint64_t, Decision> decisions_;
  std::map<uint64_t, std::shared_ptr<const Message>> decision_messages_;  // to answer catch-up
  uint64_t conflicting_redecisions_ = 0;
  std::vector<ledger::Evidence> evidence_;
  std::set<crypto::Hash32> evidence_ids_;
  // Last catch-up answer per peer (height, time): one per gossip period.
  std::map<size_t, std::pair<uint64_t, uint64_t>> last_answer_;
};

}  // namespace nl::consensus::sim
