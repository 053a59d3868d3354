// One validator: a consensus key and its voting power. Its own header so
// that transactions (validator-update) and validator sets share it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "crypto/ed25519.h"
#include "ledger/canonical.h"
#include "ledger/fields.h"

namespace nl::ledger {

inline constexpr size_t kMaxValidators = 256;
// Bounds the proposer schedule (ledger/proposer_schedule.h) to one slot per unit.
inline constexpr uint64_t kMaxTotalPower = 10000;

struct Validator {
  crypto::PublicKey key;
  uint64_t power = 1;
  auto operator<=>(const Validator&) const = default;
  template <class V, class Self>
  static void fields(V& v, Self& x) {
    v(field("key", x.key));
    v(field("power", x.power));
  }
};

// count || (key || u64 power)*: a validator set's list and a
// validator-update's changes alike. Order and bounds are the caller's rules.
void encode_validators(Writer& w, const std::vector<Validator>& vs);
std::vector<Validator> decode_validators(Reader& r);

}  // namespace nl::ledger
