#include "consensus/sim/sim_config.h"

#include <string>

#include "ledger/validator_set.h"

namespace nl::consensus::sim {

std::string_view behaviour_name(Behaviour b) {
  switch (b) {
    case Behaviour::equivocate: return "equivocate";
    case Behaviour::double_vote: return "double-vote";
    case Behaviour::silent: return "silent";
    case Behaviour::random_ids: return "random-ids";
    case Behaviour::invalid_proposal: return "invalid-proposal";
  }
  return "unknown";
}

bool uses_split_attack(const SimConfig& cfg) {
  if (cfg.byzantine == 0) return false;
  if (cfg.attack == Attack::split) return true;
  return cfg.attack == Attack::automatic && 3 * cfg.byzantine > cfg.validators;
}

Status validate(const SimConfig& cfg) {
  const auto n = std::to_string(cfg.validators);
  if (cfg.validators < 1) return fail("a simulation needs at least 1 validator");
  if (cfg.validators > ledger::kMaxValidators)
    return fail(n + " validators is more than the " + std::to_string(ledger::kMaxValidators) +
                " a validator set may hold");
  if (cfg.byzantine > cfg.validators)
    return fail(std::to_string(cfg.byzantine) + " Byzantine validators is more than the " + n +
                " validators");
  if (cfg.heights < 1) return fail("a simulation must decide at least 1 height");
  if (cfg.heights > 1'000'000) return fail("at most 1000000 heights can be simulated");
  if (!(cfg.drop >= 0 && cfg.drop < 1))
    return fail("drop probability " + std::to_string(cfg.drop) + " is outside [0, 1)");
  if (cfg.max_delay_ms < 1 || cfg.min_delay_ms > cfg.max_delay_ms)
    return fail("message delays need 0 <= min <= max and max >= 1 ms");
  if (cfg.gossip_min_ms < 1 || cfg.gossip_min_ms > cfg.gossip_max_ms)
    return fail("gossip periods need 1 <= min <= max ms");
  if (!cfg.behaviours.empty() && uses_split_attack(cfg))
    return fail("Byzantine behaviours are chosen for a mixed attack, not the split attack");
  if (cfg.change) {
    const auto& c = *cfg.change;
    if (uses_split_attack(cfg)) return fail("the split attack runs with a fixed validator set");
    if (c.from_height < 2) return fail("a validator-set change takes effect from height 2 at the earliest");
    if (c.powers.size() < cfg.validators)
      return fail("a validator-set change must give a power to each of the " + n + " validators (0 to remove)");
    if (c.powers.size() > ledger::kMaxValidators)
      return fail("a validator-set change names more than " + std::to_string(ledger::kMaxValidators) + " nodes");
    uint64_t total = 0;
    for (uint64_t p : c.powers) {
      if (p > ledger::kMaxTotalPower || (total += p) > ledger::kMaxTotalPower)
        return fail("a validator-set change exceeds the total power of " + std::to_string(ledger::kMaxTotalPower));
    }
    if (total == 0) return fail("a validator-set change must leave at least one validator");
  }
  return {};
}

bool SimResult::safe() const {
  return safety_violations == 0 && double_signs == 0 && invalid_decisions == 0 && bad_certificates == 0 &&
         bad_evidence == 0;
}

}  // namespace nl::consensus::sim
