// Custody chains (issue 15, item 2): the signed transactions that brought a
// proven resource from its genesis holders to its present holders, each in
// a certified block. A verifier replays them over the resource alone and
// checks that every hop was signed by the key in control at that moment;
// the holders it ends with must be the ones the certified state names. So
// a holding moved without its holder's signature is refused even when more
// than 2/3 of the validators certified it (whitepaper/continuity.md).
//
// The model (whitepaper/encoding.md, "Custody chain") keeps, for each run of
// numbers of the resource, the holders of the holdings containing it, root
// first, with each lease's expiry; and each account's key and recovery
// state. Hops are delegate, transfer, return, revoke and renew whose range
// overlaps the resource, and the key changes (rotate-key, set-recovery,
// recover, cancel-recovery) of the accounts that sign them.
#pragma once
#include <cstdint>
#include <vector>

#include "crypto/basics/result.h"
#include "ledger/genesis.h"
#include "ledger/validator_set_chain.h"

namespace nl::ledger {

// Hops one proof may carry.
inline constexpr uint32_t kMaxProofCustodyHops = 10000;

// What the certified state says controls part of the resource.
struct ProvenControl {
  Resource range;
  AccountId holder;
  uint64_t lease_until = 0;
};

struct CustodyAnswer {
  size_t hops = 0;         // delegate, transfer, return, revoke, renew
  size_t key_changes = 0;  // rotate-key and the recovery kinds
  // The most hops that touched any one number of the resource (renews
  // included): its custody depth.
  size_t max_depth = 0;
};

// Whether a transaction can be a hop: a range kind that moves control or a
// lease's expiry, or a key change.
bool is_custody_kind(const TxBody& body);
// Whether a block carries a hop: the next block then records its hash in
// the state (state key 'B'), for proofs to show its header.
bool carries_hop(const Block& b);

// Replays `hops` (ascending by height and position, each included in the
// header it names, which the caller has authenticated) from the genesis
// holdings over `r`, and compares the result with `proven`. Every refusal
// names the hop.
Result<CustodyAnswer> verify_custody(const Genesis& genesis, const crypto::Hash32& genesis_hash, const Resource& r,
                                     const std::vector<BlockHeader>& headers, const std::vector<IncludedTx>& hops,
                                     const std::vector<ProvenControl>& proven);

}  // namespace nl::ledger
