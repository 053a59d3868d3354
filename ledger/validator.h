// One validator: a consensus key and its voting power. Its own header so
// that transactions (validator-update) and validator sets share it.
#pragma once
#include <cstddef>
#include <cstdint>

#include "crypto/ed25519.h"

namespace nl::ledger {

inline constexpr size_t kMaxValidators = 256;
// Bounds the proposer schedule (consensus/proposer.h) to one slot per unit.
inline constexpr uint64_t kMaxTotalPower = 10000;

struct Validator {
  crypto::PublicKey key;
  uint64_t power = 1;
  auto operator<=>(const Validator&) const = default;
};

}  // namespace nl::ledger
