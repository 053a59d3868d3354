// Weighted round-robin proposer selection, deterministic from the validator
// set alone. Smooth weighted round-robin: each slot every validator's
// priority grows by its power, the highest priority proposes (ties to the
// smaller key) and loses the total power. A validator with power p proposes
// p times in every cycle of total_power slots, spread out. Slot of (h, r) is
// (h + r) mod total_power. It lives in the ledger because proposal evidence
// names the round's proposer and the rules check that it does.
#pragma once
#include <cstdint>
#include <vector>

#include "crypto/ed25519.h"
#include "ledger/validator_set.h"

namespace nl::ledger {

class ProposerSchedule {
 public:
  explicit ProposerSchedule(const ValidatorSet& set);
  const crypto::PublicKey& at(uint64_t height, uint32_t round) const;
  size_t period() const { return slots_.size(); }

 private:
  std::vector<crypto::PublicKey> slots_;
};

}  // namespace nl::ledger
