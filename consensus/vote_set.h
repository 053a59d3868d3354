// The votes of one type (prevote or precommit) in one round of one height:
// one counted vote per validator, the power behind each value id, and the
// conflicting votes of equivocating validators that a value's tally needs.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "crypto/ed25519.h"
#include "crypto/hash.h"
#include "ledger/block.h"
#include "ledger/vote.h"

namespace nl::consensus {

// "2f + 1" of the paper: more than 2/3 of the total voting power.
inline bool more_than_two_thirds(uint64_t power, uint64_t total) {
  return static_cast<unsigned __int128>(power) * 3 > static_cast<unsigned __int128>(total) * 2;
}
// "f + 1" of the paper: more than 1/3 of the total voting power.
inline bool more_than_one_third(uint64_t power, uint64_t total) {
  return static_cast<unsigned __int128>(power) * 3 > static_cast<unsigned __int128>(total);
}

class VoteSet {
 public:
  enum class Added { counted, duplicate, conflict };
  // Counts `v` (already verified, from a validator of power `power`) unless
  // its validator already has a vote here. For a different block hash the
  // result is `conflict` and `*earlier` points at the counted vote.
  Added add(const ledger::SignedVote& v, uint64_t power, const ledger::SignedVote** earlier);
  // Adds a conflicting vote to its value's tally only; power() still counts
  // its validator once. The paper counts messages per value, so a polka or
  // commit that an equivocating validator was part of must stay visible to
  // a process that first heard another vote from it: without this, honest
  // validators can be split for ever between a lock they cannot prove and
  // values they cannot pass (CometBFT keeps such votes for blocks a peer
  // claims +2/3 for). False if it was already there.
  bool add_conflicting(const ledger::SignedVote& v, uint64_t power);
  // Forgets a validator's votes (bounding memory for far-future rounds).
  void remove(const crypto::PublicKey& validator);

  // Whether this exact vote is already held.
  bool contains(const ledger::SignedVote& v) const;
  const ledger::SignedVote* find(const crypto::PublicKey& validator) const;
  // Power of the distinct validators with a vote here.
  uint64_t power() const { return power_; }
  // Power of the distinct validators with a vote for `id`.
  uint64_t power_for(const crypto::Hash32& id) const;
  // The value id (zero for nil) holding more than 2/3 of `total`, if any.
  // Unless Byzantine power reaches a third, at most one can.
  std::optional<crypto::Hash32> two_thirds_value(uint64_t total) const;
  // The votes for `id` and their signatures, sorted by validator key.
  std::vector<ledger::SignedVote> votes_for(const crypto::Hash32& id) const;
  std::vector<ledger::VoteSignature> signatures_for(const crypto::Hash32& id) const;
  bool empty() const { return votes_.empty(); }

 private:
  struct Counted {
    ledger::SignedVote vote;
    uint64_t power = 0;
    std::map<crypto::Hash32, ledger::SignedVote> conflicting;  // by block hash
  };
  std::map<crypto::PublicKey, Counted> votes_;
  std::map<crypto::Hash32, uint64_t> by_value_;
  uint64_t power_ = 0;
};

}  // namespace nl::consensus
