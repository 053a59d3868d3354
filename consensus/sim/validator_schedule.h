// set(h) of the simulation: which nodes vote at each height and with what
// power. Every node asks the same schedule, as every real node derives the
// set from the same ledger.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "consensus/proposer.h"
#include "consensus/sim/sim_config.h"
#include "ledger/validator_set.h"

namespace nl::consensus::sim {

class ValidatorSchedule {
 public:
  // keys[i] is node i's key; nodes [0, validators) vote with power 1 until
  // `change` (if any) takes effect.
  ValidatorSchedule(const std::vector<crypto::PublicKey>& keys, size_t validators,
                    const std::optional<ValidatorChange>& change);
  const ledger::ValidatorSet& at(uint64_t height) const;
  const ProposerSchedule& proposers(uint64_t height) const;
  // Node index of a validator key; none for a key no node holds.
  std::optional<size_t> node_of(const crypto::PublicKey& key) const;

 private:
  struct Era {
    ledger::ValidatorSet set;
    ProposerSchedule proposers;
  };
  const Era& era(uint64_t height) const;
  static ledger::ValidatorSet build(const std::vector<crypto::PublicKey>& keys, const std::vector<uint64_t>& powers);

  std::vector<Era> eras_;   // eras_[0] from height 1, eras_[1] from change_from_
  uint64_t change_from_ = 0;
  std::map<crypto::PublicKey, size_t> node_of_;
};

}  // namespace nl::consensus::sim
