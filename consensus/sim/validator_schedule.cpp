#include "consensus/sim/validator_schedule.h"

#include <algorithm>

namespace nl::consensus::sim {

ledger::ValidatorSet ValidatorSchedule::build(const std::vector<crypto::PublicKey>& keys,
                                              const std::vector<uint64_t>& powers) {
  ledger::ValidatorSet set;
  for (size_t i = 0; i < powers.size(); ++i)
    if (powers[i] > 0) set.validators.push_back({keys[i], powers[i]});
  std::sort(set.validators.begin(), set.validators.end());
  return set;
}

ValidatorSchedule::ValidatorSchedule(const std::vector<crypto::PublicKey>& keys, size_t validators,
                                     const std::optional<ValidatorChange>& change) {
  for (size_t i = 0; i < keys.size(); ++i) node_of_[keys[i]] = i;
  std::vector<uint64_t> initial(validators, 1);
  auto first = build(keys, initial);
  eras_.push_back({first, ProposerSchedule(first)});
  if (change) {
    auto next = build(keys, change->powers);
    eras_.push_back({next, ProposerSchedule(next)});
    change_from_ = change->from_height;
  }
}

const ValidatorSchedule::Era& ValidatorSchedule::era(uint64_t height) const {
  return eras_.size() > 1 && height >= change_from_ ? eras_[1] : eras_[0];
}

const ledger::ValidatorSet& ValidatorSchedule::at(uint64_t height) const { return era(height).set; }

const ProposerSchedule& ValidatorSchedule::proposers(uint64_t height) const { return era(height).proposers; }

std::optional<size_t> ValidatorSchedule::node_of(const crypto::PublicKey& key) const {
  auto it = node_of_.find(key);
  if (it == node_of_.end()) return std::nullopt;
  return it->second;
}

}  // namespace nl::consensus::sim
