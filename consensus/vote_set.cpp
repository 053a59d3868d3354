#include "consensus/vote_set.h"

namespace nl::consensus {

VoteSet::Added VoteSet::add(const ledger::SignedVote& v, uint64_t power,
                            const ledger::SignedVote** earlier) {
  auto [it, inserted] = votes_.try_emplace(v.validator, Counted{v, power, {}});
  if (!inserted) {
    if (it->second.vote.block_hash == v.block_hash) return Added::duplicate;
    if (earlier) *earlier = &it->second.vote;
    return Added::conflict;
  }
  by_value_[v.block_hash] += power;
  power_ += power;
  return Added::counted;
}

bool VoteSet::add_conflicting(const ledger::SignedVote& v, uint64_t power) {
  auto it = votes_.find(v.validator);
  if (it == votes_.end() || it->second.vote.block_hash == v.block_hash) return false;
  if (!it->second.conflicting.emplace(v.block_hash, v).second) return false;
  by_value_[v.block_hash] += power;
  return true;
}

void VoteSet::remove(const crypto::PublicKey& validator) {
  auto it = votes_.find(validator);
  if (it == votes_.end()) return;
  auto drop = [&](const crypto::Hash32& id) {
    auto v = by_value_.find(id);
    v->second -= it->second.power;
    if (v->second == 0) by_value_.erase(v);
  };
  drop(it->second.vote.block_hash);
  for (const auto& [id, _] : it->second.conflicting) drop(id);
  power_ -= it->second.power;
  votes_.erase(it);
}

bool VoteSet::contains(const ledger::SignedVote& v) const {
  auto it = votes_.find(v.validator);
  if (it == votes_.end()) return false;
  if (it->second.vote == v) return true;
  auto c = it->second.conflicting.find(v.block_hash);
  return c != it->second.conflicting.end() && c->second == v;
}

const ledger::SignedVote* VoteSet::find(const crypto::PublicKey& validator) const {
  auto it = votes_.find(validator);
  return it == votes_.end() ? nullptr : &it->second.vote;
}

uint64_t VoteSet::power_for(const crypto::Hash32& id) const {
  auto it = by_value_.find(id);
  return it == by_value_.end() ? 0 : it->second;
}

std::optional<crypto::Hash32> VoteSet::two_thirds_value(uint64_t total) const {
  for (const auto& [id, power] : by_value_)
    if (more_than_two_thirds(power, total)) return id;
  return std::nullopt;
}

std::vector<ledger::SignedVote> VoteSet::votes_for(const crypto::Hash32& id) const {
  std::vector<ledger::SignedVote> out;
  for (const auto& [key, c] : votes_) {  // map order is key order
    if (c.vote.block_hash == id) {
      out.push_back(c.vote);
    } else if (auto it = c.conflicting.find(id); it != c.conflicting.end()) {
      out.push_back(it->second);
    }
  }
  return out;
}

std::vector<ledger::VoteSignature> VoteSet::signatures_for(const crypto::Hash32& id) const {
  std::vector<ledger::VoteSignature> out;
  for (const auto& v : votes_for(id)) out.push_back({v.validator, v.sig});
  return out;
}

}  // namespace nl::consensus
