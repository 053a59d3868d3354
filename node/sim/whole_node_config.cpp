#include "node/sim/whole_node_config.h"

#include <array>
#include <utility>

namespace nl::node::sim {

namespace {
constexpr std::array<std::pair<Behaviour, const char*>, 7> kBehaviourNames{{
    {kDoubleVote, "double-vote"},
    {kEquivocatePropose, "equivocate-propose"},
    {kForgeLockProof, "forge-lock-proof"},
    {kFloodFuture, "flood-future"},
    {kWithhold, "withhold"},
    {kClaimObserver, "claim-observer"},
    {kReplay, "replay"},
}};
}  // namespace

std::string behaviour_names(uint32_t set) {
  std::string out;
  for (const auto& [b, name] : kBehaviourNames)
    if (set & b) out += (out.empty() ? "" : ",") + std::string(name);
  return out.empty() ? "none" : out;
}

Result<uint32_t> parse_behaviours(const std::string& list) {
  if (list == "all") return static_cast<uint32_t>(kAllBehaviours);
  if (list == "none") return 0u;
  uint32_t set = 0;
  size_t at = 0;
  while (at <= list.size()) {
    const size_t comma = list.find(',', at);
    const std::string word = list.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
    bool known = false;
    for (const auto& [b, name] : kBehaviourNames)
      if (word == name) set |= b, known = true;
    if (!known) {
      std::string names;
      for (const auto& [b, name] : kBehaviourNames) names += std::string(names.empty() ? "" : ", ") + name;
      return fail("unknown behaviour '" + word + "'; the behaviours are all, none, " + names);
    }
    if (comma == std::string::npos) break;
    at = comma + 1;
  }
  return set;
}

Status validate(const WholeNodeConfig& c) {
  if (c.validators < 1 || c.validators > 64) return fail("validators must be 1 to 64, not " + std::to_string(c.validators));
  if (3 * c.byzantine >= c.validators)
    return fail("byzantine must be under a third of the validators (3F < N): safety and liveness hold only then");
  if (c.observers > 16) return fail("observers must be at most 16");
  if (c.txs > 250) return fail("txs must be at most 250 (one /16 of 10.0.0.0/8 each)");
  if (c.heights < 1 || c.heights > 1000) return fail("heights must be 1 to 1000");
  if (c.delta_ms < 1 || c.delta_ms > c.max_delay_ms) return fail("delta-ms must be 1 to max-delay-ms");
  if (c.max_delay_ms > 60000) return fail("max-delay-ms must be at most 60000");
  if (c.cut_per_second < 0 || c.cut_per_second > 100) return fail("cuts per second must be 0 to 100");
  if (c.set_change_at != 0 && c.observers == 0)
    return fail("a set change needs an observer to join the set (--observers 1)");
  if (c.set_change_at != 0 && c.validators - c.byzantine < 2)
    return fail("a set change needs two honest validators (one leaves)");
  if (c.scenario != Scenario::random && (c.validators != 4 || c.byzantine != 1))
    return fail("the scripted scenarios run 4 validators, 1 of them Byzantine");
  return {};
}

}  // namespace nl::node::sim
