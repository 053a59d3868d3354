#include "ledger/proposer_schedule.h"

#include <stdexcept>

namespace nl::ledger {

ProposerSchedule::ProposerSchedule(const ValidatorSet& set) {
  const uint64_t total = set.total_power();
  // The set is validated (ValidatorSet::validate): non-empty, total <=
  // kMaxTotalPower, so one cycle has at most 10000 slots.
  if (set.validators.empty() || total == 0 || total > kMaxTotalPower)
    throw std::invalid_argument("proposer schedule needs a validated, non-empty validator set");
  std::vector<int64_t> priority(set.validators.size(), 0);
  slots_.reserve(total);
  for (uint64_t slot = 0; slot < total; ++slot) {
    size_t best = 0;
    for (size_t i = 0; i < set.validators.size(); ++i) {
      priority[i] += static_cast<int64_t>(set.validators[i].power);
      // Validators are sorted by key, so the first maximum is the smaller key.
      if (priority[i] > priority[best]) best = i;
    }
    priority[best] -= static_cast<int64_t>(total);
    slots_.push_back(set.validators[best].key);
  }
}

const crypto::PublicKey& ProposerSchedule::at(uint64_t height, uint32_t round) const {
  const uint64_t n = slots_.size();
  return slots_[(height % n + round % n) % n];
}

}  // namespace nl::ledger
