#include "consensus/sim/split_attack.h"

#include "consensus/sim/sim_value.h"

namespace nl::consensus::sim {

SplitAttack::SplitAttack(SimEnv& env, std::vector<size_t> byzantine, std::vector<crypto::SecretKey> keys,
                         std::vector<int> group)
    : env_(env), byzantine_(std::move(byzantine)), keys_(std::move(keys)), group_(std::move(group)) {}

const crypto::SecretKey* SplitAttack::colluder_key(size_t node) const {
  for (size_t i = 0; i < byzantine_.size(); ++i)
    if (byzantine_[i] == node) return &keys_[i];
  return nullptr;
}

void SplitAttack::send_group(int group, size_t from, const std::shared_ptr<const Message>& m) {
  for (size_t n = 0; n < group_.size(); ++n)
    if (group_[n] == group) env_.net.send(from, n, m);
}

void SplitAttack::observe(size_t from, const Message& m) {
  if (from >= group_.size() || group_[from] < 0 || std::holds_alternative<Decision>(m)) return;
  const int g = group_[from];
  if (const auto* p = std::get_if<Proposal>(&m)) {
    attack(g, p->height, p->round);
    if (!colluder_key(env_.sets.node_of(p->proposer).value_or(group_.size()))) back(*p);
    return;
  }
  const auto& v = std::get<ledger::SignedVote>(m);
  attack(g, v.height, v.round);
  // The member is about to decide: be ready for it at the next height.
  if (v.type == ledger::VoteType::precommit && !v.is_nil()) attack(g, v.height + 1, 0);
}

void SplitAttack::attack(int group, uint64_t height, uint32_t round) {
  if (height > env_.target_height || !attacked_.insert({group, height, round}).second) return;
  const auto proposer = env_.sets.node_of(env_.sets.proposers(height).at(height, round));
  const crypto::SecretKey* key = proposer ? colluder_key(*proposer) : nullptr;
  if (!key) return;  // an honest proposer: wait for its value and back it
  // A value for this group only; the other group gets its own.
  SimValue v = make_value(height, round, *proposer, env_.rng.next());
  send_group(group, *proposer,
             std::make_shared<const Message>(Proposal::make(env_.genesis_hash, height, round, -1, v.id, v.bytes, *key)));
  for (size_t i = 0; i < byzantine_.size(); ++i) {
    for (auto type : {ledger::VoteType::prevote, ledger::VoteType::precommit})
      send_group(group, byzantine_[i],
                 std::make_shared<const Message>(
                     ledger::SignedVote::make(env_.genesis_hash, height, round, type, v.id, keys_[i])));
  }
}

void SplitAttack::back(const Proposal& p) {
  if (!backed_.insert({p.height, p.round}).second) return;
  for (size_t i = 0; i < byzantine_.size(); ++i) {
    for (auto type : {ledger::VoteType::prevote, ledger::VoteType::precommit}) {
      auto vote = std::make_shared<const Message>(
          ledger::SignedVote::make(env_.genesis_hash, p.height, p.round, type, p.value_id, keys_[i]));
      send_group(0, byzantine_[i], vote);
      send_group(1, byzantine_[i], vote);
    }
  }
}

void SplitAttackNode::receive(size_t from, const Payload& p, bool) {
  if (const auto* m = std::get_if<std::shared_ptr<const Message>>(&p)) attack_.observe(from, **m);
}

}  // namespace nl::consensus::sim
