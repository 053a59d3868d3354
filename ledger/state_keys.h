// Layout of the committed state: every entry the state commitment covers
// and the store persists is one of these keys (big-endian, fixed widths).
//   'A' || pubkey[32]                              -> AccountState
//   'H' || u64 id                                  -> Holding
//   'S' || u8 family || u128 first                 -> Segment
//   'R' || u8 family || u128 first || u128 last || u8 maxlen || u32 asn -> Authorization
//   'M' || "next-holding-id"                       -> u64
#pragma once
#include <optional>

#include "crypto/bytes.h"
#include "ledger/account.h"
#include "ledger/holding.h"

namespace nl::ledger::keys {

inline constexpr uint8_t kAccount = 'A';
inline constexpr uint8_t kHolding = 'H';
inline constexpr uint8_t kSegment = 'S';
inline constexpr uint8_t kAuthorization = 'R';
inline constexpr uint8_t kMeta = 'M';

Bytes account(const AccountId& a);
Bytes holding(HoldingId id);
Bytes segment(Family f, u128 first);
Bytes authorization(const Resource& prefix, uint8_t max_length, uint32_t asn);
Bytes next_holding_id();

}  // namespace nl::ledger::keys
