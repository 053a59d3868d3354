// Layout of the committed state: every entry the state commitment covers
// and the store persists is one of these keys (big-endian, fixed widths).
//   'A' || pubkey[32]                              -> AccountState
//   'H' || u64 id                                  -> Holding
//   'S' || u8 family || u128 first                 -> Segment
//   'R' || u8 family || u128 first || u128 last || u8 maxlen || u32 asn -> Authorization
//   'M' || "next-holding-id"                       -> u64
//   'V' || u64 from_height                         -> ValidatorSet voting from that height
//   'E' || pubkey[32] || u64 height || u32 round || u8 kind -> CommittedEvidence
//     (kind: 1 prevote, 2 precommit, 3 proposal; ledger/evidence_kind.h)
//   'K' || pubkey[32]                              -> RecoveryState (ledger/recovery.h)
//   'B' || u64 height                              -> the 32-byte hash of that height's block header,
//     written by the next block when that block carries a custody hop, so a
//     proof can show an old header without its certificate (control_proof.h)
#pragma once
#include <optional>

#include "crypto/basics/bytes.h"
#include "crypto/hash.h"
#include "ledger/account.h"
#include "ledger/holding.h"

namespace nl::ledger::keys {

inline constexpr uint8_t kAccount = 'A';
inline constexpr uint8_t kHolding = 'H';
inline constexpr uint8_t kSegment = 'S';
inline constexpr uint8_t kAuthorization = 'R';
inline constexpr uint8_t kMeta = 'M';
inline constexpr uint8_t kValidatorSet = 'V';
inline constexpr uint8_t kEvidence = 'E';
inline constexpr uint8_t kRecovery = 'K';
inline constexpr uint8_t kBlockHash = 'B';

Bytes account(const AccountId& a);
Bytes recovery(const AccountId& a);
Bytes holding(HoldingId id);
Bytes segment(Family f, u128 first);
Bytes authorization(const Resource& prefix, uint8_t max_length, uint32_t asn);
Bytes next_holding_id();
Bytes validator_set(uint64_t from_height);
Bytes block_hash(uint64_t height);
// A block hash entry read back; none unless the key is 'B' || u64 and the
// value 32 bytes.
struct BlockHashEntry {
  uint64_t height = 0;
  crypto::Hash32 hash;
};
std::optional<BlockHashEntry> read_block_hash(ByteView key, ByteView value);
// One equivocation (validator, height, round, kind) has one key, whichever
// pair of conflicting votes or proposals proves it.
Bytes evidence(const crypto::PublicKey& validator, uint64_t height, uint32_t round, uint8_t kind);

}  // namespace nl::ledger::keys
