// The validators of a height and their voting power. Its hash goes in every
// block header; a commit certificate is checked against it.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "crypto/ed25519.h"
#include "crypto/hash.h"
#include "crypto/basics/result.h"
#include "ledger/block.h"
#include "ledger/canonical.h"
#include "ledger/validator.h"

namespace nl::ledger {

struct ValidatorSet {
  std::vector<Validator> validators;  // sorted by key
  auto operator<=>(const ValidatorSet&) const = default;
  uint64_t total_power() const;
  const Validator* find(const crypto::PublicKey& k) const;
  // Sorted by key, no duplicates, 1 <= count <= kMaxValidators, every power
  // >= 1 and the total <= kMaxTotalPower.
  Status validate() const;
  void encode(Writer& w) const;
  static ValidatorSet decode(Reader& r);
  crypto::Hash32 hash() const;
  // > 2/3 of power signed vote_sign_bytes(precommit) for cert.block_hash.
  Status verify_commit(const crypto::Hash32& genesis_hash, const CommitCertificate& cert) const;
  // The power of the validators among `keys` (each key counted once; keys
  // that are not validators count nothing).
  uint64_t power_of(const std::vector<crypto::PublicKey>& keys) const;
  // power * 3 > total * 2, without overflow.
  bool more_than_two_thirds(uint64_t power) const;
};

// A validator-update's changes applied to `before`, the latest set known
// for `target` (the height they take effect): each sets a key's power, power
// 0 removes it. Refused when it removes a non-validator, changes nothing, or
// leaves an invalid set. The registry and the proof verifier both use it.
Result<ValidatorSet> compose_validator_changes(const ValidatorSet& before, const std::vector<Validator>& changes,
                                               uint64_t target);

}  // namespace nl::ledger
