// One seeded run of N engines on the simulated network, with the faults the
// config asks for, judged by the safety checker. Nodes 0..F-1 are the
// Byzantine validators; keys come from the seed, so their places in the
// proposer rotation differ from seed to seed.
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "consensus/sim/safety_checker.h"
#include "consensus/sim/sim_config.h"
#include "consensus/sim/sim_env.h"
#include "consensus/sim/verify_cache.h"

namespace nl::consensus::sim {

// The simulator has no genesis file; votes and proposals sign this stand-in
// for its hash.
crypto::Hash32 sim_genesis_hash();

class EngineNode;
class SplitAttack;

class Simulation {
 public:
  // `cfg` must pass validate().
  explicit Simulation(SimConfig cfg);
  ~Simulation();
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  // Runs until every honest node has decided every height with the faults
  // healed, or until the liveness bound passes.
  void run();
  // The checker's verdict and the run's figures.
  SimResult result() const;

  // For inspection by tests.
  size_t nodes() const { return nodes_.size(); }
  bool honest(size_t i) const { return nodes_[i]->honest(); }
  const crypto::PublicKey& key(size_t i) const { return keys_[i].public_key(); }
  // Decisions of a node that runs an engine; null for the others.
  const std::map<uint64_t, Decision>* decisions(size_t i) const;
  const ValidatorSchedule& sets() const { return sets_; }
  // One line per node: its role and where it stands; for failure reports.
  std::string describe() const;

 private:
  void plan_partition();
  void plan_crashes();
  void dispatch(Event& e);
  bool all_done() const;

  SimConfig cfg_;
  Rng rng_;
  EventQueue queue_;
  std::vector<crypto::SecretKey> keys_;
  ValidatorSchedule sets_;
  Network net_;
  SafetyChecker checker_;
  VerifyCache verify_cache_;
  SimEnv env_;
  std::unique_ptr<SplitAttack> split_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<EngineNode*> drivers_;  // by node index; null without an engine
  std::vector<EngineNode*> honest_;
  std::vector<uint8_t> partition_sides_;
  uint64_t partitions_ = 0;
  uint64_t faults_end_ms_ = 0;
  bool done_ = false;
  bool ran_ = false;
};

// Validates, runs and judges one simulation; an invalid config is an error.
Result<SimResult> run_simulation(const SimConfig& cfg);

}  // namespace nl::consensus::sim
