// The judge of a simulation. During the run it keeps every message an
// honest validator signed and sent (across its restarts) and flags a second,
// different value for the same (validator, height, round, step). After the
// run it checks the honest nodes' decisions: agreement per height, valid
// values, certificates that verify against set(h), evidence that checks and
// never names an honest validator, and how far every node got.
#pragma once
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "consensus/message.h"
#include "consensus/sim/sim_config.h"
#include "consensus/sim/validator_schedule.h"
#include "ledger/evidence.h"

namespace nl::consensus::sim {

class SafetyChecker {
 public:
  SafetyChecker(const crypto::Hash32& genesis_hash, const ValidatorSchedule& sets);

  // A proposal or vote honest node `node` signed with its own key and sent.
  void record_signed(size_t node, const Message& m);
  uint64_t double_signs() const { return doubles_.size(); }

  struct HonestNode {
    size_t index = 0;
    crypto::PublicKey key;
    const std::map<uint64_t, Decision>* decisions = nullptr;
    const std::vector<ledger::Evidence>* evidence = nullptr;
    uint64_t conflicting_redecisions = 0;
  };
  // Fills the safety, liveness and evidence fields of `out` (heights is H).
  void check(const std::vector<HonestNode>& honest, uint64_t heights, SimResult& out) const;

 private:
  enum class Kind : uint8_t { proposal, prevote, precommit };
  using SignSlot = std::tuple<crypto::PublicKey, uint64_t, uint32_t, Kind>;

  crypto::Hash32 genesis_hash_;
  const ValidatorSchedule& sets_;
  std::map<SignSlot, std::pair<size_t, crypto::Hash32>> signed_;  // slot -> (node, value id)
  std::set<SignSlot> doubles_;
  std::string first_double_;
};

}  // namespace nl::consensus::sim
