// Key recovery (ledger.md, "Key recovery"): an account's recovery policy
// and the recovery in progress, if any. Stored under 'K' || account.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "crypto/ed25519.h"
#include "ledger/account.h"
#include "ledger/fields.h"

namespace nl::ledger {

// At most this many recovery accounts, so that M of them and the new key
// fit a transaction's 8 signatures.
inline constexpr size_t kMaxRecoveryAccounts = 7;
// The delay bounds, in seconds of block time: an hour to ten years.
inline constexpr uint64_t kMinRecoveryDelay = 3600;
inline constexpr uint64_t kMaxRecoveryDelay = 10ull * 366 * 24 * 3600;

// A recover accepted at height `started_height`; the account's key
// becomes `new_key` at block time `effective_at` unless cancelled first.
struct PendingRecovery {
  crypto::PublicKey new_key;
  uint64_t effective_at = 0;  // unix seconds of block time
  uint64_t started_height = 0;
  AccountId started_by;  // the recovery account that submitted it
  auto operator<=>(const PendingRecovery&) const = default;
  template <class V, class Self>
  static void fields(V& v, Self& x) {
    v(field("new_key", x.new_key));
    v(field("effective_at", x.effective_at).show(Show::rfc3339));
    v(field("started_height", x.started_height));
    v(field("started_by", x.started_by));
  }
};

struct RecoveryState {
  uint8_t threshold = 1;
  std::vector<AccountId> accounts;
  uint64_t delay = 0;  // seconds
  std::optional<PendingRecovery> pending;
  auto operator<=>(const RecoveryState&) const = default;
  template <class V, class Self>
  static void fields(V& v, Self& x) {
    v(field("threshold", x.threshold));
    v(field("accounts", x.accounts).max(kMaxRecoveryAccounts));
    v(field("delay", x.delay));
    v(field("pending", x.pending));
  }
  void encode(Writer& w) const;
  static RecoveryState decode(Reader& r);

  // Whether the pending recovery has taken effect by block time t.
  bool in_effect(uint64_t t) const { return pending && t >= pending->effective_at; }
};

}  // namespace nl::ledger
