// The validators of a height and their voting power. Its hash goes in every
// block header; a commit certificate is checked against it.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "crypto/ed25519.h"
#include "crypto/hash.h"
#include "crypto/result.h"
#include "ledger/block.h"
#include "ledger/canonical.h"

namespace nl::ledger {

inline constexpr size_t kMaxValidators = 256;
// Bounds the proposer schedule (consensus/proposer.h) to one slot per unit.
inline constexpr uint64_t kMaxTotalPower = 10000;

struct Validator {
  crypto::PublicKey key;
  uint64_t power = 1;
  auto operator<=>(const Validator&) const = default;
};

struct ValidatorSet {
  std::vector<Validator> validators;  // sorted by key
  uint64_t total_power() const;
  const Validator* find(const crypto::PublicKey& k) const;
  // Sorted by key, no duplicates, 1 <= count <= kMaxValidators, every power
  // >= 1 and the total <= kMaxTotalPower.
  Status validate() const;
  void encode(Writer& w) const;
  static ValidatorSet decode(Reader& r);
  crypto::Hash32 hash() const;
  // > 2/3 of power signed vote_sign_bytes(precommit) for cert.block_hash.
  Status verify_commit(const std::string& chain_id, const CommitCertificate& cert) const;
};

}  // namespace nl::ledger
