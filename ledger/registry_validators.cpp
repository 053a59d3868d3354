// Validator sets by height and equivocation evidence (double votes and
// double proposals): the validator-update
// rule, the evidence rule and their queries. Both live in the committed
// state, so the state root covers who may certify each height and which
// equivocations are on record.
#include <algorithm>

#include "ledger/registry.h"
#include "ledger/state_keys.h"

namespace nl::ledger {

Status Registry::set_genesis_validators(const ValidatorSet& set) {
  if (auto s = set.validate(); !s) return fail("genesis validators: " + s.error());
  if (!validator_sets_.empty()) return fail("genesis validators are already set");
  validator_sets_[1] = set;
  dirty_.insert(keys::validator_set(1));
  return {};
}

const ValidatorSet& Registry::validator_set_at(uint64_t height) const {
  static const ValidatorSet kNone;
  if (validator_sets_.empty()) return kNone;
  auto it = validator_sets_.upper_bound(std::max<uint64_t>(height, 1));
  return it == validator_sets_.begin() ? validator_sets_.begin()->second : std::prev(it)->second;
}

Status Registry::apply_validator_update(const Transaction& tx, const ValidatorUpdateBody& b,
                                        const BlockContext& ctx) {
  if (auto s = check_validator_changes(b.changes); !s) return s;
  // Authority comes from the set voting at this block's height.
  const ValidatorSet& current = validator_set_at(ctx.height);
  const uint64_t signed_power = current.power_of(tx.signer_keys());
  if (!current.more_than_two_thirds(signed_power))
    return fail("validator-update carries " + std::to_string(signed_power) + " of " +
                std::to_string(current.total_power()) +
                " voting power; more than 2/3 is needed (signatures of the validators of height " +
                std::to_string(ctx.height) + ")");

  // Composes onto the latest known set: one pending entry per target height,
  // so a second update in the same block builds on the first.
  const uint64_t target = ctx.height + kValidatorUpdateDelay;
  auto next = compose_validator_changes(validator_set_at(target), b.changes, target);
  if (!next) return next.take_error();
  validator_sets_[target] = std::move(*next);
  dirty_.insert(keys::validator_set(target));
  return {};
}

Status Registry::apply_evidence(const Evidence& ev, const BlockContext& ctx) {
  const uint64_t h = ev.height();
  if (h == 0 || h >= ctx.height)
    return fail("evidence is for height " + std::to_string(h) + "; a block at height " +
                std::to_string(ctx.height) + " can only carry evidence of earlier heights");
  if (ctx.height - h > kEvidenceMaxAge)
    return fail("evidence for height " + std::to_string(h) + " is too old for height " +
                std::to_string(ctx.height) + ": at most " + std::to_string(kEvidenceMaxAge) +
                " heights back are accepted");
  Bytes key = ev.state_key();
  if (auto it = evidence_.find(key); it != evidence_.end())
    return fail("evidence that " + AccountId{ev.offender()}.to_string() + " equivocated at height " +
                std::to_string(h) + ", round " + std::to_string(ev.round()) + " (" +
                std::string(EnumInfo<EvidenceKind>::name(ev.kind())) + ") is already committed at height " +
                std::to_string(it->second.committed_height));
  if (auto s = ev.check(genesis_hash_, validator_set_at(h)); !s) return s;
  dirty_.insert(key);
  evidence_.emplace(std::move(key), CommittedEvidence{ev, ctx.height});
  return {};
}

std::vector<CommittedEvidence> Registry::evidence() const {
  std::vector<CommittedEvidence> out;
  out.reserve(evidence_.size());
  for (const auto& [key, e] : evidence_) out.push_back(e);
  return out;
}

std::vector<CommittedEvidence> Registry::evidence_of(const crypto::PublicKey& validator) const {
  std::vector<CommittedEvidence> out;
  for (auto it = evidence_.lower_bound(keys::evidence(validator, 0, 0, 0));
       it != evidence_.end() && it->second.evidence.offender() == validator; ++it)
    out.push_back(it->second);
  return out;
}

}  // namespace nl::ledger
